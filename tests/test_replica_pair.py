"""The primary + streaming standby pair of workshop_db.replica, on real
PostgreSQL servers: replication, lag on purpose, the failover faults."""

from __future__ import annotations

import os
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from workshop_db.base import process_ended


def rows(server: Any, sql: str) -> list[Any]:
    return server.execute(sql, database="tutorial")


def test_standby_replays_what_the_primary_commits(replica_pair: Any) -> None:
    pair = replica_pair
    assert pair.standby.in_recovery()
    assert not pair.primary.execute("SELECT pg_is_in_recovery()")[0][0]
    assert pair.standby.port != pair.primary.port
    rows(pair.primary, "CREATE TABLE replicated (n int)")
    rows(pair.primary, "INSERT INTO replicated VALUES (1)")
    lsn = pair.current_lsn()
    pair.wait_for_replay(lsn)
    assert pair.replayed(lsn)
    assert rows(pair.standby, "SELECT n FROM replicated") == [(1,)]
    # A standby refuses writes.
    with pytest.raises(Exception, match="read-only transaction"):
        rows(pair.standby, "INSERT INTO replicated VALUES (2)")


def test_paused_replay_lags_until_resumed(replica_pair: Any) -> None:
    pair = replica_pair
    rows(pair.primary, "CREATE TABLE lagging (n int)")
    pair.wait_for_replay()
    pair.pause_replay()
    try:
        rows(pair.primary, "INSERT INTO lagging VALUES (1)")
        lsn = pair.current_lsn()
        assert not pair.replayed(lsn)
        assert rows(pair.standby, "SELECT n FROM lagging") == []
    finally:
        pair.resume_replay()
    pair.wait_for_replay(lsn)
    assert rows(pair.standby, "SELECT n FROM lagging") == [(1,)]


def test_multi_host_url_finds_the_writable_server(
    failover_pair: Any,
) -> None:
    pair = failover_pair
    engine = create_engine(pair.url(), poolclass=NullPool)
    try:
        def where() -> tuple[int, bool]:
            with engine.connect() as cx:
                port = cx.exec_driver_sql("SHOW port").scalar_one()
                standby = cx.exec_driver_sql(
                    "SELECT pg_is_in_recovery()"
                ).scalar_one()
                return int(port), bool(standby)

        assert where() == (pair.primary.port, False)
        seconds = pair.failover(crash=True)
        assert seconds < 60
        # The old primary is gone (its postmaster ended, pid file too).
        assert not os.path.exists(pair.primary._pid_file())
        assert not pair.standby.in_recovery()
        assert where() == (pair.standby.port, False)
        with engine.begin() as cx:
            cx.execute(text("CREATE TABLE after_failover (n int)"))
    finally:
        engine.dispose()


def test_stop_ends_both_servers_by_their_pids(fresh_pair: Any) -> None:
    pair = fresh_pair
    pids = []
    for server in (pair.primary, pair.standby):
        with open(server._pid_file()) as f:
            pids.append(int(f.readline()))
    folders = [pair.primary.directory, pair.standby.directory]
    pair.stop()
    assert all(process_ended(pid) for pid in pids)
    assert not any(os.path.exists(folder) for folder in folders)


def test_clean_stop_and_restart_of_the_primary(replica_pair: Any) -> None:
    pair = replica_pair
    pair.stop_primary(crash=False)
    assert not os.path.exists(pair.primary._pid_file())
    pair.start_primary()
    rows(pair.primary, "CREATE TABLE back (n int)")
    pair.wait_for_replay()
    assert rows(pair.standby, "SELECT count(*) FROM back") == [(0,)]


def test_rebuild_after_failover_makes_a_pair_again(
    replica_pair: Any,
) -> None:
    pair = replica_pair
    old_primary, promoted = pair.primary, pair.standby
    rows(pair.primary, "CREATE TABLE before (n int)")
    pair.wait_for_replay()
    pair.failover(crash=True)
    seconds = pair.rebuild()
    assert seconds < 60
    assert pair.primary is promoted and old_primary.directory == ""
    assert pair.standby.in_recovery()
    rows(pair.primary, "INSERT INTO before VALUES (7)")
    pair.wait_for_replay()
    assert rows(pair.standby, "SELECT n FROM before") == [(7,)]
