"""Illustrates a UTC timestamp computed by the database, in each database's
own SQL, through the compiler extension.

Use it when rows need "when did this happen" stamps from one clock (the
database's) rather than from each application server's clock, and the
stamp must be UTC whatever time zone a database session happens to use.
``utcnow()`` works in ``select()``, as a column ``default`` and as
``onupdate``.

In 2010 the recipe subclassed ``ColumnElement`` and registered
``@compiles`` functions; that part is unchanged.  What came since is the
SQL compilation cache (SQLAlchemy 1.4, kept in 2.x): a construct must say
it can share its class's cache key by setting ``inherit_cache = True``
(also 1.4), or SQLAlchemy warns (an ``SAWarning``) and compiles it afresh
every time.  The 2010 PostgreSQL
SQL, ``TIMESTAMP 'now' AT TIME ZONE 'utc'``, is also wrong as soon as the
session's ``TimeZone`` is not UTC (``TIMESTAMP 'now'`` is local wall-clock
time, which it then declares to be UTC); the version here is not.
Built in, SQLAlchemy offers ``func.now()`` / ``func.current_timestamp()``,
on PostgreSQL fixed for the whole transaction.  The hazard is storing them
in a naive ``TIMESTAMP`` / ``DATETIME`` column: the value written is the
session's local wall-clock time, hours off UTC in a session whose time
zone is not UTC (PostgreSQL's ``now()`` itself is a correct
``timestamptz``; MariaDB's ``NOW()`` is local time already).

Per database:

* PostgreSQL: ``statement_timestamp()`` (start of the current statement;
  ``now()`` is the start of the *transaction*, so two updates in one long
  transaction would get the same stamp; ``clock_timestamp()`` changes
  from row to row within one statement, so a multi-row INSERT would get
  different stamps) converted to UTC with ``AT TIME ZONE 'UTC'``.
* MariaDB / MySQL: ``UTC_TIMESTAMP(6)``, which ignores ``time_zone``.
* SQLite: ``strftime(..., 'now')``, always UTC, formatted exactly like
  SQLAlchemy's own SQLite ``DateTime`` storage format, so values written
  by the database and by Python sort and compare correctly as text.
* SQL Server ``SYSUTCDATETIME()``, Oracle ``SYS_EXTRACT_UTC(SYSTIMESTAMP)``.
* Anything else: ``CURRENT_TIMESTAMP``, correct only if that server runs
  in UTC; add a ``@compiles`` function for your database.

Requires: SQLAlchemy 2.x; psycopg / PyMySQL for the server backends.

In your application::

    from utcnow import utcnow

    Column("created_at", DateTime, default=utcnow())
    Column("updated_at", DateTime, default=utcnow(), onupdate=utcnow())

Run: python utcnow.py [--db URL] [--echo]
(no --db: the URL in $DATABASE_URL, which keeps a password out of ps,
else SQLite in memory)
(or python -m casestudies.utcnow in the tutorial)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    func,
    select,
    text,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

__all__ = ["utcnow"]


class utcnow(FunctionElement[dt.datetime]):
    """The current UTC time, as a naive ``datetime``, from the database."""

    type = DateTime()
    name = "utcnow"
    # Every utcnow() renders the same SQL, so the class's cache key is
    # enough: without this flag SQLAlchemy warns and skips its cache.
    inherit_cache = True


@compiles(utcnow)
def compile_default(
    element: utcnow, compiler: SQLCompiler, **kw: Any
) -> str:
    # Standard SQL has no "UTC now": this is right only on UTC servers.
    return "CURRENT_TIMESTAMP"


@compiles(utcnow, "postgresql")
def compile_postgresql(
    element: utcnow, compiler: SQLCompiler, **kw: Any
) -> str:
    # timestamptz AT TIME ZONE 'UTC' -> timestamp (naive) in UTC, whatever
    # the session's TimeZone setting is.
    return "(statement_timestamp() AT TIME ZONE 'UTC')"


@compiles(utcnow, "mysql")
@compiles(utcnow, "mariadb")
def compile_mysql(
    element: utcnow, compiler: SQLCompiler, **kw: Any
) -> str:
    # UTC_TIMESTAMP ignores the session's time_zone; (6) keeps microseconds.
    return "UTC_TIMESTAMP(6)"


@compiles(utcnow, "sqlite")
def compile_sqlite(
    element: utcnow, compiler: SQLCompiler, **kw: Any
) -> str:
    # SQLite's 'now' is UTC.  %f is "SS.SSS"; the trailing 000 pads it to
    # the six digits SQLAlchemy stores, so text comparisons stay correct.
    return "strftime('%Y-%m-%d %H:%M:%f000', 'now')"


@compiles(utcnow, "mssql")
def compile_mssql(
    element: utcnow, compiler: SQLCompiler, **kw: Any
) -> str:
    return "SYSUTCDATETIME()"


@compiles(utcnow, "oracle")
def compile_oracle(
    element: utcnow, compiler: SQLCompiler, **kw: Any
) -> str:
    return "SYS_EXTRACT_UTC(SYSTIMESTAMP)"


def _python_utcnow() -> dt.datetime:
    """Python's UTC clock, naive like the database values."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _far_from_utc(connection: Connection) -> None:
    """Put this session 13-14 hours ahead of UTC, where that exists."""
    name = connection.dialect.name
    if name == "postgresql":
        connection.execute(text("SET TIME ZONE 'Pacific/Kiritimati'"))
    elif name in ("mysql", "mariadb"):
        # MariaDB accepts offsets up to +13:00 (named zones need the
        # server's time zone tables loaded).
        connection.execute(text("SET time_zone = '+13:00'"))


def _demo(url: str, check: _Checks) -> None:
    """Walk through utcnow() on one database, checking each step."""

    engine = create_engine(url)
    tolerance = dt.timedelta(seconds=60)
    metadata = MetaData()
    events = Table(
        "utcnow_demo",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("label", String(20)),
        Column("created_at", DateTime, default=utcnow()),
        Column("updated_at", DateTime, default=utcnow(), onupdate=utcnow()),
        # the hazard: the session's local now() stored in a naive column
        Column("local_at", DateTime, default=func.now()),
    )
    try:
        print("SQL on this database:", utcnow().compile(engine))
        with engine.begin() as cx:
            metadata.drop_all(cx)
            metadata.create_all(cx)
        with engine.begin() as cx:
            _far_from_utc(cx)
            db_now = cx.scalar(select(utcnow()))
            # The session is 13+ hours ahead (on servers), yet this is UTC.
            check(
                abs(db_now - _python_utcnow()) < tolerance,
                f"abs(db_now - _python_utcnow()) < tolerance: {db_now!r}",
            )
            cx.execute(events.insert(), {"label": "first"})
            row = cx.execute(select(events)).one()
            # default=utcnow() ran inside the INSERT, on the database.
            check(
                abs(row.created_at - _python_utcnow()) < tolerance,
                'abs(row.created_at - _python_utcnow()) < tolerance',
            )
            cx.execute(events.update().values(label="second"))
            after = cx.execute(select(events)).one()
            # onupdate=utcnow() moved updated_at, never backwards.
            check(
                after.updated_at >= row.updated_at,
                'after.updated_at >= row.updated_at',
            )
            check(
                after.created_at == row.created_at,
                'after.created_at == row.created_at',
            )
            stored = cx.execute(select(events)).one()
        drift = abs(stored.created_at - _python_utcnow())
        print("utcnow() stored in a naive column:",
              f"{drift.total_seconds():.1f} s from Python's UTC clock")
        if engine.dialect.name in ("postgresql", "mariadb"):
            # now() stored in a naive TIMESTAMP: the session's wall clock.
            off = abs(stored.local_at - stored.created_at)
            check(off > dt.timedelta(hours=12),
                  f"now() in a naive column should be 13-14 h off: {off}")
            hours = off.total_seconds() / 3600
            print(f"func.now() stored in a naive column, UTC+13/14 session:"
                  f" {hours:.1f} h off UTC")
    finally:
        with engine.begin() as cx:
            metadata.drop_all(cx)
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
