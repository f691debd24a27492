"""The bottom toolbar: deck, ``slide N / M``, SQL echo, elapsed time
(against the deck's ``### target::`` when it has one, with ahead /
behind: ``sliderepl.teach.pacing``), and what Enter will do next."""

from __future__ import annotations

import time
from typing import Protocol

from sliderepl.teach.pacing import budget, clock, pace

__all__ = ["ToolbarState", "elapsed", "toolbar"]

#: ``MM:SS`` (``sliderepl.teach.pacing.clock``)
elapsed = clock


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
    target = getattr(state, "target", None)
    text = budget(seconds, target)
    how = pace(seconds, state.position, state.total, target)
    return f"{text} {how}" if how else text


def toolbar(
    state: ToolbarState, now: float | None = None
) -> list[tuple[str, str]]:
    """prompt_toolkit formatted text for the toolbar."""
    clock = time.monotonic() if now is None else now
    echo = state.echo_sql
    parts = [
        ("class:bottom-toolbar.deck", f" {state.deck_name} "),
        ("", f" slide {state.position} / {state.total} "),
        ("", "  SQL echo "),
        (
            "class:bottom-toolbar.on" if echo else "class:bottom-toolbar.off",
            "on" if echo else "off",
        ),
        ("", f"  {_clock(state, clock - state.started)} "),
    ]
    hint = state.enter_hint()
    if hint:
        parts.append(("", f"  Enter: {hint} "))
    parts.append(("", "  ? help "))
    return parts
