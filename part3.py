"""Part 3: the ORM and its extension points.  Run: python part3.py  (or: sliderepl part3.py)"""
if __name__ == "__main__":
    import sliderepl.launch
    sliderepl.launch.deck(__file__)   # runs the deck, then exits

### target:: 75m
### predict:: errors
### slide:: s
import collections
import contextlib
import dataclasses
import gc
import logging
import threading
import warnings

from sqlalchemy import (
    Column, ForeignKey, Integer, MetaData, String, Table, create_engine,
    event, func, insert, inspect, make_url, select,
)
from sqlalchemy.orm import (
    ColumnProperty, DeclarativeBase, InstanceEvents, Mapped, MapperEvents,
    Query, Session, SessionEvents, attribute_keyed_dict, column_property,
    composite, mapped_column, registry, relationship, scoped_session,
    selectinload, sessionmaker,
)
from sqlalchemy.orm.attributes import get_history
from sqlalchemy.orm.collections import collection
from sqlalchemy.exc import TimeoutError as TimeoutError_
from sqlalchemy.orm.exc import DetachedInstanceError

from casestudies import (
    auto_add, contextual_defaults, object_managers, soft_delete,
)
from casestudies.audit_log import updated_by_column
from workshop_db import resolve_url
from workshop_db.scratch import sqlite_file_url
from sliderepl.show import source

url = resolve_url()
backend = make_url(url).get_backend_name()   # sqlite, postgresql, mariadb
if backend == "sqlite" and make_url(url).database in (None, "", ":memory:"):
    # Threads and a one-connection pool below need a database several
    # connections share: a file instead of SQLite in memory.
    url = sqlite_file_url("part3.db")   # its folder is removed at exit
engine = create_engine(url)


from workshop_db.quiet import unechoed   # SQL not the slide's point: off screen


def fresh(metadata, tables=None):
    """Drop and create ``metadata``'s tables (or just ``tables``) without
    echoing the DDL, which is not what part 3 is about: slides can be
    re-run."""
    with unechoed():
        metadata.drop_all(engine, tables=tables)
        metadata.create_all(engine, tables=tables)


def excerpt(shown, start=None, stop=None):
    """The lines of a ``source()`` from the first holding ``start`` (else
    its first line) up to the next holding ``stop`` (not included; else
    to the end), with the file's own line numbers: a recipe's lines that
    fit a slide."""
    lines = shown.text.splitlines(keepends=True)
    first = next(n for n, line in enumerate(lines)
                 if start is None or start in line)
    last = next((n for n, line in enumerate(lines)
                 if n > first and stop is not None and stop in line),
                len(lines))
    return dataclasses.replace(shown, text="".join(lines[first:last]),
                               first_line=shown.first_line + first)


def raised(call, *args, **kw):
    """The exception ``call(*args, **kw)`` raises, else None (proofs)."""
    try:
        call(*args, **kw)
    except Exception as exc:
        return exc
    return None


def orm_statements(work):
    """What a ``do_orm_execute`` listener hears while ``work(session)``
    runs in a session of its own, rolled back after (proofs)."""
    heard = []
    factory = sessionmaker(engine)
    event.listen(factory, "do_orm_execute", lambda state: heard.append(
        "select" if state.is_select else type(state.statement).__name__))
    with factory() as session:
        work(session)
        session.rollback()
    return heard


### slide:: b
### title:: Part 3: the ORM and its extension points
### note:: Welcome back. Point at ``this deck is running on:``: the database we use today.
### note:: Walk the bullets as a map of the next hour and a quarter; about two minutes.
# Part 1 was connections and pools, part 2 tables and SQL.  Part 3 is
# the ORM built on them, and the places where you can hook into it.
### * Mapping: imperative and declarative, one Mapper either way
### * Extension points: the safe ones, and the risky ones
### * Sessions: one class, a factory, a registry; session events
### * Attribute history, autoflush, expire_on_commit
### * Extending queries: then ``Query``, now ``select()`` and ``do_orm_execute``
### * Case studies: soft delete, contextual defaults, auto-add, object managers
### * Then: the Session in depth
print("this deck is running on:", backend)

### slide:: e
### title:: 2010: mapper() and relation()
### note:: Ask the room what this old call will do before Enter runs it. Point at the
### note:: error's message: it names ``registry.map_imperatively``, the way forward. About
### note:: a minute.
# The 2010 slides mapped a class with ``mapper(User, users_table,
# properties={"comments": relation(Comment, backref="posted_by")})``.
# ``relation`` is gone (it is ``relationship``); ``mapper()`` is still
# there, but only to say where to go instead.
from sqlalchemy.orm import mapper
mapper(object, Table("t", MetaData(), Column("id", Integer, primary_key=True)))
### claim:: ``relation`` is gone (it is ``relationship``); ``mapper()`` is still
### claim:: there, but only to say where to go instead
### proof:: not hasattr(__import__("sqlalchemy.orm", fromlist=["orm"]), "relation")
### proof:: "map_imperatively" in str(raised(mapper, object, None))

### slide::
### title:: Imperative mapping: a registry maps a plain class
### note:: Point at the two separate pieces: the Tables first, then the classes, joined by
### note:: ``map_imperatively``. Ask who still has code in this classical style. About two
### note:: minutes.
# The classical style lives on as ``registry.map_imperatively``: the
# Table and the class are written separately, then joined.
mapper_registry = registry()
plain_users = Table(
    "p3_plain_users", mapper_registry.metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(50)),
)
plain_comments = Table(
    "p3_plain_comments", mapper_registry.metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", ForeignKey("p3_plain_users.id")),
    Column("text", String(200)),
)


class PlainUser:
    def __repr__(self):
        return f"PlainUser({self.name!r})"


class PlainComment:
    pass


plain_mapper = mapper_registry.map_imperatively(
    PlainUser, plain_users,
    properties={"comments": relationship(PlainComment, backref="posted_by")},
)
comment_mapper = mapper_registry.map_imperatively(PlainComment, plain_comments)

### slide::
### title:: Declarative: the same, written in the class
### note:: The same two tables, now written inside the classes. Point at ``Mapped[...]``,
### note:: ``mapped_column()`` and ``back_populates``, which replaces the backref. About
### note:: two minutes.
# ``DeclarativeBase`` carries a registry; ``Mapped[...]`` annotations and
# ``mapped_column()`` make the Table from the class body.
class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "p3_users"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    email: Mapped[str | None] = mapped_column(String(100))
    comments: Mapped[list["Comment"]] = relationship(
        back_populates="posted_by")

    def __repr__(self):
        return f"User({self.name!r})"


class Comment(Base):
    __tablename__ = "p3_comments"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("p3_users.id"))
    text: Mapped[str] = mapped_column(String(200))
    posted_by: Mapped[User] = relationship(back_populates="comments")

    def __repr__(self):
        return f"Comment({self.text!r})"

### slide::
### title:: Both end in the same Mapper
### note:: Point at the two ``Mapper ->`` lines: the same shape for both classes, then the
### note:: ``InstrumentedAttribute`` pair. Ask which style people would pick for a new
### note:: project. About two minutes.
# Either way the class gets a ``Mapper``, a ``Table`` and instrumented
# attributes.  The rest of the ORM only sees those, so everything after
# this point works the same for both.
for cls in (PlainUser, User):
    m = inspect(cls)
    print(f"{cls.__name__:9} {type(m).__name__} -> {m.local_table.name}",
          [c.key for c in m.columns], list(m.relationships.keys()))

type(PlainUser.name).__name__, type(User.name).__name__
inspect(PlainComment).relationships.posted_by.mapper is plain_mapper
### claim:: The rest of the ORM only sees those, so everything after
### claim:: this point works the same for both
### proof:: type(inspect(PlainUser)) is type(inspect(User))
### proof:: type(PlainUser.name) is type(User.name)
### proof:: type(PlainUser.comments.property) is type(User.comments.property)

### slide::
### title:: Our tables, and a little data
### note:: Setup for the slides ahead: two users, jek and mike. Point at the INSERT in the
### note:: echo and move on; about a minute.
fresh(Base.metadata)
with Session(engine) as session:
    session.add_all([
        User(name="jek", email="jek@example.com"),
        User(name="mike", email="mike@example.com"),
    ])
    session.commit()

### slide:: b
### title:: The main extension points
### note:: Reveal the bullets one by one, then point at the hook count printed for each
### note:: events class. Ask which hooks people have used. About two minutes.
# In 2010: ``MapperExtension`` and ``SessionExtension`` classes with a
# method per hook.  Now: one listener per event, through ``event.listen``.
### * Mapper events: ``instrument_class``, ``before_insert``, ``after_update``...
### * Instance events: ``init``, ``init_failure``, ``load``, ``refresh``...
### * Session events: transaction boundaries and the flush
### * Listen on one class, on a base with ``propagate=True``, or on ``Mapper``
for events in (MapperEvents, InstanceEvents, SessionEvents):
    hooks = [n for n in dir(events) if not n.startswith("_")
             and n != "dispatch"]
    print(f"{events.__name__:15} {len(hooks):2} hooks:", ", ".join(hooks[:4]),
          "...")

### slide::
### title:: The extension classes are gone; EXT_STOP is a leftover
### note:: Ask first: will ``EXT_STOP`` stop the second listener? Point at ``listeners that
### note:: ran:``: both ran. About two minutes.
# ``EXT_CONTINUE`` and ``EXT_STOP`` can still be imported, but nothing
# reads a listener's return value to decide whether the next one runs:
# all of them run.
from sqlalchemy.orm import EXT_STOP

ran = []


def stopper(mapper, connection, target):
    ran.append("stopper")
    return EXT_STOP                     # 2010: "skip the rest"


def next_one(mapper, connection, target):
    ran.append("next one")


event.listen(User, "before_insert", stopper)
event.listen(User, "before_insert", next_one)
with Session(engine) as session:
    session.add(User(name="nobody"))
    session.flush()
    session.rollback()

print("listeners that ran:", ran)
event.remove(User, "before_insert", stopper)
event.remove(User, "before_insert", next_one)
### claim:: ``EXT_CONTINUE`` and ``EXT_STOP`` can still be imported, but nothing
### claim:: reads a listener's return value to decide whether the next one runs:
### claim:: all of them run
### proof:: ran == ["stopper", "next one"]

### slide:: e
### title:: ...and MapperExtension itself is gone
### note:: Ask the room what this import does today. Point at the ImportError. Under a
### note:: minute.
# ``MapperExtension`` and ``SessionExtension`` were removed.
from sqlalchemy.orm import MapperExtension

### slide::
### title:: A mapper event at work: before_insert
### note:: Point at the ``before_insert:`` line, then at the stored text ``['hello']``: the
### note:: listener stripped it inside the flush. Ask what else people would tidy here.
### note:: About two minutes.
# What ``MapperExtension.before_insert`` did: the listener gets the mapper,
# the flush's connection and the object, and may set this row's own columns.
@event.listens_for(Comment, "before_insert")
def tidy(mapper, connection, target):
    print("  before_insert:", target, "for", mapper.class_.__name__)
    target.text = target.text.strip()


with Session(engine) as session:
    session.add(Comment(text="  hello  ", posted_by=session.get(User, 1)))
    session.flush()
    print(session.scalars(select(Comment.text)).all())

event.remove(Comment, "before_insert", tidy)

### slide:: b
### title:: More extension points: the safe ones
### note:: A signpost: read the four bullets and say the next slides take them in order.
### note:: Under a minute.
### * Collection classes: a relationship as a set, a dict, your own class
### * Composites: several columns, one Python value
### * Custom comparators: what ``User.email == "x"`` means in SQL
### * ``Session`` and ``Query`` subclasses (later in this part)

### slide::
### title:: A relationship as a dict
### note:: Point at the last echo, ``{'Dune': Book('Dune')}``: the relationship is a dict
### note:: keyed by title. Ask what key your own data would use. About a minute.
# ``collection_class`` decides what the attribute holds; the
# ``attribute_keyed_dict`` helper keys the objects by one of their
# attributes.
class Shelf(Base):
    __tablename__ = "p3_shelves"
    id: Mapped[int] = mapped_column(primary_key=True)
    books: Mapped[dict[str, "Book"]] = relationship(
        collection_class=attribute_keyed_dict("title"))


class Book(Base):
    __tablename__ = "p3_books"
    id: Mapped[int] = mapped_column(primary_key=True)
    shelf_id: Mapped[int] = mapped_column(ForeignKey("p3_shelves.id"))
    title: Mapped[str] = mapped_column(String(100))

    def __repr__(self):
        return f"Book({self.title!r})"


shelf = Shelf()
shelf.books["Dune"] = Book(title="Dune")
shelf.books

### slide::
### title:: A collection class of your own
### note:: Walk the three decorators: appender, remover, iterator. Ask the room which one
### note:: the ORM calls when it loads rows; the next slide answers. About two minutes.
# A class of your own works once it tells the ORM how to add, remove
# and iterate: the ``@collection`` decorators.  The ORM calls the
# appender when it loads rows, and instruments it, so your own calls are
# tracked changes.
# (2010: the same decorators, in ``sqlalchemy.orm.collections``.)
class ByYear:
    """Bottles grouped by vintage."""
    def __init__(self):
        self.years = {}

    @collection.appender
    def add(self, bottle):
        self.years.setdefault(bottle.year, []).append(bottle)

    @collection.remover
    def remove(self, bottle):
        self.years[bottle.year].remove(bottle)

    @collection.iterator
    def __iter__(self):
        return (b for year in sorted(self.years) for b in self.years[year])

### slide::
### title:: Mapped with collection_class=ByYear
### note:: Point at ``collection_class=ByYear`` on the relationship; the rest is a plain
### note:: one-to-many. About a minute.
class Cellar(Base):
    __tablename__ = "p3_cellars"
    id: Mapped[int] = mapped_column(primary_key=True)
    bottles: Mapped[ByYear] = relationship(
        "Bottle", collection_class=ByYear, order_by="Bottle.id")


class Bottle(Base):
    __tablename__ = "p3_bottles"
    id: Mapped[int] = mapped_column(primary_key=True)
    cellar_id: Mapped[int] = mapped_column(ForeignKey("p3_cellars.id"))
    year: Mapped[int]
    name: Mapped[str] = mapped_column(String(50))


fresh(Base.metadata, tables=[Cellar.__table__, Bottle.__table__])

### slide::
### title:: Your collection class at work: tracked
### note:: Point at ``tracked: 3 added``: our own ``add()`` calls are changes the session
### note:: sees, and the flush INSERTs the bottles. About a minute.
with Session(engine) as session:
    cellar = Cellar()
    for year, name in [(2019, "rioja"), (2015, "barolo"), (2019, "chianti")]:
        cellar.bottles.add(Bottle(year=year, name=name))
    print("tracked:", len(inspect(cellar).attrs.bottles.history.added),
          "added")
    session.add(cellar)
    session.flush()
    cellar_id = cellar.id
    session.commit()

### slide::
### title:: ...and filled on load
### note:: Point at the ``loaded:`` line grouped by year: the ORM filled our class through
### note:: its appender, one bottle per row. About a minute.
with Session(engine) as session:
    loaded = session.get(Cellar, cellar_id).bottles
    print("loaded:", {year: [b.name for b in bottles]
                      for year, bottles in loaded.years.items()})

### slide::
### title:: Composites: two columns, one value
### note:: Point at the composite's value and at the WHERE clause comparing both columns.
### note:: Then hand over the exercise; give the room about five minutes.
# A plain dataclass becomes one attribute over two columns, and compares
# as one value in SQL.
@dataclasses.dataclass
class Point:
    x: int
    y: int


class Place(Base):
    __tablename__ = "p3_places"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[Point] = composite(mapped_column("x"), mapped_column("y"))


Place(at=Point(1, 2)).at
print(select(Place.id).where(Place.at == Point(1, 2)))
### exercise:: A computed attribute that also works in SQL: map ``Box`` (table
### exercise:: ``p3_boxes``: ``id``, ``width``, ``height``) with a hybrid property
### exercise:: ``area``: ``width * height`` on an object, and the same expression
### exercise:: in a ``select()``'s WHERE clause.
### hint:: from sqlalchemy.ext.hybrid import hybrid_property
### hint:: a plain @property works on objects only: Box.area > 5 needs the hybrid
### hint:: to try again after a wrong Box: !rerun first (a mapped class is defined once per namespace)
### check:: db = create_engine("sqlite://")
### check:: Box.__table__.create(db)
### check:: with Session(db) as s:
### check::     s.add_all([Box(width=2, height=3), Box(width=1, height=1)])
### check::     s.flush()
### check::     big = s.scalars(select(Box.width).where(Box.area > 5)).all()
### check:: db.dispose()
### check:: Box(width=2, height=3).area == 6 and big == [2]
### solution:: from sqlalchemy.ext.hybrid import hybrid_property
### solution::
### solution:: class Box(Base):
### solution::     __tablename__ = "p3_boxes"
### solution::     id: Mapped[int] = mapped_column(primary_key=True)
### solution::     width: Mapped[int]
### solution::     height: Mapped[int]
### solution::
### solution::     @hybrid_property
### solution::     def area(self):
### solution::         return self.width * self.height
### solution::
### solution:: print(select(Box.id).where(Box.area > 5))

### slide::
### title:: A custom comparator: case-insensitive email
### note:: Point at the printed WHERE clause: ``lower(...) = lower(...)`` on both sides.
### note:: Ask what other comparison you would redefine this way. About a minute.
# ``comparator_factory`` decides the SQL that Python operators produce
# on the class attribute.
class CaseInsensitive(ColumnProperty.Comparator):
    def __eq__(self, other):
        return func.lower(self.__clause_element__()) == func.lower(other)


class Subscriber(Base):
    __tablename__ = "p3_subscribers"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = column_property(
        Column(String(100)), comparator_factory=CaseInsensitive)


print(select(Subscriber.id).where(Subscriber.email == "JEK@Example.com"))

### slide:: b
### title:: The risky ones
# Still there, still easy to get wrong.
### * Instrumentation (``sqlalchemy.ext.instrumentation``): replacing how a class keeps its state; it has to agree with the rest of the ORM's internals
### * Attribute events (2010: ``AttributeExtension``): run inside the ORM's own bookkeeping, at each assignment in Python; with ``retval=True`` they replace the value
### * Attribute events do not fire for rows loaded from the database; the instance event ``load`` does (two slides on): the place to validate stored data
### * For checking values on the way in, ``@validates`` is simpler
### note:: Instrumentation is shown in no slide on purpose: the point is to not reach for it.

### slide::
### title:: An attribute event, and what it does not see
### note:: Ask first: how many times does the listener run? Point at ``('ed', 1)``, then at
### note:: ``listener calls: 1`` after the load. Then the exercise, about five minutes.
# It runs for the constructor's assignment, not for the row loaded from
# the database.
calls = []


@event.listens_for(User.name, "set", retval=True)
def strip_name(target, value, oldvalue, initiator):
    calls.append(value)
    return value.strip()


User(name="  ed  ").name, len(calls)
with Session(engine) as session:
    jek = session.scalars(select(User).filter_by(name="jek")).one()
    print("loaded:", jek, "| listener calls:", len(calls))

event.remove(User.name, "set", strip_name)
### claim:: It runs for the constructor's assignment, not for the row
### claim:: loaded from the database
### proof:: len(calls) == 1 and jek.name == "jek"
### exercise:: Tidy e-mail addresses on the way in: listen for ``set`` on
### exercise:: ``Subscriber.email`` with ``retval=True`` so that an address is
### exercise:: stored stripped and in lower case, whether given to the
### exercise:: constructor or assigned later.
### hint:: the listener gets (target, value, oldvalue, initiator) and returns the value to keep
### check:: sub = Subscriber(email="  Ann@Example.COM ")
### check:: first = sub.email
### check:: sub.email = "Bob@Example.com"
### check:: first == "ann@example.com" and sub.email == "bob@example.com"
### solution:: @event.listens_for(Subscriber.email, "set", retval=True)
### solution:: def tidy_email(target, value, oldvalue, initiator):
### solution::     return value.strip().lower() if value is not None else None
### solution::
### solution:: Subscriber(email=" JEK@Example.com").email

### slide::
### slide::
### title:: What does see loaded rows: the load event
### note:: Point at ``load saw: ['jek']``: the second query found jek in the identity map,
### note:: so ``load`` ran once. About a minute.
# The instance event ``load`` runs once for each object built from a
# row (``refresh`` when one is reloaded): a place to check stored data.
loaded = []


@event.listens_for(User, "load")
def check_stored(target, context):
    loaded.append(target.name)


with Session(engine) as session:
    jek = session.scalars(select(User).filter_by(name="jek")).one()
    again = session.scalars(select(User).filter_by(name="jek")).one()
    print("load saw:", loaded)

event.remove(User, "load", check_stored)
### claim:: The instance event ``load`` runs once for each object built from a row
### proof:: loaded == ["jek"] and again is jek

### slide::
### title:: Session(), sessionmaker(), scoped_session(): one Session class
### note:: Point at the three ``'Session'`` names. Ask what ``sessionmaker`` adds, then;
### note:: the next two slides answer. About a minute.
# ``Session()``, ``sessionmaker()()``, ``scoped_session(...)()``: each
# gives you an instance of ``sqlalchemy.orm.Session``.
Factory = sessionmaker(engine)
Registry = scoped_session(Factory)
made = [Session(engine), Factory(), Registry()]
[type(s).__name__ for s in made]
for s in made:
    s.close()
### claim:: each gives you an instance of ``sqlalchemy.orm.Session``
### proof:: all(isinstance(s, Session) for s in made)

Registry.remove()

### slide::
### title:: sessionmaker is a factory
### note:: Point at ``('Session', True)``, then at ``autoflush: False`` after
### note:: ``configure()``: configure at startup, call it anywhere. About a minute.
# It keeps the class and keyword arguments, and calls the class with
# them: configure once where the application starts, call it anywhere.
Factory.class_.__name__, Factory.kw["bind"] is engine
Factory.configure(autoflush=False)
with Factory() as s:
    print("autoflush:", s.autoflush)

Factory.configure(autoflush=True)

### slide::
### title:: scoped_session is a registry
### note:: Ask the room to predict the three printed lines before Enter. Point at ``another
### note:: thread's: False``. About two minutes.
# One session per thread (or per whatever ``scopefunc`` returns), made on
# first use and kept until ``remove()``.
first = Registry()
print("same one again:", Registry() is first)
elsewhere = []
worker = threading.Thread(target=lambda: elsewhere.append(Registry()))
worker.start()
worker.join()
print("another thread's:", elsewhere[0] is first)
Registry.remove()
print("after remove():", Registry() is first)
Registry.remove()
### exercise:: Scope by something else: make ``tenant = {"id": 1}`` and
### exercise:: ``PerTenant``, a ``scoped_session`` of ``Factory`` that keeps one
### exercise:: session per value of ``tenant["id"]``.
### hint:: scoped_session(Factory, scopefunc=...) calls scopefunc for the key of the current session
### hint:: scopefunc=lambda: tenant["id"]
### check:: tenant["id"] = "a"
### check:: a = PerTenant()
### check:: tenant["id"] = "b"
### check:: b = PerTenant()
### check:: PerTenant.remove()
### check:: tenant["id"] = "a"
### check:: again = PerTenant()
### check:: PerTenant.remove()
### check:: a is again and a is not b and isinstance(a, Session)
### solution:: tenant = {"id": 1}
### solution:: PerTenant = scoped_session(Factory, scopefunc=lambda: tenant["id"])
### solution:: PerTenant() is PerTenant()
### note:: Exercise: ``scopefunc`` picks the key; a tenant instead of a thread. Five minutes.

### slide::
### title:: Extend by wrapping
### note:: Point at ``committing as 7``: an info dict plus a listener on the one session
### note:: the wrapper made. About a minute.
# 2010: a function built a Session with an extension and an ``info``
# dict.  ``Session.info`` is built in now; a wrapper can still listen on
# the one session it makes.
def audited_session(user):
    session = Session(engine)
    session.info["updated_by"] = user
    event.listen(session, "before_commit",
                 lambda s: print("committing as", s.info["updated_by"]))
    return session


with audited_session(7) as s:
    s.commit()
### exercise:: Write ``counting_session()``: it returns a ``Session`` on ``engine``
### exercise:: whose ``info["commits"]`` counts that session's commits, kept by
### exercise:: an ``after_commit`` listener on the one session it made.
### hint:: event.listen(session, "after_commit", fn): fn gets the session
### hint:: start the count at zero in the wrapper, add one in the listener
### check:: with counting_session() as s1:
### check::     s1.commit()
### check::     s1.commit()
### check:: with counting_session() as s2:
### check::     s2.commit()
### check:: s1.info.get("commits") == 2 and s2.info.get("commits") == 1
### solution:: def counting_session():
### solution::     session = Session(engine)
### solution::     session.info["commits"] = 0
### solution::
### solution::     def counted(s):
### solution::         s.info["commits"] += 1
### solution::
### solution::     event.listen(session, "after_commit", counted)
### solution::     return session
### note:: Exercise: the wrapper listens on the one session it made. About five minutes.

### slide::
### title:: Extend by subclassing: sessionmaker(class_=...)
### note:: Ask how many flushes the counter will report. Point at ``CountingSession
### note:: flushes: 1``: the autoflush before the query did it. About two minutes.
# The factory makes instances of your subclass.  Here: count flushes
# (the autoflush does the only one; commit finds nothing left to flush).
class CountingSession(Session):
    def flush(self, objects=None):
        self.info["flushes"] = self.info.get("flushes", 0) + 1
        super().flush(objects)


Counting = sessionmaker(engine, class_=CountingSession)
with Counting() as s:
    s.add(User(name="wendy"))
    print("users:", len(s.scalars(select(User)).all()))   # autoflush
    s.commit()
    print(type(s).__name__, "flushes:", s.info["flushes"])
### claim:: the autoflush does the only one; commit finds nothing left to flush
### proof:: s.info["flushes"] == 1 and isinstance(s, CountingSession)
### exercise:: Subclass ``Session`` as ``TaggedSession``: its ``add()`` appends the
### exercise:: class name of each object to ``self.info["added"]``.  Make
### exercise:: ``Tagged = sessionmaker(engine, class_=TaggedSession)``.
### hint:: def add(self, instance, *args, **kw): record, then super().add(instance, *args, **kw)
### hint:: self.info.setdefault("added", []) makes the list on first use
### check:: with Tagged() as s:
### check::     s.add(User(name="tagged"))
### check::     s.add(Comment(text="tagged"))
### check::     kinds = list(s.info.get("added", []))
### check::     s.rollback()
### check:: kinds == ["User", "Comment"] and isinstance(s, TaggedSession)
### solution:: class TaggedSession(Session):
### solution::     def add(self, instance, *args, **kw):
### solution::         self.info.setdefault("added", []).append(type(instance).__name__)
### solution::         super().add(instance, *args, **kw)
### solution::
### solution:: Tagged = sessionmaker(engine, class_=TaggedSession)
### note:: Exercise: override one Session method, keep ``super()``. About five minutes.

### slide:: b
### title:: Session events (2010: SessionExtension)
### note:: Reveal the bullets; the next slide listens to ten of these events at once. About
### note:: a minute.
### * Transactions: ``after_begin``, ``before_commit``, ``after_commit``, ``after_rollback``, ``after_transaction_end``
### * The flush: ``before_flush``, ``after_flush``, ``after_flush_postexec``
### * Objects: ``after_attach``, and state changes (``pending_to_persistent``...)
### * Listen on a ``sessionmaker``, a ``Session`` subclass, or one session

### slide::
### title:: Ten session events: a listener for each
### note:: Walk the loop: one listener per event name, each printing its name, on a
### note:: sessionmaker of its own. ``created`` keeps the transactions for the proof. About
### note:: a minute.
# A listener that prints each event's name, on its own sessionmaker.
Loud = sessionmaker(engine)
created = []
event.listen(Loud, "after_transaction_create",
             lambda session, transaction: created.append(transaction))


def announce(name):
    return lambda *args, **kw: print("  event:", name)


for name in ("after_transaction_create", "after_begin", "after_attach",
             "before_flush", "after_flush", "after_flush_postexec",
             "before_commit", "after_commit", "after_rollback",
             "after_transaction_end"):
    event.listen(Loud, name, announce(name))

### slide::
### title:: Ten session events: a query, then an add
### note:: Point at ``after_transaction_create`` and ``after_begin`` around the BEGIN: the
### note:: query started the transaction. Then ``after_attach`` on the add. About a minute.
session = Loud()
jek = session.scalars(select(User).filter_by(name="jek")).one()
print("-- add a comment")
session.add(Comment(text="first!", posted_by=jek))

### slide::
### title:: Ten session events, through a flush and a commit
### note:: Ask the room for the order of the events in the commit first. Point at the inner
### note:: create and end pair around the INSERT, and at the single COMMIT. About two minutes.
# The inner create/end pair is the flush's own ``SessionTransaction``,
# inside the session's: no BEGIN or COMMIT of its own reaches the
# database (the SQL shows one of each).
print("-- commit")
session.commit()
print("-- leaving: close()")
session.close()
### claim:: The inner create/end pair is the flush's own ``SessionTransaction``,
### claim:: inside the session's
### proof:: len(created) == 2 and created[1].parent is created[0]
### proof:: not created[1].nested and created[0].parent is None

### slide::
### title:: Attribute history
### note:: Point at the two History lines: unchanged before the assignment, added and
### note:: deleted after it. About a minute.
# ``History(added, unchanged, deleted)``: what a change replaced, as
# long as it is not flushed.  ``get_history`` is also
# ``inspect(obj).attrs.x.history``.
with Session(engine) as session:
    jek = session.scalars(select(User).filter_by(name="jek")).one()
    print(get_history(jek, "email"))
    jek.email = "jek@discorporate.us"
    print(inspect(jek).attrs.email.history)
    session.rollback()
### exercise:: Write ``changed(obj)``: a dict of each attribute changed since the
### exercise:: last flush, ``{key: (old, new)}``, read from ``inspect(obj).attrs``.
### hint:: each item of inspect(obj).attrs has .key and .history
### hint:: history.has_changes(); the old value is in history.deleted, the new in history.added
### check:: with Session(engine) as s:
### check::     u = s.scalars(select(User).filter_by(name="jek")).one()
### check::     old = u.email
### check::     u.email = "changed@example.com"
### check::     got = changed(u)
### check::     s.rollback()
### check:: got == {"email": (old, "changed@example.com")}
### solution:: def changed(obj):
### solution::     return {a.key: ((a.history.deleted or [None])[0], a.history.added[0])
### solution::             for a in inspect(obj).attrs if a.history.has_changes()}
### note:: Exercise: history per attribute; the check rolls its change back. Five minutes.

### slide::
### title:: History during a flush: two listeners
### note:: Walk the two listeners: one prints the history before the flush, the other
### note:: after it. Ask what each will print. About a minute.
Watched = sessionmaker(engine)


@event.listens_for(Watched, "before_flush")
def before(session, flush_context, instances):
    for obj in session.dirty:
        print("  before_flush:", obj, inspect(obj).attrs.email.history)


@event.listens_for(Watched, "after_flush_postexec")
def after(session, flush_context):
    for obj in session.identity_map.values():
        print("  after the flush:", obj, inspect(obj).attrs.email.history)

### slide::
### title:: History during a flush
### note:: Contrast the ``before_flush:`` line, still pending, with ``after the flush:``,
### note:: where the new value is simply unchanged. About two minutes.
# In ``before_flush`` the change is still pending; once the flush has
# run, the new value is simply the current one.

with Watched() as session:
    jek = session.scalars(select(User).filter_by(name="jek")).one()
    jek.email = "jek@discorporate.us"
    session.flush()
    session.rollback()

### slide:: b
### title:: What session events may change
### note:: Read the bullets slowly: this is the rule sheet for the next three slides. Ask
### note:: which rule surprises people. About two minutes.
### * ``before_flush``: add, change, delete objects; they go into this flush
### * ``after_flush``: the SQL has run, the bookkeeping not yet: attribute changes made now are reset, not written; objects ``add()``-ed now wait for the next flush (next slide)
### * ``after_flush_postexec``: the flush is done; changes made now are flushed next (``commit()`` flushes until the session is clean)
### * Mapper ``before_insert`` / ``before_update``: set this row's own columns; other SQL through the ``connection`` argument, not the session
### * ``after_commit``: the transaction is over; the session refuses SQL (two slides on)

### slide::
### title:: after_flush and after_flush_postexec, shown
### note:: Walk the two listeners before Enter. Ask the room which of these
### note:: changes will reach the database. The next two slides answer. About two minutes.
# Each listener acts once, in the first flush.  ``after_flush`` changes
# jek (in this flush) and mike (clean until now) and adds a user;
# ``after_flush_postexec`` changes wendy.
Inner = sessionmaker(engine)


@event.listens_for(Inner, "after_flush")
def in_after_flush(session, flush_context):
    if not session.info.setdefault("after_flush", []):
        session.info["after_flush"].append(1)
        users["jek"].email = "jek@after_flush"      # reset, silently
        users["mike"].email = "mike@after_flush"    # reset, with SAWarning
        session.add(User(name="added in after_flush"))


@event.listens_for(Inner, "after_flush_postexec")
def in_postexec(session, flush_context):
    if not session.info.setdefault("postexec", []):
        session.info["postexec"].append(1)
        users["wendy"].email = "wendy@postexec"

### slide::
### title:: The first flush: one warning
### note:: Point at the single UPDATE for jek, then at ``after the flush:`` with the added
### note:: user still new and wendy dirty. Then the ``SAWarning`` line: about mike, not
### note:: jek. About two minutes.
# SQLAlchemy warns once, about one "previously clean" object (mike).
# The warning is caught here so that the slide can print it.
session = Inner()
users = {u.name: u for u in session.scalars(select(User))}
users["jek"].email = "jek@flushed"
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    session.flush()

print("after the flush: new", list(session.new),
      "| dirty", list(session.dirty))
for w in caught:
    print(type(w.message).__name__ + ":", str(w.message).split(",")[0])
### claim:: SQLAlchemy warns once, about one "previously clean" object (mike)
### proof:: len(caught) == 1 and "on 1 previously clean" in str(caught[0].message)

### slide::
### title:: The second flush: what reached the database
### note:: Point at the four rows under ``in the database:``: jek kept the flushed value,
### note:: mike was reset, wendy and the added user went in with this flush. About two
### note:: minutes.
# jek's change vanishes without a word; mike's too, with the warning.
# The added user waits for the next flush, wendy's change goes into it.
with warnings.catch_warnings(record=True) as later:
    warnings.simplefilter("always")
    session.flush()

print("in the database:")
stored = session.execute(select(User.name, User.email)
                         .order_by(User.id)).all()
for row in stored:
    print("  ", *row)

session.close()
### claim:: jek's change vanishes without a word
### proof:: dict(stored)["jek"] == "jek@flushed"
### claim:: mike's too, with the warning
### proof:: dict(stored)["mike"] == "mike@example.com" and not later
### claim:: The added user waits for the next flush, wendy's change goes into it
### proof:: dict(stored)["wendy"] == "wendy@postexec" and "added in after_flush" in dict(stored)

### slide::
### title:: after_commit: a listener that peeks, then queries
### note:: Walk ``peek``: it prints what is still loaded, then tries one more query. Ask
### note:: whether that query will run. About a minute.
Strict = sessionmaker(engine)


@event.listens_for(Strict, "after_commit")
def peek(session):
    for obj in session.identity_map.values():
        print("  still loaded in after_commit:", obj)
    session.scalar(select(func.count(User.id)))

### slide:: e
### title:: after_commit: values still there, no more SQL
### note:: Ask first: can an ``after_commit`` listener still run a query? Point at ``still
### note:: loaded in after_commit:``, then at the error. About two minutes.
# Expiry comes just after ``after_commit``: in it, loaded values can
# still be read, but the session refuses to send SQL.  (The error here
# stops the commit before the expiry: mike keeps his values.)
with Strict() as session:
    mike = session.scalars(select(User).filter_by(name="mike")).one()
    mike.email = "mike@example.org"
    session.commit()
### claim:: Expiry comes just after ``after_commit``
### proof:: not inspect(mike).expired_attributes
### proof:: inspect(mike).dict["email"] == "mike@example.org"
### exercise:: Make ``Notifying = sessionmaker(engine)``, ``committed_names = []``
### exercise:: and an ``after_commit`` listener on it that appends the name of each
### exercise:: ``User`` still loaded in the session, sending no SQL.
### hint:: session.identity_map.values() are the loaded objects; their values can still be read
### hint:: isinstance(obj, User) picks the users
### check:: committed_names.clear()
### check:: with Notifying() as s:
### check::     kept = s.scalars(select(User).filter_by(name="jek")).one()
### check::     s.commit()
### check:: with Notifying() as s:
### check::     s.commit()
### check:: committed_names == ["jek"]
### solution:: Notifying = sessionmaker(engine)
### solution:: committed_names = []
### solution::
### solution:: @event.listens_for(Notifying, "after_commit")
### solution:: def notify(session):
### solution::     committed_names.extend(obj.name for obj in session.identity_map.values()
### solution::                            if isinstance(obj, User))
### note:: Exercise: read what is loaded, send no SQL (the error above). Five minutes.

### slide::
### title:: Autoflush: a listener that prints each flush
### note:: Walk the listener: it prints the new and dirty objects of each flush. Ask how
### note:: many flushes one commit will take. About a minute.
Flushy = sessionmaker(engine)
flushes = []


@event.listens_for(Flushy, "before_flush")
def flushing(session, flush_context, instances):
    flushes.append([*session.new, *session.dirty])
    print("  flush sees:", flushes[-1])

### slide::
### title:: Autoflush: the same object, many flushes
### note:: Point at the two ``flush sees:`` lines, each right before a SELECT: the same
### note:: object each time. Ask who has been surprised by an autoflush. About two minutes.
session = Flushy()
ed = User(name="ed")
session.add(ed)
n = len(session.scalars(select(User)).all())           # flush 1
ed.email = "ed@example.com"
n = len(session.scalars(select(User)).all())           # flush 2

### slide::
### title:: ...and once more in the commit
### note:: Point at the third ``flush sees:`` line and the single COMMIT. About a minute.
# With autoflush on (the default) each query first flushes pending
# changes, so a ``before_flush`` listener sees the same object several
# times before one commit.
ed.name = "eddie"
session.commit()                                        # flush 3
session.close()
### claim:: With autoflush on (the default) each query first flushes pending
### claim:: changes, so a ``before_flush`` listener sees the same object several
### claim:: times before one commit
### proof:: len(flushes) == 3 and all(seen == [ed] for seen in flushes)

### slide::
### title:: expire_on_commit: state gone after commit
### note:: Point at ``expired:`` and its list of attributes, then at the SELECT that
### note:: reading ``eddie.email`` sends. About a minute.
# After a commit every loaded value is expired: the next access loads
# it again, in a new transaction.
session = Session(engine)
eddie = session.scalars(select(User).filter_by(name="eddie")).one()
session.commit()
expired = sorted(inspect(eddie).expired_attributes)
print("expired:", expired)
eddie.email
session.close()
### claim:: After a commit every loaded value is expired
### proof:: set(inspect(User).column_attrs.keys()) <= set(expired)

### slide::
### title:: ...and once the session is closed
### note:: Ask before Enter: what does reading the email do once the session is closed?
### note:: Point at ``expire_on_commit=True: DetachedInstanceError``. About a minute.
# A detached, expired object has nothing to load from.
with Session(engine) as session:
    eddie = session.scalars(select(User).filter_by(name="eddie")).one()
    session.commit()

try:
    eddie.email
except DetachedInstanceError as err:
    detached = err
    print("expire_on_commit=True:", type(err).__name__)
### claim:: A detached, expired object has nothing to load from
### proof:: isinstance(detached, DetachedInstanceError)

### slide::
### title:: expire_on_commit=False keeps the values
### note:: Point at ``email is ed@example.com``: read after the session closed, with no SQL
### note:: sent for it. Ask when you would want this. About a minute.
# ``expire_on_commit=False`` keeps the values instead.
with Session(engine, expire_on_commit=False) as session:
    eddie = session.scalars(select(User).filter_by(name="eddie")).one()
    session.commit()

print("expire_on_commit=False: email is", eddie.email)
### claim:: ``expire_on_commit=False`` keeps the values instead
### proof:: eddie.email == "ed@example.com" and inspect(eddie).detached

### slide::
### title:: Strategy: look at new, dirty, deleted in before_flush
### note:: Walk the listener: it collects new, dirty and deleted objects, skips its own
### note:: ``Change`` rows, and adds one ``Change`` per object. About two minutes.
# A listener that logs each new, dirty and deleted object as a
# ``Change`` row, added to the session it is flushing.
class Change(Base):
    __tablename__ = "p3_changes"
    id: Mapped[int] = mapped_column(primary_key=True)
    what: Mapped[str] = mapped_column(String(100))


fresh(Base.metadata, tables=[Change.__table__])
Tracked = sessionmaker(engine)
flushes = []


@event.listens_for(Tracked, "before_flush")
def log_changes(session, flush_context, instances):
    seen = [(kind, obj) for kind in ("new", "dirty", "deleted")
            for obj in getattr(session, kind) if not isinstance(obj, Change)]
    flushes.append([kind for kind, obj in seen])
    for kind, obj in seen:
        session.add(Change(what=f"{kind} {obj!r}"))

### slide::
### title:: A change, a new user, a delete: the query autoflushes
### note:: Ask before Enter: when does the first flush happen? Point at the two
### note:: ``INSERT INTO p3_changes`` lines, sent before the UPDATE and INSERT they log,
### note:: right after the comment query started. About two minutes.
session = Tracked()
eddie = session.scalars(select(User).filter_by(name="eddie")).one()
eddie.email = "eddie@example.com"
session.add(User(name="fred"))
session.delete(session.scalars(select(Comment)).one())

### slide::
### title:: ...and the commit flushes the delete
### note:: Point at the change row for the delete, sent in the same flush as the DELETE,
### note:: then at the printed list of the three change rows. About a minute.
# ``before_flush`` sees each flush's objects before that flush's SQL:
# here it adds a change log row for each, in the same flush.  The
# query for the comment autoflushes: two flushes, each logged.
session.commit()
print(session.scalars(select(Change.what).order_by(Change.id)).all())
session.close()
### claim:: The query for the comment autoflushes: two flushes, each logged
### claim:: ``before_flush`` sees each flush's objects before that flush's SQL:
### claim:: here it adds a change log row for each, in the same flush
### proof:: flushes == [["new", "dirty"], ["deleted"]]

### slide::
### title:: Your turn: a session event
# A listener on a sessionmaker hears every session it makes.
### exercise:: Listen for ``before_flush`` on ``Counted`` and append
### exercise:: ``len(session.new)`` to ``new_counts`` at each flush.  Then,
### exercise:: in one session, add two users, flush, and roll back.
### hint:: @event.listens_for(Counted, "before_flush") on a function of (session, flush_context, instances)
### hint:: with Counted() as session: add_all([...]), flush(), rollback()
### check:: new_counts == [2]
### solution:: @event.listens_for(Counted, "before_flush")
### solution:: def count_new(session, flush_context, instances):
### solution::     new_counts.append(len(session.new))
### solution::
### solution:: with Counted() as session:
### solution::     session.add_all([User(name="ann"), User(name="bob")])
### solution::     session.flush()
### solution::     session.rollback()
### note:: The rollback keeps the later slides' output as shown.
Counted = sessionmaker(engine)
new_counts = []
### claim:: A listener on a sessionmaker hears every session it makes
### proof:: Counted.class_ is not Session and issubclass(Counted.class_, Session)
### proof:: type(Counted()) is Counted.class_

### slide:: b
### title:: Extending queries: a query language of your own
### note:: Reveal the bullets: they frame the next four slides, then the soft delete case
### note:: study. About a minute.
### * 2010: a ``Query`` subclass with domain methods, on the class via ``query_property``
### * 2.x: ``Query`` is legacy; it still works, without a warning
### * ``Query.get()`` does warn: it is ``Session.get()`` now
### * The SQLAlchemy 2.0 way: functions (or classmethods) that return ``select()`` statements
### * "Hide this entity's deleted rows from its queries": the ``do_orm_execute`` event and ``with_loader_criteria``

### slide::
### title:: A Query subclass through query_property (legacy)
### note:: Point at ``[User('eddie')]``: the domain method works, with no warning. About a
### note:: minute.
class UserQuery(Query):
    def with_email(self, email):
        return self.filter(User.email == email)


Users = scoped_session(sessionmaker(engine))
User.query = Users.query_property(UserQuery)
User.query.with_email("eddie@example.com").all()
Users.remove()

### slide::
### title:: Query.get() is legacy: Session.get()
### note:: Point at ``LegacyAPIWarning``, then at ``Users.get(User, 1)`` doing the same
### note:: without it. About a minute.
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    User.query.get(1)

print(type(caught[0].message).__name__)
Users.get(User, 1)
Users.remove()

### slide::
### title:: The SQLAlchemy 2.0 way: statements are values
### note:: Point at the two result lists: the second call refines the first statement. Ask
### note:: what functions gain over a subclass. About two minutes.
# A function returns a ``select()``; callers refine it and run it in
# whichever session they hold.  Nothing to subclass, nothing bound to a
# session.
def with_email(email):
    return select(User).where(User.email == email)


with Session(engine) as session:
    print(session.scalars(with_email("eddie@example.com")).all())
    print(session.scalars(
        with_email("eddie@example.com").where(User.name == "jek")).all())
### claim:: Nothing to subclass, nothing bound to a session
### proof:: type(with_email("x")) is type(select(User))
### proof:: not any(isinstance(v, Session) for v in vars(with_email("x")).values())

### slide::
### title:: Your turn: a query as a function
### note:: Give the room about three minutes; ``!check`` tells them when they are done,
### note:: ``!hint`` helps.
### exercise:: Write ``named(name)``: it returns a ``select()`` of ``User``
### exercise:: rows with that name.  ``names_of(statement)`` runs one.
### hint:: select(User).where(User.name == name)
### check:: names_of(named("jek")) == ["jek"] and names_of(named("x")) == []
### solution:: def named(name):
### solution::     return select(User).where(User.name == name)
def names_of(statement):
    with Session(engine) as session:
        return [user.name for user in session.scalars(statement)]

### slide:: b
### title:: Case study: soft delete, a filter on a class's queries
### note:: Reveal the bullets. Stress the last one: a single execution option opts a
### note:: statement out. About two minutes.
# 2010's other reason for a ``Query`` subclass: add a criterion to the
# queries of a class (deleted rows, another tenant's rows).
### * 2010: a ``Query`` subclass (``query_cls=``) adding it in ``__iter__`` and ``get()``; statements that did not go through it were missed
### * 2.x: the session event ``do_orm_execute`` hears the ORM statements a session executes: ``select()``, ``get()``, lazy and eager loads (not the flush's writes)
### * ``with_loader_criteria`` adds the criterion wherever the entity appears: FROM, JOIN ... ON, aliases, and the relationship loads of what it loaded
### * An execution option opts one statement out: ``include_deleted=True``
### claim:: the session event ``do_orm_execute`` hears the ORM statements a session executes: ``select()``, ``get()``, lazy and eager loads (not the flush's writes)
### proof:: orm_statements(lambda s: (s.add(User(name="x")), s.flush(), s.get(User, 1))) == ["select"]

### slide::
### title:: The listener: the statements it leaves alone
### note:: Walk the listener from the top; point at the three early returns: not a SELECT,
### note:: opted out, or a relationship load that carries the criterion. About two minutes.
excerpt(source(soft_delete._hide_deleted), stop="    state.statement = ")

### slide::
### title:: The criterion it adds, and install()
### note:: Point at ``with_loader_criteria`` and its lambda, then at ``install()`` wiring
### note:: the listener to a factory and handing back a way to remove it. About two minutes.
excerpt(source(soft_delete._hide_deleted), "    state.statement = ")
source(soft_delete.install)

### slide::
### title:: Soft-deletable models: the mixin adds deleted_at
### note:: Point at the mixin in both class lines: it adds ``deleted_at`` to both tables.
### note:: About a minute.
class Topic(soft_delete.SoftDeleteMixin, Base):
    __tablename__ = "p3_topics"
    id: Mapped[int] = mapped_column(primary_key=True)
    replies: Mapped[list["Reply"]] = relationship(order_by="Reply.id")


class Reply(soft_delete.SoftDeleteMixin, Base):
    __tablename__ = "p3_replies"
    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("p3_topics.id"))
    text: Mapped[str] = mapped_column(String(50))

    def __repr__(self):
        return f"Reply({self.text!r})"


### slide::
### title:: Before install() and after: the data
### note:: Setup for the next slides: a topic, three replies. Point at the UPDATE in the
### note:: echo: soft delete sets ``deleted_at`` and keeps the row. About a minute.
# A topic with three replies, one soft-deleted.
fresh(Base.metadata, tables=[Topic.__table__, Reply.__table__])
Forum = sessionmaker(engine)
with Forum() as session:
    session.add(Topic(id=1, replies=[Reply(id=n, text=t) for n, t in
                                     [(1, "first"), (2, "spam"), (3, "ok")]]))
    session.commit()
    soft_delete.soft_delete(session, session.get(Reply, 2))
    session.commit()

### slide::
### title:: Before install(): four ways to load, three replies each
### note:: Walk the two helpers: ``select()``, ``get()`` and the lazy load in one, the
### note:: eager load in the other. Their SQL is plain, so it is hidden here. Point at
### note:: ``spam`` in each printed line. About two minutes.
# Before ``install()`` every query sees all three.
def three_ways(label):
    with Forum() as session:
        listed = session.scalars(select(Reply).order_by(Reply.id)).all()
        got, lazy = session.get(Reply, 2), session.get(Topic, 1).replies
        print(f"{label:22} select:", listed)
        print(f"{'':22} get(2):", got, "| lazy:", lazy)
    return [len(listed), got is not None, len(lazy)]


def eagerly():
    with Forum() as session:
        topic = session.scalars(
            select(Topic).options(selectinload(Topic.replies))).one()
        print(f"{'':22} selectinload:", topic.replies)
    return len(topic.replies)


with unechoed():
    seen_before = three_ways("before install():") + [eagerly()]
### claim:: Before ``install()`` every query sees all three
### proof:: seen_before == [3, True, 3, 3]

### slide::
### title:: After install(): select(), get() and the lazy load
### note:: Ask the room which of these three still sees the spam reply. Point at
### note:: ``deleted_at IS NULL`` in each WHERE clause of the echo, then at the two printed
### note:: lines. About two minutes.
# After it, ``select()``, ``get()`` and the lazy load see two.
stop_hiding = soft_delete.install(Forum)
seen_after = three_ways("after install():")
### claim:: After it, ``select()``, ``get()`` and the lazy load see two
### proof:: seen_after == [2, False, 2]

### slide::
### title:: After install(): selectinload, and opting out
### note:: Point at the IN query's ``deleted_at IS NULL``, then at ``include_deleted=True:``
### note:: bringing the spam reply back for one statement. About two minutes.
# ``selectinload`` sees two as well, until a statement opts out.
seen_after.append(eagerly())
with Forum() as session:
    opted_out = session.scalars(select(Reply).order_by(Reply.id),
                                execution_options={"include_deleted": True})
    print("include_deleted=True:", opted_out.all())
### claim:: ``selectinload`` sees two as well, until a statement opts out
### proof:: seen_after == [2, False, 2, 2]

### slide::
### title:: Your turn: the same mechanism by hand
### note:: Give the room about five minutes. ``!hint`` shows the import first; ``!check``
### note:: runs a ``select()`` and a lazy load through their factory.
# ``install(Forum)`` is still on: your own factory is not affected by it.
### exercise:: The same mechanism by hand: make ``Polite = sessionmaker(engine)``
### exercise:: and a ``do_orm_execute`` listener on it that hides replies whose
### exercise:: text is ``"spam"`` with ``with_loader_criteria``.  Both a
### exercise:: ``select()`` and the lazy load of ``Topic.replies`` leave it out.
### hint:: from sqlalchemy.orm import with_loader_criteria
### hint:: if state.is_select: state.statement = state.statement.options(with_loader_criteria(Reply, ...))
### check:: with Polite() as s:
### check::     listed = [r.text for r in s.scalars(select(Reply).order_by(Reply.id))]
### check::     lazy = [r.text for r in s.get(Topic, 1).replies]
### check:: listed == ["first", "ok"] and lazy == ["first", "ok"]
### solution:: from sqlalchemy.orm import with_loader_criteria
### solution::
### solution:: Polite = sessionmaker(engine)
### solution::
### solution:: @event.listens_for(Polite, "do_orm_execute")
### solution:: def hide_spam(state):
### solution::     if state.is_select:
### solution::         state.statement = state.statement.options(
### solution::             with_loader_criteria(Reply, Reply.text != "spam"))
### solution::
### solution:: with Polite() as session:
### solution::     print(session.scalars(select(Reply).order_by(Reply.id)).all())

### slide::
### title:: A lazy load no filtered SELECT led to
### note:: Point at ``made by this session:`` without the spam reply, and at the lazy load's
### note:: WHERE clause. Ask why this case needs a rule of its own. About two minutes.
# A topic made in this session came from no filtered SELECT, so nothing
# carries the criterion into its lazy load: ``_hide_deleted`` adds it.
with Forum() as session:
    made = Topic(id=2, replies=[Reply(id=4, text="hello"),
                                Reply(id=5, text="spam")])
    session.add(made)
    with unechoed():                # the INSERTs and the soft delete
        session.commit()
        soft_delete.soft_delete(session, session.get(Reply, 5))
        session.commit()            # expires made: its replies load again
    print("made by this session:", made.replies)
### claim:: A topic made in this session came from no filtered SELECT, so nothing
### claim:: carries the criterion into its lazy load: ``_hide_deleted`` adds it
### proof:: [reply.text for reply in made.replies] == ["hello"]

### slide::
### title:: ...and a load with include_deleted=True
### note:: Point at ``loaded with include_deleted:``: the topic opted out, its replies'
### note:: lazy load did not. About a minute.
# A topic loaded with ``include_deleted=True`` carries no criterion
# either: its lazy load gets it the same way.
with Forum() as session:
    old_topic = session.get(Topic, 2,
                            execution_options={"include_deleted": True})
    print("loaded with include_deleted:", old_topic.replies)
stop_hiding()
### claim:: A topic loaded with ``include_deleted=True`` carries no criterion
### claim:: either: its lazy load gets it the same way
### proof:: [reply.text for reply in old_topic.replies] == ["hello"]

### slide:: b
### title:: Case study: contextual defaults, revisited
### note:: Remind the room of part 1's audit column, then reveal the bullets. About two
### note:: minutes.
# Part 1's audit column reads ``connection.info["updated_by"]``.  ORM
# code talks to sessions, not connections.
### * Code sets ``session.info["updated_by"]``; part 1's column and listener stay as they were
### * Session events copy it to each connection the transaction uses...
### * ...and remove it however the transaction ends: commit, rollback, close, failed flush, garbage collection
### * 2010: a Session subclass for ``.info`` plus a SessionExtension that missed close and garbage collection

### slide::
### title:: install(): the listeners, on one factory
### note:: Walk the listeners it registers, one line each: the copier's methods, one per
### note:: session event. About a minute.
excerpt(source(contextual_defaults.install), stop="    for bind in")

### slide::
### title:: install(): registered, and a way to remove them
### note:: Point at ``copier.cover(bind)``, the pool backstop for engines known now, then at
### note:: ``remove()``. About a minute.
excerpt(source(contextual_defaults.install), "    for bind in")

### slide::
### title:: Copy the user when a transaction begins
### note:: Point at the copy into ``connection.info``, and at ``stamp`` reading it back.
### note:: About a minute.
source(contextual_defaults.UserCopier.after_begin)
source(contextual_defaults.stamp)

### slide::
### title:: Remove it when the transaction ends
### note:: Point at the savepoint check: a savepoint ending leaves the user in place. About
### note:: a minute.
# After commit or rollback (not a savepoint's), and at the end of the
# outermost transaction.  The pool's checkin listener is the backstop.
source(contextual_defaults.UserCopier.after_commit_or_rollback)
source(contextual_defaults.UserCopier.after_transaction_end)

### slide::
### title:: The 2010 sequence, now: a table with an audit column
### note:: Point at ``updated_by_column()`` from part 1, and at ``install(Stamped)`` on the
### note:: factory. About a minute.
class Record(Base):
    __tablename__ = "p3_records"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    updated_by: Mapped[int | None] = updated_by_column()


fresh(Base.metadata, tables=[Record.__table__])
Stamped = sessionmaker(engine)
remove_stamping = contextual_defaults.install(Stamped)

### slide::
### title:: The 2010 sequence, now
### note:: Ask before Enter: what is ``updated_by`` before the commit? Point at ``updated_by
### note:: None``, then at ``456`` in the INSERT and ``after commit: updated_by 456``. About
### note:: two minutes.
session = Stamped()
session.info["updated_by"] = 456
record = Record(name="record 1")
session.add(record)
print("updated_by", record.updated_by)
session.commit()
print("after commit: updated_by", record.updated_by)
session.close()

### slide::
### title:: 2010's ContextualDefaultPopulator, ported to events
### note:: The 2010 code, as it was, with its SessionExtension methods as session listeners; written out here because it is the baseline, not a recipe.
# It cleans up in ``after_commit`` and ``after_rollback`` only, and its
# map holds the session's connections by ``id(session)``.
class Populator2010:
    def __init__(self):
        self.connection_map = collections.defaultdict(list)

    def after_begin(self, session, transaction, connection):
        if "updated_by" in session.info:
            connection.info["updated_by"] = session.info["updated_by"]
        self.connection_map[id(session)].append(connection)

    def after_commit(self, session):
        for connection in self.connection_map.pop(id(session), ()):
            connection.info.pop("updated_by", None)

    after_rollback = after_commit
### claim:: It cleans up in ``after_commit`` and ``after_rollback`` only, and its
### claim:: map holds the session's connections by ``id(session)``
### proof:: sorted(n for n in vars(Populator2010) if n.startswith("after_")) == ["after_begin", "after_commit", "after_rollback"]
### proof:: isinstance(Populator2010().connection_map, collections.defaultdict)


### slide::
### title:: Two endings the 2010 code missed
### note:: These helpers drive the next two slides. Walk ``after_close``: a flush, then
### note:: ``close()`` without a commit, then a plain Core insert on the same pooled
### note:: connection. About two minutes.
# ``close()`` without a commit, then a session dropped without
# ``close()``.  One pooled connection, so the next plain Core insert
# reuses the session's (its own SQL is not echoed: it prints its stamp).
def plain_core_insert(engine, name):
    with unechoed(), engine.begin() as cx:
        [new_id] = cx.execute(insert(Record), {"name": name}
                              ).inserted_primary_key
        return cx.scalar(select(Record.updated_by)
                         .where(Record.id == new_id))


def one_connection_engine():
    return create_engine(url, pool_size=1, max_overflow=0, pool_timeout=1)


def after_close(factory, engine):
    closed = factory()
    closed.info["updated_by"] = 789
    closed.add(Record(name="closed, not committed"))
    closed.flush()
    closed.close()
    stamped = plain_core_insert(engine, "Core after close")
    print("  after close(): a plain Core insert is stamped", stamped)
    return stamped

### slide::
### title:: ...and a session dropped without close()
### note:: Walk ``after_drop``: the session is deleted unclosed and collected, then we count
### note:: the pool's checked-out connections and try one more insert. About a minute.
def after_drop(factory, engine):
    dropped = factory()
    dropped.info["updated_by"] = 789
    dropped.add(Record(name="dropped"))
    dropped.flush()
    del dropped
    gc.collect()
    print("  after a drop: checked out", engine.pool.checkedout())
    try:
        stamped = plain_core_insert(engine, "Core after drop")
        print("  ...and a plain Core insert is stamped", stamped)
    except TimeoutError_ as err:
        stamped = err
        print("  ...and a plain Core insert:", type(err).__name__,
              str(err).split(",")[0])
    return engine.pool.checkedout(), stamped


def close_then_drop(factory, engine):
    return (after_close(factory, engine), *after_drop(factory, engine))


### slide::
### title:: Baseline: the 2010 populator, ported to events
### note:: Ask first: what happens to the pool when a session is dropped? Point at
### note:: ``stamped 789`` and at the ``TimeoutError`` line. About two minutes.
# ``close()`` fires neither of its events: the user stays on the
# connection.  A dropped session: the map keeps its connection checked
# out, and the pool runs dry.
old_way = one_connection_engine()
Old = sessionmaker(old_way)
populator = Populator2010()
for name in ("after_begin", "after_commit", "after_rollback"):
    event.listen(Old, name, getattr(populator, name))
old_endings = close_then_drop(Old, old_way)
populator.connection_map.clear()     # let the dropped session go
n = gc.collect()
old_way.dispose()
### claim:: ``close()`` fires neither of its events: the user stays on the
### claim:: connection
### proof:: old_endings[0] == 789
### claim:: A dropped session: the map keeps its connection checked out, and the pool runs dry
### proof:: old_endings[1] == 1 and isinstance(old_endings[2], TimeoutError_)

### slide::
### title:: Fixed: nothing leaks, even from a session nobody closed
### note:: tests/test_contextual_defaults.py runs each of these endings (commit, rollback, close, failed flush, savepoint, garbage collection), and three threads, on SQLite, PostgreSQL and MariaDB.
# The same two endings with ``contextual_defaults.install``: its
# ``after_transaction_end`` covers ``close()``, its map holds sessions
# and connections weakly, and the pool's checkin listener cleans up
# after a dropped session when it is garbage collected.
single = one_connection_engine()
Lone = sessionmaker(single)
stop = contextual_defaults.install(Lone)
new_endings = close_then_drop(Lone, single)
stop()
single.dispose()
### claim:: Fixed: nothing leaks, even from a session nobody closed
### proof:: new_endings == (None, 0, None)

### slide:: b
### title:: Case study: auto-add
# New objects should join the current session as they are built.
### * Approach: instance events ``init`` and ``init_failure`` (2010: ``MapperExtension.init_instance`` / ``init_failed``)
### * "Current session": a ``scoped_session`` registry
### * Hard in practice: the object is pending before ``__init__`` even runs
### * Throw-away objects get saved too, and constructors depend on a current session
### * A poor fit for libraries and for code with an explicit unit of work
### note:: Ask the room who has been bitten by an autoflush in a constructor; the next slides show it.

### slide::
### title:: auto_add()
### note:: Point at ``add_on_init``: the ``init`` event fires before the body of
### note:: ``__init__`` runs, so the object is pending from the start. About a minute.
excerpt(source(auto_add.auto_add), stop="    def expunge_on_failure")

### slide::
### title:: auto_add(): when the constructor raises
### note:: Point at ``expunge_on_failure`` on ``init_failure``: the half-built object leaves
### note:: the session again. Then the ``remove()`` it returns. About a minute.
excerpt(source(auto_add.auto_add), "    def expunge_on_failure")

### slide::
### title:: Auto-add: a base of its own, and a registry
### note:: Point at ``Located``, a separate base so the rest of the deck is unaffected, and
### note:: at ``auto_add(Located, Current)`` switching it on. About a minute.
class Located(DeclarativeBase):   # its own base: the rest of the deck
    pass                          # keeps calling session.add()


class Spot(Located):
    __tablename__ = "p3_spots"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))

    def __init__(self, name):
        if not name:
            raise ValueError("a spot needs a name")
        self.name = name

    def __repr__(self):
        return f"Spot({self.name!r})"


fresh(Located.metadata)
Current = scoped_session(sessionmaker(engine))
stop_auto_add = auto_add.auto_add(Located, Current)

### slide::
### title:: Built, and already in the session
### note:: Point at ``constructor raised:``, then at ``pending: [Spot('home')]``: the
### note:: failed spot left the session. About two minutes.
home = Spot("home")
try:
    Spot("")
except ValueError as err:
    print("constructor raised:", err)

print("pending:", list(Current.new))
Current.commit()

### slide:: e
### title:: Why it is hard: a query inside __init__
### note:: Ask what the query inside ``__init__`` will do. Point at the IntegrityError
### note:: raised by the autoflush. About two minutes.
# The query autoflushes, and the object is pending: its INSERT goes out half built.
class Tag(Located):
    __tablename__ = "p3_tags"
    id: Mapped[int] = mapped_column(primary_key=True)
    spots: Mapped[int] = mapped_column()
    label: Mapped[str] = mapped_column(String(50))

    def __init__(self, label):
        self.spots = Current.scalar(select(func.count(Spot.id)))
        self.label = label


fresh(Located.metadata, tables=[Tag.__table__])
Tag("popular")

### slide::
### title:: Switching it off
### note:: Point at ``Spot('work') pending: False``: switched off, objects wait for
### note:: ``add()`` again. About a minute.
Current.rollback()
stop_auto_add()
Current.remove()
print("Spot('work') pending:", Spot("work") in Current())
Current.remove()

### slide:: b
### title:: Case study: object managers
### note:: Ask who knows Django's ``Model.objects``, then reveal the bullets. About a
### note:: minute.
# Django-style ``Model.objects``: persistence code out of business
# classes.
### * ``.add`` ``.add_all`` ``.delete`` ``.flush`` ``.commit`` ``.get(pk)`` ``.filter_by()`` ``.all()``
### * Each class mapped under the base gets one, through the ``instrument_class`` mapper event (those mapped already, at once)
### claim:: ``.add`` ``.add_all`` ``.delete`` ``.flush`` ``.commit`` ``.get(pk)`` ``.filter_by()`` ``.all()``
### proof:: all(callable(getattr(object_managers.Manager, m, None)) for m in ["add", "add_all", "delete", "flush", "commit", "get", "filter_by", "all"])
### * A model names its own manager class to add query methods
### * 2010: a ``MapperExtension`` returning ``EXT_CONTINUE``, and ``Query.get``

### slide::
### title:: install(): a manager for each mapped class
### note:: Read the docstring: a manager for each class mapped under the base, now or
### note:: later. About a minute.
excerpt(source(object_managers.install), stop="    def on_instrument")

### slide::
### title:: install(): now, and at each class mapped later
### note:: Point at the ``instrument_class`` listener for classes mapped later, the loop
### note:: over the subclasses mapped already, and ``_attach``. About two minutes.
excerpt(source(object_managers.install), "    def on_instrument")
source(object_managers._attach)

### slide::
### title:: The manager: current session, SQLAlchemy 2.0-style calls
### note:: Point at the SQLAlchemy 2.0 calls inside each method: ``session.get`` and
### note:: ``select``. About a minute.
source(object_managers.Manager.get)
source(object_managers.Manager.add)
source(object_managers.Manager.filter_by)

### slide::
### title:: User.objects
### note:: Point at ``<Manager for User>`` and at the two lookups under it. About a minute.
# Each class mapped under ``Base`` has its manager now.
Managed = scoped_session(sessionmaker(engine))
object_managers.install(Base, Managed)
User.objects
User.objects.filter_by(name="mike").one()
User.objects.get(1)
Managed.remove()     # the end of this unit of work
### claim:: Each class mapped under ``Base`` has its manager now
### proof:: all(isinstance(m.class_.__dict__.get("objects"), object_managers.Manager) for m in Base.registry.mappers)

### slide::
### title:: A model with its own manager
### note:: Point at ``manager_class = ListManager``: a model names its manager, with a
### note:: query method of its own. About a minute.
class ListManager(object_managers.Manager):
    def with_email(self, email):
        return self.filter_by(email=email)


class ListMember(Base):           # mapped after install(): still managed
    __tablename__ = "p3_list_members"
    manager_class = ListManager
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(100))

    def __repr__(self):
        return f"ListMember({self.email!r})"


fresh(Base.metadata, tables=[ListMember.__table__])

### slide::
### title:: ListMember.objects at work
### note:: Point at ``<ListManager for ListMember>``, then at the row ``with_email`` found,
### note:: after the autoflush sent the INSERT. About a minute.
ListMember.objects
ListMember.objects.add(ListMember(email="sqlalchemy@googlegroups.com"))
ListMember.objects.with_email("sqlalchemy@googlegroups.com").first()
ListMember.objects.commit()
Managed.remove()

### slide:: b
### title:: Extension points in one slide
### note:: Recap each bullet in a sentence, and take questions before the Session chapter.
### note:: About two minutes.
# Next, the Session chapter: it brings its own engine and tables.
### * Imperative or declarative: one ``Mapper``
### * One listener per event replaced the 2010 extension classes
### * One ``Session`` class: ``sessionmaker`` makes them, ``scoped_session`` keeps them
### * Session events see the unit of work; ``before_flush`` may still change it
### * Queries are ``select()`` values; ``Session.get()`` for primary keys
engine.dispose()

### file:: chapters/part3_session.py
### file:: chapters/replicas.py

### slide::
### title:: Questions?
### note:: Open the floor. Point at ``part 3 done on:``, and take questions for as long as
### note:: time allows.
print("part 3 done on:", backend)
