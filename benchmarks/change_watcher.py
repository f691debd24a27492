"""Test isolation, three ways: time per test to get back to empty tables.

A 50-table schema with foreign keys (a tree: each table points at an
earlier one).  Each simulated test writes a few rows to 3 tables through
a Session.  Then the database must be clean again, by:

- ``watcher``: :class:`casestudies.change_watcher.ChangeWatcher` empties
  the 3 written tables (children first);
- ``drop+create``: ``metadata.drop_all`` and ``create_all`` of all 50;
- ``rollback``: the pattern SQLAlchemy documents for test suites: a
  connection begins an outer transaction, the test's Session joins it
  (``join_transaction_mode="create_savepoint"``), and the outer
  transaction is rolled back at the end.

Prints milliseconds per test and the ratio of each to the fastest, on
SQLite (a file) and PostgreSQL (a throwaway server started here; MariaDB
with ``--backends mariadb``).  With a URL in the ``TUTORIAL_DB``
environment variable (and no ``--backends``), on that database only: its
50 tables are created there and dropped at the end.

Run: python benchmarks/change_watcher.py [--tests N] [--backends ...]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import (  # noqa: E402
    Column,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    func,
    insert,
    select,
)
from sqlalchemy.engine import Engine  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from casestudies.change_watcher import ChangeWatcher  # noqa: E402

TABLES = 50
WRITTEN = 3
ROWS = 5


def build_schema() -> tuple[MetaData, list[Table]]:
    metadata = MetaData()
    tables = []
    for n in range(TABLES):
        columns: list[Column] = [
            Column("id", Integer, primary_key=True),
            Column("value", String(30)),
        ]
        if n:
            columns.append(
                Column("parent_id", ForeignKey(f"t{(n - 1) // 2}.id"))
            )
        tables.append(Table(f"t{n}", metadata, *columns))
    return metadata, tables


def simulated_test(session: Session, tables: list[Table], n: int) -> None:
    """Write ROWS rows to WRITTEN tables, a different trio each time."""
    for k in range(WRITTEN):
        table = tables[(n * WRITTEN + k) % TABLES]
        session.execute(
            insert(table),
            [{"id": i + 1, "value": f"test {n}"} for i in range(ROWS)],
        )


def run_watcher(engine: Engine, metadata: MetaData, tables, tests: int):
    watcher = ChangeWatcher(engine)
    try:
        for n in range(tests):
            with Session(engine) as session:
                simulated_test(session, tables, n)
                session.commit()
            with engine.connect() as cx:
                watcher.cleanup(metadata, cx)
    finally:
        watcher.remove()


def run_drop_create(engine: Engine, metadata: MetaData, tables, tests: int):
    for n in range(tests):
        with Session(engine) as session:
            simulated_test(session, tables, n)
            session.commit()
        metadata.drop_all(engine)
        metadata.create_all(engine)


def run_rollback(engine: Engine, metadata: MetaData, tables, tests: int):
    for n in range(tests):
        with engine.connect() as cx:
            outer = cx.begin()
            session = Session(
                bind=cx, join_transaction_mode="create_savepoint"
            )
            simulated_test(session, tables, n)
            session.commit()  # releases a SAVEPOINT; the outer stays open
            session.close()
            outer.rollback()


STRATEGIES: dict[str, Callable[..., None]] = {
    "watcher": run_watcher,
    "drop+create": run_drop_create,
    "rollback": run_rollback,
}


def assert_empty(engine: Engine, tables: list[Table]) -> None:
    with engine.connect() as cx:
        for table in tables:
            count = cx.execute(select(func.count()).select_from(table))
            assert count.scalar() == 0, f"{table.name} not empty"


@contextlib.contextmanager
def database(kind: str, url: str | None = None) -> Iterator[str]:
    if url is not None:
        from workshop_db.urls import with_connect_timeout

        yield with_connect_timeout(url)
        return
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{folder}/bench.db"
        return
    from workshop_db import servers

    with servers.throwaway(kind) as server:
        yield server.create_database("bench")


def bench(kind: str, tests: dict[str, int],
          url: str | None = None) -> dict[str, float]:
    metadata, tables = build_schema()
    results = {}
    with database(kind, url) as url:
        engine = create_engine(url)
        if kind == "sqlite":
            # The rollback pattern needs SAVEPOINTs that the outer
            # ROLLBACK undoes: SQLAlchemy's documented pysqlite recipe.
            from sqlalchemy import event

            @event.listens_for(engine, "connect")
            def _no_autobegin(dbapi_connection, record):
                dbapi_connection.isolation_level = None

            @event.listens_for(engine, "begin")
            def _begin(conn):
                conn.exec_driver_sql("BEGIN")

        try:
            metadata.create_all(engine)
            for name, run in STRATEGIES.items():
                run(engine, metadata, tables, 2)  # warm up caches
                started = time.perf_counter()
                run(engine, metadata, tables, tests[name])
                elapsed = time.perf_counter() - started
                assert_empty(engine, tables)
                results[name] = 1000 * elapsed / tests[name]
        finally:
            metadata.drop_all(engine)
            engine.dispose()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tests", type=int, default=200,
                        help="simulated tests per strategy (drop+create "
                        "runs a tenth of them)")
    parser.add_argument("--backends", nargs="+",
                        choices=["sqlite", "postgresql", "mariadb"],
                        help="each on a throwaway database (default: "
                        "the database in TUTORIAL_DB, else sqlite "
                        "postgresql)")
    args = parser.parse_args(argv)
    # A database of the caller's comes in the environment, never on the
    # command line (where its password would show in ps).
    chosen = os.environ.get("TUTORIAL_DB")
    targets: list[tuple[str, str | None]]
    if args.backends or not chosen:
        targets = [(kind, None)
                   for kind in args.backends or ["sqlite", "postgresql"]]
    elif chosen in ("postgresql", "mariadb"):
        targets = [(chosen, None)]
    else:
        from sqlalchemy.engine import make_url

        targets = [(make_url(chosen).get_backend_name(), chosen)]
    tests = {
        "watcher": args.tests,
        "rollback": args.tests,
        "drop+create": max(5, args.tests // 10),
    }
    print(f"{TABLES} tables with foreign keys; each test writes {ROWS} "
          f"rows to each of {WRITTEN} tables")
    for kind, url in targets:
        results = bench(kind, tests, url)
        fastest = min(results.values())
        watcher = results["watcher"]
        print(f"\n{kind}:")
        for name, ms in sorted(results.items(), key=lambda kv: kv[1]):
            print(f"  {name:12} {ms:8.2f} ms/test  {ms / fastest:6.1f}x "
                  f"fastest  {ms / watcher:6.2f}x watcher")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
