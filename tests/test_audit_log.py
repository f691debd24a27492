"""Tests for casestudies.audit_log: who wrote each row, and no leaks."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    String,
    Table,
    func,
    select,
)
from sqlalchemy.exc import IntegrityError

from casestudies import audit_log
from casestudies.audit_log import (
    INFO_KEY,
    acting_as,
    install_cleanup,
    updated_by_column,
)


def records_table(metadata: MetaData) -> Table:
    return Table(
        "records",
        metadata,
        Column("id", Integer, primary_key=True),
        updated_by_column(),
        Column("expected", Integer),
        Column("data", String(50)),
    )


@pytest.fixture
def records(engine):
    metadata = MetaData()
    table = records_table(metadata)
    metadata.create_all(engine)
    return table


def test_insert_as_123_then_update_as_456(engine, records):
    # The slide's sequence: the insert default, then the update default.
    with engine.begin() as cx:
        cx.info[INFO_KEY] = 123
        cx.execute(records.insert(), {"data": "inserted"})
        assert cx.execute(
            select(records.c.updated_by, records.c.data)
        ).one() == (123, "inserted")
        cx.info[INFO_KEY] = 456
        cx.execute(records.update().values(data="updated"))
        assert cx.execute(
            select(records.c.updated_by, records.c.data)
        ).one() == (456, "updated")


def test_explicit_value_wins_and_no_user_means_null(engine, records):
    install_cleanup(engine)
    with engine.begin() as cx:
        cx.execute(records.insert(), {"data": "nobody"})
        cx.info[INFO_KEY] = 5
        cx.execute(records.insert(), {"data": "forced", "updated_by": 9})
        rows = cx.execute(
            select(records.c.data, records.c.updated_by).order_by(
                records.c.id
            )
        ).all()
    assert rows == [("nobody", None), ("forced", 9)]


def test_executemany_stamps_every_row(engine, records):
    with engine.begin() as cx, acting_as(cx, 77):
        cx.execute(records.insert(), [{"data": str(i)} for i in range(20)])
        stamps = cx.execute(select(records.c.updated_by)).scalars().all()
    assert stamps == [77] * 20


def test_acting_as_restores_previous_user(engine, records):
    with engine.connect() as cx:
        cx.info[INFO_KEY] = 1
        with acting_as(cx, 2):
            assert cx.info[INFO_KEY] == 2
            with acting_as(cx, 3):
                assert cx.info[INFO_KEY] == 3
            assert cx.info[INFO_KEY] == 2
        assert cx.info[INFO_KEY] == 1
        del cx.info[INFO_KEY]
        with acting_as(cx, 4):
            pass
        assert INFO_KEY not in cx.info


def test_install_cleanup_is_idempotent(engine):
    install_cleanup(engine)
    install_cleanup(engine)
    assert audit_log._forget_user in engine.pool.dispatch.checkin


class Boom(Exception):
    pass


def _closed(engine, records):
    cx = engine.connect()
    cx.info[INFO_KEY] = 111
    cx.execute(records.insert(), {"data": "x", "expected": 111})
    cx.commit()
    cx.close()


def _exception(engine, records):
    with pytest.raises(Boom):
        with engine.connect() as cx:
            cx.info[INFO_KEY] = 111
            cx.execute(records.insert(), {"data": "x", "expected": 111})
            raise Boom()


def _database_error(engine, records):
    with pytest.raises(IntegrityError):
        with engine.begin() as cx:
            cx.info[INFO_KEY] = 111
            cx.execute(records.insert(), {"id": 1, "data": "x"})
            cx.execute(records.insert(), {"id": 1, "data": "dup"})


def _rolled_back(engine, records):
    cx = engine.connect()
    cx.info[INFO_KEY] = 111
    cx.execute(records.insert(), {"data": "x", "expected": 111})
    cx.rollback()
    cx.close()


def _invalidated(engine, records):
    cx = engine.connect()
    cx.info[INFO_KEY] = 111
    cx.invalidate()
    cx.close()


def _garbage_collected(engine, records):
    import gc

    cx = engine.connect()
    cx.info[INFO_KEY] = 111
    cx.execute(records.insert(), {"data": "x", "expected": 111})
    del cx  # never closed: the pool takes it back when it is collected
    gc.collect()


RETURNS = {
    "closed": _closed,
    "garbage_collected": _garbage_collected,
    "exception": _exception,
    "database_error": _database_error,
    "rolled_back": _rolled_back,
    "invalidated": _invalidated,
}


@pytest.mark.parametrize("how", sorted(RETURNS))
def test_no_leak_to_next_checkout(make_engine, how):
    # A pool of one: the next checkout gets the same pooled connection.
    engine = make_engine(pool_size=1, max_overflow=0)
    install_cleanup(engine)
    metadata = MetaData()
    records = records_table(metadata)
    metadata.create_all(engine)
    with engine.connect() as cx:
        first = cx.connection.dbapi_connection
    RETURNS[how](engine, records)
    with engine.begin() as cx:
        same = cx.connection.dbapi_connection is first
        assert INFO_KEY not in cx.info
        cx.execute(records.insert(), {"data": "later"})
        later = cx.execute(
            select(records.c.updated_by).where(records.c.data == "later")
        ).scalar_one()
    assert later is None
    # Proves the path under test really reused the DBAPI connection (or,
    # when invalidated, really replaced it).
    assert same is (how != "invalidated")


@pytest.mark.parametrize(
    "how", ["closed", "exception", "rolled_back", "garbage_collected"]
)
def test_without_cleanup_the_user_leaks(make_engine, how):
    # The control case: this is the bug install_cleanup() prevents.
    engine = make_engine(pool_size=1, max_overflow=0)
    metadata = MetaData()
    records = records_table(metadata)
    metadata.create_all(engine)
    RETURNS[how](engine, records)
    with engine.begin() as cx:
        assert cx.info.get(INFO_KEY) == 111
        cx.execute(records.insert(), {"data": "later"})
        assert cx.execute(
            select(records.c.updated_by).where(records.c.data == "later")
        ).scalar_one() == 111


THREADS = 8
ROUNDS = 40
BATCH = 10


def test_threads_never_stamp_another_users_rows(make_engine):
    # 8 writers share a pool of 3 connections; each sets its user in
    # connection.info in half of its checkouts and never unsets it, so any
    # leak would stamp a row with another writer's user (or with one where
    # NULL is expected).
    engine = make_engine(pool_size=3, max_overflow=0, pool_timeout=60)
    install_cleanup(engine)
    metadata = MetaData()
    records = records_table(metadata)
    metadata.create_all(engine)
    errors: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def writer(user: int) -> None:
        try:
            start.wait()
            for n in range(ROUNDS):
                with engine.begin() as cx:
                    expected = None
                    if n % 2 == 0:
                        cx.info[INFO_KEY] = expected = user
                    cx.execute(
                        records.insert(),
                        [
                            {"data": f"{user}", "expected": expected}
                            for _ in range(BATCH)
                        ],
                    )
                if n % 5 == 4:
                    # Re-stamp some of this writer's own rows.
                    with engine.begin() as cx:
                        cx.info[INFO_KEY] = user
                        cx.execute(
                            records.update()
                            .where(records.c.data == f"{user}")
                            .where(records.c.expected.is_(None))
                            .where(records.c.id % 2 == 0)
                            .values(expected=user)
                        )
        except BaseException as err:  # reported by the main thread
            errors.append(err)

    threads = [
        threading.Thread(target=writer, args=(1000 + i,))
        for i in range(THREADS)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with engine.connect() as cx:
        total = cx.execute(select(func.count()).select_from(records))
        assert total.scalar_one() == THREADS * ROUNDS * BATCH
        wrong = cx.execute(
            select(func.count())
            .select_from(records)
            .where(
                records.c.updated_by.is_distinct_from(records.c.expected)
            )
        ).scalar_one()
        stamped = cx.execute(
            select(func.count())
            .select_from(records)
            .where(records.c.updated_by.is_not(None))
        ).scalar_one()
    assert wrong == 0
    # Both kinds of rows exist, so the check above covered both.
    assert 0 < stamped < THREADS * ROUNDS * BATCH


def test_main_demo_passes(db_url, backend):
    if backend == "sqlite":
        assert audit_log.main([]) == 0
    else:
        assert audit_log.main(["--db", db_url]) == 0
