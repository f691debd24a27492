"""Part 3, chapter: the Session in depth.  A section file: part3.py
includes it with ``### file:: chapters/part3_session.py``; to run it alone:
sliderepl tests/decks/session_chapter.py"""

### slide:: s
# The chapter's own imports and helpers, so it does not depend on the
# names of the deck that includes it.  Setup slides run when the deck
# starts: only names that cannot clash with the including deck's own
# (same objects, or chapter-specific names) are bound here.
import asyncio
import contextlib
import sqlite3
import sys
import tempfile
import threading
import weakref

from sqlalchemy import (
    ForeignKey, String, create_engine, delete, event, func, insert, inspect,
    select, text, update,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import (
    ArgumentError, IllegalStateChangeError, InvalidRequestError,
    OperationalError,
)
from sqlalchemy.orm import (
    DeclarativeBase, Mapped, create_session, mapped_column, object_session,
    relationship, scoped_session, sessionmaker,
)

from casestudies import contextual_sessions, partitioning
from workshop_db import resolve_url
from sliderepl.show import source

# Threads and tasks must share one database: in-memory SQLite is a
# database per connection, so the chapter uses a temporary file instead.
chapter_stack = contextlib.ExitStack()
chapter_url = chapter_stack.enter_context(
    contextual_sessions.concurrent_url(resolve_url()))
on_server = make_url(chapter_url).get_backend_name() != "sqlite"


@contextlib.contextmanager
def count_statements(engine):
    """Collect the SQL statements ``engine`` sends inside the block."""
    sent = []

    def hook(conn, cursor, statement, parameters, context, executemany):
        sent.append(statement)

    event.listen(engine, "before_cursor_execute", hook)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", hook)


def state_of(obj):
    """The one state of the five that ``inspect(obj)`` reports as true."""
    insp = inspect(obj)
    return next(name for name in (
        "transient", "pending", "persistent", "deleted", "detached",
    ) if getattr(insp, name))


def scratch_engines(count):
    """Engines on ``count`` new empty databases beside the chapter's
    (SQLite: files), disposed and dropped when the chapter ends."""
    urls = chapter_stack.enter_context(
        partitioning.scratch_databases(chapter_url, count))
    engines = [create_engine(u) for u in urls]
    for made in engines:
        chapter_stack.callback(made.dispose)
    return engines


def raised(call, *args, **kw):
    """The exception ``call(*args, **kw)`` raises, else None (proofs)."""
    try:
        call(*args, **kw)
    except Exception as exc:
        return exc
    return None


def connections_taken(engine, make):
    """How many more connections ``engine`` has checked out once
    ``make()`` has made a session, before it sends SQL (proofs)."""
    before = engine.pool.checkedout()
    made = make()
    taken = engine.pool.checkedout() - before
    made.close()
    return taken


def rows_in(engine, table):
    """``count(*)`` of ``table`` as text SQL, on a connection of its own:
    no statement a slide compiles is cached by it (proofs)."""
    with engine.connect() as conn:
        return conn.scalar(text(f"SELECT count(*) AS proof_rows FROM {table}"))


def server_setting(engine, name):
    """``SHOW name`` on a connection of its own (proofs)."""
    with engine.connect() as conn:
        return conn.scalar(text(f"SHOW {name}"))


class _Planted:
    pass


def _plant():
    """SQLAlchemy-Rope's trick: an object put in the caller's frame."""
    planted = _Planted()
    sys._getframe(1).f_locals["_rope_planted"] = planted
    return weakref.ref(planted)


def rope_freed_at_return():
    """True when the planted object is gone as soon as its caller
    returns: reference counting, no garbage collection (proofs)."""
    def caller():
        return _plant()
    return caller()() is None


def rope_kept_by_traceback():
    """True when a traceback that holds the caller's frame keeps the
    planted object alive, and dropping it frees the object (proofs)."""
    def caller():
        caller.planted = _plant()
        raise LookupError
    try:
        caller()
    except LookupError as exc:
        kept = exc.__traceback__
    alive = caller.planted() is not None
    del kept
    return alive and caller.planted() is None


def announce_twophase(engine, name):
    """Print each two-phase step as it reaches ``engine``'s database."""
    event.listen(engine, "prepare_twophase",
                 lambda conn, xid: print("PREPARE", name))
    event.listen(engine, "commit_twophase",
                 lambda conn, xid, is_prepared: print("COMMIT PREPARED", name))


def count_rows(engine, entity):
    """Rows of ``entity``'s table, seen from a connection of its own."""
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(entity))


### slide:: b
### title:: The Session in depth
# Connections and SQL were part 1 and part 2; mappers and events came
# earlier in part 3.  This chapter is about the object you hold
# while you work: the Session.
### * What it does: unit of work, identity map (and why it is no cache)
### * Object states, getting a session, the FAQ shown running
### * Using it: add again, merge, expunge, refresh and expire, cascades
### * Transactions: commit, rollback, savepoints, two-phase commit; what autocommit mode was
### * One session per thread, per task, per call: the old plugins' heirs
print("the chapter runs on:", make_url(chapter_url).drivername)

### slide::
### title:: This chapter's database
# One table, mapped declaratively, and two rows to start with; the
# engine comes from the deck's URL (``--db``).  ``__repr__`` prints
# values, never addresses.  Re-running this slide starts afresh.
from sqlalchemy.orm import Session

engine = create_engine(chapter_url)


class Base(DeclarativeBase):
    pass


class Page(Base):
    __tablename__ = "page"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(50))
    hits: Mapped[int] = mapped_column(default=0)

    def __repr__(self):
        return f"Page({self.id}, {self.title!r}, hits={self.hits})"


Base.metadata.drop_all(engine)
Base.metadata.create_all(engine)
with engine.begin() as conn:
    added = conn.execute(insert(Page), [{"title": "Home"},
                                        {"title": "About"}])
### claim:: ``__repr__`` prints values, never addresses
### proof:: repr(Page(id=7, title="x", hits=0)) == "Page(7, 'x', hits=0)"

### slide::
### title:: sessionmaker: configured once, bound later
# Make the factory once, where the application is configured; give it
# the engine when the engine exists.  The rest of the application just
# calls it.
make_session = sessionmaker()
make_session.configure(bind=engine)
with make_session() as session:
    print("pages:", session.scalar(select(func.count(Page.id))))

### slide::
### title:: The unit of work
# The session records what you change and writes it all at flush time
# (in dependency order, when tables refer to each other).  ``new`` and
# ``dirty`` are its to-do lists.
session = make_session()
home = session.scalars(select(Page).where(Page.title == "Home")).one()
home.hits = 1
session.add(Page(title="Blog"))
print("new:", list(session.new), " dirty:", list(session.dirty))
session.commit()   # one flush: the UPDATE and the INSERT, then COMMIT
### claim:: The session records what you change and writes it all at flush time
### proof:: not session.new and not session.dirty
### proof:: rows_in(engine, "page") == 3

### slide::
### title:: The identity map
# One object per primary key per session: a second query for the same
# row hands back the very same Python object.
by_title = session.scalars(select(Page).where(Page.title == "Home")).one()
by_id = session.get(Page, by_title.id)
print("same object:", by_title is by_id is home)

### slide::
### title:: It is not a cache
# A query always goes to the database, even when every row it returns is
# already in the identity map.  ``Session.get()`` looks in the map first.
with count_statements(engine) as by_select:
    session.scalars(select(Page).where(Page.id == home.id)).one()
print("select() sent", len(by_select), "statement")
with count_statements(engine) as by_get:
    session.get(Page, home.id)
print("get() sent", len(by_get), "statements")
session.expire(home)
with count_statements(engine) as by_expired:
    session.get(Page, home.id).title
print("get() of an expired object sent", len(by_expired), "statement")
session.close()
### claim:: A query always goes to the database, even when every row it returns is
### claim:: already in the identity map
### proof:: len(by_select) == 1 and by_select[0].lstrip().startswith("SELECT")
### claim:: ``Session.get()`` looks in the map first
### proof:: len(by_get) == 0 and len(by_expired) == 1

### slide::
### title:: Object states
# Five states, read from ``inspect(obj)`` at each step.
page = Page(title="Draft")
print("constructed: ", state_of(page))
session = make_session()
session.add(page)
print("after add:   ", state_of(page))
session.flush()
print("after flush: ", state_of(page))
session.delete(page)
session.flush()
print("after delete:", state_of(page))
session.commit()
print("after commit:", state_of(page))
session.close()

### slide::
### title:: Persistent, then detached
# Closing the session detaches what it loaded: the object keeps its
# loaded values, but can no longer load anything.
session = make_session()
about = session.scalars(select(Page).where(Page.title == "About")).one()
before = state_of(about)
session.close()
print(before, "->", state_of(about), about)
### claim:: Closing the session detaches what it loaded: the object keeps its
### claim:: loaded values, but can no longer load anything
### proof:: (before, state_of(about)) == ("persistent", "detached")
### proof:: inspect(about).dict["title"] == "About" and inspect(about).session is None

### slide:: e
### title:: A detached object cannot load
# commit() expired everything (``expire_on_commit``); after close() the
# object has no session to reload from.
session = make_session()
home = session.get(Page, 1)
session.commit()
session.close()
home.title
### claim:: A detached object cannot load
### proof:: type(raised(getattr, home, "title")).__name__ == "DetachedInstanceError"
### claim:: commit() expired everything (``expire_on_commit``); after close() the
### claim:: object has no session to reload from
### proof:: inspect(home).expired and inspect(home).session is None

### slide::
### title:: Re-adding a detached object: add() again
# ``add()`` makes a detached object persistent in the new session: its
# changes are flushed as an UPDATE.  Unless the new session already has
# its own object for that row: one object per row per session.
with make_session() as session:
    about = session.scalars(select(Page).where(Page.title == "About")).one()
about_id = about.id
print("closed:", state_of(about))
with make_session() as session:
    session.add(about)
    print("after add():", state_of(about), "| in the session:",
          about in session)
    about.hits = 5
    print("dirty:", list(session.dirty))
    session.rollback()
with make_session() as session:
    about = session.get(Page, about_id)       # detached again, loaded
with make_session() as session:
    twin = session.get(Page, about_id)
    try:
        session.add(about)
    except InvalidRequestError as err:
        print("InvalidRequestError:", str(err).split("; ")[1])

### slide::
### title:: merge(): copy a detached object's state in
# ``merge()`` does not attach the object you pass: it finds (or loads)
# the session's own object for that row and copies the state onto it.
# With no such row, the copy is pending: the flush INSERTs it.
about.hits = 7                                # detached, changed
with make_session() as session:
    twin = session.get(Page, about_id)
    merged = session.merge(about)
    print("returns the session's own:", merged is twin,
          "| the one passed stays", state_of(about))
    print("hits:", inspect(merged).attrs.hits.history)
    draft = session.merge(Page(id=99, title="Merged"))
    print("a row not in the database:", state_of(draft))
    session.rollback()

### slide::
### title:: expunge() and expunge_all()
# ``expunge(obj)`` takes one object out of the session: detached, its
# unflushed changes forgotten by the session.  ``expunge_all()`` empties
# the identity map (``close()`` does that too, and ends the transaction).
with make_session() as session:
    home = session.get(Page, 1)
    home.hits = 100
    session.expunge(home)
    print("expunged:", state_of(home), "| dirty:", list(session.dirty))
    session.commit()                  # nothing left to write
    everything = session.scalars(select(Page)).all()
    print("identity map:", len(session.identity_map), "objects")
    session.expunge_all()
    print("after expunge_all():", len(session.identity_map), "objects")
with engine.connect() as conn:
    print("hits of page 1 in the database:",
          conn.scalar(select(Page.hits).where(Page.id == 1)))

### slide::
### title:: refresh() and expire(): the row changed underneath
# The identity map keeps what it loaded until told otherwise.  Here a
# bulk UPDATE that does not synchronize the session changes the row (in
# real life: another transaction).  ``refresh()`` reloads now;
# ``expire()`` marks attributes stale and the next access loads them.
bump = (update(Page).where(Page.id == 1).values(hits=Page.hits + 10)
        .execution_options(synchronize_session=False))
with make_session() as session:
    home = session.get(Page, 1)
    bumped = session.execute(bump)
    print("stale:", home.hits)
    session.refresh(home)
    print("after refresh():", home.hits)
    bumped = session.execute(bump)
    session.expire(home, ["hits"])
    print("expired:", sorted(inspect(home).expired_attributes))
    print("next access loads:", home.hits)
    session.rollback()

### slide::
### title:: Cascades: what follows an object into the session
# ``cascade`` on a relationship says which session operations travel
# from parent to children.  The default is ``"save-update, merge"``.
# Two parents side by side: a ``Tray`` with the default, a ``Binder``
# with ``"all, delete-orphan"``.
class Tray(Base):
    __tablename__ = "tray"
    id: Mapped[int] = mapped_column(primary_key=True)
    sheets: Mapped[list["Sheet"]] = relationship()


class Binder(Base):
    __tablename__ = "binder"
    id: Mapped[int] = mapped_column(primary_key=True)
    sheets: Mapped[list["Sheet"]] = relationship(
        cascade="all, delete-orphan")


class Sheet(Base):
    __tablename__ = "sheet"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(20))
    tray_id: Mapped[int | None] = mapped_column(ForeignKey("tray.id"))
    binder_id: Mapped[int | None] = mapped_column(ForeignKey("binder.id"))


cascade_tables = [Tray.__table__, Binder.__table__, Sheet.__table__]
Base.metadata.drop_all(engine, tables=cascade_tables)
Base.metadata.create_all(engine, tables=cascade_tables, checkfirst=False)
print("Tray.sheets:  ", sorted(inspect(Tray).relationships.sheets.cascade))
print("Binder.sheets:", sorted(inspect(Binder).relationships.sheets.cascade))
### claim:: Two parents side by side: a ``Tray`` with the default, a ``Binder``
### claim:: with ``"all, delete-orphan"``
### proof:: set(inspect(Tray).relationships.sheets.cascade) == {"save-update", "merge"}
### proof:: inspect(Binder).relationships.sheets.cascade.delete_orphan
### proof:: {"delete", "refresh-expire", "expunge"} <= set(inspect(Binder).relationships.sheets.cascade)

### slide::
### title:: save-update, delete, delete-orphan, beside the default
# save-update: adding the parents adds their sheets.  Taking a sheet out
# of the collection: the Tray's stays, unlinked; the Binder's is deleted
# (delete-orphan).  Deleting the parent: the Tray's sheets are unlinked,
# the Binder's deleted with it (delete).


def sheets(session):
    return session.execute(select(Sheet.name, Sheet.tray_id,
                                  Sheet.binder_id).order_by(Sheet.name)).all()


with make_session() as session:
    tray = Tray(sheets=[Sheet(name="t1"), Sheet(name="t2")])
    binder = Binder(sheets=[Sheet(name="b1"), Sheet(name="b2")])
    session.add_all([tray, binder])
    print("save-update: pending", len(session.new), "objects")
    session.flush()
    print("stored:             ", sheets(session))
    tray.sheets.remove(tray.sheets[0])
    binder.sheets.remove(binder.sheets[0])
    print("removed the first:  ", sheets(session))
    session.delete(tray)
    session.delete(binder)
    print("deleted the parents:", sheets(session))
    session.commit()

### slide::
### title:: FAQ: when do I make a session?
# One session per unit of work: a web request, a job, a task.  Sessions
# are cheap: a connection is taken only at the first SQL (or
# ``session.connection()``), not when the session is made.
# ``sessionmaker.begin()`` opens one, commits at the end (or rolls back
# on an exception) and closes it.
with make_session.begin() as session:
    session.add(Page(title="Contact"))
print("pages:", count_rows(engine, Page))
### claim:: Sessions are cheap: a connection is taken only at the first SQL (or
### claim:: ``session.connection()``), not when the session is made
### proof:: connections_taken(engine, make_session) == 0
### proof:: connections_taken(engine, lambda: (s := make_session(), s.connection())[0]) == 1
### proof:: connections_taken(engine, lambda: (s := make_session(), s.scalar(select(1)))[0]) == 1

### slide::
### title:: FAQ: is the session thread-safe?  No.
### note:: The listener makes the race deterministic: the second thread runs exactly while the first is inside the session.  Without the check, two threads flushing one session interleave on one connection.
# Two threads, one session: while this thread is inside the session
# getting a connection, another thread closes the same session.  The
# session notices this time; other interleavings go unnoticed and leave
# its state silently wrong.  Give each thread its own session.
shared = make_session()
problems = []


def other_thread():
    try:
        shared.close()
    except IllegalStateChangeError as exc:
        problems.append(exc)


@event.listens_for(shared, "after_begin")
def meanwhile(session, transaction, connection):
    worker = threading.Thread(target=other_thread)
    worker.start()
    worker.join(timeout=10)


rows = shared.scalars(select(Page)).all()
print(type(problems[0]).__name__ + ":", str(problems[0]).split(";")[0])
shared.close()
### claim:: The session notices this time
### proof:: len(problems) == 1 and isinstance(problems[0], IllegalStateChangeError)

### slide::
### title:: FAQ: which session is this object in?
# ``object_session(obj)`` or ``inspect(obj).session``; None once the
# object is detached.
session = make_session()
contact = session.scalars(select(Page).where(Page.title == "Contact")).one()
print(object_session(contact) is session, inspect(contact).session is session)
session.close()
print(object_session(contact))
### claim:: ``object_session(obj)`` or ``inspect(obj).session``; None once the
### claim:: object is detached
### proof:: object_session(contact) is None and inspect(contact).session is None

### slide::
### title:: Commit and rollback
# Once a session has used the database it is in a transaction, until
# commit(), rollback() or close() ends it; the next SQL begins another.
# rollback() discards the flushed INSERT and expunges the new object.
session = make_session()
blog = Page(title="Mistake")
session.add(blog)
session.flush()
print("inside:", session.scalar(select(func.count(Page.id))),
      "| in a transaction:", session.in_transaction())
session.rollback()
ended = not session.in_transaction()
print("after rollback:", session.scalar(select(func.count(Page.id))),
      "| object now", state_of(blog))
session.close()
### claim:: Once a session has used the database it is in a transaction, until
### claim:: commit(), rollback() or close() ends it
### proof:: ended and state_of(blog) == "transient"

### slide::
### title:: 2010: create_session(), autocommit mode, subtransactions
# ``create_session()`` gave a session in autocommit mode (its default
# through SQLAlchemy 1.4): no transaction until ``begin()``, each flush
# committed on its own.  ``begin(subtransactions=True)`` let nested code
# "begin" inside its caller's transaction; an inner rollback left the
# outer one unusable.  SQLAlchemy 1.4 deprecated both, 2.0 removed them:
# where a transaction began and ended was too easy to misread.
# ``create_session()`` remains, now only a Session with autoflush and
# ``expire_on_commit`` off.
legacy = create_session(bind=engine)
print("create_session(): autoflush", legacy.autoflush,
      "| expire_on_commit", legacy.expire_on_commit)
legacy.close()
try:
    Session(engine, autocommit=True)
except ArgumentError as err:
    print("Session(autocommit=True):", err)
try:
    make_session().begin(subtransactions=True)
except TypeError as err:
    print("begin(subtransactions=True):", err)
### claim:: SQLAlchemy 1.4 deprecated both, 2.0 removed them
### proof:: isinstance(raised(Session, engine, autocommit=True), ArgumentError)
### proof:: "subtransactions" in str(raised(Session(engine).begin, subtransactions=True))
### claim:: ``create_session()`` remains, now only a Session with autoflush and ``expire_on_commit`` off
### proof:: type(legacy) is Session and not legacy.autoflush and not legacy.expire_on_commit

### slide::
### title:: What replaced them: autobegin, one owner, savepoints
# A session begins by itself at its first SQL and stays in that
# transaction until commit, rollback or close.  The outermost caller
# owns it; a second ``begin()`` is an error, not a subtransaction; a
# part that may fail on its own is a SAVEPOINT.
with make_session() as session:
    print("before any SQL:", session.in_transaction())
    pages_now = session.scalar(select(func.count(Page.id)))
    print("after a query (autobegin):", session.in_transaction())
    try:
        session.begin()
    except InvalidRequestError as err:
        print("begin() again:", str(err).split(";")[0])
    inner = session.begin_nested()
    session.add(Page(title="Inner"))
    inner.rollback()
    print("after the savepoint's rollback: still in the transaction:",
          session.in_transaction(), "| pending:", list(session.new))
    session.rollback()

### slide::
### title:: Savepoints: begin_nested()
# A SAVEPOINT inside the transaction: roll back part of the work and
# keep the rest.  This works on each backend of this tutorial, SQLite
# included, because the session has already begun (the ``Keep`` INSERT
# goes first); a SAVEPOINT as SQLite's first statement does not (next).
before = count_rows(engine, Page)
with make_session() as session:
    session.add(Page(title="Keep"))
    savepoint = session.begin_nested()
    session.add(Page(title="Undo"))
    savepoint.rollback()
    session.commit()
added = count_rows(engine, Page) - before
print("added:", added)
### claim:: This works on each backend of this tutorial, SQLite included,
### claim:: because the session has already begun
### proof:: added == 1

### slide::
### title:: SQLite: a SAVEPOINT as the first statement
### note:: On a server both numbers on this and the next slide are 0: only pysqlite's lazy BEGIN causes this.  Test suites that join an outer transaction hit it first.
### claim:: On a server both numbers on this and the next slide are 0: only pysqlite's lazy BEGIN causes this
### proof:: engine.dialect.name == "sqlite" or left == 0
### proof:: engine.dialect.name != "sqlite" or left == 1
### claim:: A SAVEPOINT sent first starts SQLite's transaction itself; releasing it
### claim:: commits, and the outer ROLLBACK has nothing left to undo
### proof:: engine.dialect.name != "sqlite" or left == 1
# The default SQLite driver sends BEGIN lazily, before the first INSERT.
# A SAVEPOINT sent first starts SQLite's transaction itself; releasing it
# commits, and the outer ROLLBACK has nothing left to undo.
def rows_the_rollback_left(engine):
    before = count_rows(engine, Page)
    with Session(engine) as session:
        savepoint = session.begin_nested()   # the very first statement
        session.add(Page(title="Ghost"))
        savepoint.commit()
        session.rollback()                   # should undo the Ghost...
    return count_rows(engine, Page) - before


left = rows_the_rollback_left(engine)
print("rows the rollback failed to undo:", left)
with engine.begin() as conn:             # later slides must not see it
    gone = conn.execute(delete(Page).where(Page.title == "Ghost"))

### slide::
### title:: SQLite: the documented fix
# SQLAlchemy's pysqlite recipe: turn off the driver's own transaction
# handling and emit BEGIN ourselves.  Servers need nothing.  On Python
# 3.12+ ``connect_args={"autocommit": False}`` is the other way: the
# driver then keeps a transaction open itself.  One or the other: both
# together fail (next slide).
fixed = create_engine(chapter_url)
if fixed.dialect.name == "sqlite":
    @event.listens_for(fixed, "connect")
    def no_driver_transactions(dbapi_connection, connection_record):
        dbapi_connection.isolation_level = None

    @event.listens_for(fixed, "begin")
    def emit_begin(conn):
        conn.exec_driver_sql("BEGIN")

fixed_left = rows_the_rollback_left(fixed)
print("rows the rollback failed to undo:", fixed_left)
### claim:: Servers need nothing
### proof:: fixed_left == 0
### proof:: fixed.dialect.name == "sqlite" or left == 0

### slide::
### title:: SQLite on Python 3.12+: autocommit=False, instead of the recipe
# With ``autocommit=False`` sqlite3 opens a transaction itself: alone,
# the rollback undoes the Ghost (0 rows left); with the recipe too, its
# BEGIN fails: "cannot start a transaction within a transaction".
# Python 3.11's sqlite3 has no ``autocommit``.  What this Python does:
version = "Python {}.{}".format(*sys.version_info[:2])
if fixed.dialect.name != "sqlite":
    print(version, "on a server: neither is needed")
elif sys.version_info < (3, 12):
    try:
        sqlite3.connect(":memory:", autocommit=False)
    except TypeError as err:
        print(f"{version}: {err}; the event recipe is the way here")
else:
    alone = create_engine(chapter_url, connect_args={"autocommit": False})
    alone_left = rows_the_rollback_left(alone)
    print(f"{version}, autocommit=False alone: rows the rollback failed"
          " to undo:", alone_left)
    alone.dispose()
    both = create_engine(chapter_url, connect_args={"autocommit": False})
    event.listen(both, "connect", no_driver_transactions)
    event.listen(both, "begin", emit_begin)
    try:
        with Session(both) as session:
            session.scalar(select(func.count(Page.id)))
    except OperationalError as err:
        both_error = str(err.orig)
        print(f"{version}, both:", both_error)
    both.dispose()
### claim:: With ``autocommit=False`` sqlite3 opens a transaction itself: alone,
### claim:: the rollback undoes the Ghost (0 rows left); with the recipe too, its
### claim:: BEGIN fails: "cannot start a transaction within a transaction"
### proof:: fixed.dialect.name != "sqlite" or sys.version_info < (3, 12) or alone_left == 0
### proof:: fixed.dialect.name != "sqlite" or sys.version_info < (3, 12) or both_error == "cannot start a transaction within a transaction"
### claim:: Python 3.11's sqlite3 has no ``autocommit``
### proof:: sys.version_info >= (3, 12) or isinstance(raised(sqlite3.connect, ":memory:", autocommit=False), TypeError)

### slide::
### title:: Joining an outer transaction: how test suites do it
# Start a transaction on a Connection, then bind a session to it.  With
# ``create_savepoint`` the session's commit() only releases a SAVEPOINT,
# so the outer ROLLBACK undoes everything the code under test
# "committed".  On SQLite the session's first statement is that
# SAVEPOINT: it needs the fix we just installed.
with fixed.connect() as conn:
    outer = conn.begin()
    with Session(bind=conn,
                 join_transaction_mode="create_savepoint") as session:
        session.add(Page(title="Test data"))
        session.commit()
        inside = session.scalar(select(func.count(Page.id)))
    outer.rollback()
after = count_rows(fixed, Page)
print("pages inside the test:", inside, "| after:", after)
fixed.dispose()
### claim:: With ``create_savepoint`` the session's commit() only releases a SAVEPOINT,
### claim:: so the outer ROLLBACK undoes everything the code under test "committed"
### proof:: inside - after == 1

### slide::
### title:: SQL expressions inside a flush
# Assign a SQL expression to an attribute: the UPDATE computes it in the
# database (no lost update between read and write), and the attribute is
# expired, so the next read loads the real value.
pages = Page.__table__
with make_session() as session:
    home = session.scalars(select(Page).where(Page.title == "Home")).one()
    home.hits = pages.c.hits + 1
    session.flush()
    print("expired:", inspect(home).expired_attributes)
    print("hits now:", home.hits)
    session.commit()

### slide::
### title:: Your own SQL, in the session's transaction
# ``session.execute()`` runs on the session's connection, inside its
# transaction: it sees the session's flushed work, and is rolled back
# with it.
with make_session() as session:
    session.add(Page(title="Pending"))
    session.flush()
    seen = session.execute(text("SELECT count(*) FROM page")).scalar()
    bumped = session.execute(update(Page).values(hits=Page.hits + 1))
    print("inside:", seen, "pages; outside:", count_rows(engine, Page))
    session.rollback()
print("after rollback:", count_rows(engine, Page), "pages")

### slide::
### title:: Two-phase commit
# One session, two databases, one atomic commit: PREPARE on both, then
# COMMIT on both.  PostgreSQL needs max_prepared_transactions > 0;
# MariaDB uses XA.  SQLite has no PREPARE.
class CrmBase(DeclarativeBase):        # the CRM database's tables
    pass


class BillingBase(DeclarativeBase):    # the billing database's tables
    pass


class Customer(CrmBase):
    __tablename__ = "customer"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))


class Invoice(BillingBase):
    __tablename__ = "invoice"
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int]           # no foreign key across databases
    cents: Mapped[int]


if on_server:
    crm, billing = scratch_engines(2)
    announce_twophase(crm, "crm")
    announce_twophase(billing, "billing")
    CrmBase.metadata.create_all(crm)
    BillingBase.metadata.create_all(billing)
    with partitioning.vertical_session(
            {CrmBase: crm, BillingBase: billing}, twophase=True) as session:
        session.add_all([Customer(id=1, name="Ada"),
                         Invoice(id=1, customer_id=1, cents=900)])
        session.commit()
    print("committed in both:", count_rows(crm, Customer),
          count_rows(billing, Invoice))
else:
    print("two-phase commit needs a server: run with --db postgresql")
### claim:: PostgreSQL needs max_prepared_transactions > 0
### proof:: not on_server or crm.dialect.name != "postgresql" or int(server_setting(crm, "max_prepared_transactions")) > 0
### proof:: not on_server or (count_rows(crm, Customer), count_rows(billing, Invoice)) == (1, 1)

### slide::
### title:: A crash after PREPARE: the coordinator's journal
# Prepared transactions outlive their connection, holding locks, until
# someone commits or rolls them back.  The case study journals the
# decision between the two phases, so recovery knows which way to go.
source(partitioning.TwoPhaseCoordinator.commit)

### slide::
### title:: Recovering prepared transactions
### note:: Without the journal the two xids cannot even be matched: each database got its own random one.  tests/test_partitioning.py also crashes the server itself between the phases.
# The coordinator "dies" after deciding to commit: nothing is visible
# yet.  Recovery reads the journal and commits both halves.
if on_server:
    coordinator = partitioning.TwoPhaseCoordinator(
        crm, {"crm": crm, "billing": billing})
    coordinator.create_journal()
    with coordinator.session({CrmBase: crm, BillingBase: billing}) as tp:
        tp.add_all([Customer(id=2, name="Bob"),
                    Invoice(id=2, customer_id=2, cents=100)])
        try:
            coordinator.commit(tp, after_decision=partitioning.simulate_crash)
        except partitioning.CoordinatorCrash as exc:
            print("crash:", exc)
    visible = [(count_rows(crm, Customer), count_rows(billing, Invoice))]
    print("visible:", *visible[0])
    recovered = coordinator.recover()
    print("recovery:", sorted(o for _, _, o in recovered))
    visible.append((count_rows(crm, Customer), count_rows(billing, Invoice)))
    print("visible:", *visible[1])
else:
    print("recovery needs a server too: see casestudies/partitioning.py")
### claim:: Without the journal the two xids cannot even be matched: each database got its own random one
### proof:: not on_server or len({xid for _, xid, _ in recovered}) == 2
### claim:: The coordinator "dies" after deciding to commit: nothing is visible
### claim:: yet
### proof:: not on_server or visible == [(1, 1), (2, 2)]

### slide::
### title:: More than one database: binds and shards
# ``binds`` route classes to engines (vertical); ``ShardedSession``
# spreads the rows of one table (horizontal).  A query across shards
# runs once per shard, and the results are joined one after the other
# (next slide).
source(partitioning.sharded_session)

### slide::
### title:: ORDER BY across shards
# ORDER BY sorts within each shard only: eu's rows, then us's.
class ShardBase(DeclarativeBase):
    pass


class Account(ShardBase):
    __tablename__ = "account"
    id: Mapped[str] = mapped_column(String(20), primary_key=True)
    region: Mapped[str] = mapped_column(String(10))   # names the shard
    balance: Mapped[int]


eu, us = scratch_engines(2)
for shard in (eu, us):
    ShardBase.metadata.create_all(shard)
with partitioning.sharded_session({"eu": eu, "us": us},
                                  shard_column="region") as sharded:
    sharded.add_all([
        Account(id=f"{region}-{n}", region=region, balance=b)
        for region, n, b in [("eu", 1, 50), ("eu", 2, 10),
                             ("us", 1, 30), ("us", 2, 5)]])
    sharded.commit()
    ordered = sharded.scalars(select(Account)
                              .order_by(Account.balance)).all()
    print("ORDER BY balance:", [a.balance for a in ordered])
### claim:: ORDER BY sorts within each shard only: eu's rows, then us's
### proof:: [a.balance for a in ordered] == [10, 50, 5, 30]

### slide::
### title:: Where the old plugins went: thread-local sessions
# SQLAlchemy 0.3's ``threadlocal`` mod and ``get_session()`` handed each
# thread its session implicitly.  Now: ``scoped_session``, and the
# framework removes the session when the request ends.
source(contextual_sessions.handle_request)

### slide::
### title:: One session per request, per thread
registry = scoped_session(make_session)
sessions_seen = []


def controller(title):
    registry.add(Page(title=title))
    sessions_seen.append(registry())   # any layer gets the same session


for n in range(4):   # one after the other, so the SQL reads in order
    thread = threading.Thread(
        target=contextual_sessions.handle_request,
        args=(registry, controller, f"Request {n}"))
    thread.start()
    thread.join()
print("distinct sessions:", len({id(s) for s in sessions_seen}),
      "| checked out:", engine.pool.checkedout())

### slide::
### title:: Where the threadlocal engine went
# ``create_engine(strategy="threadlocal")`` let ``engine.execute()``
# share one connection per thread.  Gone in SQLAlchemy 1.4: a connection
# is an explicit block, and ``engine.begin()`` is its transaction.
with engine.begin() as conn:
    bumped = conn.execute(update(Page).where(Page.title == "Home")
                          .values(hits=Page.hits + 1))
with engine.connect() as conn:
    print(conn.scalar(select(Page.hits).where(Page.title == "Home")))

### slide::
### title:: One session per asyncio task
# A thread-local registry is wrong for asyncio: many tasks share one
# thread.  Scope by the task instead, and remove at the end of each.
source(contextual_sessions.task_unit_of_work)

### slide::
### title:: Tasks, each with its own session
async def tasks_demo():
    from sqlalchemy.ext.asyncio import create_async_engine
    async_engine = create_async_engine(
        contextual_sessions.async_url(chapter_url))
    tasks_registry = contextual_sessions.task_scoped(async_engine)
    seen = []

    async def work():
        mine = tasks_registry()
        seen.append(mine)
        await asyncio.sleep(0)     # the other tasks run here
        return tasks_registry() is mine

    results = await asyncio.gather(*(
        contextual_sessions.task_unit_of_work(tasks_registry, work)
        for _ in range(5)))
    await async_engine.dispose()
    return results, len({id(s) for s in seen})


kept, distinct = asyncio.run(tasks_demo())
print("each task kept its own session:", all(kept),
      "| distinct sessions:", distinct)

### slide::
### title:: One session per call: what Rope did, done explicitly
# SQLAlchemy-Rope planted an object in the caller's frame and removed
# the session when that object was freed.  On CPython, reference
# counting frees it as the caller returns, but not while a traceback
# (or a reference cycle) keeps the frame alive; on PyPy, whenever its
# collector runs.  A decorator ends it on return or on an exception, in
# a ``finally``.
source(contextual_sessions.CallScopedSession.begin)
### claim:: On CPython, reference counting frees it as the caller returns, but
### claim:: not while a traceback
### proof:: sys.implementation.name != "cpython" or rope_freed_at_return()
### proof:: rope_kept_by_traceback()

### slide::
### title:: A unit of work per call
scope = contextual_sessions.CallScopedSession(make_session)


@scope.unit_of_work
def rename(old, new):
    page = scope.session.scalars(select(Page).where(Page.title == old)).one()
    page.title = new


rename("Blog", "Journal")
print("session left behind:", scope.active(),
      "| checked out:", engine.pool.checkedout())
try:
    scope.session
except contextual_sessions.NoUnitOfWork as exc:
    print("outside a call:", exc)

### slide::
### title:: Where assign_mapper went: query_property()
# ``assign_mapper`` bolted ``get``, ``select_by``... onto each class.
# ``scoped_session.query_property()`` still gives ``Class.query`` (the
# legacy Query); the 2.x spelling is ``select()`` plus a session.
Page.query = registry.query_property()
print(Page.query.filter_by(title="Journal").one())
print(registry.scalars(select(Page).filter_by(title="Journal")).one())
registry.remove()

### slide::
### title:: Where SessionContext went
# ``ctx.current`` was "this thread's session"; that is ``registry()``.
# Its ``__session__`` auto-add on construction is an ``init`` event now:
# see the auto_add case study.
print("same within a thread:", registry() is registry())
registry.remove()
first = registry()
registry.remove()
print("after remove(), a new one:", registry() is not first)
registry.remove()
from casestudies import auto_add
source(auto_add.auto_add)

### slide::
### title:: Where SelectResults went
# SelectResults made query results generative: filter, order, slice.
# ``select()`` is generative itself, and LIMIT/OFFSET are methods.
query = (select(Page).where(Page.hits >= 0)
         .order_by(Page.title).limit(3))
with make_session() as session:
    print([p.title for p in session.scalars(query)])

### slide::
### title:: The Session, in short
# One session per unit of work, not shared between threads; the
# identity map gives one object per row, the database stays the truth.
# Transactions nest with savepoints and span databases with two-phase
# commit; scoped sessions find "the current one" without passing it.
chapter_stack.close()
engine.dispose()
print("chapter done")
