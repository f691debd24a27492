"""Tests for casestudies.contextual_defaults: a session's user stamps what
that session writes and nothing else, however its transaction ends."""

from __future__ import annotations

import gc
import threading
import weakref
from typing import Any

import pytest
from sqlalchemy import String, event, exc, insert, select
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    mapped_column,
    sessionmaker,
)

from casestudies import contextual_defaults as recipe
from casestudies.audit_log import INFO_KEY, updated_by_column
from workshop_db import servers


class Base(DeclarativeBase):
    pass


class Rec(Base):
    __tablename__ = "cd_rec"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(40))
    updated_by: Mapped[int | None] = updated_by_column()


recs = Rec.__table__


@pytest.fixture
def one_conn(make_engine):
    """An engine whose pool holds exactly one connection, so any later
    checkout reuses the connection the session wrote through."""
    engine = make_engine(pool_size=1, max_overflow=0)
    Base.metadata.create_all(engine)
    return engine


@pytest.fixture
def factory(one_conn):
    Session = sessionmaker(one_conn)
    remove = recipe.install(Session)
    yield Session
    remove()


def dbapi_of(session: Session) -> Any:
    return session.connection().connection.dbapi_connection


def plain_insert(engine, id_: int, expect_dbapi: Any = None) -> None:
    """A Core insert outside any session (its own checkout)."""
    with engine.begin() as cx:
        if expect_dbapi is not None:
            # Proves the insert runs on the connection the session used.
            assert cx.connection.dbapi_connection is expect_dbapi
        cx.execute(insert(recs), {"id": id_, "name": "core"})


def stamp_of(engine, id_: int) -> Any:
    with engine.connect() as cx:
        return cx.scalar(select(recs.c.updated_by).where(recs.c.id == id_))


def begin_as(factory, user: int, id_: int) -> tuple[Session, Any]:
    """A session acting as ``user`` that has flushed one row."""
    s = factory()
    s.info["updated_by"] = user
    s.add(Rec(id=id_, name="orm"))
    s.flush()
    return s, dbapi_of(s)


def test_slide_sequence_none_before_commit_456_after(factory):
    # The 2010 slide, run for real: the default fires at flush time.
    s = factory()
    s.info["updated_by"] = 456
    r = Rec(id=1, name="record 1")
    s.add(r)
    assert r.updated_by is None
    s.commit()
    assert r.updated_by == 456
    s.close()


def test_update_is_stamped_with_current_user(factory, one_conn):
    with factory() as s:
        s.info["updated_by"] = 1
        r = Rec(id=1, name="a")
        s.add(r)
        s.commit()
        # A new user for the next unit of work on the same session.
        s.info["updated_by"] = 2
        r.name = "b"
        s.commit()
    assert stamp_of(one_conn, 1) == 2


def test_user_changed_mid_transaction_is_seen_by_next_flush(factory, one_conn):
    with factory() as s:
        s.info["updated_by"] = 1
        s.add(Rec(id=1, name="a"))
        s.flush()
        s.info["updated_by"] = 2
        s.add(Rec(id=2, name="b"))
        s.commit()
    assert (stamp_of(one_conn, 1), stamp_of(one_conn, 2)) == (1, 2)


def test_user_changed_mid_transaction_is_seen_by_session_execute(
    factory, one_conn
):
    with factory() as s:
        s.info["updated_by"] = 1
        s.add(Rec(id=1, name="a"))
        s.flush()
        s.info["updated_by"] = 2
        # Not a flush: an INSERT statement run through the session.
        s.execute(insert(Rec), [{"id": 2, "name": "b"}])
        s.commit()
    assert (stamp_of(one_conn, 1), stamp_of(one_conn, 2)) == (1, 2)


def test_after_commit(factory, one_conn):
    s, dbapi = begin_as(factory, 7, 1)
    s.commit()
    plain_insert(one_conn, 2, dbapi)
    assert (stamp_of(one_conn, 1), stamp_of(one_conn, 2)) == (7, None)
    s.close()


def test_after_rollback(factory, one_conn):
    s, dbapi = begin_as(factory, 7, 1)
    s.rollback()
    plain_insert(one_conn, 2, dbapi)
    assert (stamp_of(one_conn, 1), stamp_of(one_conn, 2)) == (None, None)


def test_after_close_without_commit_or_rollback(factory, one_conn):
    s, dbapi = begin_as(factory, 7, 1)
    s.close()
    plain_insert(one_conn, 2, dbapi)
    assert stamp_of(one_conn, 2) is None


def test_after_exception_during_flush(factory, one_conn):
    s, dbapi = begin_as(factory, 7, 1)
    conn = s.connection()
    s.add(Rec(id=1, name="duplicate key"))
    with pytest.raises(exc.IntegrityError):
        s.flush()
    # The database transaction is already rolled back: the user is gone
    # from the connection even before the application reacts.
    assert INFO_KEY not in conn.info
    s.rollback()
    plain_insert(one_conn, 2, dbapi)
    assert (stamp_of(one_conn, 1), stamp_of(one_conn, 2)) == (None, None)


def test_after_exception_in_session_begin_block(factory, one_conn):
    with pytest.raises(exc.IntegrityError):
        with factory.begin() as s:
            s.info["updated_by"] = 7
            s.add_all([Rec(id=1, name="a"), Rec(id=1, name="b")])
    plain_insert(one_conn, 2)
    assert stamp_of(one_conn, 2) is None


def test_after_session_is_garbage_collected(factory, one_conn):
    s, dbapi = begin_as(factory, 7, 1)
    gone = weakref.ref(s)
    del s
    gc.collect()
    # Nothing closed the session: only the pool's checkin backstop ran.
    assert gone() is None
    plain_insert(one_conn, 2, dbapi)
    assert stamp_of(one_conn, 2) is None


def test_after_the_server_kills_the_connection(factory, one_conn, server):
    # A fault mid-transaction: the server ends the session's connection.
    # The pool invalidates it (its info goes with it); the replacement
    # connection must carry no user either.
    s, _ = begin_as(factory, 7, 1)
    server.kill_sessions(servers.session_id(s.connection()))
    with pytest.raises(exc.DBAPIError) as failed:
        s.commit()
    assert failed.value.connection_invalidated
    s.rollback()
    s.close()
    plain_insert(one_conn, 2)
    assert (stamp_of(one_conn, 1), stamp_of(one_conn, 2)) == (None, None)


def test_savepoint_rollback_keeps_outer_user(factory, one_conn):
    with factory() as s:
        s.info["updated_by"] = 7
        s.add(Rec(id=1, name="outer"))
        s.flush()
        with pytest.raises(exc.IntegrityError):
            with s.begin_nested():
                s.add(Rec(id=1, name="duplicate key"))
        # after_rollback fired for the SAVEPOINT only: still stamping.
        s.add(Rec(id=2, name="after savepoint"))
        s.commit()
    assert (stamp_of(one_conn, 1), stamp_of(one_conn, 2)) == (7, 7)


def test_session_without_user_clears_stale_core_value(factory, one_conn):
    # Core code left a user on a connection it still holds; a session
    # without a user, run on that connection, must not inherit it.
    with one_conn.connect() as cx:
        cx.info[INFO_KEY] = 99
        with factory(bind=cx) as s:
            s.add(Rec(id=1, name="anonymous"))
            s.commit()
    assert stamp_of(one_conn, 1) is None


@pytest.mark.parametrize("ending", ["commit", "close"])
def test_external_connection_is_cleaned(factory, one_conn, ending):
    # A session bound to a connection the caller keeps: the pool never
    # sees a checkin, so the session events alone must clean up.
    with one_conn.connect() as cx:
        s = factory(bind=cx)
        s.info["updated_by"] = 7
        s.add(Rec(id=1, name="orm"))
        s.flush()
        getattr(s, ending)()
        assert INFO_KEY not in cx.info
        cx.execute(insert(recs), {"id": 2, "name": "core"})
        cx.commit()
    assert stamp_of(one_conn, 2) is None


def test_engine_unknown_at_install_gets_the_backstop(one_conn):
    # The factory has no bind: the engine is met at the first begin, and
    # the pool backstop is installed then (the garbage-collected session
    # below is cleaned by nothing else).
    Unbound = sessionmaker()
    remove = recipe.install(Unbound)
    s = Unbound(bind=one_conn)
    s.info["updated_by"] = 7
    s.add(Rec(id=1, name="orm"))
    s.flush()
    dbapi = dbapi_of(s)
    del s
    gc.collect()
    plain_insert(one_conn, 2, dbapi)
    assert stamp_of(one_conn, 2) is None
    remove()


def test_install_on_a_session_subclass(one_conn):
    class AppSession(Session):
        pass

    remove = recipe.install(AppSession)
    try:
        with AppSession(one_conn) as s:
            s.info["updated_by"] = 5
            s.add(Rec(id=1, name="orm"))
            s.commit()
        # Plain Sessions are not affected by the subclass's listeners.
        with Session(one_conn) as s:
            s.info["updated_by"] = 6
            s.add(Rec(id=2, name="plain session"))
            s.commit()
    finally:
        remove()
    plain_insert(one_conn, 3)
    assert [stamp_of(one_conn, i) for i in (1, 2, 3)] == [5, None, None]


def test_naive_after_begin_only_leaks(one_conn):
    # Control: copying the user without any cleanup stamps the next,
    # unrelated Core insert.  This is what the recipe prevents.
    Session = sessionmaker(one_conn)

    @event.listens_for(Session, "after_begin")
    def copy(session, transaction, connection):
        connection.info[INFO_KEY] = session.info.get("updated_by")

    with Session() as s:
        s.info["updated_by"] = 7
        s.add(Rec(id=1, name="orm"))
        s.commit()
    plain_insert(one_conn, 2)
    assert stamp_of(one_conn, 2) == 7


def test_threads_never_get_a_wrong_stamp(make_engine):
    # Fewer connections than threads: connections pass between threads
    # and between ORM and plain Core writes all the time.
    engine = make_engine(pool_size=2, max_overflow=0, pool_timeout=60)
    Base.metadata.create_all(engine)
    Session = sessionmaker(engine, expire_on_commit=False)
    remove = recipe.install(Session)
    errors: list[BaseException] = []
    rounds = 15

    def work(user: int) -> None:
        try:
            for i in range(rounds):
                base = user * 1000 + i * 10
                with Session() as s:
                    s.info["updated_by"] = user
                    s.add(Rec(id=base, name=f"orm {user}"))
                    if i % 3 == 0:
                        s.rollback()  # nothing written this round
                    else:
                        s.commit()
                # A plain Core write by the same thread, as nobody.
                plain_insert(engine, base + 1)
        except BaseException as err:  # reported by the main thread
            errors.append(err)

    threads = [threading.Thread(target=work, args=(u,)) for u in (1, 2, 3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    remove()
    assert errors == []
    with engine.connect() as cx:
        rows = cx.execute(select(recs.c.id, recs.c.name, recs.c.updated_by))
        rows = rows.all()
    expected = {
        (r.id, r.name, r.id // 1000 if r.name.startswith("orm") else None)
        for r in rows
    }
    assert {tuple(r) for r in rows} == expected
    orm_rows = [r for r in rows if r.name.startswith("orm")]
    core_rows = [r for r in rows if r.name == "core"]
    # Every committed round and every Core insert landed.
    assert len(orm_rows) == 3 * sum(1 for i in range(rounds) if i % 3)
    assert len(core_rows) == 3 * rounds


def test_demo_main_passes(db_url, capsys):
    assert recipe.main(["--db", db_url]) == 0
    out = capsys.readouterr().out
    assert "before commit: updated_by None" in out
    assert "after commit: updated_by 456" in out
