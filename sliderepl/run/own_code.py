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

from collections.abc import Callable, Iterable
from pathlib import Path

Source = Callable[[], Iterable[Path]]

_sources: list[Source] = []
_found: list[tuple[Path, ...]] = []


def register(source: Source) -> None:
    """Count the folders ``source()`` gives (asked once, when first
    needed) as the deck's own code."""
    _sources.append(source)
    _found.clear()


def clear() -> None:
    """Forget every source (tests)."""
    _sources.clear()
    _found.clear()


def folders() -> tuple[Path, ...]:
    """Every registered folder, each once."""
    if not _found:
        seen: dict[Path, None] = {}
        for source in _sources:
            seen.update(dict.fromkeys(source()))
        _found.append(tuple(seen))
    return _found[0]
