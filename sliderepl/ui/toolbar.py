"""The bottom toolbar: ``slide N / M`` and the slide's title (so both
stay on screen however much output the slide printed), SQL echo, the
elapsed time, what Enter will do next, the deck, and ``? help``.

It fits the terminal's width: the parts that matter least go first
(the deck's name, then the Enter hint, the clock, SQL echo), the title
shrinks (ending in ``…``) and goes last; ``N / M`` and ``? help`` always
stay.  The clock is the time since the deck started; the pacing against
the deck's ``### target::`` (``sliderepl.teach.pacing``: ``12:30 /
45:00 3m ahead``) shows only for a presenter who asked for it
(``--pacing``) and never to a learner who resumed.  The title and the
deck's name are inert (``sliderepl.run.inert``): a control character
shows as ``\\x1b``, as everywhere the runner draws.
"""

from __future__ import annotations

import time
from typing import Protocol

from sliderepl.run.inert import inert
from sliderepl.teach.pacing import budget, clock, pace

__all__ = ["ToolbarState", "elapsed", "toolbar", "toolbar_text"]

#: ``MM:SS`` (``sliderepl.teach.pacing.clock``)
elapsed = clock

Parts = list[tuple[str, str]]

#: what a title keeps before less important parts are let in
_TITLE_FIRST = 24
_ELLIPSIS = "…"


class ToolbarState(Protocol):
    deck_name: str
    started: float

    @property
    def position(self) -> int: ...

    @property
    def total(self) -> int: ...

    @property
    def echo_sql(self) -> bool: ...

    def enter_hint(self) -> str: ...


def _clock(state: ToolbarState, seconds: float) -> str:
    if not getattr(state, "pacing", False):
        return clock(seconds)
    target = getattr(state, "target", None)
    text = budget(seconds, target)
    how = pace(seconds, state.position, state.total, target)
    return f"{text} {how}" if how else text


def _title(state: ToolbarState) -> str:
    """The current slide's title as plain text ("" if none)."""
    slide = getattr(state, "slide", None)
    title = getattr(slide, "title", "") or ""
    if not title:
        return ""
    from sliderepl.deck.markup import STYLE, parse

    text = "".join(s.text for s in parse(title) if s.kind != STYLE)
    return " ".join(inert(text).split())


def _width(width: int | None) -> int:
    if width is not None:
        return width
    try:
        from prompt_toolkit.application import get_app

        return int(get_app().output.get_size().columns)
    except Exception:  # no application running: a plain 80 columns
        return 80


def _cut(text: str, room: int) -> str:
    if len(text) <= room:
        return text
    return text[: max(room - 1, 0)].rstrip() + _ELLIPSIS if room > 0 else ""


def _size(parts: Parts) -> int:
    return sum(len(text) for _, text in parts)


def toolbar(
    state: ToolbarState, now: float | None = None, width: int | None = None
) -> Parts:
    """prompt_toolkit formatted text for the toolbar, at most ``width``
    columns (default: the terminal's)."""
    columns = _width(width)
    moment = time.monotonic() if now is None else now
    echo = state.echo_sql
    counter = f" slide {state.position} / {state.total} "
    if columns < 50:
        counter = f" {state.position}/{state.total} "
    help_part: Parts = [("", " ? help ")]
    # by importance, each with where it goes (left to right)
    hint = state.enter_hint()
    optional: list[tuple[int, Parts]] = [
        (3, [("", " SQL "), (
            "class:bottom-toolbar.on" if echo else "class:bottom-toolbar.off",
            "on" if echo else "off",
        ), ("", " ")]),
        (4, [("", f" {_clock(state, moment - state.started)} ")]),
        (5, [("", f" Enter: {hint} ")] if hint else []),
        (0, [("class:bottom-toolbar.deck", f" {inert(state.deck_name)} ")]),
    ]
    title = _title(state)
    fixed = len(counter) + _size(help_part)
    # the title first gets a fair share, then the other parts, then the
    # rest of the room
    title_room = min(len(title) + 1, _TITLE_FIRST) if title else 0
    used = fixed + title_room
    chosen: dict[int, Parts] = {}
    for place, parts in optional:
        if used + _size(parts) > columns:
            break  # this and every less important part stay out
        chosen[place] = parts
        used += _size(parts)
    room = columns - used + title_room - 1
    shown_title = _cut(title, room) if title and room >= 4 else ""
    chosen[1] = [("", counter)]
    if shown_title:
        chosen[2] = [("class:bottom-toolbar.title", f"{shown_title} ")]
    layout: Parts = []
    for place in sorted(chosen):
        layout += chosen[place]
    layout += help_part
    return layout


def toolbar_text(
    state: ToolbarState, now: float | None = None, width: int | None = None
) -> str:
    """The toolbar as plain text (tests, the screenshot tools)."""
    return "".join(text for _, text in toolbar(state, now, width))
