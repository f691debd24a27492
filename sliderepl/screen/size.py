"""The terminal's size, never taken from a nonsense ``COLUMNS``/``LINES``.

Rich (and ``shutil``) believe ``COLUMNS`` and ``LINES`` over the
terminal.  ``COLUMNS=0`` left rich drawing everything zero columns wide,
that is nothing at all: a mute REPL.  A value that is not a whole number
at least ``MIN_COLUMNS`` (``MIN_LINES``) is ignored here, so the size
comes from the terminal itself, else 80 x 25.  The same minimums as
``sliderepl lint --width/--height``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping

MIN_COLUMNS = 20
MIN_LINES = 5
_MINIMUM = {"COLUMNS": MIN_COLUMNS, "LINES": MIN_LINES}


def sane(name: str, value: str | None) -> bool:
    """Whether ``value`` of the variable ``name`` is a usable size."""
    least = _MINIMUM.get(name)
    if least is None or value is None:
        return True
    value = value.strip()
    return value.isdigit() and int(value) >= least


class SaneEnviron(Mapping[str, str]):
    """``os.environ`` as it reads now, without a ``COLUMNS`` or
    ``LINES`` too small (or not a number) to draw with."""

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self._environ = os.environ if environ is None else environ

    def __getitem__(self, key: str) -> str:
        value = self._environ[key]
        if not sane(key, value):
            raise KeyError(key)
        return value

    def __iter__(self) -> Iterator[str]:
        return (k for k, v in self._environ.items() if sane(k, v))

    def __len__(self) -> int:
        return sum(1 for _ in self)


def columns() -> int:
    """Columns to draw in: a sane ``COLUMNS``, else the terminal's (a
    pseudo-terminal may report 0), else 80."""
    value = os.environ.get("COLUMNS")
    if value is not None and sane("COLUMNS", value):
        return int(value)
    for fd in (1, 2, 0):
        try:
            width = os.get_terminal_size(fd).columns
        except (OSError, ValueError):
            continue
        if width > 0:
            return width
    return 80
