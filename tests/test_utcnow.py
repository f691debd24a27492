"""utcnow(): the database's UTC clock, in its own SQL, cacheable."""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import Any

import pytest
from sqlalchemy import (
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    exc,
    func,
    select,
    text,
)
from sqlalchemy.dialects import mssql, mysql, oracle, postgresql, sqlite
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from casestudies import utcnow as utcnow_module
from casestudies.utcnow import utcnow

# Same machine, so the clocks agree; a minute is loose for a busy CI box
# yet far tighter than the 13-14 hour offsets the tests provoke.
TOLERANCE = dt.timedelta(seconds=60)


def python_utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def set_far_zone(cx: Any, backend: str) -> None:
    """Move the session's time zone 13-14 hours away from UTC."""
    if backend == "postgresql":
        cx.execute(text("SET TIME ZONE 'Pacific/Kiritimati'"))
    elif backend == "mariadb":
        cx.execute(text("SET time_zone = '+13:00'"))


def session_local_now(cx: Any) -> dt.datetime:
    """The session's local wall-clock time, naive."""
    value = cx.scalar(select(func.now()))
    return value.replace(tzinfo=None)


@pytest.mark.parametrize(
    "dialect, sql",
    [
        (postgresql.dialect(), "(statement_timestamp() AT TIME ZONE 'UTC')"),
        (mysql.dialect(), "UTC_TIMESTAMP(6)"),
        (mysql.dialect(is_mariadb=True), "UTC_TIMESTAMP(6)"),
        (sqlite.dialect(), "strftime('%Y-%m-%d %H:%M:%f000', 'now')"),
        (mssql.dialect(), "SYSUTCDATETIME()"),
        (oracle.dialect(), "SYS_EXTRACT_UTC(SYSTIMESTAMP)"),
    ],
    ids=["postgresql", "mysql", "mariadb", "sqlite", "mssql", "oracle"],
)
def test_native_sql_per_dialect(dialect: Any, sql: str) -> None:
    # Each database gets its own expression, not a lowest common one.
    assert str(utcnow().compile(dialect=dialect)) == sql


def test_default_sql_for_other_dialects() -> None:
    # The generic compiler (str() of a statement) uses the fallback.
    assert str(select(utcnow())) == "SELECT CURRENT_TIMESTAMP AS utcnow_1"


def test_select_returns_utc(engine: Any) -> None:
    with engine.connect() as cx:
        value = cx.scalar(select(utcnow()))
    assert isinstance(value, dt.datetime) and value.tzinfo is None
    assert abs(value - python_utcnow()) < TOLERANCE


@pytest.mark.backends("postgresql", "mariadb")
def test_utc_whatever_the_session_time_zone(
    engine: Any, backend: str
) -> None:
    with engine.connect() as cx:
        set_far_zone(cx, backend)
        local = session_local_now(cx)
        value = cx.scalar(select(utcnow()))
    # The zone really was in effect: local time is 13-14 hours away...
    assert abs(local - python_utcnow()) > dt.timedelta(hours=12)
    # ...and utcnow() is still UTC.
    assert abs(value - python_utcnow()) < TOLERANCE


@pytest.mark.backends("postgresql")
def test_2010_postgresql_sql_is_wrong_outside_utc(engine: Any) -> None:
    # Why the recipe changed: TIMESTAMP 'now' is the session's local wall
    # clock, and AT TIME ZONE 'utc' then claims that wall time is UTC.
    with engine.connect() as cx:
        cx.execute(text("SET TIME ZONE 'Pacific/Kiritimati'"))
        old = cx.scalar(text("SELECT TIMESTAMP 'now' AT TIME ZONE 'utc'"))
        new = cx.scalar(select(utcnow()))
    assert abs(new - python_utcnow()) < TOLERANCE
    old_utc = old.astimezone(dt.UTC).replace(tzinfo=None)
    assert abs(old_utc - python_utcnow()) > dt.timedelta(hours=12)


@pytest.mark.backends("postgresql")
def test_postgresql_advances_within_a_transaction(engine: Any) -> None:
    # now() is frozen at BEGIN; statement_timestamp() is per statement,
    # so two UPDATEs in one long transaction get different stamps.
    with engine.begin() as cx:
        first, first_now = cx.execute(select(utcnow(), func.now())).one()
        cx.execute(text("SELECT pg_sleep(0.05)"))
        second, second_now = cx.execute(select(utcnow(), func.now())).one()
    assert first_now == second_now
    assert second > first


def test_one_value_per_statement(engine: Any) -> None:
    # Two calls in one statement agree, so created_at == updated_at on a
    # fresh row (clock_timestamp() on PostgreSQL would not).
    with engine.connect() as cx:
        a, b = cx.execute(select(utcnow(), utcnow())).one()
    assert a == b


def make_table() -> tuple[MetaData, Table]:
    metadata = MetaData()
    table = Table(
        "stamped",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=False),
        Column("note", String(20)),
        Column("created_at", DateTime, default=utcnow()),
        Column("updated_at", DateTime, default=utcnow(), onupdate=utcnow()),
    )
    return metadata, table


def test_column_default_and_onupdate(engine: Any, backend: str) -> None:
    metadata, table = make_table()
    metadata.create_all(engine)
    long_ago = dt.datetime(2001, 1, 1)
    with engine.begin() as cx:
        set_far_zone(cx, backend)
        cx.execute(table.insert(), {"id": 1, "note": "new"})
        row = cx.execute(select(table)).one()
        assert abs(row.created_at - python_utcnow()) < TOLERANCE
        assert abs(row.updated_at - python_utcnow()) < TOLERANCE
        cx.execute(table.update().values(updated_at=long_ago))
        cx.execute(table.update().values(note="changed"))
        after = cx.execute(select(table)).one()
    # The UPDATE that did not mention updated_at set it anyway.
    assert abs(after.updated_at - python_utcnow()) < TOLERANCE
    assert after.created_at == row.created_at


def test_database_and_python_values_compare(engine: Any) -> None:
    # Rows stamped by the database and by Python sort together correctly
    # (on SQLite they are compared as text, so the format must match).
    metadata, table = make_table()
    metadata.create_all(engine)
    now = python_utcnow()
    with engine.begin() as cx:
        cx.execute(table.insert(), {"id": 1, "updated_at": now - TOLERANCE})
        cx.execute(table.insert(), {"id": 2})
        cx.execute(table.insert(), {"id": 3, "updated_at": now + TOLERANCE})
        order = cx.scalars(select(table.c.id).order_by("updated_at")).all()
        recent = cx.scalars(
            select(table.c.id).where(
                table.c.updated_at.between(now - TOLERANCE / 2,
                                           now + TOLERANCE / 2)
            )
        ).all()
    assert order == [1, 2, 3]
    assert recent == [2]


@pytest.mark.backends("sqlite")
def test_sqlite_text_matches_sqlalchemy_storage_format(engine: Any) -> None:
    metadata, table = make_table()
    metadata.create_all(engine)
    with engine.begin() as cx:
        cx.execute(table.insert(), {"id": 1})
        raw = cx.exec_driver_sql("SELECT updated_at FROM stamped").scalar()
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}", raw), raw


def test_compiled_form_is_cached(
    engine: Any, caplog: pytest.LogCaptureFixture
) -> None:
    # inherit_cache = True lets the statement's compiled SQL be reused:
    # the engine log says "cached since" on the second run.
    statement = select(utcnow())
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")
    with engine.connect() as cx:
        cx.execute(statement)
        caplog.clear()
        cx.execute(statement)
    assert any("cached since" in r.getMessage() for r in caplog.records)


def test_variant_without_inherit_cache_fails(engine: Any) -> None:
    # Warnings are errors in this suite: the same construct without the
    # flag must not slip through unnoticed.
    class utcnow_uncached(FunctionElement[dt.datetime]):
        type = DateTime()
        name = "utcnow_uncached"

    @compiles(utcnow_uncached)
    def _compile(element: Any, compiler: Any, **kw: Any) -> str:
        return "CURRENT_TIMESTAMP"

    with engine.connect() as cx:
        with pytest.raises(exc.SAWarning, match="inherit_cache"):
            cx.execute(select(utcnow_uncached()))


def test_demo_runs(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert utcnow_module.main(["--db", db_url]) == 0
    out = capsys.readouterr().out
    assert "utcnow() stored in a naive column: " in out
    assert "checks passed on " in out.splitlines()[-1]
