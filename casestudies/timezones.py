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
SQL compilation cache (both since SQLAlchemy 1.4; without the flag
SQLAlchemy warns with an ``SAWarning``),
and a name that is not a zone is refused loudly, naming the value.
SQLAlchemy has no built-in time zone type.

``ZoneInfo`` returns one shared object per zone name
(``ZoneInfo(k) is ZoneInfo(k)``): every row in "Europe/Paris" gets the
same object, so loading many rows costs no extra memory, and identity or
equality checks and dictionary keys are cheap.

Requires: SQLAlchemy 2.x, Python 3.9+ (zoneinfo).

In your application::

    from timezones import Timezone

    class Office(Base):
        __tablename__ = "offices"
        id: Mapped[int] = mapped_column(primary_key=True)
        zone: Mapped[ZoneInfo] = mapped_column(Timezone())

Run: python timezones.py [--db URL] [--echo]
(no --db: the URL in $DATABASE_URL, which keeps a password out of ps,
else SQLite in memory)
(or python -m casestudies.timezones in the tutorial)
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable, Sequence
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


def _demo(url: str, check: _Checks) -> None:
    """Walk through the Timezone type on one database, checking each step."""

    engine = create_engine(url)
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
            check(
                rows[2].tz is paris and rows[3].tz is paris,
                'rows[2].tz is paris and rows[3].tz is paris',
            )
            check(
                rows[0].tz == ZoneInfo("Europe/London"),
                'rows[0].tz == ZoneInfo("Europe/London")',
            )
            check(rows[4].tz is None, 'rows[4].tz is None')
            print("Paris rows share one ZoneInfo:", rows[3].tz is paris)

            # A ZoneInfo on the other side of a comparison is converted by
            # the column's type, like any bound value.
            in_paris = cx.scalars(
                select(sites.c.name)
                .where(sites.c.tz == paris)
                .order_by(sites.c.id)
            ).all()
            check(
                in_paris == ["Paris", "Lyon"],
                f"in_paris == ['Paris', 'Lyon']: {in_paris!r}",
            )
            print("sites in Europe/Paris:", in_paris)

            noon_utc = dt.datetime(2026, 7, 1, 12, tzinfo=dt.UTC)
            local = {r.name: noon_utc.astimezone(r.tz).hour for r in rows[:3]}
            # Summer: London +1, Vilnius +3, Paris +2.
            check(
                local == {"Birmingham": 13, "Vilnius": 15, "Paris": 14},
                'local == {"Birmingham": 13, "Vilnius": 15, "Paris": 14}',
            )
            print("local hour at 12:00 UTC:", local)

        try:
            with engine.begin() as cx:
                cx.execute(sites.insert(), {"id": 6, "tz": "Mars/Olympus"})
        except StatementError as err:
            # The typo never reached the database, and the error says which
            # value was wrong.
            check(
                isinstance(err.orig, UnknownTimezone),
                'isinstance(err.orig, UnknownTimezone)',
            )
            check("Mars/Olympus" in str(err), '"Mars/Olympus" in str(err)')
            print("bad name refused:", err.orig)
        else:
            raise AssertionError("a bad zone name was stored")
    finally:
        with engine.begin() as cx:
            metadata.drop_all(cx)
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
