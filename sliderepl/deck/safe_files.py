"""Reading deck files and splitting them into lines the way Python does.

``read_regular`` refuses what is not a regular file (a FIFO would block
every command forever, a device could be endless) before opening it, and
turns a NUL byte or a symlink loop into an ``OSError`` with a plain
reason, so every caller's ``except OSError`` reports it as a message:
``why_not`` words it ``can't read PATH: reason``.  ``exists`` and
``is_file`` never raise (``Path.exists()`` raised ``File name too long``
for a name over 255 bytes).

``python_lines`` splits only at ``\\r\\n``, ``\\r`` and ``\\n``: the line
ends Python's tokenizer knows.  ``str.splitlines`` also breaks at form
feed, U+2028, U+0085 and others, which Python keeps inside a line; a
deck split that way gets line numbers that disagree with Python's and
false syntax errors.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from pathlib import Path
from typing import TextIO

_LINE_END = re.compile(r"\r\n|\r|\n")

#: How deep ``### file::`` includes may nest before it is a problem.
MAX_INCLUDE_DEPTH = 50


def python_lines(text: str) -> list[str]:
    """``text``'s lines, split where Python splits them (no ends kept;
    a final line end makes no empty last line, as with ``splitlines``)."""
    lines = _LINE_END.split(text)
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def python_newlines(text: str) -> str:
    """``text`` with every Python line end as ``\\n``."""
    return _LINE_END.sub("\n", text)


def read_regular(path: Path, encoding: str = "utf-8-sig") -> str:
    """The text of ``path``; ``OSError`` (with a reason a person can
    read) if it is not a regular file or can't be named at all."""
    name = os.fspath(path)
    if "\x00" in name:
        raise OSError(errno.EINVAL, "a file name can't contain a NUL byte",
                      name)
    try:
        info = os.stat(name)
    except ValueError as exc:  # anything else the OS can't name
        raise OSError(errno.EINVAL, str(exc), name) from None
    if stat.S_ISDIR(info.st_mode):
        raise IsADirectoryError(errno.EISDIR, "is a folder, not a file",
                                name)
    if not stat.S_ISREG(info.st_mode):
        raise OSError(errno.EINVAL, "not a regular file (a FIFO, socket "
                      "or device can't be a deck)", name)
    return Path(name).read_text(encoding=encoding)


def exists(path: Path) -> bool:
    """``path.exists()`` that never raises: a name too long for the
    system (``ENAMETOOLONG``) or one it can't take does not exist."""
    try:
        return path.exists()
    except (OSError, ValueError):
        return False


def is_file(path: Path) -> bool:
    """``path.is_file()`` that never raises (see ``exists``)."""
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


def why_not(path: Path, exc: BaseException) -> str:
    """``can't read PATH: reason``, in one line (the path shown with any
    control character escaped)."""
    reason = getattr(exc, "strerror", None) or str(exc)
    if isinstance(exc, OSError) and reason[:1].isupper() \
            and reason[1:2].islower():
        reason = reason[0].lower() + reason[1:]  # the OS's "File name..."
    if isinstance(exc, FileNotFoundError) and len(path.parts) == 1:
        reason += ", and no deck of that name"
    return f"can't read {shown(path)}: {reason}"


def shown(path: Path) -> str:
    """``path`` as text, control characters (a NUL, ESC) escaped."""
    name = os.fspath(path)
    if name.isprintable():
        return name
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in name)


def resolved(path: Path) -> Path:
    """``path`` made absolute; a symlink loop or a name the OS rejects
    leaves it as it is (reading it then says why)."""
    try:
        return path.resolve()
    except (OSError, RuntimeError, ValueError):
        return path.absolute()


def report_problems(deck: object, prog: str, stream: TextIO) -> int:
    """Write the deck's problems as ``FILE:LINE: message``; how many."""
    problems = list(getattr(deck, "problems", ()))
    for problem in problems:
        print(f"{prog}: {problem}", file=stream)
    return len(problems)
