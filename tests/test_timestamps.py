"""timestamps: a last-updated-at column from a factory or a mixin."""

from __future__ import annotations

import datetime as dt
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
    inspect,
    select,
    text,
)
from sqlalchemy.dialects import mysql, postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column
from sqlalchemy.schema import CreateTable

from casestudies import timestamps as timestamps_module
from casestudies.timestamps import (
    Timestamped,
    timestamped_table,
    updated_at_column,
)

TOLERANCE = dt.timedelta(seconds=60)
LONG_AGO = dt.datetime(2000, 1, 1)


def python_utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def invoices_table(metadata: MetaData) -> Table:
    return timestamped_table(
        "invoices",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=False),
        Column("total", Integer, nullable=False),
    )


def test_factory_adds_a_new_column_per_table() -> None:
    metadata = MetaData()
    a = invoices_table(metadata)
    b = timestamped_table("b", metadata, Column("id", Integer))
    assert "updated_at" in a.c and "updated_at" in b.c
    assert a.c.updated_at is not b.c.updated_at
    assert a.c.updated_at.table is a and b.c.updated_at.table is b
    assert not a.c.updated_at.nullable


def test_factory_passes_table_keywords_through() -> None:
    table = timestamped_table(
        "documented", MetaData(), Column("id", Integer),
        comment="documented table", info={"owner": "billing"},
    )
    assert table.comment == "documented table"
    assert table.info == {"owner": "billing"}


def test_sharing_one_column_object_fails() -> None:
    # What the factory avoids: a Column belongs to exactly one Table.
    metadata = MetaData()
    shared = updated_at_column()
    Table("first", metadata, Column("id", Integer), shared)
    with pytest.raises(exc.ArgumentError, match="already assigned to Table"):
        Table("second", metadata, Column("id", Integer), shared)


def test_insert_stamps_with_utc(engine: Any) -> None:
    metadata = MetaData()
    table = invoices_table(metadata)
    metadata.create_all(engine)
    with engine.begin() as cx:
        cx.execute(table.insert(), {"id": 1, "total": 10})
        stamp = cx.scalar(select(table.c.updated_at))
    assert abs(stamp - python_utcnow()) < TOLERANCE


def test_update_moves_the_stamp(engine: Any) -> None:
    metadata = MetaData()
    table = invoices_table(metadata)
    metadata.create_all(engine)
    with engine.begin() as cx:
        cx.execute(table.insert(), {"id": 1, "total": 10})
        cx.execute(table.update().values(updated_at=LONG_AGO))
        assert cx.scalar(select(table.c.updated_at)) == LONG_AGO
        cx.execute(table.update().values(total=11))  # mentions no stamp
        stamp = cx.scalar(select(table.c.updated_at))
    assert abs(stamp - python_utcnow()) < TOLERANCE


def test_raw_sql_insert_gets_the_server_default(engine: Any) -> None:
    # Rows written by other tools still get a stamp, from CREATE TABLE.
    metadata = MetaData()
    table = invoices_table(metadata)
    metadata.create_all(engine)
    with engine.begin() as cx:
        cx.execute(text("INSERT INTO invoices (id, total) VALUES (1, 5)"))
        stamp = cx.scalar(select(table.c.updated_at))
    assert abs(stamp - python_utcnow()) < TOLERANCE


@pytest.mark.parametrize(
    "dialect, default",
    [
        (postgresql.dialect(),
         "DEFAULT (statement_timestamp() AT TIME ZONE 'UTC')"),
        (mysql.dialect(is_mariadb=True),
         "DATETIME(6) NOT NULL COMMENT 'last change, UTC, from the "
         "database clock' DEFAULT (UTC_TIMESTAMP(6))"),
        (sqlite.dialect(),
         "DEFAULT (strftime('%Y-%m-%d %H:%M:%f000', 'now'))"),
    ],
    ids=["postgresql", "mariadb", "sqlite"],
)
def test_ddl_per_dialect(dialect: Any, default: str) -> None:
    table = invoices_table(MetaData())
    ddl = str(CreateTable(table).compile(dialect=dialect))
    assert default in ddl
    assert "NOT NULL" in ddl.split("updated_at", 1)[1].splitlines()[0]


@pytest.mark.backends("mariadb")
def test_mariadb_keeps_microseconds(engine: Any) -> None:
    # DATETIME(6): two stamps in the same second still differ.
    metadata = MetaData()
    table = invoices_table(metadata)
    metadata.create_all(engine)
    [column] = [c for c in inspect(engine).get_columns("invoices")
                if c["name"] == "updated_at"]
    assert column["type"].fsp == 6
    precise = dt.datetime(2020, 1, 1, 12, 0, 0, 123456)
    with engine.begin() as cx:
        cx.execute(table.insert(), {"id": 1, "total": 1,
                                    "updated_at": precise})
        assert cx.scalar(select(table.c.updated_at)) == precise


def test_mixin_gives_each_model_its_own_column(engine: Any) -> None:
    class Base(DeclarativeBase):
        pass

    class Customer(Timestamped, Base):
        __tablename__ = "customers"
        id: Mapped[int] = mapped_column(primary_key=True)
        name: Mapped[str] = mapped_column(String(40))

    class Supplier(Timestamped, Base):
        __tablename__ = "suppliers"
        id: Mapped[int] = mapped_column(primary_key=True)

    customers, suppliers = Customer.__table__, Supplier.__table__
    assert isinstance(customers, Table) and isinstance(suppliers, Table)
    assert customers.c.updated_at is not suppliers.c.updated_at
    assert isinstance(customers.c.updated_at.type, DateTime)

    Base.metadata.create_all(engine)
    with Session(engine) as session:
        ann = Customer(name="Ann")
        session.add(ann)
        session.commit()
        assert abs(ann.updated_at - python_utcnow()) < TOLERANCE
        session.execute(customers.update().values(updated_at=LONG_AGO))
        session.commit()
        assert ann.updated_at == LONG_AGO
        ann.name = "Ann B."
        session.commit()
        # The flush's UPDATE carried onupdate=utcnow().
        assert abs(ann.updated_at - python_utcnow()) < TOLERANCE


def test_demo_runs(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert timestamps_module.main(["--db", db_url]) == 0
    out = capsys.readouterr().out
    assert "invoices: updated_at set by UPDATE (" in out
    assert "stamped by the ORM flush: " in out
    assert "timestamps: all 6 checks passed on " in out
