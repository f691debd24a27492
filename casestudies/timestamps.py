"""Illustrates giving every table a "last updated at" column, with a
factory function for ``Table`` and a mixin for declarative models.

Use it when a convention applies to many tables: instead of repeating
the column (and getting it slightly different each time), one function
builds it.  ``Table`` is not made to be subclassed (its constructor is
shared with reflection and ``to_metadata()``, and one ``Table`` object per
name and ``MetaData`` is enforced), so the extension is a function that
calls it.  A ``Column`` belongs to exactly one table: creating one ahead
of time and passing it to two tables raises ``ArgumentError``, which is
why the factory makes a new ``Column`` on every call.

This was the 2010 advice too, and it still holds in 2.x.  What 2.x adds
for the ORM is the declarative mixin: a ``mapped_column()`` on a mixin is
copied for each mapped class, which is the same factory idea built in.

The stamp is computed by the database with
``utcnow()`` (the utcnow recipe, repeated in this file), on INSERT
(``default``), on each UPDATE built with ``update()`` or by the ORM's
flush that does not set the column itself (``onupdate``; an UPDATE
written as SQL, ``text()`` or ``exec_driver_sql()``, keeps the old
stamp) and, for rows inserted by other tools, by the column's
``server_default``.  ``func.now()`` would
be local time on PostgreSQL and MariaDB (and fixed per transaction on
PostgreSQL); a Python-side ``default=`` would trust each application
server's clock.  On MariaDB and MySQL the column is ``DATETIME(6)``
(``with_variant``): plain ``DATETIME`` keeps whole seconds only.

Requires: SQLAlchemy 2.x only (the ``utcnow`` construct is included).

In your application::

    from timestamps import Timestamped, timestamped_table

    class Article(Timestamped, Base):        # ORM: an updated_at column
        __tablename__ = "articles"
        id: Mapped[int] = mapped_column(primary_key=True)
    notes = timestamped_table(               # Core: the same column
        "notes", metadata, Column("id", Integer, primary_key=True)
    )

Run: python timestamps.py [--db URL] [--echo]
(no --db: the URL in $DATABASE_URL, which keeps a password out of ps,
else SQLite in memory)
(or python -m casestudies.timestamps in the tutorial)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import (
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    select,
    text,
)
from sqlalchemy.dialects import mysql
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    mapped_column,
)
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

__all__ = [
    "STAMP_TYPE",
    "UPDATED_AT",
    "Timestamped",
    "timestamped_table",
    "updated_at_column",
]

UPDATED_AT = "updated_at"

# MariaDB's and MySQL's DATETIME drops fractions of a second unless asked
# for them: two updates in one second would look simultaneous.
STAMP_TYPE = DateTime().with_variant(
    mysql.DATETIME(fsp=6), "mysql", "mariadb"
)


# The database's UTC clock: the utcnow recipe (casestudies/utcnow.py),
# repeated here so that this file works alone.


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



def updated_at_column(name: str = UPDATED_AT) -> Column[dt.datetime]:
    """A new last-updated-at column: a fresh object on every call."""
    return Column(
        name,
        STAMP_TYPE,
        nullable=False,
        default=utcnow(),
        onupdate=utcnow(),
        server_default=utcnow(),
        comment="last change, UTC, from the database clock",
    )


def timestamped_table(
    name: str, metadata: MetaData, *args: Any, **kw: Any
) -> Table:
    """``Table(name, metadata, *args, **kw)`` plus an updated_at column."""
    return Table(name, metadata, *args, updated_at_column(), **kw)


class Timestamped:
    """Declarative mixin: each mapped subclass gets its own column."""

    updated_at: Mapped[dt.datetime] = mapped_column(
        STAMP_TYPE,
        nullable=False,
        default=utcnow(),
        onupdate=utcnow(),
        server_default=utcnow(),
        comment="last change, UTC, from the database clock",
    )


def _demo(url: str, check: _Checks) -> None:
    """Walk through both forms on one database, checking each step."""

    engine = create_engine(url)

    class Base(DeclarativeBase):
        pass

    # Core: the factory adds the column; the rest is an ordinary Table.
    invoices = timestamped_table(
        "ts_invoices",
        Base.metadata,
        Column("id", Integer, primary_key=True),
        Column("total", Integer, nullable=False),
    )

    # ORM: the mixin gives Customer its own copy of the column.
    class Customer(Timestamped, Base):
        __tablename__ = "ts_customers"
        id: Mapped[int] = mapped_column(primary_key=True)
        name: Mapped[str] = mapped_column(String(40))

    customers = Customer.__table__
    check(isinstance(customers, Table), 'isinstance(customers, Table)')
    # Two tables, two distinct Column objects: nothing is shared.
    check(
        invoices.c.updated_at is not customers.c.updated_at,
        'invoices.c.updated_at is not customers.c.updated_at',
    )
    check(
        invoices.c.updated_at.table is invoices,
        'invoices.c.updated_at.table is invoices',
    )

    long_ago = dt.datetime(2000, 1, 1)
    try:
        Base.metadata.drop_all(engine)
        Base.metadata.create_all(engine)
        with engine.begin() as cx:
            cx.execute(invoices.insert(), {"id": 1, "total": 10})
            # Pretend the row is old, so the update below must move it.
            cx.execute(invoices.update().values(updated_at=long_ago))
            cx.execute(invoices.update().values(total=12))
            stamp = cx.scalar(select(invoices.c.updated_at))
            # onupdate=utcnow() set a new stamp in the UPDATE itself.
            check(
                stamp is not None and stamp > long_ago,
                'stamp is not None and stamp > long_ago',
            )
            # Raw SQL that ignores the column still gets a stamp, from the
            # server_default in CREATE TABLE.
            cx.execute(text(
                "INSERT INTO ts_invoices (id, total) VALUES (2, 5)"))
            raw = cx.scalar(
                select(invoices.c.updated_at).where(invoices.c.id == 2))
            check(
                raw is not None and raw > long_ago,
                'raw is not None and raw > long_ago',
            )
        print(f"invoices: updated_at set by UPDATE ({stamp:%Y-%m-%d %H:%M})"
              f" and by raw INSERT ({raw:%Y-%m-%d %H:%M}), was {long_ago:%Y}")

        with Session(engine) as session:
            ann = Customer(name="Ann")
            session.add(ann)
            session.commit()
            first = ann.updated_at
            session.execute(
                customers.update().values(updated_at=long_ago))
            session.commit()
            ann.name = "Ann B."
            session.commit()
            # The ORM flush used the mixin's onupdate.
            check(
                ann.updated_at > long_ago and first > long_ago,
                'ann.updated_at > long_ago and first > long_ago',
            )
        print("customers: the mixin's column stamped by the ORM flush:"
              f" {ann.updated_at:%Y-%m-%d %H:%M}, was {long_ago:%Y}")
    finally:
        Base.metadata.drop_all(engine)
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
