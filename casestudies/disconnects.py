"""Illustrates a pool that hands out only live connections: a ``checkout``
listener tests each connection and makes the pool replace a dead one.

SQLAlchemy's own opinion is to notice a dropped connection on its first
use: that use raises a ``DBAPIError`` with ``connection_invalidated=True``,
the whole pool is invalidated and refills with fresh connections, and the
application retries or reports a temporary error.  If instead the pool
should never dispense a dead connection (after a server restart, a
failover, a firewall dropping idle sockets), test each connection as it
leaves the pool.  In 2010 that was a ``PoolListener`` with a ``checkout``
method (and ``dbapi_con.ping()`` for MySQL), passed as
``create_engine(listeners=[...])``.  SQLAlchemy 2.x has it built in:
``create_engine(url, pool_pre_ping=True)``, which you should normally use;
:func:`install_checkout_ping` shows the mechanism underneath with the
public ``checkout`` pool event and ``DisconnectionError``, and is the place
to start if you need a different test.

No checkout check helps with a connection that dies while it is checked
out (the server restarts in the middle of a request): that use raises with
every precaution, and only a retry of the whole unit of work helps.

Requires: SQLAlchemy 2.x; any backend.  The demo kills real server
sessions and restarts the server with ``--db postgresql`` / ``--db
mariadb``; on SQLite it simulates a dead connection by closing it.

Run: python -m casestudies.disconnects [--db URL]
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from typing import Any

from sqlalchemy import event, exc, text
from sqlalchemy.engine import Engine


def install_checkout_ping(engine: Engine) -> None:
    """Test every connection as it leaves the pool; replace dead ones.

    The listener runs ``SELECT 1`` on the raw DBAPI connection.  If that
    fails and the dialect says the error means "disconnected", it raises
    ``DisconnectionError``: the pool then discards the connection and
    checks out (or opens) another, a few times at most.  Any other error
    is not a disconnect and propagates unchanged.
    """
    dialect = engine.dialect

    def ping(
        dbapi_connection: Any, connection_record: Any, connection_proxy: Any
    ) -> None:
        cursor = None
        try:
            # A closed connection may fail already at cursor().
            cursor = dbapi_connection.cursor()
            cursor.execute("SELECT 1")
        except dialect.loaded_dbapi.Error as err:
            if dialect.is_disconnect(err, dbapi_connection, cursor):
                raise exc.DisconnectionError(str(err)) from err
            raise
        finally:
            if cursor is not None:
                try:
                    cursor.close()
                except dialect.loaded_dbapi.Error:
                    pass  # a dead connection may not close its cursor

    event.listen(engine, "checkout", ping)


#: The three ways to meet a dead connection, compared by the demo/tests.
PRECAUTIONS = ("none", "pre_ping", "checkout_ping")


def make_engine(url: str, precaution: str, **kw: Any) -> Engine:
    """An engine with one of the :data:`PRECAUTIONS`."""
    from sqlalchemy import create_engine

    if precaution not in PRECAUTIONS:
        raise ValueError(f"precaution must be one of {PRECAUTIONS}")
    engine = create_engine(
        url, pool_pre_ping=precaution == "pre_ping", **kw
    )
    if precaution == "checkout_ping":
        install_checkout_ping(engine)
    return engine


def use(engine: Engine) -> None:
    """One short unit of work."""
    with engine.connect() as cx:
        cx.execute(text("SELECT 1")).scalar_one()


def count_failures(engine: Engine, uses: int) -> int:
    """Use the engine ``uses`` times; count uses that hit a disconnect."""
    failures = 0
    for _ in range(uses):
        try:
            use(engine)
        except exc.DBAPIError as err:
            if not err.connection_invalidated:
                raise
            failures += 1
    return failures


def warm_up(engine: Engine, connections: int) -> list[tuple[Any, Any]]:
    """Open ``connections`` at once and return them to the pool.

    Returns ``(dbapi_connection, server_session_id)`` for each (the id is
    None on SQLite), so a demo or test can break them afterwards.
    """
    from workshop_db import servers

    found = []
    with ExitStack() as stack:
        for _ in range(connections):
            cx = stack.enter_context(engine.connect())
            sid = None
            if engine.dialect.name != "sqlite":
                sid = servers.session_id(cx)
            found.append((cx.connection.dbapi_connection, sid))
    return found


def kill_session(url: str, session_id: int) -> None:
    """Terminate one PostgreSQL / MariaDB session over SQL; wait for it.

    Needs a user allowed to end other sessions (the throwaway servers'
    superuser).  Uses its own unpooled connection, so the pool under test
    is not touched.
    """
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    admin = create_engine(
        url, poolclass=NullPool, isolation_level="AUTOCOMMIT"
    )
    try:
        with admin.connect() as cx:
            if admin.dialect.name == "postgresql":
                # The timeout makes the call wait until the backend exits.
                cx.execute(
                    text("SELECT pg_terminate_backend(:pid, 10000)"),
                    {"pid": session_id},
                )
                return
            cx.execute(text(f"KILL {int(session_id)}"))
            gone = text(
                "SELECT COUNT(*) FROM information_schema.PROCESSLIST "
                "WHERE ID = :id"
            )
            for _ in range(500):
                if not cx.execute(gone, {"id": session_id}).scalar():
                    return
                time.sleep(0.01)
            raise RuntimeError(f"session {session_id} did not end")
    finally:
        admin.dispose()


def quiet_pool_close_errors() -> None:
    """Keep "Exception terminating connection" tracebacks off stderr.

    PyMySQL refuses to close a connection it already knows is dead, and
    the pool logs that at ERROR level while discarding it.  Harmless
    here; a ``NullHandler`` keeps Python's last-resort handler from
    printing it, while handlers you configure still receive it.
    """
    import logging

    pool_logger = logging.getLogger("sqlalchemy.pool")
    if not any(
        isinstance(h, logging.NullHandler) for h in pool_logger.handlers
    ):
        pool_logger.addHandler(logging.NullHandler())


# -- the demo ----------------------------------------------------------

USES = 5


@contextmanager
def _demo_url(url: str) -> Iterator[str]:
    # SQLite in memory would use one connection per thread and a new
    # empty database per connection; a file gives a real QueuePool.
    if url.startswith("sqlite") and url.endswith(("://", ":memory:")):
        import tempfile

        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{os.path.join(folder, 'demo.db')}"
    else:
        yield url


def _fault_injectors(
    url: str, server: Any
) -> list[tuple[str, Callable[[list[Any]], None]]]:
    def close_idle(pooled: list[Any]) -> None:
        # What a dead socket looks like to the driver, on any backend.
        for dbapi_connection, _ in pooled:
            dbapi_connection.close()

    def kill_idle(pooled: list[Any]) -> None:
        for _, sid in pooled:
            kill_session(url, sid)

    faults = [("idle connections closed", close_idle)]
    if not url.startswith("sqlite"):
        faults.append(("idle sessions killed", kill_idle))
    if server is not None:
        faults += [
            ("clean server restart", lambda pooled: server.restart()),
            ("crash restart", lambda pooled: server.crash_restart()),
        ]
    return faults


def main(argv: Sequence[str] | None = None) -> int:
    """Compare the three precautions under each fault; check the counts."""
    from workshop_db.demo import parse_args
    from workshop_db import SERVER_KINDS, resolve_url

    args = parse_args(argv, __doc__)
    quiet_pool_close_errors()
    choice = args.db or os.environ.get("TUTORIAL_DB")
    server = None
    if choice in SERVER_KINDS:
        from workshop_db import servers

        # Only a server this process started may be killed and restarted.
        server = servers.shared_server(choice)
    with _demo_url(resolve_url(args.db)) as url:
        engines = {p: make_engine(url, p) for p in PRECAUTIONS}
        try:
            print(f"{'fault':26}" + "".join(f"{p:>15}" for p in PRECAUTIONS))
            for fault, inject in _fault_injectors(url, server):
                pooled = {p: warm_up(e, 3) for p, e in engines.items()}
                inject([c for p in PRECAUTIONS for c in pooled[p]])
                failed = {
                    p: count_failures(e, USES) for p, e in engines.items()
                }
                cells = [f"{failed[p]:>10}/{USES:<4}" for p in PRECAUTIONS]
                print(f"{fault:26}" + "".join(cells))
                # Without precautions exactly the first use fails: the
                # error invalidates the whole pool, so the other dead
                # connections are replaced before anyone gets them.
                assert failed["none"] == 1, failed
                # Either check replaces dead connections at checkout.
                assert failed["pre_ping"] == failed["checkout_ping"] == 0

            # A connection that dies while checked out: no checkout check
            # can help, whatever the precaution.
            for precaution, engine in engines.items():
                with engine.connect() as cx:
                    cx.connection.dbapi_connection.close()
                    try:
                        cx.execute(text("SELECT 1"))
                    except exc.DBAPIError as err:
                        assert err.connection_invalidated
                    else:
                        raise AssertionError("a dead connection worked")
            print("died while checked out: raises with every precaution")
        finally:
            for engine in engines.values():
                engine.dispose()
    print("disconnects: all checks passed")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
