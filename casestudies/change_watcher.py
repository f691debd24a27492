"""Illustrates fast test isolation: watch which tables a test wrote and
empty only those afterwards, children before parents (between tables; a
self-referencing table can still fail on MariaDB, see ``cleanup``).

Use it when tests share one database (often a real server, to test on what
you deploy) and dropping and recreating every table after each test is too
slow, but the tests cannot all run inside one rolled-back transaction
(they commit, use several connections or threads, or test transaction
behaviour itself).  In 2010 this was a ``ConnectionProxy`` passed as
``create_engine(proxy=...)`` that looked at each executed construct and
gave up on any raw string.  SQLAlchemy 2.x replaces the proxy with
connection events added to and removed from an existing engine; the
``before_cursor_execute`` event sees every statement that reaches the
driver, whether it came from Core, the ORM unit of work, ORM bulk or
ORM-enabled ``insert()`` / ``update()`` / ``delete()``, ``text()`` or
``exec_driver_sql()``.  Statements compiled from an INSERT, UPDATE or
DELETE construct name their table exactly; SQL strings are read with a
deliberately small pattern, and anything it cannot attribute to one table
(a CTE, several statements, ``SELECT ... INTO``, ``MERGE``, ``CALL``)
sets ``reset_all`` so every table is emptied.  For tests that can run in
one connection, the transaction-rollback pattern documented by SQLAlchemy
is faster still (see the benchmark ``benchmarks/change_watcher.py``); give
its Session ``join_transaction_mode="create_savepoint"``, or rows survive
when the code under test calls ``rollback()`` and then commits.  On SQLite
that mode needs ``sqlite_begins(engine)`` first: Python's sqlite3 driver
sends no BEGIN for the fixture's ``begin()``, so the session's first
SAVEPOINT starts the real transaction and its ``commit()`` (a RELEASE)
commits it for good::

    @pytest.fixture
    def session(engine):                     # sqlite_begins(engine) on SQLite
        with engine.connect() as cx, cx.begin() as outer:
            with Session(bind=cx,
                         join_transaction_mode="create_savepoint") as session:
                yield session
            outer.rollback()

Not seen: writes made by triggers or stored procedures, and statements
sent on a raw DBAPI connection (``engine.raw_connection()``).  Rows of a
table with a foreign key to itself may need ordering on MariaDB.

A pytest fixture::

    @pytest.fixture(scope="session")
    def watched_engine():
        engine = create_engine(URL)
        metadata.create_all(engine)
        watcher = ChangeWatcher(engine)
        yield engine, watcher
        watcher.remove()
        metadata.drop_all(engine)
        engine.dispose()

    @pytest.fixture
    def db(watched_engine):
        engine, watcher = watched_engine
        yield engine
        with engine.connect() as connection:
            watcher.cleanup(metadata, connection)

Requires: SQLAlchemy 2.x; any backend.

In your application::

    from change_watcher import ChangeWatcher

    watcher = ChangeWatcher(engine)          # once per test session
    ...                                      # a test writes
    with engine.connect() as cx:
        watcher.cleanup(metadata, cx)        # empty only what it wrote

Run: python change_watcher.py [--db URL] [--echo]
(no --db: the URL in $DATABASE_URL, which keeps a password out of ps,
else SQLite in memory)
(or python -m casestudies.change_watcher in the tutorial)
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import MetaData, Table, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.sql.dml import UpdateBase

# One identifier, optionally quoted in any of the usual ways, optionally
# qualified by a schema name.
_PART = r'(?:"(?:[^"]|"")+"|`(?:[^`]|``)+`|\[[^\]]+\]|[A-Za-z_][\w$]*)'
_NAME = rf"(?P<name>{_PART}(?:\s*\.\s*{_PART})?)"
_COMMENTS = re.compile(r"--[^\n]*|/\*.*?\*/", re.S)

#: Statements that write to exactly one table, named right after the verb.
_WRITES = [
    re.compile(p, re.I | re.S)
    for p in (
        rf"INSERT\s+(?:OR\s+\w+\s+|IGNORE\s+)?INTO\s+{_NAME}(?:\s|\(|$)",
        rf"REPLACE\s+INTO\s+{_NAME}(?:\s|\(|$)",
        rf"UPDATE\s+(?:OR\s+\w+\s+|ONLY\s+|IGNORE\s+)?{_NAME}\s+SET\b",
        rf"DELETE\s+FROM\s+(?:ONLY\s+)?{_NAME}(?:\s+(?!USING\b)|$)",
        rf"TRUNCATE\s+(?:TABLE\s+)?(?:ONLY\s+)?{_NAME}\s*$",
    )
]
#: Statements that cannot change rows of existing tables.
_HARMLESS = re.compile(
    r"(?:SELECT|SHOW|PRAGMA|SET|BEGIN|START\s+TRANSACTION|COMMIT|"
    r"ROLLBACK|SAVEPOINT|RELEASE|XA|DESCRIBE|"
    r"CREATE\s+(?:UNIQUE\s+)?INDEX|DROP|ALTER)\b",
    re.I,
)
# ... unless they hide a write: SELECT ... INTO creates and fills a table,
# and a CREATE TABLE ... AS SELECT is matched below as not harmless.
_HIDDEN_WRITE = re.compile(r"\bINTO\b", re.I)
_DML_WORD = re.compile(r"\b(?:INSERT|UPDATE|DELETE|MERGE|INTO)\b", re.I)
_CREATE_TABLE = re.compile(r"CREATE\s+(?:TEMP\w*\s+)?TABLE\b", re.I)
_CREATE_AS = re.compile(r"\bAS\s*\(?\s*SELECT\b|\)\s*SELECT\b", re.I)


def _unquote(name: str) -> str:
    parts = re.findall(_PART, name)
    cleaned = []
    for part in parts:
        if part[0] in "\"`[":
            part = part[1:-1].replace('""', '"').replace("``", "`")
        cleaned.append(part)
    return ".".join(cleaned)


def tables_written(sql: str) -> set[str] | None:
    """The tables a SQL string writes: a set of names, or None if unknown.

    An empty set means "writes no rows" (a SELECT, DDL that creates an
    empty object, transaction control).  None means the string may write
    but the table cannot be told.
    """
    body = _COMMENTS.sub(" ", sql).strip().rstrip(";").strip()
    if ";" in body:
        return None  # several statements (or a ';' in a literal: unsure)
    for pattern in _WRITES:
        match = pattern.match(body)
        if match:
            return {_unquote(match.group("name"))}
    if body[:4].upper() == "WITH":
        # A read-only CTE query is harmless; one wrapping DML is not
        # attributed (the DML may sit anywhere in it).
        return None if _DML_WORD.search(body) else set()
    if _CREATE_TABLE.match(body):
        return None if _CREATE_AS.search(body) else set()
    if _HARMLESS.match(body):
        if body[:6].upper() == "SELECT" and _HIDDEN_WRITE.search(body):
            return None
        return set()
    return None


class ChangeWatcher:
    """Record the tables written through ``engine`` until ``cleanup``."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        #: names of the tables written since the last cleanup
        self.dirty: set[str] = set()
        #: True when a write could not be attributed to a table
        self.reset_all = False
        event.listen(engine, "before_cursor_execute", self._seen)

    def remove(self) -> None:
        """Stop listening to the engine."""
        event.remove(self.engine, "before_cursor_execute", self._seen)

    def _seen(
        self,
        conn: Connection,
        cursor: Any,
        statement: str,
        parameters: Any,
        context: Any,
        executemany: bool,
    ) -> None:
        # Recorded before the statement runs: a write that fails half way
        # (an executemany, a non-transactional backend) still counts.
        compiled = context.compiled if context is not None else None
        construct = getattr(compiled, "statement", None)
        if isinstance(construct, UpdateBase) and isinstance(
            getattr(construct, "table", None), Table
        ):
            table = construct.table
            written = tables_written(statement)
            # The SQL names the construct's table unless the dialect
            # rendered a multi-table form (MySQL UPDATE a, b SET ...).
            if written is not None and len(written) == 1:
                self.dirty.add(table.fullname)
                return
            self.reset_all = True
            return
        written = tables_written(statement)
        if written is None:
            self.reset_all = True
        else:
            self.dirty |= written

    def _is_dirty(self, table: Table) -> bool:
        names = {n.lower() for n in self.dirty}
        return (
            table.fullname.lower() in names or table.name.lower() in names
        )

    def tables_to_empty(self, metadata: MetaData) -> list[Table]:
        """The tables ``cleanup`` would empty, children first."""
        if not (self.dirty or self.reset_all):
            return []
        ordered = list(reversed(metadata.sorted_tables))
        known = {t.fullname.lower() for t in ordered} | {
            t.name.lower() for t in ordered
        }
        unknown = any(n.lower() not in known for n in self.dirty)
        if self.reset_all or unknown:
            # Unattributable, or a table we cannot match: empty them all.
            return ordered
        return [t for t in ordered if self._is_dirty(t)]

    def cleanup(
        self, metadata: MetaData, connection: Connection
    ) -> list[str]:
        """Empty the written tables of ``metadata``; return their names.

        Deletes run children before parents (``metadata.sorted_tables``
        reversed) so foreign keys between tables do not object.  A table
        with a foreign key to itself can: MariaDB checks each deleted row
        at once, so ``DELETE`` fails with IntegrityError 1451 when a parent
        row goes before its children (PostgreSQL and SQLite check at the
        end of the statement).  If ``connection`` is not
        in a transaction the deletes are committed here; otherwise they
        join the caller's transaction.  The record is cleared only once
        the deletes succeeded.
        """
        tables = self.tables_to_empty(metadata)
        if tables:
            if connection.in_transaction():
                for table in tables:
                    connection.execute(table.delete())
            else:
                with connection.begin():
                    for table in tables:
                        connection.execute(table.delete())
        self.clear()
        return [t.name for t in tables]

    def clear(self) -> None:
        """Forget what was written."""
        self.dirty.clear()
        self.reset_all = False


def unattributable_write(engine: Engine, table: str, new_id: int) -> str:
    """A real write the watcher cannot attribute (for demos and tests).

    SQLite and PostgreSQL: an INSERT behind a CTE.  MariaDB has no WITH
    before INSERT; there, a multi-table UPDATE.
    """
    if engine.dialect.name in ("mysql", "mariadb"):
        return (
            f"UPDATE {table}, {table} AS cw_twin "
            f"SET {table}.id = {table}.id WHERE {table}.id = {new_id}"
        )
    return (
        f"WITH src AS (SELECT {new_id} AS v) "
        f"INSERT INTO {table} (id) SELECT v FROM src"
    )


def sqlite_begins(engine: Engine) -> Engine:
    """Make SQLite's sqlite3 driver send BEGIN when SQLAlchemy begins a
    transaction (``engine`` is returned; other databases are left alone).

    By default the driver begins a transaction only before an INSERT,
    UPDATE or DELETE, never for a SAVEPOINT, so a SAVEPOINT made first is
    a transaction of its own, and releasing it commits.  This is the
    recipe of SQLAlchemy's SQLite documentation: the driver's own
    transaction handling off (``isolation_level = None``), a BEGIN from
    the ``begin`` event.  Call it before the engine's first connection.
    """
    if engine.dialect.name != "sqlite" or engine.dialect.driver != "pysqlite":
        return engine

    def no_driver_begin(dbapi_connection: Any, record: Any) -> None:
        dbapi_connection.isolation_level = None

    def send_begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN")

    event.listen(engine, "connect", no_driver_begin)
    event.listen(engine, "begin", send_begin)
    return engine


def _demo(url: str, check: _Checks) -> None:
    """Write through several paths, then clean up only what was written."""
    from sqlalchemy import (
        Column,
        ForeignKey,
        Integer,
        String,
        create_engine,
        func,
        insert,
        select,
        text,
    )
    from sqlalchemy.pool import StaticPool

    memory = url.startswith("sqlite") and url.endswith(("://", ":memory:"))
    # In memory, every new connection would be a new empty database.
    kw: dict[str, Any] = {"poolclass": StaticPool} if memory else {}
    engine = create_engine(url, **kw)
    metadata = MetaData()
    parents = Table(
        "cw_demo_parents",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("name", String(20)),
    )
    # Only on the metadata: the demo never writes it, so it must not be
    # emptied (it also makes the order of deletes matter).
    Table(
        "cw_demo_children",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("parent_id", ForeignKey("cw_demo_parents.id")),
    )
    untouched = Table(
        "cw_demo_untouched",
        metadata,
        Column("id", Integer, primary_key=True),
    )
    metadata.drop_all(engine)
    metadata.create_all(engine)
    watcher = ChangeWatcher(engine)
    try:
        with engine.begin() as cx:
            cx.execute(select(parents)).all()
        # Reading writes nothing.
        check(
            watcher.dirty == set() and not watcher.reset_all,
            'watcher.dirty == set() and not watcher.reset_all',
        )
        with engine.begin() as cx:
            cx.execute(insert(parents), [{"id": 1}, {"id": 2}])
            cx.execute(text("INSERT INTO cw_demo_children VALUES (1, 2)"))
        check(
            watcher.dirty == {"cw_demo_parents", "cw_demo_children"},
            'watcher.dirty == {"cw_demo_parents", "cw_demo_children"}',
        )
        print("dirty:", sorted(watcher.dirty))

        sent: list[str] = []

        def record(*args: Any) -> None:  # conn, cursor, statement, ...
            sent.append(args[2])

        event.listen(engine, "before_cursor_execute", record)
        with engine.connect() as cx:
            emptied = watcher.cleanup(metadata, cx)
        event.remove(engine, "before_cursor_execute", record)
        deletes = [s for s in sent if s.lstrip().upper().startswith("DELETE")]
        # Children first, and the untouched table was left alone.
        check(
            emptied == ["cw_demo_children", "cw_demo_parents"],
            f"emptied == ['cw_demo_children', 'cw_demo_parents']: {emptied!r}",
        )
        check(len(deletes) == 2, f"two DELETEs sent: {sent!r}")
        check(
            not any("cw_demo_untouched" in s for s in sent),
            "the untouched table was not emptied",
        )
        print("emptied:", emptied)

        with engine.begin() as cx:
            cx.exec_driver_sql(
                "WITH n AS (SELECT 5 AS id) SELECT id FROM n"
            ).all()
            cx.execute(untouched.insert(), {"id": 1})
        # A read-only CTE is harmless; the insert is attributed.
        check(
            watcher.dirty == {"cw_demo_untouched"},
            'watcher.dirty == {"cw_demo_untouched"}',
        )
        check(not watcher.reset_all, 'not watcher.reset_all')
        with engine.begin() as cx:
            # A write the watcher cannot attribute to one table.
            cx.exec_driver_sql(
                unattributable_write(engine, "cw_demo_parents", 7)
            )
        check(watcher.reset_all, 'watcher.reset_all')
        with engine.connect() as cx:
            emptied = watcher.cleanup(metadata, cx)
            counts = [
                cx.execute(select(func.count()).select_from(t)).scalar()
                for t in metadata.sorted_tables
            ]
        check(
            len(emptied) == 3 and counts == [0, 0, 0],
            'len(emptied) == 3 and counts == [0, 0, 0]',
        )
        check(
            watcher.dirty == set() and not watcher.reset_all,
            'watcher.dirty == set() and not watcher.reset_all',
        )
        print("after reset_all: every table emptied")
    finally:
        watcher.remove()
        metadata.drop_all(engine)
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
