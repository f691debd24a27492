"""Prompt history per deck, kept across runs in the user's state dir.

Never in the project: the user state folder
(``sliderepl.run.state``), one file per deck, keyed by the deck's
absolute path (two decks with the same name don't share a history).
The file is the user's alone (0600), read only when it is a regular
file, and a full disk turns it into a history in memory, said once.
"""

from __future__ import annotations

import datetime
import hashlib
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from prompt_toolkit.history import History

from sliderepl.run import state_files as files
from sliderepl.run.state import state_dir


def history_path(
    deck: Path, environ: Mapping[str, str] | None = None
) -> Path:
    """The history file for ``deck``: its name, for people, plus a hash
    of its absolute path, for uniqueness."""
    absolute = str(Path(deck).resolve())
    digest = hashlib.sha1(absolute.encode("utf-8")).hexdigest()[:12]
    stem = re.sub(r"[^\w.-]", "_", Path(deck).stem) or "deck"
    return state_dir(environ) / f"{stem}-{digest}.history"


#: A history file is read from its end, at most this much.
HISTORY_BYTES = 16 * 1024 * 1024


class KeptHistory(History):
    """The deck's history file (prompt_toolkit's ``FileHistory`` format).

    Read only if it is a regular file (its last ``HISTORY_BYTES``);
    created 0600, and made so if it was open to others: a typed URL with
    its password lands here.  A write that fails (a full disk) stops the
    writing: the history goes on in memory, and ``problem`` holds the one
    line saying so until the REPL shows it.
    """

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        self.problem: str | None = None
        self._writing = True
        files.private_folder(path.parent)
        files.append(path, b"")  # made (0600) or checked: raises OSError
        files.private(path)

    def load_history_strings(self) -> Iterable[str]:
        try:
            data = files.read_bytes(self.path, HISTORY_BYTES, tail=True)
        except OSError:
            return []
        strings: list[str] = []
        lines: list[str] = []
        for line in data.decode("utf-8", errors="replace").splitlines(True):
            if line.startswith("+"):
                lines.append(line[1:])
            elif lines:
                strings.append("".join(lines)[:-1])
                lines = []
        if lines:
            strings.append("".join(lines)[:-1])
        return reversed(strings)

    def store_string(self, string: str) -> None:
        if not self._writing:
            return
        entry = f"\n# {datetime.datetime.now()}\n" + "".join(
            f"+{line}\n" for line in string.split("\n"))
        try:
            files.append(self.path, entry.encode("utf-8", errors="replace"))
        except OSError as exc:
            self._writing = False
            self.problem = files.write_failed(self.path, exc)


def take_problem(history: History) -> str | None:
    """The line saying ``history`` could not be written, once."""
    if not isinstance(history, KeptHistory):
        return None
    problem, history.problem = history.problem, None
    return problem
