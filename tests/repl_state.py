"""A REPL state for in-process tests: the deck begun on a console that
writes to a string, 80 columns wide, and what it has shown so far."""

from __future__ import annotations

import io
from pathlib import Path

from sliderepl.deck.parser import load
from sliderepl.run.options import Options
from sliderepl.screen.console import Screen
from sliderepl.screen.theme import make_console
from sliderepl.ui import repl


def started(path: Path) -> repl.ReplState:
    console = make_console(file=io.StringIO(), width=80)
    state = repl.make_state(load(path), Options(deck=path), Screen(console))
    repl.begin(state)
    return state


def text(state: repl.ReplState) -> str:
    return state.screen.console.file.getvalue()  # type: ignore[attr-defined]
