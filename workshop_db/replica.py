"""A throwaway PostgreSQL primary with a streaming hot standby.

Built on :class:`workshop_db.postgresql.PostgreSQLServer`: the primary is
one, started as usual; the standby is a copy taken with ``pg_basebackup
-R`` (which writes ``standby.signal`` and ``primary_conninfo``), started
on another free port in its own temporary folder, and stopped by its own
pid like every throwaway server.  On top: wait until the standby has
replayed a WAL position, lag on purpose (``pg_wal_replay_pause()``), and
the faults of a failover (stop the primary cleanly or by a crash, promote
the standby), and :meth:`ReplicaPair.rebuild` to make a pair again
after a promotion (a fresh base backup of the new primary, not
``pg_rewind``).

Credentials come from the primary :class:`Server` in one place,
:meth:`ReplicaPair.credentials`: the base backup gets the primary's
password (if it has one) through ``PGPASSWORD`` in the subprocess
environment, never on a command line, and :meth:`ReplicaPair.url` builds
the application's multi-host URL from the same user and password (a
:class:`~workshop_db.base.SecretURL`, whose repr masks it).

Run: ``python -m workshop_db.replica`` starts a pair, shows a row
replicated, lag, promotion, and the timings.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from typing import Any, Self
from urllib.parse import quote

from .base import (
    SecretURL,
    ServerError,
    masked,
    run,
    running_as_root,
    scratch_folder,
    wait_for,
)
from .postgresql import PostgreSQLServer
from .postgresql import unavailable_reason as pg_reason

__all__ = ["ReplicaPair", "StandbyServer", "unavailable_reason"]


def unavailable_reason() -> str | None:
    """None if a primary + standby pair can start here; else why not."""
    reason = pg_reason()
    if reason is not None:
        return reason
    if not os.path.exists(os.path.join(real_bindir(), "pg_basebackup")):
        return "pg_basebackup not found next to initdb"
    return None


def real_bindir() -> str:
    """The folder of the server binaries, past a symlinked ``initdb``.

    ``initdb`` may be a link on PATH (``/usr/local/bin``) to a folder
    that also holds ``pg_basebackup``; the link's folder may not.
    """
    from .postgresql import bindir

    return os.path.dirname(
        os.path.realpath(os.path.join(bindir() or "", "initdb"))
    )


class StandbyServer(PostgreSQLServer):
    """A hot standby of ``primary``, made by ``pg_basebackup -R``."""

    def __init__(self, primary: PostgreSQLServer) -> None:
        super().__init__()
        self.primary = primary

    def _as_owner(self, *argv: str) -> list[str]:
        # The base's command ends with the tool's path and its arguments.
        command = super()._as_owner(*argv)
        command[len(command) - len(argv)] = os.path.join(
            real_bindir(), argv[0]
        )
        return command

    def start(self) -> None:
        began = time.perf_counter()
        password = credentials(self.primary)[1]
        if password:
            # A copy of the primary has the primary's users and passwords.
            self.password = password
        if not self.directory:
            self.directory = tempfile.mkdtemp(
                prefix="tutorial-standby-", dir=scratch_folder()
            )
            self._watch()
            self._initialize()
            self._start_with_free_port()
            # The base backup holds the primary's databases already; a
            # standby is read-only, so no CREATE DATABASE here.
        else:
            self._relaunch()
        self.started_seconds = time.perf_counter() - began

    def _initialize(self) -> None:
        if running_as_root():
            import pwd

            owner = pwd.getpwnam("postgres")
            os.chown(self.directory, owner.pw_uid, owner.pw_gid)
        user, password = credentials(self.primary)
        env = dict(os.environ)
        if password:
            env["PGPASSWORD"] = password  # not on the command line
        argv = self._as_owner(
            "pg_basebackup", "-h", self.primary.host,
            "-p", str(self.primary.port), "-U", user, "-D", self._data,
            "-R", "-X", "stream", "--no-sync", "-c", "fast",
        )
        done = subprocess.run(
            argv, capture_output=True, text=True, timeout=120, env=env,
            stdin=subprocess.DEVNULL, check=False,
        )
        if done.returncode != 0:
            raise ServerError(
                f"pg_basebackup failed ({done.returncode}): "
                + (done.stdout + done.stderr).strip()[-1500:]
            )

    def promote(self) -> float:
        """Make this standby a primary; return the seconds it took."""
        began = time.perf_counter()
        run(
            self._as_owner(
                "pg_ctl", "-D", self._data, "-w", "-t", "60", "promote"
            ),
            "promoting the standby",
            timeout=90,
        )
        wait_for(
            lambda: not self.in_recovery(), 30, "the promoted standby"
        )
        return time.perf_counter() - began

    def in_recovery(self) -> bool:
        """True while this server is a standby (``pg_is_in_recovery()``)."""
        return bool(self.execute("SELECT pg_is_in_recovery()")[0][0])


def credentials(server: Any) -> tuple[str, str | None]:
    """The user and password (None for trust) of a server's superuser."""
    return server.user, getattr(server, "password", None) or None


class ReplicaPair:
    """A primary and a hot standby on 127.0.0.1, stopped together.

    ``with ReplicaPair() as pair:`` starts both; ``pair.primary.url()``
    and ``pair.standby.url()`` are the plain URLs, :meth:`url` the
    multi-host one an application uses to find whichever is writable.
    """

    def __init__(self) -> None:
        self.primary: PostgreSQLServer = PostgreSQLServer()
        self.standby = StandbyServer(self.primary)
        self.started_seconds = 0.0

    def __repr__(self) -> str:
        return (f"<ReplicaPair primary {self.primary.host}:"
                f"{self.primary.port}, standby {self.standby.host}:"
                f"{self.standby.port}>")

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self) -> None:
        reason = unavailable_reason()
        if reason is not None:
            raise ServerError(reason)
        from .servers import _track

        began = time.perf_counter()
        _track(self.primary)
        _track(self.standby)
        try:
            self.primary.start()
            self.standby.start()
            self.wait_for_replay()
        except BaseException:
            self.stop()
            raise
        self.started_seconds = time.perf_counter() - began

    def stop(self) -> None:
        """Stop both servers and delete their folders (safe twice)."""
        from .servers import _live

        for server in (self.standby, self.primary):
            try:
                server.stop()
            finally:
                _live.discard(server)

    # -- URLs --------------------------------------------------------

    def credentials(self) -> tuple[str, str | None]:
        """The primary's user and password: the one source for both."""
        return credentials(self.primary)

    def url(self, database: str = "tutorial", **query: str) -> str:
        """The multi-host URL: the first writable of primary and standby.

        psycopg (libpq) tries the hosts in order and keeps the first
        that accepts read-write sessions, so after a promotion the same
        URL finds the new primary.
        """
        user, password = self.credentials()
        auth = quote(user, safe="")
        if password:
            auth += ":" + quote(password, safe="")
        hosts = "&".join(
            f"host={s.host}:{s.port}" for s in (self.primary, self.standby)
        )
        extra = "".join(f"&{k}={v}" for k, v in query.items())
        # A SecretURL, as Server.url() returns: its repr (the REPL's echo,
        # an assertion message) shows the password as ***.
        return SecretURL(
            f"postgresql+psycopg://{auth}@/{database}?{hosts}"
            f"&target_session_attrs=read-write{extra}"
        )

    def shown_url(self, database: str = "tutorial", **query: str) -> str:
        """``url(...)`` with the password masked as ``***``."""
        return masked(self.url(database, **query))

    # -- replication -------------------------------------------------

    def current_lsn(self) -> str:
        """The primary's current WAL position (``pg_current_wal_lsn()``)."""
        return str(self.primary.execute("SELECT pg_current_wal_lsn()")[0][0])

    def replay_lsn(self) -> str | None:
        """The last WAL position the standby has replayed."""
        rows = self.standby.execute("SELECT pg_last_wal_replay_lsn()")
        return None if rows[0][0] is None else str(rows[0][0])

    def replayed(self, lsn: str) -> bool:
        """True once the standby has replayed the primary's WAL to ``lsn``."""
        rows = self.standby.execute(
            "SELECT coalesce(pg_last_wal_replay_lsn() >= "
            f"'{_checked_lsn(lsn)}'::pg_lsn, false)"
        )
        return bool(rows[0][0])

    def wait_for_replay(
        self, lsn: str | None = None, timeout: float = 30
    ) -> float:
        """Wait until the standby has replayed ``lsn`` (default: now).

        Returns the seconds waited.
        """
        target = lsn or self.current_lsn()
        began = time.perf_counter()
        wait_for(
            lambda: self.replayed(target), timeout,
            f"the standby to replay WAL up to {target}", step=0.005,
        )
        return time.perf_counter() - began

    def pause_replay(self) -> None:
        """Lag on purpose: the standby receives WAL but replays none."""
        self.standby.execute("SELECT pg_wal_replay_pause()")
        wait_for(
            lambda: self.standby.execute(
                "SELECT pg_get_wal_replay_pause_state()"
            )[0][0] == "paused",
            30, "replay to pause",
        )

    def resume_replay(self) -> None:
        """Replay again (and catch up with everything received)."""
        self.standby.execute("SELECT pg_wal_replay_resume()")

    # -- faults ------------------------------------------------------

    def stop_primary(self, crash: bool = True) -> None:
        """Stop the primary: ``pg_ctl -m immediate`` (crash) or ``fast``.

        Its folder stays (``self.primary.stop()`` removes it).
        """
        self.primary._halt(crash=crash)

    def start_primary(self) -> None:
        """Start the stopped primary again on its port and data."""
        self.primary._relaunch()

    def stop_standby(self) -> None:
        """The replica goes down (an immediate stop; folder kept)."""
        self.standby._halt(crash=True)

    def start_standby(self) -> None:
        self.standby._relaunch()

    def promote(self) -> float:
        """Promote the standby; return the seconds it took."""
        return self.standby.promote()

    def rebuild(self) -> float:
        """After a failover: a pair again, the promoted server as primary.

        The old primary is deleted and a fresh base backup of the new
        primary becomes its standby (a ``pg_rewind`` of the old data
        would save copying, which on a throwaway's few megabytes saves
        nothing).  Returns the seconds it took.
        """
        from .servers import _live, _track

        began = time.perf_counter()
        if self.standby.in_recovery():
            raise ServerError("rebuild() is for after a promotion")
        old = self.primary
        try:
            old.stop()
        finally:
            _live.discard(old)
        self.primary = self.standby
        self.standby = StandbyServer(self.primary)
        _track(self.standby)
        self.standby.start()
        self.wait_for_replay()
        return time.perf_counter() - began

    def failover(self, crash: bool = True) -> float:
        """Stop the primary, promote the standby; seconds for both."""
        began = time.perf_counter()
        self.stop_primary(crash=crash)
        self.promote()
        return time.perf_counter() - began


def _checked_lsn(lsn: str) -> str:
    # An LSN is two hex numbers with a slash; it is spliced into SQL.
    high, _, low = lsn.partition("/")
    int(high, 16), int(low, 16)
    return lsn


def main() -> int:
    reason = unavailable_reason()
    if reason:
        print(f"primary + standby: unavailable: {reason}")
        return 2
    with ReplicaPair() as pair:
        print(f"pair started in {pair.started_seconds:.2f}s "
              f"(standby {pair.standby.started_seconds:.2f}s)")
        pair.primary.execute("CREATE TABLE t (n int)", database="tutorial")
        pair.primary.execute("INSERT INTO t VALUES (1)", database="tutorial")
        waited = pair.wait_for_replay()
        rows = pair.standby.execute("SELECT n FROM t", database="tutorial")
        print(f"row on the standby after {waited * 1000:.0f} ms: {rows}")
        pair.pause_replay()
        pair.primary.execute("INSERT INTO t VALUES (2)", database="tutorial")
        rows = pair.standby.execute("SELECT n FROM t", database="tutorial")
        print(f"replay paused, standby still sees {rows}")
        pair.resume_replay()
        pair.wait_for_replay()
        seconds = pair.failover(crash=True)
        print(f"crash of the primary + promotion: {seconds:.2f}s; "
              f"standby in recovery: {pair.standby.in_recovery()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
