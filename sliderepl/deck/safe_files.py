"""Reading deck files and splitting them into lines the way Python does.

``read_regular`` refuses what is not a regular file (a FIFO would block
every command forever, a device could be endless) before opening it, and
turns a NUL byte or a symlink loop into an ``OSError`` with a plain
reason, so every caller's ``except OSError`` reports it as a message.

``python_lines`` splits only at ``\\r\\n``, ``\\r`` and ``\\n``: the line
ends Python's tokenizer knows.  ``str.splitlines`` also breaks at form
feed, U+2028, U+0085 and others, which Python keeps inside a line; a
deck split that way gets line numbers that disagree with Python's and
false syntax errors.
"""

from __future__ import annotations

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
        raise OSError(f"{name!r}: a file name can't contain a NUL byte")
    try:
        info = os.stat(name)
    except ValueError as exc:  # anything else the OS can't name
        raise OSError(f"{name!r}: {exc}") from None
    if stat.S_ISDIR(info.st_mode):
        raise IsADirectoryError(21, "is a folder, not a file", name)
    if not stat.S_ISREG(info.st_mode):
        raise OSError(f"{name}: not a regular file (a FIFO, socket or "
                      "device can't be a deck)")
    return Path(name).read_text(encoding=encoding)


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
