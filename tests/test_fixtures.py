"""Fixture: rows inserted whenever their table is created."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    String,
    Table,
    exc,
    inspect,
    select,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from casestudies import fixtures as fixtures_module
from casestudies.fixtures import Fixture

STATUS_ROWS = [(1, "open"), (2, "closed"), (3, "wontfix")]


def status_table(metadata: MetaData, name: str = "status") -> Table:
    return Table(
        name,
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=False),
        Column("label", String(20), nullable=False),
        **Fixture(("id", "label"), *STATUS_ROWS).table_kwargs(),
    )


def rows_of(engine: Any, table: Table) -> list[tuple[Any, ...]]:
    with engine.connect() as cx:
        result = cx.execute(select(table).order_by(*table.primary_key))
        return [tuple(row) for row in result]


def test_introspectable_without_a_database() -> None:
    table = status_table(MetaData())
    fixture = table.info["fixture"]
    assert isinstance(fixture, Fixture)
    assert fixture.column_names == ("id", "label")
    assert fixture.rows == STATUS_ROWS


def test_create_all_loads_the_rows(engine: Any) -> None:
    metadata = MetaData()
    table = status_table(metadata)
    metadata.create_all(engine)
    assert rows_of(engine, table) == STATUS_ROWS


def test_second_create_all_does_not_duplicate(engine: Any) -> None:
    metadata = MetaData()
    table = status_table(metadata)
    metadata.create_all(engine)
    metadata.create_all(engine)  # checkfirst: the table exists, skipped
    table.create(engine, checkfirst=True)
    assert rows_of(engine, table) == STATUS_ROWS


def test_drop_and_create_loads_once_again(engine: Any) -> None:
    metadata = MetaData()
    table = status_table(metadata)
    metadata.create_all(engine)
    with engine.begin() as cx:
        cx.execute(table.delete().where(table.c.id == 3))
    metadata.drop_all(engine)
    metadata.create_all(engine)
    assert rows_of(engine, table) == STATUS_ROWS


def test_single_table_create(engine: Any) -> None:
    table = status_table(MetaData())
    table.create(engine)
    assert rows_of(engine, table) == STATUS_ROWS


def test_declarative_model(engine: Any) -> None:
    class Base(DeclarativeBase):
        pass

    class Country(Base):
        __tablename__ = "country"
        __table_args__ = Fixture(
            ("code", "name"), ("LT", "Lithuania"), ("GB", "United Kingdom")
        ).table_kwargs(info={"label": "Countries"})
        code: Mapped[str] = mapped_column(String(2), primary_key=True)
        name: Mapped[str] = mapped_column(String(40))

    table = Country.__table__
    assert isinstance(table, Table)
    # Other info survives beside the fixture.
    assert table.info["label"] == "Countries"
    assert table.info["fixture"].rows == [
        ("LT", "Lithuania"), ("GB", "United Kingdom")
    ]
    Base.metadata.create_all(engine)
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        names = session.scalars(
            select(Country.name).order_by(Country.code)
        ).all()
    assert names == ["United Kingdom", "Lithuania"]


def test_fixtures_are_per_table(engine: Any) -> None:
    # Two tables with their own fixtures: each gets its own rows only.
    metadata = MetaData()
    status = status_table(metadata)
    roles = Table(
        "roles",
        metadata,
        Column("name", String(10), primary_key=True),
        **Fixture(("name",), ("admin",), ("user",)).table_kwargs(),
    )
    plain = Table("plain", metadata, Column("id", Integer, primary_key=True))
    metadata.create_all(engine)
    assert rows_of(engine, status) == STATUS_ROWS
    assert rows_of(engine, roles) == [("admin",), ("user",)]
    assert rows_of(engine, plain) == []


def test_attach_to_a_copied_table(engine: Any) -> None:
    # to_metadata() copies info but not listeners: attach() restores it.
    original = status_table(MetaData())
    copy = original.to_metadata(MetaData())
    assert copy.info["fixture"] is original.info["fixture"]
    copy.info["fixture"].attach(copy)
    copy.info["fixture"].attach(copy)  # twice is harmless
    copy.create(engine)
    assert rows_of(engine, copy) == STATUS_ROWS


def test_empty_fixture_creates_an_empty_table(engine: Any) -> None:
    table = Table(
        "empty",
        MetaData(),
        Column("id", Integer, primary_key=True),
        **Fixture(("id",)).table_kwargs(),
    )
    table.create(engine)
    assert rows_of(engine, table) == []


def test_row_of_the_wrong_length_fails_early() -> None:
    with pytest.raises(ValueError, match=r"\(1,\) has 1 values"):
        Fixture(("id", "label"), (1, "ok"), (1,))


@pytest.mark.backends("postgresql")
def test_table_and_rows_appear_together(engine: Any) -> None:
    # PostgreSQL DDL is transactional: bad fixture data (a duplicate key)
    # rolls back the CREATE too, so no half-made lookup table remains.
    table = Table(
        "broken",
        MetaData(),
        Column("id", Integer, primary_key=True, autoincrement=False),
        **Fixture(("id",), (1,), (1,)).table_kwargs(),
    )
    with pytest.raises(exc.IntegrityError):
        with engine.begin() as cx:
            table.create(cx)
    assert not inspect(engine).has_table("broken")


def test_concurrent_create_all_inserts_once(make_engine: Any) -> None:
    # Two processes setting up the same empty database at once: the loser
    # may fail with "already exists" (or wait and then skip), but the
    # rows are inserted once, by whoever created the table.
    engines = [make_engine(), make_engine()]
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def set_up(engine: Any) -> None:
        metadata = MetaData()
        status_table(metadata)
        barrier.wait()
        try:
            metadata.create_all(engine)
        except exc.DBAPIError as err:
            errors.append(err)

    threads = [threading.Thread(target=set_up, args=(e,)) for e in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(errors) <= 1, errors
    for err in errors:
        # The only acceptable failure is the race on CREATE itself.
        message = str(err.orig).lower()
        assert "exist" in message or "locked" in message or (
            "duplicate" in message
        ), message
    assert rows_of(engines[0], status_table(MetaData())) == STATUS_ROWS


def test_2010_style_object_among_table_arguments_is_refused() -> None:
    # Why the recipe uses info= and listeners=: Table takes only
    # SchemaItem subclasses as positional arguments now.
    with pytest.raises(exc.ArgumentError, match="'SchemaItem' object"):
        Table(
            "t",
            MetaData(),
            Column("id", Integer),
            Fixture(("id",), (1,)),  # type: ignore[arg-type]
        )


def test_demo_runs(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert fixtures_module.main(["--db", db_url]) == 0
    out = capsys.readouterr().out
    assert "after create_all: 3 statuses, 2 countries" in out
    assert "after a second create_all: still 3 statuses" in out

