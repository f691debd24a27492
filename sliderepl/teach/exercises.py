"""Exercise slides: a task, hints, a check and a solution.

Markup (old runners read it as comments)::

    ### exercise:: Add a column "nickname" to users.
    ### hint:: Table.append_column takes a Column.
    ### hint:: Column("nickname", String(30))
    ### check:: "nickname" in users.c
    ### solution:: users.append_column(Column("nickname", String(30)))

Running a check or a solution (``evaluate``, ``prove``) is
``sliderepl.run.solutions``'s job; this module keeps the teaching side.

``Tracker`` keeps the interactive side: hints revealed per slide, each
exercise's state (untried, tried, solved), and the texts ``!hint``,
``!check`` and ``!solution`` print.  ``exercises`` and ``listing`` are
``!exercises``'s: the deck's exercises in order, with their states.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sliderepl.deck.markup import plain
from sliderepl.deck.model import Exercise, Slide
from sliderepl.run.solutions import CheckResult, evaluate, prove
from sliderepl.teach.progress import SOLVED, TRIED, UNTRIED

__all__ = [
    "SOLVED", "TRIED", "UNTRIED", "CheckResult", "Tracker", "evaluate",
    "exercise_key", "exercises", "listing", "prove", "task_lines",
]


def exercise_key(slide: Slide) -> str:
    """How the progress file names ``slide``'s exercise: the slide's
    title (numbers shift when slides are added; titles rarely do), or
    ``slide N`` for an untitled one."""
    return plain(slide.title or "").strip() or f"slide {slide.number}"


def exercises(slides: Sequence[Slide]) -> list[Slide]:
    """The slides that carry an exercise, in deck order."""
    return [slide for slide in slides if slide.exercise is not None]


def listing(
    slides: Sequence[Slide], state_of: Callable[[Slide], str]
) -> list[tuple[int, int, str, str]]:
    """``(exercise number, slide number, state, task)`` for each."""
    return [
        (n, slide.number or 0, state_of(slide),
         plain(" ".join(slide.exercise.task)).strip())
        for n, slide in enumerate(exercises(slides), 1)
        if slide.exercise is not None
    ]


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
    #: slide number -> ``tried`` or ``solved`` (absent: untried)
    states: dict[int, str] = field(default_factory=dict)
    #: told ``(slide, state)`` when an exercise's state changes (the
    #: progress file listens when progress is kept)
    on_change: Callable[[Slide, str], None] | None = None

    @property
    def solved(self) -> set[int]:
        return {n for n, state in self.states.items() if state == SOLVED}

    def state_of(self, slide: Slide) -> str:
        return self.states.get(slide.number or 0, UNTRIED)

    def restore(self, slides: Sequence[Slide],
                stored: dict[str, str]) -> None:
        """States from an earlier session (keyed by ``exercise_key``)."""
        for slide in exercises(slides):
            state = stored.get(exercise_key(slide))
            if state in (TRIED, SOLVED):
                self.states[slide.number or 0] = state

    def _set(self, slide: Slide, state: str) -> None:
        key = slide.number or 0
        if self.states.get(key) == SOLVED or self.states.get(key) == state:
            return  # once solved, solved: a later failed check is a retry
        self.states[key] = state
        if self.on_change is not None:
            self.on_change(slide, state)

    def typed(self, slide: Slide | None) -> None:
        """The learner ran code of their own on ``slide``: if it has an
        exercise, the exercise is tried."""
        if slide is not None and slide.exercise is not None:
            self._set(slide, TRIED)

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
            self._set(slide, TRIED)
            return f"not yet: {result.reason}", False, None
        self._set(slide, SOLVED)
        return "check passed: well done", True, exercise.solution or None

    def solution(self, slide: Slide) -> tuple[str | None, str]:
        """``!solution``: (code or None, message)."""
        exercise = slide.exercise
        if exercise is None:
            return None, "this slide has no exercise"
        if not exercise.solution:
            return None, "this exercise has no solution"
        return exercise.solution, "a solution (type it, or your own):"
