"""Strict readers for values from sliderepl's own state files.

The progress and presenter files are JSON that anyone (or a crash, or
another version) may have written.  JSON allows ``NaN``, ``Infinity``,
numbers with thousands of digits, and any type anywhere; each reader here
accepts only the plain value it names and raises ``ValueError`` for
anything else, so callers treat it like any other garbage.  ``warn_once``
says on stderr, once per file and run, that a file was ignored.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

#: No deck has more slides than this; anything larger is garbage.
MAX_COUNT = 1_000_000
_warned: set[str] = set()


def _reject(constant: str) -> Any:
    raise ValueError(f"{constant} is not a value sliderepl writes")


def loads(text: str) -> Any:
    """JSON without ``NaN`` / ``Infinity`` (``ValueError`` instead)."""
    return json.loads(text, parse_constant=_reject)


def count(value: Any) -> int:
    """A whole number from 0 to ``MAX_COUNT`` (a bool is not one)."""
    if type(value) is not int or not 0 <= value <= MAX_COUNT:
        raise ValueError(f"{value!r:.40} is not a slide count")
    return value


def moment(value: Any) -> float:
    """A finite, non-negative number of seconds."""
    if type(value) not in (int, float) or not math.isfinite(value) \
            or value < 0 or value > 1e12:
        raise ValueError(f"{value!r:.40} is not a time")
    return float(value)


def text(value: Any) -> str:
    """A string, or "" for a missing (None) one."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError(f"{value!r:.40} is not text")
    return value


def texts(value: Any) -> tuple[str, ...]:
    """A list of strings (None: empty)."""
    if value is None:
        return ()
    if not isinstance(value, list):
        raise ValueError(f"{value!r:.40} is not a list of text")
    return tuple(text(item) for item in value)


def warn_once(path: Path, what: str) -> None:
    """Say once per run that ``path`` was garbage and will be replaced."""
    if str(path) in _warned:
        return
    _warned.add(str(path))
    try:
        print(f"sliderepl: ignoring {path} ({what}); it will be replaced",
              file=sys.stderr)
    except (OSError, ValueError):
        pass
