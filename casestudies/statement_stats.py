"""Illustrates counting the statements a block of code sends to the
database, and the time they take, with connection events.

Use it to see what an ORM operation really costs ("how many SELECTs did
that loop send?"), to write tests that pin the number of statements, or to
find the slow ones.  In 2010 this was a ``ConnectionProxy`` subclass passed
as ``create_engine(proxy=...)``, fixed for the life of the engine.  In
SQLAlchemy 2.x the ``before_cursor_execute`` / ``after_cursor_execute``
connection events see the final SQL string and parameters, and listeners
can be added to an engine or a single connection and removed again, which
is what this context manager does.  For whole-application numbers use the
``sqlalchemy.engine`` logger or a real profiler instead.

    with statement_stats(engine) as stats:
        run_the_code()
    print(stats.count, stats.by_verb, stats.seconds)

Requires: SQLAlchemy 2.x; any backend.

In your application::

    from statement_stats import statement_stats

    with statement_stats(engine) as stats:
        run_the_page()
    print(stats.count, stats.by_verb, stats.seconds)

Run: python statement_stats.py [--db URL] [--echo]
(no --db: the URL in $DATABASE_URL, which keeps a password out of ps,
else SQLite in memory)
(or python -m casestudies.statement_stats in the tutorial)
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine


@dataclass
class StatementStats:
    """What was sent while the context manager was open."""

    #: cursor executions (an executemany counts once per batch sent)
    count: int = 0
    #: total seconds spent in the driver for them
    seconds: float = 0.0
    #: statements that raised an error
    errors: int = 0
    #: the SQL strings, in order
    statements: list[str] = field(default_factory=list)
    #: first keyword of each statement: {"SELECT": 3, "INSERT": 1}
    by_verb: Counter[str] = field(default_factory=Counter)
    _started: dict[int, float] = field(default_factory=dict, repr=False)

    def _before(
        self,
        conn: Connection,
        cursor: Any,
        statement: str,
        parameters: Any,
        context: Any,
        executemany: bool,
    ) -> None:
        self.count += 1
        self.statements.append(statement)
        words = statement.split(None, 1)
        self.by_verb[words[0].upper() if words else ""] += 1
        # Keyed by the execution context: several connections (threads)
        # may be executing at once under an engine-wide listener.
        self._started[id(context)] = time.perf_counter()

    def _after(
        self,
        conn: Connection,
        cursor: Any,
        statement: str,
        parameters: Any,
        context: Any,
        executemany: bool,
    ) -> None:
        started = self._started.pop(id(context), None)
        if started is not None:
            self.seconds += time.perf_counter() - started

    def _error(self, exception_context: Any) -> None:
        # after_cursor_execute does not fire for a failed statement.
        context = exception_context.execution_context
        started = self._started.pop(id(context), None)
        if started is not None:  # one of ours (see statement_stats)
            self.errors += 1
            self.seconds += time.perf_counter() - started


@contextmanager
def statement_stats(target: Engine | Connection) -> Iterator[StatementStats]:
    """Count statements sent through ``target`` inside the block.

    On an engine it counts every connection of that engine (all threads);
    on a connection, only that connection.  The listeners are removed when
    the block ends, even by an exception.
    """
    stats = StatementStats()
    # handle_error can only be set on a whole engine; it recognises the
    # statements of this block because they were registered in _started.
    engine = target if isinstance(target, Engine) else target.engine
    listeners = [
        (target, "before_cursor_execute", stats._before),
        (target, "after_cursor_execute", stats._after),
        (engine, "handle_error", stats._error),
    ]
    for where, name, fn in listeners:
        event.listen(where, name, fn)
    try:
        yield stats
    finally:
        for where, name, fn in listeners:
            event.remove(where, name, fn)


def _demo(url: str, check: _Checks) -> None:
    """Count the statements of a few typical operations."""
    from sqlalchemy import (
        Column,
        Integer,
        MetaData,
        String,
        Table,
        create_engine,
        select,
        text,
    )
    from sqlalchemy.exc import DBAPIError


    engine = create_engine(url)
    metadata = MetaData()
    items = Table(
        "stats_demo_items",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("name", String(20)),
    )
    try:
        metadata.drop_all(engine)
        metadata.create_all(engine)
        with engine.begin() as cx:
            with statement_stats(cx) as stats:
                cx.execute(items.insert(), [{"name": "a"}, {"name": "b"}])
                for n in range(3):
                    cx.execute(select(items).where(items.c.id == n))
            # Two rows in one executemany are one INSERT (or one batch);
            # the loop sent three SELECTs.
            check(
                stats.by_verb == {"INSERT": 1, "SELECT": 3},
                f"stats.by_verb == {{'INSERT': 1, 'SELECT': 3}}: {stats!r}",
            )
            check(
                stats.count == 4 and stats.seconds > 0,
                'stats.count == 4 and stats.seconds > 0',
            )
            print("statements:", dict(stats.by_verb))

            cx.execute(text("SELECT 1"))
            # Outside the block nothing is counted any more.
            check(stats.count == 4, 'stats.count == 4')

        with statement_stats(engine) as stats:
            try:
                with engine.connect() as cx:
                    cx.execute(text("SELECT * FROM no_such_table"))
            except DBAPIError:
                pass
        # A failed statement is counted as sent and as an error.
        check(
            (stats.count, stats.errors) == (1, 1),
            f"(stats.count, stats.errors) == (1, 1): {stats!r}",
        )
        print("failed statements:", stats.errors)
        metadata.drop_all(engine)
    finally:
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
