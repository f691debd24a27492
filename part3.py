"""Part 3: the ORM and its extension points.  Run: python part3.py  (or: sliderepl part3.py)"""
if __name__ == "__main__":
    import sliderepl.launch
    sliderepl.launch.deck(__file__)   # runs the deck, then exits

### target:: 75m
### predict:: errors
### slide:: s
import collections
import dataclasses
import gc
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


def fresh(metadata, bind=None):
    """Drop and create ``metadata``'s tables: slides can be re-run."""
    metadata.drop_all(bind or engine)
    metadata.create_all(bind or engine)


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
fresh(Base.metadata)
with Session(engine) as session:
    session.add_all([
        User(name="jek", email="jek@example.com"),
        User(name="mike", email="mike@example.com"),
    ])
    session.commit()

### slide:: b
### title:: The main extension points
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

### slide:: e
### title:: The extension classes are gone
# ``MapperExtension`` and ``SessionExtension`` were removed.
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
from sqlalchemy.orm import MapperExtension
### claim:: ``EXT_CONTINUE`` and ``EXT_STOP`` can still be imported, but nothing
### claim:: reads a listener's return value to decide whether the next one runs:
### claim:: all of them run
### proof:: ran == ["stopper", "next one"]

### slide::
### title:: A mapper event at work: before_insert
# What ``MapperExtension.before_insert`` did: the listener gets the
# mapper, the flush's connection and the object, and may set this row's
# own columns.
@event.listens_for(Comment, "before_insert")
def tidy(mapper, connection, target):
    print("  before_insert:", target, "for", mapper.class_.__name__)
    target.text = target.text.strip()


with Session(engine) as session:
    session.add(Comment(text="  hello  ", posted_by=session.get(User, 1)))
    session.flush()
    print(session.scalars(select(Comment.text)).all())
    session.rollback()

event.remove(Comment, "before_insert", tidy)

### slide:: b
### title:: More extension points: the safe ones
### * Collection classes: a relationship as a set, a dict, your own class
### * Composites: several columns, one Python value
### * Custom comparators: what ``User.email == "x"`` means in SQL
### * ``Session`` and ``Query`` subclasses (later in this part)

### slide::
### title:: A relationship as a dict
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


### slide::
### title:: Your collection class at work: tracked, and filled on load
cellar_tables = [Cellar.__table__, Bottle.__table__]
Base.metadata.drop_all(engine, tables=cellar_tables)
Base.metadata.create_all(engine, tables=cellar_tables)
with Session(engine) as session:
    cellar = Cellar()
    for year, name in [(2019, "rioja"), (2015, "barolo"), (2019, "chianti")]:
        cellar.bottles.add(Bottle(year=year, name=name))
    print("tracked:", len(inspect(cellar).attrs.bottles.history.added),
          "added")
    session.add(cellar)
    session.commit()
    cellar_id = cellar.id

with Session(engine) as session:
    loaded = session.get(Cellar, cellar_id).bottles
    print("loaded:", {year: [b.name for b in bottles]
                      for year, bottles in loaded.years.items()})

### slide::
### title:: Composites: two columns, one value
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
# It keeps the class and keyword arguments, and calls the class with
# them: configure once where the application starts, call it anywhere.
Factory.class_.__name__, Factory.kw["bind"] is engine
Factory.configure(autoflush=False)
with Factory() as s:
    print("autoflush:", s.autoflush)

Factory.configure(autoflush=True)

### slide::
### title:: scoped_session is a registry
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

### slide::
### title:: Extend by wrapping
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

### slide::
### title:: Extend by subclassing: sessionmaker(class_=...)
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

### slide:: b
### title:: Session events (2010: SessionExtension)
### * Transactions: ``after_begin``, ``before_commit``, ``after_commit``, ``after_rollback``, ``after_transaction_end``
### * The flush: ``before_flush``, ``after_flush``, ``after_flush_postexec``
### * Objects: ``after_attach``, and state changes (``pending_to_persistent``...)
### * Listen on a ``sessionmaker``, a ``Session`` subclass, or one session

### slide::
### title:: Ten session events, through a flush and a commit
# A listener that prints each event's name, on its own sessionmaker.
# The inner create/end pair is the flush's own ``SessionTransaction``,
# inside the session's: no BEGIN or COMMIT of its own reaches the
# database (the SQL shows one of each).
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

with Loud() as session:
    jek = session.scalars(select(User).filter_by(name="jek")).one()
    print("-- add a comment")
    session.add(Comment(text="first!", posted_by=jek))
    print("-- commit")
    session.commit()
    print("-- leaving the with block")
### claim:: The inner create/end pair is the flush's own ``SessionTransaction``,
### claim:: inside the session's
### proof:: len(created) == 2 and created[1].parent is created[0]
### proof:: not created[1].nested and created[0].parent is None

### slide::
### title:: Attribute history
# ``History(added, unchanged, deleted)``: what a change replaced, as
# long as it is not flushed.  ``get_history`` is also
# ``inspect(obj).attrs.x.history``.
with Session(engine) as session:
    jek = session.scalars(select(User).filter_by(name="jek")).one()
    print(get_history(jek, "email"))
    jek.email = "jek@discorporate.us"
    print(inspect(jek).attrs.email.history)
    session.rollback()

### slide::
### title:: History during a flush
# In ``before_flush`` the change is still pending; once the flush has
# run, the new value is simply the current one.
Watched = sessionmaker(engine)


@event.listens_for(Watched, "before_flush")
def before(session, flush_context, instances):
    for obj in session.dirty:
        print("  before_flush:", obj, inspect(obj).attrs.email.history)


@event.listens_for(Watched, "after_flush_postexec")
def after(session, flush_context):
    for obj in session.identity_map.values():
        print("  after the flush:", obj, inspect(obj).attrs.email.history)


with Watched() as session:
    jek = session.scalars(select(User).filter_by(name="jek")).one()
    jek.email = "jek@discorporate.us"
    session.flush()
    session.rollback()

### slide:: b
### title:: What session events may change
### * ``before_flush``: add, change, delete objects; they go into this flush
### * ``after_flush``: the SQL has run, the bookkeeping not yet: attribute changes made now are reset, not written; objects ``add()``-ed now wait for the next flush (next slide)
### * ``after_flush_postexec``: the flush is done; changes made now are flushed next (``commit()`` flushes until the session is clean)
### * Mapper ``before_insert`` / ``before_update``: set this row's own columns; other SQL through the ``connection`` argument, not the session
### * ``after_commit``: the transaction is over; the session refuses SQL (two slides on)

### slide::
### title:: after_flush and after_flush_postexec, shown
# Each listener acts once, in the first flush.  ``after_flush`` changes
# jek (in this flush) and mike (clean until now) and adds a user;
# ``after_flush_postexec`` changes wendy.  SQLAlchemy warns once, about
# one "previously clean" object (mike); jek's change vanishes without a
# word.  The warning is caught here so that the slide can print it.
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


with warnings.catch_warnings(record=True) as caught, Inner() as session:
    warnings.simplefilter("always")
    users = {u.name: u for u in session.scalars(select(User))}
    users["jek"].email = "jek@flushed"
    session.flush()
    print("after the flush: new", list(session.new),
          "| dirty", list(session.dirty))
    session.flush()
    print("in the database:")
    stored = session.execute(select(User.name, User.email)
                             .order_by(User.id)).all()
    for row in stored:
        print("  ", *row)
    session.rollback()

for w in caught:
    print(type(w.message).__name__ + ":", str(w.message).split(",")[0])
### claim:: SQLAlchemy warns once, about one "previously clean" object (mike)
### proof:: len(caught) == 1 and "on 1 previously clean" in str(caught[0].message)
### proof:: dict(stored)["mike"] == "mike@example.com"
### claim:: jek's change vanishes without a word
### proof:: dict(stored)["jek"] == "jek@flushed"
### claim:: the added user waits for the next flush, wendy's change goes into it
### proof:: dict(stored)["wendy"] == "wendy@postexec" and "added in after_flush" in dict(stored)

### slide:: e
### title:: after_commit: values still there, no more SQL
# Expiry comes just after ``after_commit``: in it, loaded values can
# still be read, but the session refuses to send SQL.  (The error here
# stops the commit before the expiry: mike keeps his values.)
Strict = sessionmaker(engine)


@event.listens_for(Strict, "after_commit")
def peek(session):
    for obj in session.identity_map.values():
        print("  still loaded in after_commit:", obj)
    session.scalar(select(func.count(User.id)))


with Strict() as session:
    mike = session.scalars(select(User).filter_by(name="mike")).one()
    mike.email = "mike@example.org"
    session.commit()
### claim:: Expiry comes just after ``after_commit``
### proof:: not inspect(mike).expired_attributes
### proof:: inspect(mike).dict["email"] == "mike@example.org"

### slide::
### title:: Autoflush: the same object, many flushes
# With autoflush on (the default) each query first flushes pending
# changes, so a ``before_flush`` listener sees the same object several
# times before one commit.
Flushy = sessionmaker(engine)
flushes = []


@event.listens_for(Flushy, "before_flush")
def flushing(session, flush_context, instances):
    flushes.append([*session.new, *session.dirty])
    print("  flush sees:", flushes[-1])


with Flushy() as session:
    ed = User(name="ed")
    session.add(ed)
    n = len(session.scalars(select(User)).all())           # flush 1
    ed.email = "ed@example.com"
    n = len(session.scalars(select(User)).all())           # flush 2
    ed.name = "eddie"
    session.commit()                                        # flush 3
### claim:: With autoflush on (the default) each query first flushes pending
### claim:: changes, so a ``before_flush`` listener sees the same object several
### claim:: times before one commit
### proof:: len(flushes) == 3 and all(seen == [ed] for seen in flushes)

### slide::
### title:: expire_on_commit: state gone after commit
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
# A detached, expired object has nothing to load from.
# ``expire_on_commit=False`` keeps the values instead.
emails = {}
for expire in (True, False):
    with Session(engine, expire_on_commit=expire) as session:
        eddie = session.scalars(select(User).filter_by(name="eddie")).one()
        session.commit()
    try:
        emails[expire] = eddie.email
        print(f"expire_on_commit={expire}: email is", emails[expire])
    except DetachedInstanceError as err:
        emails[expire] = err
        print(f"expire_on_commit={expire}:", type(err).__name__)
### claim:: A detached, expired object has nothing to load from
### proof:: isinstance(emails[True], DetachedInstanceError)
### proof:: emails[False] == "ed@example.com"

### slide::
### title:: Strategy: look at new, dirty, deleted in before_flush
# ``before_flush`` sees each flush's objects before that flush's SQL:
# here it adds a change log row for each, in the same flush.  The
# query for the comment autoflushes: two flushes, each logged.
class Change(Base):
    __tablename__ = "p3_changes"
    id: Mapped[int] = mapped_column(primary_key=True)
    what: Mapped[str] = mapped_column(String(100))


Change.__table__.create(engine, checkfirst=True)
Tracked = sessionmaker(engine)
flushes = []


@event.listens_for(Tracked, "before_flush")
def log_changes(session, flush_context, instances):
    seen = [(kind, obj) for kind in ("new", "dirty", "deleted")
            for obj in getattr(session, kind) if not isinstance(obj, Change)]
    flushes.append([kind for kind, obj in seen])
    for kind, obj in seen:
        session.add(Change(what=f"{kind} {obj!r}"))


with Tracked() as session:
    eddie = session.scalars(select(User).filter_by(name="eddie")).one()
    eddie.email = "eddie@example.com"
    session.add(User(name="fred"))
    session.delete(session.scalars(select(Comment)).one())
    session.commit()
    print(session.scalars(select(Change.what).order_by(Change.id)).all())
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
### * 2010: a ``Query`` subclass with domain methods, on the class via ``query_property``
### * 2.x: ``Query`` is legacy; it still works, without a warning
### * ``Query.get()`` does warn: it is ``Session.get()`` now
### * The SQLAlchemy 2.0 way: functions (or classmethods) that return ``select()`` statements
### * "Hide this entity's deleted rows from its queries": the ``do_orm_execute`` event and ``with_loader_criteria``

### slide::
### title:: A Query subclass through query_property (legacy)
class UserQuery(Query):
    def with_email(self, email):
        return self.filter(User.email == email)


Users = scoped_session(sessionmaker(engine))
User.query = Users.query_property(UserQuery)
User.query.with_email("eddie@example.com").all()
Users.remove()

### slide::
### title:: Query.get() is legacy: Session.get()
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    User.query.get(1)

print(type(caught[0].message).__name__)
Users.get(User, 1)
Users.remove()

### slide::
### title:: The SQLAlchemy 2.0 way: statements are values
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
# 2010's other reason for a ``Query`` subclass: add a criterion to the
# queries of a class (deleted rows, another tenant's rows).
### * 2010: a ``Query`` subclass (``query_cls=``) adding it in ``__iter__`` and ``get()``; statements that did not go through it were missed
### * 2.x: the session event ``do_orm_execute`` hears the ORM statements a session executes: ``select()``, ``get()``, lazy and eager loads (not the flush's writes)
### * ``with_loader_criteria`` adds the criterion wherever the entity appears: FROM, JOIN ... ON, aliases, and the relationship loads of what it loaded
### * An execution option opts one statement out: ``include_deleted=True``
### claim:: the session event ``do_orm_execute`` hears the ORM statements a session executes: ``select()``, ``get()``, lazy and eager loads (not the flush's writes)
### proof:: orm_statements(lambda s: (s.add(User(name="x")), s.flush(), s.get(User, 1))) == ["select"]

### slide::
### title:: The listener and the option
source(soft_delete._hide_deleted)
source(soft_delete.install)

### slide::
### title:: Soft-deletable models: the mixin adds deleted_at
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
### title:: Before install() and after
# A topic with three replies, one soft-deleted.  Before ``install()``
# every query sees all three; after it, ``select()``, ``get()``, the lazy
# load and ``selectinload`` see two, until a statement opts out.
topic_tables = [Topic.__table__, Reply.__table__]
Base.metadata.drop_all(engine, tables=topic_tables)
Base.metadata.create_all(engine, tables=topic_tables)
Forum = sessionmaker(engine)
with Forum() as session:
    session.add(Topic(id=1, replies=[Reply(id=n, text=t) for n, t in
                                     [(1, "first"), (2, "spam"), (3, "ok")]]))
    session.commit()
    soft_delete.soft_delete(session, session.get(Reply, 2))
    session.commit()


def every_way(label):
    with Forum() as session:
        listed = session.scalars(select(Reply).order_by(Reply.id)).all()
        got, lazy = session.get(Reply, 2), session.get(Topic, 1).replies
        print(f"{label:22} select:", listed)
        print(f"{'':22} get(2):", got, "| lazy:", lazy)
    with Forum() as session:
        topic = session.scalars(
            select(Topic).options(selectinload(Topic.replies))).one()
        print(f"{'':22} selectinload:", topic.replies)
    return [len(listed), got is not None, len(lazy), len(topic.replies)]


seen_before = every_way("before install():")
stop_hiding = soft_delete.install(Forum)
seen_after = every_way("after install():")
with Forum() as session:
    opted_out = session.scalars(select(Reply).order_by(Reply.id),
                                execution_options={"include_deleted": True})
    print("include_deleted=True:", opted_out.all())

stop_hiding()
### claim:: Before ``install()`` every query sees all three
### proof:: seen_before == [3, True, 3, 3]
### claim:: after it, ``select()``, ``get()``, the lazy load and ``selectinload`` see two, until a statement opts out
### proof:: seen_after == [2, False, 2, 2]
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
# A topic this session created was never loaded by a filtered SELECT,
# nor was one loaded with ``include_deleted=True``: nothing carries the
# criterion into their lazy loads, so ``_hide_deleted`` adds it to such
# a load itself (without that, "spam" came back here).
stop_hiding = soft_delete.install(Forum)
with Forum() as session:
    made = Topic(id=2, replies=[Reply(id=4, text="hello"),
                                Reply(id=5, text="spam")])
    session.add(made)
    session.commit()
    soft_delete.soft_delete(session, session.get(Reply, 5))
    session.commit()                # expires made: its replies load again
    print("made by this session:", made.replies)
with Forum() as session:
    old_topic = session.get(Topic, 2,
                            execution_options={"include_deleted": True})
    print("loaded with include_deleted:", old_topic.replies)
stop_hiding()
### claim:: A topic this session created was never loaded by a filtered SELECT,
### claim:: nor was one loaded with ``include_deleted=True``: nothing carries the
### claim:: criterion into their lazy loads, so ``_hide_deleted`` adds it to such
### claim:: a load itself
### proof:: [reply.text for reply in made.replies] == ["hello"]
### proof:: [reply.text for reply in old_topic.replies] == ["hello"]

### slide:: b
### title:: Case study: contextual defaults, revisited
# Part 1's audit column reads ``connection.info["updated_by"]``.  ORM
# code talks to sessions, not connections.
### * Code sets ``session.info["updated_by"]``; part 1's column and listener stay as they were
### * Session events copy it to each connection the transaction uses...
### * ...and remove it however the transaction ends: commit, rollback, close, failed flush, garbage collection
### * 2010: a Session subclass for ``.info`` plus a SessionExtension that missed close and garbage collection

### slide::
### title:: install(): the listeners, on one factory
source(contextual_defaults.install)

### slide::
### title:: Copy the user when a transaction begins
source(contextual_defaults.UserCopier.after_begin)
source(contextual_defaults.stamp)

### slide::
### title:: Remove it when the transaction ends
# After commit or rollback (not a savepoint's), and at the end of the
# outermost transaction.  The pool's checkin listener is the backstop.
source(contextual_defaults.UserCopier.after_commit_or_rollback)
source(contextual_defaults.UserCopier.after_transaction_end)

### slide::
### title:: The 2010 sequence, now
class Record(Base):
    __tablename__ = "p3_records"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    updated_by: Mapped[int | None] = updated_by_column()


Record.__table__.drop(engine, checkfirst=True)
Record.__table__.create(engine)
Stamped = sessionmaker(engine)
remove_stamping = contextual_defaults.install(Stamped)
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
# ``close()`` without a commit, then a session dropped without
# ``close()``.  One pooled connection, so the next plain Core insert
# reuses the session's.
def plain_core_insert(engine, name):
    with engine.begin() as cx:
        [new_id] = cx.execute(insert(Record), {"name": name}
                              ).inserted_primary_key
        return cx.scalar(select(Record.updated_by)
                         .where(Record.id == new_id))


def close_then_drop(factory, engine):
    closed = factory()
    closed.info["updated_by"] = 789
    closed.add(Record(name="closed, not committed"))
    closed.flush()
    closed.close()
    after_close = plain_core_insert(engine, "Core after close")
    print("  after close(): a plain Core insert is stamped", after_close)
    dropped = factory()
    dropped.info["updated_by"] = 789
    dropped.add(Record(name="dropped"))
    dropped.flush()
    del dropped
    gc.collect()
    print("  after a drop: checked out", engine.pool.checkedout())
    try:
        after_drop = plain_core_insert(engine, "Core after drop")
        print("  ...and a plain Core insert is stamped", after_drop)
    except TimeoutError_ as err:
        after_drop = err
        print("  ...and a plain Core insert:", type(err).__name__,
              str(err).split(",")[0])
    return after_close, engine.pool.checkedout(), after_drop


def one_connection_engine():
    return create_engine(url, pool_size=1, max_overflow=0, pool_timeout=1)


### slide::
### title:: Baseline: the 2010 populator, ported to events
# ``close()`` fires neither of its events: the user stays on the
# connection.  A dropped session: the map keeps its connection checked
# out, and the pool runs dry.
old_way = one_connection_engine()
Old = sessionmaker(old_way)
populator = Populator2010()
for name in ("after_begin", "after_commit", "after_rollback"):
    event.listen(Old, name, getattr(populator, name))
print("2010 populator:")
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
print("contextual_defaults.install:")
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
source(auto_add.auto_add)

### slide::
### title:: Built, and already in the session
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
home = Spot("home")
try:
    Spot("")
except ValueError as err:
    print("constructor raised:", err)

print("pending:", list(Current.new))
Current.commit()

### slide:: e
### title:: Why it is hard: a query inside __init__
# The query autoflushes, and the object is already pending: its INSERT
# goes out before ``__init__`` has set a single attribute.
class Tag(Located):
    __tablename__ = "p3_tags"
    id: Mapped[int] = mapped_column(primary_key=True)
    spots: Mapped[int] = mapped_column()
    label: Mapped[str] = mapped_column(String(50))

    def __init__(self, label):
        self.spots = Current.scalar(select(func.count(Spot.id)))
        self.label = label


Tag.__table__.create(engine, checkfirst=True)
Tag("popular")

### slide::
### title:: Switching it off
Current.rollback()
stop_auto_add()
Current.remove()
print("Spot('work') pending:", Spot("work") in Current())
Current.remove()

### slide:: b
### title:: Case study: object managers
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
source(object_managers.install)
source(object_managers._attach)

### slide::
### title:: The manager: current session, SQLAlchemy 2.0-style calls
source(object_managers.Manager.get)
source(object_managers.Manager.add)
source(object_managers.Manager.filter_by)

### slide::
### title:: User.objects
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


ListMember.__table__.create(engine, checkfirst=True)
ListMember.objects
ListMember.objects.add(ListMember(email="sqlalchemy@googlegroups.com"))
ListMember.objects.with_email("sqlalchemy@googlegroups.com").first()
ListMember.objects.commit()
Managed.remove()

### slide:: b
### title:: Extension points in one slide
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
print("part 3 done on:", backend)
