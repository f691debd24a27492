"""The deck's own code when it is installed among the libraries.

In a clone the decks, and the packages they import from beside them, are
outside site-packages: a traceback shows their frames in full and a
transcript names them relative to the clone.  Installed from a wheel
they sit in site-packages with SQLAlchemy; the command line registers
the deck collections in use here, and the top-level packages of the
distribution that ships each one (``Collection.own_code``) count as the
deck's code again: shown in full in a traceback
(``sliderepl.run.tracebacks``), named ``casestudies/x.py`` in a
transcript (``sliderepl.run.masking``).  Looked up only when asked: a
run with no error never looks.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Protocol


class Installed(Protocol):
    """What is asked of a collection (``Collection`` has both)."""

    @property
    def folder(self) -> Path: ...

    @property
    def own_code(self) -> tuple[Path, ...]: ...


_collections: dict[Path, Installed] = {}


def register(collections: Iterable[Installed]) -> None:
    """Count the ``own_code`` of ``collections`` (asked when first
    needed) as the deck's own code; a folder registered again is kept
    once."""
    for found in collections:
        _collections.setdefault(found.folder, found)


def clear() -> None:
    """Forget every collection (tests)."""
    _collections.clear()


def folders() -> tuple[Path, ...]:
    """Every registered collection's ``own_code`` folders, each once."""
    seen: dict[Path, None] = {}
    for found in _collections.values():
        seen.update(dict.fromkeys(found.own_code))
    return tuple(seen)
