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

Run: python -m casestudies.statement_stats [--db URL]
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator, Sequence
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


def main(argv: Sequence[str] | None = None) -> int:
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

    from workshop_db.demo import parse_args
    from workshop_db import resolve_url

    args = parse_args(argv, __doc__)
    engine = create_engine(resolve_url(args.db))
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
            assert stats.by_verb == {"INSERT": 1, "SELECT": 3}, stats
            assert stats.count == 4 and stats.seconds > 0
            print("statements:", dict(stats.by_verb))

            cx.execute(text("SELECT 1"))
            # Outside the block nothing is counted any more.
            assert stats.count == 4

        with statement_stats(engine) as stats:
            try:
                with engine.connect() as cx:
                    cx.execute(text("SELECT * FROM no_such_table"))
            except DBAPIError:
                pass
        # A failed statement is counted as sent and as an error.
        assert (stats.count, stats.errors) == (1, 1), stats
        print("failed statements:", stats.errors)
        metadata.drop_all(engine)
    finally:
        engine.dispose()
    print("statement_stats: all checks passed")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
