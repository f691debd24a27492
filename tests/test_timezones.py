"""Timezone: ZoneInfo in Python, the zone's name in the database."""

from __future__ import annotations

import zoneinfo
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    String,
    Table,
    exc,
    func,
    select,
    text,
)
from sqlalchemy.dialects import mysql, postgresql, sqlite
from sqlalchemy.schema import CreateTable
from sqlalchemy.types import TypeDecorator

from casestudies import timezones as timezones_module
from casestudies.timezones import Timezone, UnknownTimezone, zone


def make_table() -> tuple[MetaData, Table]:
    metadata = MetaData()
    table = Table(
        "places",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=False),
        Column("tz", Timezone),
    )
    return metadata, table


@pytest.fixture
def places(engine: Any) -> Table:
    metadata, table = make_table()
    metadata.create_all(engine)
    return table


def test_round_trip_zoneinfo_name_and_none(engine: Any, places: Table) -> None:
    paris = ZoneInfo("Europe/Paris")
    with engine.begin() as cx:
        cx.execute(
            places.insert(),
            [
                {"id": 1, "tz": paris},
                {"id": 2, "tz": "Europe/Paris"},  # a checked name works too
                {"id": 3, "tz": None},
                {"id": 4, "tz": ZoneInfo("America/Argentina/Buenos_Aires")},
            ],
        )
        stored = cx.execute(
            text("SELECT tz FROM places ORDER BY id")
        ).scalars().all()
        loaded = cx.scalars(select(places.c.tz).order_by(places.c.id)).all()
    # The database holds plain IANA names (and NULL)...
    assert stored == [
        "Europe/Paris", "Europe/Paris", None,
        "America/Argentina/Buenos_Aires",
    ]
    # ...and Python gets back the one shared ZoneInfo per name.
    assert loaded[0] is paris and loaded[1] is paris
    assert loaded[2] is None
    assert loaded[3] is ZoneInfo("America/Argentina/Buenos_Aires")


def test_every_available_zone_round_trips(engine: Any, places: Table) -> None:
    names = sorted(zoneinfo.available_timezones())
    assert len(names) > 300  # the system (or tzdata) has a real database
    with engine.begin() as cx:
        cx.execute(
            places.insert(),
            [{"id": i, "tz": name} for i, name in enumerate(names)],
        )
        loaded = cx.scalars(select(places.c.tz).order_by(places.c.id)).all()
    assert [z.key for z in loaded] == names
    assert all(z is ZoneInfo(name)
               for z, name in zip(loaded, names, strict=True))


def test_where_with_zoneinfo_on_the_other_side(
    engine: Any, places: Table
) -> None:
    paris, tokyo = ZoneInfo("Europe/Paris"), ZoneInfo("Asia/Tokyo")
    with engine.begin() as cx:
        cx.execute(
            places.insert(),
            [{"id": 1, "tz": paris}, {"id": 2, "tz": tokyo},
             {"id": 3, "tz": paris}, {"id": 4, "tz": None}],
        )
        equal = cx.scalars(
            select(places.c.id).where(places.c.tz == paris).order_by("id")
        ).all()
        among = cx.scalars(
            select(places.c.id)
            .where(places.c.tz.in_([tokyo, ZoneInfo("UTC")]))
        ).all()
        other = cx.scalars(
            select(places.c.id).where(places.c.tz != paris)
        ).all()
        missing = cx.scalar(
            select(func.count()).where(places.c.tz.is_(None))
        )
    assert equal == [1, 3]
    assert among == [2]
    assert other == [2]
    assert missing == 1


def test_bad_name_is_refused_naming_the_value(
    engine: Any, places: Table
) -> None:
    with pytest.raises(exc.StatementError, match="Mars/Olympus") as info:
        with engine.begin() as cx:
            cx.execute(places.insert(), {"id": 1, "tz": "Mars/Olympus"})
    assert isinstance(info.value.orig, UnknownTimezone)
    assert info.value.orig.value == "Mars/Olympus"
    with engine.connect() as cx:
        # Refused before the INSERT ran: nothing was stored.
        assert cx.scalar(select(func.count()).select_from(places)) == 0


def test_bad_name_in_a_where_clause_is_refused(
    engine: Any, places: Table
) -> None:
    with engine.connect() as cx:
        with pytest.raises(exc.StatementError, match="Europe/Pariss"):
            cx.execute(select(places).where(places.c.tz == "Europe/Pariss"))


def test_bad_name_already_in_the_database(engine: Any, places: Table) -> None:
    # Rows written behind the type's back: loading names the bad value.
    with engine.begin() as cx:
        cx.execute(text("INSERT INTO places (id, tz) VALUES (1, 'CEST')"))
    with engine.connect() as cx:
        with pytest.raises(UnknownTimezone, match="'CEST'"):
            cx.scalars(select(places.c.tz)).all()


def test_wrong_python_type(engine: Any, places: Table) -> None:
    with engine.connect() as cx:
        with pytest.raises(exc.StatementError, match="ZoneInfo or a zone"):
            cx.execute(places.insert(), {"id": 1, "tz": 3600})


@pytest.mark.parametrize(
    "name", ["", "../../etc/passwd", "Europe/", "not a zone"]
)
def test_zone_helper_rejects_non_names(name: str) -> None:
    with pytest.raises(UnknownTimezone) as info:
        zone(name)
    assert repr(name) in str(info.value)


def test_zoneinfo_from_file_has_no_name(tmp_path: Any) -> None:
    # A ZoneInfo read from a file has key None: nothing to store.
    source = zoneinfo.TZPATH and next(
        (p for p in zoneinfo.TZPATH), None
    )
    if not source:
        pytest.skip("no system zone files (tzdata package only)")
    with open(f"{source}/Europe/Paris", "rb") as fh:
        anonymous = ZoneInfo.from_file(fh)
    with pytest.raises(UnknownTimezone):
        Timezone().process_bind_param(anonymous, sqlite.dialect())


@pytest.mark.parametrize(
    "dialect, ddl",
    [
        (sqlite.dialect(), "tz VARCHAR(64)"),
        (postgresql.dialect(), "tz VARCHAR(64)"),
        (mysql.dialect(), "tz VARCHAR(64)"),
    ],
    ids=["sqlite", "postgresql", "mariadb"],
)
def test_ddl_is_a_plain_string_column(dialect: Any, ddl: str) -> None:
    _, table = make_table()
    assert ddl in str(CreateTable(table).compile(dialect=dialect))


def test_literal_rendering_uses_the_name() -> None:
    # compile(literal_binds=True), used for SQL scripts and logs.
    _, table = make_table()
    stmt = select(table.c.id).where(table.c.tz == ZoneInfo("Asia/Tokyo"))
    sql = str(stmt.compile(compile_kwargs={"literal_binds": True}))
    assert sql.endswith("WHERE places.tz = 'Asia/Tokyo'")


def test_variant_without_cache_ok_fails(engine: Any) -> None:
    # Warnings are errors in this suite: a TypeDecorator that forgets
    # cache_ok must make the tests fail, not just log a warning.
    class UncachedTimezone(TypeDecorator[ZoneInfo]):
        impl = String(64)

    metadata = MetaData()
    table = Table("uncached", metadata, Column("tz", UncachedTimezone))
    metadata.create_all(engine)
    with engine.connect() as cx:
        # The type's cache key is needed for the typed bound parameter.
        with pytest.raises(exc.SAWarning, match="cache_ok"):
            cx.execute(select(table).where(table.c.tz == "UTC"))


def test_demo_runs(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert timezones_module.main(["--db", db_url]) == 0
    out = capsys.readouterr().out
    assert "Paris rows share one ZoneInfo: True" in out
    assert "not a known time zone name: 'Mars/Olympus'" in out
