"""Exercise slides: a task, hints, a check and a solution.

Markup (old runners read it as comments)::

    ### exercise:: Add a column "nickname" to users.
    ### hint:: Table.append_column takes a Column.
    ### hint:: Column("nickname", String(30))
    ### check:: "nickname" in users.c
    ### solution:: users.append_column(Column("nickname", String(30)))

``evaluate(check, namespace)`` runs a check against the live namespace:
the check's code runs in a shallow copy of it (so its own names don't
leak into the learner's namespace, while the deck's helper functions and
the database are all there), and its last line, an expression, decides.
An exception means "not yet" with the reason, never a crash.

``prove(interpreter, slide, sink)`` is what ``--run-all`` does after an
exercise slide: run the solution, shown, then the check, which must pass.
That proves every exercise of a deck can be solved; a learner's own
attempt is never required to pass in a headless run.

``Tracker`` keeps the interactive side: hints revealed per slide,
exercises solved, and the texts ``!hint``, ``!check`` and ``!solution``
print.
"""

from __future__ import annotations

import ast
import contextlib
import io
from dataclasses import dataclass, field
from typing import Any

from sliderepl.run.events import Notice, Sink
from sliderepl.run.execution import Interpreter
from sliderepl.deck.model import Exercise, Slide
from sliderepl.run.navigation import describe
from sliderepl.deck.parser import solution_blocks


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


def task_lines(exercise: Exercise) -> list[str]:
    """What a slide shows about its exercise (hints stay hidden)."""
    lines = [f"**Exercise:** {' '.join(exercise.task)}".rstrip()]
    extra = []
    if exercise.hints:
        extra.append(f"!hint ({len(exercise.hints)})")
    if exercise.check:
        extra.append("!check")
    if exercise.solution:
        extra.append("!solution")
    if extra:
        lines.append("  " + ", ".join(extra))
    return lines


@dataclass
class Tracker:
    """The learner's exercise progress during one REPL session, keyed by
    slide number."""

    hints_shown: dict[int, int] = field(default_factory=dict)
    solved: set[int] = field(default_factory=set)

    def hint(self, slide: Slide) -> tuple[str, bool]:
        """The next hint of ``slide`` (text, ok)."""
        exercise = slide.exercise
        if exercise is None:
            return "this slide has no exercise", False
        if not exercise.hints:
            return "this exercise has no hints", False
        key = slide.number or 0
        shown = self.hints_shown.get(key, 0)
        if shown >= len(exercise.hints):
            return (
                f"no more hints ({len(exercise.hints)} shown);"
                " !solution shows the answer", False
            )
        self.hints_shown[key] = shown + 1
        return (
            f"hint {shown + 1} of {len(exercise.hints)}:"
            f" {exercise.hints[shown]}", True
        )

    def check(
        self, slide: Slide, namespace: dict[str, Any]
    ) -> tuple[str, bool, str | None]:
        """``!check``: (message, passed, solution to show or None).

        After a pass the solution is shown too, so the learner can
        compare it with their own.
        """
        exercise = slide.exercise
        if exercise is None:
            return "this slide has no exercise", False, None
        if not exercise.check:
            return "this exercise has no check", False, None
        result = evaluate(exercise.check, namespace)
        if not result.passed:
            return f"not yet: {result.reason}", False, None
        self.solved.add(slide.number or 0)
        return "check passed: well done", True, exercise.solution or None

    def solution(self, slide: Slide) -> tuple[str | None, str]:
        """``!solution``: (code or None, message)."""
        exercise = slide.exercise
        if exercise is None:
            return None, "this slide has no exercise"
        if not exercise.solution:
            return None, "this exercise has no solution"
        return exercise.solution, "a solution (type it, or your own):"
