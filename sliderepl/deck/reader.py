"""Reading a deck file for a command: the parsed deck, or why not
(``can't read PATH: reason``; the command then exits 2)."""

from __future__ import annotations

import sys
from pathlib import Path

from sliderepl.deck.model import Deck
from sliderepl.deck.parser import load
from sliderepl.deck.safe_files import why_not


def read_deck(path: Path, prog: str = "sliderepl") -> Deck | None:
    """The parsed deck, or None after saying on stderr why it can't be
    read (every command uses it, each with its own ``prog``)."""
    try:
        return load(path)
    except (OSError, UnicodeDecodeError) as exc:
        print(f"{prog}: {why_not(path, exc)}", file=sys.stderr)
    return None
