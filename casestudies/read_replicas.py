"""Illustrates a Session that sends writes to the primary and reads to a
read replica, with read-your-writes, a per-query override and a fallback
when the replica is down.

Use it when one database server no longer carries the reads and you add
a streaming standby (PostgreSQL hot standby, a MySQL/MariaDB replica)
for them.  :class:`RoutingSession` overrides ``Session.get_bind``, the one
place SQLAlchemy asks "which engine for this statement?":

- a flush, and every statement that is not a ``SELECT`` (INSERT, UPDATE,
  DELETE, ``text()``), goes to the primary;
- a ``SELECT`` goes to the replica, unless the session has written
  (read-your-writes), or the statement carries the execution option
  ``primary=True`` (for example a read that must not be stale, or
  ``SELECT ... FOR UPDATE``, which a standby refuses);
- if the replica does not answer, the read goes to the primary instead,
  a warning is logged (logger ``read_replicas``) and
  ``session.fallbacks`` counts it.

Read-your-writes, as chosen here: once a session has flushed or sent a
write, all its reads go to the primary **for the rest of the session**
(until ``close()``), commits included.  A replica replays the primary's
WAL a little later (on the tutorial's own pair, both servers on one
machine over loopback and idle, 0.3-7 ms from COMMIT to replay in 30
commits; under write load, with a busy standby or across a network,
far more), so a read right after a commit would otherwise miss its own
write.  The
alternative, back to the replica once it has replayed the commit's WAL
position, costs a query on the primary at every commit and one on the
replica per read, is PostgreSQL-only, and gains little: a session is one
request, so sticking to the primary for its remainder costs nothing.
Across requests (the user's next page) the rule does not reach: carry a
"wrote recently" flag in the user's session, or pass ``primary=True``.

What it replaced: the 0.5-era "master/slave" recipe that subclassed
``Session`` with ``get_bind`` and a ``_flushing`` test; 2.x keeps
``get_bind`` as the public hook, and the override here uses only public
events (``before_flush``, ``do_orm_execute``).

In your application::

    from read_replicas import RoutingSession
    from sqlalchemy.orm import sessionmaker

    Session = sessionmaker(class_=RoutingSession,
                           primary=create_engine(PRIMARY_URL),
                           replica=create_engine(REPLICA_URL,
                                                 pool_pre_ping=True))

Limits: the replica check runs once per session (one ``SELECT 1`` on the
replica), so a replica that dies in the middle of a session raises on
that session's next read; a statement written as ``text("SELECT ...")``
goes to the primary (it could be a write).

Requires: SQLAlchemy 2.x; any backend.  The demo runs on two SQLite
files, "replication" being a copy of one file to the other; ``--db
postgresql`` starts a real primary and streaming standby (PostgreSQL 15,
pg_basebackup) where the workshop package is installed; ``--db URL
--replica URL`` uses a PostgreSQL pair you have (as a superuser: it
pauses replay to make lag).

Run: python read_replicas.py [--db URL [--replica URL]] [--echo]
(no --db: the URLs in $DATABASE_URL and $DATABASE_REPLICA_URL, which keep
passwords out of ps, else two SQLite files)
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import Engine, event, exc, literal_column, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

log = logging.getLogger("read_replicas")


class RoutingSession(Session):
    """Writes and flushes to ``primary``, reads to ``replica``.

    ``read_your_writes=False`` turns the rule off (the demo's baseline).
    ``session.wrote`` is true once the session has written (its reads go
    to the primary from then on); ``session.fallbacks`` counts reads sent
    to the primary because the replica was down.
    """

    def __init__(
        self,
        *,
        primary: Engine,
        replica: Engine,
        read_your_writes: bool = True,
        **kw: Any,
    ) -> None:
        super().__init__(**kw)
        self.read_your_writes = read_your_writes
        self.primary = primary
        self.replica = replica
        self.wrote = False
        self.fallbacks = 0
        self._replica_up: bool | None = None  # checked once per session

    def get_bind(
        self,
        mapper: Any = None,
        *,
        clause: Any = None,
        use_primary: bool = False,
        **kw: Any,
    ) -> Engine:
        if not isinstance(clause, Select):
            if clause is not None or mapper is not None:
                # A flush (no clause; before_flush marked it already),
                # DML or text(): all go to the primary and count as
                # writes.
                self.wrote = True
            return self.primary
        if use_primary or (self.wrote and self.read_your_writes):
            return self.primary
        if self._replica_alive():
            return self.replica
        self.fallbacks += 1
        return self.primary

    def _replica_alive(self) -> bool:
        if self._replica_up is None:
            try:
                with self.replica.connect() as cx:
                    cx.execute(select(literal_column("1"))).scalar_one()
                self._replica_up = True
            except exc.DBAPIError as err:
                self._replica_up = False
                log.warning(
                    "replica unavailable, reading from the primary: %s",
                    str(err.orig).strip().splitlines()[0],
                )
        return self._replica_up

    def close(self) -> None:
        super().close()
        self._forget()

    def reset(self) -> None:
        super().reset()
        self._forget()

    def _forget(self) -> None:
        self.wrote = False
        self._replica_up = None


@event.listens_for(RoutingSession, "before_flush")
def _flush_is_a_write(session: RoutingSession, *args: Any) -> None:
    session.wrote = True


@event.listens_for(RoutingSession, "do_orm_execute")
def _primary_option(state: Any) -> None:
    # Execution options do not reach get_bind; bind arguments do.
    if state.execution_options.get("primary"):
        state.bind_arguments["use_primary"] = True


# -- the demo ----------------------------------------------------------


class _Replication:
    """How the demo makes and ends lag, and takes the replica down."""

    note = ""

    def catch_up(self) -> None:
        raise NotImplementedError

    def pause(self) -> None:
        raise NotImplementedError

    def resume(self) -> None:
        raise NotImplementedError

    def down(self) -> Engine:
        """Take the replica down; return the engine to use for it."""
        raise NotImplementedError

    def up(self) -> None:
        pass


class _SQLiteCopy(_Replication):
    """Two SQLite files; "replicating" copies the primary onto the replica."""

    note = ("two SQLite files stand in for primary and replica; a copy "
            "of one onto the other stands in for replication")

    def __init__(self, primary: Engine, replica: Engine) -> None:
        self.primary, self.replica = primary, replica
        self.paused = False

    def catch_up(self) -> None:
        if self.paused:
            return
        self.replica.dispose()  # no open reader while the file changes
        source = self.primary.raw_connection()
        target = self.replica.raw_connection()
        try:
            source.dbapi_connection.backup(  # type: ignore[union-attr]
                target.dbapi_connection)
        finally:
            target.close()
            source.close()

    def pause(self) -> None:
        self.paused = True

    def resume(self) -> None:
        self.paused = False
        self.catch_up()

    def down(self) -> Engine:
        from sqlalchemy import create_engine

        return create_engine(
            "sqlite:///file:/nonexistent/replica.db?mode=ro&uri=true"
        )


class _PostgreSQLStreaming(_Replication):
    """A real primary and hot standby: replay paused and resumed by SQL."""

    def __init__(
        self, primary: Engine, replica: Engine, stop: Any = None,
        start: Any = None,
    ) -> None:
        self.admin_primary = primary.execution_options(
            isolation_level="AUTOCOMMIT")
        self.admin_replica = replica.execution_options(
            isolation_level="AUTOCOMMIT")
        self.replica = replica
        self._stop, self._start = stop, start
        self.note = "a PostgreSQL primary with a streaming hot standby"

    def _sql(self, engine: Engine, sql: str, **params: Any) -> Any:
        from sqlalchemy import text

        with engine.connect() as cx:
            return cx.execute(text(sql), params).scalar()

    def catch_up(self) -> None:
        import time

        lsn = self._sql(self.admin_primary, "SELECT pg_current_wal_lsn()")
        for _ in range(3000):
            if self._sql(
                self.admin_replica,
                "SELECT coalesce(pg_last_wal_replay_lsn() >= "
                "CAST(:lsn AS pg_lsn), false)", lsn=str(lsn),
            ):
                return
            time.sleep(0.01)
        raise RuntimeError(f"the replica did not replay {lsn} in 30 s")

    def pause(self) -> None:
        self._sql(self.admin_replica, "SELECT pg_wal_replay_pause()")

    def resume(self) -> None:
        self._sql(self.admin_replica, "SELECT pg_wal_replay_resume()")
        self.catch_up()

    def down(self) -> Engine:
        if self._stop is not None:
            self._stop()  # the real standby stops
            self.replica.dispose()
            return self.replica
        # A pair we did not start: stand in a port nobody listens on.
        import socket

        from sqlalchemy import create_engine

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        url = self.replica.url.set(host="127.0.0.1", port=port)
        return create_engine(url)

    def up(self) -> None:
        if self._start is not None:
            self._start()
            self.catch_up()


class _Checks:
    def __init__(self) -> None:
        self.passed = 0

    def __call__(self, ok: bool, what: str) -> None:
        if not ok:
            raise AssertionError(what)
        self.passed += 1


def run_checks(
    primary: Engine, replica: Engine, replication: _Replication
) -> int:
    """The demo's walkthrough on any pair; return the number of checks."""
    from sqlalchemy import Integer, String
    from sqlalchemy.orm import DeclarativeBase, mapped_column

    class Base(DeclarativeBase):
        pass

    class Note(Base):
        __tablename__ = "replica_demo_note"
        # No annotations: names imported inside a function are not
        # visible to the string annotations of ``from __future__``.
        id = mapped_column(Integer, primary_key=True)
        body = mapped_column(String(50))

    check = _Checks()
    sent: dict[str, int] = {"primary": 0, "replica": 0}

    def counter(name: str) -> Any:
        def count(*args: Any) -> None:
            sent[name] += 1
        return count

    listeners = [(primary, counter("primary")), (replica, counter("replica"))]
    for engine, fn in listeners:
        event.listen(engine, "before_cursor_execute", fn)

    def session(**kw: Any) -> RoutingSession:
        return RoutingSession(primary=primary, replica=replica, **kw)

    def sends(fn: Any) -> tuple[Any, dict[str, int]]:
        before = dict(sent)
        result = fn()
        return result, {k: sent[k] - before[k] for k in sent}

    try:
        Base.metadata.drop_all(primary)
        Base.metadata.create_all(primary)
        with session() as s:
            s.add(Note(id=1, body="first"))
            s.commit()
        replication.catch_up()
        print(f"replication here: {replication.note}")

        with session() as s:
            body, where = sends(
                lambda: s.scalar(select(Note.body).where(Note.id == 1)))
            print(f"a read in a fresh session: {body!r}, "
                  f"statements sent {where}")
            check(body == "first", "the replica serves the first row")
            check(where["replica"] >= 1 and where["primary"] == 0,
                  f"a read goes to the replica: {where}")

        replication.pause()
        print("replication paused: the replica lags")
        try:
            # Without the rule: a session that routes every read to the
            # replica, as a get_bind without read-your-writes would.
            with session(read_your_writes=False) as s:
                s.add(Note(id=2, body="second"))
                s.commit()
                missed = s.scalar(select(Note.body).where(Note.id == 2))
                print(f"without read-your-writes, own write read back: "
                      f"{missed}")
                check(missed is None,
                      "a lagging replica misses the session's own write")
            with session() as s:
                s.add(Note(id=3, body="third"))
                s.commit()
                found, where = sends(lambda: s.scalar(
                    select(Note.body).where(Note.id == 3)))
                print(f"with read-your-writes: {found!r}, "
                      f"statements sent {where}")
                check(found == "third",
                      "read-your-writes reads the session's own write")
                check(where["replica"] == 0, "after a write: the primary")
            with session() as s:
                stale = s.scalar(select(Note.body).where(Note.id == 3))
                forced = s.scalar(
                    select(Note.body).where(Note.id == 3)
                    .execution_options(primary=True))
                print(f"another session, replica: {stale!r}; "
                      f"primary=True: {forced!r}")
                check(stale is None, "another session reads the lag")
                check(forced == "third", "primary=True reads the primary")
        finally:
            replication.resume()
        with session() as s:
            caught_up = s.scalar(select(Note.body).where(Note.id == 3))
            print(f"after catching up, the replica has {caught_up!r}")
            check(caught_up == "third", "the replica caught up")

        down = replication.down()
        print("the replica is down")
        try:
            handler = _Remember()
            log.addHandler(handler)
            try:
                with RoutingSession(primary=primary, replica=down) as s:
                    bodies = s.scalars(
                        select(Note.body).order_by(Note.id)).all()
                    fallbacks = s.fallbacks
            finally:
                log.removeHandler(handler)
            print(f"read with the replica down: {bodies}; fallbacks: "
                  f"{fallbacks}; logged: {handler.messages[:1]}")
            check(bodies == ["first", "second", "third"],
                  "the read fell back to the primary")
            check(fallbacks == 1, "the fallback was counted")
            check(any("replica unavailable" in m for m in handler.messages),
                  "the fallback was logged")
        finally:
            if down is not replica:
                down.dispose()
            replication.up()
    finally:
        for engine, fn in listeners:
            event.remove(engine, "before_cursor_execute", fn)
        Base.metadata.drop_all(primary)
    return check.passed


class _Remember(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def main(argv: Any = None) -> int:
    import argparse
    import contextlib
    import os
    import sys
    import tempfile

    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", metavar="URL",
                        default=os.environ.get("DATABASE_URL"),
                        help="the primary's URL, or 'postgresql' to start "
                        "a throwaway primary + standby (default: "
                        "$DATABASE_URL, else SQLite)")
    parser.add_argument("--replica", metavar="URL",
                        default=os.environ.get("DATABASE_REPLICA_URL"),
                        help="the replica's URL, with a --db URL (default: "
                        "$DATABASE_REPLICA_URL)")
    parser.add_argument("--echo", action="store_true",
                        help="show the SQL sent")
    args = parser.parse_args(argv)
    name = "read_replicas"
    db = args.db or "sqlite://"
    with contextlib.ExitStack() as stack:
        backend = "sqlite"
        if db == "postgresql":
            try:
                from workshop_db import replica as pair_module
            except ImportError:
                print(f"{name}: --db postgresql needs the workshop package "
                      "of the tutorial's clone (there: pip install -e "
                      "'.[servers]'); or pass --db URL --replica URL",
                      file=sys.stderr)
                return 2
            reason = pair_module.unavailable_reason()
            if reason:
                print(f"{name}: --db postgresql: {reason}", file=sys.stderr)
                return 2
            print("starting a PostgreSQL primary and streaming standby ...")
            pair = stack.enter_context(pair_module.ReplicaPair())
            primary_url, replica_url = pair.primary.url(), pair.standby.url()
            stop, start = pair.stop_standby, pair.start_standby
            backend = "postgresql"
        elif make_url(db).get_backend_name() == "sqlite":
            folder = stack.enter_context(tempfile.TemporaryDirectory())
            primary_url = f"sqlite:///{os.path.join(folder, 'primary.db')}"
            replica_url = f"sqlite:///{os.path.join(folder, 'replica.db')}"
        elif args.replica is None:
            print(f"{name}: --db URL needs --replica URL (a streaming "
                  "standby of it), or use --db postgresql", file=sys.stderr)
            return 2
        else:
            primary_url, replica_url, stop, start = (
                db, args.replica, None, None)
            backend = make_url(db).get_backend_name()
        if args.echo:  # the same "  SQL: " lines as every recipe's --echo
            handler = logging.StreamHandler(sys.stdout)
            handler.setFormatter(logging.Formatter("  SQL: %(message)s"))
            logger = logging.getLogger("sqlalchemy.engine.Engine")
            logger.addHandler(handler)
            logger.setLevel(logging.INFO)
        primary = create_engine(primary_url)
        replica = create_engine(replica_url, pool_pre_ping=True)
        stack.callback(replica.dispose)
        stack.callback(primary.dispose)
        replication: _Replication
        if backend == "sqlite":
            replication = _SQLiteCopy(primary, replica)
        else:
            replication = _PostgreSQLStreaming(primary, replica, stop, start)
        logging.basicConfig(format="%(name)s: %(levelname)s: %(message)s")
        try:
            passed = run_checks(primary, replica, replication)
        except AssertionError as failed:
            print(f"{name}: FAILED: {failed} on {backend}")
            return 1
    print(f"{name}: all {passed} checks passed on {backend}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
