"""Illustrates stamping each written row with the application user who
wrote it, without passing that user to every function that writes.

Use it when your users live in the application (a web login, a job name)
rather than in the database, and threading a ``user`` argument through
every data-access function is not practical.  The database learns such a
user only if the application tells it: a PostgreSQL trigger can read
``current_setting('app.user_id', true)`` after the application ran
``set_config('app.user_id', ..., true)`` in the transaction (MariaDB: a
session variable), and then stamps raw SQL and other clients' writes too,
at the price of trigger code per backend and a statement per transaction.
This recipe stamps in Python instead: any backend, no server-side code,
but only statements SQLAlchemy compiles (a hand-written ``text()`` or
``exec_driver_sql()`` INSERT is not stamped).
The current user is kept in ``Connection.info``, the dictionary the pool
keeps for each DBAPI connection; a column default reads it whenever code
does not give the column a value itself.

In 2010 the cleanup was a ``PoolListener`` passed as
``create_engine(listeners=[...])`` or ``pool.add_listener``.  SQLAlchemy
2.x has no built-in "current user" but gives the pieces: context-sensitive
column defaults (a callable that receives the execution context) and pool
events through ``sqlalchemy.event`` (``checkin`` here).  With the ORM,
``Session.info`` plus a ``SessionEvents.after_begin`` listener that copies
the user into ``connection.info`` feeds the same column (see
``casestudies/contextual_defaults.py``).

Because ``Connection.info`` lives as long as the DBAPI connection, a value
set for one piece of work would stamp rows written by whoever checks that
connection out next.  :func:`install_cleanup` removes it every time the
connection goes back to the pool: closed normally, after an exception,
after a rollback, or invalidated.

Requires: SQLAlchemy 2.x; any backend (tested on SQLite, PostgreSQL and
MariaDB).

In your application::

    from audit_log import acting_as, install_cleanup, updated_by_column

    records = Table(
        "records", metadata, Column("id", Integer, primary_key=True),
        updated_by_column(),
    )
    metadata.create_all(engine)              # or your migrations
    install_cleanup(engine)
    with engine.begin() as cx, acting_as(cx, current_user_id):
        cx.execute(records.insert(), rows)

Run: python audit_log.py [--db URL] [--echo]
(no --db: the URL in $DATABASE_URL, which keeps a password out of ps,
else SQLite in memory)
(or python -m casestudies.audit_log in the tutorial)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Column, Integer, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.engine.interfaces import ExecutionContext
from sqlalchemy.types import TypeEngine

#: The ``Connection.info`` key the column defaults read.
INFO_KEY = "updated_by"


def current_user(context: ExecutionContext) -> Any:
    """Column default: the user stored in this connection's ``info``.

    SQLAlchemy passes the execution context to a default callable that
    accepts one argument; ``context.connection.info`` is the pool's
    per-DBAPI-connection dictionary.  ``None`` (SQL NULL) when no user is
    set: an unattributed write stays visible as such.
    """
    return context.connection.info.get(INFO_KEY)


def updated_by_column(
    name: str = "updated_by", *, type_: TypeEngine[Any] | None = None
) -> Column[Any]:
    """A new ``Column`` filled from ``connection.info["updated_by"]``.

    Both the insert default and the update default read the current user,
    so every INSERT and every UPDATE that does not set the column itself
    records who wrote the row.  A new ``Column`` per call because one
    ``Column`` cannot belong to two tables.  ``type_`` defaults to
    ``Integer`` (user ids); pass ``String(64)`` for user names.
    """
    return Column(
        name,
        type_ if type_ is not None else Integer(),
        default=current_user,
        onupdate=current_user,
    )


def _forget_user(dbapi_connection: Any, connection_record: Any) -> None:
    # ``connection_record.info`` is the same dictionary as
    # ``Connection.info``.  ``dbapi_connection`` is None when the
    # connection was invalidated; the record (and its info) still exists,
    # so the key is removed here too.
    connection_record.info.pop(INFO_KEY, None)


def install_cleanup(engine: Engine) -> None:
    """Forget the current user whenever a connection returns to the pool.

    ``checkin`` fires on every return: ``close()``, the end of a ``with``
    block (normal or by exception), garbage collection, and after an
    invalidation.  The ``reset`` event would miss the last case: it only
    fires when there is a live DBAPI connection to roll back.
    Idempotent: installing twice registers one listener.
    """
    if not event.contains(engine, "checkin", _forget_user):
        event.listen(engine, "checkin", _forget_user)


@contextmanager
def acting_as(connection: Connection, user: Any) -> Iterator[Connection]:
    """Write as ``user`` inside the block, then restore the previous user."""
    info = connection.info
    missing = object()
    previous = info.get(INFO_KEY, missing)
    info[INFO_KEY] = user
    try:
        yield connection
    finally:
        if previous is missing:
            info.pop(INFO_KEY, None)
        else:
            info[INFO_KEY] = previous


def _demo(url: str, check: _Checks) -> None:
    """Walk through the recipe, checking each step."""
    from sqlalchemy import MetaData, String, Table, select


    # One connection in the pool, so the second checkout below is provably
    # the same DBAPI connection as the first.
    engine = _single_connection_engine(url)
    metadata = MetaData()
    records = Table(
        "audit_demo_records",
        metadata,
        Column("id", Integer, primary_key=True),
        updated_by_column(),
        Column("data", String(50)),
    )
    try:
        metadata.drop_all(engine)
        metadata.create_all(engine)
        install_cleanup(engine)

        with engine.begin() as cx:
            cx.info[INFO_KEY] = 123
            cx.execute(records.insert(), {"data": "inserted"})
            row = cx.execute(select(records)).one()
            # The insert default read the user from connection.info.
            check(
                (row.updated_by, row.data) == (123, "inserted"),
                f"(row.updated_by, row.data) == (123, 'inserted'): {row!r}",
            )
            print("after insert as 123:", tuple(row))

            cx.info[INFO_KEY] = 456
            cx.execute(records.update().values(data="updated"))
            row = cx.execute(select(records)).one()
            # The update default (onupdate) fired as well.
            check(
                (row.updated_by, row.data) == (456, "updated"),
                f"(row.updated_by, row.data) == (456, 'updated'): {row!r}",
            )
            print("after update as 456:", tuple(row))
            first_dbapi = cx.connection.dbapi_connection

        with engine.begin() as cx:
            # Same DBAPI connection (pool of one), yet the user is gone:
            # the checkin listener removed it when the block ended.
            check(
                cx.connection.dbapi_connection is first_dbapi,
                'cx.connection.dbapi_connection is first_dbapi',
            )
            check(INFO_KEY not in cx.info, 'INFO_KEY not in cx.info')
            cx.execute(records.insert(), {"data": "anonymous"})
            with acting_as(cx, 789):
                cx.execute(records.insert(), {"data": "as 789"})
            cx.execute(records.insert(), {"data": "anonymous again"})
            stamps = cx.execute(
                select(records.c.data, records.c.updated_by).order_by(
                    records.c.id
                )
            ).all()
        # Only the write inside acting_as() carries a user.
        check([tuple(s) for s in stamps] == [
            ("updated", 456),
            ("anonymous", None),
            ("as 789", 789),
            ("anonymous again", None),
        ], f"only the write inside acting_as() has a user: {stamps!r}")
        print("later checkout:", [tuple(s) for s in stamps[1:]])
        metadata.drop_all(engine)
    finally:
        engine.dispose()


def _single_connection_engine(url: str) -> Engine:
    """Demo helper: an engine whose pool holds exactly one connection.

    Every checkout is then provably the same DBAPI connection.  SQLite in
    memory gets a ``StaticPool`` (each new connection would be a new,
    empty database).
    """
    from sqlalchemy import create_engine
    from sqlalchemy.pool import StaticPool

    if url.startswith("sqlite") and url.endswith(("://", ":memory:")):
        return create_engine(url, poolclass=StaticPool)
    return create_engine(url, pool_size=1, max_overflow=0)


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
