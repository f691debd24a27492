"""Tests for casestudies.statement_stats: counts, verbs, time, removal."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from casestudies import statement_stats as module
from casestudies.statement_stats import statement_stats


@pytest.fixture
def items(engine):
    metadata = MetaData()
    table = Table(
        "items",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("name", String(20)),
    )
    metadata.create_all(engine)
    return table


def test_counts_statements_by_verb_on_a_connection(engine, items):
    with engine.begin() as cx:
        with statement_stats(cx) as stats:
            cx.execute(items.insert(), {"name": "one"})
            cx.execute(items.insert(), [{"name": "a"}, {"name": "b"}])
            cx.execute(select(items)).all()
            cx.execute(items.update().values(name="z"))
            cx.exec_driver_sql("SELECT 1")
    assert stats.by_verb == {"INSERT": 2, "SELECT": 2, "UPDATE": 1}
    assert stats.count == 5 == len(stats.statements)
    assert stats.statements[0].upper().startswith("INSERT INTO ITEMS")
    assert stats.seconds > 0
    assert stats.errors == 0


def test_listeners_are_removed_after_the_block(engine, items):
    with engine.connect() as cx:
        with statement_stats(cx) as stats:
            cx.execute(text("SELECT 1"))
        cx.execute(text("SELECT 1"))
        cx.execute(text("SELECT 1"))
    assert stats.count == 1
    # No listener stays behind on the engine either.
    assert not engine.dispatch.before_cursor_execute
    assert not engine.dialect.dispatch.handle_error


def test_removed_even_when_the_block_raises(engine):
    with pytest.raises(ZeroDivisionError):
        with statement_stats(engine):
            1 / 0  # noqa: B018 - the error raised inside the block
    assert not engine.dispatch.before_cursor_execute


def test_engine_counts_every_connection_and_thread(engine, items):
    def work() -> None:
        with engine.connect() as cx:
            cx.execute(select(items)).all()

    with statement_stats(engine) as stats:
        threads = [threading.Thread(target=work) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        work()
    assert stats.by_verb == {"SELECT": 5}


def test_connection_stats_ignore_other_connections(engine, items):
    with engine.connect() as mine, engine.connect() as other:
        with statement_stats(mine) as stats:
            other.execute(select(items)).all()
            mine.execute(select(items)).all()
    assert stats.count == 1


def test_orm_flush_is_counted(engine, items):
    from sqlalchemy.orm import registry

    class Item:
        pass

    reg = registry()
    reg.map_imperatively(Item, items)
    with Session(engine) as session:
        with statement_stats(engine) as stats:
            for n in range(3):
                obj = Item()
                obj.name = str(n)
                session.add(obj)
            session.flush()
            session.rollback()
    reg.dispose()
    # insertmanyvalues may batch the three rows into one INSERT; at
    # least one INSERT and nothing else.
    assert set(stats.by_verb) == {"INSERT"}


def test_failed_statements_are_counted_as_errors(engine):
    with statement_stats(engine) as stats:
        with pytest.raises(DBAPIError):
            with engine.connect() as cx:
                cx.execute(text("SELECT * FROM no_such_table"))
        with engine.connect() as cx:
            cx.execute(text("SELECT 1"))
    assert (stats.count, stats.errors) == (2, 1)


def test_nested_blocks_count_independently(engine):
    with engine.connect() as cx:
        with statement_stats(cx) as outer:
            cx.execute(text("SELECT 1"))
            with statement_stats(cx) as inner:
                cx.execute(text("SELECT 2"))
    assert (outer.count, inner.count) == (2, 1)


def test_main_demo_passes(db_url, backend):
    argv = [] if backend == "sqlite" else ["--db", db_url]
    assert module.main(argv) == 0
