"""How a deck run was asked for: the command line as plain data."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

THEMES = ("dark", "light", "contrast")


@dataclass
class Options:
    """Run options (``sliderepl --help`` describes each).

    ``echo_sql`` is the initial SQL echo state (``--no-echo`` clears it);
    ``start`` is the 1-based slide to open on; ``resume`` says no
    ``--start`` was given, so the REPL may offer the last position.
    ``deck_options`` holds the options a deck collection added to the
    command line (``sliderepl.deck.collection``), by name.
    """

    deck: Path | None = None
    run_all: bool = False
    short: bool = False
    presentation: bool = False
    theme: str = "dark"
    echo_sql: bool = True
    start: int = 1
    #: no ``--start`` given: the REPL may offer to resume where the
    #: learner stopped last time
    resume: bool = False
    #: ``--pacing``: the toolbar shows the time against the deck's
    #: target, ahead or behind (off: the clock alone)
    pacing: bool = False
    #: reload the deck when its files are saved (``--watch``)
    watch: bool = False
    #: ``--list``: print the decks sliderepl can open by name, and exit
    list_decks: bool = False
    deck_options: dict[str, Any] = field(default_factory=dict,
                                         compare=False)
