"""Illustrates a UTC timestamp computed by the database, in each database's
own SQL, through the compiler extension.

Use it when rows need "when did this happen" stamps from one clock (the
database's) rather than from each application server's clock, and the
stamp must be UTC whatever time zone a database session happens to use.
``utcnow()`` works in ``select()``, as a column ``default`` and as
``onupdate``.

In 2010 the recipe subclassed ``ColumnElement`` and registered
``@compiles`` functions; that part is unchanged.  What 2.x adds is the SQL
compilation cache: a construct must say it can share its class's cache
key by setting ``inherit_cache = True``, or SQLAlchemy warns (an
``SAWarning``) and compiles it afresh every time.  The 2010 PostgreSQL
SQL, ``TIMESTAMP 'now' AT TIME ZONE 'utc'``, is also wrong as soon as the
session's ``TimeZone`` is not UTC (``TIMESTAMP 'now'`` is local wall-clock
time, which it then declares to be UTC); the version here is not.
Built in, SQLAlchemy offers ``func.now()`` / ``func.current_timestamp()``,
which are local time on PostgreSQL and MariaDB, and on PostgreSQL fixed for
the whole transaction.

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

Run: python -m casestudies.utcnow [--db URL]
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
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


def main(argv: Sequence[str] | None = None) -> int:
    """Walk through utcnow() on one database, checking each step."""
    from workshop_db.demo import parse_args
    from workshop_db import resolve_url

    args = parse_args(argv, __doc__)
    url = resolve_url(args.db)
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
            assert abs(db_now - _python_utcnow()) < tolerance, db_now
            cx.execute(events.insert(), {"label": "first"})
            row = cx.execute(select(events)).one()
            # default=utcnow() ran inside the INSERT, on the database.
            assert abs(row.created_at - _python_utcnow()) < tolerance
            cx.execute(events.update().values(label="second"))
            after = cx.execute(select(events)).one()
            # onupdate=utcnow() moved updated_at, never backwards.
            assert after.updated_at >= row.updated_at
            assert after.created_at == row.created_at
            local = cx.scalar(select(func.now()))
        print("utcnow() within a minute of Python's UTC clock: True")
        if engine.dialect.name in ("postgresql", "mysql", "mariadb"):
            # now() follows the session's zone: 13 or 14 hours off.
            off = abs(local.replace(tzinfo=None) - _python_utcnow())
            assert off > dt.timedelta(hours=12), local
            print("func.now() in a UTC+13/14 session is off by > 12 h: True")
    finally:
        with engine.begin() as cx:
            metadata.drop_all(cx)
        engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
