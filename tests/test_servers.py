"""The backend fixtures and the fault helpers of workshop_db.servers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable

import pytest
from sqlalchemy import (
    Column,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    inspect,
    text,
)
from sqlalchemy.exc import DBAPIError

from workshop_db import base, resolve_url, servers
from workshop_db.demo import parse_args

_urls_seen: dict[str, str] = {}


def _make_table(engine: Engine) -> Table:
    metadata = MetaData()
    table = Table(
        "note", metadata,
        Column("id", Integer, primary_key=True),
        Column("body", String(50)),
    )
    metadata.create_all(engine)
    return table


# Run twice per backend: whichever runs second must still see no table,
# and must have been given a different database.
@pytest.mark.parametrize("turn", [1, 2])
def test_each_test_gets_a_fresh_empty_database(
    engine: Engine, db_url: str, backend: str, turn: int
) -> None:
    assert engine.dialect.name == {
        "sqlite": "sqlite", "postgresql": "postgresql", "mariadb": "mariadb",
    }[backend]
    assert inspect(engine).get_table_names() == []
    table = _make_table(engine)
    with engine.begin() as conn:
        conn.execute(table.insert(), [{"body": "a"}, {"body": "b"}])
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM note")) == 2
    previous = _urls_seen.setdefault(backend, db_url)
    if turn == 2:
        assert previous != db_url


def test_make_engine_shares_the_database(
    engine: Engine, make_engine: Callable[..., Engine]
) -> None:
    table = _make_table(engine)
    with engine.begin() as conn:
        conn.execute(table.insert(), {"body": "seen by both"})
    other = make_engine(pool_size=1, max_overflow=0)
    with other.connect() as conn:
        assert conn.scalar(text("SELECT body FROM note")) == "seen by both"


@pytest.mark.backends("sqlite")
def test_backends_marker_narrows(backend: str) -> None:
    assert backend == "sqlite"


def test_server_urls_name_the_database(server: servers.Server) -> None:
    url = server.url("some_db")
    assert f"127.0.0.1:{server.port}/some_db" in url
    if server.kind == "mariadb":
        assert "?charset=utf8mb4&ssl_disabled=true&" in url
    # a server that stops answering fails a connect instead of hanging it
    assert f"connect_timeout={base.CONNECT_TIMEOUT}" in url


def _pooled_connection_dies(engine: Engine) -> None:
    """The pooled connection (no pre-ping) fails once, then reconnects."""
    with pytest.raises(DBAPIError) as info:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    assert info.value.connection_invalidated
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT 1")) == 1


def test_kill_one_session(
    server: servers.Server, make_engine: Callable[..., Engine]
) -> None:
    victim = make_engine(pool_size=1)
    bystander = make_engine(pool_size=1)
    with victim.connect() as conn:
        victim_id = servers.session_id(conn)
    with bystander.connect() as conn:
        bystander_id = servers.session_id(conn)
    assert victim_id != bystander_id
    assert server.kill_sessions(victim_id) == 1
    _pooled_connection_dies(victim)
    # Only the one session died: the other pooled connection is the same.
    with bystander.connect() as conn:
        assert servers.session_id(conn) == bystander_id
    assert server.kill_sessions(victim_id) == 0  # already gone


def test_kill_all_sessions_spares_the_killer(
    server: servers.Server, make_engine: Callable[..., Engine]
) -> None:
    engines = [make_engine(pool_size=1) for _ in range(3)]
    for engine in engines:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    assert server.kill_sessions() >= 3
    for engine in engines:
        _pooled_connection_dies(engine)
    # The admin connection that did the killing survived it: no error.
    assert server.execute("SELECT 1") == [(1,)]


@pytest.mark.parametrize("fault", ["restart", "crash_restart"])
def test_restart_keeps_port_and_data(
    server: servers.Server,
    engine: Engine,
    fault: str,
) -> None:
    table = _make_table(engine)
    with engine.begin() as conn:
        conn.execute(table.insert(), {"body": "committed before"})
    port = server.port
    getattr(server, fault)()
    assert server.port == port
    _pooled_connection_dies(engine)
    with engine.connect() as conn:
        # A committed row survives even a crash: recovery replays it.
        assert conn.scalar(text("SELECT body FROM note")) == (
            "committed before"
        )


def test_pre_ping_hides_a_restart(
    server: servers.Server, make_engine: Callable[..., Engine]
) -> None:
    careful = make_engine(pool_pre_ping=True)
    with careful.connect() as conn:
        before = servers.session_id(conn)
    server.kill_sessions(before)
    with careful.connect() as conn:
        assert servers.session_id(conn) != before


def test_drop_database_rolls_back_prepared_transactions(
    server: servers.Server,
) -> None:
    name = "prepared_leftover"
    engine = create_engine(server.create_database(name))
    try:
        table = _make_table(engine)
        conn = engine.connect()
        xact = conn.begin_twophase()
        conn.execute(table.insert(), {"body": "in doubt"})
        xact.prepare()
        # Leave it prepared, as a crashed test would; its locks remain.
        conn.invalidate()
    finally:
        engine.dispose()
    # The fault is real: the prepared transaction outlived its session.
    assert server.execute(
        "SELECT gid FROM pg_prepared_xacts"
        if server.kind == "postgresql" else "XA RECOVER"
    )
    server.drop_database(name)
    assert not server.execute(
        "SELECT gid FROM pg_prepared_xacts"
        if server.kind == "postgresql" else "XA RECOVER"
    )
    assert name not in [
        row[0] for row in server.execute(
            "SELECT datname FROM pg_database"
            if server.kind == "postgresql" else "SHOW DATABASES"
        )
    ]


@pytest.mark.backends("postgresql")
def test_two_phase_commit_is_enabled(engine: Engine) -> None:
    with engine.connect() as conn:
        assert int(conn.scalar(text("SHOW max_prepared_transactions"))) > 0


def test_unavailable_reason_knows_every_kind() -> None:
    for kind in servers.KINDS:
        reason = servers.unavailable_reason(kind)
        assert reason is None or "install" in reason
    with pytest.raises(ValueError):
        servers.unavailable_reason("oracle")


def test_resolve_url_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TUTORIAL_DB", raising=False)
    assert resolve_url() == "sqlite://"
    monkeypatch.setenv("TUTORIAL_DB", "sqlite:///from_env.db")
    assert resolve_url() == "sqlite:///from_env.db"
    assert resolve_url("sqlite:///argument.db") == "sqlite:///argument.db"


def test_resolve_url_names_the_shared_server(
    server: servers.Server, backend: str
) -> None:
    # "--db postgresql" in a demo reuses the process's one server.
    url = resolve_url(backend)
    same = url == server.url()  # a bool: a failed assert shows no secret
    assert same
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            assert conn.scalar(text("SELECT 1")) == 1
    finally:
        engine.dispose()


@pytest.mark.backends("mariadb")
def test_throwaway_demo_runs_every_fault_and_cleans_up(
    server: servers.Server,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # main() starts a second, private server, faults it and stops it.
    started: list[tuple[str, int]] = []
    secrets: list[str] = []
    real_start = servers.Server.start

    def start(self: servers.Server) -> None:
        real_start(self)
        secrets.append(self.password)
        with open(self._pid_file()) as pid_file:
            started.append((self.directory, int(pid_file.read())))

    monkeypatch.setattr(servers.Server, "start", start)
    assert servers.main(["mariadb"]) == 0
    out = capsys.readouterr().out
    for step in ("kill_sessions", "restart", "crash_restart", "stop"):
        assert f"  {step}: " in out
    # It shows the URL with the password masked.
    assert "mariadb+pymysql://root:***@127.0.0.1:" in out
    leaked = secrets[0] in out  # a bool: a failed assert shows no secret
    assert not leaked
    [(directory, pid)] = started
    assert directory != server.directory
    assert not os.path.exists(directory)
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


@pytest.mark.backends("mariadb")
@pytest.mark.parametrize("signal_name", ["SIGTERM", "SIGKILL"])
def test_a_killed_owner_does_not_leave_its_server(
    server: servers.Server, signal_name: str
) -> None:
    # SIGTERM: the handler stops the server; SIGKILL: only the watchdog
    # can.  Either way the folder and the server process go away.
    owner = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from workshop_db import servers; "
         "s = servers.shared_server('mariadb'); "
         "print(s.directory, open(s._pid_file()).read(), flush=True); "
         "time.sleep(120)"],
        stdout=subprocess.PIPE, text=True,
        cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
    )
    assert owner.stdout is not None
    directory, pid = owner.stdout.readline().split()
    owner.stdout.close()
    assert os.path.isdir(directory)
    owner.send_signal(getattr(signal, signal_name))
    owner.wait(timeout=30)

    def gone() -> bool:
        return servers.process_ended(int(pid)) and not os.path.exists(
            directory
        )

    servers.wait_for(gone, 30, "the orphaned server to be stopped")


@pytest.mark.backends("mariadb")
def test_a_forked_child_killed_by_sigterm_spares_the_servers(
    server: servers.Server,
) -> None:
    # The child inherits our SIGTERM handler (as multiprocessing children
    # do) but must not stop servers that belong to its parent.
    child = os.fork()
    if child == 0:  # pragma: no cover - the child only waits to be killed
        time.sleep(30)
        os._exit(0)
    time.sleep(0.2)
    os.kill(child, signal.SIGTERM)
    _, status = os.waitpid(child, 0)
    assert os.WIFSIGNALED(status)
    assert os.WTERMSIG(status) == signal.SIGTERM
    assert os.path.isdir(server.directory)
    assert server.execute("SELECT 1") == [(1,)]


def test_demo_refuses_a_server_it_cannot_start(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    reason = "MariaDB server not installed: apt-get install -y mariadb-server"
    monkeypatch.setattr(servers, "unavailable_reason", lambda kind: reason)
    with pytest.raises(SystemExit) as info:
        parse_args(["--db", "mariadb"], "a demo")
    assert info.value.code == 2
    assert f"--db mariadb: {reason}" in capsys.readouterr().err
    # A URL is taken as it is: no server check.
    assert parse_args(["--db", "sqlite://"], "a demo").db == "sqlite://"
