"""Illustrates giving every table a "last updated at" column, with a
factory function for ``Table`` and a mixin for declarative models.

Use it when a convention applies to many tables: instead of repeating
the column (and getting it slightly different each time), one function
builds it.  ``Table`` is not made to be subclassed (its constructor is
shared with reflection and ``to_metadata()``, and one ``Table`` object per
name and ``MetaData`` is enforced), so the extension is a function that
calls it.  A ``Column`` belongs to exactly one table: creating one ahead
of time and passing it to two tables raises ``ArgumentError``, which is
why the factory makes a new ``Column`` on every call.

This was the 2010 advice too, and it still holds in 2.x.  What 2.x adds
for the ORM is the declarative mixin: a ``mapped_column()`` on a mixin is
copied for each mapped class, which is the same factory idea built in.

The stamp is computed by the database with
:func:`casestudies.utcnow.utcnow`, on INSERT (``default``), on every
UPDATE issued through SQLAlchemy (``onupdate``) and, for rows inserted
by other tools, by the column's ``server_default``.  ``func.now()`` would
be local time on PostgreSQL and MariaDB (and fixed per transaction on
PostgreSQL); a Python-side ``default=`` would trust each application
server's clock.  On MariaDB and MySQL the column is ``DATETIME(6)``
(``with_variant``): plain ``DATETIME`` keeps whole seconds only.

Requires: SQLAlchemy 2.x; ``casestudies.utcnow``.

Run: python -m casestudies.timestamps [--db URL]
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    select,
    text,
)
from sqlalchemy.dialects import mysql
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    mapped_column,
)

from casestudies.utcnow import utcnow

__all__ = [
    "STAMP_TYPE",
    "UPDATED_AT",
    "Timestamped",
    "timestamped_table",
    "updated_at_column",
]

UPDATED_AT = "updated_at"

# MariaDB's and MySQL's DATETIME drops fractions of a second unless asked
# for them: two updates in one second would look simultaneous.
STAMP_TYPE = DateTime().with_variant(
    mysql.DATETIME(fsp=6), "mysql", "mariadb"
)


def updated_at_column(name: str = UPDATED_AT) -> Column[dt.datetime]:
    """A new last-updated-at column: a fresh object on every call."""
    return Column(
        name,
        STAMP_TYPE,
        nullable=False,
        default=utcnow(),
        onupdate=utcnow(),
        server_default=utcnow(),
        comment="last change, UTC, from the database clock",
    )


def timestamped_table(
    name: str, metadata: MetaData, *args: Any, **kw: Any
) -> Table:
    """``Table(name, metadata, *args, **kw)`` plus an updated_at column."""
    return Table(name, metadata, *args, updated_at_column(), **kw)


class Timestamped:
    """Declarative mixin: each mapped subclass gets its own column."""

    updated_at: Mapped[dt.datetime] = mapped_column(
        STAMP_TYPE,
        nullable=False,
        default=utcnow(),
        onupdate=utcnow(),
        server_default=utcnow(),
        comment="last change, UTC, from the database clock",
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Walk through both forms on one database, checking each step."""
    from workshop_db.demo import parse_args
    from workshop_db import resolve_url

    args = parse_args(argv, __doc__)
    engine = create_engine(resolve_url(args.db))

    class Base(DeclarativeBase):
        pass

    # Core: the factory adds the column; the rest is an ordinary Table.
    invoices = timestamped_table(
        "ts_invoices",
        Base.metadata,
        Column("id", Integer, primary_key=True),
        Column("total", Integer, nullable=False),
    )

    # ORM: the mixin gives Customer its own copy of the column.
    class Customer(Timestamped, Base):
        __tablename__ = "ts_customers"
        id: Mapped[int] = mapped_column(primary_key=True)
        name: Mapped[str] = mapped_column(String(40))

    customers = Customer.__table__
    assert isinstance(customers, Table)
    # Two tables, two distinct Column objects: nothing is shared.
    assert invoices.c.updated_at is not customers.c.updated_at
    assert invoices.c.updated_at.table is invoices

    long_ago = dt.datetime(2000, 1, 1)
    try:
        Base.metadata.drop_all(engine)
        Base.metadata.create_all(engine)
        with engine.begin() as cx:
            cx.execute(invoices.insert(), {"id": 1, "total": 10})
            # Pretend the row is old, so the update below must move it.
            cx.execute(invoices.update().values(updated_at=long_ago))
            cx.execute(invoices.update().values(total=12))
            stamp = cx.scalar(select(invoices.c.updated_at))
            # onupdate=utcnow() set a new stamp in the UPDATE itself.
            assert stamp is not None and stamp > long_ago
            # Raw SQL that ignores the column still gets a stamp, from the
            # server_default in CREATE TABLE.
            cx.execute(text(
                "INSERT INTO ts_invoices (id, total) VALUES (2, 5)"))
            raw = cx.scalar(
                select(invoices.c.updated_at).where(invoices.c.id == 2))
            assert raw is not None and raw > long_ago
        print("invoices: updated_at set by UPDATE and by raw INSERT: True")

        with Session(engine) as session:
            ann = Customer(name="Ann")
            session.add(ann)
            session.commit()
            first = ann.updated_at
            session.execute(
                customers.update().values(updated_at=long_ago))
            session.commit()
            ann.name = "Ann B."
            session.commit()
            # The ORM flush used the mixin's onupdate.
            assert ann.updated_at > long_ago and first > long_ago
        print("customers: the mixin's column is stamped by the ORM: True")
    finally:
        Base.metadata.drop_all(engine)
        engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
