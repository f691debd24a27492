"""How a deck run was asked for: the command line as plain data."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

THEMES = ("dark", "light", "contrast")


@dataclass
class Options:
    """Run options (``sliderepl --help`` describes each).

    ``echo_sql`` is the initial SQL echo state (``--no-echo`` clears it);
    ``start`` is the 1-based slide to open on; ``resume`` says no
    ``--start`` was given, so the REPL may offer the last position.
    ``db`` has already been exported as ``TUTORIAL_DB`` by the command
    line when set.
    """

    deck: Path | None = None
    run_all: bool = False
    short: bool = False
    presentation: bool = False
    theme: str = "dark"
    db: str | None = None
    echo_sql: bool = True
    start: int = 1
    #: no ``--start`` given: the REPL may offer to resume where the
    #: learner stopped last time
    resume: bool = False
