"""Exercise slides: a task, hints, a check and a solution.

Markup (old runners read it as comments)::

    ### exercise:: Add a column "nickname" to users.
    ### hint:: Table.append_column takes a Column.
    ### hint:: Column("nickname", String(30))
    ### check:: "nickname" in users.c
    ### solution:: users.append_column(Column("nickname", String(30)))

Running a check or a solution (``evaluate``, ``prove``) is
``sliderepl.run.solutions``'s job; this module keeps the teaching side.

``Tracker`` keeps the interactive side: hints revealed per slide,
exercises solved, and the texts ``!hint``, ``!check`` and ``!solution``
print.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sliderepl.deck.model import Exercise, Slide
from sliderepl.run.solutions import CheckResult, evaluate, prove

__all__ = ["CheckResult", "Tracker", "evaluate", "prove", "task_lines"]


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
