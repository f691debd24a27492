"""Where we are in a deck, and a namespace that matches it.

Public API (no printing; everything shown goes to a sink as events)::

    nav = Navigator(deck, options)     # options: sliderepl.run.options.Options
    nav.deck, nav.total                # the (possibly --short) deck
    nav.position                       # 1-based current slide, 0 = before
    nav.current                        # Slide at position, or None
    nav.slide(n)                       # Slide number n (for !show), or None
    nav.interpreter                    # execution.Interpreter of this run
    nav.interpreter.namespace          # the live namespace
    nav.echo_sql                       # get/set; kept across rebuilds
    nav.start(sink)                    # run setup slides once (implicit)
    nav.next(sink, run=True) -> bool   # False at the end (a Notice says so)
    nav.prev(sink, run=True) -> bool   # False on slide 1: never wraps
    nav.goto(n, sink, run=True) -> bool  # False if no slide n, or if
                                       # Ctrl-C stopped the catch-up
    nav.run_current(sink) -> Outcome   # run the current slide (after a
                                       # bullet reveal or a ``p`` pause)
    nav.has_run                        # the current slide's code has run
    nav.rerun(sink) -> bool            # rebuild, then run this slide again
                                       # (goto(position, run=False) +
                                       # run_current for a paused rerun)
    nav.reset(sink)                    # fresh namespace, setup, position 0
    nav.reload(sink, run=True) -> bool # re-read the deck file, keep the
                                       # position (clamped), rebuild, run;
                                       # its problems come as Notices
    nav.replace(deck) -> int           # a re-read deck in place: fresh
                                       # namespace, position 0; returns
                                       # the old position (clamped)
    nav.catch_up(k, sink) -> bool      # run setup + slides 1..k silently
    nav.run_source(text, sink) -> Outcome   # code typed at the prompt
    nav.last_outcome                   # Outcome of the last shown run

State rule: the namespace always holds the setup slides plus slides
``1 .. k`` run in order, with ``k`` the current position (or one less if
the current slide's code has not run yet).  Going back, ``goto`` an
earlier slide, ``rerun`` and ``reload`` *rebuild*: a fresh interpreter,
the setup slides, then every earlier slide run silently.  Going forward
past several slides runs the skipped ones silently.

Landing on a slide emits ``SlideStarted(slide, total)``; with
``run=True`` its blocks then run shown.  With ``run=False`` the caller
reveals bullets or pauses, then calls ``run_current``.

Silent runs send the sink nothing but a one-line ``Notice`` naming the
slide and ``FILE:LINE`` when a slide raised unexpectedly (the catch-up
goes on), or when Ctrl-C stopped the catch-up (the navigator then stays
on the interrupted slide, its header shown, its code partly run).
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from pathlib import Path

from sliderepl.deck.model import Deck, Slide
from sliderepl.run.events import Event, Notice, Sink, SlideStarted
from sliderepl.run.execution import NOT_RUN, Interpreter, Outcome
from sliderepl.run.options import Options

InterpreterFactory = Callable[[Deck, bool], Interpreter]


def default_interpreter(deck: Deck, echo_sql: bool) -> Interpreter:
    """A fresh interpreter for ``deck``, quoting its sources."""
    interpreter = Interpreter(deck.path, echo_sql=echo_sql)
    interpreter.register_sources(deck.sources)
    return interpreter


def _discard(event: Event) -> None:
    """The sink of silent runs."""


def error_line(exc: BaseException, slide: Slide) -> str:
    """``FILE:LINE`` where ``exc`` left the slide's code: the deck frame
    of the traceback, else the slide's marker line."""
    tb = exc.__traceback__
    where = slide.location
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename == str(slide.path):
            where = f"{filename}:{tb.tb_lineno}"
            break  # the first deck frame: the slide's own statement
        tb = tb.tb_next
    else:
        if isinstance(exc, SyntaxError) and exc.filename and exc.lineno:
            where = f"{exc.filename}:{exc.lineno}"
    return where


def describe(exc: BaseException) -> str:
    """``ExcType: message`` on one line."""
    try:
        last = traceback.format_exception_only(exc)[-1]
    except Exception:
        return type(exc).__name__
    return " ".join(last.split())


def run_silently(
    interpreter: Interpreter, slide: Slide, sink: Sink
) -> Outcome:
    """Run ``slide`` showing nothing; a failure becomes one ``Notice``."""
    outcome = interpreter.run_slide(slide, _discard, shown=False)
    if outcome.interrupted:
        sink(Notice(f"Ctrl-C stopped {slide.label()} ({slide.location})"))
    elif outcome.error is not None and not outcome.expected:
        sink(
            Notice(
                f"{error_line(outcome.error, slide)}: {slide.label()}"
                f" (run silently) raised {describe(outcome.error)}"
            )
        )
    return outcome


class Navigator:
    """Position in a deck plus the interpreter whose state matches it."""

    def __init__(
        self,
        deck: Deck,
        options: Options | None = None,
        interpreter_factory: InterpreterFactory = default_interpreter,
    ) -> None:
        self.options = options if options is not None else Options()
        self.deck = deck.shortened() if self.options.short else deck
        self._factory = interpreter_factory
        self._echo_sql = self.options.echo_sql
        self.interpreter = self._factory(self.deck, self._echo_sql)
        self.position = 0
        self._ran_through = 0
        self._started = False
        self.last_outcome: Outcome = NOT_RUN

    # -- where we are -------------------------------------------------

    @property
    def total(self) -> int:
        return len(self.deck.slides)

    @property
    def current(self) -> Slide | None:
        return self.slide(self.position)

    def slide(self, number: int) -> Slide | None:
        if 1 <= number <= self.total:
            return self.deck.slides[number - 1]
        return None

    @property
    def has_run(self) -> bool:
        return self.position > 0 and self._ran_through >= self.position

    @property
    def echo_sql(self) -> bool:
        return self._echo_sql

    @echo_sql.setter
    def echo_sql(self, value: bool) -> None:
        self._echo_sql = value
        self.interpreter.echo_sql = value

    # -- moving -------------------------------------------------------

    def start(self, sink: Sink) -> None:
        """Run the setup slides, once per namespace."""
        if self._started:
            return
        self._started = True
        for slide in self.deck.setup:
            outcome = run_silently(self.interpreter, slide, sink)
            if outcome.interrupted:
                break

    def next(self, sink: Sink, run: bool = True) -> bool:
        if self.position >= self.total:
            sink(Notice("end of the deck", failed=False))
            return False
        return self.goto(self.position + 1, sink, run)

    def prev(self, sink: Sink, run: bool = True) -> bool:
        if self.position <= 1:
            sink(Notice("already at the first slide", failed=False))
            return False
        return self.goto(self.position - 1, sink, run)

    def goto(self, number: int, sink: Sink, run: bool = True) -> bool:
        """Land on slide ``number`` with the state of slides before it."""
        slide = self.slide(number)
        if slide is None:
            sink(
                Notice(
                    f"no slide {number}: slides are 1 to {self.total}",
                    failed=False,
                )
            )
            return False
        if not self._catch_up(number - 1, sink):
            return False
        self.position = number
        sink(SlideStarted(slide, self.total))
        if run:
            self.run_current(sink)
        return True

    def run_current(self, sink: Sink) -> Outcome:
        """Run the current slide's code, shown."""
        slide = self.current
        if slide is None:
            return NOT_RUN
        if not self._catch_up(self.position - 1, sink):
            return NOT_RUN
        self._ran_through = self.position
        self.last_outcome = self.interpreter.run_slide(slide, sink)
        return self.last_outcome

    def rerun(self, sink: Sink) -> bool:
        if self.position == 0:
            return self.next(sink)
        return self.goto(self.position, sink)

    def reset(self, sink: Sink) -> None:
        """Start over: fresh namespace, setup slides, before slide 1."""
        self._rebuild()
        self.position = 0
        self.start(sink)

    def reload(self, sink: Sink, run: bool = True) -> bool:
        """Re-read the deck file; keep the position; rebuild the state.

        On a read error the old deck stays and a Notice says why.  Every
        problem of the new deck is reported as a Notice.
        """
        from sliderepl.deck.parser import load

        try:
            deck = load(self.deck.path)
        except (OSError, UnicodeDecodeError) as exc:
            sink(Notice(f"can't reload {self.deck.path}: {exc}"))
            return False
        position = self.replace(deck)
        for problem in self.deck.problems:
            sink(Notice(str(problem)))
        if position:
            return self.goto(position, sink, run)
        self.start(sink)
        return True

    def replace(self, deck: Deck) -> int:
        """Take ``deck`` (the same deck, re-read) in place of this one:
        a fresh namespace, nothing run yet, position 0.  Returns the
        position to go back to (the old one, clamped to the new deck)."""
        self.deck = deck.shortened() if self.options.short else deck
        position = min(self.position, self.total)
        self._rebuild()
        self.position = 0
        return position

    def catch_up(self, through: int, sink: Sink) -> bool:
        """Run the setup slides and slides ``1 .. through`` silently (a
        rebuild, if more has run); False if Ctrl-C stopped it."""
        return self._catch_up(min(through, self.total), sink)

    def run_source(self, text: str, sink: Sink) -> Outcome:
        """Run code typed at the prompt, in the deck's namespace."""
        self.start(sink)
        return self.interpreter.run_source(text, sink)

    # -- state --------------------------------------------------------

    def _rebuild(self) -> None:
        self.interpreter = self._factory(self.deck, self._echo_sql)
        self._ran_through = 0
        self._started = False

    def _catch_up(self, through: int, sink: Sink) -> bool:
        """Make the namespace hold slides ``1 .. through``; False if
        Ctrl-C stopped it (the navigator then sits on that slide)."""
        if self._ran_through > through:
            self._rebuild()
        self.start(sink)
        while self._ran_through < through:
            number = self._ran_through + 1
            self._ran_through = number
            slide = self.deck.slides[number - 1]
            if run_silently(self.interpreter, slide, sink).interrupted:
                self.position = number
                sink(SlideStarted(slide, self.total))
                return False
        return True


def load_navigator(path: Path, options: Options | None = None) -> Navigator:
    """Parse the deck at ``path`` and wrap it (raises ``OSError``)."""
    from sliderepl.deck.parser import load

    return Navigator(load(path), options)
