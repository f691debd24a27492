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
through ``python -m casestudies.NAME --db postgresql``; decks, ``ready.py``
and the benchmarks through :func:`workshop_db.resolve_url`.

Requires: PostgreSQL binaries and psycopg 3, or a MariaDB server and
PyMySQL; :func:`unavailable_reason` says how to install them on Debian,
macOS (Homebrew) or Windows.  As root, PostgreSQL runs as the ``postgres``
user and MariaDB as ``mysql``.

Run: ``python -m workshop_db.servers [postgresql|mariadb]`` starts one,
prints its URL and timings, injects each fault and stops it;
``python -m workshop_db serve postgresql`` keeps one running for you
(:mod:`workshop_db.serve`).
"""

from __future__ import annotations

import atexit
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from .base import (
    KINDS,
    Server,
    ServerError,
    free_port,
    process_ended,
    session_id,
    wait_for,
)

__all__ = [
    "KINDS",
    "Server",
    "ServerError",
    "free_port",
    "new_server",
    "process_ended",
    "session_id",
    "shared_server",
    "stop_shared",
    "throwaway",
    "unavailable_reason",
    "wait_for",
]

def unavailable_reason(kind: str) -> str | None:
    """None if a ``kind`` server can be started here; else what to install."""
    if kind == "postgresql":
        from . import postgresql

        return postgresql.unavailable_reason()
    if kind == "mariadb":
        from . import mariadb

        return mariadb.unavailable_reason()
    raise ValueError(f"unknown server kind {kind!r}; known: {KINDS}")


def new_server(kind: str) -> Server:
    """A ``kind`` server, not started yet (stopped at exit once started)."""
    reason = unavailable_reason(kind)
    if reason is not None:
        raise ServerError(reason)
    server: Server
    if kind == "postgresql":
        from .postgresql import PostgreSQLServer

        server = PostgreSQLServer()
    else:
        from .mariadb import MariaDBServer

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
        except Exception as exc:  # noqa: BLE001  (keep stopping the others)
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

    # SIGHUP does not exist on Windows.
    for name in ("SIGTERM", "SIGHUP"):
        signum = getattr(signal, name, None)
        if signum is not None and signal.getsignal(signum) == signal.SIG_DFL:
            signal.signal(signum, handler)


def main(argv: list[str] | None = None) -> int:
    """Start each kind asked for, show its URL, inject every fault."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m workshop_db.servers",
        description="Start each kind of throwaway server (default: all), "
        "show its URL (password masked) and timings, inject each fault "
        "(kill sessions, restart, crash restart) and stop it.  For a "
        "server to use: python -m workshop_db serve KIND.",
    )
    # no choices=: Python 3.11's argparse rejects an empty list against them
    parser.add_argument("kinds", nargs="*", metavar="KIND",
                        help=f"one of: {', '.join(KINDS)}")
    kinds = parser.parse_args(argv).kinds or list(KINDS)
    unknown = [kind for kind in kinds if kind not in KINDS]
    if unknown:
        parser.error(f"unknown server kind {unknown[0]!r} "
                     f"(choose from {', '.join(KINDS)})")
    for kind in kinds:
        reason = unavailable_reason(kind)
        if reason:
            print(f"{kind}: unavailable: {reason}")
            continue
        with throwaway(kind) as server:
            print(f"{kind}: {server.shown_url()} "
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
