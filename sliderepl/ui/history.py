"""Prompt history per deck, kept across runs in the user's state dir.

Never in the project: the user state folder
(``sliderepl.run.state``), one file per deck, keyed by the deck's
absolute path (two decks with the same name don't share a history).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from pathlib import Path

from sliderepl.run.state import state_dir


def history_path(
    deck: Path, environ: Mapping[str, str] | None = None
) -> Path:
    """The history file for ``deck``: its name, for people, plus a hash
    of its absolute path, for uniqueness."""
    absolute = str(Path(deck).resolve())
    digest = hashlib.sha1(absolute.encode("utf-8")).hexdigest()[:12]
    stem = re.sub(r"[^\w.-]", "_", Path(deck).stem) or "deck"
    return state_dir(environ) / f"{stem}-{digest}.history"
