"""Part 1: connections, pools, connection events, dialects.  Run: python part1.py  (or: sliderepl part1.py)"""
if __name__ == "__main__":
    import sliderepl.launch
    sliderepl.launch.deck(__file__)   # runs the deck, then exits

### target:: 45m

### slide:: s
import contextlib
import gc
import logging
import os
import time
import warnings
from importlib.metadata import entry_points

from sqlalchemy import (
    URL, Column, ForeignKey, Integer, MetaData, String, Table, create_engine,
    engine_from_config, event, exc, func, insert, make_url, select, text,
)
from sqlalchemy.dialects import mssql, mysql, oracle, postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool, PoolProxiedConnection, QueuePool

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


@contextlib.contextmanager
def unechoed():
    """Keep a helper's own SQL (admin connections, setup) off the slide."""
    log = logging.getLogger("sqlalchemy.engine")
    level = log.level
    log.setLevel(logging.WARNING)
    try:
        yield
    finally:
        log.setLevel(level)

### slide:: b
### title:: Part 1: connections, pools, events, dialects
### note:: Say which database the room sees: the last line prints it. SQLite
### note:: by default; with --db postgresql or --db mariadb a few slides show
### note:: more.
### note::
### note:: Forty-five minutes for about sixty slides: under a minute each.
### note:: The case studies (disconnects, audit log, change watcher) are
### note:: where the time goes; the 2010 slides are quick.
# The layer under everything else: how SQLAlchemy talks to a database,
# and where you can hook into it.
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
### note:: block that does not commit rolls back. Worth saying now, it comes
### note:: back on every slide.
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

### slide:: b
### title:: Why almost nobody writes an Engine class
### note:: Reveal the bullets one by one, then run. The creator= function was
### note:: called exactly once: one connection made, then pooled.
# Engines were designed to be subclassed.  In practice nobody needs to:
### * an Engine only glues a dialect, a pool and events together
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

### slide::
### title:: There is always a pool
### note:: Point at the first line: SQLite in memory gets
### note:: SingletonThreadPool, because each new connection would be a new
### note:: empty database. Everything else gets QueuePool.
# Even a single connection goes through one.  Each dialect picks its
# default; asking the dialect class imports no driver and connects to
# nothing (``create_engine`` would import psycopg or PyMySQL).
for where in ("sqlite://", "sqlite:///file.db",
              "postgresql+psycopg://u@host/db",
              "mariadb+pymysql://u@host/db"):
    where_url = make_url(where)
    poolclass = where_url.get_dialect().get_pool_class(where_url)
    print(f"{where:34}", poolclass.__name__)

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
    with unpooled.connect() as cx:
        cx.execute(text("SELECT 1")).scalar()
print("NullPool, 2 uses: opened", len(opened), "| closed", len(closed))
unpooled.dispose()

### slide:: l
### title:: Passing a pool
### note:: Read the two status lines aloud: checked out 2, then in pool 2.
### note:: Long-only slide; skip it with --short when late.
# ``pool=`` takes a ready pool; it calls its creator for new connections.
pool = QueuePool(lambda: dbapi.connect(*cargs, **cparams),
                 pool_size=2, max_overflow=0)
pooled = create_engine(url, pool=pool)
a, b = pooled.connect(), pooled.connect()
print(pool.status())
a.close(), b.close()
print(pool.status())
pooled.dispose()

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
### note:: The order on the first use: first_connect, connect, checkout, then
### note:: reset and checkin on the way back. The second use shows only
### note:: checkout, reset, checkin: the connection was reused.
### note::
### note:: Exercise slide: give the room two minutes; the solution is below
### note:: for you. !check tells them if they got it.
# ``first_connect`` once per engine, ``connect`` per new DBAPI connection,
# ``checkout`` / ``checkin`` per use, ``reset`` on the way back.
watched = pool_of_one()
for name in ("first_connect", "connect", "checkout", "reset", "checkin"):
    event.listen(watched, name,
                 lambda *args, name=name: print("  event:", name))
print("first use:")
with watched.connect() as cx:
    cx.execute(text("SELECT 1")).scalar()
print("second use:")
with watched.connect() as cx:
    cx.execute(text("SELECT 1")).scalar()
watched.dispose()
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
### note:: The setting differs per database (shown in the first line). Both
### note:: checkouts show it: the connect listener ran once, the connection
### note:: kept it.
# A ``connect`` listener runs once per new DBAPI connection: the place
# for session settings every connection must have.
print("setting:", SETTING[0])
def apply_setting(dbapi_connection, connection_record):
    cursor = dbapi_connection.cursor()
    cursor.execute(SETTING[0])
    cursor.close()
    dbapi_connection.commit()   # see the next slide
configured = pool_of_one()
event.listen(configured, "connect", apply_setting)
for n in (1, 2):
    with configured.connect() as cx:
        value = cx.exec_driver_sql(SETTING[1]).scalar()
        print(f"checkout {n}:", repr(value))
configured.dispose()
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
# the transaction the driver just began; the pool rolls it back when the
# connection returns, so the setting silently vanishes.  SQLite's PRAGMA
# and MariaDB's SET do not take part in transactions.
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

### slide::
### title:: Uncommitted work on return to the pool
### note:: The insert went through a raw cursor, never committed. Point at
### note:: the reset line printed by raw.close(), then at 'rows: 0'.
# A connection that comes back with a transaction open is **rolled
# back** by the pool (``pool_reset_on_return``), whoever forgot it.
items = Table("items", MetaData(), Column("id", Integer, primary_key=True))
items.metadata.drop_all(engine); items.metadata.create_all(engine)
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
# drops it.  It runs after the pool's rollback, so it commits its DDL
# (PostgreSQL would roll a DROP back later).
def drop_temp_tables(dbapi_connection, connection_record):
    names = connection_record.info.pop("temp_tables", [])
    if dbapi_connection is None or not names:
        return   # invalidated: the session (and its tables) is gone
    cursor = dbapi_connection.cursor()
    for name in names:
        cursor.execute(DROP_TEMP.format(name))
    cursor.close()
    dbapi_connection.commit()
tidy = pool_of_one()
event.listen(tidy, "checkin", drop_temp_tables)
with tidy.begin() as cx:
    cx.exec_driver_sql(CREATE_TEMP).close()
    cx.info.setdefault("temp_tables", []).append("scratch")
with tidy.connect() as cx:
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
### note:: The bullets are the map; then the output: before_execute sees the
### note:: construct (Select, Insert), before_cursor_execute sees the SQL
### note:: string.
# ``create_engine(proxy=MyProxy())`` wrapped every execution, once per
# engine.  Connection events do the same, per engine or connection:
### * ``before_execute`` / ``after_execute``: the statement object
### * ``before_cursor_execute`` / ``after_cursor_execute``: the final SQL
### * ``begin`` / ``commit`` / ``rollback``, ``handle_error``
def show_construct(conn, clauseelement, multiparams, params, options):
    print("  construct:", type(clauseelement).__name__)
def show_sql(conn, cursor, statement, parameters, context, executemany):
    print("  sql:", statement.split()[0])
event.listen(engine, "before_execute", show_construct)
event.listen(engine, "before_cursor_execute", show_sql)
with engine.connect() as cx:
    rows = cx.execute(select(items)).all()
    result = cx.execute(insert(items), [{"id": 5}, {"id": 6}])
    cx.rollback()
event.remove(engine, "before_execute", show_construct)
event.remove(engine, "before_cursor_execute", show_sql)
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
### note:: Read the three rows: text() fires both hooks, exec_driver_sql only
### note:: the cursor one, a raw DBAPI cursor none. The change watcher later
### note:: depends on this.
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
event.listen(engine, "before_execute", on_execute)
event.listen(engine, "before_cursor_execute", on_cursor)
def raw_cursor(cx, sql):
    cursor = cx.connection.cursor()    # the DBAPI cursor itself
    cursor.execute(sql)
    cursor.close()
with engine.begin() as cx:
    for how, run in [("text()", lambda sql: cx.execute(text(sql))),
                     ("exec_driver_sql", cx.exec_driver_sql),
                     ("raw DBAPI cursor", lambda sql: raw_cursor(cx, sql))]:
        seen.clear()
        result = run("DELETE FROM items")
        print(f"{how:17}", seen or "no event at all")
event.remove(engine, "before_execute", on_execute)
event.remove(engine, "before_cursor_execute", on_cursor)

### slide::
### title:: Intercepting begin, commit and rollback
### note:: The second block ends without commit(), and the output shows
### note:: rollback: closing a connection rolls back what it left open.
# 2010's proxy had ``begin()``, ``commit()``, ``rollback()`` methods; now
# they are connection events of those names (and ``savepoint``,
# ``release_savepoint``, ``rollback_savepoint``).  A ``with`` block that
# ends without ``commit()`` fires ``rollback``: closing a connection rolls
# back the transaction it left open.
watched_tx = create_engine(url)
for name in ("begin", "commit", "rollback"):
    event.listen(watched_tx, name,
                 lambda conn, name=name: print("  event:", name))
with watched_tx.begin() as cx:
    cx.execute(text("SELECT 1")).all()
with watched_tx.connect() as cx:
    cx.execute(text("SELECT 1")).all()
watched_tx.dispose()
### exercise:: Count commits only: make ``tx_counted = create_engine(url)``
### exercise:: with a ``commit`` listener that appends to a list ``commit_log``.
### exercise:: A block that ends without committing must leave it alone.
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
### note:: Point at the second 'cursor ran' line: the comment was appended.
### note:: Without retval=True the listener's return value is silently
### note:: ignored.
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
for e in (ignored, rewritten):
    event.listen(e, "after_cursor_execute", show_sent)
    with e.connect() as cx:
        cx.execute(text("SELECT 1")).all()
    e.dispose()

### slide::
### title:: Case study: statement statistics
### note:: Only the recipe's source on this slide; don't read it line by
### note:: line. Two cursor events and handle_error, removed after the block.
# Count the statements a block sends, and their time: two cursor events
# (and ``handle_error`` for the ones that fail), added for the block and
# removed after it.
source(statement_stats_module.statement_stats)

### slide::
### title:: Statement statistics in use
### note:: 'statements: 4', three SELECTs and one INSERT. Mention that the
### note:: other case studies' tests use this to count queries.
# Pin down what code really sends ("how many SELECTs did that loop
# cost?").  Tests of the other case studies use it too.
with engine.connect() as cx, statement_stats(cx) as stats:
    for n in range(3):
        cx.execute(select(items).where(items.c.id == n)).all()
    result = cx.execute(insert(items), [{"id": 7}, {"id": 8}])
    cx.rollback()
print("statements:", stats.count, dict(stats.by_verb))
print("time measured:", stats.seconds > 0)

### slide:: b
### title:: Case study: disconnects
### note:: Timing: you should be around minute 20 here. The disconnect slides
### note:: can take ten minutes; cut the server-only slide if behind.
### note::
### note:: Reveal the bullets: the default opinion (fail once, retry) against
### note:: checking at checkout.
# A database restart, a failover, a firewall dropping idle sockets: the
# pool holds connections that are dead.
### * SQLAlchemy's opinion: the first use fails, the pool refills, retry
### * Counter-opinion: a pool should only hand out live connections
### * Approach: test at **checkout**; raise ``DisconnectionError`` if dead
### * The pool then reconnects that slot and runs the listener once more
### * 2010: a ``PoolListener`` with MySQL's ``ping()``; now a pool event

### slide::
### title:: The checkout listener
### note:: The recipe's code: SELECT 1 on the raw connection,
### note:: DisconnectionError if it fails. The next slide counts how often
### note:: the pool retries.
# Its ``SELECT 1`` runs on the raw DBAPI connection; a dead one raises
# ``DisconnectionError`` and the pool reconnects.  How often it tries
# again: the next slide counts it.
source(disconnects.install_checkout_ping)

### slide::
### title:: How many tries? Counted
### note:: Point at 'listener ran: 2 times' and 'a DBAPIError: False': after
### note:: two refusals the pool gives up with InvalidRequestError, which
### note:: code catching only DBAPIError will miss.
# A listener that says "dead" every time.  The pool runs it **twice**,
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

### slide::
### title:: Three engines, one fault
### note:: Read the first row: without a precaution 1 use of 5 fails;
### note:: pre_ping and the checkout listener lose none. Each engine
### note:: invalidated once.
# Each engine pools three connections; then they all die.
# ``count_failures`` uses an engine five times and counts the uses that
# hit a disconnect; an ``invalidate`` listener counts the connections the
# pool threw away as dead.  (Their SQL is not echoed: all ``SELECT 1``.)
engines = {p: make_engine(url, p, logging_name="quiet")
           for p in PRECAUTIONS}
invalidated = {p: [] for p in engines}
for p, e in engines.items():
    event.listen(e, "invalidate",
                 lambda *args, p=p: invalidated[p].append(1))
def compare(fault, inject):
    pooled = [c for e in engines.values()
              for c in warm_up(e, 3)]
    for found in invalidated.values():
        found.clear()
    with unechoed():        # an admin connection's SQL, on a server
        inject(pooled)
    counts = {p: count_failures(e, 5)
              for p, e in engines.items()}
    print(f"{fault:20}", "  ".join(f"{p}: {n}/5"
                                   for p, n in counts.items()))
    print(f"{'  invalidated':20}", "  ".join(
        f"{p}: {len(found)}" for p, found in invalidated.items()))
def close_them(pooled):
    for dbapi_connection, session_id in pooled:
        dbapi_connection.close()
compare("connections closed", close_them)

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

### slide::
### title:: One dead connection, or the whole pool?
### note:: Compare the counts: DisconnectionError refused 3 connections one
### note:: at a time, InvalidatePoolError only 1 and replaced the rest
### note:: untested.
# A checkout listener's ``DisconnectionError`` invalidates only the
# connection it tested: after an outage each dead one is pinged and
# refused in turn.  ``exc.InvalidatePoolError`` (a ``DisconnectionError``
# too) invalidates the whole pool, as ``pool_pre_ping`` does: one refusal,
# and the rest are replaced untested.  A listener defined here:
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
for error_class in (exc.DisconnectionError, exc.InvalidatePoolError):
    print(f"{error_class.__name__:20}", refusals_after_outage(error_class))

### slide::
### title:: Real faults on a real server
### note:: On SQLite this slide only says it needs a server. With --db
### note:: postgresql it kills sessions, and restarts the server if the deck
### note:: started it. Skip when short of time.
# On PostgreSQL and MariaDB: killed sessions; and, when this deck started
# the server itself (``--db postgresql``), a restart and a crash.
if not on_server:
    print("(server only: run with --db postgresql or --db mariadb)")
else:
    compare("sessions killed", lambda pooled: [
        kill_session(url, sid) for _, sid in pooled])
if own_server is not None:
    compare("clean restart", lambda pooled: own_server.restart())
    compare("crash restart", lambda pooled: own_server.crash_restart())
    engine.dispose()   # its pooled connections died in the restarts too

### slide::
### title:: What no checkout check covers
### note:: All three fail the same way: a connection that dies while checked
### note:: out fails on its next use. Only retrying the unit of work helps;
### note:: part 3's replica chapter comes back to it.
# A connection that dies while **checked out** fails on its next use,
# whatever the precaution.  Only retrying the whole unit of work helps.
for p, e in engines.items():
    try:
        with e.connect() as cx:
            cx.connection.dbapi_connection.close()   # the server goes away
            cx.execute(text("SELECT 1"))
        print(f"{p:14} survived")
    except exc.DBAPIError as err:
        print(f"{p:14} failed: {type(err).__name__},",
              "invalidated:", err.connection_invalidated)

### slide:: b
### title:: Disconnects: which to use
### note:: The summary to leave them with: pool_pre_ping=True by default, a
### note:: checkout listener when alive means more than SELECT 1,
### note:: pool_recycle for idle-dropping firewalls.
### * ``pool_pre_ping=True``: the built-in checkout test; the default choice
### * A ``checkout`` listener: when "alive" means more than ``SELECT 1``
### * Nothing: one use fails per outage; fine if the caller retries
### * ``pool_recycle=N``: replace connections before idle ones get dropped
for e in engines.values():
    e.dispose()

### slide:: b
### title:: Case study: audit log
### note:: Timing: about minute 27. The audit log runs until slide 48, the
### note:: part's longest story.
### note::
### note:: Reveal the bullets; stress that the users are the application's,
### note:: so no trigger can know them.
# Record which application user last wrote each row.
### * Passing "the current user" to every function that writes: impractical
### * Users are the application's, not database roles: no trigger knows them
### * Approach: the current user lives in ``Connection.info``...
### * ...and a column default reads it whenever code sets no value

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
### title:: Insert as 123, update as 456
### note:: Point at the rows: 123 on insert, 456 after the update, and no
### note:: code passed the user to the statements.
records = Table(
    "records", MetaData(),
    Column("id", Integer, primary_key=True),
    audit_log.updated_by_column(),
    Column("data", String(50)),
)
fresh(records.metadata, engine)
with engine.begin() as cx:
    cx.info["updated_by"] = 123
    result = cx.execute(records.insert(), {"data": "inserted"})
    print(cx.execute(select(records)).all())
    cx.info["updated_by"] = 456
    result = cx.execute(records.update()
                        .where(records.c.data == "inserted"),
                        {"data": "updated"})
    print(cx.execute(select(records)).all())

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

### slide::
### title:: However the connection comes back
### note:: Read the table: without the listener close, exception and rollback
### note:: all leak 789; invalidate does not (new connection). With
### note:: install_cleanup, none does.
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
for label, cleanup in (("no listener", False), ("install_cleanup", True)):
    one = pool_of_one()
    if cleanup:
        audit_log.install_cleanup(one)
    print(f"{label:16}", {ending: next_borrower_sees(one, ending) for ending
                          in ("close", "exception", "rollback", "invalidate")})
    one.dispose()

### slide::
### title:: Per statement: execution_options
### note:: The alternative with nothing to clean up: 42 on the one statement,
### note:: None without the option, 7 for one Connection object, None on the
### note:: next checkout. The cost: every statement must carry it.
# ``Connection.info`` lives as long as the DBAPI connection, hence the
# cleanup (the 2010 recipe had only that).  ``execution_options`` live
# only as long as the statement (or the ``Connection`` object): a default
# reads them from the context, and there is nothing to clean up.  The
# price: each statement must carry it.
def user_of_statement(context):
    return context.execution_options.get("updated_by")
tagged = Table("tagged", MetaData(), Column("id", Integer, primary_key=True),
              Column("updated_by", Integer, default=user_of_statement,
                     onupdate=user_of_statement),
              Column("data", String(50)))
fresh(tagged.metadata, engine)
carried = pool_of_one()
with carried.begin() as cx:
    result = cx.execute(insert(tagged), {"data": "by 42"},
                        execution_options={"updated_by": 42})
    result = cx.execute(insert(tagged), {"data": "no option"})
with carried.connect().execution_options(updated_by=7) as cx:
    result = cx.execute(insert(tagged), {"data": "this Connection: 7"})
    cx.commit()
with carried.begin() as cx:   # the same DBAPI connection, next borrower
    result = cx.execute(insert(tagged), {"data": "next checkout"})
    print(cx.execute(select(tagged.c.data, tagged.c.updated_by)
                     .order_by(tagged.c.id)).all())
carried.dispose()

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
        by = cx.scalar(select(records.c.updated_by)
                       .where(records.c.data == "plain Core"))
        cx.rollback()
    small.dispose()
    return by
print("2010 populator: next checkout stamps as",
      close_without_commit(ContextualDefaultPopulator2010))
print("the recipe:     next checkout stamps as",
      close_without_commit(contextual_defaults.install))

### slide::
### title:: A dropped session: 2010 exhausts the pool
### note:: The 2010 dict keeps the connection alive, so a pool of one times
### note:: out. The recipe's weak references let garbage collection give it
### note:: back.
# A session nobody closes, on a pool of one (``pool_timeout=0.2``).  The
# 2010 dict keeps the session's connection alive, so it never returns to
# the pool and the next checkout times out.  The recipe holds weak
# references: garbage collection returns the connection, cleaned.
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
print("2010 populator:", drop_a_session(ContextualDefaultPopulator2010))
print("the recipe:    ", drop_a_session(contextual_defaults.install))

### slide:: b
### title:: Case study: a change watcher for tests
### note:: Timing: about minute 36. Ask who has a test suite that drops and
### note:: recreates tables after each test.
# Tests that share a database must leave it empty.
### * Dropping and recreating every table after each test is slow
### * Approach: watch the tables a test writes; empty only those
### * Children before parents, so foreign keys never object
### * 2010: a ``ConnectionProxy`` that gave up on any SQL string
### * Now ``before_cursor_execute`` sees Core, ORM, ``text()``, ``exec_driver_sql``
### * Not a raw DBAPI cursor: no event sees those writes (see "What each hook sees")

### slide::
### title:: Watching statements
### note:: The watcher listens on before_cursor_execute, so Core, ORM, text()
### note:: and exec_driver_sql all pass through it.
source(change_watcher.ChangeWatcher._seen)

### slide::
### title:: Cleaning up, children first
### note:: Children before parents: the foreign keys never object to the
### note:: DELETEs.
source(change_watcher.ChangeWatcher.cleanup)

### slide::
### title:: The watcher at work
### note:: Point at 'DELETEs sent: 2': only the two tables the test wrote are
### note:: emptied.
schema = MetaData()
parents = Table("parents", schema, Column("id", Integer, primary_key=True))
children = Table("children", schema,
                 Column("id", Integer, primary_key=True),
                 Column("parent_id", ForeignKey("parents.id")))
untouched = Table("untouched", schema,
                  Column("id", Integer, primary_key=True))
fresh(schema, engine)
watcher = change_watcher.ChangeWatcher(engine)
with engine.begin() as cx:
    rows = cx.execute(select(untouched)).all()
    result = cx.execute(insert(parents), [{"id": 1}, {"id": 2}])
    result = cx.execute(
        text("INSERT INTO children (id, parent_id) VALUES (1, 2)"))
print("dirty:", sorted(watcher.dirty), "| reset_all:", watcher.reset_all)
with engine.connect() as cx, statement_stats(cx) as stats:
    print("emptied:", watcher.cleanup(schema, cx))
print("DELETEs sent:", stats.by_verb["DELETE"])
watcher.remove()    # its listener goes; the next slide watches anew

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

### slide:: b
### title:: Test isolation: which to use when
### note:: The figures come from benchmarks/change_watcher.py and depend
### note:: on the storage; invite them to run it on theirs rather than
### note:: quoting the ratios as universal.
# ``benchmarks/change_watcher.py`` (50 tables, 3 written per test, a
# shared 2-core machine) ranks them the same everywhere, but the gaps
# depend on the storage.  SQLite on tmpfs: rollback 1-4 ms per test,
# watcher 1.5-3.5x that, drop-and-recreate 10-70x the watcher.  SQLite
# file on an ordinary disk: watcher 16-37x the rollback (each cleanup is
# committed; the rollback never commits), drop-and-recreate only 2.7x
# the watcher.  MariaDB: watcher 3.2x the rollback.  Run it on yours.
### * Rollback: a Session joined to an outer transaction, rolled back
###  * the fastest; when a test works in one connection, no real COMMIT
### * Change watcher: when tests commit, use threads or several connections
### * Drop and recreate: for tests that change the schema; the slowest

### slide::
### title:: The rollback pattern
### note:: 'added by the test: 2 | left after: 0': the fixture's rollback
### note:: undid even the test's commit.
# The test's Session joins a transaction the fixture began; the test may
# even call ``commit()``; the fixture rolls everything back.  (The next
# slide shows the case this form misses.)
count_records = select(func.count()).select_from(records)
with engine.connect() as cx:
    before = cx.execute(count_records).scalar()
with engine.connect() as cx:
    outer = cx.begin()
    session = Session(bind=cx)   # joins the outer transaction
    result = session.execute(insert(records), [{"data": "t1"},
                                               {"data": "t2"}])
    session.commit()             # does not commit the outer transaction
    inside = session.execute(count_records).scalar()
    session.close()
    outer.rollback()
    after = cx.execute(count_records).scalar()
print("added by the test:", inside - before, "| left after:", after - before)

### slide::
### title:: ...unless the test calls rollback()
### note:: Point at the default mode's 1: a row survived, with the warning
### note:: text. create_savepoint leaves 0 and no warning. This is the mode
### note:: to recommend.
# Code under test that rolls back, then writes and commits: with the
# default ``join_transaction_mode`` its ``rollback()`` ends the fixture's
# outer transaction, the later commit is real, and the row survives
# (SQLAlchemy warns when the fixture then rolls back).  With
# ``"create_savepoint"`` the session works inside a SAVEPOINT and the
# fixture keeps control: the mode SQLAlchemy's docs give for test suites.
def code_under_test(session):
    session.execute(insert(records), [{"data": "rolled back"}])
    session.rollback()
    session.execute(insert(records), [{"data": "committed"}])
    session.commit()
def left_behind(**session_options):
    with engine.connect() as cx:
        before = cx.execute(count_records).scalar()
    with engine.connect() as cx, warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        outer = cx.begin()
        with Session(bind=cx, **session_options) as session:
            code_under_test(session)
        outer.rollback()
    with engine.begin() as cx:
        left = cx.execute(count_records).scalar() - before
        cx.execute(records.delete().where(records.c.data == "committed"))
    return left, [str(w.message) for w in seen]
print("default mode:    ", left_behind())
print("create_savepoint:",
      left_behind(join_transaction_mode="create_savepoint"))

### slide::
### title:: Dialects
### note:: One statement, five SQL texts: LIMIT/OFFSET on SQLite, TOP on SQL
### note:: Server, FETCH FIRST on Oracle, LEN for length on SQL Server.
### note::
### note:: Exercise: two minutes. Timing: about minute 42; go to the summary
### note:: if you are behind.
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
### note:: Long-only slide. 'installed: []' unless a third-party dialect
### note:: package is in the venv.
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
### * Everything goes through a connection: ``engine.connect()``
### * There is always a pool, even a pool of one
### * Pool events for the DBAPI connection's life; connection events for statements and transactions
### * ``Connection.info`` outlives the checkout: clean it on checkin, or carry per-statement context in ``execution_options``
### * Dialects do the heavy lifting
# Up next, part 2: DDL and the SQL expression language.
engine.dispose()
