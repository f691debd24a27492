"""SQLite files for the decks, in a folder that goes when the process does.

Parts 1 and 3 need a SQLite database several connections share, so a
file rather than ``sqlite://`` in memory.  Each call of
:func:`sqlite_file_url` gets a fresh empty folder (a namespace rebuilt
by ``!prev`` or ``!reset`` starts on an empty database, as before), all
inside one folder of this process's, ``workshop-sqlite-PID-*`` in the
temporary folder, removed at exit (``exit()``, Ctrl-D, ``!quit`` and
the menu's end, ``--run-all``).  A process that could not run its exit
hooks (``kill -9``, a closed terminal's SIGHUP) leaves its folder: the
next process to make one removes the folders of processes that are gone
(each process holds a lock on a file in its folder while it lives).
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

PREFIX = "workshop-sqlite-"
LOCK = ".owner.lock"

_folder: Path | None = None
_lock = -1  # held while the process lives: the folder is in use
_owner = 0  # the pid that made it: a forked child must not remove it


def sqlite_file_url(name: str) -> str:
    """``sqlite:///`` URL of ``name`` in a fresh folder removed at exit."""
    fresh = tempfile.mkdtemp(dir=_process_folder())
    return f"sqlite:///{Path(fresh) / name}"


def _process_folder() -> Path:
    global _folder, _lock, _owner
    if _folder is None or _owner != os.getpid() or not _folder.is_dir():
        _remove_orphans()
        _folder = Path(tempfile.mkdtemp(prefix=PREFIX))
        _owner = os.getpid()
        _lock = _hold(_folder)
        atexit.register(_remove, _folder, _owner, _lock)
    return _folder


def _remove(folder: Path, owner: int, lock: int) -> None:
    if os.getpid() != owner:
        return
    if lock >= 0:
        os.close(lock)
    shutil.rmtree(folder, ignore_errors=True)


def _hold(folder: Path) -> int:
    """Lock a file in ``folder`` for as long as this process lives (the
    lock goes with the process, however it ends).  Locked under another
    name first: a folder whose lock file is there is always held."""
    try:
        import fcntl
    except ImportError:  # Windows: no orphan sweep, exit hooks only
        return -1
    fd = os.open(folder / "locking", os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    os.replace(folder / "locking", folder / LOCK)
    return fd


def _remove_orphans() -> None:
    """Remove the folders of processes that are gone: their lock is
    free."""
    try:
        import fcntl
    except ImportError:
        return
    try:
        locks = list(Path(tempfile.gettempdir()).glob(PREFIX + "*/" + LOCK))
    except OSError:
        return
    for lock in locks:
        try:
            fd = os.open(lock, os.O_RDWR)
        except OSError:  # someone else's, or just removed
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # held: its process is alive
            os.close(fd)
            continue
        shutil.rmtree(lock.parent, ignore_errors=True)
        os.close(fd)
