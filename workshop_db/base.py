"""What every throwaway server shares: folder, port, watchdog, admin SQL.

The backend modules (:mod:`workshop_db.postgresql`, :mod:`workshop_db.mariadb`)
subclass :class:`Server`; :mod:`workshop_db.servers` picks one.  This module
imports neither, so the arrows point one way: servers -> backends -> base.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

KINDS = ("postgresql", "mariadb")

#: Server tools run with this umask: the files they make (logs, sockets,
#: data) are readable by their owner alone.
OWNER_ONLY_UMASK = 0o077

#: Seconds a connect may take (libpq and PyMySQL ``connect_timeout``) and
#: a MySQL driver waits for any reply (``read_timeout``): every URL handed
#: to a deck carries them (:mod:`workshop_db.urls` says why both).
CONNECT_TIMEOUT = 5
READ_TIMEOUT = 60

#: The database every server creates at start; ``url()`` points at it.
DEFAULT_DATABASE = "tutorial"


class SecretURL(str):
    """A URL string whose ``repr()`` masks the password (``***``).

    ``create_engine`` and ``print`` see the real URL; what shows a value's
    repr (the REPL's echo, pytest's assertion messages, logging's ``%r``)
    sees it masked, as SQLAlchemy's own ``URL`` objects are.
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return repr(masked(self))


def masked(url: str) -> str:
    """``url`` with its password (if any) shown as ``***``.

    A string SQLAlchemy cannot parse is not shown at all (it may still
    hold a password): ``(a URL SQLAlchemy cannot read)``.
    """
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return "(a URL SQLAlchemy cannot read)"


class ServerError(RuntimeError):
    """A server could not be started, stopped or administered."""


class Server:
    """A private database server in a temporary folder.

    Subclasses know one kind of server; this base keeps the folder, the
    port, the watchdog and the administrative engine.
    """

    kind: str = ""
    driver: str = ""
    query: str = ""
    user: str = ""

    def __init__(self) -> None:
        self.host = "127.0.0.1"
        self.port = 0
        self.directory = ""
        self.started_seconds = 0.0  # how long the last start() took
        #: The superuser's password, made at the first start.  Never
        #: print it: show ``url()`` through ``shown_url()`` instead.
        self.password = ""
        self._watchdog: subprocess.Popen[bytes] | None = None
        self._admin: Any = None  # a NullPool Engine, made on first use

    # -- URLs and databases -------------------------------------------

    def url(self, database: str | None = None) -> str:
        """The SQLAlchemy URL of ``database`` (default: ``tutorial``).

        It carries the password: hand it to ``create_engine``, and print
        :meth:`shown_url` (or ``make_url(url)``, which masks it) instead.
        """
        name = database or DEFAULT_DATABASE
        # token_urlsafe's alphabet (A-Z a-z 0-9 - _) needs no quoting.
        return SecretURL(
            f"{self.driver}://{self.user}:{self.password}@{self.host}:"
            f"{self.port}/{name}{self.query}"
        )

    def shown_url(self, database: str | None = None) -> str:
        """``url(database)`` with the password masked as ``***``."""
        return masked(self.url(database))

    def create_database(self, name: str) -> str:
        """Create an empty database ``name``; return its URL."""
        self._check_name(name)
        self.execute(f"CREATE DATABASE {name}")
        return self.url(name)

    def drop_database(self, name: str, rollback_prepared: bool = True) -> None:
        """Drop ``name`` even if sessions still use it.

        Leftover prepared (two-phase) transactions hold locks that make
        DROP DATABASE wait; with ``rollback_prepared`` they are rolled back
        first.
        """
        raise NotImplementedError

    # -- lifecycle -----------------------------------------------------

    def start(self) -> None:
        """Create the folder and the server's files if needed, and start."""
        began = time.perf_counter()
        if not self.directory:
            # mkdtemp makes the folder 0700: only its owner may enter it,
            # which keeps everyone else from the sockets and the logs.
            self.directory = tempfile.mkdtemp(
                prefix=f"tutorial-{self.kind}-", dir=scratch_folder()
            )
            self.password = secrets.token_urlsafe(24)
            self._watch()
            self._initialize()
            self._start_with_free_port()
            self.execute(f"CREATE DATABASE {DEFAULT_DATABASE}")
        else:
            self._relaunch()
        self.started_seconds = time.perf_counter() - began

    def restart(self) -> None:
        """Stop cleanly and start again on the same port and data."""
        self._halt(crash=False)
        self._relaunch()

    def crash_restart(self) -> None:
        """Kill the server without a shutdown, then start it again.

        PostgreSQL gets an immediate shutdown and MariaDB a SIGKILL: the
        next start runs crash recovery, as after the server process died.
        """
        self._halt(crash=True)
        self._relaunch()

    def stop(self) -> None:
        """End the server at once and delete its folder.

        A throwaway's data is not kept, so there is no clean shutdown to
        wait for.  Safe to call twice, or after a failed start.
        """
        if self._admin is not None:
            self._admin.dispose()
            self._admin = None
        if self.directory:
            try:
                self._halt(crash=True)
            finally:
                shutil.rmtree(self.directory, ignore_errors=True)
                self.directory = ""
                self._unwatch()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.host}:{self.port}>"

    # -- administration ------------------------------------------------

    def execute(self, sql: str, database: str | None = None) -> list[Any]:
        """Run one statement in autocommit as the superuser; return rows."""
        from sqlalchemy import create_engine, text
        from sqlalchemy.pool import NullPool

        def admin_engine(name: str) -> Any:
            # NullPool: no connection outlives a call, so a restart or a
            # kill never leaves the administrator with a dead one.
            return create_engine(
                self.url(name),
                poolclass=NullPool,
                isolation_level="AUTOCOMMIT",
                connect_args=self._admin_connect_args(),
            )

        if database is not None:
            engine = admin_engine(database)
        else:
            if self._admin is None:
                self._admin = admin_engine(self._admin_database())
            engine = self._admin
        try:
            with engine.connect() as conn:
                result = conn.execute(text(sql))
                return list(result) if result.returns_rows else []
        finally:
            if database is not None:
                engine.dispose()

    def kill_sessions(self, session_id: int | None = None) -> int:
        """Terminate one client session, or all but the killer's own.

        ``session_id`` is a PostgreSQL backend pid or a MariaDB connection
        id (see :func:`session_id`).  Returns how many were killed, once
        they are gone from the server's session list.
        """
        raise NotImplementedError

    # -- for subclasses ------------------------------------------------

    def _admin_database(self) -> str:
        raise NotImplementedError

    def _admin_connect_args(self) -> dict[str, Any]:
        """Driver options that make a stuck DDL fail instead of hang."""
        raise NotImplementedError

    def _initialize(self) -> None:
        raise NotImplementedError

    def _launch(self) -> None:
        """Start the server on ``self.port``; raise ServerError if not."""
        raise NotImplementedError

    def _halt(self, crash: bool) -> None:
        raise NotImplementedError

    def _pid_file(self) -> str:
        raise NotImplementedError

    def _secret_file(self, name: str, text: str, owner: str) -> str:
        """Write ``text`` to an owner-only (0600) file in our folder.

        As root the file belongs to ``owner``, the OS user the server
        runs as, so the server's tools can read it.
        """
        path = os.path.join(self.directory, name)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(text)
        if running_as_root():
            import pwd

            user = pwd.getpwnam(owner)
            os.chown(path, user.pw_uid, user.pw_gid)
        return path

    def _log_tail(self, path: str, lines: int = 8) -> str:
        try:
            with open(path, encoding="utf-8", errors="replace") as log:
                return "".join(log.readlines()[-lines:]).strip()
        except OSError:
            return ""

    @staticmethod
    def _check_name(name: str) -> None:
        # Names are spliced into DDL: allow only plain identifiers.
        if not (name.isidentifier() and name.isascii() and len(name) < 64):
            raise ValueError(f"not a plain database name: {name!r}")

    def _start_with_free_port(self) -> None:
        # Another process may grab the port between our probe and the
        # server's bind: try a few fresh ports before giving up.
        for attempt in range(3):
            self.port = free_port()
            try:
                self._launch()
                return
            except ServerError:
                if attempt == 2:
                    raise

    def _relaunch(self) -> None:
        # The port was ours a moment ago; if something took it (or the
        # old server still holds it briefly), wait and try again.
        for attempt in range(5):
            try:
                self._launch()
                return
            except ServerError:
                if attempt == 4:
                    raise
                time.sleep(0.5)

    def _watch(self) -> None:
        """Start a process that stops the server if we die (even kill -9).

        It waits for EOF on a pipe only this process holds, then kills the
        pid in the server's pid file, if that process is still ours (its
        command line names our folder), waits until no process that names
        the folder is left (an ``initdb`` half way) and removes the
        folder.
        """
        self._watchdog = subprocess.Popen(
            [sys.executable, "-c", _WATCHDOG, self._pid_file(),
             self.directory, "KILL" if self.kind == "mariadb" else "QUIT"],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # a Ctrl-C must not reach it
        )

    def _unwatch(self) -> None:
        if self._watchdog is not None:
            assert self._watchdog.stdin is not None
            self._watchdog.stdin.close()
            self._watchdog.wait(timeout=10)
            self._watchdog = None


_WATCHDOG = """
import os, shutil, signal, subprocess, sys, time
sys.stdin.buffer.read()
pid_file, directory, sig = sys.argv[1:]

def command_line(pid):
    try:  # Linux
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read()
    except OSError:
        pass
    try:  # macOS and the BSDs have no /proc, but ps
        return subprocess.run(["ps", "-o", "command=", "-p", str(pid)],
                              capture_output=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return b""  # unknown: not provably ours, so leave it alone

def running(pid):
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    try:  # a zombie nobody reaps: it is over too
        return open(f"/proc/{pid}/stat").read().rsplit(")")[-1][1] != "Z"
    except OSError:
        return True

def users():
    # Processes still working in the folder (initdb, pg_ctl, the server
    # being started): removing it under them made initdb's backends die
    # without removing their shared memory from /dev/shm.  Linux only.
    try:
        pids = [int(p) for p in os.listdir("/proc") if p.isdigit()]
    except OSError:
        return []
    mine = directory.encode()
    return [p for p in pids if p != os.getpid() and running(p)
            and mine in command_line(p)]

signalled = set()
deadline = time.monotonic() + 60
while os.path.isdir(directory):  # gone: stop() did it all already
    try:
        pid = int(open(pid_file).readline())
        ours = directory.encode() in command_line(pid)
    except (OSError, ValueError):
        ours = False
    if ours and pid not in signalled:
        os.kill(pid, getattr(signal, "SIG" + sig, signal.SIGTERM))
        signalled.add(pid)
    if ours and running(pid) or users():
        if time.monotonic() < deadline:
            time.sleep(0.05)
            continue
    break
shutil.rmtree(directory, ignore_errors=True)
"""


def running_as_root() -> bool:
    """True for uid 0 on POSIX; always False on Windows (no geteuid)."""
    geteuid = getattr(os, "geteuid", None)
    return geteuid is not None and geteuid() == 0


def install_hint(debian: str, homebrew: str, windows: str) -> str:
    """How to install a server package, for the platform we run on."""
    if sys.platform == "darwin":
        return f"brew install {homebrew}"
    if sys.platform == "win32":
        return f"winget install {windows}"
    return (
        f"sudo apt-get install -y {debian} (Debian/Ubuntu); "
        f"brew install {homebrew} (macOS); winget install {windows} (Windows)"
    )


def scratch_folder() -> str | None:
    """Where servers keep their files: memory (/dev/shm) if it has room.

    Creating a PostgreSQL database takes about 20 ms there and 100-250 ms
    on a busy disk; tests create one per test.  ``TUTORIAL_SERVER_DIR``
    overrides; None means the system's temporary folder.
    """
    chosen = os.environ.get("TUTORIAL_SERVER_DIR")
    if chosen:
        return chosen
    shm = "/dev/shm"
    try:
        roomy = shutil.disk_usage(shm).free > 2 * 1024**3
    except OSError:
        return None
    return shm if roomy and os.access(shm, os.W_OK) else None


def process_ended(pid: int) -> bool:
    """True if ``pid`` has exited (a zombie counts: it runs no more)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            # The state follows the command name, which is in brackets.
            return stat.read().rsplit(")", 1)[1].split()[0] == "Z"
    except IndexError:
        return True
    except OSError:
        if os.path.isdir("/proc/self"):
            return True  # Linux: no entry, no process
    if sys.platform == "win32":
        return _windows_process_ended(pid)
    try:  # no /proc (macOS): signal 0 only asks whether it exists
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # it exists, under another user
    return False


def _windows_process_ended(pid: int) -> bool:
    # os.kill(pid, 0) would terminate the process on Windows.
    import ctypes

    kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
    synchronize, wait_object_0 = 0x00100000, 0
    handle = kernel32.OpenProcess(synchronize, False, pid)
    if not handle:
        return True
    try:
        return bool(kernel32.WaitForSingleObject(handle, 0) == wait_object_0)
    finally:
        kernel32.CloseHandle(handle)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def run(
    argv: list[str], what: str, timeout: float = 60,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run a command; raise ServerError with its output if it fails."""
    try:
        done = subprocess.run(
            argv, check=False, capture_output=True, text=True, timeout=timeout,
            stdin=subprocess.DEVNULL, umask=OWNER_ONLY_UMASK, env=env,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ServerError(f"{what} failed: {exc}") from exc
    if done.returncode != 0:
        output = (done.stdout + done.stderr).strip()[-1500:]
        raise ServerError(f"{what} failed ({done.returncode}): {output}")
    return done


def wait_for(
    ready: Callable[[], bool], timeout: float, what: str, step: float = 0.02
) -> None:
    """Poll ``ready()`` until it is true; ServerError after ``timeout``."""
    deadline = time.monotonic() + timeout
    while not ready():
        if time.monotonic() > deadline:
            raise ServerError(f"timed out after {timeout:.0f}s: {what}")
        time.sleep(step)


def session_id(connection: Any) -> int:
    """The server's id for a SQLAlchemy ``Connection``'s session.

    PostgreSQL: the backend pid; MariaDB: ``CONNECTION_ID()``.  Pass it to
    :meth:`Server.kill_sessions` to kill just that session.
    """
    name = connection.dialect.name
    if name == "postgresql":
        sql = "SELECT pg_backend_pid()"
    elif name in ("mysql", "mariadb"):
        sql = "SELECT CONNECTION_ID()"
    else:
        raise ValueError(f"{name} has no server sessions")
    return int(connection.exec_driver_sql(sql).scalar_one())
