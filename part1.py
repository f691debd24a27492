"""Part 1: connections, pools, connection events, dialects.  Run: python part1.py  (or: sliderepl part1.py)"""
if __name__ == "__main__":
    import sliderepl.launch
    sliderepl.launch.deck(__file__)   # runs the deck, then exits

### target:: 45m
### predict:: errors
### slide:: s
import contextlib
import gc
import logging
import os
import re
import sys
import time
import warnings
from importlib.metadata import entry_points
from pathlib import Path

from sqlalchemy import (
    URL, Column, ForeignKey, Integer, MetaData, String, Table, create_engine,
    engine_from_config, event, exc, func, insert, make_url, select, text,
)
from sqlalchemy.dialects import mssql, mysql, oracle, postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import (
    NullPool, Pool, PoolProxiedConnection, QueuePool, StaticPool,
)

from casestudies import audit_log, change_watcher, contextual_defaults
from casestudies import disconnects
from casestudies import statement_stats as statement_stats_module
from workshop_db import SERVER_KINDS, resolve_url
from workshop_db.scratch import sqlite_file_url
from casestudies.statement_stats import statement_stats
from sliderepl.show import source

url = resolve_url()
backend = make_url(url).get_backend_name()   # sqlite, postgresql, mariadb
on_server = backend != "sqlite"
if not on_server and make_url(url).database in (None, "", ":memory:"):
    # Pools only show their behaviour on a database that several
    # connections share: use a file instead of SQLite in memory.
    url = sqlite_file_url("part1.db")   # its folder is removed at exit

# A server this process started may be restarted by a slide.
_kind = os.environ.get("TUTORIAL_DB")
own_server = None
if _kind in SERVER_KINDS:
    from workshop_db.servers import shared_server
    own_server = shared_server(_kind)
# Helpers for the disconnect slides (not part of the recipe, which is
# only disconnects.install_checkout_ping): make engines with each
# precaution, fill their pools, break connections, count failed uses.
PRECAUTIONS = ("none", "pre_ping", "checkout_ping")
def make_engine(url, precaution, **kw):
    e = create_engine(url, pool_pre_ping=precaution == "pre_ping", **kw)
    if precaution == "checkout_ping":
        disconnects.install_checkout_ping(e)
    return e
def use(engine):
    with engine.connect() as cx:
        cx.execute(text("SELECT 1")).scalar_one()
def count_failures(engine, uses):
    failures = 0
    for _ in range(uses):
        try:
            use(engine)
        except exc.DBAPIError as err:
            if not err.connection_invalidated:
                raise
            failures += 1
    return failures
def warm_up(engine, connections):
    """(dbapi_connection, server session id) for each pooled connection."""
    with contextlib.ExitStack() as stack:
        cxs = [stack.enter_context(engine.connect())
               for _ in range(connections)]
        sid = ("SELECT pg_backend_pid()" if backend == "postgresql"
               else "SELECT CONNECTION_ID()")
        return [(cx.connection.dbapi_connection,
                 cx.exec_driver_sql(sid).scalar() if on_server else None)
                for cx in cxs]
def kill_session(url, sid):
    admin = create_engine(url, poolclass=NullPool,
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as cx:
        if backend == "postgresql":
            cx.execute(text("SELECT pg_terminate_backend(:pid, 10000)"),
                       {"pid": sid})
        else:
            cx.execute(text(f"KILL {int(sid)}"))
            while cx.execute(text("SELECT COUNT(*) FROM information_schema"
                                  ".PROCESSLIST WHERE ID = :id"),
                             {"id": sid}).scalar():
                time.sleep(0.01)
    admin.dispose()
# PyMySQL logs closing a dead connection at ERROR level: harmless here.
logging.getLogger("sqlalchemy.pool").addHandler(logging.NullHandler())
# The disconnect slides' engines send dozens of SELECT 1: not echoed.
logging.getLogger("sqlalchemy.engine.Engine.quiet").setLevel(logging.WARNING)

# Per backend: a session setting, how to read it back, a temp table.
SETTING = {
    "sqlite": ("PRAGMA foreign_keys = ON", "PRAGMA foreign_keys"),
    "postgresql": ("SET application_name = 'part1'",
                   "SHOW application_name"),
    "mariadb": ("SET time_zone = '+01:00'", "SELECT @@session.time_zone"),
}[backend]
CREATE_TEMP = {
    "sqlite": "CREATE TEMP TABLE scratch (x INTEGER)",
    "postgresql": "CREATE TEMP TABLE scratch (x INTEGER)",
    "mariadb": "CREATE TEMPORARY TABLE scratch (x INTEGER)",
}[backend]
DROP_TEMP = {
    "sqlite": "DROP TABLE IF EXISTS temp.{}",
    "postgresql": "DROP TABLE IF EXISTS pg_temp.{}",
    "mariadb": "DROP TEMPORARY TABLE IF EXISTS {}",
}[backend]


def pool_of_one(**kw):
    """An engine whose pool holds exactly one connection."""
    return create_engine(url, pool_size=1, max_overflow=0, **kw)


def has_scratch(cx):
    """Does this connection's session have the temp table?"""
    try:
        with cx.begin_nested():
            cx.execute(text("SELECT COUNT(*) FROM scratch"))
        return True
    except exc.DBAPIError:
        return False


def fresh(metadata, engine):
    metadata.drop_all(engine)
    metadata.create_all(engine)


def code_of(obj):
    """``source(obj)`` from the line after its docstring (or, without one,
    after its signature): the lines that run, with their real line
    numbers (the rest stays in the file)."""
    import ast
    import dataclasses
    import textwrap
    shown = source(obj)
    lines = shown.text.splitlines(keepends=True)
    definition = ast.parse(textwrap.dedent(shown.text)).body[0]
    if ast.get_docstring(definition):
        skip = definition.body[0].end_lineno
    else:               # the signature ends on the first line ending in ":"
        parts = [definition.args, definition.returns]
        skip = max(n.end_lineno for part in parts if part is not None
                   for n in ast.walk(part) if hasattr(n, "end_lineno"))
        while not lines[skip - 1].split("#")[0].rstrip().endswith(":"):
            skip += 1
    return dataclasses.replace(shown, text="".join(lines[skip:]),
                               first_line=shown.first_line + skip)


from workshop_db.quiet import unechoed   # SQL not the slide's point: off screen


# Helpers the slides' proofs (### proof::) call: each works on an engine
# or a transaction of its own and leaves nothing behind.
SETTING_VALUE = {"sqlite": 1, "postgresql": "part1",
                 "mariadb": "+01:00"}[backend]


@contextlib.contextmanager
def looking():
    """An engine of the proof's own: its statement cache, pool and events
    leave the slides' engines as they were."""
    e = create_engine(url, logging_name="quiet")
    try:
        yield e
    finally:
        e.dispose()


def once(cx):
    cx.execute(text("SELECT 1")).all()


def twice(e):
    for _ in range(2):
        with e.connect() as cx:
            once(cx)


def begin_block(e):
    with e.begin() as cx:
        once(cx)


def connect_commit(e):
    with e.connect() as cx:
        once(cx)
        cx.commit()


def fired(action, *names, **kw):
    """The events among ``names`` that ``action(engine)`` fires."""
    e = create_engine(url, logging_name="quiet", **kw)
    seen = []
    for name in names:
        event.listen(e, name, lambda *args, name=name: seen.append(name))
    try:
        action(e)
    finally:
        e.dispose()
    return seen


def first_connects_across_dispose():
    def use_dispose_use(e):
        twice(e)
        e.dispose()
        twice(e)
    return fired(use_dispose_use, "first_connect").count("first_connect")


def status_during_two():
    """(checked out, in pool) of a pool of two, used twice at once."""
    two = QueuePool(lambda: dbapi.connect(*cargs, **cparams),
                    pool_size=2, max_overflow=0)
    a, b = two.connect(), two.connect()
    during = two.checkedout()
    a.close(), b.close()
    after = two.checkedin()
    two.dispose()
    return during, after


def shares_one(e):
    """Whether two connections of ``e`` are one DBAPI connection; ``e``
    is disposed after (its pooled connection closed, not left to gc)."""
    try:
        with e.connect() as a, e.connect() as b:
            return (a.connection.dbapi_connection
                    is b.connection.dbapi_connection)
    finally:
        e.dispose()


def count_rows(table):
    with looking() as engine:
        with engine.connect() as cx:
            return cx.execute(select(func.count()).select_from(table)).scalar()


def hooks_fired(how):
    """(hook, what it got) for one DELETE run ``how`` (as on the slide)."""
    with looking() as engine:
        seen = []
        def on_execute(conn, clauseelement, *args):
            seen.append(("before_execute", type(clauseelement).__name__))
        def on_cursor(conn, cursor, statement, *args):
            seen.append(("before_cursor_execute", type(statement).__name__))
        event.listen(engine, "before_execute", on_execute)
        event.listen(engine, "before_cursor_execute", on_cursor)
        try:
            with engine.connect() as cx:
                sql = "DELETE FROM items"
                if how == "text()":
                    cx.execute(text(sql))
                elif how == "exec_driver_sql":
                    cx.exec_driver_sql(sql)
                else:
                    cursor = cx.connection.cursor()
                    cursor.execute(sql)
                    cursor.close()
                cx.rollback()
        finally:
            event.remove(engine, "before_execute", on_execute)
            event.remove(engine, "before_cursor_execute", on_cursor)
        return seen


def cursor_ran(e):
    """The SQL the cursor really ran for ``text("SELECT 1")`` on ``e``."""
    ran = []
    def keep(conn, cursor, statement, *args):
        ran.append(statement)
    event.listen(e, "after_cursor_execute", keep)
    try:
        with e.connect() as cx:
            once(cx)
    finally:
        event.remove(e, "after_cursor_execute", keep)
        e.dispose()
    return ran


def refused_twice():
    """What checkout raises when a listener refuses every connection."""
    e = pool_of_one()
    def dead(*args):
        raise exc.DisconnectionError("dead")
    event.listen(e, "checkout", dead)
    try:
        e.connect().close()
        return None
    except Exception as err:
        return err
    finally:
        e.dispose()


def ping_invalidations():
    """The errors install_checkout_ping invalidates with after an outage
    (a use that still failed would raise here)."""
    e = make_engine(url, "checkout_ping", logging_name="quiet")
    errors = []
    event.listen(e, "invalidate",
                 lambda dbapi_cx, record, error: errors.append(type(error)))
    for dbapi_connection, _ in warm_up(e, 3):
        dbapi_connection.close()
    try:
        for _ in range(3):
            use(e)
    finally:
        e.dispose()
    return errors


def all_dead_after(inject):
    """Are all three pooled DBAPI connections of an engine dead after
    ``inject`` (a fault of the slide's)?"""
    e = create_engine(url, logging_name="quiet")
    pooled = warm_up(e, 3)
    inject(pooled)
    dead = 0
    for dbapi_connection, _ in pooled:
        try:
            cursor = dbapi_connection.cursor()
            cursor.execute("SELECT 1")
            cursor.close()
        except e.dialect.loaded_dbapi.Error:
            dead += 1
    e.dispose()
    return dead == len(pooled) == 3


def dies_checked_out(e):
    """How a use fails when its connection dies while checked out."""
    try:
        with e.connect() as cx:
            cx.connection.dbapi_connection.close()
            cx.execute(text("SELECT 1"))
        return "survived"
    except exc.DBAPIError as err:
        return type(err).__name__, err.connection_invalidated


def stamp_as(user, raw=False):
    """updated_by of a row inserted as ``user`` into a table like
    ``records`` made for the proof (``records``' own ids stay as the
    slides show them: a rolled-back INSERT uses up a sequence value)."""
    meta = MetaData()
    table = Table("proof_records", meta,
                  Column("id", Integer, primary_key=True),
                  audit_log.updated_by_column(), Column("data", String(50)))
    with looking() as engine:
        fresh(meta, engine)
        try:
            with engine.connect() as cx, audit_log.acting_as(cx, user):
                if raw:
                    cx.exec_driver_sql("INSERT INTO proof_records (data) "
                                       "VALUES ('proof')")
                else:
                    cx.execute(table.insert(), {"data": "proof"})
                by = cx.scalar(select(table.c.updated_by))
                cx.rollback()
        finally:
            meta.drop_all(engine)
        return by


def stamps(table):
    with looking() as engine:
        with engine.connect() as cx:
            return cx.execute(select(table.c.data, table.c.updated_by)
                              .order_by(table.c.id)).all()


def trigger_stamp(tell=True):
    """The user a trigger stamps on a raw INSERT, told through the
    server's own setting: set_config(..., true) on PostgreSQL (local to
    the transaction), a session variable on MariaDB."""
    with looking() as engine:
        with engine.connect() as cx:
            if backend == "postgresql":
                cx.exec_driver_sql("CREATE TEMP TABLE proof_stamped "
                                   "(data text, by_user int)")
                cx.exec_driver_sql(
                    "CREATE FUNCTION pg_temp.proof_stamp() RETURNS trigger "
                    "LANGUAGE plpgsql AS $$ BEGIN NEW.by_user := NULLIF("
                    "current_setting('app.user_id', true), '')::int; "
                    "RETURN NEW; END $$")
                cx.exec_driver_sql(
                    "CREATE TRIGGER proof_stamp BEFORE INSERT ON "
                    "proof_stamped "
                    "FOR EACH ROW EXECUTE FUNCTION pg_temp.proof_stamp()")
                if tell:
                    cx.exec_driver_sql(
                        "SELECT set_config('app.user_id', '123', true)")
                cx.exec_driver_sql("INSERT INTO proof_stamped (data) "
                                   "VALUES ('raw')")
                by = cx.exec_driver_sql(
                    "SELECT by_user FROM proof_stamped").scalar()
                cx.rollback()
                return by
            cx.exec_driver_sql("CREATE TABLE proof_stamped "
                               "(data VARCHAR(10), by_user INT)")
            try:
                cx.exec_driver_sql(
                    "CREATE TRIGGER proof_stamp BEFORE INSERT ON "
                    "proof_stamped "
                    "FOR EACH ROW SET NEW.by_user = @app_user_id")
                told = 123 if tell else "NULL"
                cx.exec_driver_sql(f"SET @app_user_id = {told}")
                cx.exec_driver_sql("INSERT INTO proof_stamped (data) "
                                   "VALUES ('raw')")
                by = cx.exec_driver_sql(
                    "SELECT by_user FROM proof_stamped").scalar()
                cx.exec_driver_sql("SET @app_user_id = NULL")
                cx.commit()
                return by
            finally:
                cx.exec_driver_sql("DROP TABLE proof_stamped")


def borrowers(cleanup):
    """The slide's table row: what the next borrower reads, per ending."""
    one = pool_of_one()
    if cleanup:
        audit_log.install_cleanup(one)
    try:
        return {ending: next_borrower_sees(one, ending) for ending
                in ("close", "exception", "rollback", "invalidate")}
    finally:
        one.dispose()


def session_events_on_close():
    with looking() as engine:
        seen = []
        sessions = sessionmaker(engine)
        for name in ("after_commit", "after_rollback",
                     "after_transaction_end"):
            event.listen(sessions, name,
                         lambda *args, name=name: seen.append(name))
        with sessions() as session:
            session.execute(text("SELECT 1")).all()
        return seen


def watcher_sees(write):
    """The tables a fresh ChangeWatcher records for ``write(cx)``."""
    with looking() as engine:
        watcher = change_watcher.ChangeWatcher(engine)
        try:
            with engine.connect() as cx:
                write(cx)
                cx.rollback()
            return sorted(watcher.dirty), watcher.reset_all
        finally:
            watcher.remove()


def orm_write(cx):
    with Session(bind=cx) as session:
        session.execute(insert(items), [{"id": 99}])


def fk_engine():
    """An engine that enforces foreign keys (SQLite only when asked)."""
    e = create_engine(url, logging_name="quiet")
    if backend == "sqlite":
        event.listen(e, "connect", lambda dbapi_cx, record: dbapi_cx.execute(
            "PRAGMA foreign_keys = ON"))
    return e


def fk_tables_cleanup():
    """cleanup() of a parent and a child table both written: their names
    in the order emptied (an IntegrityError would propagate)."""
    meta = MetaData()
    fk_parents = Table("fk_parents", meta,
                       Column("id", Integer, primary_key=True))
    fk_children = Table("fk_children", meta,
                        Column("id", Integer, primary_key=True),
                        Column("parent_id", ForeignKey("fk_parents.id")))
    e = fk_engine()
    fresh(meta, e)
    watcher = change_watcher.ChangeWatcher(e)
    try:
        with e.begin() as cx:
            cx.execute(insert(fk_parents), [{"id": 1}])
            cx.execute(insert(fk_children), [{"id": 1, "parent_id": 1}])
        with e.connect() as cx:
            return watcher.cleanup(meta, cx)
    finally:
        watcher.remove()
        meta.drop_all(e)
        e.dispose()


def unattributed_empties():
    """reset_all, and the tables cleanup would empty, after a write the
    watcher cannot attribute (rolled back)."""
    with looking() as engine:
        watcher = change_watcher.ChangeWatcher(engine)
        try:
            with engine.connect() as cx:
                cx.exec_driver_sql(
                    change_watcher.unattributable_write(
                        engine, "untouched", 9))
                cx.rollback()
            return watcher.reset_all, sorted(
                t.name for t in watcher.tables_to_empty(schema))
        finally:
            watcher.remove()


def self_reference_cleanup():
    """ChangeWatcher.cleanup on a table whose rows point at each other:
    None, or the database's error code."""
    meta = MetaData()
    nodes = Table("proof_nodes", meta, Column("id", Integer, primary_key=True),
                  Column("parent_id", ForeignKey("proof_nodes.id")))
    e = fk_engine()
    fresh(meta, e)
    watcher = change_watcher.ChangeWatcher(e)
    try:
        with e.begin() as cx:
            cx.execute(insert(nodes), [{"id": 1, "parent_id": None},
                                       {"id": 2, "parent_id": 1}])
        with e.connect() as cx:
            watcher.cleanup(meta, cx)
        return None
    except exc.IntegrityError as err:
        return err.orig.args[0]
    finally:
        watcher.remove()
        meta.drop_all(e)
        e.dispose()


def dropped_without_collect():
    """The slide's dropped session with the collector held off: does the
    pool get its connection back from ``del`` alone?"""
    small = create_engine(url, pool_size=1, max_overflow=0, pool_timeout=0.2)
    sessions = sessionmaker(small)
    contextual_defaults.install(sessions)
    enabled = gc.isenabled()
    gc.disable()
    try:
        session = sessions()
        session.execute(insert(records), {"data": "abandoned"})
        del session
        try:
            with small.connect():
                return "works"
        except exc.TimeoutError:
            return "TimeoutError"
    finally:
        if enabled:
            gc.enable()
        gc.collect()
        small.dispose()


def statements_per_ping():
    """MariaDB: the statements the server counts (``Questions``) for one
    ``do_ping()`` of PyMySQL's; a protocol ping is not a statement."""
    e = create_engine(url, logging_name="quiet")
    try:
        with e.connect() as cx:
            questions = "SHOW SESSION STATUS LIKE 'Questions'"
            before = int(cx.exec_driver_sql(questions).all()[0][1])
            e.dialect.do_ping(cx.connection.dbapi_connection)
            after = int(cx.exec_driver_sql(questions).all()[0][1])
            return after - before - 1   # the SHOW itself counts once
    finally:
        e.dispose()


def benchmark():
    """benchmarks/change_watcher.py beside the deck (a clone has it; an
    installed copy of the decks has no benchmarks/ folder)."""
    return Path(__file__).resolve().parent / "benchmarks" / "change_watcher.py"


def bench_setting(name):
    """A constant of benchmarks/change_watcher.py."""
    source_text = benchmark().read_text()
    found = re.search(rf"^{name} = (\d+)$", source_text, re.M)
    return int(found.group(1)) if found else None

### slide:: b
### title:: Part 1: connections, pools, events, dialects
### note:: Say which database the room sees: the last line prints it. SQLite
### note:: by default; with --db postgresql or --db mariadb a few slides show
### note:: more.
### note::
### note:: Forty-five minutes for about sixty slides: under a minute each.
### note:: The case studies (disconnects, audit log, change watcher) are
### note:: where the time goes; the 2010 slides are quick.
# The layer under the ORM and the SQL expression language: how
# SQLAlchemy talks to a database, and where you can hook into it.
### * Engines: a dialect plus a pool
### * Pools and pool events
### * Connections and ``Connection.info``
### * Connection events (2010: ``ConnectionProxy``)
### * Dialects
### * Case studies: disconnects, audit log, statement stats, change watcher
print("this deck is running on:", backend)

### slide::
### title:: What create_engine builds
### note:: Point at 'connections so far: 0': create_engine opened nothing.
### note:: The first connect() makes one, and afterwards it waits in the pool
### note:: (1).
### note::
### note:: The SQL echo shows BEGIN (implicit) and ROLLBACK: a connect()
### note:: block that does not commit rolls back. Worth saying now: the
### note:: echoes of the slides that follow show it again and again.
# ``create_engine`` connects to nothing yet.  It builds a **dialect** (how
# to talk to this kind of database through this driver) and a **pool**
# (where connections wait between uses).
engine = create_engine(url)
print("dialect:", engine.dialect.name, "| driver:", engine.driver)
print("pool:", type(engine.pool).__name__,
      "| connections so far:", engine.pool.checkedin())
with engine.connect() as cx:
    print(cx.execute(text("SELECT 1 + 1")).scalar())
print("connections after the first use:", engine.pool.checkedin())
### claim:: ``create_engine`` connects to nothing yet.
### claim:: Point at 'connections so far: 0': create_engine opened nothing.
### proof:: fired(lambda e: None, "connect") == []
### claim:: The first connect() makes one, and afterwards it waits in the pool
### claim:: (1).
### proof:: engine.pool.checkedin() == 1
### proof:: fired(twice, "connect") == ["connect"]

### slide:: l
### title:: URLs
### note:: Point at the *** in the printed URL: str() masks the password,
### note:: render_as_string(hide_password=False) does not.
### note::
### note:: The last line is the reason for URL.create: a password with @, /
### note:: and : round-trips without hand-quoting.
# ``dialect+driver://user:password@host:port/database?options``.
# ``make_url`` parses one; ``URL.create`` builds one without quoting
# trouble; the password is masked when printed.
u = make_url("postgresql+psycopg://scott:t1ger@db.example.com:5432/shop")
print(u.get_backend_name(), u.get_driver_name(), u.host, u.port, u.database)
print(u)
u.set(password="s3cret", database="shop_test").render_as_string(
    hide_password=False)
built = URL.create("postgresql+psycopg", username="scott",
                   password="p@ss/w:rd", host="db.example.com", database="shop")
built.render_as_string(hide_password=False)   # quoted for you
make_url(built.render_as_string(hide_password=False)).password

### slide:: l
### title:: Configuring from a dict
### note:: The pool size came in as the string '3' and the pool reports 3:
### note:: engine_from_config converts. app.title is ignored because of the
### note:: prefix.
# ``engine_from_config`` reads ``sqlalchemy.*`` keys from a settings
# dict (an ini file, environment...), converting strings to the types
# ``create_engine`` expects.
settings = {
    "sqlalchemy.url": url,
    "sqlalchemy.pool_size": "3",
    "sqlalchemy.pool_recycle": "3600",
    "app.title": "not for us",
}
configured = engine_from_config(settings, prefix="sqlalchemy.")
print(type(configured.pool).__name__, "size", configured.pool.size())
configured.dispose()
### claim:: The pool size came in as the string '3' and the pool reports 3:
### claim:: engine_from_config converts.
### proof:: settings["sqlalchemy.pool_size"] == "3"
### proof:: configured.pool.size() == 3

### slide:: e
### title:: 2010: engine.execute and implicit autocommit
### note:: Expected error; keep it short. The one thing to remember: in 2.x
### note:: you take a connection and you commit.
# 2010 code called ``engine.execute("...")`` and relied on "autocommit"
# guessing from the SQL text.  Both are gone in 2.x: you take a
# connection, statements run in a transaction, and you commit.  So is
# ``metadata.bind = engine``: pass the engine (``Session(engine)``).
engine.execute("SELECT 1")

### slide:: e
### title:: Plain strings need text()
### note:: Expected error too: ObjectNotExecutableError. text() or
### note:: exec_driver_sql; the next slide shows both.
# Plain strings are gone too: ``text()`` for SQL you write, or
# ``exec_driver_sql`` for the driver's own syntax.
with engine.connect() as cx:
    cx.execute("SELECT 1")

### slide::
### title:: The modern forms
### note:: Compare the two echoes: connect() plus commit() ends in COMMIT,
### note:: and so does begin() with no commit call at all.
### note::
### note:: exec_driver_sql shows [raw sql] in the echo: no SQLAlchemy
### note:: compilation, the driver's own syntax.
# ``engine.connect()`` for work you commit yourself, ``engine.begin()``
# for a block that commits at the end (or rolls back on an exception).
with engine.connect() as cx:
    print(cx.execute(text("SELECT 42")).scalar())
    print(cx.exec_driver_sql("SELECT 43").scalar())
    cx.commit()
with engine.begin() as cx:
    print(cx.execute(text("SELECT 44")).scalar())
### claim:: Compare the two echoes: connect() plus commit() ends in COMMIT,
### claim:: and so does begin() with no commit call at all.
### proof:: fired(connect_commit, "commit", "rollback") == ["commit"]
### proof:: fired(begin_block, "commit", "rollback") == ["commit"]

### slide:: b
### title:: Why you rarely write an Engine class
### note:: Reveal the bullets one by one, then run. The creator= function was
### note:: called exactly once: one connection made, then pooled.
# Engines were designed to be subclassed.  In practice you don't need to:
### * an Engine glues a dialect, a pool and events together
### * what you want to change lives in one of those three
### * ``creator=``, ``pool=``, ``connect_args=`` and events cover the rest
# For example, making the DBAPI connections yourself:
dbapi = engine.dialect.loaded_dbapi
cargs, cparams = engine.dialect.create_connect_args(engine.url)
made = []
def creator():
    made.append(1)
    return dbapi.connect(*cargs, **cparams)
custom = create_engine(url, creator=creator)
with custom.connect() as cx:
    cx.execute(text("SELECT 1")).scalar()
print("connections made by our creator:", len(made))
custom.dispose()
### claim:: The creator= function was called exactly once
### proof:: made == [1]

### slide::
### title:: There is always a pool
### note:: Point at the first line: SQLite in memory gets
### note:: SingletonThreadPool, because each new connection would be a new
### note:: empty database. The other three get QueuePool.
# Even a single connection goes through one.  Each dialect picks its
# default; asking the dialect class imports no driver and connects to
# nothing (``create_engine`` would import psycopg or PyMySQL).
for where in ("sqlite://", "sqlite:///file.db",
              "postgresql+psycopg://u@host/db",
              "mariadb+pymysql://u@host/db"):
    where_url = make_url(where)
    poolclass = where_url.get_dialect().get_pool_class(where_url)
    print(f"{where:34}", poolclass.__name__)
### claim:: There is always a pool
### proof:: isinstance(create_engine(url, poolclass=NullPool).pool, Pool)
### claim:: SQLite in memory gets SingletonThreadPool. The other three get QueuePool.
### proof:: [make_url(w).get_dialect().get_pool_class(make_url(w)).__name__
### proof::  for w in ("sqlite://", "sqlite:///file.db",
### proof::            "postgresql+psycopg://u@host/db",
### proof::            "mariadb+pymysql://u@host/db")] == [
### proof::     "SingletonThreadPool", "QueuePool", "QueuePool", "QueuePool"]
### claim:: Each dialect picks its default; asking the dialect class imports
### claim:: no driver and connects to nothing (``create_engine`` would import
### claim:: psycopg or PyMySQL).
### proof:: backend != "sqlite" or not {"psycopg", "pymysql"} & set(sys.modules)

### slide:: b
### title:: Choosing a pool
### note:: Ask who runs PgBouncer or forks workers: those are the NullPool
### note:: users. Then point at 'opened 2 | closed 2'.
### * ``QueuePool``: ``pool_size`` kept, ``max_overflow`` extra (the default)
### * ``NullPool``: no pooling (PgBouncer does it; forked workers)
### * ``StaticPool``: one connection for all (SQLite in memory, tests)
### * ``SingletonThreadPool``: one per thread (SQLite in memory)
### * ``AssertionPool``: fails on a second checkout (finds leaks)
# A ``NullPool`` opens a DBAPI connection per checkout and closes it
# on checkin: two uses, two connections opened and closed.
unpooled = create_engine(url, poolclass=NullPool)
opened, closed = [], []
event.listen(unpooled, "connect", lambda *args: opened.append(1))
event.listen(unpooled, "close", lambda *args: closed.append(1))
for _ in range(2):
    unpooled.connect().close()      # a checkout, then its checkin
print("NullPool, 2 uses: opened", len(opened), "| closed", len(closed))
unpooled.dispose()
### claim:: Then point at 'opened 2 | closed 2'.
### proof:: len(opened) == len(closed) == 2
### claim:: ``StaticPool``: one connection for all (SQLite in memory, tests)
### proof:: shares_one(create_engine("sqlite://", poolclass=StaticPool))
### proof:: not shares_one(create_engine(url, poolclass=NullPool))

### slide:: l
### title:: Passing a pool
### note:: Read the two status lines aloud: checked out 2, then in pool 2.
### note:: A slide of the long version; --short leaves it out.
# ``pool=`` takes a ready pool; it calls its creator for new connections.
pool = QueuePool(lambda: dbapi.connect(*cargs, **cparams),
                 pool_size=2, max_overflow=0)
pooled = create_engine(url, pool=pool)
a, b = pooled.connect(), pooled.connect()
print(pool.status())
a.close(), b.close()
print(pool.status())
pooled.dispose()
### claim:: Read the two status lines aloud: checked out 2, then in pool 2.
### proof:: status_during_two() == (2, 2)

### slide:: e
### title:: 2010: PoolListener is now event.listen
### note:: Expected TypeError: the listeners argument is gone. Go straight on
### note:: to the events firing.
# ``create_engine(listeners=[...])`` and ``pool.add_listener()`` are
# gone.  The same hooks are **pool events**, registered with
# ``event.listen`` on an engine (or a pool), and removable.
create_engine(url, listeners=[object()])

### slide::
### title:: Pool events, firing
### note:: Ask first: which events will the first use fire, in what order?
### note:: Then point at the order: first_connect, connect, checkout, then
### note:: reset and checkin on the way back. About a minute.
# ``first_connect`` once per pool (``engine.dispose()`` makes a new one,
# and it fires again), ``connect`` per new DBAPI connection,
# ``checkout`` / ``checkin`` per use, ``reset`` on the way back.
watched = pool_of_one()
for name in ("first_connect", "connect", "checkout", "reset", "checkin"):
    event.listen(watched, name,
                 lambda *args, name=name: print("  event:", name))
print("first use:")
with watched.connect() as cx:
    cx.execute(text("SELECT 1")).scalar()
### claim:: ``first_connect`` once per pool (``engine.dispose()`` makes a new
### claim:: one, and it fires again)
### proof:: first_connects_across_dispose() == 2

### slide::
### title:: Pool events, the second use
### note:: The second use shows only checkout, reset, checkin: the connection
### note:: was reused.
### note::
### note:: Exercise slide: give the room two minutes; the solution is below
### note:: for you. !check tells them if they got it.
# The same pool, used again.
print("second use:")
with watched.connect() as cx:
    cx.execute(text("SELECT 1")).scalar()
watched.dispose()
### claim:: The second use shows only checkout, reset, checkin: the connection
### claim:: was reused.
### proof:: fired(twice, "first_connect", "connect", "checkout", "reset",
### proof::       "checkin", pool_size=1, max_overflow=0) == [
### proof::     "first_connect", "connect", "checkout", "reset", "checkin",
### proof::     "checkout", "reset", "checkin"]
### exercise:: Count checkouts: make ``counted = pool_of_one()``, listen
### exercise:: for ``checkout`` on it, appending to a list ``checkouts``,
### exercise:: then use ``counted`` twice.
### hint:: event.listen(counted, "checkout", lambda *args: checkouts.append(1))
### hint:: with counted.connect() as cx: cx.execute(text("SELECT 1"))
### check:: len(checkouts) == 2
### solution:: counted = pool_of_one()
### solution:: checkouts = []
### solution:: event.listen(counted, "checkout",
### solution::              lambda *args: checkouts.append(1))
### solution:: for _ in range(2):
### solution::     with counted.connect() as cx:
### solution::         cx.execute(text("SELECT 1")).all()
### solution:: counted.dispose()

### slide::
### title:: Per-connection settings on connect
### note:: The setting differs per database (shown in the first line). Ask:
### note:: how often will apply_setting run for two checkouts? About a minute.
# A listener that applies a session setting on the raw DBAPI connection.
print("setting:", SETTING[0])
def apply_setting(dbapi_connection, connection_record):
    cursor = dbapi_connection.cursor()
    cursor.execute(SETTING[0])
    cursor.close()
    dbapi_connection.commit()   # see the slide after next
configured = pool_of_one()
event.listen(configured, "connect", apply_setting)

### slide::
### title:: The setting, checkout after checkout
### note:: Both checkouts show it: the connect listener ran once, the
### note:: connection kept it.
# A ``connect`` listener runs once per new DBAPI connection: the place
# for session settings every connection must have.
for n in (1, 2):
    with configured.connect() as cx:
        value = cx.exec_driver_sql(SETTING[1]).scalar()
        print(f"checkout {n}:", repr(value))
configured.dispose()
### claim:: A ``connect`` listener runs once per new DBAPI connection: the place
### claim:: for session settings every connection must have.
### proof:: fired(twice, "connect", pool_size=1, max_overflow=0) == ["connect"]
### proof:: value == SETTING_VALUE
### exercise:: A ``connect`` listener runs once per DBAPI connection, not per
### exercise:: use.  Make ``lazy = pool_of_one()`` with a ``connect`` listener
### exercise:: that appends to a list ``new_connections``; use ``lazy`` three
### exercise:: times and see the list stay at one entry.
### hint:: event.listen(lazy, "connect", lambda dbapi_cx, record: new_connections.append(1))
### hint:: three times: with lazy.connect() as cx: cx.execute(text("SELECT 1")).all()
### check:: for _ in range(2):
### check::     with lazy.connect() as cx:
### check::         cx.execute(text("SELECT 1")).all()
### check:: len(new_connections) == 1
### solution:: lazy = pool_of_one()
### solution:: new_connections = []
### solution:: event.listen(lazy, "connect",
### solution::              lambda dbapi_cx, record: new_connections.append(1))
### solution:: for _ in range(3):
### solution::     with lazy.connect() as cx:
### solution::         cx.execute(text("SELECT 1")).all()
### solution:: print("connections made for 3 uses:", len(new_connections))

### slide::
### title:: ...and without the commit
### note:: On SQLite (and MariaDB) both checkouts still show the setting,
### note:: which is the point: only PostgreSQL loses it, because the SET ran
### note:: inside the transaction the pool rolls back.
### note::
### note:: If you run on SQLite, say what PostgreSQL would show: the default
### note:: value on checkout 2.
# The same listener without ``commit()``.  PostgreSQL runs the SET inside
# the driver's transaction; the pool rolls it back on checkin, the SET too.
# SQLite's PRAGMA and MariaDB's SET take no part in transactions.
def apply_setting_no_commit(dbapi_connection, connection_record):
    cursor = dbapi_connection.cursor()
    cursor.execute(SETTING[0])
    cursor.close()
forgetful = pool_of_one()
event.listen(forgetful, "connect", apply_setting_no_commit)
for n in (1, 2):
    with forgetful.connect() as cx:
        value = cx.exec_driver_sql(SETTING[1]).scalar()
        print(f"checkout {n}:", repr(value))
forgetful.dispose()
### claim:: On SQLite (and MariaDB) both checkouts still show the setting,
### claim:: which is the point: only PostgreSQL loses it, because the SET ran
### claim:: inside the transaction the pool rolls back.
### proof:: (value == SETTING_VALUE) == (backend != "postgresql")
### claim:: If you run on SQLite, say what PostgreSQL would show: the default
### claim:: value on checkout 2.
### proof:: backend != "postgresql" or value != SETTING_VALUE

### slide::
### title:: Uncommitted work on return to the pool
### note:: The insert went through a raw cursor, never committed. Point at
### note:: the reset line printed by raw.close(), then at 'rows: 0'.
# A connection that comes back with a transaction open is **rolled
# back** by the pool (``pool_reset_on_return``), whoever forgot it.
items = Table("items", MetaData(), Column("id", Integer, primary_key=True))
with unechoed():        # the table's DDL: not the point here
    fresh(items.metadata, engine)
@event.listens_for(engine, "reset")
def show_reset(dbapi_connection, record, reset_state):
    print("  reset: rolling back the DBAPI connection")
raw = engine.raw_connection()       # the DBAPI level: no auto-anything
cursor = raw.cursor()
_ = cursor.execute("INSERT INTO items (id) VALUES (1)")   # not echoed
raw.close()                         # back to the pool, never committed
with engine.connect() as cx:
    count = select(func.count()).select_from(items)
    print("rows:", cx.execute(count).scalar())
event.remove(engine, "reset", show_reset)
### claim:: The insert went through a raw cursor, never committed.
### claim:: Point at the reset line printed by raw.close(), then at 'rows: 0'.
### proof:: count_rows(items) == 0

### slide::
### title:: Temporary tables outlive the checkout
### note:: 'next checkout sees scratch: True' is the surprise: a temp table
### note:: belongs to the database session, not to your checkout.
# A temp table belongs to the database session, and the session lives
# as long as the DBAPI connection: the next borrower still sees it.
scratchy = pool_of_one()
with scratchy.begin() as cx:
    cx.exec_driver_sql(CREATE_TEMP).close()
with scratchy.connect() as cx:
    print("next checkout sees scratch:", has_scratch(cx))
scratchy.dispose()

### slide::
### title:: Dropping temporary tables on checkin
### note:: Now False. This is the first use of Connection.info: remember what
### note:: you created, clean it up when the connection comes back.
# Record what you create in ``connection.info``; a ``checkin`` listener
# drops it.  It runs after the pool's rollback, so it commits its DDL.
def drop_temp_tables(dbapi_connection, connection_record):
    names = connection_record.info.pop("temp_tables", [])
    if dbapi_connection is None or not names:
        return   # invalidated: the session (and its tables) is gone
    cursor = dbapi_connection.cursor()
    for name in names:
        cursor.execute(DROP_TEMP.format(name))
    cursor.close()
    dbapi_connection.commit()   # PostgreSQL would roll a DROP back later
tidy = pool_of_one()
event.listen(tidy, "checkin", drop_temp_tables)
with tidy.begin() as cx:
    cx.exec_driver_sql(CREATE_TEMP).close()
    cx.info.setdefault("temp_tables", []).append("scratch")
with unechoed(), tidy.connect() as cx:   # has_scratch's own SQL: unechoed
    print("next checkout sees scratch:", has_scratch(cx))
tidy.dispose()

### slide::
### title:: A Connection wraps a DBAPI connection
### note:: Three layers: Connection, the pool's proxy, the driver's
### note:: connection. Most hooks in this part get the driver's one.
# The ``Connection`` is the generic interface; underneath is the pool's
# proxy, and under that the driver's own connection object.
cx = engine.connect()
print(type(cx).__name__)
print("pool proxy:", isinstance(cx.connection, PoolProxiedConnection))
print("driver:", type(cx.connection.dbapi_connection).__module__)
cx.close()

### slide::
### title:: Connection.info survives checkouts
### note:: Point at 'checkouts': 2 and 'same dict: True': the dictionary
### note:: belongs to the DBAPI connection, so a second checkout finds the
### note:: first one's data. Keep this in mind for the audit log.
# ``Connection.info`` is a dictionary the pool keeps **per DBAPI
# connection**: what one checkout stores, the next checkout of the same
# connection finds.
single = pool_of_one()
with single.connect() as cx:
    cx.info["checkouts"] = 1
    first_info = cx.info
with single.connect() as cx:
    cx.info["checkouts"] += 1
    print(cx.info, "| same dict:", cx.info is first_info)
### claim:: Point at 'checkouts': 2 and 'same dict: True': the dictionary
### claim:: belongs to the DBAPI connection, so a second checkout finds the
### claim:: first one's data.
### proof:: first_info == {"checkouts": 2}
### exercise:: Keep a use count in the pool's ``info``: make
### exercise:: ``tracked = pool_of_one()`` with a ``checkout`` listener that adds
### exercise:: one to ``connection_record.info["uses"]`` at each checkout.
### hint:: The listener gets ``(dbapi_connection, connection_record, proxy)``.
### hint:: record.info["uses"] = record.info.get("uses", 0) + 1
### hint:: Read it back: with tracked.connect() as cx: print(cx.info)
### check:: with tracked.connect() as cx:
### check::     first = cx.info.get("uses", 0)
### check:: with tracked.connect() as cx:
### check::     second = cx.info.get("uses", 0)
### check:: first >= 1 and second == first + 1
### solution:: tracked = pool_of_one()
### solution:: def count_use(dbapi_connection, connection_record, proxy):
### solution::     info = connection_record.info
### solution::     info["uses"] = info.get("uses", 0) + 1
### solution:: event.listen(tracked, "checkout", count_use)
### solution:: with tracked.connect() as cx:
### solution::     print("uses:", cx.info["uses"])

### slide::
### title:: ...until the DBAPI connection goes
### note:: After invalidate() the dictionary is empty: a new DBAPI
### note:: connection, a new info.
# Invalidating (or a disconnect) discards the DBAPI connection and,
# with it, the dictionary's contents.
with single.connect() as cx:
    cx.invalidate()
with single.connect() as cx:
    print("after invalidate:", cx.info)
single.dispose()

### slide::
### title:: 2010: ConnectionProxy is now connection events
### note:: The bullets are the map. Then the two listeners: ask what each
### note:: will print for a select() and an insert(). About a minute.
# 2010's ``create_engine(proxy=MyProxy())`` wrapped each execution of
# one engine.  Connection events do the same, per engine or connection:
### * ``before_execute`` / ``after_execute``: the statement object
### * ``before_cursor_execute`` / ``after_cursor_execute``: the final SQL
### * ``begin`` / ``commit`` / ``rollback``, ``handle_error``
def show_construct(conn, clauseelement, multiparams, params, options):
    print("  construct:", type(clauseelement).__name__)
def show_sql(conn, cursor, statement, parameters, context, executemany):
    print("  sql:", statement.split()[0])

### slide::
### title:: Connection events, firing
### note:: Point at the output: before_execute sees the
### note:: construct (Select, Insert), before_cursor_execute sees the SQL
### note:: string.
# The two listeners of the slide before, on one connection.
event.listen(engine, "before_execute", show_construct)
event.listen(engine, "before_cursor_execute", show_sql)
with engine.connect() as cx:
    rows = cx.execute(select(items)).all()
    result = cx.execute(insert(items), [{"id": 5}, {"id": 6}])
    cx.rollback()
event.remove(engine, "before_execute", show_construct)
event.remove(engine, "before_cursor_execute", show_sql)
### claim:: before_execute sees the construct (Select, Insert),
### claim:: before_cursor_execute sees the SQL string.
### proof:: hooks_fired("text()") == [("before_execute", "TextClause"),
### proof::                           ("before_cursor_execute", "str")]
### exercise:: Spy on the SQL: make ``spied = create_engine(url)`` with a
### exercise:: ``before_cursor_execute`` listener that appends each statement's
### exercise:: SQL string to a list ``statements_seen``.
### hint:: the listener's arguments: (conn, cursor, statement, parameters, context, executemany)
### check:: with spied.connect() as cx:
### check::     cx.execute(text("SELECT 42")).all()
### check:: statements_seen[-1] == "SELECT 42"
### solution:: spied = create_engine(url)
### solution:: statements_seen = []
### solution:: @event.listens_for(spied, "before_cursor_execute")
### solution:: def keep_sql(conn, cursor, statement, parameters, context,
### solution::              executemany):
### solution::     statements_seen.append(statement)
### solution:: with spied.connect() as cx:
### solution::     cx.execute(select(items.c.id)).all()
### solution:: statements_seen[-1]

### slide::
### title:: What each hook sees of hand-written SQL
### note:: Two listeners that record which hook fired and what it got.
### note:: Ask: which of the three ways of sending SQL will each hook see?
### note:: Collect guesses; the next slide answers. About a minute.
# The 2010 ``ConnectionProxy`` got a plain string for hand-written SQL,
# and the 2010 change watcher had a branch for it.  Today
# ``before_execute`` never gets a string: ``text()`` arrives as a
# ``TextClause`` and ``exec_driver_sql`` does not fire it at all.
# ``before_cursor_execute`` sees both.  A raw DBAPI cursor passes no
# SQLAlchemy code: no event fires, and no watcher can see its writes.
seen = []
def on_execute(conn, clauseelement, multiparams, params, options):
    seen.append(("before_execute", type(clauseelement).__name__))
def on_cursor(conn, cursor, statement, parameters, context, executemany):
    seen.append(("before_cursor_execute", statement.split()[0]))
def raw_cursor(cx, sql):
    cursor = cx.connection.cursor()    # the DBAPI cursor itself
    cursor.execute(sql)
    cursor.close()
### claim:: Today ``before_execute`` never gets a string: ``text()`` arrives as a
### claim:: ``TextClause`` and ``exec_driver_sql`` does not fire it at all.
### proof:: hooks_fired("text()") == [("before_execute", "TextClause"),
### proof::                           ("before_cursor_execute", "str")]
### proof:: hooks_fired("exec_driver_sql") == [("before_cursor_execute", "str")]

### slide::
### title:: Hand-written SQL, three ways
### note:: Read the three rows: text() fires both hooks, exec_driver_sql only
### note:: the cursor one, a raw DBAPI cursor none. The change watcher later
### note:: depends on this.
# The same DELETE sent three ways, to the listeners of the slide before.
event.listen(engine, "before_execute", on_execute)
event.listen(engine, "before_cursor_execute", on_cursor)
with engine.begin() as cx:
    for how, run in [("text()", lambda sql: cx.execute(text(sql))),
                     ("exec_driver_sql", cx.exec_driver_sql),
                     ("raw DBAPI cursor", lambda sql: raw_cursor(cx, sql))]:
        seen.clear()
        result = run("DELETE FROM items")
        print(f"{how:17}", seen or "no event at all")
event.remove(engine, "before_execute", on_execute)
event.remove(engine, "before_cursor_execute", on_cursor)
### claim:: Read the three rows: text() fires both hooks, exec_driver_sql only
### claim:: the cursor one, a raw DBAPI cursor none.
### proof:: hooks_fired("text()") == [("before_execute", "TextClause"),
### proof::                           ("before_cursor_execute", "str")]
### proof:: hooks_fired("exec_driver_sql") == [("before_cursor_execute", "str")]
### proof:: hooks_fired("raw DBAPI cursor") == []

### slide::
### title:: Your turn: what before_execute gets
### note:: Exercise slide, two minutes: the learner's own before_execute
### note:: listener, and the check sends text() and exec_driver_sql to it.
# ``before_execute`` gets the statement object: ``text()`` arrives as a
# ``TextClause``.
### exercise:: Make ``constructs = []`` and ``hooked = create_engine(url)`` with a
### exercise:: ``before_execute`` listener appending ``type(clauseelement).__name__``
### exercise:: to ``constructs``.  Then ``text("SELECT 1")`` adds ``"TextClause"``
### exercise:: and ``exec_driver_sql`` adds no entry.
### hint:: def record(conn, clauseelement, multiparams, params, options): ...
### hint:: event.listen(hooked, "before_execute", record)
### check:: before = len(constructs)
### check:: with hooked.connect() as cx:
### check::     cx.execute(text("SELECT 1")).all()
### check::     cx.exec_driver_sql("SELECT 1").all()
### check:: constructs[before:] == ["TextClause"]
### solution:: constructs = []
### solution:: hooked = create_engine(url)
### solution:: def record(conn, clauseelement, multiparams, params, options):
### solution::     constructs.append(type(clauseelement).__name__)
### solution:: event.listen(hooked, "before_execute", record)

### slide::
### title:: Intercepting begin, commit and rollback
### note:: Point at 'event: begin' before the SELECT and 'event: commit'
### note:: before the COMMIT line. Ask: what will a block without commit()
### note:: fire? About a minute.
# 2010's proxy had ``begin()``, ``commit()``, ``rollback()`` methods; now
# they are connection events of those names (and ``savepoint``,
# ``release_savepoint``, ``rollback_savepoint``).
watched_tx = create_engine(url)
for name in ("begin", "commit", "rollback"):
    event.listen(watched_tx, name,
                 lambda conn, name=name: print("  event:", name))
with watched_tx.begin() as cx:
    cx.execute(text("SELECT 1")).all()

### slide::
### title:: ...and a block without commit()
### note:: The second block ends without commit(), and the output shows
### note:: rollback: closing a connection rolls back what it left open.
# A ``with`` block that ends without ``commit()`` fires ``rollback``:
# closing a connection rolls back the transaction it left open.
with watched_tx.connect() as cx:
    cx.execute(text("SELECT 1")).all()
watched_tx.dispose()
### claim:: A ``with`` block that ends without ``commit()`` fires ``rollback``
### proof:: fired(twice, "begin", "commit", "rollback") == ["begin", "rollback"] * 2
### exercise:: Count commits, not rollbacks: make
### exercise:: ``tx_counted = create_engine(url)`` with a ``commit`` listener
### exercise:: that appends to a list ``commit_log``.  A block that ends
### exercise:: without committing should not add to it.
### hint:: event.listen(tx_counted, "commit", lambda conn: commit_log.append(1))
### check:: before = len(commit_log)
### check:: with tx_counted.begin() as cx:
### check::     cx.execute(text("SELECT 1")).all()
### check:: with tx_counted.connect() as cx:
### check::     cx.execute(text("SELECT 1")).all()
### check:: len(commit_log) == before + 1
### solution:: tx_counted = create_engine(url)
### solution:: commit_log = []
### solution:: event.listen(tx_counted, "commit",
### solution::              lambda conn: commit_log.append(1))
### solution:: with tx_counted.begin() as cx:
### solution::     cx.execute(text("SELECT 1")).all()
### solution:: len(commit_log)

### slide::
### title:: Rewriting a statement: retval=True
### note:: Two engines, the same listener; the second says retval=True.
### note:: Ask: which engine's SQL will carry the comment? About a minute.
# ``before_cursor_execute`` may replace the SQL and its parameters, for
# example to tag every statement with a comment for the server's logs.
# Only with ``retval=True``: otherwise its return value is ignored.
# (2010: a proxy's ``cursor_execute()`` passed its own string on to the
# ``execute`` callable it was given.)  ``after_cursor_execute`` receives
# what the cursor really ran.
def tag(conn, cursor, statement, parameters, context, executemany):
    return statement + " -- app: part1", parameters
def show_sent(conn, cursor, statement, parameters, context, executemany):
    print("  cursor ran:", statement)
ignored = create_engine(url)
event.listen(ignored, "before_cursor_execute", tag)              # baseline
rewritten = create_engine(url)
event.listen(rewritten, "before_cursor_execute", tag, retval=True)
### claim:: ``before_cursor_execute`` may replace the SQL and its parameters,
### claim:: for example to tag every statement with a comment for the server's
### claim:: logs.  Only with ``retval=True``: otherwise its return value is
### claim:: ignored.
### proof:: cursor_ran(rewritten) == ["SELECT 1 -- app: part1"]
### proof:: cursor_ran(ignored) == ["SELECT 1"]
### exercise:: Tag statements yourself: make ``labelled = create_engine(url)``
### exercise:: with a ``before_cursor_execute`` listener, registered with
### exercise:: ``retval=True``, that appends ``" -- exercise"`` to each statement.
### hint:: The listener returns ``(statement, parameters)``.
### hint:: return statement + " -- exercise", parameters
### hint:: event.listen(labelled, "before_cursor_execute", fn, retval=True)
### check:: ran = []
### check:: def sent(conn, cursor, statement, *rest):
### check::     ran.append(statement)
### check:: event.listen(labelled, "after_cursor_execute", sent)
### check:: with labelled.connect() as cx:
### check::     cx.execute(text("SELECT 1")).all()
### check:: event.remove(labelled, "after_cursor_execute", sent)
### check:: ran[-1:] == ["SELECT 1 -- exercise"]
### solution:: labelled = create_engine(url)
### solution:: def tag_exercise(conn, cursor, statement, parameters, context,
### solution::                  executemany):
### solution::     return statement + " -- exercise", parameters
### solution:: event.listen(labelled, "before_cursor_execute", tag_exercise,
### solution::              retval=True)

### slide::
### title:: retval=True, and without it
### note:: Point at the second 'cursor ran' line: the comment was appended.
### note:: Without retval=True the listener's return value is silently
### note:: ignored.
# ``after_cursor_execute`` (``show_sent``) prints what the cursor ran.
for e in (ignored, rewritten):
    event.listen(e, "after_cursor_execute", show_sent)
    with e.connect() as cx:
        cx.execute(text("SELECT 1")).all()
    e.dispose()

### slide::
### title:: Case study: statement statistics
### note:: This slide shows the recipe's source; don't read it line by
### note:: line. Two cursor events and handle_error, removed after the block.
# Count the statements a block sends, and their time: two cursor events
# (and ``handle_error`` for the ones that fail), added for the block and
# removed after it.  The body of ``statement_stats(target)``, a context
# manager (its docstring stays in the file):
code_of(statement_stats_module.statement_stats)

### slide::
### title:: Statement statistics in use
### note:: 'statements: 4', three SELECTs and one INSERT. Mention that the
### note:: other case studies' tests use this to count queries.
# Pin down what code really sends ("how many SELECTs did that loop cost?").
with engine.connect() as cx, statement_stats(cx) as stats:
    for n in range(3):
        rows = cx.execute(select(items).where(items.c.id == n)).all()
    result = cx.execute(insert(items), [{"id": 7}, {"id": 8}])
print("statements:", stats.count, dict(stats.by_verb),
      "| time measured:", stats.seconds > 0)
### claim:: 'statements: 4', three SELECTs and one INSERT.
### proof:: stats.count == 4 and dict(stats.by_verb) == {"SELECT": 3, "INSERT": 1}

### slide::
### title:: Your turn: handle_error
### note:: Exercise slide, two minutes: the third hook the recipe uses. The
### note:: check sends a query on a missing table and counts what was seen.
# ``handle_error`` fires when a statement fails, before the exception
# reaches your code.
### exercise:: Count failures as the recipe does: make ``errors_seen = []`` and
### exercise:: ``fragile = create_engine(url)`` with a ``handle_error`` listener
### exercise:: appending ``context.original_exception`` to ``errors_seen``.
### hint:: A ``handle_error`` listener gets one argument, an ``ExceptionContext``.
### hint:: event.listen(fragile, "handle_error", lambda ctx: errors_seen.append(ctx.original_exception))
### check:: before = len(errors_seen)
### check:: try:
### check::     with fragile.connect() as cx:
### check::         cx.exec_driver_sql("SELECT * FROM no_such_table")
### check:: except exc.DBAPIError:
### check::     pass
### check:: len(errors_seen) == before + 1 and isinstance(errors_seen[-1], Exception)
### solution:: errors_seen = []
### solution:: fragile = create_engine(url)
### solution:: def on_error(context):
### solution::     errors_seen.append(context.original_exception)
### solution:: event.listen(fragile, "handle_error", on_error)

### slide:: b
### title:: Case study: disconnects
### note:: Timing: you should be around minute twenty here. The disconnect
### note:: slides can take ten minutes; cut "Real faults on a real server"
### note:: if behind.
### note::
### note:: Reveal the bullets: no precaution (fail once, retry) against
### note:: testing at checkout, which SQLAlchemy has built in since 1.2.
# A database restart, a failover, a firewall dropping idle sockets: the
# pool holds connections that are dead.
### * No precaution (the default): the first use fails, the pool refills, retry
### * 2010: a ``PoolListener`` pinged at **checkout** (MySQL's ``ping()``)
### * Since 1.2 built in: ``pool_pre_ping=True`` tests each checkout
### * Your own test: a ``checkout`` listener raises ``InvalidatePoolError`` if dead
### * The pool then reconnects that slot and runs the listener once more

### slide::
### title:: The checkout listener
### note:: The recipe's code: the dialect's do_ping() on the raw connection
### note:: (pool_pre_ping's own test; PyMySQL pings without any SQL),
### note:: InvalidatePoolError if it fails. The next slide counts how often
### note:: the pool retries.
# It pings the raw DBAPI connection with the dialect's ``do_ping()``, as
# ``pool_pre_ping`` does; a dead one raises ``InvalidatePoolError`` (a
# ``DisconnectionError``) and the pool reconnects.  How often it tries
# again: the next slide counts it.  The body of
# ``install_checkout_ping(engine)`` (its docstring stays in the file):
code_of(disconnects.install_checkout_ping)
### claim:: It pings the raw DBAPI connection with the dialect's ``do_ping()``,
### claim:: as ``pool_pre_ping`` does; a dead one raises ``InvalidatePoolError``
### claim:: (a ``DisconnectionError``) and the pool reconnects.
### proof:: ping_invalidations() == [exc.InvalidatePoolError]
### proof:: issubclass(exc.InvalidatePoolError, exc.DisconnectionError)
### claim:: The recipe's code: the dialect's do_ping() on the raw connection
### claim:: (pool_pre_ping's own test; PyMySQL pings without any SQL),
### claim:: InvalidatePoolError if it fails.
### proof:: backend != "mariadb" or statements_per_ping() == 0

### slide::
### title:: How many tries? Counted
### note:: Point at 'listener ran: 2 times' and 'a DBAPIError: False': after
### note:: two refusals the pool gives up with InvalidRequestError, which
### note:: code catching only DBAPIError will miss.
# A listener that says "dead" each time.  The pool runs it **twice**,
# reconnecting the same pool slot in between (one fresh DBAPI connection
# after each refusal), then gives up with ``InvalidRequestError``, which
# is not a ``DBAPIError``: code that catches only driver errors misses it.
hopeless = pool_of_one()
tries, opened = [], []
event.listen(hopeless, "connect", lambda *args: opened.append(1))
@event.listens_for(hopeless, "checkout")
def always_dead(dbapi_connection, connection_record, connection_proxy):
    tries.append(connection_record)
    raise exc.DisconnectionError("pretend the server is gone")
try:
    hopeless.connect()
except exc.InvalidRequestError as err:
    print(f"{type(err).__name__}: {err}",
          "| a DBAPIError:", isinstance(err, exc.DBAPIError))
print("listener ran:", len(tries), "times | same pool slot:",
      tries[0] is tries[-1], "| DBAPI connections opened:", len(opened))
hopeless.dispose()
### claim:: Point at 'listener ran: 2 times' and 'a DBAPIError: False': after
### claim:: two refusals the pool gives up with InvalidRequestError, which
### claim:: code catching only DBAPIError will miss.
### claim:: The pool runs it **twice**, reconnecting the same pool slot in
### claim:: between (one fresh DBAPI connection after each refusal), then gives
### claim:: up with ``InvalidRequestError``, which is not a ``DBAPIError``: code
### claim:: that catches only driver errors misses it.
### proof:: len(tries) == 2 and tries[0] is tries[-1] and len(opened) == 3
### proof:: type(refused_twice()) is exc.InvalidRequestError
### proof:: not isinstance(refused_twice(), exc.DBAPIError)

### slide::
### title:: Three engines, one fault
### note:: Three engines, one per precaution, and compare() to break each
### note:: the same way. Ask: which precaution will lose a use? About a
### note:: minute.
# ``count_failures`` uses an engine five times and counts the uses that
# hit a disconnect; an ``invalidate`` listener counts the connections the
# pool threw away as dead.  (Their SQL is not echoed.)
engines = {p: make_engine(url, p, logging_name="quiet")
           for p in PRECAUTIONS}
invalidated = {p: [] for p in engines}
for p, e in engines.items():
    event.listen(e, "invalidate",
                 lambda *args, p=p: invalidated[p].append(1))
outcomes = {}
def compare(fault, inject):
    pooled = [c for e in engines.values() for c in warm_up(e, 3)]
    for found in invalidated.values():
        found.clear()
    with unechoed():        # an admin connection's SQL, on a server
        inject(pooled)
    counts = {p: count_failures(e, 5) for p, e in engines.items()}
    outcomes[fault] = counts, {p: len(f) for p, f in invalidated.items()}
    print(f"{fault:20}", "  ".join(f"{p}: {n}/5"
                                   for p, n in counts.items()))
    print(f"{'  invalidated':20}", "  ".join(
        f"{p}: {len(found)}" for p, found in invalidated.items()))

### slide::
### title:: Three engines, one fault: the connections closed
### note:: Read the first row: without a precaution 1 use of 5 fails;
### note:: pre_ping and the checkout listener lose none. Each engine
### note:: invalidated once.
# Each engine pools three connections; then they all die.
def close_them(pooled):
    for dbapi_connection, session_id in pooled:
        dbapi_connection.close()
compare("connections closed", close_them)
### claim:: Read the first row: without a precaution 1 use of 5 fails;
### claim:: pre_ping and the checkout listener lose none. Each engine
### claim:: invalidated once.
### proof:: outcomes["connections closed"] == (
### proof::     {"none": 1, "pre_ping": 0, "checkout_ping": 0},
### proof::     {"none": 1, "pre_ping": 1, "checkout_ping": 1})
### claim:: Each engine pools three connections; then they all die.
### proof:: fired(lambda e: warm_up(e, 3), "connect") == ["connect"] * 3
### proof:: all_dead_after(close_them)

### slide::
### title:: Why exactly one use in five fails
### note:: One failure invalidates the whole pool: 'reconnected so far'
### note:: climbs to 3 without another failure.
# Three connections died, yet only the first use fails.  A disconnect
# seen during a use (``none``) or by ``pool_pre_ping`` invalidates the
# **whole pool**: every connection older than that moment is replaced on
# its next checkout, untested.  (A checkout listener chooses: next slide.)
none = engines["none"]
dead = warm_up(none, 3)
for dbapi_connection, _ in dead:
    dbapi_connection.close()
invalidated["none"].clear()
reopened = []
event.listen(none, "connect", lambda *args: reopened.append(1))
for n in range(1, 6):
    try:
        use(none)
        print(f"use {n}: ok", end="")
    except exc.DBAPIError:
        print(f"use {n}: failed", end="")
    print(f" | invalidated so far: {len(invalidated['none'])}",
          f"| reconnected so far: {len(reopened)}")
### claim:: One failure invalidates the whole pool: 'reconnected so far'
### claim:: climbs to 3 without another failure.
### claim:: Three connections died, yet only the first use fails.
### proof:: len(invalidated["none"]) == 1 and len(reopened) == 3
### proof:: outcomes["connections closed"][0]["none"] == 1
### claim:: A disconnect seen during a use (``none``) or by ``pool_pre_ping``
### claim:: invalidates the **whole pool**: every connection older than that
### claim:: moment is replaced on its next checkout, untested.
### proof:: outcomes["connections closed"][1]["pre_ping"] == 1
### proof:: outcomes["connections closed"][0]["pre_ping"] == 0

### slide::
### title:: One dead connection, or the whole pool?
### note:: Read the listener: it pings the raw connection and raises the error
### note:: class it is given. Ask: which class will refuse more connections?
### note:: About a minute.
# A checkout listener's ``DisconnectionError`` invalidates only the
# connection it tested: after an outage each dead one is pinged and
# refused in turn.  ``exc.InvalidatePoolError`` (a ``DisconnectionError``
# too) invalidates the whole pool, as ``pool_pre_ping`` does: one refusal,
# and the rest are replaced untested.  A listener defined here, tried
# on the next slide:
def refusals_after_outage(error_class):
    e = create_engine(url, pool_size=3, logging_name="quiet")
    for dbapi_connection, _ in warm_up(e, 3):
        dbapi_connection.close()                  # all three die
    refused = []
    def ping(dbapi_connection, connection_record, connection_proxy):
        try:
            cursor = dbapi_connection.cursor()
            cursor.execute("SELECT 1")
            cursor.close()
        except e.dialect.loaded_dbapi.Error:
            refused.append(1)
            raise error_class("the server went away") from None
    event.listen(e, "checkout", ping)
    failures = count_failures(e, 5)
    e.dispose()
    return f"{len(refused)} refused at checkout, {failures} of 5 uses failed"
### claim:: A checkout listener's ``DisconnectionError`` invalidates only the
### claim:: connection it tested: after an outage each dead one is pinged and
### claim:: refused in turn.
### proof:: refusals_after_outage(exc.DisconnectionError) == (
### proof::     "3 refused at checkout, 0 of 5 uses failed")
### proof:: refusals_after_outage(exc.InvalidatePoolError) == (
### proof::     "1 refused at checkout, 0 of 5 uses failed")

### slide::
### title:: One dead connection or the whole pool: the counts
### note:: Compare the counts: DisconnectionError refused 3 connections one
### note:: at a time, InvalidatePoolError only 1 and replaced the rest
### note:: untested.
for error_class in (exc.DisconnectionError, exc.InvalidatePoolError):
    print(f"{error_class.__name__:20}", refusals_after_outage(error_class))
### claim:: Compare the counts: DisconnectionError refused 3 connections one
### claim:: at a time, InvalidatePoolError only 1 and replaced the rest
### claim:: untested.
### proof:: refusals_after_outage(exc.DisconnectionError) == (
### proof::     "3 refused at checkout, 0 of 5 uses failed")
### proof:: refusals_after_outage(exc.InvalidatePoolError) == (
### proof::     "1 refused at checkout, 0 of 5 uses failed")

### slide::
### title:: Real faults on a real server
### note:: On SQLite this slide just prints that it needs a server. With
### note:: --db postgresql or --db mariadb it kills sessions, and restarts
### note:: the server if the deck started it. Skip when short of time.
# On PostgreSQL and MariaDB: killed sessions; and, when this deck started
# the server itself (``--db postgresql`` or ``--db mariadb``), a restart
# and a crash.
if not on_server:
    print("(server only: run with --db postgresql or --db mariadb)")
else:
    compare("sessions killed", lambda pooled: [
        kill_session(url, sid) for _, sid in pooled])
if own_server is not None:
    compare("clean restart", lambda pooled: own_server.restart())
    compare("crash restart", lambda pooled: own_server.crash_restart())
    engine.dispose()   # its pooled connections died in the restarts too
### claim:: when this deck started the server itself (``--db postgresql`` or
### claim:: ``--db mariadb``), a restart and a crash.
### proof:: (own_server is not None) == ("crash restart" in outcomes)
### proof:: os.environ.get("TUTORIAL_DB") != backend or "crash restart" in outcomes
### claim:: With --db postgresql or --db mariadb it kills sessions, and
### claim:: restarts the server if the deck started it.
### proof:: on_server == ("sessions killed" in outcomes)
### proof:: all(counts["none"] == 1 and counts["pre_ping"] == 0
### proof::     for counts, _ in outcomes.values())

### slide::
### title:: What no checkout check covers
### note:: All three fail the same way: a connection that dies while checked
### note:: out fails on its next use. The remedy is to retry the unit of work;
### note:: part 3's replica chapter comes back to it.
# A connection that dies while **checked out** fails on its next use,
# whatever the precaution: no checkout test can help, retry the whole
# unit of work.
for p, e in engines.items():
    try:
        with e.connect() as cx:
            cx.connection.dbapi_connection.close()   # the server goes away
            cx.execute(text("SELECT 1"))
        print(f"{p:14} survived")
    except exc.DBAPIError as err:
        print(f"{p:14} failed: {type(err).__name__},",
              "invalidated:", err.connection_invalidated)
### claim:: All three fail the same way: a connection that dies while checked
### claim:: out fails on its next use.
### proof:: len({dies_checked_out(e) for e in engines.values()}) == 1
### proof:: dies_checked_out(engines["checkout_ping"])[1] is True

### slide:: b
### title:: Disconnects: which to use
### note:: The summary to leave them with: pool_pre_ping=True by default, a
### note:: checkout listener when alive means more than answering a ping,
### note:: pool_recycle for idle-dropping firewalls.
### * ``pool_pre_ping=True``: the built-in checkout test; the default choice
### * A ``checkout`` listener: when "alive" means more than answering a ping
### * Nothing: one use fails per outage; fine if the caller retries
### * ``pool_recycle=N``: replace connections before idle ones get dropped
for e in engines.values():
    e.dispose()
### claim:: Nothing: one use fails per outage; fine if the caller retries
### proof:: all(counts["none"] == 1 for counts, _ in outcomes.values())

### slide:: b
### title:: Case study: audit log
### note:: Timing: about minute twenty-seven. The audit log runs until
### note:: slide 49, the part's longest story.
### note::
### note:: Reveal the bullets; stress that the users are the application's:
### note:: the database learns them only if the application tells it.
# Record which application user last wrote each row.
### * Passing "the current user" to each function that writes: impractical
### * Users are the application's, not database roles: the database learns them only if told
### * A trigger could read them from a setting (after the leak): SQL per backend
### * Here: the current user lives in ``Connection.info``...
### * ...and a column default reads it whenever code sets no value
### claim:: Users are the application's, not database roles: the database
### claim:: learns them only if told
### claim:: Reveal the bullets; stress that the users are the application's:
### claim:: the database learns them only if the application tells it.
### proof:: backend == "sqlite" or (trigger_stamp() == 123
### proof::                         and trigger_stamp(tell=False) is None)

### slide::
### title:: The column
### note:: Just the column from the recipe; the default is the interesting
### note:: part, next.
source(audit_log.updated_by_column)

### slide::
### title:: The default reads Connection.info
### note:: The default is a function of the execution context: it reaches the
### note:: connection, and reads info from there.
source(audit_log.current_user)

### slide::
### title:: A table with the stamping column
### note:: Point at updated_by_column(): the column from the slide before,
### note:: in an ordinary Table. Ask: who passes the user? About half a minute.
records = Table(
    "records", MetaData(),
    Column("id", Integer, primary_key=True),
    audit_log.updated_by_column(),
    Column("data", String(50)),
)
with unechoed():        # the table's DDL: not the point here
    fresh(records.metadata, engine)

### slide::
### title:: Insert as 123, update as 456
### note:: Point at the rows: 123 on insert, 456 after the update, and no
### note:: code passed the user to the statements.
with engine.begin() as cx:
    cx.info["updated_by"] = 123
    result = cx.execute(records.insert(), {"data": "inserted"})
    print(cx.execute(select(records)).all())
    cx.info["updated_by"] = 456
    result = cx.execute(records.update()
                        .where(records.c.data == "inserted"),
                        {"data": "updated"})
    print(cx.execute(select(records)).all())
### claim:: Insert as 123, update as 456
### claim:: Point at the rows: 123 on insert, 456 after the update, and no
### claim:: code passed the user to the statements.
### proof:: stamp_as(123) == 123
### proof:: stamps(records) == [("updated", 456)]

### slide::
### title:: The leak
### note:: The bug to show: the second row, written by nobody, is stamped
### note:: 789. info outlived the checkout.
# ``Connection.info`` outlives the checkout, so the user stays behind and
# stamps the next borrower's rows.
audited = pool_of_one()
with audited.begin() as cx:
    cx.info["updated_by"] = 789
    result = cx.execute(records.insert(), {"data": "by 789"})
with audited.begin() as cx:   # someone else, same DBAPI connection
    result = cx.execute(records.insert(), {"data": "by nobody?"})
    print(cx.execute(select(records.c.data, records.c.updated_by)
                     .where(records.c.id > 1)).all())
### claim:: The bug to show: the second row, written by nobody, is stamped
### claim:: 789.
### proof:: stamps(records)[-2:] == [("by 789", 789), ("by nobody?", 789)]

### slide::
### title:: Cleanup on checkin
### note:: One pool event, on checkin; it runs however the connection comes
### note:: back. Two slides on, each way is tried.
# A pool event forgets the user however the connection comes back:
# closed, after an exception or a rollback, or invalidated (each one is
# run, with and without it, two slides on).
source(audit_log.install_cleanup)

### slide::
### title:: No more leak
### note:: Now the next checkout's info is empty and 'by nobody' has None.
audit_log.install_cleanup(audited)
with audited.begin() as cx:
    cx.info["updated_by"] = 789
    result = cx.execute(records.insert(), {"data": "by 789 again"})
with audited.begin() as cx:
    print("info on the next checkout:", cx.info)
    result = cx.execute(records.insert(), {"data": "by nobody"})
    print(cx.execute(select(records.c.data, records.c.updated_by)
                     .where(records.c.id > 3)).all())
audited.dispose()
### claim:: Now the next checkout's info is empty and 'by nobody' has None.
### proof:: stamps(records)[-2:] == [("by 789 again", 789), ("by nobody", None)]

### slide::
### title:: However the connection comes back
### note:: Walk through the four endings in next_borrower_sees. Ask: which
### note:: of them will leak the user to the next borrower? About a minute.
# The user is set, the checkout ends one of four ways, and the next
# checkout of the same connection reads ``info``.  Without the listener
# every way but invalidation leaks (invalidating replaces the DBAPI
# connection and empties ``info`` anyway); with it, none does.
def next_borrower_sees(engine, ending):
    try:
        with engine.connect() as cx:
            cx.info["updated_by"] = 789
            if ending == "exception":
                raise RuntimeError("the request failed")
            if ending == "rollback":
                cx.rollback()
            if ending == "invalidate":
                cx.invalidate()
    except RuntimeError:
        pass
    with engine.connect() as cx:
        return cx.info.get("updated_by")
### claim:: Without the listener every way but invalidation leaks (invalidating
### claim:: replaces the DBAPI connection and empties ``info`` anyway); with it,
### claim:: none does.
### proof:: borrowers(cleanup=False) == {"close": 789, "exception": 789,
### proof::                              "rollback": 789, "invalidate": None}
### proof:: borrowers(cleanup=True) == dict.fromkeys(
### proof::     ("close", "exception", "rollback", "invalidate"))

### slide::
### title:: However it comes back: the table
### note:: Read the table: without the listener close, exception and rollback
### note:: all leak 789; invalidate does not (new connection). With
### note:: install_cleanup, none does.
for label, cleanup in (("no listener", False), ("install_cleanup", True)):
    one = pool_of_one()
    if cleanup:
        audit_log.install_cleanup(one)
    print(f"{label:16}", {ending: next_borrower_sees(one, ending) for ending
                          in ("close", "exception", "rollback", "invalidate")})
    one.dispose()
### claim:: Read the table: without the listener close, exception and rollback
### claim:: all leak 789; invalidate does not (new connection). With
### claim:: install_cleanup, none does.
### proof:: borrowers(cleanup=False) == {"close": 789, "exception": 789,
### proof::                              "rollback": 789, "invalidate": None}
### proof:: borrowers(cleanup=True) == dict.fromkeys(
### proof::     ("close", "exception", "rollback", "invalidate"))

### slide::
### title:: What a column default cannot stamp
### note:: The trade the recipe makes. A Python default works on every
### note:: backend but only for statements SQLAlchemy compiles: raw SQL gets
### note:: None. A PostgreSQL trigger reading current_setting('app.user_id',
### note:: true), set by set_config(..., true) in each transaction, stamps raw
### note:: SQL too (MariaDB: a session variable); the price is trigger code
### note:: per backend and one more statement per transaction. (Wrap it in
### note:: NULLIF(..., ''): once set in a session, it reads '' afterwards.)
# The default runs when SQLAlchemy compiles an INSERT or UPDATE, so SQL
# written by hand is not stamped.  A trigger is: on PostgreSQL it can read
# ``current_setting('app.user_id', true)``, which the application sets
# with ``set_config('app.user_id', ..., true)`` (local to the
# transaction); on MariaDB a session variable.  Trigger SQL per backend,
# against a stamp that also covers raw SQL and other clients.
with engine.connect() as cx, audit_log.acting_as(cx, 123):
    result = cx.exec_driver_sql("INSERT INTO records (data) VALUES ('raw')")
    print(cx.execute(select(records.c.data, records.c.updated_by)
                     .where(records.c.data == "raw")).all())
    cx.rollback()
### claim:: The default runs when SQLAlchemy compiles an INSERT or UPDATE, so
### claim:: SQL written by hand is not stamped.
### claim:: A Python default works on every backend but only for statements
### claim:: SQLAlchemy compiles: raw SQL gets None.
### proof:: stamp_as(123, raw=True) is None
### proof:: stamp_as(123) == 123
### claim:: What a column default cannot stamp
### proof:: stamp_as(123, raw=True) is None
### claim:: A trigger is: on PostgreSQL it can read
### claim:: ``current_setting('app.user_id', true)``, which the application
### claim:: sets with ``set_config('app.user_id', ..., true)`` (local to the
### claim:: transaction); on MariaDB a session variable.
### proof:: backend == "sqlite" or trigger_stamp() == 123

### slide::
### title:: Per statement: execution_options
### note:: The other way, per statement. Point at the two INSERT
### note:: lines of the echo: the option reaches the first statement and not
### note:: the second. About a minute.
# ``Connection.info`` lives as long as the DBAPI connection, hence the
# cleanup (the 2010 recipe used ``info``).  A default can read the
# statement's ``execution_options`` from its context instead.
def user_of_statement(context):
    return context.execution_options.get("updated_by")
tagged = Table("tagged", MetaData(), Column("id", Integer, primary_key=True),
              Column("updated_by", Integer, default=user_of_statement,
                     onupdate=user_of_statement),
              Column("data", String(50)))
with unechoed():        # the table's DDL: not the point here
    fresh(tagged.metadata, engine)
carried = pool_of_one()
with carried.begin() as cx:
    result = cx.execute(insert(tagged), {"data": "by 42"},
                        execution_options={"updated_by": 42})
    result = cx.execute(insert(tagged), {"data": "no option"})

### slide::
### title:: ...per Connection, and gone on the next checkout
### note:: The alternative with nothing to clean up: 42 on the one statement,
### note:: None without the option, 7 for one Connection object, None on the
### note:: next checkout. The cost: every statement must carry it.
# ``execution_options`` live only as long as the statement (or the
# ``Connection`` object): a default reads them from the context, and
# there is nothing to clean up.  The price: each statement must carry it.
with carried.connect().execution_options(updated_by=7) as cx:
    result = cx.execute(insert(tagged), {"data": "this Connection: 7"})
    cx.commit()
with carried.begin() as cx:   # the same DBAPI connection, next borrower
    result = cx.execute(insert(tagged), {"data": "next checkout"})
    print(cx.execute(select(tagged.c.data, tagged.c.updated_by)
                     .order_by(tagged.c.id)).all())
carried.dispose()
### claim:: The alternative with nothing to clean up: 42 on the one statement,
### claim:: None without the option, 7 for one Connection object, None on the
### claim:: next checkout. The cost: every statement must carry it.
### claim:: ``execution_options`` live only as long as the statement (or the
### claim:: ``Connection`` object): a default reads them from the context, and
### claim:: there is nothing to clean up.  The price: each statement must carry it.
### proof:: stamps(tagged) == [("by 42", 42), ("no option", None),
### proof::                    ("this Connection: 7", 7), ("next checkout", None)]

### slide::
### title:: Your turn: a default from execution_options
### note:: Exercise slide, two minutes. The check builds the learner's table
### note:: in a private SQLite database in memory, so the deck's own is untouched.
# A column default receives the execution context, and with it the
# statement's ``execution_options``.
### exercise:: A default of your own: make a Table ``signed`` (an ``id`` key and a
### exercise:: ``who`` string column) whose ``who`` default returns the
### exercise:: statement's ``"who"`` execution option.
### hint:: def who_of(context): return context.execution_options.get("who")
### hint:: Column("who", String(20), default=who_of)
### check:: scratch_engine = create_engine("sqlite://")
### check:: signed.metadata.create_all(scratch_engine)
### check:: with scratch_engine.connect() as cx:
### check::     for n, who in enumerate(["ana", "bo"]):
### check::         cx.execute(insert(signed), {"id": n},
### check::                    execution_options={"who": who})
### check::     got = cx.scalars(select(signed.c.who).order_by(signed.c.id)).all()
### check:: scratch_engine.dispose()
### check:: got == ["ana", "bo"]
### solution:: def who_of(context):
### solution::     return context.execution_options.get("who")
### solution:: signed = Table("signed", MetaData(),
### solution::                Column("id", Integer, primary_key=True),
### solution::                Column("who", String(20), default=who_of))

### slide::
### title:: 2010: the ORM populator, ported as it was
### note:: The 2010 code, ported faithfully so the next two slides can show
### note:: its bugs. Not a recipe; don't dwell on it.
# 2010's ``ContextualDefaultPopulator`` was a ``SessionExtension``: it
# copied ``session.info`` to the connection in ``after_begin`` and took it
# back in ``after_commit`` / ``after_rollback``, remembering each
# session's connection in a plain dict.  The same, as session events:
class ContextualDefaultPopulator2010:
    def __init__(self, sessions):
        self.connections = {}        # session -> connection, strong refs
        event.listen(sessions, "after_begin", self.after_begin)
        event.listen(sessions, "after_commit", self.after_end)
        event.listen(sessions, "after_rollback", self.after_end)

    def after_begin(self, session, transaction, connection):
        connection.info["updated_by"] = session.info.get("updated_by")
        self.connections[session] = connection

    def after_end(self, session):
        connection = self.connections.pop(session, None)
        if connection is not None:
            connection.info.pop("updated_by", None)

### slide::
### title:: close() without commit: 2010 leaks, the recipe does not
### note:: Read the two lines: the 2010 version stamps the next borrower as
### note:: 789, the recipe leaves None. The cause: close() fires
### note:: after_transaction_end, never after_rollback.
# ``close()`` ends the transaction but fires ``after_transaction_end``,
# never ``after_rollback``: the 2010 version leaves the user behind, and
# the next borrower's plain Core insert is stamped 789.  The recipe
# (``casestudies/contextual_defaults.py``, part 3) listens for that too.
def close_without_commit(install):
    small = create_engine(url, pool_size=1, max_overflow=0)
    sessions = sessionmaker(small)
    install(sessions)
    with sessions() as session:      # closed at the end, never committed
        session.info["updated_by"] = 789
        session.execute(insert(records), {"data": "draft"})
    with small.connect() as cx:      # someone else, the same connection
        cx.execute(insert(records), {"data": "plain Core"})
        with unechoed():             # reading the stamp back
            by = cx.scalar(select(records.c.updated_by)
                           .where(records.c.data == "plain Core"))
        cx.rollback()
    small.dispose()
    return by
### claim:: Read the two lines: the 2010 version stamps the next borrower as
### claim:: 789, the recipe leaves None.
### claim:: ``close()`` ends the transaction but fires ``after_transaction_end``,
### claim:: never ``after_rollback``: the 2010 version leaves the user behind,
### claim:: and the next borrower's plain Core insert is stamped 789.
### proof:: session_events_on_close() == ["after_transaction_end"]
### proof:: close_without_commit(ContextualDefaultPopulator2010) == 789
### proof:: close_without_commit(contextual_defaults.install) is None
### claim:: The cause: close() fires after_transaction_end, never after_rollback.
### proof:: session_events_on_close() == ["after_transaction_end"]

### slide::
### title:: close() without commit: the two side by side
### note:: Ask first: which of the two stamps the next borrower? Then read
### note:: the two lines. About a minute.
print("2010 populator: next checkout stamps as",
      close_without_commit(ContextualDefaultPopulator2010))
print("the recipe:     next checkout stamps as",
      close_without_commit(contextual_defaults.install))

### slide::
### title:: A dropped session: 2010 exhausts the pool
### note:: Walk through drop_a_session: a session dropped with del, then one
### note:: more checkout. Ask: which of the two gets a connection back?
### note:: About a minute.
# A session dropped without ``close()``, on a pool of one with a short
# ``pool_timeout``.  The 2010 dict keeps its connection alive, so it never
# returns to the pool: the next checkout times out.  The recipe holds weak
# references: once ``gc.collect()`` frees the session, the connection is back.
def drop_a_session(install):
    small = create_engine(url, pool_size=1, max_overflow=0, pool_timeout=0.2)
    sessions = sessionmaker(small)
    populator = install(sessions)
    session = sessions()
    session.info["updated_by"] = 789
    session.execute(insert(records), {"data": "abandoned"})
    del session
    gc.collect()
    try:
        with small.connect() as cx:
            outcome = f"next checkout works, info: {cx.info}"
    except exc.TimeoutError as err:
        outcome = f"TimeoutError: {str(err).split(',')[0]}"
        for connection in populator.connections.values():
            connection.close()   # let go, so this demo can end cleanly
    small.dispose()
    return outcome
### claim:: The 2010 dict keeps its connection alive, so it never returns to
### claim:: the pool: the next checkout times out.
### proof:: drop_a_session(ContextualDefaultPopulator2010).startswith(
### proof::     "TimeoutError")
### proof:: drop_a_session(contextual_defaults.install).startswith(
### proof::     "next checkout works, info: {}")

### slide::
### title:: A dropped session: the two side by side
### note:: The 2010 dict keeps the connection alive, so a pool of one times
### note:: out. The recipe's weak references let the garbage collector give
### note:: it back: a Session sits in reference cycles, so ``del`` alone
### note:: frees nothing until ``gc.collect()`` (or a later automatic pass).
print("2010 populator:", drop_a_session(ContextualDefaultPopulator2010))
print("the recipe:    ", drop_a_session(contextual_defaults.install))
### claim:: a Session sits in reference cycles, so ``del`` alone frees nothing
### claim:: until ``gc.collect()``
### proof:: dropped_without_collect() == "TimeoutError"

### slide:: b
### title:: Case study: a change watcher for tests
### note:: Timing: about minute thirty-six. Ask who has a test suite that
### note:: drops and recreates tables after each test.
# Tests that share a database should each leave it as they found it.
### * Dropping and recreating the tables after each test is slow
### * Approach: watch the tables a test writes, and empty those after it
### * Children before parents, so foreign keys between tables never object
### * (A table that references itself can, on MariaDB: rows go one by one)
### * 2010: a ``ConnectionProxy`` that gave up on plain SQL strings
### * Now ``before_cursor_execute`` sees Core, ORM, ``text()``, ``exec_driver_sql``
### * Not a raw DBAPI cursor: no event sees those writes (see "What each hook sees")
### claim:: Children before parents, so foreign keys between tables never object
### proof:: fk_tables_cleanup() == ["fk_children", "fk_parents"]
### claim:: (A table that references itself can, on MariaDB: rows go one by one)
### proof:: self_reference_cleanup() == (1451 if backend == "mariadb" else None)

### slide::
### title:: Watching statements
### note:: The watcher listens on before_cursor_execute, so Core, ORM, text()
### note:: and exec_driver_sql all pass through it.
# The body of ``ChangeWatcher._seen``, its ``before_cursor_execute`` hook:
code_of(change_watcher.ChangeWatcher._seen)
### claim:: The watcher listens on before_cursor_execute, so Core, ORM, text()
### claim:: and exec_driver_sql all pass through it.
### proof:: watcher_sees(lambda cx: cx.execute(insert(items), [{"id": 99}])) == (
### proof::     ["items"], False)
### proof:: watcher_sees(orm_write) == (["items"], False)
### proof:: watcher_sees(lambda cx: cx.execute(
### proof::     text("INSERT INTO items (id) VALUES (99)"))) == (["items"], False)
### proof:: watcher_sees(lambda cx: cx.exec_driver_sql(
### proof::     "INSERT INTO items (id) VALUES (99)")) == (["items"], False)

### slide::
### title:: Cleaning up, children first
### note:: Children before parents: the foreign keys between tables never
### note:: object to the DELETEs. A table whose rows point at each other is
### note:: the exception: MariaDB checks each row as it goes (error 1451).
# The body of ``ChangeWatcher.cleanup(metadata, connection)``:
code_of(change_watcher.ChangeWatcher.cleanup)
### claim:: Children before parents: the foreign keys between tables never
### claim:: object to the DELETEs.
### proof:: fk_tables_cleanup() == ["fk_children", "fk_parents"]
### claim:: MariaDB checks each row as it goes (error 1451).
### proof:: self_reference_cleanup() == (1451 if backend == "mariadb" else None)

### slide::
### title:: The watcher at work
### note:: Three tables; the test reads one and writes two. Ask the room:
### note:: which tables will the watcher call dirty? The next slide prints
### note:: them. About a minute.
schema = MetaData()
parents = Table("parents", schema, Column("id", Integer, primary_key=True))
children = Table("children", schema,
                 Column("id", Integer, primary_key=True),
                 Column("parent_id", ForeignKey("parents.id")))
untouched = Table("untouched", schema,
                  Column("id", Integer, primary_key=True))
with unechoed():        # the tables' DDL: not the point here
    fresh(schema, engine)
watcher = change_watcher.ChangeWatcher(engine)
with engine.begin() as cx:
    rows = cx.execute(select(untouched)).all()
    result = cx.execute(insert(parents), [{"id": 1}, {"id": 2}])
    result = cx.execute(
        text("INSERT INTO children (id, parent_id) VALUES (1, 2)"))
watcher.remove()    # done listening; what it saw stays in watcher.dirty

### slide::
### title:: The watcher cleans up
### note:: Point at 'DELETEs sent: 2': only the two tables the test wrote are
### note:: emptied.
print("dirty:", sorted(watcher.dirty), "| reset_all:", watcher.reset_all)
with engine.connect() as cx, statement_stats(cx) as stats:
    print("emptied:", watcher.cleanup(schema, cx))
print("DELETEs sent:", stats.by_verb["DELETE"])
### claim:: Point at 'DELETEs sent: 2': only the two tables the test wrote are
### claim:: emptied.
### proof:: stats.by_verb["DELETE"] == 2 and len(schema.tables) == 3
### proof:: watcher_sees(lambda cx: cx.execute(select(untouched)).all()) == (
### proof::     [], False)

### slide::
### title:: When it cannot tell
### note:: SQL it can't attribute sets reset_all, and every table is emptied,
### note:: 'untouched' included. Safe, slower.
# SQL it cannot attribute to one table sets ``reset_all``: the next
# cleanup empties every table.  Safe, just slower.
watcher = change_watcher.ChangeWatcher(engine)
with engine.begin() as cx:
    result = cx.exec_driver_sql(
        change_watcher.unattributable_write(engine, "untouched", 9))
print("dirty:", sorted(watcher.dirty), "| reset_all:", watcher.reset_all)
with engine.connect() as cx:
    print("emptied:", watcher.cleanup(schema, cx))
watcher.remove()
### claim:: When it cannot tell
### claim:: SQL it can't attribute sets reset_all, and every table is emptied,
### claim:: 'untouched' included.
### claim:: SQL it cannot attribute to one table sets ``reset_all``: the next
### claim:: cleanup empties every table.
### proof:: unattributed_empties() == (True, ["children", "parents", "untouched"])

### slide:: b
### title:: Test isolation: which to use when
### note:: The figures come from benchmarks/change_watcher.py and depend
### note:: on the storage; invite them to run it on theirs rather than
### note:: quoting the ratios as universal.
# ``benchmarks/change_watcher.py`` (50 tables, 3 written per test, a
# shared 2-core machine) put drop-and-recreate last in each run; the rest
# depends on the storage, and the ranges are the few runs made (two to
# four per setup).  SQLite on tmpfs: rollback 1-4 ms per test, watcher
# 1.5-3.5x that, drop-and-recreate 10-70x the watcher.  SQLite file on an
# ordinary disk: watcher 16-37x the rollback (each cleanup is committed;
# the rollback never commits), drop-and-recreate 2.6-2.7x the watcher.
# MariaDB: watcher 0.5-3.2x the rollback, the order flipping between
# runs.  Run it on yours.
### * Rollback: a Session joined to an outer transaction, rolled back
###  * usually the fastest; when a test works in one connection, no real COMMIT
### * Change watcher: when tests commit, use threads or several connections
### * Drop and recreate: for tests that change the schema; the slowest
### claim:: ``benchmarks/change_watcher.py`` (50 tables, 3 written per test, a
### claim:: shared 2-core machine)
### proof:: not benchmark().exists() or (bench_setting("TABLES"), bench_setting("WRITTEN")) == (50, 3)
### measured:: benchmarks/change_watcher.py: SQLite on tmpfs: rollback 1-4 ms per test, watcher 1.5-3.5x that, drop-and-recreate 10-70x the watcher
### measured:: benchmarks/change_watcher.py: SQLite file on an ordinary disk: watcher 16-37x the rollback (each cleanup is committed; the rollback never commits), drop-and-recreate 2.6-2.7x the watcher
### measured:: benchmarks/change_watcher.py: MariaDB: watcher 0.5-3.2x the rollback, the order flipping between runs

### slide::
### title:: The rollback pattern
### note:: 'added by the test: 2 | left after: 0': the fixture's rollback
### note:: undid even the test's commit.
# The test's Session joins a transaction the fixture began; the test may
# even call ``commit()``; the fixture rolls everything back.  (The next
# slide shows the case this form misses.)
count_records = select(func.count()).select_from(records)
before = count_rows(records)        # counted on an engine of its own
with engine.connect() as cx:
    outer = cx.begin()
    session = Session(bind=cx)   # joins the outer transaction
    result = session.execute(insert(records), [{"data": "t1"},
                                               {"data": "t2"}])
    session.commit()             # does not commit the outer transaction
    inside = session.execute(count_records).scalar()
    session.close()
    outer.rollback()
after = count_rows(records)
print("added by the test:", inside - before, "| left after:", after - before)
### claim:: 'added by the test: 2 | left after: 0': the fixture's rollback
### claim:: undid even the test's commit.
### claim:: The test's Session joins a transaction the fixture began; the test
### claim:: may even call ``commit()``; the fixture rolls everything back.
### proof:: (inside - before, after - before) == (2, 0)
### proof:: count_rows(records) == before

### slide::
### title:: ...unless the test calls rollback()
### note:: Walk through code_under_test: it rolls back, then writes and
### note:: commits. left_behind is the fixture. Ask: does the committed row
### note:: survive the fixture's rollback? About a minute.
# Code under test that rolls back, then writes and commits: with the
# default ``join_transaction_mode`` its ``rollback()`` ends the fixture's
# outer transaction, the later commit is real, and the row survives.
def code_under_test(session):
    session.execute(insert(records), [{"data": "rolled back"}])
    session.rollback()
    session.execute(insert(records), [{"data": "committed"}])
    session.commit()
def left_behind(**session_options):
    before = count_rows(records)    # counted on an engine of its own
    with engine.connect() as cx, warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        outer = cx.begin()
        with Session(bind=cx, **session_options) as session:
            code_under_test(session)
        outer.rollback()
    left = count_rows(records) - before
    with unechoed(), engine.begin() as cx:     # tidy up, off the slide
        cx.execute(records.delete().where(records.c.data == "committed"))
    return left, [str(w.message) for w in seen]

### slide::
### title:: The default mode: a row survives
### note:: Point at the COMMIT in the echo. Point at the default mode's 1: a
### note:: row survived, with the warning text. About a minute.
# SQLAlchemy warns when the fixture then rolls back.
default = left_behind()
print("default mode:    ", default)
### claim:: Point at the default mode's 1: a row survived, with the warning text.
### proof:: default[0] == 1 and len(default[1]) == 1

### slide::
### title:: create_savepoint: the fixture keeps control
### note:: Point at the SAVEPOINT lines and the final ROLLBACK.
### note:: create_savepoint leaves 0 and no warning. This is the mode to
### note:: recommend; the next slides show what SQLite needs with it.
# With ``"create_savepoint"`` the session works inside a SAVEPOINT and the
# fixture keeps control: the mode SQLAlchemy's docs give for test suites.
savepoint = left_behind(join_transaction_mode="create_savepoint")
print("create_savepoint:", savepoint)
### claim:: create_savepoint leaves 0 and no warning.
### proof:: savepoint == (0, [])

### slide::
### title:: On SQLite: no BEGIN, so the SAVEPOINT commits
### note:: Code under test that just commits. Ask: on SQLite, will the
### note:: fixture's rollback undo it? The next slide answers. About a minute.
# Code under test that commits (no rollback first).  On SQLite the driver
# sends no BEGIN for the fixture's ``begin()``: the session's SAVEPOINT
# starts the real transaction, and ``commit()``, releasing it, commits for good.
def just_commits(session):
    session.execute(insert(records), [{"data": "committed"}])
    session.commit()
def savepoint_left(on):
    before = count_rows(records)    # counted on an engine of its own
    with on.connect() as cx:
        outer = cx.begin()
        with Session(bind=cx,
                     join_transaction_mode="create_savepoint") as session:
            just_commits(session)
        outer.rollback()
    left = count_rows(records) - before
    with unechoed(), on.begin() as cx:         # tidy up, off the slide
        cx.execute(records.delete().where(records.c.data == "committed"))
    return left

### slide::
### title:: sqlite_begins: BEGIN sent, the row rolled back
### note:: Point at 'plain engine: 1' (on SQLite): the committed row
### note:: escaped the fixture. sqlite_begins brings it back to 0.
# ``change_watcher.sqlite_begins`` sends BEGIN (PostgreSQL, MariaDB: 0 either way).
tests_engine = change_watcher.sqlite_begins(create_engine(url))
plain_left, begins_left = savepoint_left(engine), savepoint_left(tests_engine)
print("plain engine:", plain_left, "| sqlite_begins:", begins_left)
tests_engine.dispose()
### claim:: On SQLite the driver sends no BEGIN for the fixture's ``begin()``: the session's SAVEPOINT starts the real transaction, and ``commit()``, releasing it, commits for good.
### proof:: backend != "sqlite" or plain_left == 1
### claim:: PostgreSQL, MariaDB: 0 either way
### proof:: backend == "sqlite" or plain_left == begins_left == 0
### proof:: begins_left == 0
### claim:: Point at 'plain engine: 1' (on SQLite): the committed row
### claim:: escaped the fixture.
### proof:: backend != "sqlite" or plain_left == 1
### claim:: sqlite_begins brings it back to 0.
### proof:: begins_left == 0

### slide::
### title:: Dialects
### note:: One statement, five SQL texts: LIMIT/OFFSET on SQLite, TOP on SQL
### note:: Server, FETCH FIRST on Oracle, LEN for length on SQL Server.
### note::
### note:: Exercise: two minutes. Timing: about minute forty-two; go to the
### note:: summary if you are behind.
# A dialect turns generic constructs into one database's SQL, and
# copes with its driver.  One statement, five databases:
stmt = (select(records.c.data, func.length(records.c.data))
        .where(records.c.updated_by == 123).limit(5))
for dialect in (sqlite.dialect(), postgresql.dialect(), mysql.dialect(),
                mssql.dialect(), oracle.dialect()):
    compiled = stmt.compile(dialect=dialect,
                            compile_kwargs={"literal_binds": True})
    sql = " ".join(str(compiled).split())
    print(f"{dialect.name:10} {sql}")
### exercise:: Compile ``stmt`` for MySQL with its bound values inlined
### exercise:: and keep the SQL text in ``mysql_sql``.
### hint:: stmt.compile(dialect=..., compile_kwargs={"literal_binds": True})
### check:: "LIMIT 5" in mysql_sql and "= 123" in mysql_sql
### solution:: mysql_sql = str(stmt.compile(
### solution::     dialect=mysql.dialect(),
### solution::     compile_kwargs={"literal_binds": True}))

### slide:: l
### title:: Third-party dialects
### note:: A slide of the long version. 'installed: []' unless a third-party
### note:: dialect package is in the venv.
# A package registers its dialect under the entry point group
# ``sqlalchemy.dialects`` (``"name.driver" = "package.module:Class"`` in
# its pyproject.toml); ``create_engine("name+driver://...")`` finds it.
# The same registry can be filled at run time:
from sqlalchemy.dialects import registry
registry.register("tutorialdb.pysqlite",
                  "sqlalchemy.dialects.sqlite.pysqlite",
                  "SQLiteDialect_pysqlite")
borrowed = create_engine("tutorialdb+pysqlite://")
print(borrowed.dialect.name, type(borrowed.dialect).__name__)
print("installed:", sorted(ep.name for ep in
                           entry_points(group="sqlalchemy.dialects")))

### slide:: b
### title:: Part 1 in three lines
### note:: Five bullets, not three; say so with a smile. Then the break, and
### note:: part 2: DDL and the expression language.
### * Statements go through a ``Connection`` (``engine.connect()``); a raw DBAPI cursor skips its events
### * There is always a pool, even one that pools nothing (``NullPool``)
### * Pool events for the DBAPI connection's life; connection events for statements and transactions
### * ``Connection.info`` outlives the checkout: clean it on checkin, or carry per-statement context in ``execution_options``
### * Dialects do the heavy lifting
# Up next, part 2: DDL and the SQL expression language.
engine.dispose()
### claim:: There is always a pool, even one that pools nothing (``NullPool``)
### proof:: isinstance(create_engine(url, poolclass=NullPool).pool, Pool)
