"""Tracebacks as a learner should see them: the deck's frames only.

Slide code is compiled with the deck's file name and real line numbers,
so all that is left to do is drop the runner's own frames (``exec`` in
``execution.py``, the display hook) and format the rest the usual way,
with one change for the stage: a run of library frames (the standard
library, site-packages) shrinks to one line such as
``  ... 9 frames inside sqlalchemy ...``.  The deck's frames and typed
input are always shown in full, and so is the innermost frame (where the
exception was raised), wherever it is.
"""

from __future__ import annotations

import linecache
import os
import sys
import sysconfig
import traceback
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Any

from sliderepl.run import own_code

_PACKAGE = str(Path(__file__).resolve().parents[1]) + os.sep


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
    for this, following in zip(kept, [*kept[1:], None], strict=False):
        this.tb_next = following
    exc.__traceback__ = kept[0] if kept else None
    for chained in (exc.__cause__, exc.__context__):
        if chained is not None:
            trim(chained, seen)


def _library_roots() -> tuple[str, ...]:
    """Folders whose code is "library" code, not the learner's."""
    roots = set()
    for name in ("stdlib", "platstdlib", "purelib", "platlib"):
        try:
            roots.add(sysconfig.get_path(name))
        except KeyError:
            pass
    roots.update(p for p in sys.path if "-packages" in p)
    return tuple(
        sorted((str(Path(r)) + os.sep for r in roots if r), key=len,
               reverse=True)
    )


_ROOTS = _library_roots()


def library_name(filename: str) -> str | None:
    """The top-level package (or stdlib module) a frame's file belongs
    to, or None if it is not library code (the deck, typed input, the
    packages installed with the deck: ``own_code``)."""
    if any(filename.startswith(str(folder) + os.sep)
           for folder in own_code.folders()):
        return None
    if filename.startswith("<frozen "):
        return filename[len("<frozen "):].rstrip(">").split(".")[0]
    for root in _ROOTS:
        if filename.startswith(root):
            rest = filename[len(root):]
            if os.sep in rest and rest.split(os.sep, 1)[0] in (
                "site-packages", "dist-packages"
            ):
                rest = rest.split(os.sep, 1)[1]
            head = rest.split(os.sep, 1)[0]
            return head[:-3] if head.endswith(".py") else head
    return None


class _Collapsed(traceback.StackSummary):
    """A stack that formats runs of library frames as one line.

    Keyword arguments are the stdlib's own and passed on as they come
    (Python 3.13 added ``colorize``; a ``format()`` that refused it made
    every traceback ``<exception could not be shown>``)."""

    def format(self, **options: Any) -> list[str]:
        return list(self._lines(options))

    def _lines(self, options: dict[str, Any]) -> Iterator[str]:
        frames = list(self)
        index = 0
        while index < len(frames):
            frame = frames[index]
            innermost = index == len(frames) - 1
            name = library_name(frame.filename)
            if name is None or innermost:
                yield self.format_frame_summary(frame, **options)
                index += 1
                continue
            end = index
            names: list[str] = []
            while end < len(frames) - 1:
                lib = library_name(frames[end].filename)
                if lib is None:
                    break
                if lib not in names:
                    names.append(lib)
                end += 1
            count = end - index
            if count == 1:
                yield self.format_frame_summary(frame, **options)
            else:
                inside = ", ".join(names)
                yield f"  ... {count} frames inside {inside} ...\n"
            index = end


def _collapse(te: traceback.TracebackException, seen: set[int]) -> None:
    if id(te) in seen:
        return
    seen.add(id(te))
    stack = _Collapsed()  # from_list() would build a plain StackSummary
    stack.extend(te.stack)
    te.stack = stack
    for chained in (te.__cause__, te.__context__):
        if chained is not None:
            _collapse(chained, seen)
    for sub in getattr(te, "exceptions", None) or ():
        _collapse(sub, seen)


# Python 3.11 offers "Did you mean: 'engine'?" only in the interpreter's
# own display (C code); the traceback module learned it in 3.12.
_SUGGESTS_ITSELF = sys.version_info >= (3, 12)
_DID_YOU_MEAN = ". Did you mean: '"


def python_suggestion(exc: BaseException) -> str | None:
    """The name Python 3.11's own ``>>>`` would suggest for ``exc``
    (a NameError or AttributeError), or None; always None on 3.12+,
    where ``traceback`` adds the suggestion itself.

    The interpreter's display is asked (``sys.__excepthook__``, written
    into a buffer), so the suggestion is Python's, not a guess of ours.
    """
    if _SUGGESTS_ITSELF or not isinstance(exc, (NameError, AttributeError)):
        return None
    import io

    shown = io.StringIO()
    saved = sys.stderr
    sys.stderr = shown
    try:
        sys.__excepthook__(type(exc), exc, exc.__traceback__)
    finally:
        sys.stderr = saved
    text = shown.getvalue()
    head = f"{exc}{_DID_YOU_MEAN}"
    at = text.rfind(head)
    if at < 0:
        return None
    name, closed, _ = text[at + len(head):].partition("'?")
    return name if closed and "\n" not in name else None


def _suggest(te: traceback.TracebackException, exc: BaseException,
             seen: set[int]) -> None:
    """Add 3.11's missing suggestions to ``te`` and its chain (``exc``
    is the exception ``te`` was made from)."""
    if _SUGGESTS_ITSELF or id(te) in seen:
        return
    seen.add(id(te))
    name = python_suggestion(exc)
    message = getattr(te, "_str", None)
    if name is not None and isinstance(message, str):
        te._str = f"{message}{_DID_YOU_MEAN}{name}'?"  # type: ignore
    for attr in ("__cause__", "__context__"):
        chained_te = getattr(te, attr, None)
        chained = getattr(exc, attr, None)
        if chained_te is not None and chained is not None:
            _suggest(chained_te, chained, seen)


def _described(exc: BaseException) -> traceback.TracebackException:
    te = traceback.TracebackException.from_exception(exc)
    _suggest(te, exc, set())
    return te


def format_exception(exc: BaseException) -> str:
    """The trimmed traceback of ``exc`` as text (ending in a newline),
    library frames collapsed."""
    try:
        trim(exc)
        te = _described(exc)
        _collapse(te, set())
        return "".join(te.format())
    except Exception:  # formatting must never take the REPL down
        pass
    try:  # a fault of ours above must not hide the learner's error
        return "".join(traceback.format_exception(exc))
    except Exception:
        return f"{type(exc).__name__}: <exception could not be shown>\n"


def remember_source(filename: str, text: str) -> None:
    """Make ``text`` the source linecache returns for ``filename``.

    A ``None`` mtime marks the entry as not backed by a file, so
    ``linecache.checkcache`` keeps it: tracebacks then quote the code
    that ran, even for typed input or a deck edited since it loaded.
    """
    from sliderepl.deck.safe_files import (
        python_lines,  # Python's own line ends
    )

    lines = [line + "\n" for line in python_lines(text)]
    linecache.cache[filename] = (len(text), None, lines, filename)


def _where(exc: BaseException) -> str:
    """``FILE:LINE: code`` of the innermost frame that is the deck's (or
    typed input), not a library's (else the outermost frame: the slide's
    statement); "" if there is none."""
    found: tuple[str, int] | None = None
    outermost: tuple[str, int] | None = None
    tb = exc.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        generated = filename.startswith("<") and not filename.startswith(
            "<stdin-")  # <sqlalchemy generated ...>, <string>
        if not generated and outermost is None:
            outermost = (filename, tb.tb_lineno)
        if not generated and library_name(filename) is None:
            found = (filename, tb.tb_lineno)
        tb = tb.tb_next
    # a deck installed in site-packages looks like a library: the slide's
    # own statement is then the outermost frame
    found = found or outermost
    if found is None:
        return ""
    filename, line = found
    code = linecache.getline(filename, line).strip()
    shown = filename
    if not filename.startswith("<"):
        try:
            relative = os.path.relpath(filename)
        except ValueError:  # another drive (Windows)
            relative = filename
        if not relative.startswith(".."):
            shown = relative
    return f"{shown}:{line}: {code}" if code else f"{shown}:{line}"


def summary(exc: BaseException) -> tuple[str, str]:
    """(the final exception as ``Type: message``, possibly several
    lines; where it left the deck, ``FILE:LINE: code`` or "").

    For an error a slide raises on purpose, or one typed at ``>>>``: the
    exception that ended it, not the chain that led to it (the full
    traceback is :func:`format_exception`)."""
    try:
        trim(exc)
        last = "".join(_described(exc).format_exception_only())
        last = last.rstrip("\n")
        where = "" if isinstance(exc, SyntaxError) else _where(exc)
        return last, where
    except Exception:  # formatting must never take the REPL down
        return f"{type(exc).__name__}: <exception could not be shown>", ""
