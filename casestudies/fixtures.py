"""Illustrates fixed rows that are inserted whenever a table is created,
declared in the table's own definition so schema and data cannot drift.

Use it for lookup tables (statuses, countries, roles) that an application
needs in every database it runs on, including each empty test database:
after ``create_all()`` the rows are there, a second ``create_all()`` does
not duplicate them (it skips tables that exist, so the ``after_create``
event does not fire), and the data can be read without a query as
``table.info["fixture"].rows``.

In 2010 the recipe passed the ``Fixture`` object itself among the
``Table(...)`` arguments and relied on SQLAlchemy calling its
``_set_parent()``.  Now ``Table`` accepts only ``SchemaItem`` subclasses
there (anything else raises ``ArgumentError``), and a ``SchemaItem``
subclass must override a private method: code people copy should not
lean on that.  This version uses two public keyword arguments that
``Table`` (and a declarative ``__table_args__``) take: ``info=`` to keep
the data introspectable, ``listeners=`` to insert it on
``after_create``.  SQLAlchemy has no built-in fixture loading; migration
tools (Alembic ``bulk_insert``) cover databases that already exist.

Caveat: ``Table.to_metadata()`` copies ``info`` but not listeners; call
:meth:`Fixture.attach` on such a copy.

Requires: SQLAlchemy 2.x.

In your application::

    from fixtures import Fixture

    statuses = Table(
        "statuses", metadata, Column("id", Integer, primary_key=True),
        Column("name", String(20)),
        **Fixture(("id", "name"), (1, "open"), (2, "done")).table_kwargs(),
    )
    metadata.create_all(engine)              # the rows come with the table

Run: python fixtures.py [--db URL] [--echo]
(no --db: the URL in $DATABASE_URL, which keeps a password out of ps,
else SQLite in memory)
(or python -m casestudies.fixtures in the tutorial)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Integer,
    String,
    Table,
    create_engine,
    event,
    func,
    select,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = ["Fixture"]

INFO_KEY = "fixture"


class Fixture:
    """Rows a table must contain from the moment it is created."""

    def __init__(
        self, column_names: Sequence[str], *rows: Sequence[Any]
    ) -> None:
        self.column_names: tuple[str, ...] = tuple(column_names)
        for row in rows:
            # Catch a short row here, at import, not at CREATE time.
            if len(row) != len(self.column_names):
                raise ValueError(
                    f"fixture row {tuple(row)!r} has {len(row)} values "
                    f"for columns {self.column_names!r}"
                )
        self.rows: list[tuple[Any, ...]] = [tuple(row) for row in rows]

    def __repr__(self) -> str:
        return f"Fixture({self.column_names!r}, {len(self.rows)} rows)"

    def as_dicts(self) -> list[dict[str, Any]]:
        """The rows as parameter dictionaries for an INSERT."""
        return [dict(zip(self.column_names, row, strict=True))
                for row in self.rows]

    def load(self, target: Table, connection: Connection, **kw: Any) -> None:
        """Insert the rows into ``target`` (an ``after_create`` listener).

        It runs on the connection doing the CREATE, in its transaction:
        on PostgreSQL, whose DDL is transactional, the table and its rows
        appear together or not at all.  (MariaDB commits each CREATE by
        itself.)  Only the connection that created the table inserts, so
        two processes racing to set up one database insert the rows once;
        the loser's ``create_all()`` raises all the same (PostgreSQL: an
        ``IntegrityError`` on its catalog, ``pg_type_typname_nsp_index``;
        MariaDB: ``OperationalError`` 1050, table already exists), and on
        MariaDB it may find the table still empty.  Set up from one
        process, or catch that error and wait for the rows.
        """
        if self.rows:
            connection.execute(target.insert(), self.as_dicts())

    def table_kwargs(
        self, info: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """Keyword arguments for ``Table(...)`` or ``__table_args__``.

        ``info`` is merged into the table's ``info`` dictionary, for
        tables that keep other things there too.
        """
        return {
            "info": {**(info or {}), INFO_KEY: self},
            "listeners": [("after_create", self.load)],
        }

    def attach(self, table: Table) -> Table:
        """Attach to a table that already exists as an object."""
        table.info[INFO_KEY] = self
        if not event.contains(table, "after_create", self.load):
            event.listen(table, "after_create", self.load)
        return table


def _demo(url: str, check: _Checks) -> None:
    """Walk through fixtures on one database, checking each step."""

    engine = create_engine(url)

    class Base(DeclarativeBase):
        pass

    # Core: the fixture sits in the Table(...) call, beside the columns.
    status = Table(
        "fixture_status",
        Base.metadata,
        Column("id", Integer, primary_key=True, autoincrement=False),
        Column("label", String(20), nullable=False),
        **Fixture(
            ("id", "label"), (1, "open"), (2, "closed"), (3, "wontfix")
        ).table_kwargs(),
    )

    # Declarative: the same keyword arguments, through __table_args__.
    class Country(Base):
        __tablename__ = "fixture_country"
        __table_args__ = Fixture(
            ("code", "name"), ("LT", "Lithuania"), ("GB", "United Kingdom")
        ).table_kwargs()
        code: Mapped[str] = mapped_column(String(2), primary_key=True)
        name: Mapped[str] = mapped_column(String(40))

    def count(table: Table) -> int:
        with engine.connect() as cx:
            return cx.scalar(select(func.count()).select_from(table)) or 0

    countries = Country.__table__
    check(isinstance(countries, Table), 'isinstance(countries, Table)')
    try:
        Base.metadata.drop_all(engine)
        # The data is known before any database exists.
        check(
            status.info["fixture"].rows[0] == (1, "open"),
            'status.info["fixture"].rows[0] == (1, "open")',
        )
        print("status fixture:", status.info["fixture"].rows)

        Base.metadata.create_all(engine)
        # after_create inserted the rows, in CREATE's transaction.
        check(
            count(status) == 3 and count(countries) == 2,
            'count(status) == 3 and count(countries) == 2',
        )
        print("after create_all:", count(status), "statuses,",
              count(countries), "countries")

        Base.metadata.create_all(engine)
        # The tables existed, so nothing was created and nothing inserted.
        check(
            count(status) == 3 and count(countries) == 2,
            'count(status) == 3 and count(countries) == 2',
        )
        print("after a second create_all: still", count(status), "statuses")

        with engine.connect() as cx:
            labels = cx.scalars(select(status.c.label).order_by("id")).all()
        check(
            labels == ["open", "closed", "wontfix"],
            'labels == ["open", "closed", "wontfix"]',
        )
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
