"""Tracebacks as a learner should see them: the deck's frames only.

Slide code is compiled with the deck's file name and real line numbers,
so all that is left to do is drop the runner's own frames (``exec`` in
``execution.py``, the display hook) and format the rest the usual way.
"""

from __future__ import annotations

import linecache
import os
import traceback
from pathlib import Path
from types import TracebackType

_PACKAGE = str(Path(__file__).resolve().parent) + os.sep


def _ours(tb: TracebackType) -> bool:
    filename = tb.tb_frame.f_code.co_filename
    return filename.startswith(_PACKAGE)


def trim(exc: BaseException, _seen: set[int] | None = None) -> None:
    """Remove sliderepl frames from ``exc``'s traceback (and those of the
    exceptions it chains to), in place."""
    seen = _seen if _seen is not None else set()
    if id(exc) in seen:
        return
    seen.add(id(exc))
    kept: list[TracebackType] = []
    tb = exc.__traceback__
    while tb is not None:
        if not _ours(tb):
            kept.append(tb)
        tb = tb.tb_next
    for this, following in zip(kept, kept[1:] + [None]):
        this.tb_next = following
    exc.__traceback__ = kept[0] if kept else None
    for chained in (exc.__cause__, exc.__context__):
        if chained is not None:
            trim(chained, seen)


def format_exception(exc: BaseException) -> str:
    """The trimmed traceback of ``exc`` as text (ending in a newline)."""
    try:
        trim(exc)
        return "".join(traceback.format_exception(exc))
    except Exception:  # formatting must never take the REPL down
        return f"{type(exc).__name__}: <exception could not be shown>\n"


def remember_source(filename: str, text: str) -> None:
    """Make ``text`` the source linecache returns for ``filename``.

    A ``None`` mtime marks the entry as not backed by a file, so
    ``linecache.checkcache`` keeps it: tracebacks then quote the code
    that ran, even for typed input or a deck edited since it loaded.
    """
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    linecache.cache[filename] = (len(text), None, lines, filename)
