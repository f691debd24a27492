"""``sliderepl lint DECK --size WxH``: each slide's real height.

The deck runs headless (the ``--run-all`` loop, inside the collection's
``recording()`` context as ``sliderepl check`` runs it), and every slide
is drawn as the REPL draws it, through the REPL's own ``Screen`` and
renderers, on a rich console W columns wide that writes to a string:
the header box (title, intro, ``N / M``), the bullets, the code (shown
or display-only), everything the code printed, echoed, logged as SQL or
raised, and the exercise's task lines.  An exercise's solution, which
the headless run also runs, is not counted: the room sees it only on
``!solution``.  Lines longer than W (program output is printed as it
came, unwrapped) count as the terminal wraps them.

A slide fits when its lines plus ``RESERVED`` (the prompt line and the
toolbar under it) are at most H.  Each slide is measured on its own; an
``i`` slide (continuing the previous screen in presentation mode) too.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from sliderepl.deck.model import Deck, Slide

#: Lines the REPL keeps under a slide: the prompt and the toolbar
#: (``sliderepl.ui.prompt``: one input line, one ``bottom_toolbar`` line).
RESERVED = 2


@dataclass(frozen=True)
class Height:
    """A slide's measured height in lines at ``width``."""

    slide: Slide
    lines: int


def parse_size(text: str) -> tuple[int, int]:
    """``100x30`` -> (100, 30); raises ``ValueError`` otherwise."""
    width, sep, height = text.lower().partition("x")
    if not sep or not width.isdigit() or not height.isdigit():
        raise ValueError(f"--size {text!r}: expected WIDTHxHEIGHT, "
                         "e.g. 100x30")
    w, h = int(width), int(height)
    if w < 20 or h < 5:
        raise ValueError(f"--size {text!r}: width must be 20 or more and "
                         "height 5 or more")
    return w, h


def screen_lines(text: str, width: int) -> int:
    """Lines ``text`` takes on a terminal ``width`` columns wide."""
    from rich.cells import cell_len

    if not text:
        return 0
    body = text[:-1] if text.endswith("\n") else text
    return sum(max(1, math.ceil(cell_len(line) / width))
               for line in body.split("\n"))


class _Measure:
    """The sink: draws every event on a string console, and cuts the
    drawn text at each slide start."""

    def __init__(self, width: int) -> None:
        from sliderepl.screen.console import Screen
        from sliderepl.screen.theme import make_console

        self.buffer = io.StringIO()
        console = make_console("dark", self.buffer, force_terminal=False,
                               width=width, no_color=True)
        self.screen = Screen(console, "dark")
        self.screen.pager.enabled = False
        self.width = width
        self.muted = False
        self._start = 0

    def __call__(self, event: object) -> None:
        from sliderepl.run import events
        from sliderepl.screen import render

        if self.muted and not isinstance(event, events.SlideStarted):
            return
        self.screen(event)  # type: ignore[arg-type]
        if isinstance(event, events.SlideStarted):
            slide = event.slide
            if slide.bullets:
                self.screen.show(render.bullets(slide.bullets))
            if not slide.runs:
                self.screen.code(slide)  # display only, as the REPL does

    def begin(self) -> None:
        self.screen.end_line()
        self._start = self.buffer.tell()
        self.muted = False

    def end(self, slide: Slide) -> int:
        """The lines drawn since ``begin``, the exercise's task added."""
        from sliderepl.screen.markup import to_text
        from sliderepl.teach.exercises import task_lines

        if slide.exercise is not None:
            for line in task_lines(slide.exercise):
                self.screen.show(to_text(line, "message"))
        self.screen.end_line()
        self.muted = True
        return screen_lines(self.buffer.getvalue()[self._start:],
                            self.width)


def measure(deck: Deck, width: int) -> Iterator[Height]:
    """Run ``deck`` headless and yield each shown slide's height."""
    from sliderepl.run import events
    from sliderepl.run.headless import (
        PROVED,
        SETUP,
        SLIDE,
        SOLVING,
        HeadlessRun,
    )
    from sliderepl.run.navigation import default_interpreter

    sink = _Measure(width)

    def cut(event: events.Event) -> None:
        if isinstance(event, events.SlideStarted):
            sink.begin()
        sink(event)

    run = HeadlessRun(deck, default_interpreter(deck, True), cut)
    pending: Slide | None = None
    with closing(run.steps()) as steps:
        for step in steps:
            if step.phase == SETUP:
                continue
            if step.phase == SLIDE:
                pending = step.slide
                if step.slide.exercise is None or not step.slide.runs \
                        or step.problem:
                    yield Height(step.slide, sink.end(step.slide))
                    pending = None
            elif step.phase == SOLVING and pending is not None:
                yield Height(pending, sink.end(pending))
                pending = None
            elif step.phase == PROVED:
                pending = None


def too_tall(deck_path: Path, width: int,
             height: int) -> tuple[Deck, list[Height]]:
    """Load and run the deck (in its collection's recording context);
    the deck and every slide taller than ``height - RESERVED``."""
    from sliderepl.deck.collection import for_arguments, recording
    from sliderepl.deck.parser import load
    from sliderepl.run import own_code

    deck = load(deck_path)
    collections = for_arguments([str(deck_path)])
    own_code.register(collections)
    room = height - RESERVED
    with recording(collections):
        tall = [h for h in measure(deck, width) if h.lines > room]
    return deck, tall


def describe(item: Height, width: int, height: int) -> str:
    """``FILE:LINE: slide N is 47 lines at 100x30``."""
    slide = item.slide
    title = f' "{slide.title}"' if slide.title else ""
    return (f"{slide.location}: slide {slide.number} is {item.lines} lines "
            f"at {width}x{height} (room for {height - RESERVED}){title}")


def measured(deck_path: Path, width: int,
             height: int) -> list[tuple[Path, int, str]]:
    """``sliderepl lint --size``: (path, line, message) per slide too
    tall, and the deck's count on stderr."""
    import sys

    deck, tall = too_tall(deck_path, width, height)
    print(f"sliderepl lint: {deck.path}: {len(tall)} of {len(deck.slides)} "
          f"slides too tall at {width}x{height} "
          f"({height - RESERVED} lines for the slide)", file=sys.stderr)
    return [(h.slide.path, h.slide.line,
             describe(h, width, height).split(": ", 1)[1])
            for h in tall]
