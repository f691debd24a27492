"""Tests for casestudies.disconnects: dead connections, real faults.

On every backend a dead connection is simulated by closing the DBAPI
connection under the pool; on PostgreSQL and MariaDB the real faults are
injected through the ``server`` fixture: killed sessions, a clean restart
and a crash restart.
"""

from __future__ import annotations

import pytest
from sqlalchemy import exc, text

from casestudies import disconnects
from casestudies.disconnects import install_checkout_ping
from tests.pool_faults import (
    PRECAUTIONS,
    count_failures,
    kill_session,
    quiet_pool_close_errors,
    warm_up,
)
from tests.pool_faults import (
    make_engine as precaution_engine,
)

USES = 8
POOLED = 3


@pytest.fixture(autouse=True)
def _quiet_pool() -> None:
    quiet_pool_close_errors()


@pytest.fixture
def engines(make_engine):
    """One engine per precaution, each with POOLED idle connections."""
    made = {}
    for precaution in PRECAUTIONS:
        engine = make_engine(pool_pre_ping=precaution == "pre_ping")
        if precaution == "checkout_ping":
            install_checkout_ping(engine)
        made[precaution] = engine
    return made


# What each precaution should give after a fault: without any, exactly
# the first use fails (and that error invalidates the whole pool).
EXPECTED = {"none": 1, "pre_ping": 0, "checkout_ping": 0}


def _pooled(engines):
    return {p: warm_up(e, POOLED) for p, e in engines.items()}


def test_closed_idle_connections_are_replaced(engines):
    pooled = _pooled(engines)
    for found in pooled.values():
        for dbapi_connection, _ in found:
            dbapi_connection.close()
    failures = {p: count_failures(e, USES) for p, e in engines.items()}
    assert failures == EXPECTED


def test_pool_serves_fresh_connections_after_replacement(engines):
    engine = engines["checkout_ping"]
    before = [dbapi for dbapi, _ in warm_up(engine, POOLED)]
    for dbapi in before:
        dbapi.close()
    after = [dbapi for dbapi, _ in warm_up(engine, POOLED)]
    # Every dead connection was replaced by a new DBAPI connection.
    assert not {id(c) for c in after} & {id(c) for c in before}
    assert count_failures(engine, USES) == 0


def test_no_fault_no_failure(engines):
    _pooled(engines)
    assert {p: count_failures(e, USES) for p, e in engines.items()} == {
        p: 0 for p in PRECAUTIONS
    }


def test_listener_is_quiet_on_live_connections(engine):
    # The ping must not disturb the checked-out connection's work.
    install_checkout_ping(engine)
    with engine.begin() as cx:
        cx.execute(text("CREATE TABLE t (x INTEGER)"))
        cx.execute(text("INSERT INTO t VALUES (1)"))
    with engine.connect() as cx:
        assert cx.execute(text("SELECT x FROM t")).scalar_one() == 1


def test_died_while_checked_out_raises_with_every_precaution(engines):
    for precaution, engine in engines.items():
        with engine.connect() as cx:
            cx.connection.dbapi_connection.close()
            with pytest.raises(exc.DBAPIError) as info:
                cx.execute(text("SELECT 1"))
            assert info.value.connection_invalidated, precaution
        # The pool recovers: the next uses work.
        assert count_failures(engine, USES) == 0


@pytest.mark.backends("postgresql", "mariadb")
def test_killed_idle_sessions(server, engines):
    pooled = _pooled(engines)
    for found in pooled.values():
        for _, sid in found:
            assert server.kill_sessions(sid) == 1
    failures = {p: count_failures(e, USES) for p, e in engines.items()}
    assert failures == EXPECTED


@pytest.mark.backends("postgresql", "mariadb")
def test_killed_while_checked_out(server, engines):
    from workshop_db.servers import session_id

    for precaution, engine in engines.items():
        with engine.connect() as cx:
            server.kill_sessions(session_id(cx))
            with pytest.raises(exc.DBAPIError) as info:
                cx.execute(text("SELECT 1"))
            assert info.value.connection_invalidated, precaution
        assert count_failures(engine, USES) == 0


@pytest.mark.backends("postgresql", "mariadb")
@pytest.mark.parametrize("fault", ["restart", "crash_restart"])
def test_server_restart(server, engines, fault):
    # One restart serves all three engines: restarts cost seconds.
    _pooled(engines)
    getattr(server, fault)()
    failures = {p: count_failures(e, USES) for p, e in engines.items()}
    assert failures == EXPECTED


def test_main_demo_passes(db_url, backend):
    argv = [] if backend == "sqlite" else ["--db", db_url]
    assert disconnects.main(argv) == 0


@pytest.mark.backends("postgresql", "mariadb")
def test_sessions_killed_over_sql(db_url, engines):
    # kill_session is what the demo and the deck use when they did not
    # start the server themselves.
    pooled = _pooled(engines)
    for found in pooled.values():
        for _, sid in found:
            kill_session(db_url, sid)
    failures = {p: count_failures(e, USES) for p, e in engines.items()}
    assert failures == EXPECTED


@pytest.mark.parametrize("precaution", PRECAUTIONS)
def test_threads_after_a_fault(make_engine, db_url, backend, precaution):
    # Five threads start at once on a pool of five dead connections.
    import threading

    engine = make_engine(
        pool_size=POOLED + 2,
        max_overflow=0,
        pool_pre_ping=precaution == "pre_ping",
    )
    if precaution == "checkout_ping":
        install_checkout_ping(engine)
    for dbapi_connection, sid in warm_up(engine, POOLED + 2):
        if backend == "sqlite":
            dbapi_connection.close()
        else:
            kill_session(db_url, sid)
    failures: list[int] = []
    errors: list[BaseException] = []
    start = threading.Barrier(POOLED + 2)

    def work() -> None:
        try:
            start.wait()
            failures.append(count_failures(engine, USES))
        except BaseException as err:  # reported by the main thread
            errors.append(err)

    threads = [threading.Thread(target=work) for _ in range(POOLED + 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    if precaution == "none":
        # Each thread that already held a dead connection fails once at
        # most; the first failure invalidates the pool for the others.
        assert 1 <= sum(failures) <= POOLED + 2
        assert max(failures) == 1
    else:
        assert sum(failures) == 0


# -- the checkout ping leaves the connection exactly as it found it ------


def _in_transaction(engine, dbapi_connection) -> bool:
    """The driver's own view: is a transaction open on this connection?"""
    name = engine.dialect.name
    if name == "postgresql":
        import psycopg

        status = dbapi_connection.info.transaction_status
        return status != psycopg.pq.TransactionStatus.IDLE
    if name == "sqlite":
        return dbapi_connection.in_transaction
    # PyMySQL: the server's status flag in the last OK packet.
    return bool(dbapi_connection.server_status & 1)  # SERVER_STATUS_IN_TRANS


@pytest.mark.parametrize("precaution", ["pre_ping", "checkout_ping"])
def test_pinged_checkout_has_no_open_transaction(make_engine, precaution):
    engine = precaution_engine(
        make_engine().url.render_as_string(hide_password=False), precaution
    )
    try:
        warm_up(engine, 1)  # the next checkout is pinged
        with engine.connect() as cx:
            assert not _in_transaction(engine, cx.connection.dbapi_connection)
    finally:
        engine.dispose()


@pytest.mark.parametrize("level", ["AUTOCOMMIT", "SERIALIZABLE"])
def test_isolation_levels_work_after_a_pinged_checkout(make_engine, level):
    engine = make_engine()
    install_checkout_ping(engine)
    warm_up(engine, 1)
    # Once the ping left a transaction open, psycopg refused this with
    # "can't change 'autocommit' now: connection in transaction status".
    with engine.connect() as cx:
        cx = cx.execution_options(isolation_level=level)
        if level != "AUTOCOMMIT":  # AUTOCOMMIT reports the level below it
            assert cx.get_isolation_level() == level
        assert cx.execute(text("SELECT 1")).scalar_one() == 1


@pytest.mark.backends("postgresql")
def test_no_server_session_idle_in_transaction(make_engine, server):
    engine = make_engine(pool_size=3)
    install_checkout_ping(engine)
    warm_up(engine, 3)
    with engine.connect() as cx:
        # Checked out and pinged, not used yet: the server must see an
        # idle session, not "idle in transaction".
        mine = cx.connection.dbapi_connection.info.backend_pid
        rows = server.execute(
            f"SELECT state FROM pg_stat_activity WHERE pid = {int(mine)}"
        )
        assert rows == [("idle",)], rows


# -- after an outage the whole pool is invalidated at once ---------------


def _invalidations(engine) -> list[int]:
    seen: list[int] = []
    from sqlalchemy import event

    event.listen(
        engine, "invalidate", lambda dbapi, record, error: seen.append(1)
    )
    return seen


@pytest.mark.backends("postgresql", "mariadb")
@pytest.mark.parametrize("precaution", ["pre_ping", "checkout_ping"])
def test_one_invalidation_after_a_restart(server, db_url, precaution):
    engine = precaution_engine(db_url, precaution, pool_size=POOLED)
    try:
        warm_up(engine, POOLED)
        seen = _invalidations(engine)
        server.restart()
        assert count_failures(engine, USES) == 0
        # Three dead connections in the pool, one invalidation: the first
        # failed ping invalidates the pool; the rest are replaced unpinged.
        assert len(seen) == 1, precaution
    finally:
        engine.dispose()


def test_checkout_ping_raises_invalidate_pool_error(make_engine):
    engine = make_engine(pool_size=POOLED)
    install_checkout_ping(engine)
    pooled = warm_up(engine, POOLED)
    seen = _invalidations(engine)
    errors: list[BaseException] = []
    from sqlalchemy import event

    event.listen(
        engine, "invalidate",
        lambda dbapi, record, error: errors.append(error),
    )
    for dbapi_connection, _ in pooled:
        dbapi_connection.close()
    assert count_failures(engine, USES) == 0
    assert len(seen) == 1
    assert isinstance(errors[0], exc.InvalidatePoolError)


def test_two_tries_then_invalid_request_error(make_engine):
    # The docstring's claim: the listener runs at most twice per checkout;
    # when both tries fail, checkout raises InvalidRequestError.
    engine = make_engine()
    calls: list[int] = []
    from sqlalchemy import event

    def always_disconnected(dbapi, record, proxy):
        calls.append(1)
        raise exc.InvalidatePoolError("always down")

    event.listen(engine, "checkout", always_disconnected)
    with pytest.raises(exc.InvalidRequestError) as info:
        engine.connect()
    assert not isinstance(info.value, exc.DBAPIError)
    assert len(calls) == 2
