"""Illustrates starting throwaway PostgreSQL and MariaDB servers from code.

Several lessons only mean something against a real server: a dropped
connection, two-phase commit, a session time zone.  This module starts a
private server on 127.0.0.1 (a free port, a temporary folder, no Docker),
hands out URLs to fresh databases in it, injects faults (kill sessions,
clean restart, crash restart) and stops it by its own process id, whatever
happens to the Python process that started it.

It replaces what test suites used to ask of every developer (a server
installed and configured by hand, a shared database emptied between runs)
and plugins such as pytest-postgresql, which need wrapping to run as root.

Use it in three ways::

    with throwaway("postgresql") as server:      # one server, one block
        url = server.create_database("demo")

    shared_server("mariadb").url()               # once per process

    unavailable_reason("mariadb")                # None, or what to install

The tests use it through the fixtures in ``tests/conftest.py``; demos
through ``python -m casestudies.NAME --db postgresql``.

Requires: PostgreSQL 15 binaries (``apt-get install -y postgresql``) and
psycopg 3, or ``mariadb-server`` and PyMySQL.  As root, PostgreSQL runs as
the ``postgres`` user and MariaDB as ``mysql``.

Run: ``python -m casestudies.servers [postgresql|mariadb]`` starts one,
prints its URL and timings, injects each fault and stops it.
"""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

KINDS = ("postgresql", "mariadb")

#: The database every server creates at start; ``url()`` points at it.
DEFAULT_DATABASE = "tutorial"


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
        self._watchdog: subprocess.Popen[bytes] | None = None
        self._admin: Any = None  # a NullPool Engine, made on first use

    # -- URLs and databases -------------------------------------------

    def url(self, database: str | None = None) -> str:
        """The SQLAlchemy URL of ``database`` (default: ``tutorial``)."""
        name = database or DEFAULT_DATABASE
        return (
            f"{self.driver}://{self.user}@{self.host}:{self.port}"
            f"/{name}{self.query}"
        )

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
            self.directory = tempfile.mkdtemp(
                prefix=f"tutorial-{self.kind}-", dir=scratch_folder()
            )
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
        command line names our folder), and removes the folder.
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
import os, shutil, signal, sys, time
sys.stdin.buffer.read()
pid_file, directory, sig = sys.argv[1:]
try:
    pid = int(open(pid_file).readline())
    with open(f"/proc/{pid}/cmdline", "rb") as f:
        ours = directory.encode() in f.read()
except (OSError, ValueError):
    ours = False
if ours:
    os.kill(pid, getattr(signal, "SIG" + sig))
    for _ in range(200):
        try:  # gone, or a zombie nobody reaps: either way it is over
            if open(f"/proc/{pid}/stat").read().rsplit(")")[-1][1] == "Z":
                break
        except OSError:
            break
        time.sleep(0.05)
shutil.rmtree(directory, ignore_errors=True)
"""


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
    except (OSError, IndexError):
        return True


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def run(
    argv: list[str], what: str, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run a command; raise ServerError with its output if it fails."""
    try:
        done = subprocess.run(
            argv, capture_output=True, text=True, timeout=timeout,
            stdin=subprocess.DEVNULL,
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


def unavailable_reason(kind: str) -> str | None:
    """None if a ``kind`` server can be started here; else what to install."""
    if kind == "postgresql":
        from . import _pg

        return _pg.unavailable_reason()
    if kind == "mariadb":
        from . import _mariadb

        return _mariadb.unavailable_reason()
    raise ValueError(f"unknown server kind {kind!r}; known: {KINDS}")


def new_server(kind: str) -> Server:
    """A ``kind`` server, not started yet (stopped at exit once started)."""
    reason = unavailable_reason(kind)
    if reason is not None:
        raise ServerError(reason)
    server: Server
    if kind == "postgresql":
        from ._pg import PostgreSQLServer

        server = PostgreSQLServer()
    else:
        from ._mariadb import MariaDBServer

        server = MariaDBServer()
    _track(server)
    return server


@contextmanager
def throwaway(kind: str) -> Iterator[Server]:
    """A started ``kind`` server for the length of a ``with`` block."""
    server = new_server(kind)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        _live.discard(server)


_shared: dict[str, Server | ServerError] = {}
_shared_lock = threading.Lock()


def shared_server(kind: str) -> Server:
    """The process's one ``kind`` server, started on first call.

    It is stopped when the process exits (normally, by Ctrl-C, SIGTERM or
    SIGHUP; a watchdog covers even kill -9).  A failed start is
    remembered: later calls raise the same error at once.
    """
    with _shared_lock:
        known = _shared.get(kind)
        if isinstance(known, ServerError):
            raise ServerError(str(known))
        if known is not None:
            return known
        try:
            server = new_server(kind)
            try:
                server.start()
            except BaseException:
                server.stop()
                raise
        except ServerError as exc:
            _shared[kind] = exc
            raise
        _shared[kind] = server
        return server


def stop_shared() -> None:
    """Stop the shared servers now (they would be stopped at exit)."""
    with _shared_lock:
        for kind, server in list(_shared.items()):
            if isinstance(server, Server):
                server.stop()
                _live.discard(server)
            del _shared[kind]


_live: set[Server] = set()
_owner = 0  # the pid that started them: a forked child must not stop them


def _track(server: Server) -> None:
    global _owner
    _live.add(server)
    if _owner != os.getpid():
        _owner = os.getpid()
        atexit.register(_stop_all)
        _catch_signals()


def _stop_all() -> None:
    # A child made by os.fork() inherits our atexit hooks and signal
    # handlers (multiprocessing's terminate() sends it SIGTERM): only the
    # process that started the servers stops them.
    if os.getpid() != _owner:
        return
    for server in list(_live):
        _live.discard(server)
        try:
            server.stop()
        except Exception as exc:  # keep stopping the others
            print(f"could not stop {server!r}: {exc}", file=sys.stderr)


def _catch_signals() -> None:
    """Stop the servers on SIGTERM/SIGHUP, then die of that signal.

    Only where nobody handles the signal yet, and only from the main
    thread (where Python allows handlers).  Ctrl-C needs nothing: it
    raises KeyboardInterrupt and atexit runs.
    """
    if threading.current_thread() is not threading.main_thread():
        return

    def handler(signum: int, frame: object) -> None:
        _stop_all()
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)

    for signum in (signal.SIGTERM, signal.SIGHUP):
        if signal.getsignal(signum) == signal.SIG_DFL:
            signal.signal(signum, handler)


def main(argv: list[str] | None = None) -> int:
    """Start each kind asked for, show its URL, inject every fault."""
    kinds = (argv if argv is not None else sys.argv[1:]) or list(KINDS)
    for kind in kinds:
        reason = unavailable_reason(kind)
        if reason:
            print(f"{kind}: unavailable: {reason}")
            continue
        with throwaway(kind) as server:
            print(f"{kind}: {server.url()} "
                  f"(started in {server.started_seconds:.2f}s)")
            for fault in ("kill_sessions", "restart", "crash_restart"):
                began = time.perf_counter()
                getattr(server, fault)()
                # The point of each fault: the server takes new clients.
                assert server.execute("SELECT 1") == [(1,)]
                print(f"  {fault}: {time.perf_counter() - began:.2f}s")
            began = time.perf_counter()
            for number in range(10):
                server.create_database(f"timing_{number}")
                server.drop_database(f"timing_{number}")
            each = (time.perf_counter() - began) / 10
            print(f"  create + drop a database: {each * 1000:.0f} ms")
            began = time.perf_counter()
        print(f"  stop: {time.perf_counter() - began:.2f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
