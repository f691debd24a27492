"""Stepping through a slide: the REPL's state and its small machine.

One ``ReplState`` is passed explicitly everywhere.  A slide goes through
phases (``state.phase``):

    bullets -> code -> paused -> done -> (next slide)

``bullets`` reveals one bullet per Enter on ``b`` slides; ``code`` shows
and runs the code; a ``p`` slide shows its code and stops at ``paused``
until Enter runs it.  The navigator moves with ``run=False`` so that the
phases, not the navigator, decide when code runs.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sliderepl.run.navigation import Navigator
from sliderepl.run.options import Options
from sliderepl.screen import render
from sliderepl.screen.console import Screen
from sliderepl.screen.theme import make_console
from sliderepl.teach.exercises import Tracker, task_lines

if TYPE_CHECKING:
    from sliderepl.deck.model import Deck, Slide
    from sliderepl.run.events import Sink

BULLETS, CODE, PAUSED, DONE = "bullets", "code", "paused", "done"
#: past the last slide: its summary is on screen (``finish``)
FINISHED = "finished"

#: told ``(deck, position, wall_started)`` when a slide is reached
SlideListener = Callable[["Deck", int, float], None]


@dataclass
class ReplState:
    """Everything the REPL knows; passed to every function that acts."""

    nav: Navigator
    screen: Screen
    deck_name: str
    started: float = field(default_factory=time.monotonic)
    phase: str = DONE
    revealed: int = 0
    finished: bool = False
    history: list[str] = field(default_factory=list)
    #: Where shown code goes once the prompt's history exists.
    remember: Callable[[str], None] | None = None
    #: Hints shown and exercises solved (``!hint``, ``!check``).
    exercises: Tracker = field(default_factory=Tracker)
    #: Told ``(deck, position, wall_started)`` each time a slide is
    #: reached; teaching tools subscribe (``keep_progress``).
    slide_listeners: list[SlideListener] = field(default_factory=list)
    #: Wall-clock start, for the notes window's clock.
    wall_started: float = field(default_factory=time.time)
    #: The toolbar shows ahead / behind (``--pacing``; never for a
    #: learner who resumed part-way).
    pacing: bool = False
    #: Slides landed on (this session, plus earlier ones when progress
    #: is kept): ``!toc`` marks them.
    seen: set[int] = field(default_factory=set)
    #: The deck was opened from the menu: ``!quit`` goes back to it.
    from_menu: bool = False
    #: the next deck the finish line offers, and the one to open once
    #: this one ends (``finish.py``)
    offer: Path | None = None
    then: Path | None = None

    @property
    def keep_progress(self) -> bool:
        """Remember each slide reached (resume, menu progress) and
        publish it for ``sliderepl notes``: on for a person at a
        terminal (the progress files listen to slide events)."""
        return keep_progress in self.slide_listeners

    @keep_progress.setter
    def keep_progress(self, on: bool) -> None:
        if on and not self.keep_progress:
            self.slide_listeners.append(keep_progress)
            _restore_progress(self)
        elif not on and self.keep_progress:
            self.slide_listeners.remove(keep_progress)
            self.exercises.on_change = None

    @property
    def position(self) -> int:
        return self.nav.position

    @property
    def total(self) -> int:
        return self.nav.total

    @property
    def echo_sql(self) -> bool:
        """The one SQL echo setting: the navigator's (it carries it to
        every interpreter it makes; the screen reads it too)."""
        return self.nav.echo_sql

    @echo_sql.setter
    def echo_sql(self, on: bool) -> None:
        self.nav.echo_sql = on

    @property
    def slide(self) -> Slide | None:
        return self.nav.current

    @property
    def target(self) -> float | None:
        """The deck's time budget in seconds (``### target::``)."""
        return self.nav.deck.target

    def enter_hint(self) -> str:
        """What an Enter on an empty line does now (for the toolbar)."""
        slide = self.slide
        if self.phase == BULLETS and slide is not None:
            return f"bullet {self.revealed + 1} of {len(slide.bullets)}"
        if self.phase == CODE:
            return "show the code"
        if self.phase == PAUSED:
            return "run the code"
        if self.phase == FINISHED:
            return (f"open {self.offer.name}" if self.offer
                    else "end of the deck")
        if self.position >= self.total and self.total:
            return "the summary"
        return "next slide"


def make_state(
    deck: Deck, options: Options, screen: Screen | None = None
) -> ReplState:
    """A state for ``deck``; ``screen`` defaults to the terminal."""
    if screen is None:
        screen = Screen(make_console(options.theme), options.theme)
    screen.presentation = options.presentation
    nav = Navigator(deck, options)
    # one SQL echo setting: the screen shows SQL when the navigator's
    # interpreter captures it (F2 and !echo both change it)
    screen.echo_follows(nav)
    state = ReplState(nav, screen, deck.path.name)
    state.pacing = options.pacing and options.start <= 1
    screen.on_code = lambda text: _remember(state, text)
    return state


def toggle_echo(state: ReplState) -> None:
    """SQL echo on if off, off if on (``!echo`` and F2)."""
    state.echo_sql = not state.echo_sql


def _remember(state: ReplState, text: str) -> None:
    text = text.rstrip("\n")
    if not text.strip():
        return
    if state.remember is not None:
        state.remember(text)
    else:
        state.history.append(text)  # no prompt yet: kept for it


def begin(state: ReplState, start: int = 1) -> None:
    """The first slide's header, the deck's problems, the setup slides,
    then the first slide's code.

    The header goes up before the setup slides run: they are silent and
    often slow (imports, a database), and the audience should see the
    title at once rather than a blank screen.  Problems come after it so
    that presentation mode's clear screen does not wipe them.
    """
    screen = state.screen
    first = min(max(start, 1), state.total)
    slide = state.nav.slide(first)
    if slide is not None:
        screen.slide(slide, state.total)
        screen.drawn_early = slide
    for problem in state.nav.deck.problems:
        if slide is None or problem not in slide.problems:
            screen.show(render.problem(problem))
    state.nav.start(screen)
    if slide is None:
        screen.message("this deck has no slides; type Python, !q quits")
        return
    move(state, lambda sink: state.nav.goto(first, sink, run=False))
    screen.drawn_early = None


def land(state: ReplState, arrived: bool, before: int) -> None:
    """After moving (``run=False``): start the slide's first phase.

    ``before`` is the position before the move: a refused move (no such
    slide, already on the first) leaves the current slide's phase alone.
    """
    slide = state.slide
    if not arrived:
        if state.position != before or state.nav.has_run:
            # Ctrl-C stopped the catch-up: we sit on a half-run slide.
            state.phase = DONE
        return
    if slide is None:
        state.phase = DONE
        return
    landed(state)
    state.revealed = 0
    if slide.has_bullets:
        state.phase = BULLETS
        return
    if slide.bullets:
        # Bullets without the ``b`` flag are part of the slide, all at once.
        state.screen.show(render.bullets(slide.bullets))
    show_code(state)


def landed(state: ReplState) -> None:
    """Tell the listeners the slide reached; one that fails is dropped
    (a state directory that can't be written is no reason to stop the
    deck)."""
    state.seen.add(state.position)
    for listener in list(state.slide_listeners):
        try:
            listener(state.nav.deck, state.position, state.wall_started)
        except Exception:  # noqa: BLE001 - listeners are niceties
            state.slide_listeners.remove(listener)


def keep_progress(deck: Deck, position: int, started: float) -> None:
    """The progress files' listener (resume, menu, notes window)."""
    from sliderepl.teach.progress import on_slide

    on_slide(deck, position, started)


def _restore_progress(state: ReplState) -> None:
    """Progress is kept from now on: take in what earlier sessions stored
    (slides seen, exercise states) and store each exercise state change."""
    from sliderepl.teach.exercises import exercise_key
    from sliderepl.teach.progress import learned, mark_exercise

    deck = state.nav.deck
    done = learned(deck.path)
    if done is not None:
        state.seen |= {n for n in done.seen if 1 <= n <= state.total}
        state.exercises.restore(deck.slides, dict(done.exercises))

    def store(slide: Slide, status: str) -> None:
        mark_exercise(deck.path, exercise_key(slide), status)

    state.exercises.on_change = store


def show_exercise(state: ReplState) -> None:
    """After a slide's code ran: its exercise, if it has one."""
    slide = state.slide
    if slide is None or slide.exercise is None:
        return
    from sliderepl.screen.markup import to_text

    for line in task_lines(slide.exercise):
        state.screen.show(to_text(line, "message"))


def move(state: ReplState, to: Callable[[Sink], bool]) -> None:
    """Move with ``to(sink)`` (a navigator call with ``run=False``)."""
    before = state.position
    land(state, to(state.screen), before)


def show_code(state: ReplState, pause: bool = True) -> None:
    """The code phase: run it shown, or show it and pause (``p``)."""
    slide = state.slide
    if slide is None:
        return
    screen = state.screen
    if pause and state.nav.deck.pauses(slide) and slide.runs \
            and slide.blocks:
        screen.code(slide)
        screen.message(pause_line(slide, state.nav.deck))
        state.phase = PAUSED
        return
    if not slide.runs:
        screen.code(slide)  # display only: x slides, broken slides
    state.phase = DONE
    try:
        state.nav.run_current(screen)
    finally:
        screen.pager.stop()  # it ran: the prompt's output scrolls
    show_exercise(state)


def pause_line(slide: Slide, deck: Deck) -> str:
    """The line under a paused slide's code: a question for the room
    when the deck asks for predictions (``### predict::``)."""
    if deck.predict in ("errors", "all") and not slide.pauses:
        return "What will this do?  Enter runs it"
    return "Enter runs it"


def run_paused(state: ReplState) -> None:
    """Run a paused slide's code, which is on screen already."""
    state.phase = DONE
    state.screen.show_code = False
    try:
        state.nav.run_current(state.screen)
    finally:
        state.screen.show_code = True
        state.screen.pager.stop()  # it ran: the prompt's output scrolls
    show_exercise(state)


def advance(state: ReplState) -> None:
    """Enter on an empty line, and ``!next``."""
    slide = state.slide
    if state.phase == BULLETS and slide is not None:
        state.revealed += 1
        state.screen.show(
            render.bullets(slide.bullets, state.revealed, state.revealed - 1)
        )
        if state.revealed >= len(slide.bullets):
            state.phase = CODE
            if not slide.blocks:
                show_code(state)
    elif state.phase == CODE:
        show_code(state)
    elif state.phase == PAUSED:
        run_paused(state)
    elif state.phase == FINISHED:
        after_finish(state)
    elif state.total and state.position >= state.total:
        finish(state)
    else:
        move(state, lambda sink: state.nav.next(sink, run=False))


def finish(state: ReplState) -> None:
    """Enter past the last slide: the summary and the next deck."""
    from sliderepl.teach.exercises import exercises
    from sliderepl.ui import finish as finish_line

    state.phase = FINISHED
    deck = state.nav.deck
    following = finish_line.next_deck(deck.path)
    state.offer = following[0] if following else None
    text = finish_line.summary(
        len({n for n in state.seen if 1 <= n <= state.total}), state.total,
        len(state.exercises.solved), len(exercises(deck.slides)),
        time.monotonic() - state.started)
    state.screen.show(finish_line.panel(state.deck_name, text, following,
                                        state.from_menu))


def after_finish(state: ReplState) -> None:
    """Enter on the summary: open the next deck, or say it is over."""
    if state.offer is None:
        state.screen.message("end of the deck: !q leaves")
        return
    state.then = state.offer
    state.finished = True
    state.screen.message(f"opening {state.offer.name}")


def replay(state: ReplState, arrived: bool) -> None:
    """After a rerun or reload: all bullets at once, then run."""
    slide = state.slide
    if not arrived or slide is None or state.nav.has_run:
        state.phase = DONE
        return
    if slide.bullets:
        state.screen.show(render.bullets(slide.bullets))
    show_code(state, pause=False)
