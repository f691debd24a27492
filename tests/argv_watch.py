"""What ``ps`` would show, sampled: every process's arguments, for secrets.

Any local user can read any process's command line (``/proc/PID/cmdline``,
``ps -eo args``), so a password there is a password given away.  While a
``with ArgvWatch() as watch:`` block runs, a thread reads the command line
of every process on the machine every few milliseconds and keeps each
distinct one, marked when the process is ours: this test process, a
descendant of it, or one that inherited our marker variable (a server
that ``pg_ctl`` or tmux left running on its own).  Afterwards
:meth:`ArgvWatch.leaks` names the command lines that carried

- a known secret (the password of a server the test started), in any
  process on the machine: a random password is in no one else's; or
- something shaped like a password (``scheme://user:PASSWORD@``,
  ``password=``, ``PGPASSWORD=``) in one of ours, for a secret the test
  cannot know (a server a child process started for itself).

Each leak is shown with the secrets masked, so that a failing test does
not print them.  A process that starts and ends between two samples is
missed; the tests that prove the watch works use processes as short as
the launches they watch.  Linux only (``/proc``).
"""

from __future__ import annotations

import os
import re
import secrets
import threading
from collections.abc import Iterable
from types import TracebackType

#: a password in an argument: a URL's user:password@, a libpq conninfo or
#: a client option (password=, --password=), a variable given to env(1)
PASSWORD_SHAPED = re.compile(
    rb"://[^/\s:@\0]*:[^/\s@\0]+@|password=[^\s\0]|PGPASSWORD=|MYSQL_PWD=",
    re.I,
)

#: the variable that marks our processes, inherited by every child
MARKER = "TUTORIAL_ARGV_WATCH"


def available() -> bool:
    """True where process command lines can be read (/proc)."""
    return os.path.exists(f"/proc/{os.getpid()}/cmdline")


class ArgvWatch:
    """Samples every process's command line while the block runs."""

    def __init__(self, interval: float = 0.01) -> None:
        self.interval = interval
        self.token = secrets.token_hex(8)
        #: (pid, command line) -> seen in one of ours
        self.seen: dict[tuple[int, bytes], bool] = {}
        self.samples = 0
        self._ours: set[int] = set()
        self._strangers: set[int] = set()  # pids whose environ we read
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._saved: str | None = None

    def __enter__(self) -> ArgvWatch:
        self._saved = os.environ.get(MARKER)
        os.environ[MARKER] = self.token
        self._ours = {os.getpid()}
        self._sample()
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None,
        value: BaseException | None, tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join(timeout=30)
        self._sample()
        if self._saved is None:
            os.environ.pop(MARKER, None)
        else:
            os.environ[MARKER] = self._saved

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def _sample(self) -> None:
        self.samples += 1
        lines: dict[int, bytes] = {}
        parents: dict[int, int] = {}
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            pid = int(entry.name)
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    line = f.read()
                with open(f"/proc/{pid}/stat", "rb") as f:
                    # the parent's pid follows the state, after the name
                    parents[pid] = int(f.read().rsplit(b")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue  # ended meanwhile
            if line:  # kernel threads and zombies have none
                lines[pid] = line
        grew = True
        while grew:  # descendants of ours, however deep
            before = len(self._ours)
            self._ours |= {pid for pid, parent in parents.items()
                           if parent in self._ours}
            grew = len(self._ours) > before
        for pid in lines:
            if pid not in self._ours and pid not in self._strangers:
                if self._marked(pid):
                    self._ours.add(pid)
                else:
                    self._strangers.add(pid)
        for pid, line in lines.items():
            key = (pid, line)
            self.seen[key] = self.seen.get(key, False) or pid in self._ours

    def _marked(self, pid: int) -> bool:
        try:
            with open(f"/proc/{pid}/environ", "rb") as f:
                return f"{MARKER}={self.token}".encode() in f.read()
        except OSError:
            return False  # another user's, or gone

    def leaks(self, known: Iterable[str] = ()) -> list[str]:
        """Each command line that carried a secret, the secrets masked."""
        secrets_ = [s.encode() for s in known if s]
        found = []
        for (pid, line), ours in self.seen.items():
            carried = any(s in line for s in secrets_) or (
                ours and PASSWORD_SHAPED.search(line) is not None
            )
            if carried:
                found.append(f"pid {pid}: {_masked(line, secrets_)}")
        return sorted(found)

    def programs(self) -> set[str]:
        """The programs of our processes seen: the names of each one's
        first two arguments (a script's interpreter, then the script)."""
        return {
            os.path.basename(word.decode(errors="replace"))
            for (_, line), ours in self.seen.items() if ours
            for word in line.split(b"\0")[:2]
        }


def _masked(line: bytes, known: list[bytes]) -> str:
    for secret in known:
        line = line.replace(secret, b"***")
    line = re.sub(rb"(://[^/\s:@\0]*:)[^/\s@\0]+@", rb"\1***@", line)
    line = re.sub(rb"((?:password|PGPASSWORD|MYSQL_PWD)=)[^\s\0]+", rb"\1***",
                  line, flags=re.I)
    return line.replace(b"\0", b" ").decode(errors="replace").strip()
