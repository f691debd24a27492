"""Part 2: DDL and SQL expressions.  Run: python part2.py  (or: sliderepl part2.py)"""
if __name__ == "__main__":
    import sliderepl.launch
    sliderepl.launch.deck(__file__)   # runs the deck, then exits

### target:: 50m
### predict:: errors
### slide:: s
import contextlib
import datetime as dt
import logging
import time
import warnings
from zoneinfo import ZoneInfo

import sqlalchemy
import sqlalchemy.exc
from sqlalchemy import (
    DDL, JSON, Boolean, CheckConstraint, Column, DateTime, Float,
    ForeignKey, Index, Integer, LargeBinary, MetaData, String, Table,
    Uuid, case, create_engine, event, func, inspect, make_url,
    select, text,
)
from sqlalchemy.dialects import mssql, mysql, postgresql, sqlite
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import (
    DeclarativeBase, Mapped, Session, mapped_column, sessionmaker,
)
from sqlalchemy.schema import CreateIndex, CreateTable
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator, UserDefinedType

from casestudies import fixtures, timestamps, timezones
from casestudies import utcnow as utcnow_module
from workshop_db import resolve_url
from casestudies.utcnow import utcnow
from sliderepl.show import source

url = resolve_url()
engine = create_engine(url)
backend = engine.dialect.name   # sqlite, postgresql, mysql or mariadb
on_postgresql = backend == "postgresql"
on_mariadb = backend in ("mysql", "mariadb")

# Dialects to compile against without connecting to anything.
dialects = {
    "sqlite": sqlite.dialect(),
    "postgresql": postgresql.dialect(),
    # the real MariaDB dialect; building it needs no driver installed
    "mariadb": make_url("mariadb+pymysql://").get_dialect()(),
    "mssql": mssql.dialect(),
}


from workshop_db.quiet import unechoed   # SQL not the slide's point: off screen


def fresh(metadata):
    """Drop what an earlier run left (without echoing that SQL), then
    create_all: the CREATE statements are what the slides show.  The
    tables were just dropped, so create_all need not check for them
    first (its checks would fill the screen)."""
    with unechoed():
        metadata.drop_all(engine)
    metadata.create_all(engine, checkfirst=False)


def close_to_now(value):
    """True if a naive UTC datetime is within a minute of Python's."""
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    return abs(value - now) < dt.timedelta(minutes=1)


# For the proofs (### proof::): cheap checks that send nothing visible.
def raises(exception, fn, *args):
    """True if ``fn(*args)`` raises ``exception``."""
    try:
        fn(*args)
    except exception:
        return True
    return False


def on_fresh_sqlite(metadata, look):
    """``create_all`` on a new in-memory SQLite; ``look(inspector)``."""
    db = create_engine("sqlite://")
    try:
        metadata.create_all(db)
        return look(inspect(db))
    finally:
        db.dispose()


def sqlite_refuses(table, *rows):
    """True if a new in-memory SQLite refuses to insert ``rows``."""
    db = create_engine("sqlite://")
    try:
        table.create(db)
        with db.begin() as cx:
            cx.execute(table.insert(), list(rows))
    except sqlalchemy.exc.IntegrityError:
        return True
    finally:
        db.dispose()
    return False


def sql_of(table):
    """What SQLAlchemy sends for a SELECT and an INSERT of ``table``."""
    return (str(select(table).compile(engine)),
            str(table.insert().compile(engine)))


def cache_entries(statement):
    """How many compiled forms running ``statement`` leaves in a new
    cache (``compiled_cache`` execution option)."""
    cache = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sqlalchemy.exc.SAWarning)
        with engine.connect() as cx:
            cx.execution_options(compiled_cache=cache).execute(statement)
            cx.rollback()
    return len(cache)


def in_rollback(work):
    """``work(connection)``'s value; what it changed is rolled back.
    The connection caches nothing: a proof leaves the engine's SQL
    cache as the slides left it."""
    with engine.connect().execution_options(compiled_cache=None) as cx:
        try:
            return work(cx)
        finally:
            cx.rollback()


def refused(sql):
    """True if the database refuses ``sql`` on a connection of its own."""
    with engine.connect().execution_options(compiled_cache=None) as cx:
        try:
            cx.execute(text(sql))
        except sqlalchemy.exc.DBAPIError:
            return True
        finally:
            cx.rollback()
    return False


### slide:: b
### title:: Part 2: DDL and SQL expressions
### note:: Walk the bullets as the agenda, about a minute. Point at the last
### note:: line: it names the database this run uses.
# Part 1 was about connections.  Part 2 is about what we send
# through them: table definitions, types, DDL and SQL expressions,
# and the places where each can be extended.
### * Tables and columns: what SQL statements use, what is for CREATE TABLE
### * Extending what is not meant to be extended: factory functions
### * Types: ``TypeDecorator`` and ``UserDefinedType``
### * ``.info``, DDL events, ``DDL()`` per database
### * SQL expressions, ``func``, ``case``, ``text()``
### * The compiler extension: one construct, native SQL per database
print("this deck is running on:", backend)

### slide::
### title:: MetaData, Table, Column
### note:: Point at the sorted_tables line: users comes before addresses. Ask the
### note:: room why that order matters for CREATE. About two minutes.
# A Table is a named collection of Columns, each with a type.  MetaData
# holds related tables: ``ForeignKey("users.id")`` finds ``users`` by
# name in it, and ``sorted_tables`` puts a table after those it refers to.
metadata = MetaData()
users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("email", String(100), nullable=False),
    Column("name", String(50)),
)
addresses = Table(
    "addresses",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", ForeignKey("users.id"), nullable=False),
    Column("city", String(50)),
)
users.c.keys()
[t.name for t in metadata.sorted_tables]   # dependency order
### claim:: MetaData holds related tables: ``ForeignKey("users.id")`` finds
### claim:: ``users`` by name in it, and ``sorted_tables`` puts a table after
### claim:: those it refers to.
### proof:: next(iter(addresses.c.user_id.foreign_keys)).column is users.c.id
### proof:: [t.name for t in metadata.sorted_tables] == ["users", "addresses"]

### slide::
### title:: What only CREATE TABLE needs
### note:: Point at the CHECK and UNIQUE lines of the CREATE TABLE. Ask where the
### note:: index went: the next slide. About a minute.
# Lengths, NOT NULL, UNIQUE, CHECK, indexes and comments end up in DDL.
# (On PostgreSQL and MariaDB the SQL shows ``'%%@%%'``: their drivers take
# ``%(name)s`` parameters, so SQLAlchemy doubles a literal ``%``.)
accounts = Table(
    "accounts", MetaData(),
    Column("id", Integer, primary_key=True),
    Column("email", String(100), nullable=False, unique=True),
    Column("name", String(50), comment="as the user typed it"),
    CheckConstraint("email LIKE '%@%'", name="ck_accounts_email"),
    Index("ix_accounts_name", "name"),
)
print(CreateTable(accounts).compile(engine))
### claim:: What only CREATE TABLE needs
### proof:: sql_of(accounts) == sql_of(Table(
### proof::     "accounts", MetaData(), Column("id", Integer, primary_key=True),
### proof::     Column("email", String), Column("name", String)))
### claim:: their drivers take ``%(name)s`` parameters, so SQLAlchemy doubles
### claim:: a literal ``%``
### proof:: backend == "sqlite" or engine.dialect.paramstyle == "pyformat"
### proof:: (backend == "sqlite") != ("'%%@%%'" in str(CreateTable(accounts).compile(engine)))

### slide::
### title:: CREATE INDEX, and a SELECT that does not see them
### note:: Point at the CREATE INDEX, then at the plain SELECT: no lengths, no CHECK. Ask: does SQLAlchemy
### note:: check the e-mail for an at sign? Then the stored line. About a minute.
# The index is a statement of its own.  SELECT and INSERT come out the
# same without them, and SQLAlchemy checks no value against them: the
# database does (next slide).  Reflection, last line, reads what the
# server stored: the driver undid the doubled ``%``.
for index in accounts.indexes:
    print(CreateIndex(index).compile(engine))
print(select(accounts).where(accounts.c.id == 1).compile(engine))
with unechoed():
    accounts.drop(engine, checkfirst=True)
    accounts.create(engine)
    stored = inspect(engine).get_check_constraints("accounts")
    accounts.drop(engine)
print("stored:", [c["sqltext"] for c in stored])
### claim:: SELECT and INSERT come out the same without them
### proof:: sql_of(accounts) == sql_of(Table(
### proof::     "accounts", MetaData(), Column("id", Integer, primary_key=True),
### proof::     Column("email", String), Column("name", String)))
### claim:: the driver undid the doubled ``%``
### proof:: all("%@%" in c["sqltext"] and "%%" not in c["sqltext"] for c in stored)

### slide::
### title:: The database checks them, or does not
### note:: Ask first: a sixty-character name into the short column, what happens?
### note:: Then point at the stored or refused line; it differs per database.
### note:: About two minutes.
# A name too long for ``String(50)``: SQLAlchemy sends it as it is.
# PostgreSQL and MariaDB refuse it; SQLite keeps it whole, since it
# checks no lengths (NOT NULL, UNIQUE and CHECK it does enforce).
with unechoed():
    accounts.create(engine)
try:
    with engine.begin() as cx:
        result = cx.execute(accounts.insert(),
                            {"id": 1, "email": "a@b", "name": "x" * 60})
        stored_length = cx.scalar(select(func.length(accounts.c.name)))
    print("stored, characters:", stored_length)
except sqlalchemy.exc.DataError as error:
    stored_length = None
    print("refused:", type(error.orig).__name__)
with unechoed():
    accounts.drop(engine)
### claim:: A name too long for ``String(50)``: SQLAlchemy sends it as it is.
### proof:: accounts.c.name.type.length == 50
### proof:: accounts.c.name.type.bind_processor(engine.dialect) is None
### claim:: PostgreSQL and MariaDB refuse it; SQLite keeps it whole, since it
### claim:: checks no lengths
### proof:: stored_length == (60 if backend == "sqlite" else None)
### claim:: (NOT NULL, UNIQUE and CHECK it does enforce)
### proof:: sqlite_refuses(accounts, {"id": 1, "email": None})
### proof:: sqlite_refuses(accounts, {"id": 1, "email": "no at sign"})
### proof:: sqlite_refuses(accounts, {"id": 1, "email": "a@b"}, {"id": 2, "email": "a@b"})
### proof:: not sqlite_refuses(accounts, {"id": 1, "email": "a@b"}, {"id": 2, "email": "c@d"})

### slide::
### title:: create_all
### note:: Point at the CREATE TABLE statements, users first. Mention the quiet
### note:: drop in fresh() so a rerun starts clean. About a minute.
# ``create_all`` emits CREATE TABLE in dependency order, plus any
# indexes.  (``fresh()``, from the setup, quietly drops leftovers of
# earlier runs, then creates without checking.)
fresh(metadata)
### claim:: ``create_all`` emits CREATE TABLE in dependency order, plus any
### claim:: indexes
### proof:: [t.name for t in metadata.sorted_tables] == ["users", "addresses"]
### proof:: on_fresh_sqlite(accounts.metadata, lambda i: [x["name"] for x in i.get_indexes("accounts")]) == ["ix_accounts_name"]

### slide::
### title:: create_all again: existing tables are skipped
### note:: Ask what a second create_all will send. Point at the table checks in
### note:: the echo and the missing CREATE. About a minute.
# By default ``create_all`` checks first, so existing tables are skipped.
metadata.create_all(engine)        # the tables exist: checks, no CREATE
sorted(inspect(engine).get_table_names())
### claim:: it checks first, so existing tables are skipped.
### proof:: metadata.create_all(engine) is None

### slide::
### title:: A foreign key across MetaData
### note:: Point at REFERENCES users in the DDL, then at sorted_tables: users is
### note:: not in this MetaData. About a minute.
# Given the Column itself, a ForeignKey may point into another MetaData:
# the DDL names ``users``, but this MetaData's ``create_all`` neither
# creates nor orders it: on PostgreSQL and MariaDB ``users`` must exist
# first.
other = MetaData()
orders_fk = Table("orders_fk", other,
                  Column("id", Integer, primary_key=True),
                  Column("user_id", ForeignKey(users.c.id)))
print(CreateTable(orders_fk).compile(engine))
[t.name for t in other.sorted_tables]
### claim:: Given the Column itself, a ForeignKey may point into another
### claim:: MetaData: the DDL names ``users``, but this MetaData's
### claim:: ``create_all`` neither creates nor orders it: on PostgreSQL and
### claim:: MariaDB ``users`` must exist first.
### proof:: "REFERENCES users (id)" in str(CreateTable(orders_fk).compile(engine))
### proof:: on_fresh_sqlite(other, lambda i: i.get_table_names()) == ["orders_fk"]
### proof:: backend == "sqlite" or refused("CREATE TABLE orders_fk (user_id INTEGER REFERENCES absent_table (id))")

### slide:: e
### title:: By name, a foreign key looks in its own MetaData
### note:: Ask what the last line will do before pressing Enter. Point at the
### note:: NoReferencedTableError: by name, the other MetaData is invisible.
### note:: About a minute.
# By name, a foreign key finds tables of its own MetaData only.
by_name = Table("notes_fk", MetaData(),
                Column("user_id", ForeignKey("users.id")))
next(iter(by_name.c.user_id.foreign_keys)).column    # users, by name
### claim:: By name, a foreign key finds tables of its own MetaData only.
### proof:: raises(sqlalchemy.exc.NoReferencedTableError, lambda: by_name.metadata.sorted_tables)
### proof:: (lambda m: (Table("users", m, Column("id", Integer, primary_key=True)),
### proof::     next(iter(Table("notes_fk", m, Column("user_id", ForeignKey("users.id"))
### proof::               ).c.user_id.foreign_keys)).column.table.name)[1])(MetaData()) == "users"

### slide:: e
### title:: 2010: bound, dynamic and proxy metadata
### note:: A short history stop. Point at the empty 'still there' list, then at
### note:: the TypeError for bind=. About a minute.
# 2010 code bound tables to an engine: ``BoundMetaData`` (later
# ``MetaData(bind=engine)``), ``DynamicMetaData`` /
# ``ThreadLocalMetaData`` (another engine per thread), and
# ``ProxyEngine`` (a stand-in, connected later).  All gone: in 2.0 a
# MetaData describes a schema and keeps no engine.
import sqlalchemy
print("still there:", [name for name in ("BoundMetaData", "DynamicMetaData",
      "ThreadLocalMetaData", "ProxyEngine") if hasattr(sqlalchemy, name)])
MetaData(bind=engine)
### claim:: All gone: in 2.0 a MetaData describes a schema and keeps no engine.
### proof:: not any(hasattr(sqlalchemy, n) for n in ("BoundMetaData", "DynamicMetaData", "ThreadLocalMetaData", "ProxyEngine"))
### proof:: not any(hasattr(x, "bind") for x in (metadata, users, users.c.id))

### slide::
### title:: Where they went: bind at the point of use
### note:: Point at 'elsewhere' listing the same tables, then at the late-bound
### note:: session line. Ask who configures their sessionmaker at startup. About
### note:: two minutes.
# The engine is named where the work happens.  One MetaData serves any
# number of engines; a ``sessionmaker`` made at import time gets its
# engine at startup (``ProxyEngine``'s job); per-thread or per-tenant
# engines are chosen by the code that opens the connection or session.
elsewhere = create_engine("sqlite://")
with unechoed():
    metadata.create_all(elsewhere)      # the same tables, a second engine
print("elsewhere:", sorted(inspect(elsewhere).get_table_names()))
elsewhere.dispose()
late = sessionmaker()                   # at import time: no engine yet
late.configure(bind=engine)             # at startup
with late() as session:
    print("late-bound session runs on:", session.get_bind().dialect.name)
### claim:: One MetaData serves any number of engines; a ``sessionmaker``
### claim:: made at import time gets its engine at startup (``ProxyEngine``'s
### claim:: job); per-thread or per-tenant engines are chosen by the code that
### claim:: opens the connection or session.
### proof:: all(on_fresh_sqlite(metadata, lambda i: sorted(i.get_table_names())) == ["addresses", "users"] for _ in range(3))
### proof:: not hasattr(metadata, "bind") and late.kw["bind"] is engine
### proof:: Session(bind=elsewhere).get_bind() is elsewhere

### slide::
### title:: Best-fit types
### note:: Read one column down: Boolean on each dialect. Ask which database
### note:: spells UUID its own way. About a minute.
# ``Integer``, ``String``, ``DateTime``, ``Boolean``, ``Uuid``... are
# best-fit types: each dialect picks its closest native type.
kinds = Table(
    "kinds", MetaData(),
    Column("flag", Boolean),
    Column("at", DateTime),
    Column("key", Uuid),
    Column("blob", LargeBinary),
)
for name, dialect in dialects.items():
    print(f"{name:<11}", [str(c.type.compile(dialect=dialect))
                          for c in kinds.c])

### slide::
### title:: Exact vendor types
### note:: Point at INET and JSONB in the postgresql row, plain VARCHAR and JSON
### note:: elsewhere. About a minute, then the Money exercise, about two.
# Upper-case types (``INTEGER``, ``VARCHAR``) name one SQL type: no
# dialect swaps in a closer one (``DATETIME`` stays ``DATETIME`` even on
# PostgreSQL, which has none), though it may spell it its own way or
# refuse it.  The types in ``sqlalchemy.dialects.*`` belong to their
# database.  ``with_variant`` picks a vendor type on the backends it names.
from sqlalchemy.dialects.postgresql import INET, JSONB
hosts = Table(
    "hosts", MetaData(),
    Column("address", String(45).with_variant(INET(), "postgresql")),
    Column("facts", JSON().with_variant(JSONB(), "postgresql")),
)
for name, dialect in dialects.items():
    print(f"{name:<11}", [str(c.type.compile(dialect=dialect))
                          for c in hosts.c])
### exercise:: Make ``Money``: a ``Float`` on most databases, but
### exercise:: ``NUMERIC(12, 2)`` on PostgreSQL, through ``with_variant``.
### hint:: postgresql.NUMERIC(12, 2) is PostgreSQL's exact type
### hint:: Float().with_variant(..., "postgresql")
### check:: spelled = {n: str(Money.compile(dialect=d)) for n, d in dialects.items()}
### check:: spelled["postgresql"] == "NUMERIC(12, 2)" and spelled["sqlite"] == "FLOAT" and spelled["mariadb"] == "FLOAT"
### solution:: Money = Float().with_variant(postgresql.NUMERIC(12, 2), "postgresql")
### claim:: Upper-case types (``INTEGER``, ``VARCHAR``) name one SQL type: no
### claim:: dialect swaps in a closer one (``DATETIME`` stays ``DATETIME`` even
### claim:: on PostgreSQL, which has none), though it may spell it its own way
### claim:: or refuse it.
### proof:: all(str(sqlalchemy.DATETIME().compile(dialect=d)) == "DATETIME" for d in dialects.values())
### proof:: not on_postgresql or refused("CREATE TEMPORARY TABLE probe (at DATETIME)")
### proof:: str(sqlalchemy.BOOLEAN().compile(dialect=dialects["mariadb"])) == "BOOL"
### proof:: raises(sqlalchemy.exc.CompileError, lambda: sqlalchemy.VARCHAR().compile(dialect=dialects["mariadb"]))
### claim:: The types in ``sqlalchemy.dialects.*`` belong to their database.
### proof:: raises(sqlalchemy.exc.CompileError, lambda: INET().compile(dialect=dialects["sqlite"]))
### claim:: ``with_variant`` picks a vendor type on the backends it names.
### proof:: [str(hosts.c.address.type.compile(dialect=d)) for d in dialects.values()] == ["VARCHAR(45)", "INET", "VARCHAR(45)", "VARCHAR(45)"]

### slide::
### title:: The dialect translates values too
### note:: Point at 'raw driver value: str' on SQLite; with --db postgresql it
### note:: says datetime. About a minute.
# Types convert between Python and what the DB-API driver speaks.
# SQLite has no date type: SQLAlchemy stores ISO text there and parses
# it back; PostgreSQL's and MariaDB's drivers hand over datetimes.
moments = Table("moments", MetaData(), Column("at", DateTime))
with unechoed():
    fresh(moments.metadata)
with engine.begin() as cx:
    result = cx.execute(moments.insert(),
                        {"at": dt.datetime(2010, 7, 19, 9, 30)})
    raw = cx.exec_driver_sql("SELECT at FROM moments").scalar()
    typed = cx.scalar(select(moments.c.at))
print("raw driver value:", type(raw).__name__, "| typed:", typed)

### slide:: b
### title:: Extending the non-extensible
### note:: Reveal the bullets one by one and ask why subclassing Table goes wrong
### note:: before the second one. About two minutes.
# Case study **timestamps**: a last-updated-at column on many tables.
### * Subclassing ``Table`` is a poor idea: one Table object per name
### * ...and reflection, ``to_metadata()`` and declarative build plain Tables
### * Making the Column once, in advance, does not work either
### * A factory function that builds new Columns on each call does

### slide:: e
### title:: One Column, one Table
### note:: The fix is on the next slide: build the Column inside a function.
# A Column object is bound to the table it was first given to.
shared = Column("updated_at", DateTime)
first = Table("first", MetaData(), Column("id", Integer), shared)
second = Table("second", MetaData(), Column("id", Integer), shared)

### slide::
### title:: A factory function
### note:: Walk the function from the case study file: a fresh Column per
### note:: call. About a minute.
# ``casestudies/timestamps.py``: a new Column per call.  The stamp is
# ``utcnow()``, from the end of this part: UTC, computed by the database.
source(timestamps.updated_at_column)

### slide::
### title:: A Table factory
### note:: Point at the call to updated_at_column inside: each table gets its
### note:: own Column. About a minute.
# A Table factory that adds the column to the ones it is given.
source(timestamps.timestamped_table)

### slide::
### title:: Using the factory
### note:: Point at updated_at in the CREATE TABLE: the factory added it. About a
### note:: minute, then the created_by exercise, about three.
stamped = MetaData()
invoices = timestamps.timestamped_table(
    "invoices", stamped,
    Column("id", Integer, primary_key=True),
    Column("total", Integer, nullable=False),
)
print(CreateTable(invoices).compile(engine))
### exercise:: Write ``created_by_column()``, a factory like the one above: each
### exercise:: call returns a new ``Column("created_by", String(40))`` whose
### exercise:: ``default`` is ``"system"``, so two tables can both take one.
### hint:: def created_by_column(): return Column(...)
### hint:: default="system" fills the column in an INSERT that leaves it out
### check:: probe = MetaData()
### check:: t1, t2 = (Table(n, probe, Column("id", Integer, primary_key=True),
### check::                 created_by_column()) for n in ("by_a", "by_b"))
### check:: db = create_engine("sqlite://")
### check:: probe.create_all(db)
### check:: with db.begin() as cx:
### check::     cx.execute(t2.insert(), {"id": 1})
### check::     who = cx.scalar(select(t2.c.created_by))
### check:: db.dispose()
### check:: t1.c.created_by is not t2.c.created_by and who == "system"
### solution:: def created_by_column():
### solution::     return Column("created_by", String(40), default="system")

### slide::
### title:: The declarative mixin
### note:: Walk the mixin: a mapped_column declared once, copied into each model.
### note:: About a minute.
# For models, a mixin does the same: declarative copies a
# ``mapped_column()`` from a mixin into each class.
source(timestamps.Timestamped)

### slide::
### title:: A model with the mixin
### note:: Point at the final True: each model gets its own Column object from
### note:: the mixin. About a minute.
class Base(DeclarativeBase):
    pass


class Customer(timestamps.Timestamped, Base):
    __tablename__ = "customers"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40))


Customer.__table__.c.updated_at is not invoices.c.updated_at

### slide::
### title:: Stamped on INSERT
### note:: Point at the strftime call inside the INSERT: the database computes
### note:: the stamp, not Python. About a minute.
# ``default`` runs in the INSERT: the column's SQL is part of the statement.
fresh(stamped)
with engine.begin() as cx:
    result = cx.execute(invoices.insert(), {"id": 1, "total": 10})

### slide::
### title:: ...and on UPDATE
### note:: Ask first: after an UPDATE that sets updated_at by hand, which value
### note:: stays? Then read the printed line left to right. About two minutes.
# ``onupdate`` runs in an ``update()`` (or ORM flush) that leaves the column out.
# One that sets it keeps its value; hand-written ``text()`` SQL is not touched.
long_ago = dt.datetime(2000, 1, 1)
with engine.begin() as cx:
    result = cx.execute(invoices.update().values(updated_at=long_ago))
    set_itself = cx.scalar(select(invoices.c.updated_at))
    result = cx.execute(invoices.update().values(total=12))
    stamp = cx.scalar(select(invoices.c.updated_at))
print("set by hand, kept:", set_itself == long_ago,
      "| moved on UPDATE:", stamp > long_ago,
      "| now, UTC:", close_to_now(stamp))
### claim:: ``onupdate`` runs in an ``update()`` (or ORM flush) that leaves the
### claim:: column out.
### proof:: "updated_at=" in str(invoices.update().values(total=1).compile(engine)).replace(" ", "")
### proof:: close_to_now(stamp)
### claim:: One that sets it keeps its value; hand-written ``text()`` SQL is not
### claim:: touched.
### proof:: set_itself == long_ago
### proof:: in_rollback(lambda cx: (cx.execute(text("UPDATE invoices SET total = 14")), cx.scalar(select(invoices.c.updated_at)))[1]) == stamp

### slide:: b
### title:: Extending types
### note:: Set up the next slides: which side is new, Python or the database.
### note:: Dwell on the cache_ok bullet; it bites later. About a minute.
### * ``TypeDecorator``: a type the database knows, a new Python type
### * ``UserDefinedType``: a database type SQLAlchemy has no class for
### * Both: convert Python values to parameters, and results to Python
### * Since 1.4: ``cache_ok = True``, or an ``SAWarning`` and no SQL cache
### * 2010 used pytz; now the standard library has ``zoneinfo``

### slide::
### title:: Case study: timezones
### note:: Point at the first line: impl and cache_ok, the class's settings.
### note:: Then walk the bind side: a ZoneInfo or a checked name goes in as its
### note:: name. About two minutes.
# Store zone names; work with ``ZoneInfo`` objects in Python.  The
# ``Timezone`` TypeDecorator keeps a name in a ``String`` column.
timezones.Timezone.impl, timezones.Timezone.cache_ok
source(timezones.Timezone.process_bind_param)

### slide::
### title:: Timezone: reading a zone back
### note:: Walk the result side and the zone() helper it shares with the bind
### note:: side. About a minute.
# A NULL stays ``None``; a stored name becomes its ``ZoneInfo`` again.
source(timezones.Timezone.process_result_value)
source(timezones.zone)

### slide::
### title:: A table with a Timezone column
### note:: Point at tz VARCHAR in the CREATE TABLE: the database stores a name.
### note:: About a minute.
zoned = MetaData()
sites = Table(
    "sites", zoned,
    Column("id", Integer, primary_key=True),
    Column("name", String(40)),
    Column("tz", timezones.Timezone),
)
fresh(zoned)

### slide::
### title:: Zones in, zones out
### note:: Point at the INSERT parameters: plain zone names. Then the list at
### note:: the bottom: ZoneInfo objects again. About a minute.
paris = ZoneInfo("Europe/Paris")
with engine.begin() as cx:
    result = cx.execute(sites.delete())   # a rerun starts empty
    result = cx.execute(sites.insert(), [
        {"id": 1, "name": "Paris", "tz": paris},
        {"id": 2, "name": "Lyon", "tz": "Europe/Paris"},
        {"id": 3, "name": "Vilnius", "tz": "Europe/Vilnius"},
        {"id": 4, "name": "Unknown", "tz": None},
    ])
    rows = cx.execute(select(sites).order_by(sites.c.id)).all()
[(r.name, r.tz and r.tz.key) for r in rows]

### slide::
### title:: One object per value
### note:: Same idea as Python's small-int and interned-string caches; ask who
### note:: has used Enum members as dict keys.
# ``ZoneInfo(name)`` hands back the instance it already holds for that
# name (``ZoneInfo.no_cache`` would not), so every row in Europe/Paris
# holds the very same object: no copy per row, and identity, equality
# (``ZoneInfo`` compares by identity) and dict lookups are cheap.  The
# same pattern pays for enums, small lookup tables, currencies.
ZoneInfo("Europe/Paris") is ZoneInfo("Europe/Paris")
rows[0].tz is rows[1].tz is paris
noon = dt.datetime(2026, 7, 1, 12, tzinfo=dt.UTC)
{r.name: noon.astimezone(r.tz).strftime("%H:%M") for r in rows[:3]}
### claim:: ``ZoneInfo(name)`` hands back the instance it already holds for that
### claim:: name (``ZoneInfo.no_cache`` would not), so every row in Europe/Paris
### claim:: holds the very same object: no copy per row, and identity, equality
### claim:: (``ZoneInfo`` compares by identity) and dict lookups are cheap.
### proof:: ZoneInfo.no_cache("Europe/Paris") is not paris
### proof:: all(r.tz is paris for r in rows if r.tz and r.tz.key == "Europe/Paris")
### proof:: ZoneInfo.__eq__ is object.__eq__ and ZoneInfo.__hash__ is object.__hash__
### proof:: ZoneInfo.no_cache("Europe/Paris") != paris

### slide::
### title:: A ZoneInfo in a WHERE clause
### note:: Point at the bound parameter in the echoed SQL: a plain string. Then
### note:: give the room time for the Csv exercise, about five minutes.
# The bound value is converted by the column's type, like any other.
# (``timezones.Timezone`` turns the ZoneInfo back into its name.)
with engine.connect() as cx:
    in_paris = cx.scalars(
        select(sites.c.name).where(sites.c.tz == paris).order_by("id")
    ).all()
in_paris
### claim:: The bound value is converted by the column's type, like any other.
### proof:: (sites.c.tz == paris).right.type is sites.c.tz.type
### proof:: sites.c.tz.type.process_bind_param(paris, engine.dialect) == "Europe/Paris"
### proof:: in_paris == ["Paris", "Lyon"]
### exercise:: Your own TypeDecorator: ``Csv`` stores a list of strings as one
### exercise:: comma-separated ``String(200)`` and gives the list back when
### exercise:: read (``None`` stays ``None``).  Set ``cache_ok = True``, as
### exercise:: ``Timezone`` does.
### hint:: process_bind_param(self, value, dialect) returns what the database stores
### hint:: process_result_value(self, value, dialect) turns it back: value.split(",")
### check:: probe = Table("csv_probe", MetaData(), Column("tags", Csv()))
### check:: db = create_engine("sqlite://")
### check:: probe.create(db)
### check:: with db.begin() as cx:
### check::     cx.execute(probe.insert(), [{"tags": ["a", "b c"]}, {"tags": None}])
### check::     stored = cx.execute(text("SELECT tags FROM csv_probe")).scalars().all()
### check::     back = cx.execute(select(probe.c.tags)).scalars().all()
### check:: db.dispose()
### check:: Csv.cache_ok is True and stored == ["a,b c", None] and back == [["a", "b c"], None]
### solution:: class Csv(TypeDecorator):
### solution::     impl = String(200)
### solution::     cache_ok = True
### solution::
### solution::     def process_bind_param(self, value, dialect):
### solution::         return None if value is None else ",".join(value)
### solution::
### solution::     def process_result_value(self, value, dialect):
### solution::         return None if value is None else value.split(",")

### slide:: e
### title:: A typo is refused, by name
### note:: Ask what an unknown zone name will do before Enter. Point at the error
### note:: message naming the typo. About a minute.
# The type checks names before they reach the database.
with engine.begin() as cx:
    cx.execute(sites.insert(), {"id": 5, "tz": "Europe/Pariss"})

### slide:: e
### title:: Forgetting cache_ok
### note:: Ask whether this will run. Point at the SAWarning text; the tests here
### note:: would fail on it. About a minute.
# The same type without ``cache_ok``: SQLAlchemy warns.  The project's
# tests turn warnings into errors, so a test that runs such a statement
# fails.
class NoCacheTimezone(TypeDecorator):
    impl = String(64)


careless = Table("sites", MetaData(), Column("tz", NoCacheTimezone))
with warnings.catch_warnings():
    warnings.simplefilter("error")
    with engine.connect() as cx:
        cx.execute(select(careless).where(careless.c.tz == "UTC"))

### slide::
### title:: UserDefinedType: PostgreSQL's point
### note:: Walk get_col_spec, then the two processors. This slide defines
### note:: the type; the next slides use it. About a minute.
# A type SQLAlchemy has no class for.  ``get_col_spec`` is its DDL;
# the processors turn ``(x, y)`` tuples into ``'(x,y)'`` text and back.
def point_to_text(value):
    return None if value is None else f"({value[0]},{value[1]})"


def point_from_text(value):
    if value is None:
        return None
    return tuple(float(v) for v in value.strip("()").split(","))


class Point(UserDefinedType):
    cache_ok = True

    def get_col_spec(self, **kw):
        return "POINT"

    def bind_processor(self, dialect):
        return point_to_text

    def result_processor(self, dialect, coltype):
        return point_from_text

### slide::
### title:: A portable fallback
### note:: Point at the two methods: the same helpers as Point, over a String.
### note:: About a minute, then the Cidr exercise, about five.
# Elsewhere, keep the same tuples in a text column: a TypeDecorator for
# the fallback.
class PointAsText(TypeDecorator):
    impl = String(60)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return point_to_text(value)

    def process_result_value(self, value, dialect):
        return point_from_text(value)
### exercise:: Make ``Cidr``: a ``UserDefinedType`` (``cache_ok = True``) for
### exercise:: PostgreSQL's ``CIDR`` that sends an ``ipaddress.ip_network`` as
### exercise:: its text and reads the text back as a network (``None`` stays).
### hint:: get_col_spec returns "CIDR", as Point's returns "POINT"
### hint:: bind_processor and result_processor return functions of one value
### hint:: str(network) and ipaddress.ip_network(text) convert each way
### check:: import ipaddress
### check:: pg = dialects["postgresql"]
### check:: net = ipaddress.ip_network("10.1.0.0/16")
### check:: ddl = str(CreateTable(Table("nets", MetaData(), Column("n", Cidr()))).compile(dialect=pg))
### check:: send, read = Cidr().bind_processor(pg), Cidr().result_processor(pg, None)
### check:: (Cidr.cache_ok is True and "n CIDR" in ddl and send(net) == "10.1.0.0/16"
### check::  and read("10.1.0.0/16") == net and send(None) is None and read(None) is None)
### solution:: import ipaddress
### solution::
### solution:: class Cidr(UserDefinedType):
### solution::     cache_ok = True
### solution::
### solution::     def get_col_spec(self, **kw):
### solution::         return "CIDR"
### solution::
### solution::     def bind_processor(self, dialect):
### solution::         return lambda value: None if value is None else str(value)
### solution::
### solution::     def result_processor(self, dialect, coltype):
### solution::         return lambda value: (None if value is None
### solution::                               else ipaddress.ip_network(value))

### slide::
### title:: with_variant: POINT on PostgreSQL
### note:: with_variant: the base type everywhere, the variant on the named
### note:: dialects only.
### claim:: with_variant: the base type everywhere, the variant on the named
### claim:: dialects only.
### claim:: ``with_variant`` uses POINT on PostgreSQL only.
### proof:: [str(places.c.at.type.compile(dialect=d)) for d in dialects.values()] == ["VARCHAR(60)", "POINT", "VARCHAR(60)", "VARCHAR(60)"]
# ``with_variant`` uses POINT on PostgreSQL only.
Location = PointAsText().with_variant(Point(), "postgresql")
places = Table(
    "places", MetaData(),
    Column("id", Integer, primary_key=True),
    Column("name", String(40)),
    Column("at", Location),
)
for name in ("postgresql", "sqlite", "mariadb"):
    print(f"{name:<11}", places.c.at.type.compile(dialect=dialects[name]))

### slide::
### title:: The places table on this database
### note:: Point at the type of the at column: VARCHAR here, POINT with --db
### note:: postgresql. About a minute.
fresh(places.metadata)

### slide::
### title:: Round trip
### note:: Point at the tuples in the last line: they came back as Python tuples
### note:: of floats. About a minute.
with engine.begin() as cx:
    result = cx.execute(places.delete())  # a rerun starts empty
    result = cx.execute(places.insert(), [
        {"id": 1, "name": "Birmingham", "at": (-1.89, 52.48)},
        {"id": 2, "name": "Vilnius", "at": (25.28, 54.69)},
    ])
    stored = cx.execute(select(places.c.name, places.c.at)).all()
stored

### slide::
### title:: What the real type buys
### note:: On SQLite this prints the note for PostgreSQL; with --db postgresql,
### note:: point at 'nearest to Warsaw'. About a minute.
# On PostgreSQL the database understands points: ``<->`` is distance.
# A TypeDecorator over text could not offer that.
if on_postgresql:
    distance = places.c.at.op("<->", return_type=Float)
    with engine.connect() as cx:
        nearest = cx.scalar(
            select(places.c.name).order_by(distance((21.0, 52.2))))
    print("nearest to Warsaw:", nearest)
else:
    print("(PostgreSQL only: run with --db postgresql)")

### slide::
### title:: .info: a small data dictionary
### note:: Point at the info dicts in the Table, then at the ext.mutable key on
### note:: the last line. About two minutes.
# ``info`` on a Table or Column is a plain dict for you: no SQL or DDL
# uses it, though extensions may keep keys of their own there
# (``ext.mutable`` does, last line).  ``comment=`` is first-class now and
# lands in the database's catalogue.
people = Table(
    "people", MetaData(),
    Column("id", Integer, primary_key=True, info={"label": "Number"}),
    Column("given", String(40), info={"label": "Given name"}),
    Column("email", String(100), info={"label": "E-mail address",
                                       "widget": "email"}),
    Column("born", DateTime, info={"label": "Date of birth",
                                   "widget": "date"}),
    info={"title": "People", "owner": "membership team"},
    comment="one row per person we write to",
)
from sqlalchemy.ext.mutable import MutableList
Column("tags", MutableList.as_mutable(postgresql.ARRAY(String))).info
### claim:: ``info`` on a Table or Column is a plain dict for you: no SQL or
### claim:: DDL uses it, though extensions may keep keys of their own there
### claim:: (``ext.mutable`` does, last line).
### proof:: type(people.info) is dict and type(people.c.email.info) is dict
### proof:: not any(w in str(CreateTable(people).compile(dialect=d)) for d in dialects.values() for w in ("Number", "membership", "widget"))
### proof:: "_ext_mutable_orig_type" in Column("t", MutableList.as_mutable(postgresql.ARRAY(String))).info

### slide::
### title:: A form from .info
### note:: Point at the labels and widgets in brackets; ask what else they would
### note:: keep in info. Then the small exercise, about two minutes.
for column in people.c:
    label = column.info.get("label", column.name)
    widget = column.info.get("widget", "text")
    print(f"{label + ':':<16} [{widget:<5}] {column.type}")
### exercise:: Give the ``given`` column the widget ``"name"`` through its
### exercise:: ``.info``, then draw the form again.
### hint:: people.c.given.info is a plain dict
### check:: people.c.given.info.get("widget") == "name"
### solution:: people.c.given.info["widget"] = "name"
### solution:: for column in people.c:
### solution::     print(column.info.get("label"), column.info.get("widget", "text"))

### slide::
### title:: Table documentation from .info
### note:: Point at the owner line and the labels column. About a minute.
print(f"{people.info['title']} ({people.name}): {people.comment}")
print("owner:", people.info["owner"])
for column in people.c:
    flags = "PK" if column.primary_key else ""
    print(f"  {column.name:<6} {str(column.type):<13} {flags:<3}"
          f"{column.info['label']}")

### slide:: l
### title:: comment= reaches the database
### note:: Long version. On SQLite it says comments are not kept; with --db
### note:: postgresql point at the COMMENT ON statement. About a minute.
# Unlike ``info``, a ``comment=`` goes to the database with the table
# (inside CREATE TABLE on MariaDB, a ``COMMENT ON`` after it on
# PostgreSQL) and reflection reads it back.  SQLite keeps no comments.
fresh(people.metadata)
if backend == "sqlite":
    print("(SQLite keeps no comments: run with --db postgresql or mariadb)")
else:
    print("reflected:", inspect(engine).get_table_comment("people")["text"])
### claim:: inside CREATE TABLE on MariaDB, a ``COMMENT ON`` after it on PostgreSQL
### proof:: "COMMENT=" in str(CreateTable(people).compile(dialect=dialects["mariadb"]))
### proof:: "COMMENT" not in str(CreateTable(people).compile(dialect=dialects["postgresql"]))
### proof:: backend == "sqlite" or inspect(engine).get_table_comment("people")["text"] == people.comment
### claim:: SQLite keeps no comments.
### proof:: not dialects["sqlite"].supports_comments
### proof:: backend != "sqlite" or raises(NotImplementedError, inspect(engine).get_table_comment, "people")

### slide:: b
### title:: DDL events
### note:: Reveal the bullets; compare the 2010 spelling with event.listen. About
### note:: a minute.
# MetaData and Table fire events around CREATE and DROP.
### * ``before_create``, ``after_create``, ``before_drop``, ``after_drop``
### * 2010: ``table.append_ddl_listener("after-create", fn)``
### * Now: ``event.listen(table, "after_create", fn)``
###  * or ``Table(..., listeners=[("after_create", fn)])``
###  * ``fn(target, connection, **kw)``
### * ``DDL("...")``: a ready-made listener, templated per table
### * ``.execute_if(dialect=...)``: run on the databases named (2010: ``on=``)

### slide::
### title:: A listener
### note:: Point at the 'created notes on' line printed by our function. Then the
### note:: welcome-row exercise, about four minutes.
announced = MetaData()
notes = Table("notes", announced, Column("id", Integer, primary_key=True))


@event.listens_for(notes, "after_create")
def say_created(target, connection, **kw):
    print(f"created {target.name} on {connection.dialect.name}")


fresh(announced)
### exercise:: A table that fills itself: make ``welcome = Table("welcome",
### exercise:: greeted, Column("id", Integer, primary_key=True))`` in a new
### exercise:: ``greeted = MetaData()``, with an ``after_create`` listener that
### exercise:: inserts the row ``id=1``.  A ``create_all`` that creates the
### exercise:: table then leaves one row in it.
### hint:: the listener gets (target, connection, **kw): connection.execute(target.insert(), ...)
### check:: db = create_engine("sqlite://")
### check:: greeted.create_all(db)
### check:: with db.connect() as cx:
### check::     ids = cx.execute(select(welcome.c.id)).scalars().all()
### check:: db.dispose()
### check:: ids == [1]
### solution:: greeted = MetaData()
### solution:: welcome = Table("welcome", greeted,
### solution::                 Column("id", Integer, primary_key=True))
### solution::
### solution:: @event.listens_for(welcome, "after_create")
### solution:: def first_row(target, connection, **kw):
### solution::     connection.execute(target.insert(), {"id": 1})

### slide::
### title:: DDL per database: a touch trigger
### note:: %(now)s is utcnow() compiled per dialect: the trigger and the ORM
### note:: agree on the clock.
# Stamp ``updated_at`` in the database when an UPDATE left it alone, even
# one written by hand.  One statement per database; ``execute_if`` picks
# it; ``%(table)s`` is each table's name, ``%(now)s`` is ours.
now_sql = {name: str(utcnow().compile(dialect=dialects[name]))
           for name in ("postgresql", "mariadb", "sqlite")}
pg_touch_function = DDL(
    "CREATE OR REPLACE FUNCTION touch_updated_at() RETURNS trigger "
    "LANGUAGE plpgsql AS $$ BEGIN "
    "IF NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at THEN "
    "NEW.updated_at := %(now)s; END IF; RETURN NEW; END $$",
    context={"now": now_sql["postgresql"]},
).execute_if(dialect="postgresql")

### slide::
### title:: A trigger per database
### note:: Walk the three statements: PostgreSQL calls the function, MariaDB
### note:: sets the column, SQLite updates the row after. About two minutes.
# ``execute_if`` picks the statement for the database at hand.
touch_triggers = [
    DDL("CREATE TRIGGER %(table)s_touch BEFORE UPDATE ON %(table)s "
        "FOR EACH ROW EXECUTE FUNCTION touch_updated_at()"
        ).execute_if(dialect="postgresql"),
    DDL("CREATE TRIGGER %(table)s_touch BEFORE UPDATE ON %(table)s "
        "FOR EACH ROW SET NEW.updated_at = IF(NEW.updated_at <=> "
        "OLD.updated_at, %(now)s, NEW.updated_at)",
        context={"now": now_sql["mariadb"]},
        ).execute_if(dialect=("mysql", "mariadb")),
    DDL("CREATE TRIGGER %(table)s_touch AFTER UPDATE ON %(table)s "
        "WHEN NEW.updated_at IS OLD.updated_at BEGIN "
        "UPDATE %(table)s SET updated_at = %(now)s "
        "WHERE rowid = NEW.rowid; END",
        context={"now": now_sql["sqlite"]},
        ).execute_if(dialect="sqlite"),
]

### slide::
### title:: Templating over several tables
### note:: Walk the loop: the same trigger objects go on each table. The next
### note:: slide creates them. About a minute, then the index exercise, about four.
# The same DDL objects, attached to every timestamped table.
touched = MetaData()
event.listen(touched, "before_create", pg_touch_function)
for name in ("orders", "payments"):
    table = timestamps.timestamped_table(
        name, touched,
        Column("id", Integer, primary_key=True),
        Column("amount", Integer),
    )
    for trigger in touch_triggers:
        event.listen(table, "after_create", trigger)
### exercise:: Make ``amount_index``: a ``DDL`` that creates the index
### exercise:: ``ix_<table>_amount`` on ``amount`` in the table it is attached
### exercise:: to, run on SQLite and left out elsewhere (``execute_if``).
### hint:: %(table)s is the name of the table the DDL runs for
### hint:: DDL("CREATE INDEX ix_%(table)s_amount ON %(table)s (amount)")
### hint:: .execute_if(dialect="sqlite")
### check:: from sqlalchemy import create_mock_engine
### check:: probe = MetaData()
### check:: for n in ("ledger_a", "ledger_b"):
### check::     event.listen(Table(n, probe, Column("id", Integer, primary_key=True),
### check::                        Column("amount", Integer)), "after_create", amount_index)
### check:: db = create_engine("sqlite://")
### check:: probe.create_all(db)
### check:: made = {n: [i["name"] for i in inspect(db).get_indexes(n)] for n in ("ledger_a", "ledger_b")}
### check:: db.dispose()
### check:: sent = []
### check:: probe.create_all(create_mock_engine("postgresql://", lambda sql, *a, **kw: sent.append(str(sql.compile(dialect=dialects["postgresql"])))), checkfirst=False)
### check:: (made == {"ledger_a": ["ix_ledger_a_amount"], "ledger_b": ["ix_ledger_b_amount"]}
### check::  and len(sent) == 2 and not [s for s in sent if "INDEX" in s])
### solution:: amount_index = DDL(
### solution::     "CREATE INDEX ix_%(table)s_amount ON %(table)s (amount)"
### solution:: ).execute_if(dialect="sqlite")
### claim:: The same DDL objects, attached to every timestamped table.
### proof:: all(event.contains(t, "after_create", trigger) for t in touched.tables.values() for trigger in touch_triggers)
### proof:: len(touched.tables) == 2 and event.contains(touched, "before_create", pg_touch_function)

### slide::
### title:: One trigger per table
### note:: Point at the CREATE TRIGGER statements: one per table, each with its
### note:: own table name filled in. About a minute.
fresh(touched)

### slide::
### title:: Without a trigger, hand-written SQL is not stamped
### note:: Ask first: will a raw UPDATE of invoices move its stamp? Point at the
### note:: printed line. About a minute.
# The baseline: ``invoices`` has ``onupdate`` but no trigger, and a raw
# UPDATE there leaves the old stamp.
with engine.begin() as cx:
    result = cx.execute(invoices.update().values(updated_at=long_ago))
    result = cx.execute(text("UPDATE invoices SET total = 14"))
    baseline = cx.scalar(select(invoices.c.updated_at))
print("no trigger (invoices): raw UPDATE kept the old stamp:",
      baseline == long_ago)
### claim:: ``invoices`` has ``onupdate`` but no trigger, and a raw UPDATE there
### claim:: leaves the old stamp.
### proof:: baseline == long_ago

### slide::
### title:: With the trigger, a value set by hand is kept
### note:: Point at the UPDATE that sets updated_at, then at the printed line:
### note:: the trigger left it alone. About a minute.
# An UPDATE that sets ``updated_at`` itself keeps its value.
orders = touched.tables["orders"]
with engine.begin() as cx:
    result = cx.execute(text("DELETE FROM orders"))
    result = cx.execute(text("INSERT INTO orders (id, amount) VALUES (1, 5)"))
    result = cx.execute(orders.update().values(updated_at=long_ago))
    kept = cx.scalar(select(orders.c.updated_at))
print("explicit value kept:", kept == long_ago)
### claim:: An UPDATE that sets ``updated_at`` itself keeps its value.
### proof:: kept == long_ago

### slide::
### title:: Hand-written SQL gets stamped
### note:: Ask first: will a raw UPDATE touch updated_at? Then read the
### note:: printed line. About two minutes.
# A raw UPDATE, no ``onupdate`` involved: the trigger did it.
with engine.begin() as cx:
    result = cx.execute(text("UPDATE orders SET amount = 6 WHERE id = 1"))
    stamp = cx.scalar(select(orders.c.updated_at))
print("raw UPDATE stamped by the trigger:", close_to_now(stamp))
### claim:: A raw UPDATE, no ``onupdate`` involved: the trigger did it.
### proof:: close_to_now(stamp)

### slide:: b
### title:: Case study: fixtures
### note:: Reveal the bullets; the last one leads into the error on the next
### note:: slide. About a minute.
# Some tables hold fixed rows the code relies on: statuses, countries, roles.
### * Keep the rows in the table's definition: one place to change both
### * Insert them from an ``after_create`` listener
### * Keep them readable without a query: ``table.info["fixture"].rows``
### * 2010 passed the Fixture object among the Table arguments...

### slide:: e
### title:: ...which Table now refuses
### note:: Ask what Table will say to a plain object. Point at the ArgumentError
### note:: text. About a minute.
# Table wants ``SchemaItem`` objects there (``Column``, constraints,
# ``Index``); it skips ``None`` and refuses anything else.  A SchemaItem
# of your own hears of its table through ``_set_parent``, a private
# method: not in a recipe people copy.
class Fixture2010:
    def __init__(self, column_names, *rows):
        self.column_names, self.rows = column_names, rows

    def __repr__(self):
        return "Fixture2010(...)"


Table("status", MetaData(), Column("id", Integer),
      Fixture2010(("id",), (1,), (2,)))
### claim:: it skips ``None`` and refuses anything else
### proof:: Table("probe", MetaData(), Column("id", Integer), None).c.keys() == ["id"]
### proof:: raises(sqlalchemy.exc.ArgumentError, Table, "probe", MetaData(), object())
### claim:: A SchemaItem of your own hears of its table through ``_set_parent``
### proof:: (lambda F: (Table("probe", MetaData(), F()), F.seen)[1])(type("F", (sqlalchemy.schema.SchemaItem,), {"seen": [], "_set_parent": lambda self, parent, **kw: self.seen.append(parent.name)})) == ["probe"]

### slide::
### title:: Public API instead: info= and listeners=
### note:: Walk table_kwargs: info holds the Fixture, listeners insert its rows.
### note:: The listener itself is on the next slide. About a minute.
# ``casestudies/fixtures.py``: a ``Fixture`` gives a Table its arguments.
source(fixtures.Fixture.table_kwargs)

### slide::
### title:: The listener that loads the rows
### note:: Walk load: it runs on the connection doing the CREATE. Point at the
### note:: docstring's note on racing processes. About two minutes.
source(fixtures.Fixture.load)

### slide::
### title:: A lookup table with its rows
### note:: Point at the rows printed without touching a database. About a minute.
lookups = MetaData()
status = Table(
    "status", lookups,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("label", String(20), nullable=False),
    **fixtures.Fixture(
        ("id", "label"), (1, "open"), (2, "closed"), (3, "wontfix")
    ).table_kwargs(),
)
status.info["fixture"].rows      # known before any database exists

### slide::
### title:: create_all loads them, once
### note:: Point at the INSERT right after the CREATE TABLE: the listener ran.
### note:: About a minute.
fresh(lookups)

### slide::
### title:: ...and not again
### note:: Point at the echo of the second create_all: a table check and no
### note:: INSERT. Then the rows, loaded once. About a minute.
lookups.create_all(engine)          # tables exist: skipped, no inserts
with engine.connect() as cx:
    print(cx.execute(select(status).order_by(status.c.id)).all())

### slide::
### title:: The same through declarative
### note:: Point at __table_args__: the same helper works for models. About a
### note:: minute.
class Lookup(DeclarativeBase):
    pass


class Country(Lookup):
    __tablename__ = "country"
    __table_args__ = fixtures.Fixture(
        ("code", "name"), ("LT", "Lithuania"), ("GB", "United Kingdom"),
    ).table_kwargs()
    code: Mapped[str] = mapped_column(String(2), primary_key=True)
    name: Mapped[str] = mapped_column(String(40))


fresh(Lookup.metadata)

### slide::
### title:: The rows, through a Session
### note:: Point at the two country names in the result: the listener loaded
### note:: them during create_all. About a minute.
with Session(engine) as session:
    print(session.scalars(select(Country.name).order_by("code")).all())

### slide::
### title:: Two users to query
### note:: Reset the users table for the next slides; point at the two rows in
### note:: the INSERT parameters. About a minute.
with engine.begin() as cx:
    result = cx.execute(users.delete())
    result = cx.execute(users.insert(), [
        {"id": 1, "email": "jek@example.com", "name": "Jason"},
        {"id": 2, "email": "mike@example.com", "name": None},
    ])

### slide::
### title:: SQL expressions: select()
### note:: Point at the compiled SELECT and then its one row. Mention
### note:: select([..]) from old code. About a minute.
# 2010: ``select([users.c.id])``.  Now the columns are plain arguments,
# and a statement runs on a Connection: ``engine.execute`` is gone.
stmt = select(users.c.id).where(users.c.email.startswith("jek@"))
print(stmt.compile(engine))
with engine.connect() as cx:
    print(cx.execute(stmt).all())

### slide::
### title:: func: SQL functions by name
### note:: Point at soundex, which SQLAlchemy does not know, then at the three
### note:: spellings of aggregate_strings. About two minutes.
# ``func.NAME(...)`` renders ``NAME(...)``, known to SQLAlchemy or not.
# Some are known: their type is set, and a few compile per database.
# (``literal_binds`` shows the separator inline; otherwise it is a
# parameter, rendered at execution time.)
print(select(func.lower(users.c.email), func.soundex(users.c.name)))
joined = func.aggregate_strings(users.c.email, ", ")
for name in ("postgresql", "sqlite", "mariadb"):
    print(f"{name:<11}", joined.compile(
        dialect=dialects[name], compile_kwargs={"literal_binds": True}))
### claim:: ``func.NAME(...)`` renders ``NAME(...)``, known to SQLAlchemy or not.
### proof:: str(func.no_such_function(users.c.id, 2)) == "no_such_function(users.id, :no_such_function_1)"
### proof:: str(func.soundex(users.c.name)) == "soundex(users.name)"

### slide::
### title:: case()
### note:: Point at '(no name)' in the result. About a minute.
# Conditional values inside a statement: ``CASE``, standard SQL, the
# same on every database here.
shown_name = case(
    (users.c.name.is_(None), "(no name)"),
    else_=users.c.name,
).label("shown_name")
with engine.connect() as cx:
    print(cx.execute(select(users.c.id, shown_name).order_by("id")).all())
### claim:: Conditional values inside a statement: ``CASE``, standard SQL, the
### claim:: same on every database here.
### proof:: all("CASE WHEN (users.name IS NULL) THEN" in str(select(shown_name).compile(dialect=d)) for d in dialects.values())
### proof:: in_rollback(lambda cx: cx.execute(select(users.c.id, shown_name).order_by("id")).all()) == [(1, "Jason"), (2, "(no name)")]

### slide::
### title:: text(): when the SQL is the point
### note:: Point at 'typed result: datetime': columns() typed a text query. About
### note:: a minute, then the stamped_since exercise, about four.
# Vendor syntax the expression layer lacks, or a query pasted from
# elsewhere.  Bound parameters still apply; ``.columns()`` types results.
by_email = text("SELECT id, name FROM users WHERE email = :email")
with engine.connect() as cx:
    print(cx.execute(by_email, {"email": "jek@example.com"}).all())
    stamped_rows = text("SELECT id, updated_at FROM invoices").columns(
        updated_at=DateTime)
    row = cx.execute(stamped_rows).one()
print("typed result:", type(row.updated_at).__name__)
### exercise:: Make ``stamped_since``: a ``text()`` query for ``id`` and
### exercise:: ``updated_at`` of the ``invoices`` later than ``:since``, with the
### exercise:: parameter and the result column typed as ``DateTime``.
### hint:: .columns(updated_at=DateTime) types the result column
### hint:: .bindparams(bindparam("since", type_=DateTime)) types the parameter
### hint:: from sqlalchemy import bindparam
### check:: with engine.connect() as cx:
### check::     early = cx.execute(stamped_since, {"since": dt.datetime(1999, 1, 1)}).all()
### check::     later = cx.execute(stamped_since, {"since": dt.datetime(2000, 6, 1)}).all()
### check:: (len(early) == 1 and isinstance(early[0].updated_at, dt.datetime)
### check::  and early[0].id == 1 and later == [])
### solution:: from sqlalchemy import bindparam
### solution:: stamped_since = text(
### solution::     "SELECT id, updated_at FROM invoices WHERE updated_at > :since"
### solution:: ).bindparams(bindparam("since", type_=DateTime)).columns(
### solution::     updated_at=DateTime)

### slide:: b
### title:: Where each fits
### note:: A summary slide; ask the room which one they reach for first. About a
### note:: minute.
### * ``select()``: queries you compose, reuse, or build from parts
### * ``func``: SQL functions by name, ``NAME(a, b)``; no extension needed
### * ``case()``: conditions inside one statement
### * ``text()``: fixed SQL, vendor syntax; fragments inside ``select()``
### * The compiler extension: one Python name, native SQL per database

### slide::
### title:: The compiler extension: utcnow
### note:: Walk the class, then the PostgreSQL compile function. About two
### note:: minutes.
# A SQL construct is a class; ``@compiles`` gives its SQL, per dialect.
# Since 1.4 (with the SQL compilation cache): ``inherit_cache = True``
# lets it share the cache.
source(utcnow_module.utcnow)
source(utcnow_module.compile_postgresql)

### slide::
### title:: One construct, native SQL per database
### note:: Read the rows top to bottom: one name, four spellings. Then the
### note:: greatest() exercise, about five minutes.
# PostgreSQL: ``statement_timestamp()`` rather than ``now()``, which
# is frozen at the start of the transaction.
for name, dialect in dialects.items():
    print(f"{name:<11}", select(utcnow()).compile(dialect=dialect))
print(f"{'other':<11}", select(utcnow()))
### exercise:: A construct of your own: ``greatest(a, b)``, a ``FunctionElement``
### exercise:: (``inherit_cache = True``) that compiles to ``GREATEST(a, b)``,
### exercise:: and on SQLite, which has no GREATEST, to ``max(a, b)``.
### hint:: @compiles(greatest) for the default, @compiles(greatest, "sqlite") for SQLite
### hint:: a, b = (compiler.process(c, **kw) for c in element.clauses)
### check:: from sqlalchemy import literal
### check:: both = greatest(literal(3), literal(7))
### check:: db = create_engine("sqlite://")
### check:: with db.connect() as cx:
### check::     biggest = cx.scalar(select(both))
### check:: db.dispose()
### check:: on_pg = str(select(both).compile(dialect=dialects["postgresql"]))
### check:: greatest.__dict__.get("inherit_cache") is True and biggest == 7 and "GREATEST(" in on_pg
### solution:: class greatest(FunctionElement):
### solution::     type = Integer()
### solution::     name = "greatest"
### solution::     inherit_cache = True
### solution::
### solution:: @compiles(greatest)
### solution:: def greatest_default(element, compiler, **kw):
### solution::     a, b = (compiler.process(c, **kw) for c in element.clauses)
### solution::     return f"GREATEST({a}, {b})"
### solution::
### solution:: @compiles(greatest, "sqlite")
### solution:: def greatest_sqlite(element, compiler, **kw):
### solution::     a, b = (compiler.process(c, **kw) for c in element.clauses)
### solution::     return f"max({a}, {b})"

### slide::
### title:: UTC, whatever the session's time zone
### note:: Set up the experiment: a clock table and a test for the right
### note:: instant. Ask which of the three clocks the room trusts. About a minute.
# A timestamp column is a naive ``DateTime``: it keeps wall-clock time.
# PostgreSQL's ``now()`` is the right instant (a ``timestamptz``), but
# stored into a ``TIMESTAMP`` column it becomes the session's local time;
# MariaDB's ``NOW()`` is local time already.  SQLite's is UTC.
def right_instant(value):
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return close_to_now(value)
clock = Table("clock", MetaData(), Column("id", Integer, primary_key=True),
              Column("at", DateTime))
with unechoed():
    clock.drop(engine, checkfirst=True)
    clock.create(engine)

### slide::
### title:: A session far ahead of UTC
### note:: MariaDB rejects +14:00 (range is -12:59..+13:00); named zones need
### note:: mysql_tzinfo_to_sql.
### claim:: MariaDB rejects +14:00 (range is -12:59..+13:00); named zones need
### claim:: mysql_tzinfo_to_sql.
### proof:: not on_mariadb or all(refused(f"SET time_zone = '{z}'") for z in ("+14:00", "+13:01", "-13:00", "Europe/Paris"))
### proof:: not on_mariadb or in_rollback(lambda cx: cx.scalar(text("SELECT COUNT(*) FROM mysql.time_zone_name"))) == 0
# On the servers we put the session 13-14 hours ahead of UTC first.
with engine.connect() as cx:
    if on_postgresql:
        result = cx.execute(text("SET TIME ZONE 'Pacific/Kiritimati'"))
    elif on_mariadb:
        result = cx.execute(text("SET time_zone = '+13:00'"))
    returned = cx.scalar(select(func.now()))
    result = cx.execute(clock.insert().values(id=1, at=func.now()))
    result = cx.execute(clock.insert().values(id=2, at=utcnow()))
    stored = dict(cx.execute(select(clock.c.id, clock.c.at)).all())
    cx.rollback()
    if on_mariadb:  # there a SET outlives the transaction: undo it
        result = cx.execute(text("SET time_zone = DEFAULT"))
### claim:: On the servers we put the session 13-14 hours ahead of UTC first.
### proof:: not on_postgresql or returned.utcoffset() == dt.timedelta(hours=14)
### proof:: not on_mariadb or abs(returned - dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(hours=13)) < dt.timedelta(minutes=1)

### slide::
### title:: What each clock stored
### note:: Read the three lines; on SQLite they agree. With --db postgresql or
### note:: mariadb, point at the now() stored line: False. About two minutes.
print("now() returns the right instant:", right_instant(returned),
      "| time zone attached:", returned.tzinfo is not None)
print("now() stored in a DateTime column is UTC:", close_to_now(stored[1]))
print("utcnow() stored in a DateTime column is UTC:",
      close_to_now(stored[2]))

### slide::
### title:: The 2010 PostgreSQL SQL was wrong
### note:: On SQLite this prints the note for PostgreSQL. With --db postgresql
### note:: point at 'is UTC: False'. About a minute.
# ``TIMESTAMP 'now'`` is local wall-clock time; ``AT TIME ZONE 'utc'``
# then declares it to be UTC.  Right only where the session's time zone
# is UTC.  (It gets worse: next slide.)
if on_postgresql:
    with engine.connect() as cx:
        result = cx.execute(text("SET TIME ZONE 'Pacific/Kiritimati'"))
        old = cx.scalar(text("SELECT TIMESTAMP 'now' AT TIME ZONE 'utc'"))
    old_in_utc = old.astimezone(dt.UTC).replace(tzinfo=None)
    print("2010 form is UTC:", close_to_now(old_in_utc))
else:
    print("(PostgreSQL only: run with --db postgresql)")
### claim:: Right only where the session's time zone is UTC.
### proof:: not on_postgresql or not close_to_now(old_in_utc)
### proof:: not on_postgresql or close_to_now(in_rollback(lambda cx: (cx.execute(text("SET LOCAL TIME ZONE 'UTC'")), cx.scalar(text("SELECT TIMESTAMP 'now' AT TIME ZONE 'utc'")))[1]).astimezone(dt.UTC).replace(tzinfo=None))

### slide::
### title:: TIMESTAMP 'now' is frozen by prepared statements
### note:: Walk the helper: eight INSERTs, each committed, then it lists the
### note:: ones whose stamp repeats the one before. About a minute.
# ``'now'`` is a literal, turned into a timestamp when the statement is
# parsed.  The helper: eight INSERTs on one connection, each its own
# transaction; it names those whose stamp repeats the one before.
stamps = Table("stamps", MetaData(), Column("n", Integer, primary_key=True),
               Column("at", DateTime))
def insert_eight(value_sql):
    with unechoed():
        stamps.drop(engine, checkfirst=True)
        stamps.create(engine)
        with engine.connect() as cx:
            for n in range(1, 9):
                cx.execute(text(
                    f"INSERT INTO stamps (n, at) VALUES (:n, {value_sql})"),
                    {"n": n})
                cx.commit()
                time.sleep(0.002)
            at = cx.scalars(select(stamps.c.at).order_by(stamps.c.n)).all()
        stamps.drop(engine)
    return [f"{n + 2}" for n, (a, b) in enumerate(zip(at, at[1:], strict=False))
            if a == b]

### slide::
### title:: Eight INSERTs: TIMESTAMP 'now' against utcnow()
### note:: With --db postgresql, point at the repeated stamps for TIMESTAMP 'now'
### note:: and the empty list for utcnow(). About two minutes.
# psycopg 3 prepares a statement on the server once it has run it
# ``prepare_threshold`` times (5): from then on every INSERT stores the
# time of preparing.
if on_postgresql and engine.driver == "psycopg":
    frozen = insert_eight("TIMESTAMP 'now'")
    moving = insert_eight(now_sql["postgresql"])
    print("INSERTs that repeat the stamp before them:")
    print("  TIMESTAMP 'now':", frozen)
    print("  utcnow():       ", moving)
else:
    print("(PostgreSQL with psycopg only: run with --db postgresql)")
### claim:: psycopg 3 prepares a statement on the server once it has run it
### claim:: ``prepare_threshold`` times (5): from then on every INSERT stores
### claim:: the time of preparing.
### proof:: not (on_postgresql and engine.driver == "psycopg") or (frozen == ["7", "8"] and moving == [])
### proof:: not (on_postgresql and engine.driver == "psycopg") or in_rollback(lambda cx: cx.connection.dbapi_connection.prepare_threshold) == 5

### slide::
### title:: now() is frozen per transaction (PostgreSQL)
### note:: clock_timestamp() would differ row by row inside one INSERT;
### note:: statement_timestamp() is the middle ground.
if on_postgresql:
    with engine.begin() as cx:
        first = cx.execute(select(utcnow(), func.now())).one()
        result = cx.execute(text("SELECT pg_sleep(0.05)"))
        second = cx.execute(select(utcnow(), func.now())).one()
    print("now() moved:", second[1] > first[1])
    print("utcnow() moved:", second[0] > first[0])
else:
    print("(PostgreSQL only: run with --db postgresql)")

### slide::
### title:: As a default and onupdate
### note:: Point at the SQL function inside the INSERT and the UPDATE. About a
### note:: minute.
# That is how the timestamps case study used it: the column's SQL runs
# inside the INSERT and UPDATE statements.
print(invoices.insert().values(id=2, total=1).compile(engine))
print(invoices.update().values(total=13).compile(engine))

### slide:: e
### title:: Forgetting inherit_cache
### note:: Ask whether this runs. Point at the warning about SQL compilation
### note:: caching. About a minute.
# A construct without ``inherit_cache``: SQLAlchemy warns, and compiles
# every statement that contains it anew instead of caching it.
class utcnow_uncached(FunctionElement):
    type = DateTime()
    name = "utcnow_uncached"


@compiles(utcnow_uncached)
def compile_uncached(element, compiler, **kw):
    return "CURRENT_TIMESTAMP"


with warnings.catch_warnings():
    warnings.simplefilter("error")
    with engine.connect() as cx:
        cx.execute(select(utcnow_uncached()))
### claim:: A construct without ``inherit_cache``: SQLAlchemy warns, and compiles
### claim:: every statement that contains it anew instead of caching it.
### proof:: cache_entries(select(utcnow_uncached())) == 0
### proof:: cache_entries(select(utcnow())) == 1

### slide::
### title:: One more: find(haystack, needle)
### note:: Walk the three compile functions; point at the swapped argument order.
### note:: About two minutes.
# Where ``func`` cannot help: the databases disagree on names AND
# argument order.  The default is standard SQL's ``POSITION``.
class find(FunctionElement):
    """1-based position of needle in haystack; 0 if absent."""
    type = Integer()
    name = "find"
    inherit_cache = True


@compiles(find)
def find_standard(element, compiler, **kw):
    haystack, needle = (compiler.process(c, **kw) for c in element.clauses)
    return f"POSITION({needle} IN {haystack})"


@compiles(find, "sqlite")
def find_sqlite(element, compiler, **kw):
    haystack, needle = (compiler.process(c, **kw) for c in element.clauses)
    return f"instr({haystack}, {needle})"


@compiles(find, "mssql")
def find_mssql(element, compiler, **kw):
    haystack, needle = (compiler.process(c, **kw) for c in element.clauses)
    return f"CHARINDEX({needle}, {haystack})"
### claim:: Where ``func`` cannot help: the databases disagree on names AND
### claim:: argument order.
### proof:: [str(find(users.c.email, "@").compile(dialect=dialects[n])).split("(")[0] for n in ("sqlite", "mssql", "postgresql")] == ["instr", "CHARINDEX", "POSITION"]
### proof:: str(find(users.c.email, "@").compile(dialect=dialects["sqlite"])).startswith("instr(users.email,")
### proof:: str(find(users.c.email, "@").compile(dialect=dialects["mssql"])).endswith(", users.email)")

### slide::
### title:: find() on each database
### note:: Read the rows per dialect, then the positions in the result. Then the
### note:: LOCATE exercise, about three minutes.
at_sign = find(users.c.email, "@")
for name, dialect in dialects.items():
    print(f"{name:<11}", at_sign.compile(dialect=dialect))
with engine.connect() as cx:
    print(cx.execute(select(users.c.email, at_sign).order_by("id")).all())
### exercise:: MariaDB has ``LOCATE(needle, haystack)``: compile ``find``
### exercise:: to it for the ``"mariadb"`` and ``"mysql"`` dialect names
### exercise:: (``@compiles`` matches the exact name: one does not cover both).
### hint:: @compiles(find, "mariadb") and @compiles(find, "mysql"), stacked
### check:: all("LOCATE(" in str(at_sign.compile(dialect=d))
### check::     for d in (dialects["mariadb"], mysql.dialect()))
### solution:: @compiles(find, "mariadb")
### solution:: @compiles(find, "mysql")
### solution:: def find_mysql(element, compiler, **kw):
### solution::     haystack, needle = (compiler.process(c, **kw)
### solution::                         for c in element.clauses)
### solution::     return f"LOCATE({needle}, {haystack})"

### slide:: b
### title:: Part 2: what we added
### note:: Recap the bullets, take questions, then open part three. About two
### note:: minutes.
### * Factory functions and mixins instead of subclassing ``Table``
### * ``TypeDecorator`` for new Python types; ``cache_ok = True``
### * ``UserDefinedType`` for database types SQLAlchemy lacks
### * ``.info`` for your own metadata; ``comment=`` for the database's
### * DDL events, ``DDL().execute_if()``, ``listeners=``
### * ``@compiles`` for native SQL per database; ``inherit_cache = True``
### * Up next, part 3: the ORM
engine.dispose()   # the deck is over: its pooled connections close
