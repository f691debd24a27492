"""Where sliderepl keeps per-user state (history, progress, copies).

The platform's own place, from platformdirs (weighed against our own
table of folders: it follows each system's rules and their changes):

* Linux and other Unix: ``$XDG_STATE_HOME/sliderepl``, else
  ``~/.local/state/sliderepl`` (as before);
* macOS: ``~/Library/Application Support/sliderepl``;
* Windows: ``%LOCALAPPDATA%\\sliderepl``.

``XDG_STATE_HOME``, when set, wins on every system (the user chose it).
State an older sliderepl left in ``~/.local/state/sliderepl`` is moved
to the platform's place on first use (copied if it can't be moved), and
that is said in one line on stderr.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Mapping
from pathlib import Path

APP = "sliderepl"
_failed: set[Path] = set()  # a move that failed is reported once a run


def old_state_dir() -> Path:
    """Where every sliderepl before platformdirs kept its state."""
    return Path.home() / ".local" / "state" / APP


def native_state_dir() -> Path:
    """The platform's user state folder for sliderepl."""
    import platformdirs  # only when state is used: startup stays fast

    return Path(platformdirs.PlatformDirs(APP, appauthor=False)
                .user_state_dir)


def state_dir(environ: Mapping[str, str] | None = None) -> Path:
    """``$XDG_STATE_HOME/sliderepl`` if set, else the platform's place
    (``native_state_dir``), never in the project.  Moves the old place's
    state there the first time."""
    env = os.environ if environ is None else environ
    base = env.get("XDG_STATE_HOME") or ""
    if base:
        return Path(base) / APP
    here = native_state_dir()
    migrate(old_state_dir(), here)
    return here


def migrate(old: Path, new: Path) -> bool:
    """Move ``old`` to ``new`` if only ``old`` exists (copy it when a move
    fails); say so in one line.  True if state was carried over."""
    try:
        if (old == new or new in _failed or new.exists()
                or not old.is_dir()):
            return False
        new.parent.mkdir(parents=True, exist_ok=True)
        try:
            shutil.move(str(old), str(new))
            done = "moved"
        except OSError:
            shutil.copytree(old, new, dirs_exist_ok=True)
            done = "copied"
    except OSError as exc:
        _failed.add(new)
        _say(f"sliderepl: can't carry your state over from {old} to "
             f"{new} ({exc}); starting afresh there")
        return False
    _say(f"sliderepl: {done} your state from {old} to {new}")
    return True


def _say(line: str) -> None:
    try:
        print(line, file=sys.stderr)
    except (OSError, ValueError):
        pass
