"""Masking run-to-run noise in recorded output (``check``, handouts).

Object addresses, SQLAlchemy's timings, temporary file names, absolute
folders, library paths and line numbers in tracebacks, and the ``^^^^``
marker lines Python versions draw differently (``normalise``);
``shorten_paths`` alone for handouts.  ``environment_secrets`` and
``mask_secrets``: no password or token of this machine in a handout.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from urllib.parse import unquote

from sliderepl.run.transcript import mask_addresses, mask_sql

#: the folder sliderepl is installed in (a clone: the project folder)
PROJECT_DIR = Path(__file__).resolve().parents[2]

_TMP = re.compile(r"(?<![\w-])tmp[A-Za-z0-9_]{6,}")
_CARETS = re.compile(r"^\s*[\^~]+\s*$")
_SQL_LINE = re.compile(r"^SQL: (.*)$")


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


def _prefixes(folders: tuple[Path, ...]) -> list[str]:
    return sorted(
        {str(folder.resolve()) + os.sep for folder in folders}, key=len,
        reverse=True,
    )


def shorten_paths(text: str, folders: tuple[Path, ...] = ()) -> str:
    """Library paths as ``<site-packages>/...`` / ``<stdlib>/...``, and
    paths inside ``folders`` relative to them (handouts use this too)."""
    for prefix, label in _LIBRARY:
        text = text.replace(prefix, label)
    for prefix in _prefixes(folders):
        text = text.replace(prefix, "")
    return text


def normalise(text: str, folders: tuple[Path, ...] = ()) -> str:
    """``text`` with run-to-run and machine-to-machine noise masked."""
    prefixes = _prefixes(folders)
    lines = []
    for line in text.splitlines():
        if _CARETS.match(line):
            continue
        match = _SQL_LINE.match(line)
        if match:
            line = "SQL: " + mask_sql(match.group(1))
        line = mask_addresses(line)
        for prefix, label in _LIBRARY:
            line = line.replace(prefix, label)
        for prefix in prefixes:
            line = line.replace(prefix, "")
        line = _TMP.sub("tmp...", line)
        line = _FRAME.sub(r"\1N", line)
        lines.append(line.rstrip())
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines) + "\n"



#: ``scheme://user:password@``: the password is the group
_PASSWORD = re.compile(r"\b[A-Za-z][\w+.-]*://[^\s:/@'\"]*:([^\s@/'\"]+)@")
#: environment variables whose value is a secret by their name
_SECRET_NAME = re.compile(
    r"PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|CREDENTIAL", re.IGNORECASE)


def environment_secrets(environ: Mapping[str, str]) -> frozenset[str]:
    """This machine's secrets as the environment holds them: the
    password of every URL in a variable's value (as written, and
    unquoted), and the value of every variable named like a password,
    secret, token or key (4 characters or more)."""
    found: set[str] = set()
    for name, value in environ.items():
        for password in _PASSWORD.findall(value):
            found.update((password, unquote(password)))
        if _SECRET_NAME.search(name):
            found.add(value)
    return frozenset(s for s in found if len(s) >= 4 and s != "***")


def mask_secrets(text: str, secrets: Iterable[str]) -> str:
    """``text`` with each of ``secrets`` as ``***`` (the longest first,
    so a secret inside another doesn't leave the rest showing)."""
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, "***")
    return text
