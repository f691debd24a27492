"""A throwaway PostgreSQL cluster (see :mod:`workshop_db.servers`).

``initdb`` and ``pg_ctl`` refuse to run as root, so as root every command
runs as the ``postgres`` user (``runuser``) in a folder that user owns.
Clients need the server's password (``scram-sha-256``, over TCP and the
socket alike); the socket sits in that owner-only folder.
"""

from __future__ import annotations

import glob
import importlib
import os
import shutil
import signal
import time
from typing import Any

from .base import (
    CONNECT_TIMEOUT,
    Server,
    ServerError,
    install_hint,
    process_ended,
    run,
    running_as_root,
    wait_for,
)

INSTALL = install_hint(
    "postgresql", "postgresql@15", "PostgreSQL.PostgreSQL.15"
)
START_OPTIONS = (
    # A throwaway need not survive a power cut: skip the disk flushes.
    # (Not synchronous_commit=off: a crash restart would lose commits.)
    "-c fsync=off -c full_page_writes=off "
    # Two-phase commit is disabled by default (0).
    "-c max_prepared_transactions=10 "
    "-c shared_buffers=32MB "
    # Dynamic shared memory in files of the data folder, not /dev/shm:
    # a server killed outright leaves none behind once the folder goes.
    "-c dynamic_shared_memory_type=mmap"
)


def bindir() -> str | None:
    """The folder of the newest installed PostgreSQL server binaries."""
    initdb = shutil.which("initdb")
    if initdb:
        return os.path.dirname(initdb)
    # Not on PATH: Debian's versioned folders, Homebrew's kegs, the
    # Windows installer's folders.
    found = [
        path
        for pattern in (
            "/usr/lib/postgresql/*/bin/initdb",
            "/opt/homebrew/opt/postgresql@*/bin/initdb",
            "/usr/local/opt/postgresql@*/bin/initdb",
            "C:/Program Files/PostgreSQL/*/bin/initdb.exe",
        )
        for path in glob.glob(pattern)
    ]
    if not found:
        return None
    return os.path.dirname(max(found, key=_major_version))


def _major_version(initdb: str) -> int:
    # The version is in the folder name: .../postgresql/15/bin/initdb,
    # .../postgresql@15/bin/initdb, .../PostgreSQL/15/bin/initdb.exe
    folder = os.path.basename(os.path.dirname(os.path.dirname(initdb)))
    digits = "".join(c for c in folder.rsplit("@", 1)[-1] if c.isdigit())
    return int(digits or 0)


def unavailable_reason() -> str | None:
    """None if a cluster can be started here; else what to install."""
    if bindir() is None:
        return f"PostgreSQL server not installed: {INSTALL}"
    if running_as_root():
        if shutil.which("runuser") is None:
            return "runuser not found: sudo apt-get install -y util-linux"
        try:
            import pwd

            pwd.getpwnam("postgres")
        except KeyError:
            return f"no 'postgres' user to run PostgreSQL as: {INSTALL}"
    try:
        # Imported, not just found: psycopg without libpq fails here.
        importlib.import_module("psycopg")
    except ImportError:
        return (
            "psycopg 3 not installed: pip install 'psycopg[binary]' "
            "(or, in the tutorial's clone, pip install -e '.[servers]')"
        )
    return None


class PostgreSQLServer(Server):
    """PostgreSQL: ``initdb`` once, ``pg_ctl`` to start and stop."""

    kind = "postgresql"
    driver = "postgresql+psycopg"
    user = "postgres"
    # a server that is gone, or never answers, fails a connect in seconds
    query = f"?connect_timeout={CONNECT_TIMEOUT}"

    def _as_owner(self, *argv: str) -> list[str]:
        tool = os.path.join(bindir() or "", argv[0])
        if running_as_root():
            return ["runuser", "-u", "postgres", "--", tool, *argv[1:]]
        return [tool, *argv[1:]]

    @property
    def _data(self) -> str:
        return os.path.join(self.directory, "data")

    def _pid_file(self) -> str:
        return os.path.join(self._data, "postmaster.pid")

    def _admin_database(self) -> str:
        return "postgres"

    def _admin_connect_args(self) -> dict[str, Any]:
        return {"options": "-c lock_timeout=30s", "connect_timeout": 10}

    def _initialize(self) -> None:
        if running_as_root():
            import pwd

            owner = pwd.getpwnam("postgres")
            os.chown(self.directory, owner.pw_uid, owner.pw_gid)
        # The superuser's password goes in through a 0600 file, never a
        # command line (which every local user can read in ps).
        pwfile = self._secret_file("pwfile", self.password + "\n", "postgres")
        try:
            run(
                self._as_owner(
                    "initdb", "-D", self._data, "-U", "postgres",
                    # Password (SCRAM) for TCP and socket clients alike,
                    # the owner included: no one gets in without it.
                    "--auth=scram-sha-256", f"--pwfile={pwfile}",
                    "-E", "UTF8", "--locale=C", "--no-sync",
                    "--no-instructions",
                ),
                "initdb",
            )
        finally:
            os.remove(pwfile)

    def _launch(self) -> None:
        log = os.path.join(self.directory, "server.log")
        # The socket goes in our 0700 folder: other users cannot reach it.
        options = (
            f"-h {self.host} -p {self.port} -k {self.directory} "
            "-c unix_socket_permissions=0700 " + START_OPTIONS
        )
        try:
            run(
                self._as_owner(
                    "pg_ctl", "-D", self._data, "-l", log, "-w", "-t", "60",
                    "-o", options, "start",
                ),
                f"starting PostgreSQL on port {self.port}",
                timeout=90,
            )
        except ServerError as exc:
            raise ServerError(f"{exc}\n{self._log_tail(log)}") from None

    def _halt(self, crash: bool) -> None:
        if not os.path.exists(self._pid_file()):
            return
        mode = "immediate" if crash else "fast"
        try:
            run(
                self._as_owner(
                    "pg_ctl", "-D", self._data, "-m", mode, "-w", "-t", "60",
                    "stop",
                ),
                "stopping PostgreSQL",
                timeout=90,
            )
        except ServerError:
            self._kill_postmaster()

    def _kill_postmaster(self) -> None:
        # pg_ctl failed: kill the postmaster named in our own pid file.
        try:
            with open(self._pid_file()) as f:
                pid = int(f.readline())
            os.kill(pid, signal.SIGKILL)
        except (OSError, ValueError):
            return

        wait_for(lambda: process_ended(pid), 10, "PostgreSQL to exit")
        time.sleep(0.1)  # its children notice the postmaster's death

    def kill_sessions(self, session_id: int | None = None) -> int:
        only = "" if session_id is None else f"AND pid = {int(session_id)}"
        # The timeout argument makes each call wait until the backend
        # has really exited, so the caller sees a dead session.
        rows = self.execute(
            "SELECT pg_terminate_backend(pid, 10000) "
            "FROM pg_stat_activity WHERE pid <> pg_backend_pid() "
            f"AND backend_type = 'client backend' {only}"
        )
        return sum(1 for (killed,) in rows if killed)

    def drop_database(self, name: str, rollback_prepared: bool = True) -> None:
        self._check_name(name)
        if rollback_prepared:
            # A prepared transaction can only be finished from a session
            # in its own database.
            gids = self.execute(
                "SELECT gid FROM pg_prepared_xacts "
                f"WHERE database = '{name}'"
            )
            for (gid,) in gids:
                quoted = gid.replace("'", "''")
                self.execute(f"ROLLBACK PREPARED '{quoted}'", database=name)
        # FORCE terminates the sessions still connected to it.
        self.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
