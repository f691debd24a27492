"""Reading a deck file for a command: the parsed deck, or why not."""

from __future__ import annotations

import sys
from pathlib import Path

from sliderepl.deck.model import Deck
from sliderepl.deck.parser import load


def read_deck(path: Path, prog: str = "sliderepl") -> Deck | None:
    """The parsed deck, or None after saying on stderr why it can't be
    read (every command uses it, each with its own ``prog``)."""
    if path.is_dir():
        print(f"{prog}: {path} is a folder, not a deck", file=sys.stderr)
        return None
    try:
        return load(path)
    except FileNotFoundError:
        print(f"{prog}: no such deck: {path}", file=sys.stderr)
    except (OSError, UnicodeDecodeError) as exc:
        print(f"{prog}: can't read {path}: {exc}", file=sys.stderr)
    return None
