"""Tests for casestudies.change_watcher.

The main test is property-based: hypothesis generates sequences of writes
through every path SQLAlchemy offers (Core single and executemany, ORM
flush, ORM bulk, ORM-enabled DML, ``text()``, ``exec_driver_sql()``, and
SQL the watcher cannot attribute) on a schema with foreign keys; after
``cleanup`` every table must be empty, and no table the sequence did not
touch may have received a DELETE.
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import (
    Column,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    delete,
    event,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.orm import DeclarativeBase, Session

from casestudies import change_watcher as module
from casestudies.change_watcher import (
    ChangeWatcher,
    tables_written,
    unattributable_write,
)
from casestudies.statement_stats import statement_stats


class Base(DeclarativeBase):
    pass


def _value() -> Column:
    return Column("value", String(20))


parent = Table(
    "parent", Base.metadata, Column("id", Integer, primary_key=True), _value()
)
child = Table(
    "child",
    Base.metadata,
    Column("id", Integer, primary_key=True),
    Column("parent_id", ForeignKey("parent.id", ondelete="CASCADE")),
    _value(),
)
grandchild = Table(
    "grandchild",
    Base.metadata,
    Column("id", Integer, primary_key=True),
    Column("child_id", ForeignKey("child.id", ondelete="CASCADE")),
    _value(),
)
other = Table(
    "other", Base.metadata, Column("id", Integer, primary_key=True), _value()
)
lonely = Table(
    "lonely", Base.metadata, Column("id", Integer, primary_key=True), _value()
)
TABLES = {t.name: t for t in Base.metadata.sorted_tables}
PARENT_OF = {"child": parent, "grandchild": child}
MODELS = {
    name: type(name.title(), (Base,), {"__table__": table})
    for name, table in TABLES.items()
}


@pytest.fixture
def fk_engine(make_engine):
    """An engine on a fresh database with the schema; SQLite enforces FKs."""
    engine = make_engine()
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _fks(dbapi_connection, record):
            dbapi_connection.execute("PRAGMA foreign_keys=ON")

    Base.metadata.create_all(engine)
    return engine


# -- the write paths ---------------------------------------------------
# Each takes (engine, table name, fresh ids) and writes through one path.


def _row(name, new_id):
    row = {"id": new_id, "value": "v"}
    if name in PARENT_OF:
        fk = "parent_id" if name == "child" else "child_id"
        row[fk] = None
    return row


def core_insert(engine, name, ids):
    table = TABLES[name]
    values = {"id": next(ids), "value": "c"}
    if name in PARENT_OF:
        # Reference the newest parent row, if any, so deletes must run
        # children first on backends that enforce foreign keys.
        up = PARENT_OF[name]
        fk = "parent_id" if name == "child" else "child_id"
        values[fk] = select(func.max(up.c.id)).scalar_subquery()
    with engine.begin() as cx:
        cx.execute(table.insert().values(**values))


def core_insert_many(engine, name, ids):
    with engine.begin() as cx:
        cx.execute(
            insert(TABLES[name]), [_row(name, next(ids)) for _ in range(3)]
        )


def core_update(engine, name, ids):
    with engine.begin() as cx:
        cx.execute(TABLES[name].update().values(value="u"))


def core_update_many(engine, name, ids):
    table = TABLES[name]
    stmt = (
        table.update()
        .where(table.c.id == bindparam("b_id"))
        .values(value=bindparam("b_value"))
    )
    with engine.begin() as cx:
        cx.execute(
            stmt, [{"b_id": 1, "b_value": "m"}, {"b_id": 2, "b_value": "n"}]
        )


def core_delete(engine, name, ids):
    table = TABLES[name]
    with engine.begin() as cx:
        cx.execute(table.delete().where(table.c.value == "u"))


def core_delete_many(engine, name, ids):
    table = TABLES[name]
    stmt = table.delete().where(table.c.id == bindparam("b_id"))
    with engine.begin() as cx:
        cx.execute(stmt, [{"b_id": 1}, {"b_id": 3}])


def orm_flush(engine, name, ids):
    with Session(engine) as session:
        session.add_all(
            [MODELS[name](**_row(name, next(ids))) for _ in range(2)]
        )
        session.commit()


def orm_flush_change(engine, name, ids):
    # Loads whatever rows exist and changes or deletes them in a flush;
    # with no rows the flush has nothing to write (returns False).
    with Session(engine) as session:
        objects = session.scalars(select(MODELS[name])).all()
        for n, obj in enumerate(objects):
            if n % 2:
                session.delete(obj)
            else:
                obj.value = "f"
        session.commit()
    return bool(objects)


def orm_bulk_insert(engine, name, ids):
    with Session(engine) as session:
        session.execute(
            insert(MODELS[name]), [_row(name, next(ids)) for _ in range(3)]
        )
        session.commit()


def orm_bulk_update(engine, name, ids):
    model = MODELS[name]
    with Session(engine) as session:
        existing = session.scalars(select(model.id)).all()
        if existing:
            session.execute(
                update(model), [{"id": i, "value": "b"} for i in existing]
            )
        else:  # bulk UPDATE by primary key needs rows; insert one instead
            session.execute(insert(model), [_row(name, next(ids))])
        session.commit()


def orm_dml_update(engine, name, ids):
    model = MODELS[name]
    with Session(engine) as session:
        session.execute(
            update(model).where(model.value == "v").values(value="w")
        )
        session.commit()


def orm_dml_delete(engine, name, ids):
    model = MODELS[name]
    with Session(engine) as session:
        session.execute(delete(model).where(model.value == "w"))
        session.commit()


def text_insert(engine, name, ids):
    with engine.begin() as cx:
        cx.execute(
            text(f"INSERT INTO {name} (id, value) VALUES (:id, :value)"),
            [{"id": next(ids), "value": "t"}, {"id": next(ids), "value": "t"}],
        )


def text_update(engine, name, ids):
    with engine.begin() as cx:
        cx.execute(
            text(f"UPDATE {name} SET value = 'x' WHERE id > :n"), {"n": 0}
        )


def driver_sql_insert(engine, name, ids):
    with engine.begin() as cx:
        cx.exec_driver_sql(
            f"INSERT INTO {name} (id, value) VALUES ({next(ids)}, 'd')"
        )


def driver_sql_delete(engine, name, ids):
    with engine.begin() as cx:
        cx.exec_driver_sql(f"DELETE FROM {name} WHERE value = 'd'")


def unattributable(engine, name, ids):
    with engine.begin() as cx:
        cx.exec_driver_sql(unattributable_write(engine, name, next(ids)))


ATTRIBUTABLE = [
    core_insert,
    core_insert_many,
    core_update,
    core_update_many,
    core_delete,
    core_delete_many,
    orm_flush,
    orm_flush_change,
    orm_bulk_insert,
    orm_bulk_update,
    orm_dml_update,
    orm_dml_delete,
    text_insert,
    text_update,
    driver_sql_insert,
    driver_sql_delete,
]
PATHS = {fn.__name__: fn for fn in [*ATTRIBUTABLE, unattributable]}


def _counts(engine):
    with engine.connect() as cx:
        return {
            name: cx.execute(select(func.count()).select_from(t)).scalar()
            for name, t in TABLES.items()
        }


def _check_sequence(engine, watcher, ops, ids):
    touched = set()
    for path, name in ops:
        if PATHS[path](engine, name, ids) is not False:
            touched.add(name)
    guessing = any(path == "unattributable" for path, _ in ops)
    # The watcher never claims a table that was not written.
    assert watcher.dirty <= touched
    assert watcher.reset_all == guessing
    if not guessing:
        assert watcher.dirty == touched

    with statement_stats(engine) as stats, engine.connect() as cx:
        watcher.cleanup(Base.metadata, cx)
    deleted = {
        name
        for sql in stats.statements
        for name in (tables_written(sql) or ())
        if sql.lstrip().upper().startswith("DELETE")
    }
    assert _counts(engine) == dict.fromkeys(TABLES, 0)
    if not guessing:
        # Only tables that were written received a DELETE.
        assert deleted == touched
    else:
        assert deleted == set(TABLES)
    assert watcher.dirty == set() and not watcher.reset_all


OPS = st.lists(
    st.tuples(st.sampled_from(sorted(PATHS)), st.sampled_from(sorted(TABLES))),
    max_size=6,
)


def test_cleanup_empties_written_tables_only(fk_engine, backend):
    # Fewer examples on servers: each write is a network round trip.
    @settings(
        max_examples=40 if backend == "sqlite" else 25,
        deadline=None,
        database=None,
    )
    @given(ops=OPS)
    def check(ops):
        watcher = ChangeWatcher(fk_engine)
        try:
            _check_sequence(fk_engine, watcher, ops, _ids)
        finally:
            watcher.remove()

    check()


_ids = itertools.count(1000)


@pytest.mark.parametrize("path", sorted(PATHS))
def test_each_path_on_each_table(fk_engine, path):
    # Every path once on every table, so no path depends on hypothesis
    # happening to draw it.
    watcher = ChangeWatcher(fk_engine)
    try:
        for name in TABLES:
            _check_sequence(
                fk_engine, watcher, [("core_insert", name), (path, name)], _ids
            )
    finally:
        watcher.remove()


def test_reads_and_ddl_mark_nothing(fk_engine):
    watcher = ChangeWatcher(fk_engine)
    extra = MetaData()
    scratch = Table("scratch", extra, Column("id", Integer, primary_key=True))
    with fk_engine.begin() as cx:
        cx.execute(select(parent)).all()
        cx.execute(text("SELECT count(*) FROM child")).all()
        cx.exec_driver_sql("SELECT 1").all()
    extra.create_all(fk_engine)
    extra.drop_all(fk_engine)
    with Session(fk_engine) as session:
        session.scalars(select(MODELS["other"])).all()
    assert watcher.dirty == set() and not watcher.reset_all
    with fk_engine.connect() as cx:
        assert watcher.cleanup(Base.metadata, cx) == []
    watcher.remove()
    del scratch


def test_remove_stops_listening(fk_engine):
    watcher = ChangeWatcher(fk_engine)
    watcher.remove()
    with fk_engine.begin() as cx:
        cx.execute(other.insert(), {"id": 1})
    assert watcher.dirty == set()
    with fk_engine.begin() as cx:
        cx.execute(other.delete())


def test_cleanup_joins_an_open_transaction(fk_engine):
    watcher = ChangeWatcher(fk_engine)
    with fk_engine.begin() as cx:
        cx.execute(other.insert(), {"id": 1})
    with fk_engine.connect() as cx:
        cx.begin()
        assert watcher.cleanup(Base.metadata, cx) == ["other"]
        cx.rollback()  # the caller's transaction: its rollback wins
    assert _counts(fk_engine)["other"] == 1
    watcher.dirty.add("other")
    with fk_engine.connect() as cx:
        assert watcher.cleanup(Base.metadata, cx) == ["other"]
    assert _counts(fk_engine)["other"] == 0
    watcher.remove()


def test_unknown_table_name_empties_everything(fk_engine):
    watcher = ChangeWatcher(fk_engine)
    watcher.dirty.add("not_in_metadata")
    with fk_engine.connect() as cx:
        emptied = watcher.cleanup(Base.metadata, cx)
    assert sorted(emptied) == sorted(TABLES)
    watcher.remove()


@pytest.mark.parametrize(
    "sql, expected",
    [
        ("INSERT INTO t (a) VALUES (1)", {"t"}),
        ('insert into "My Table" values (1)', {"My Table"}),
        ("INSERT INTO `x`(a) VALUES (1)", {"x"}),
        ("INSERT OR REPLACE INTO t VALUES (1)", {"t"}),
        ("INSERT IGNORE INTO t VALUES (1)", {"t"}),
        ("REPLACE INTO t VALUES (1)", {"t"}),
        ("INSERT INTO s.t SELECT * FROM u", {"s.t"}),
        ("/* hi */ UPDATE t SET a = 1", {"t"}),
        ("UPDATE ONLY t SET a=1", {"t"}),
        ("DELETE FROM t", {"t"}),
        ("DELETE FROM t WHERE a = 1;", {"t"}),
        ("TRUNCATE TABLE t", {"t"}),
        ("SELECT * FROM t", set()),
        ("WITH x AS (SELECT 1) SELECT * FROM x", set()),
        ("CREATE TABLE t (a INT)", set()),
        ("CREATE INDEX ix ON t (a)", set()),
        ("DROP TABLE t", set()),
        ("PRAGMA foreign_keys=ON", set()),
        ("SAVEPOINT sa_1", set()),
        ("UPDATE a, b SET a.x = b.x", None),
        ("DELETE FROM a USING a, b WHERE a.x = b.x", None),
        ("WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x", None),
        ("SELECT * INTO new_t FROM t", None),
        ("CREATE TABLE t2 AS SELECT * FROM t", None),
        ("INSERT INTO t VALUES (1); DELETE FROM u", None),
        ("MERGE INTO t USING u ON (t.a = u.a) WHEN MATCHED THEN DELETE", None),
        ("CALL proc()", None),
    ],
)
def test_tables_written(sql, expected):
    assert tables_written(sql) == expected


def test_main_demo_passes(db_url, backend):
    argv = [] if backend == "sqlite" else ["--db", db_url]
    assert module.main(argv) == 0


def test_writes_from_several_threads_are_all_seen(fk_engine):
    # One watcher, one engine, four threads each writing its own table
    # through its own connections at the same time.
    import threading

    watcher = ChangeWatcher(fk_engine)
    names = ["parent", "other", "lonely", "child"]
    errors = []
    start = threading.Barrier(len(names))

    def write(name):
        try:
            start.wait()
            for _ in range(10):
                core_insert_many(fk_engine, name, _ids)
        except BaseException as err:  # reported by the main thread
            errors.append(err)

    threads = [threading.Thread(target=write, args=(n,)) for n in names]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert watcher.dirty == set(names) and not watcher.reset_all
    with fk_engine.connect() as cx:
        assert sorted(watcher.cleanup(Base.metadata, cx)) == sorted(names)
    assert _counts(fk_engine) == dict.fromkeys(TABLES, 0)
    watcher.remove()


def test_rollback_fixture_survives_rollback_then_commit(engine) -> None:
    # The rollback pattern of the module docstring: code under test that
    # calls rollback() and then commits leaves nothing behind, because its
    # Session works in a SAVEPOINT of the fixture's outer transaction.
    from sqlalchemy import Column, Integer, MetaData, Table, func, insert
    from sqlalchemy.orm import Session

    metadata = MetaData()
    table = Table("rb_pattern", metadata,
                  Column("id", Integer, primary_key=True))
    metadata.create_all(engine)
    try:
        with engine.connect() as cx, cx.begin() as outer:
            session = Session(bind=cx,
                              join_transaction_mode="create_savepoint")
            session.execute(insert(table), [{"id": 1}])
            session.rollback()                 # the code under test ...
            session.execute(insert(table), [{"id": 2}])
            session.commit()                   # ... and then commits
            # Inside the fixture the committed row is visible ...
            assert cx.scalar(select(func.count()).select_from(table)) == 1
            session.close()
            outer.rollback()
        with engine.connect() as cx:
            # ... and nothing survives the fixture.
            assert cx.scalar(select(func.count()).select_from(table)) == 0
    finally:
        metadata.drop_all(engine)


def _left_by_code_that_commits(engine) -> int:
    """The docstring's rollback fixture around code that just commits:
    the rows left once the fixture rolled back."""
    from sqlalchemy import Column, Integer, MetaData, Table, func, insert

    metadata = MetaData()
    table = Table("rb_commits", metadata,
                  Column("id", Integer, primary_key=True))
    metadata.create_all(engine)
    try:
        with engine.connect() as cx, cx.begin() as outer:
            with Session(bind=cx,
                         join_transaction_mode="create_savepoint") as session:
                session.execute(insert(table), [{"id": 1}])
                session.commit()          # the code under test commits
            outer.rollback()
        with engine.connect() as cx:
            return cx.scalar(select(func.count()).select_from(table)) or 0
    finally:
        metadata.drop_all(engine)


def test_rollback_fixture_undoes_a_commit_on_every_backend(make_engine):
    # ERRATA turn 3, 2: on SQLite the session's SAVEPOINT was the real
    # transaction and its RELEASE committed it; sqlite_begins() makes the
    # fixture's begin() a real BEGIN (a no-op elsewhere).
    engine = module.sqlite_begins(make_engine())
    assert _left_by_code_that_commits(engine) == 0


def test_without_sqlite_begins_sqlite_keeps_the_commit(make_engine, backend):
    # Why the recipe needs sqlite_begins(): the same fixture on a plain
    # engine leaves the committed row on SQLite (pysqlite sends no BEGIN).
    left = _left_by_code_that_commits(make_engine())
    assert left == (1 if backend == "sqlite" else 0)


def test_sqlite_begins_sends_begin_on_sqlite_only(make_engine, backend):
    from sqlalchemy import text

    engine = module.sqlite_begins(make_engine())
    sent: list[str] = []
    event.listen(engine, "before_cursor_execute",
                 lambda *args: sent.append(args[2]))
    with engine.begin() as cx:
        cx.execute(text("SELECT 1"))
    assert ("BEGIN" in sent) == (backend == "sqlite")


def test_the_docstrings_rollback_fixture_as_printed(tmp_path, db_url) -> None:
    # The fixture of the module docstring, cut out unchanged, in a pytest
    # run of its own: a test that commits, then one that counts the rows
    # the first left behind (none), on an engine made as the docstring
    # says (sqlite_begins on SQLite).
    import ast
    import os
    import re
    import shutil
    import subprocess
    import sys
    import textwrap
    from pathlib import Path

    from sqlalchemy.engine import make_url

    doc = ast.get_docstring(ast.parse(Path(module.__file__).read_text()),
                            clean=False) or ""
    found = re.search(r"commits it for good::\n\n((?:(?:    .*)?\n)+)", doc)
    assert found, "the rollback fixture is gone from the docstring"
    fixture = textwrap.dedent(found.group(1))
    shutil.copy(module.__file__, tmp_path / "change_watcher.py")
    (tmp_path / "test_app.py").write_text(f"""\
import os
import pytest
from sqlalchemy import Column, Integer, MetaData, Table, create_engine
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session
from change_watcher import sqlite_begins

metadata = MetaData()
table = Table("app_rows", metadata, Column("id", Integer, primary_key=True))

@pytest.fixture(scope="module")
def engine():
    engine = sqlite_begins(create_engine(os.environ["APP_DB_URL"]))
    metadata.create_all(engine)
    yield engine
    metadata.drop_all(engine)
    engine.dispose()

{fixture}

def test_code_that_commits(session):
    session.execute(insert(table), [{{"id": 1}}])
    session.commit()

def test_nothing_was_left(engine):
    with engine.connect() as cx:
        assert cx.scalar(select(func.count()).select_from(table)) == 0
""")
    env = {k: v for k, v in os.environ.items()
           if k not in ("TUTORIAL_DB", "PYTHONPATH", "PYTHONSTARTUP")}
    # the URL (password included) in the environment, not on a command line
    env["APP_DB_URL"] = make_url(db_url).render_as_string(hide_password=False)
    done = subprocess.run(
        [sys.executable, "-W", "error", "-m", "pytest", "-q", "-p",
         "no:cacheprovider", "-W", "error", "test_app.py"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
        check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 passed" in done.stdout
