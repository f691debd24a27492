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
from casestudies.disconnects import (
    PRECAUTIONS,
    count_failures,
    install_checkout_ping,
    warm_up,
)

USES = 8
POOLED = 3


@pytest.fixture(autouse=True)
def _quiet_pool() -> None:
    disconnects.quiet_pool_close_errors()


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


def test_make_engine_rejects_unknown_precaution():
    with pytest.raises(ValueError):
        disconnects.make_engine("sqlite://", "prayer")


@pytest.mark.backends("postgresql", "mariadb")
def test_sessions_killed_over_sql(db_url, engines):
    # disconnects.kill_session is what the demo and the deck use when
    # they did not start the server themselves.
    pooled = _pooled(engines)
    for found in pooled.values():
        for _, sid in found:
            disconnects.kill_session(db_url, sid)
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
            disconnects.kill_session(db_url, sid)
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
