"""Masking run-to-run noise in recorded output (``check``, handouts).

Object addresses, SQLAlchemy's timings, temporary file names, absolute
folders, library paths and line numbers in tracebacks, and the ``^^^^``
marker lines Python versions draw differently (``normalise``);
``shorten_paths`` alone for handouts, with ``mask_secrets``: a handout
is mailed around, and no password of this machine's environment (a
database URL's, a ``*PASSWORD*`` / ``*SECRET*`` / ``*TOKEN*`` variable's)
may be in it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from sliderepl.run import own_code
from sliderepl.run.transcript import mask_addresses, mask_sql

#: the folder sliderepl is installed in (a clone: the project folder)
PROJECT_DIR = Path(__file__).resolve().parents[2]

_TMP = re.compile(r"(?<![\w-])tmp[A-Za-z0-9_]{6,}")
_CARETS = re.compile(r"^\s*[\^~]+\s*$")
_SQL_LINE = re.compile(r"^SQL: (.*)$")
#: the password of a URL (``scheme://user:PASSWORD@host``)
_URL_PASSWORD = re.compile(r"[A-Za-z][\w+.-]*://[^:/@\s]*:([^@\s/]+)@")
_SECRET_NAME = re.compile(r"PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|CREDENTIAL",
                          re.IGNORECASE)
#: shorter values are left: masking them would mangle ordinary text
_SECRET_MIN = 6
SECRET_MASK = "***"


def _library_prefixes() -> list[tuple[str, str]]:
    import sysconfig

    pairs = []
    for name, label in (
        ("purelib", "<site-packages>"),
        ("platlib", "<site-packages>"),
        ("stdlib", "<stdlib>"),
        ("platstdlib", "<stdlib>"),
    ):
        path = sysconfig.get_path(name)
        if path:
            pairs.append((str(Path(path)) + os.sep, label + "/"))
    pairs.sort(key=lambda pair: len(pair[0]), reverse=True)
    return pairs


_LIBRARY = _library_prefixes()
_FRAME = re.compile(r'^(\s*File "<(?:site-packages|stdlib)>/[^"]*", line )\d+')


def _replacements(folders: tuple[Path, ...]) -> list[tuple[str, str]]:
    """(prefix, replacement) pairs, the longest prefix first: paths
    inside ``folders`` become relative to them, paths inside a package
    installed with the deck (``own_code``) start at its name, other
    library paths at ``<site-packages>/`` or ``<stdlib>/``.  A folder
    that is a library root (sliderepl installed: its ``PROJECT_DIR``)
    is left to the library rule."""
    libraries = {prefix for prefix, _ in _LIBRARY}
    ranked = [(str(folder.resolve()) + os.sep, "", 0) for folder in folders]
    ranked = [pair for pair in ranked if pair[0] not in libraries]
    ranked += [(str(folder) + os.sep, folder.name + os.sep, 1)
               for folder in own_code.folders()]
    ranked += [(prefix, label, 2) for prefix, label in _LIBRARY]
    ranked.sort(key=lambda pair: (-len(pair[0]), pair[2]))
    return [(prefix, label) for prefix, label, _ in ranked]


def shorten_paths(text: str, folders: tuple[Path, ...] = ()) -> str:
    """Library paths as ``<site-packages>/...`` / ``<stdlib>/...``, and
    paths inside ``folders`` relative to them (handouts use this too)."""
    for prefix, label in _replacements(folders):
        text = text.replace(prefix, label)
    return text


#: a run of library frames collapsed by the runner (``run/tracebacks``)
_COLLAPSED = re.compile(r"^(\s*\.\.\. )\d+( frames? inside )")
_TRACEBACK = "Traceback (most recent call last):"


def _in_traceback(line: str, inside: bool) -> bool:
    """Whether ``line`` is still part of a traceback's frames: from the
    ``Traceback ...`` line up to the first line not indented (the
    exception itself)."""
    if line.strip() == _TRACEBACK or line.lstrip(" +|").startswith(
            _TRACEBACK):
        return True
    return inside and line[:1].isspace()


def _frame_line(line: str) -> str | None:
    """A traceback line as compared across Python versions: the
    ``File`` lines and collapsed runs (their count masked), or None for
    the code and marker lines under a frame, which each Python version
    draws its own way (3.13 quotes a statement's every line)."""
    stripped = line.lstrip(" +|")
    if stripped.startswith(("File ", _TRACEBACK, "[Previous line")):
        return line
    if _COLLAPSED.match(line):
        return _COLLAPSED.sub(r"\1N\2", line)
    return None


def comparable(text: str) -> str:
    """``text`` (already normalised) as compared across Python
    versions: inside a traceback only the frames (``File`` lines,
    collapsed runs with their count masked).  Versions differ in how
    many library frames a call takes (3.12 inlines comprehensions) and
    in how they quote the code of a frame (3.13: every line)."""
    lines = []
    inside = False
    for line in text.splitlines():
        inside = _in_traceback(line, inside)
        if inside:
            kept = _frame_line(line)
            if kept is None:
                continue
            line = kept
        lines.append(line)
    return "\n".join(lines) + "\n"


def normalise(text: str, folders: tuple[Path, ...] = ()) -> str:
    """``text`` with run-to-run and machine-to-machine noise masked."""
    replacements = _replacements(folders)
    lines = []
    for line in text.splitlines():
        if _CARETS.match(line):
            continue
        match = _SQL_LINE.match(line)
        if match:
            line = "SQL: " + mask_sql(match.group(1))
        line = mask_addresses(line)
        for prefix, label in replacements:
            line = line.replace(prefix, label)
        line = _TMP.sub("tmp...", line)
        line = _FRAME.sub(r"\1N", line)
        lines.append(line.rstrip())
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines) + "\n"


def environment_secrets(environ: Mapping[str, str] | None = None
                        ) -> frozenset[str]:
    """The secrets in ``environ`` (default: this process's): passwords
    of URLs (as written and unquoted), values of variables named like a
    password, secret or token."""
    from urllib.parse import unquote

    found: set[str] = set()
    for name, value in (os.environ if environ is None else environ).items():
        for match in _URL_PASSWORD.finditer(value):
            found |= {match.group(1), unquote(match.group(1))}
        if _SECRET_NAME.search(name):
            found.add(value)
    return frozenset(s for s in found if len(s) >= _SECRET_MIN)


def mask_secrets(text: str, secrets: Iterable[str]) -> str:
    """``text`` with each of ``secrets`` shown as ``***``."""
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, SECRET_MASK)
    return text
