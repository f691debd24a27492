"""Illustrates a column type that stores time zone names and hands Python
code ``zoneinfo.ZoneInfo`` objects, through a ``TypeDecorator``.

Use it when rows carry a time zone (a user's, a site's, an event's) and
the code around them wants ``tzinfo`` objects, not strings: the
conversion then happens in one place, on the way in and out of the
database, including the bound values of ``where()`` clauses.

In 2010 the recipe decorated a string column with pytz zones and let
unknown names through silently.  Now the standard library has
``zoneinfo`` (install ``tzdata`` where the OS lacks zone files), a
``TypeDecorator`` must declare ``cache_ok = True`` to take part in the
SQL compilation cache (without it SQLAlchemy warns with an ``SAWarning``),
and a name that is not a zone is refused loudly, naming the value.
SQLAlchemy has no built-in time zone type.

``ZoneInfo`` returns one shared object per zone name
(``ZoneInfo(k) is ZoneInfo(k)``): every row in "Europe/Paris" gets the
same object, so loading many rows costs no extra memory, and identity or
equality checks and dictionary keys are cheap.

Requires: SQLAlchemy 2.x, Python 3.9+ (zoneinfo).

Run: python -m casestudies.timezones [--db URL]
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Sequence
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    select,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import StatementError
from sqlalchemy.types import TypeDecorator

__all__ = ["Timezone", "UnknownTimezone", "zone"]

# The longest IANA names are about 32 characters; leave room.
NAME_LENGTH = 64


class UnknownTimezone(ValueError):
    """A string that is not an IANA time zone name."""

    def __init__(self, value: object) -> None:
        message = f"not a known time zone name: {value!r}"
        if not zoneinfo.available_timezones():
            # Then no name works at all: say why (Windows, slim images).
            message += " (no time zone database here: pip install tzdata)"
        super().__init__(message)
        self.value = value


def zone(name: str) -> ZoneInfo:
    """The ``ZoneInfo`` for ``name``, or :class:`UnknownTimezone`."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        # ZoneInfoNotFoundError's message barely says what went wrong, and
        # its chain reports a missing tzdata module even for a typo.
        raise UnknownTimezone(name) from None


class Timezone(TypeDecorator[ZoneInfo]):
    """A time zone: ``ZoneInfo`` in Python, its IANA name in the database.

    Binds accept a ``ZoneInfo`` or a zone name (checked); ``None`` is
    NULL both ways.
    """

    impl = String(NAME_LENGTH)
    # The type has no per-instance state that changes its SQL, so the
    # compiled form may be cached.  Without it: SAWarning, no caching.
    cache_ok = True

    @property
    def python_type(self) -> type[ZoneInfo]:
        return ZoneInfo

    def process_bind_param(
        self, value: ZoneInfo | str | None, dialect: Dialect
    ) -> str | None:
        if value is None:
            return None
        if isinstance(value, ZoneInfo):
            if value.key is None:
                # ZoneInfo.from_file() objects have no name to store.
                raise UnknownTimezone(value)
            return value.key
        if isinstance(value, str):
            return zone(value).key  # refuse typos before they are stored
        raise TypeError(
            f"Timezone expects a ZoneInfo or a zone name, got {value!r}"
        )

    def process_result_value(
        self, value: str | None, dialect: Dialect
    ) -> ZoneInfo | None:
        if value is None:
            return None
        return zone(value)


def main(argv: Sequence[str] | None = None) -> int:
    """Walk through the Timezone type on one database, checking each step."""
    from workshop_db.demo import parse_args
    from workshop_db import resolve_url

    args = parse_args(argv, __doc__)
    engine = create_engine(resolve_url(args.db))
    metadata = MetaData()
    sites = Table(
        "timezones_demo",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("name", String(40)),
        Column("tz", Timezone),
    )
    paris = ZoneInfo("Europe/Paris")
    try:
        with engine.begin() as cx:
            metadata.drop_all(cx)
            metadata.create_all(cx)
            cx.execute(
                sites.insert(),
                [
                    {"id": 1, "name": "Birmingham", "tz": "Europe/London"},
                    {"id": 2, "name": "Vilnius", "tz": "Europe/Vilnius"},
                    {"id": 3, "name": "Paris", "tz": paris},
                    {"id": 4, "name": "Lyon", "tz": paris},
                    {"id": 5, "name": "nowhere", "tz": None},
                ],
            )
            rows = cx.execute(select(sites).order_by(sites.c.id)).all()
            # What comes back is a ZoneInfo, and the very same object for
            # the same name: ZoneInfo keeps one instance per key.
            assert rows[2].tz is paris and rows[3].tz is paris
            assert rows[0].tz == ZoneInfo("Europe/London")
            assert rows[4].tz is None  # NULL passes through both ways
            print("Paris rows share one ZoneInfo:", rows[3].tz is paris)

            # A ZoneInfo on the other side of a comparison is converted by
            # the column's type, like any bound value.
            in_paris = cx.scalars(
                select(sites.c.name)
                .where(sites.c.tz == paris)
                .order_by(sites.c.id)
            ).all()
            assert in_paris == ["Paris", "Lyon"], in_paris
            print("sites in Europe/Paris:", in_paris)

            noon_utc = dt.datetime(2026, 7, 1, 12, tzinfo=dt.UTC)
            local = {r.name: noon_utc.astimezone(r.tz).hour for r in rows[:3]}
            # Summer: London +1, Vilnius +3, Paris +2.
            assert local == {"Birmingham": 13, "Vilnius": 15, "Paris": 14}
            print("local hour at 12:00 UTC:", local)

        try:
            with engine.begin() as cx:
                cx.execute(sites.insert(), {"id": 6, "tz": "Mars/Olympus"})
        except StatementError as err:
            # The typo never reached the database, and the error says which
            # value was wrong.
            assert isinstance(err.orig, UnknownTimezone)
            assert "Mars/Olympus" in str(err)
            print("bad name refused:", err.orig)
        else:
            raise AssertionError("a bad zone name was stored")
    finally:
        with engine.begin() as cx:
            metadata.drop_all(cx)
        engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
