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
import dataclasses
import logging
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
    DeclarativeBase, Mapped, Session, create_session, mapped_column,
    object_session, relationship, scoped_session, sessionmaker,
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


from workshop_db.quiet import unechoed as unechoed_sql  # SQL not the slide's point


def source_from(obj, start):
    """``source(obj)`` from its first line containing ``start``: the part
    of a long recipe a slide talks about, headed by its real file and line
    numbers (the rest is in that file)."""
    whole = source(obj)
    lines = whole.text.splitlines(keepends=True)
    at = next(n for n, line in enumerate(lines) if start in line)
    return dataclasses.replace(whole, text="".join(lines[at:]),
                               first_line=whole.first_line + at)


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
    """Rows of ``entity``'s table, seen from a connection of its own (its
    SELECT is a read-back, kept out of the echo)."""
    with unechoed_sql(), engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(entity))


### slide:: b
### title:: The Session in depth
### note:: Reveal the five bullets one by one; the last line prints which driver the chapter runs
### note:: on.  Ask who has shared a session between threads.  About a minute.
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
### note:: Point at the Page class and its repr: later output reads as values.  Ask where the
### note:: URL comes from.  About a minute.
# One table, mapped declaratively; the engine comes from the deck's
# URL (``--db``).  ``__repr__`` prints values, never addresses.
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


### claim:: ``__repr__`` prints values, never addresses
### proof:: repr(Page(id=7, title="x", hits=0)) == "Page(7, 'x', hits=0)"

### slide::
### title:: Its table, and two rows to start with
### note:: Point at the CREATE TABLE in the echo and the one INSERT with both rows.  About a
### note:: minute.
# Re-running this slide starts afresh: the DROP runs first, unechoed.
with unechoed_sql():
    Base.metadata.drop_all(engine)
Base.metadata.create_all(engine, checkfirst=False)
with engine.begin() as conn:
    added = conn.execute(insert(Page), [{"title": "Home"},
                                        {"title": "About"}])

### slide::
### title:: sessionmaker: configured once, bound later
### note:: Point at configure(bind=engine): the factory existed before the engine.  The last line
### note:: prints the row count.  Under a minute.
# Make the factory once, where the application is configured; give it
# the engine when the engine exists.  The rest of the application just
# calls it.
make_session = sessionmaker()
make_session.configure(bind=engine)
with make_session() as session:
    print("pages:", session.scalar(select(func.count(Page.id))))

### slide::
### title:: The unit of work
### note:: Ask: how many statements will commit send?  Point at the new and dirty lists, then at
### note:: the UPDATE and INSERT in one flush.  About two minutes.
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
### note:: Ask the room to predict the printed True or False before Enter.  Point at the second
### note:: query sending no new object, same Python identity.  About a minute.
# One object per primary key per session: a second query for the same
# row hands back the very same Python object.
by_title = session.scalars(select(Page).where(Page.title == "Home")).one()
by_id = session.get(Page, by_title.id)
print("same object:", by_title is by_id is home)

### slide::
### title:: It is not a cache
### note:: Ask: does get() hit the database here?  Point at the three counts: select sends one,
### note:: get sends zero, get of an expired object sends one.  About two minutes.
# A query always goes to the database, even when every row it returns is
# already in the identity map.  ``Session.get()`` looks in the map first.
with count_statements(engine) as by_select:
    found = session.scalars(select(Page).where(Page.id == home.id)).one()
with count_statements(engine) as by_get:
    got = session.get(Page, home.id)
session.expire(home)
with count_statements(engine) as by_expired:
    title = session.get(Page, home.id).title
print("statements sent: select()", len(by_select), "| get()", len(by_get),
      "| get() of an expired object", len(by_expired))
session.close()
### claim:: A query always goes to the database, even when every row it returns is
### claim:: already in the identity map
### proof:: len(by_select) == 1 and by_select[0].lstrip().startswith("SELECT")
### claim:: ``Session.get()`` looks in the map first
### proof:: len(by_get) == 0 and len(by_expired) == 1

### slide::
### title:: Object states, read from inspect(obj) at each step
### note:: Read the five printed states down the column; ask what comes after delete plus flush
### note:: before running.  About two minutes.
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
### note:: Point at the printed arrow persistent -> detached and at the repr still showing the
### note:: title.  About a minute.
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
### note:: Ask what home.title will do after commit and close.  Point at DetachedInstanceError in
### note:: the short traceback.  About a minute.
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
### note:: Point at the closed state, then at the dirty list after add(): the change will be
### note:: flushed.  About a minute.
# ``add()`` makes a detached object persistent in the new session: its
# changes are flushed as an UPDATE.
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

### slide::
### title:: ...unless the session has its own object for that row
### note:: Ask: what happens when the session already holds that row?  Point at the
### note:: InvalidRequestError line: one object per row per session.  About a minute.
# ``about`` is loaded again by a session now closed; a second session
# loads its own ``twin`` of the row, then is handed ``about``.
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
### note:: Ask: is the returned object the one we passed?  Point at True for the session's own,
### note:: detached for the one passed, and at the hits history.  About two minutes.
# ``merge()`` does not attach the object you pass: it finds (or loads)
# the session's own object for that row and copies the state onto it.
about.hits = 7                                # detached, changed
with make_session() as session:
    twin = session.get(Page, about_id)
    merged = session.merge(about)
    print("returns the session's own:", merged is twin,
          "| the one passed stays", state_of(about))
    print("hits:", inspect(merged).attrs.hits.history)
    session.rollback()

### slide::
### title:: merge() of a row not in the database
### note:: Point at the SELECT for the new id finding no row, then at pending.  Under a minute.
# With no such row, the copy is pending: the flush INSERTs it.
with make_session() as session:
    draft = session.merge(Page(id=99, title="Merged"))
    print("a row not in the database:", state_of(draft))
    session.rollback()

### slide::
### title:: expunge(): one object out of the session
### note:: Point at the empty dirty list after expunge, and the database value at the end: the
### note:: change of hits was dropped.  About a minute.
# ``expunge(obj)``: the object is detached, its changes forgotten.
with make_session() as session:
    home = session.get(Page, 1)
    home.hits = 100
    session.expunge(home)
    print("expunged:", state_of(home), "| dirty:", list(session.dirty))
    session.commit()                  # nothing left to write
with engine.connect() as conn:
    print("hits of page 1 in the database:",
          conn.scalar(select(Page.hits).where(Page.id == 1)))

### slide::
### title:: expunge_all(): an empty identity map
### note:: Point at the two counts: the loaded pages, then zero after expunge_all().  Under a
### note:: minute.
# ``expunge_all()`` empties the identity map (``close()`` does that too,
# and ends the transaction).
with make_session() as session:
    everything = session.scalars(select(Page)).all()
    print("identity map:", len(session.identity_map), "objects")
    session.expunge_all()
    print("after expunge_all():", len(session.identity_map), "objects")

### slide::
### title:: refresh() and expire(): the row changed underneath
### note:: Point at the stale value, then refresh() loading the new one.  Ask why the bulk
### note:: UPDATE did not update our object.  About a minute.
# The identity map keeps what it loaded until told otherwise.  Here a
# bulk UPDATE that does not synchronize the session changes the row (in
# real life: another transaction).  ``refresh()`` reloads now.
bump = (update(Page).where(Page.id == 1).values(hits=Page.hits + 10)
        .execution_options(synchronize_session=False))
session = make_session()
home = session.get(Page, 1)
bumped = session.execute(bump)
print("stale:", home.hits)
session.refresh(home)
print("after refresh():", home.hits)

### slide::
### title:: expire(): stale now, loaded at the next access
### note:: Ask: when does the SELECT go out, at expire() or later?  Point at the SELECT of hits
### note:: after the expired line.  About a minute.
# Same session, same row, bumped again underneath.  ``expire()`` marks
# attributes stale and the next access loads them.
bumped = session.execute(bump)
session.expire(home, ["hits"])
print("expired:", sorted(inspect(home).expired_attributes))
print("next access loads:", home.hits)
session.rollback()
session.close()

### slide::
### title:: Cascades: what follows an object into the session
### note:: Point at the two relationship() lines: the Tray's default, the Binder's
### note:: delete-orphan.  Ask which sheets a delete of the parent will take along.  About a minute.
# ``cascade`` on a relationship says which session operations travel
# from parent to children; the default is ``"save-update, merge"``.
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

### slide::
### title:: Two parents side by side
### note:: This slide makes the tables, their DDL unechoed; point at the two printed cascade sets,
### note:: the default beside the Binder's delete-orphan.  About a minute.
# A ``Tray`` with the default, a ``Binder`` with ``"all, delete-orphan"``.
# ``sheets()`` reads the table back, its SELECT kept out of the echo
# (so the slides flush first: the flush's SQL is the point).
cascade_tables = [Tray.__table__, Binder.__table__, Sheet.__table__]
with unechoed_sql():
    Base.metadata.drop_all(engine, tables=cascade_tables)
    Base.metadata.create_all(engine, tables=cascade_tables)
print("Tray:  ", sorted(inspect(Tray).relationships.sheets.cascade))
print("Binder:", sorted(inspect(Binder).relationships.sheets.cascade))


def sheets(session):
    with unechoed_sql():
        return session.execute(
            select(Sheet.name, Sheet.tray_id, Sheet.binder_id)
            .order_by(Sheet.name)).all()
### claim:: A ``Tray`` with the default, a ``Binder`` with ``"all, delete-orphan"``
### proof:: set(inspect(Tray).relationships.sheets.cascade) == {"save-update", "merge"}
### proof:: inspect(Binder).relationships.sheets.cascade.delete_orphan
### proof:: {"delete", "refresh-expire", "expunge"} <= set(inspect(Binder).relationships.sheets.cascade)

### slide::
### title:: save-update: adding the parents adds their sheets
### note:: Ask: how many objects are pending after adding two parents?  Point at the INSERTs of
### note:: the sheets carrying their parent's id.  About a minute.
# The session stays open over the next two slides.
session = make_session()
tray = Tray(sheets=[Sheet(name="t1"), Sheet(name="t2")])
binder = Binder(sheets=[Sheet(name="b1"), Sheet(name="b2")])
session.add_all([tray, binder])
print("save-update: pending", len(session.new), "objects")
session.flush()
print("stored:", sheets(session))

### slide::
### title:: delete-orphan: a sheet taken out of its collection
### note:: Ask the room to predict both rows before Enter.  Point at the UPDATE for the Tray's
### note:: sheet and the DELETE for the Binder's.  About a minute.
# The Tray's sheet stays, unlinked; the Binder's is deleted.
tray.sheets.remove(tray.sheets[0])
binder.sheets.remove(binder.sheets[0])
session.flush()
print("removed the first:", sheets(session))

### slide::
### title:: delete: deleting the parents
### note:: Point at the last printed list: the Tray's sheets unlinked, the Binder's gone with
### note:: their parent.  About a minute.
# The Tray's sheets are unlinked, the Binder's deleted with it.
session.delete(tray)
session.delete(binder)
session.flush()
print("deleted the parents:", sheets(session))
session.commit()
session.close()

### slide::
### title:: FAQ: when do I make a session?
### note:: Point at the printed count after the begin() block: committed and closed for us.
### note:: Mention the session takes a connection lazily.  About a minute.
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
# While this thread is inside the session getting a connection, another
# thread closes it.  The session notices this time; other interleavings
# go unnoticed and leave it silently wrong.  A session per thread.
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
### note:: Point at the two True values, then the empty answer after close.  Under a minute.
# ``object_session(obj)`` or ``inspect(obj).session``; None once the
# object is detached.
session = make_session()
contact = session.scalars(select(Page).where(Page.title == "Contact")).one()
print(object_session(contact) is session,
      inspect(contact).session is session)
session.close()
print(object_session(contact))
### claim:: ``object_session(obj)`` or ``inspect(obj).session``; None once the
### claim:: object is detached
### proof:: object_session(contact) is None and inspect(contact).session is None

### slide::
### title:: Commit and rollback
### note:: Point at BEGIN before the INSERT and at the count inside the transaction.  Under a
### note:: minute.
# Once a session has used the database it is in a transaction, until
# commit(), rollback() or close() ends it; the next SQL begins another.
session = make_session()
blog = Page(title="Mistake")
session.add(blog)
session.flush()
print("inside:", session.scalar(select(func.count(Page.id))),
      "| in a transaction:", session.in_transaction())

### slide::
### title:: rollback(): the INSERT undone, the object transient
### note:: Ask: after rollback, what state is the new page in?  Point at the count going back
### note:: down, at transient, and at the new BEGIN.  About two minutes.
# rollback() discards the flushed INSERT and expunges the new object.
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
### note:: For those porting old code: point at the two error lines, autocommit and
### note:: subtransactions are gone in SQLAlchemy two.  About two minutes.
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
### note:: Point at False then True around the first query, the begin() error, and the savepoint
### note:: rollback leaving the outer transaction open.  About two minutes.
# Autobegin at the first SQL; ``begin()`` again is an error; SAVEPOINTs nest.
with make_session() as session:
    before_sql = session.in_transaction()
    pages_now = session.scalar(select(func.count(Page.id)))
    print("in a transaction before any SQL:", before_sql,
          "| after a query:", session.in_transaction())
    try:
        session.begin()
    except InvalidRequestError as err:
        print("begin() again:", str(err).split(";")[0])
    inner = session.begin_nested()
    session.add(Page(title="Inner"))
    inner.rollback()
    print("savepoint rolled back; in the transaction:",
          session.in_transaction(), "| pending:", list(session.new))
    session.rollback()

### slide::
### title:: Savepoints: begin_nested()
### note:: Ask how many rows get added: Keep stays, Undo goes.  Point at the added line.
### note:: About a minute.
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
with unechoed_sql(), engine.begin() as conn:   # unseen by later slides
    gone = conn.execute(delete(Page).where(Page.title == "Ghost"))

### slide::
### title:: SQLite: the documented fix
### note:: Point at the two event hooks, then at the printed count going to zero.  About two
### note:: minutes.
# SQLAlchemy's pysqlite recipe: no transactions by the driver, BEGIN
# sent by us.  Servers need nothing.  (Python 3.12+: next slide.)
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
### note:: The output depends on the Python running the deck; read the printed line aloud.
### note:: About a minute.
# With ``autocommit=False`` sqlite3 opens a transaction itself: alone,
# the rollback undoes the Ghost (0 rows left).  Python 3.11's sqlite3
# has no ``autocommit``.  What this Python does:
version = "Python {}.{}".format(*sys.version_info[:2])
sqlite_312 = fixed.dialect.name == "sqlite" and sys.version_info >= (3, 12)
if fixed.dialect.name != "sqlite":
    print(version, "on a server: neither is needed")
elif not sqlite_312:
    try:
        sqlite3.connect(":memory:", autocommit=False)
    except TypeError as err:
        print(f"{version}: {err}; the event recipe is the way here")
else:
    alone = create_engine(chapter_url, connect_args={"autocommit": False})
    with unechoed_sql():   # the last slide showed this SQL
        alone_left = rows_the_rollback_left(alone)
    print(f"{version}, autocommit=False alone: rows the rollback failed"
          " to undo:", alone_left)
    alone.dispose()
### claim:: With ``autocommit=False`` sqlite3 opens a transaction itself: alone,
### claim:: the rollback undoes the Ghost (0 rows left)
### proof:: not sqlite_312 or alone_left == 0
### claim:: Python 3.11's sqlite3 has no ``autocommit``
### proof:: sys.version_info >= (3, 12) or isinstance(raised(sqlite3.connect, ":memory:", autocommit=False), TypeError)

### slide::
### title:: ...and autocommit=False with the recipe: both together fail
### note:: On Python three-twelve and later point at the error: the recipe's BEGIN inside the
### note:: driver's own transaction.  Elsewhere the slide says there is no test here.  Under a
### note:: minute.
# With the recipe too, its BEGIN fails: "cannot start a transaction
# within a transaction".
if not sqlite_312:
    print(version, "on", fixed.dialect.name + ": no such pair to try")
else:
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
### claim:: With the recipe too, its BEGIN fails: "cannot start a transaction
### claim:: within a transaction"
### proof:: not sqlite_312 or both_error == "cannot start a transaction within a transaction"

### slide::
### title:: Joining an outer transaction: how test suites do it
### note:: Point at the SAVEPOINT and RELEASE in the echo: the session's commit().  On SQLite
### note:: that SAVEPOINT comes first, so it needs the fix.  About two minutes.
# A transaction begun on a Connection, and a session bound to it that
# turns its own commits into SAVEPOINTs, so the test can undo them.
with fixed.connect() as conn:
    outer = conn.begin()
    with Session(bind=conn,
                 join_transaction_mode="create_savepoint") as session:
        session.add(Page(title="Test data"))
        session.commit()
    inside = conn.scalar(select(func.count(Page.id)))
    outer.rollback()

### slide::
### title:: After the test: what it committed is gone
### note:: Ask the room for both numbers first; point at inside against after.  Under a minute.
# With ``create_savepoint`` the session's commit() only releases a
# SAVEPOINT, so the outer ROLLBACK undoes everything the code under test
# "committed".
after = count_rows(fixed, Page)
print("pages inside the test:", inside, "| after:", after)
fixed.dispose()
### claim:: With ``create_savepoint`` the session's commit() only releases a SAVEPOINT,
### claim:: so the outer ROLLBACK undoes everything the code under test "committed"
### proof:: inside - after == 1

### slide::
### title:: SQL expressions inside a flush
### note:: Point at the UPDATE computing hits in SQL, and at the expired attribute being reloaded
### note:: on read.  About a minute.
# A SQL expression as a value: the UPDATE computes it in the database (no
# lost update); the attribute is expired, the next read loads it.
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
### note:: Ask: will the outside connection see the flushed row?  Point at inside versus outside
### note:: counts, then after rollback.  About two minutes.
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
### title:: Two databases, one session
### note:: Point at the two bases: a class's base says which database its table lives in.  No
### note:: foreign key crosses them.  About a minute.
# One session, two databases: each class's base names its database.
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
    with unechoed_sql():               # two new databases, their tables
        crm, billing = scratch_engines(2)
        CrmBase.metadata.create_all(crm)
        BillingBase.metadata.create_all(billing)
    announce_twophase(crm, "crm")      # prints each two-phase step
    announce_twophase(billing, "billing")

### slide::
### title:: A two-phase session: one flush, two databases
### note:: Point at BEGIN TWOPHASE on each database (XA BEGIN on MariaDB) and one INSERT on
### note:: each.  About a minute.
# PostgreSQL needs max_prepared_transactions > 0; MariaDB uses XA;
# SQLite has no PREPARE.  The session stays open over three slides.
if on_server:
    session = partitioning.vertical_session(
        {CrmBase: crm, BillingBase: billing}, twophase=True)
    session.add_all([Customer(id=1, name="Ada"),
                     Invoice(id=1, customer_id=1, cents=900)])
    session.flush()
else:
    print("two-phase commit needs a server: run with --db postgresql")
### claim:: PostgreSQL needs max_prepared_transactions > 0
### proof:: not on_server or crm.dialect.name != "postgresql" or int(server_setting(crm, "max_prepared_transactions")) > 0

### slide::
### title:: Two-phase commit, phase one: PREPARE on both
### note:: Ask: once both databases have prepared, does a connection of its own see the rows?
### note:: Point at PREPARE for both, then the zero counts.  About a minute.
# Each database promises it can commit; nothing is visible yet.
if on_server:
    session.prepare()
    print("visible after PREPARE:", count_rows(crm, Customer),
          count_rows(billing, Invoice))
else:
    print("two-phase commit needs a server: run with --db postgresql")
### claim:: nothing is visible yet
### proof:: not on_server or (count_rows(crm, Customer), count_rows(billing, Invoice)) == (0, 0)

### slide::
### title:: Phase two: COMMIT on both
### note:: On SQLite this prints the one-line skip; on a server point at COMMIT PREPARED for both
### note:: databases and the counts.  About a minute.
# COMMIT PREPARED on both: each database makes its half visible.
if on_server:
    session.commit()
    session.close()
    print("committed in both:", count_rows(crm, Customer),
          count_rows(billing, Invoice))
else:
    print("two-phase commit needs a server: run with --db postgresql")
### claim:: each database makes its half visible
### proof:: not on_server or (count_rows(crm, Customer), count_rows(billing, Invoice)) == (1, 1)

### slide::
### title:: A crash after PREPARE: the coordinator's journal
### note:: Walk through the source: journal first, then commit each prepared half.  Point at
### note:: where after_decision is called.  About two minutes.
# Prepared transactions outlive their connection, holding locks, until
# someone commits or rolls them back.  The coordinator journals the
# decision between the two phases (its ``commit()``, from the flush on):
source_from(partitioning.TwoPhaseCoordinator.commit, "session.flush()")

### slide::
### title:: The coordinator dies between the phases
### note:: Point at PREPARE for both, then the crash line and the visible counts: Bob does
### note:: not show up yet.  Ask what a restart should do with the prepared halves.  About
### note:: a minute.
# ``simulate_crash`` stops the coordinator once its decision is journaled
# (its SQL kept out of the echo: ``commit()`` was the slide before).
if on_server:
    coordinator = partitioning.TwoPhaseCoordinator(
        crm, {"crm": crm, "billing": billing})
    with unechoed_sql(), coordinator.session(
            {CrmBase: crm, BillingBase: billing}) as tp:
        coordinator.create_journal()
        tp.add_all([Customer(id=2, name="Bob"),
                    Invoice(id=2, customer_id=2, cents=100)])
        try:
            coordinator.commit(
                tp, after_decision=partitioning.simulate_crash)
        except partitioning.CoordinatorCrash as exc:
            print("crash:", exc)
    visible = [(count_rows(crm, Customer), count_rows(billing, Invoice))]
    print("visible:", *visible[0])
else:
    print("a crash needs a server too: see casestudies/partitioning.py")

### slide::
### title:: Recovering prepared transactions
### note:: Without the journal the two xids cannot even be matched: each database got its own random one.  tests/test_partitioning.py also crashes the server itself between the phases.
# The coordinator "dies" after deciding to commit: nothing is visible
# yet.  Recovery reads the journal and commits both halves.
if on_server:
    recovered = coordinator.recover()
    print("recovery:", sorted(o for _, _, o in recovered))
    visible.append((count_rows(crm, Customer),
                    count_rows(billing, Invoice)))
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
### note:: Skim the source: the shard chooser and the query chooser.  Ask what ORDER BY will do
### note:: across two shards.  About two minutes.
# ``binds`` route classes to engines (vertical); ``ShardedSession``
# spreads the rows of one table (horizontal).  A query across shards
# runs once per shard, and the results are joined one after the other;
# which shards, ``sharded_session()``'s ``execute_chooser`` decides:
source_from(partitioning.sharded_session, "def execute_chooser")

### slide::
### title:: Two shards, one table
### note:: Point at the region column: its value names the shard a row lives in.  The tables are
### note:: made quietly, one per shard.  About a minute.
# ``region`` names the shard a row lives in.  Each shard is a new
# database with the table (their DDL kept out of the echo).
class ShardBase(DeclarativeBase):
    pass


class Account(ShardBase):
    __tablename__ = "account"
    id: Mapped[str] = mapped_column(String(20), primary_key=True)
    region: Mapped[str] = mapped_column(String(10))   # names the shard
    balance: Mapped[int]


with unechoed_sql():
    eu, us = scratch_engines(2)
    for shard in (eu, us):
        ShardBase.metadata.create_all(shard)

### slide::
### title:: Each row goes to its region's shard
### note:: Point at the two INSERTs in the echo, one per shard, each with its own region's rows.
### note:: About a minute.
sharded = partitioning.sharded_session({"eu": eu, "us": us},
                                       shard_column="region")
sharded.add_all([
    Account(id=f"{region}-{n}", region=region, balance=b)
    for region, n, b in [("eu", 1, 50), ("eu", 2, 10),
                         ("us", 1, 30), ("us", 2, 5)]])
sharded.commit()

### slide::
### title:: ORDER BY across shards
### note:: Ask the room to predict the printed list before Enter.  Point at the two SELECTs in
### note:: the echo, one per shard, and the result sorted per shard.  About two minutes.
# ORDER BY sorts within each shard only: eu's rows, then us's.
ordered = sharded.scalars(select(Account).order_by(Account.balance)).all()
print("ORDER BY balance:", [a.balance for a in ordered])
sharded.close()
### claim:: ORDER BY sorts within each shard only: eu's rows, then us's
### proof:: [a.balance for a in ordered] == [10, 50, 5, 30]

### slide::
### title:: Where the old plugins went: thread-local sessions
### note:: Point at the try, commit, rollback and remove() in the source: the framework's job per
### note:: request.  About a minute.
# SQLAlchemy 0.3's ``threadlocal`` mod and ``get_session()`` handed each
# thread its session implicitly.  Now: ``scoped_session``, and the
# framework removes the session when the request ends.
source_from(contextual_sessions.handle_request, '"""Run one request')

### slide::
### title:: One session per request, per thread
### note:: Point at the last printed line: one distinct session per request, and no connections
### note:: left checked out.  About two minutes.
registry = scoped_session(make_session)
sessions_seen = []


def controller(title):
    registry.add(Page(title=title))
    sessions_seen.append(registry())   # any layer gets the same session


for n in range(2):   # one after the other, so the SQL reads in order
    thread = threading.Thread(
        target=contextual_sessions.handle_request,
        args=(registry, controller, f"Request {n}"))
    thread.start()
    thread.join()
print("distinct sessions:", len({id(s) for s in sessions_seen}),
      "| checked out:", engine.pool.checkedout())

### slide::
### title:: Where the threadlocal engine went
### note:: Short history slide: point at engine.begin() as the explicit replacement.  Under a
### note:: minute.
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
### note:: Point at the remove() in the finally of the source.  Ask why a thread-local registry
### note:: breaks under asyncio.  About a minute.
# A thread-local registry is wrong for asyncio: many tasks share one
# thread.  Scope by the task instead, and remove at the end of each.
source(contextual_sessions.task_unit_of_work)

### slide::
### title:: Tasks, each with its own session
### note:: Point at the printed line: each task kept its session, and distinct sessions equals
### note:: the task count.  About two minutes.
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
### note:: Tell the Rope story briefly, then point at the finally in the source.  About two
### note:: minutes.
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
### note:: Point at the printed line: no session left behind, and the error outside a call.
### note:: About a minute.
scope = contextual_sessions.CallScopedSession(make_session)


@scope.unit_of_work
def rename(old, new):
    page = scope.session.scalars(
        select(Page).where(Page.title == old)).one()
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
### note:: Point at the two printed rows: the legacy Page.query and the select() spelling give
### note:: the same page.  About a minute.
# ``assign_mapper`` bolted ``get``, ``select_by``... onto each class.
# ``scoped_session.query_property()`` still gives ``Class.query`` (the
# legacy Query); the 2.x spelling is ``select()`` plus a session.
Page.query = registry.query_property()
print(Page.query.filter_by(title="Journal").one())
print(registry.scalars(select(Page).filter_by(title="Journal")).one())
registry.remove()

### slide::
### title:: Where SessionContext went
### note:: Point at the two True lines: registry() is the old ctx.current.  Under a minute.
# ``ctx.current`` was "this thread's session"; that is ``registry()``.
print("same within a thread:", registry() is registry())
registry.remove()
first = registry()
registry.remove()
print("after remove(), a new one:", registry() is not first)
registry.remove()

### slide::
### title:: SessionContext's auto-add: an init event now
### note:: Read the docstring aloud: the init event adds each new object to the current session.
### note:: Part three's auto_add slides showed its code at work.  About a minute.
# Its ``__session__`` auto-add on construction is an ``init`` event now:
# ``auto_add()`` (casestudies/auto_add.py, its code on part 3's
# ``auto_add()`` slide) installs it.  What it promises:
from inspect import cleandoc
from casestudies import auto_add
print(cleandoc(auto_add.auto_add.__doc__))

### slide::
### title:: Where SelectResults went
### note:: Point at the titles list: ordered and limited by select() itself.  Under a minute.
# SelectResults made query results generative: filter, order, slice.
# ``select()`` is generative itself, and LIMIT/OFFSET are methods.
query = (select(Page).where(Page.hits >= 0)
         .order_by(Page.title).limit(3))
with make_session() as session:
    print([p.title for p in session.scalars(query)])

### slide::
### title:: The Session, in short
### note:: Recap the four sentences; ask which one surprised them.  Take questions here.  About
### note:: two minutes.
# One session per unit of work, not shared between threads; the
# identity map gives one object per row, the database stays the truth.
# Transactions nest with savepoints and span databases with two-phase
# commit; scoped sessions find "the current one" without passing it.
chapter_stack.close()
engine.dispose()
print("chapter done")
