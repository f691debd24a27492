"""Running an exercise's check and its solution (``check::``, ``solution::``).

``evaluate(check, namespace)`` runs a check against the live namespace:
the check's code runs in a shallow copy of it (so its own names don't
leak into the learner's namespace, while the deck's helper functions and
the database are all there), and its last line, an expression, decides.
An exception means "not yet" with the reason, never a crash.

``prove(interpreter, slide, sink)`` is what ``--run-all`` does after an
exercise slide: run the solution, shown, then the check, which must pass.
That proves every exercise of a deck can be solved; a learner's own
attempt is never required to pass in a headless run.
"""

from __future__ import annotations

import ast
import contextlib
import io
from dataclasses import dataclass
from typing import Any

from sliderepl.deck.model import Slide
from sliderepl.deck.parser import solution_blocks
from sliderepl.run.events import Notice, Sink
from sliderepl.run.execution import Interpreter
from sliderepl.run.navigation import describe


@dataclass(frozen=True)
class CheckResult:
    """``passed``, and a one-line reason when it didn't."""

    passed: bool
    reason: str = ""


def evaluate(check: str, namespace: dict[str, Any]) -> CheckResult:
    """Run ``check`` over ``namespace``; its last line is the verdict."""
    if not check.strip():
        return CheckResult(False, "this exercise has no check")
    try:
        tree = ast.parse(check, "<check>")
    except SyntaxError as exc:
        return CheckResult(False, f"the check does not compile: {exc.msg}")
    if not tree.body or not isinstance(tree.body[-1], ast.Expr):
        return CheckResult(False, "the check's last line is no expression")
    body = ast.Module(tree.body[:-1], type_ignores=[])
    last = ast.Expression(tree.body[-1].value)
    scope = dict(namespace)
    quiet = io.StringIO()
    try:
        # a check answers yes or no: what it prints is not for the slide
        with contextlib.redirect_stdout(quiet):
            exec(compile(body, "<check>", "exec"), scope)
            verdict = eval(compile(last, "<check>", "eval"), scope)
    except Exception as exc:
        return CheckResult(False, describe(exc))
    if verdict:
        return CheckResult(True)
    return CheckResult(False, f"the check is false: {check.splitlines()[-1]}")


def prove(interpreter: Interpreter, slide: Slide, sink: Sink) -> str | None:
    """Run ``slide``'s solution, then its check: a failure message
    (``FILE:LINE: ...``) if the solution raises or fails the check."""
    exercise = slide.exercise
    if exercise is None or not exercise.solution:
        return None
    where = f"{slide.path}:{exercise.solution_line}"
    sink(Notice("exercise solution (headless check):", failed=False))
    for block in solution_blocks(slide):
        outcome = interpreter.run_block(block, sink)
        if outcome.interrupted:
            return f"{where}: {slide.label()}: solution interrupted"
        if outcome.error is not None:
            return (
                f"{where}: {slide.label()}: the solution raised"
                f" {describe(outcome.error)}"
            )
    if not exercise.check:
        return None
    result = evaluate(exercise.check, interpreter.namespace)
    if result.passed:
        sink(Notice("check passed", failed=False))
        return None
    sink(Notice(f"check failed: {result.reason}"))
    return (
        f"{slide.path}:{exercise.check_line}: {slide.label()}: the solution"
        f" does not pass the check ({result.reason})"
    )
