"""One-line notes under a slide's traceback, from the deck collection.

A collection's config may define ``describe_error(exc) -> str | None``
(``sliderepl.deck.collection``): given what slide code raised, a line
saying what it means and what to do (say, "the database is not
answering: restart it, then !reset"), or None.  The command line
registers them here; the executor asks :func:`note` for every error.  A
describer that itself raises is ignored: a note is a help, never a new
failure.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

Describer = Callable[[BaseException], object]

_describers: list[Describer] = []


def register(describers: Iterable[Describer]) -> None:
    """Use ``describers`` (in addition to any registered before)."""
    for describer in describers:
        if describer not in _describers:
            _describers.append(describer)


def clear() -> None:
    """Forget every describer (tests)."""
    _describers.clear()


def note(exc: BaseException) -> str | None:
    """The first describer's line for ``exc`` (one line), or None."""
    for describer in _describers:
        try:
            line = describer(exc)
        except Exception:  # noqa: BLE001 - a broken note is no failure
            continue
        if isinstance(line, str) and line.strip():
            return " ".join(line.split())
    return None
