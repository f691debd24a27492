"""``sliderepl --run-all DECK``: every slide in order, no terminal.

The loop itself is :class:`HeadlessRun`; ``run_all`` (also behind
``sliderepl check``) and the handout recorder (``sliderepl.tools.handout``)
are its two consumers.

Setup slides run silently, then each shown slide (``--short`` ones only
with that option) runs in the one namespace, its transcript written as it
goes (format: ``sliderepl.run.transcript``).  The run goes on after a failing
slide, so one broken slide doesn't hide the state of the others.

A failure is: a parse problem, a slide (setup included) raising an
unexpected exception, or an ``e`` slide raising nothing.  Each is named
with ``FILE:LINE`` in the summary written to ``err`` at the end.  Exit
status: 0 if nothing failed, 1 otherwise, 130 if Ctrl-C stopped the run.
``input()`` in a slide reads end-of-file: a headless run never waits.
After an exercise slide runs, its solution runs (shown) and its check
must then pass (``sliderepl.teach.exercises.prove``): a failure too.
So is a claim not proven: each slide's ``### proof::`` expressions are
evaluated, silently, right after the slide ran as intended (before its
exercise solution), and each false or raising one is a failure
``FILE:LINE: claim not proven: TEXT (proof: EXPR -> False)``
(``sliderepl.run.claims``).
"""

from __future__ import annotations

import io
import sys
from collections.abc import Generator, Iterator
from contextlib import closing
from dataclasses import dataclass
from typing import TextIO

from sliderepl.deck.model import Deck, Slide
from sliderepl.run import active, headless_guard
from sliderepl.run.claims import Verdict, prove_claims
from sliderepl.run.events import Sink, SlideStarted
from sliderepl.run.execution import Interpreter, Outcome
from sliderepl.run.inert import inert
from sliderepl.run.navigation import (
    default_interpreter,
    describe,
    error_line,
    run_silently,
)
from sliderepl.run.options import Options
from sliderepl.run.solutions import prove
from sliderepl.run.transcript import Transcript


def failure(slide: Slide, outcome: Outcome) -> str | None:
    """``FILE:LINE: what went wrong`` for a slide that failed, or None."""
    if slide.problems:
        return "\n".join(
            f"{p.path}:{p.line}: {slide.label()}: {p.message}"
            for p in slide.problems
        )
    if outcome.ok:
        return None
    if outcome.interrupted:
        return f"{slide.location}: {slide.label()}: interrupted"
    if outcome.error is None:
        return (
            f"{slide.location}: {slide.label()}: expected an exception"
            " (flag e), none was raised"
        )
    where = error_line(outcome.error, slide)
    return f"{where}: {slide.label()}: {describe(outcome.error)}"


SETUP, SLIDE, SOLVING, PROVED = "setup", "slide", "solving", "proved"


@dataclass(frozen=True)
class Step:
    """What the loop just did to ``slide``.

    ``phase``: ``setup`` (a setup slide ran, silently), ``slide`` (a
    slide ran), ``solving`` (its exercise solution is about to run),
    ``proved`` (it ran, and its check).  ``outcome``: how the slide ran
    (as the interpreter reported it).  ``problem``: the failure to
    report (``FILE:LINE: ...``, a line per failure), or None.
    ``verdicts``: on a ``setup`` or ``slide`` step, how each proof of
    the slide's claims came out (empty when it has none, or it failed).
    """

    slide: Slide
    phase: str
    outcome: Outcome
    problem: str | None = None
    verdicts: tuple[Verdict, ...] = ()


class HeadlessRun:
    """The one headless run loop: ``--run-all``, ``check`` and handouts.

    ``steps()`` runs every slide of ``deck`` in order, its events going
    to ``sink``, and yields a :class:`Step` after each (and before an
    exercise solution runs).  Slides before number ``start`` run
    silently.  The run goes on after a failing slide and stops at Ctrl-C
    (``current`` is then the slide it stopped; None once all ran).
    Close the iterator when done (``contextlib.closing``): that puts
    ``sys.stdin`` and the guards back.
    """

    def __init__(self, deck: Deck, interpreter: Interpreter, sink: Sink,
                 start: int = 0) -> None:
        self.deck = deck
        self.interpreter = interpreter
        self.sink = sink
        self.start = start
        self.current: Slide | None = None

    def steps(self) -> Generator[Step, None, None]:
        stdin = sys.stdin
        # no prompts: input() in a slide gets end-of-file at once instead
        # of waiting for a keyboard nobody is at
        sys.stdin = io.StringIO()
        try:
            with active.running(), headless_guard.guarded() as watch:
                yield from self._setup()
                yield from self._slides(watch)
        finally:
            sys.stdin = stdin

    def _setup(self) -> Iterator[Step]:
        for slide in self.deck.setup:
            outcome = run_silently(self.interpreter, slide, self.sink)
            yield self._proved(Step(slide, SETUP, outcome,
                                    failure(slide, outcome)))

    def _proved(self, step: Step) -> Step:
        """``step`` with its slide's claims proven (when it ran as
        intended), each failing proof added to its problem."""
        slide = step.slide
        if step.problem or not slide.claims or slide.problems:
            return step
        verdicts = tuple(prove_claims(self.interpreter, slide))
        failed = [v.problem(slide) for v in verdicts if not v.proven]
        return Step(slide, step.phase, step.outcome,
                    "\n".join(failed) or None, verdicts)

    def _slides(self, watch: headless_guard.Watch) -> Iterator[Step]:
        interpreter, sink = self.interpreter, self.sink
        total = len(self.deck.slides)
        for slide in self.deck.slides:
            self.current = slide
            if (slide.number or 0) < self.start:
                outcome = run_silently(interpreter, slide, sink)
            else:
                sink(SlideStarted(slide, total))
                outcome = interpreter.run_slide(slide, sink)
            problem = failure(slide, outcome)
            stops = outcome.interrupted
            if outcome.interrupted and not watch.pressed:
                # the slide raised it: a failure, not Ctrl-C
                problem = None if outcome.expected else (
                    f"{slide.location}: {slide.label()}: "
                    "raised KeyboardInterrupt (not Ctrl-C)")
                stops = False
            step = Step(slide, SLIDE, outcome, problem)
            if not outcome.interrupted:
                step = self._proved(step)
            yield step
            if not problem and slide.exercise is not None and slide.runs:
                yield Step(slide, SOLVING, outcome)
                problem = prove(interpreter, slide, sink)
                yield Step(slide, PROVED, outcome, problem)
            if stops:
                return
        self.current = None


def run_all(
    deck: Deck, options: Options, out: TextIO, err: TextIO
) -> int:
    """Run ``deck`` headless, transcript to ``out``, summary to ``err``."""
    if options.short:
        deck = deck.shortened()
    interpreter = default_interpreter(deck, options.echo_sql)
    output = _Guarded(out)
    sink = Transcript(output.write)
    failures = _deck_problems(deck)
    run = HeadlessRun(deck, interpreter, sink, options.start)
    with closing(run.steps()) as steps:
        try:
            for step in steps:
                if step.phase in (SLIDE, PROVED):
                    _flush(out)
                if step.problem:
                    failures += step.problem.split("\n")
                if output.broken and step.phase != SOLVING:
                    break
        except KeyboardInterrupt:
            pass  # Ctrl-C while the transcript was being written
    sink.finish()
    _flush(out)
    return _summary(deck, len(deck.slides), failures, run.current,
                    output.broken, err)


def _deck_problems(deck: Deck) -> list[str]:
    on_slides = {
        id(problem)
        for slide in deck.setup + deck.slides
        for problem in slide.problems
    }
    # deck-level problems (includes); slides' own are named per slide
    failures = [str(p) for p in deck.problems if id(p) not in on_slides]
    if not deck.slides and not deck.setup:
        # most likely not a deck at all: say so rather than "all fine"
        failures.append(f"{deck.path}:1: no slides (no '### slide::' line)")
    return failures


def _summary(deck: Deck, total: int, failures: list[str],
             stopped: Slide | None, broken: bool, err: TextIO) -> int:
    name = deck.path
    if broken:
        err.write(f"sliderepl: {name}: output closed, run stopped\n")
        _flush(err)
        return 1
    if stopped is not None:
        err.write(f"sliderepl: {name}: Ctrl-C stopped the run at")
        err.write(f" {stopped.label()} ({stopped.location})\n")
    for line in failures:  # an exception's message may carry ESC
        err.write(f"{inert(line)}\n")
    err.write(
        f"sliderepl: {name}: {total} slides,"
        f" {len(failures)} failure{'s' if len(failures) != 1 else ''}\n"
    )
    _flush(err)
    if stopped is not None:
        return 130
    return 1 if failures else 0


def _flush(stream: TextIO) -> None:
    try:
        stream.flush()
    except (OSError, ValueError):
        pass  # a closed pipe: nothing more to say


class _Guarded:
    """Writes to ``stream`` until it fails (a closed pipe: ``| head``),
    then remembers that and drops the rest."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.broken = False

    def write(self, text: str) -> None:
        if self.broken:
            return
        try:
            self.stream.write(text)
        except (OSError, ValueError):
            self.broken = True
