"""Events to plain, deterministic text: what a headless run prints.

The format, one element after another::

    === 3/12 Title of the slide ===      a shown slide (N/M, title)
    # intro text                         intro lines
      * bullet                           bullets, two spaces per depth
    >>> code                             each block as typed...
    ... continued                        ...with its continuation lines
    what it printed                      output and echoed values, as is
    SQL: SELECT ...                      each line SQLAlchemy logged
    Traceback (most recent call last):   errors, trimmed to the deck
    !! FILE:LINE: problem                a parse problem of the slide
    ?? exercise: task                    an exercise, its hints, its check
    (not run)                            an ``x`` slide's code follows,
        code                             indented, without prompts
    -- message                           a runner notice
    KeyboardInterrupt: ...               Ctrl-C stopped the slide

Everything but what the code printed is inert (``sliderepl.run.inert``:
a control character in a title, a repr, a traceback or SQL reads
``\\x1b``); ``--run-all`` writes this to a terminal, where printed output
goes through as under Python.

Run-to-run noise is masked so transcripts can be stored and compared:
SQLAlchemy's statement timings (``[generated in 0.00012s]`` becomes
``[generated in ...s]``) and object addresses (``0x7f3a...`` becomes
``0x...``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from sliderepl.deck.model import Block, Slide
from sliderepl.run.events import (
    SQL,
    BlockStarted,
    Error,
    Event,
    Interrupted,
    Notice,
    Output,
    SlideStarted,
    Value,
)
from sliderepl.run.inert import inert

_TIMING = re.compile(r"\d+(?:\.\d+)?(?:e-?\d+)?s\b")
_PARAMS = re.compile(r"^\[[^\]]*\]")
_ADDRESS = re.compile(r"\b0x[0-9a-fA-F]{4,}\b")


def mask_sql(text: str) -> str:
    """Hide the timing in SQLAlchemy's ``[generated in 0.0001s]``."""
    match = _PARAMS.match(text)
    if not match:
        return text
    head = _TIMING.sub("...s", match.group(0))
    return head + text[match.end() :]


def mask_addresses(text: str) -> str:
    return _ADDRESS.sub("0x...", text)


def prompted(block: Block) -> str:
    """A block as typed at ``>>>``."""
    lines = block.display.split("\n")
    return "\n".join(
        ((">>> " if i == 0 else "... ") + line).rstrip()
        for i, line in enumerate(lines)
    )


def header(slide: Slide, total: int) -> str:
    """The slide's header, intro, bullets, problems and (for slides that
    don't run) code, one string ending in a newline."""
    title = f" {slide.title}" if slide.title else ""
    lines = [f"=== {slide.number}/{total}{title} ==="]
    lines += [f"# {line}".rstrip() for line in slide.intro]
    lines += ["  " * b.depth + f"* {b.text}" for b in slide.bullets]
    lines += [f"!! {problem}" for problem in slide.problems]
    if slide.exercise is not None:
        exercise = slide.exercise
        lines.append(f"?? exercise: {' '.join(exercise.task)}".rstrip())
        lines += [
            f"?? hint {i}: {hint}"
            for i, hint in enumerate(exercise.hints, 1)
        ]
        lines += [f"?? check: {line}" for line in exercise.check.split("\n")
                  if exercise.check]
    if not slide.runs and slide.blocks:
        lines.append("(not run)")
        for block in slide.blocks:
            code = block.display.split("\n")
            lines += [f"    {line}".rstrip() for line in code]
    return inert("\n".join(lines)) + "\n"


class Transcript:
    """A sink writing each event as text through ``write``."""

    def __init__(self, write: Callable[[str], object]) -> None:
        self._write = write
        self._line_open = False  # the last output did not end a line
        self._slides = 0

    def _emit(self, text: str) -> None:
        if self._line_open:
            self._write("\n")
        self._write(text if text.endswith("\n") else text + "\n")
        self._line_open = False

    def __call__(self, event: Event) -> None:
        if isinstance(event, Output):
            if event.text:
                self._write(mask_addresses(event.text))
                self._line_open = not event.text.endswith("\n")
        elif isinstance(event, SlideStarted):
            if self._slides:
                self._emit("")
            self._slides += 1
            self._emit(header(event.slide, event.total))
        elif isinstance(event, BlockStarted):
            if event.shown and event.block.display.strip():
                self._emit(inert(prompted(event.block)))
        elif isinstance(event, Value):
            self._emit(inert(mask_addresses(event.text)))
        elif isinstance(event, SQL):
            text = inert(mask_sql(event.text.rstrip("\n")))
            lines = text.split("\n")
            self._emit("\n".join(f"SQL: {line}" for line in lines))
        elif isinstance(event, Error):
            self._emit(inert(mask_addresses(event.traceback)))
        elif isinstance(event, Interrupted):
            self._emit("KeyboardInterrupt: the rest of the slide did not run")
        elif isinstance(event, Notice):
            self._emit(f"-- {inert(event.text)}")


    def finish(self) -> None:
        """End the last line, if output left it open."""
        if self._line_open:
            self._write("\n")
            self._line_open = False


def render(events: Iterable[Event]) -> str:
    """The transcript of ``events`` as one string."""
    parts: list[str] = []
    sink = Transcript(parts.append)
    for event in events:
        sink(event)
    sink.finish()
    return "".join(parts)
