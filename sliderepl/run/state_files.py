"""Reading and writing sliderepl's own files in the state folder.

* Only a regular file is read, and at most ``MAX_BYTES`` of it: a FIFO
  named ``progress.json`` hung the REPL's start and ``sliderepl notes``.
* The files are the user's alone: 0600 in a 0700 folder (a URL typed at
  ``>>>``, password and all, lands in the history).
* A write that fails (a full disk, a read-only home) leaves no temporary
  file and no half entry behind; ``write_failed`` gives the one line
  that says so, the first time a folder fails in a run.  The caller
  goes on without the file.
* ``locked`` holds a lock file around a read-change-write, so two REPLs
  on one state folder keep each other's progress (``fcntl.flock``;
  ``msvcrt.locking`` on Windows).
"""

from __future__ import annotations

import os
import stat
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

#: More than this is no file sliderepl wrote (progress, presenter).
MAX_BYTES = 4 * 1024 * 1024
_BINARY = getattr(os, "O_BINARY", 0)  # Windows: no newline translation
_QUIET = getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
_reported: set[Path] = set()


class NotRegular(OSError):
    """A state file that is a FIFO, a device, a folder or too big."""


def read_bytes(path: Path, limit: int = MAX_BYTES,
               tail: bool = False) -> bytes:
    """The bytes of ``path`` if it is a regular file of at most
    ``limit`` bytes (``tail``: its last ``limit`` bytes); else
    ``NotRegular``.  ``FileNotFoundError`` when there is none."""
    _regular(os.stat(path), path, limit, tail)  # a FIFO is never opened
    fd = os.open(path, os.O_RDONLY | _BINARY | _QUIET)
    try:
        info = os.fstat(fd)  # it may have been swapped since the stat
        _regular(info, path, limit, tail)
        if info.st_size > limit:
            os.lseek(fd, info.st_size - limit, os.SEEK_SET)
        chunks = []
        left = limit
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def _regular(info: os.stat_result, path: Path, limit: int,
             tail: bool) -> None:
    if stat.S_ISDIR(info.st_mode):
        raise NotRegular(f"{path} is a folder, not a file")
    if not stat.S_ISREG(info.st_mode):
        raise NotRegular(f"{path} is not a regular file")
    if info.st_size > limit and not tail:
        raise NotRegular(f"{path} is {info.st_size} bytes, more than "
                         "sliderepl writes")


def write_atomic(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` (0600) in one step: a reader never
    sees half a file.  On failure the temporary file is removed and the
    ``OSError`` raised."""
    private_folder(path.parent)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=".tmp-",
                                suffix=path.suffix)  # mkstemp: 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(name, path)
    except BaseException:
        with suppress(OSError):
            os.unlink(name)
        raise


def append(path: Path, data: bytes) -> None:
    """Add ``data`` at the end of ``path`` (made 0600 if new); a write
    that fails part way is cut off again, so no half entry stays."""
    private_folder(path.parent)
    with suppress(FileNotFoundError):  # a FIFO is never opened
        _regular(os.stat(path), path, sys.maxsize, False)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | _BINARY
                 | _QUIET, 0o600)
    try:
        info = os.fstat(fd)
        _regular(info, path, sys.maxsize, False)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
        except OSError:
            with suppress(OSError):
                os.ftruncate(fd, info.st_size)
            raise
    finally:
        os.close(fd)


def private_folder(folder: Path) -> None:
    """Make ``folder`` (0700) if it is missing; tighten it if it is ours
    and open to others."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    private(folder, 0o700)


def private(path: Path, mode: int = 0o600) -> None:
    """Take group and other permissions off ``path`` if we own it
    (POSIX; Windows has no such bits)."""
    if os.name != "posix":
        return
    with suppress(OSError):
        info = os.stat(path)
        if info.st_mode & 0o077 and info.st_uid == os.getuid():
            os.chmod(path, mode)


def write_failed(path: Path, exc: OSError) -> str | None:
    """The line saying a write to ``path`` failed, the first time its
    folder fails in this run; None after that."""
    folder = path.parent
    if folder in _reported:
        return None
    _reported.add(folder)
    reason = exc.strerror or str(exc)
    return (f"sliderepl: can't write to {folder} ({reason}); history and "
            "progress are kept for this session only")


def say(line: str | None) -> None:
    """``line`` on stderr, if there is one (and a stderr to take it)."""
    if line is None:
        return
    try:
        print(line, file=sys.stderr)
    except (OSError, ValueError):
        pass


@contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold the lock of ``path`` (``PATH.lock``, an empty file) while the
    block runs.  Never waits more than ``LOCK_WAIT`` seconds, and goes on
    without the lock when none can be had: a lock left held (a Ctrl-C at
    the wrong moment, a hung process) must not hang the deck."""
    fd = -1
    held = False
    try:
        with suppress(OSError):
            private_folder(path.parent)
            fd = os.open(path.with_name(path.name + ".lock"),
                         os.O_RDWR | os.O_CREAT | _BINARY | _QUIET, 0o600)
        held = fd >= 0 and _lock(fd, True)
        yield
    finally:
        if fd >= 0:
            if held:
                _lock(fd, False)
            os.close(fd)  # closing it frees the lock in any case


#: The longest a progress save waits for another REPL's.
LOCK_WAIT = 5.0


def _lock(fd: int, on: bool) -> bool:
    """Take (``on``) or free the lock on ``fd``; False if it can't be had
    within ``LOCK_WAIT`` seconds."""
    deadline = time.monotonic() + LOCK_WAIT
    while True:
        try:
            if sys.platform == "win32":
                import msvcrt

                os.lseek(fd, 0, os.SEEK_SET)
                msvcrt.locking(fd, msvcrt.LK_NBLCK if on
                               else msvcrt.LK_UNLCK, 1)
            else:
                import fcntl

                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB if on
                            else fcntl.LOCK_UN)
        except OSError:
            if not on or time.monotonic() > deadline:
                return False
            time.sleep(0.01)
            continue
        return True
