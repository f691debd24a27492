"""Illustrates a pool that hands out only live connections: a ``checkout``
listener tests each connection and makes the pool replace a dead one.

Without a precaution (the default), SQLAlchemy notices a dropped
connection on its first use: that use raises a ``DBAPIError`` with
``connection_invalidated=True``, the whole pool is invalidated and refills
with fresh connections, and the application retries or reports a
temporary error.  To keep the pool from handing out a connection that is
already dead (after a server restart, a failover, a firewall dropping idle
sockets), test each connection as it leaves the pool.  In 2010 that was a
``PoolListener`` with a ``checkout`` method (and ``dbapi_con.ping()`` for
MySQL), passed as ``create_engine(listeners=[...])``.  Since 1.2 SQLAlchemy
has it built in: ``create_engine(url, pool_pre_ping=True)``, which you
should normally use; :func:`install_checkout_ping` shows the mechanism
underneath with the public ``checkout`` pool event, the dialect's
``do_ping()`` and ``InvalidatePoolError``, and is the place to start if
you need a different test.

No checkout check helps with a connection that dies while it is checked
out (the server restarts in the middle of a request): that use raises with
every precaution, and only a retry of the whole unit of work helps.

Requires: SQLAlchemy 2.x; any backend.  The demo kills real server
sessions and restarts the server with ``--db postgresql`` / ``--db
mariadb``; on SQLite it simulates a dead connection by closing it.

In your application::

    from disconnects import install_checkout_ping

    engine = create_engine(url)      # or simply pool_pre_ping=True
    install_checkout_ping(engine)

Run: python disconnects.py [--db URL] [--echo]
(no --db: the URL in $DATABASE_URL, which keeps a password out of ps,
else SQLite in memory)
(or python -m casestudies.disconnects in the tutorial)
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

    The listener pings the raw DBAPI connection with the dialect's own
    ``do_ping()``, the test ``pool_pre_ping`` uses, which leaves the
    connection as it found it: no transaction left open (psycopg's ping
    runs in autocommit; a bare ``SELECT 1`` on the cursor would begin a
    transaction and leave the session "idle in transaction", and setting
    ``isolation_level`` on that checkout would then fail).

    If the ping fails with an error the dialect calls a disconnect, it
    raises ``InvalidatePoolError`` (a ``DisconnectionError``): after an
    outage every pooled connection is dead, so the whole pool is
    invalidated at once, as ``pool_pre_ping`` does, and the older
    connections are replaced as they come out without a ping failing for
    each.  The pool then reconnects the *same* pool record with a fresh
    DBAPI connection and runs the listener again: two tries in all.  If
    the second try also raises, checkout raises
    ``InvalidRequestError("This connection is closed")``, which is not a
    ``DBAPIError``.  Any error that is not a disconnect propagates
    unchanged.
    """
    dialect = engine.dialect

    def ping(
        dbapi_connection: Any, connection_record: Any, connection_proxy: Any
    ) -> None:
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as err:
            if dialect.is_disconnect(err, dbapi_connection, None):
                raise exc.InvalidatePoolError(str(err)) from err
            raise

    event.listen(engine, "checkout", ping)


# -- the demo ----------------------------------------------------------
# Demo-only helpers: what the demo needs to break connections and count
# the damage.  Not part of the recipe; copy install_checkout_ping above.

#: The three ways to meet a dead connection, compared by the demo/tests.
_PRECAUTIONS = ("none", "pre_ping", "checkout_ping")


def _make_engine(url: str, precaution: str, **kw: Any) -> Engine:
    """An engine with one of the :data:`_PRECAUTIONS`."""
    from sqlalchemy import create_engine

    if precaution not in _PRECAUTIONS:
        raise ValueError(f"precaution must be one of {_PRECAUTIONS}")
    engine = create_engine(
        url, pool_pre_ping=precaution == "pre_ping", **kw
    )
    if precaution == "checkout_ping":
        install_checkout_ping(engine)
    return engine


def _use(engine: Engine) -> None:
    """One short unit of work."""
    with engine.connect() as cx:
        cx.execute(text("SELECT 1")).scalar_one()


def _count_failures(engine: Engine, uses: int) -> int:
    """Use the engine ``uses`` times; count uses that hit a disconnect."""
    failures = 0
    for _ in range(uses):
        try:
            _use(engine)
        except exc.DBAPIError as err:
            if not err.connection_invalidated:
                raise
            failures += 1
    return failures


def _warm_up(engine: Engine, connections: int) -> list[tuple[Any, Any]]:
    """Open ``connections`` at once and return them to the pool.

    Returns ``(dbapi_connection, server_session_id)`` for each (the id is
    None on SQLite), so a demo or test can break them afterwards.
    """

    found = []
    with ExitStack() as stack:
        for _ in range(connections):
            cx = stack.enter_context(engine.connect())
            sid = None
            if engine.dialect.name != "sqlite":
                sid = _session_id(cx)
            found.append((cx.connection.dbapi_connection, sid))
    return found


def _session_id(cx: Any) -> int:
    """The server's id for this connection's session."""
    if cx.dialect.name == "postgresql":
        return int(cx.exec_driver_sql("SELECT pg_backend_pid()").scalar_one())
    return int(cx.exec_driver_sql("SELECT CONNECTION_ID()").scalar_one())


def _kill_session(url: str, session_id: int) -> None:
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


def _quiet_pool_close_errors() -> None:
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
            _kill_session(url, sid)

    faults = [("idle connections closed", close_idle)]
    if not url.startswith("sqlite"):
        faults.append(("idle sessions killed", kill_idle))
    if server is not None:
        faults += [
            ("clean server restart", lambda pooled: server.restart()),
            ("crash restart", lambda pooled: server.crash_restart()),
        ]
    return faults


def _demo(url: str, check: _Checks) -> None:
    """Compare the three precautions under each fault; check the counts."""

    _quiet_pool_close_errors()
    server = None
    if check.server_kind is not None:
        from workshop_db import shared_server

        # Only a server this process started may be killed and restarted.
        server = shared_server(check.server_kind)
    with _demo_url(url) as url:
        engines = {p: _make_engine(url, p) for p in _PRECAUTIONS}
        try:
            print(f"{'fault':26}" + "".join(f"{p:>15}" for p in _PRECAUTIONS))
            for fault, inject in _fault_injectors(url, server):
                pooled = {p: _warm_up(e, 3) for p, e in engines.items()}
                inject([c for p in _PRECAUTIONS for c in pooled[p]])
                failed = {
                    p: _count_failures(e, USES) for p, e in engines.items()
                }
                cells = [f"{failed[p]:>10}/{USES:<4}" for p in _PRECAUTIONS]
                print(f"{fault:26}" + "".join(cells))
                # Without precautions exactly the first use fails: the
                # error invalidates the whole pool, so the other dead
                # connections are replaced before anyone gets them.
                check(failed["none"] == 1, f"failed['none'] == 1: {failed!r}")
                # Either check replaces dead connections at checkout.
                check(
                    failed["pre_ping"] == failed["checkout_ping"] == 0,
                    'failed["pre_ping"] == failed["checkout_ping"] == 0',
                )

            # A connection that dies while checked out: no checkout check
            # can help, whatever the precaution.
            for engine in engines.values():
                with engine.connect() as cx:
                    cx.connection.dbapi_connection.close()
                    try:
                        cx.execute(text("SELECT 1"))
                    except exc.DBAPIError as err:
                        check(
                            err.connection_invalidated,
                            'err.connection_invalidated',
                        )
                    else:
                        raise AssertionError("a dead connection worked")
            print("died while checked out: raises with every precaution")
        finally:
            for engine in engines.values():
                engine.dispose()


# -- demo harness: the same block in every recipe, so that each file runs
# -- alone (python NAME.py [--db URL] [--echo]; without --db, the URL in
# -- $DATABASE_URL, else SQLite in memory); nothing above depends on it.


class _CheckFailed(Exception):
    """A demo check that did not hold; its message says which."""


class _Checks:
    """Counts the demo's checks; the first one that fails ends the demo."""

    def __init__(self, server_kind: str | None) -> None:
        self.passed = 0
        #: "postgresql" / "mariadb" when --db asked for a throwaway server
        self.server_kind = server_kind

    def __call__(self, ok: object, what: str) -> None:
        if not ok:
            raise _CheckFailed(what)
        self.passed += 1


def _run_demo(
    demo: Callable[[str, _Checks], None], argv: Sequence[str] | None
) -> int:
    """Parse ``--db`` / ``--echo``, run ``demo``, print the verdict line."""
    import argparse
    import logging
    import os
    import sys
    import traceback

    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    name = os.path.splitext(os.path.basename(__file__))[0]
    summary = " ".join((__doc__ or "").split("\n\n", 1)[0].split())
    parser = argparse.ArgumentParser(prog=f"{name}.py", description=summary)
    parser.add_argument(
        "--db", metavar="URL", default=None,
        help="database URL (default: $DATABASE_URL, else SQLite in "
        "memory; the environment keeps a password out of ps); 'postgresql' "
        "or 'mariadb' starts a throwaway server where the tutorial is "
        "installed",
    )
    parser.add_argument(
        "--echo", action="store_true", help="show the SQL the demo sends"
    )
    args = parser.parse_args(argv)
    # --db, else the variable the tutorial's slide runner sets for its
    # decks, else DATABASE_URL (a URL there stays out of ps), else SQLite
    source, choice = "--db", args.db
    for variable in ("TUTORIAL_DB", "DATABASE_URL"):
        if not choice:
            source, choice = variable, os.environ.get(variable)
    choice = choice or "sqlite://"
    kind = choice if choice in ("postgresql", "mariadb") else None
    if kind is not None:
        try:
            from workshop_db import resolve_url
        except ImportError:
            parser.exit(2, f"{name}: {source} {kind} needs the tutorial's "
                        "clone (there: pip install -e '.[servers]', then "
                        f"python -m workshop_db serve {kind} says how to set "
                        "DATABASE_URL); or pass a URL instead\n")
        try:
            url = resolve_url(kind)
        except RuntimeError as exc:  # the server could not start
            parser.exit(2, f"{name}: {source} {kind}: {exc}\n")
    else:
        url = choice
        try:
            make_url(url).get_dialect().import_dbapi()
        except ArgumentError as exc:
            shown = url if "@" not in url else "(the URL given)"
            parser.exit(
                2, f"{name}: {source} {shown!r} is not a usable URL: {exc}\n"
            )
        except ImportError as exc:
            shown = make_url(url).render_as_string(hide_password=True)
            module = (exc.name or str(exc)).partition(".")[0]
            package = {"psycopg": "'psycopg[binary]'", "pymysql": "PyMySQL",
                       "psycopg2": "psycopg2-binary",
                       "MySQLdb": "mysqlclient"}.get(module, module)
            parser.exit(2, f"{name}: {source} {shown}: its driver {module} "
                        f"is not installed (pip install {package})\n")
    _refuse_a_silent_database(parser.exit, f"{name}: {source}", url)
    if args.echo:
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(logging.Formatter("  SQL: %(message)s"))
        logger = logging.getLogger("sqlalchemy.engine.Engine")
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    backend = make_url(url).get_backend_name()
    check = _Checks(kind)
    try:
        demo(url, check)
    except _CheckFailed as failed:
        print(f"{name}: FAILED: {failed} on {backend}")
        return 1
    except Exception as exc:  # noqa: BLE001  (the verdict names it)
        traceback.print_exc()
        print(f"{name}: FAILED: {type(exc).__name__}: {exc} on {backend}")
        return 1
    print(f"{name}: all {check.passed} checks passed on {backend}")
    return 0


def _refuse_a_silent_database(
    leave: Callable[[int, str], object], said: str, url: str
) -> None:
    """One line and exit 2 when the database does not take a connection
    (``said``: the recipe and where the URL came from)."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import DBAPIError

    probe = create_engine(url)
    try:
        probe.connect().close()
    except DBAPIError as exc:
        reason = str(exc.orig or exc).strip().splitlines() or ["no reason"]
        shown = make_url(url).render_as_string(hide_password=True)
        leave(2, f"{said} {shown}: can't connect: {reason[0]}\n")
    finally:
        probe.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the demo; 0 if every check passed."""
    return _run_demo(_demo, argv)


if __name__ == "__main__":
    raise SystemExit(main())
