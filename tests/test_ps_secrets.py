"""No throwaway server's password reaches a process's command line.

Any local user reads every process's arguments (``ps -eo args``), so a
password there lets anyone on the machine in.  Each test here starts one
kind of launch under :class:`tests.argv_watch.ArgvWatch`, which samples
``/proc/*/cmdline`` of every process meanwhile, and finds no password:
each kind of server as it starts and restarts (initdb, pg_ctl, postgres,
mariadb-install-db, mariadbd, the watchdog), a primary + standby pair
(pg_basebackup), a recipe's demo copied alone and run in place, a deck,
ready.py and a benchmark, each on a server, through the same helpers the
other tests use.  The first tests show that the watch catches a password where
there is one, the copy-alone launch of old (``--db URL``) among them.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tests.argv_watch import MARKER, ArgvWatch, available
from tests.conftest import replica_pair_or_skip, skip_or_fail
from tests.deckrun import ROOT, passed, run_deck
from tests.test_recipes_alone import run_alone, verdict
from workshop_db import servers
from workshop_db.base import free_port

pytestmark = pytest.mark.skipif(
    not available(), reason="no /proc to read command lines from"
)


def closed_port_url(password: str) -> str:
    """A PostgreSQL URL with ``password``, where nobody listens."""
    return f"postgresql+psycopg://someone:{password}@127.0.0.1:{free_port()}/x"


# -- the watch sees what is there ----------------------------------------


def test_the_watch_sees_a_password_in_a_short_process() -> None:
    secret = secrets.token_urlsafe(16)
    with ArgvWatch() as watch:
        subprocess.run(
            [sys.executable, "-c", "import time; time.sleep(0.2)",
             closed_port_url(secret)], check=True, timeout=60,
        )
    assert watch.samples > 10
    # Named as a known secret, and as a password-shaped argument of ours.
    for known in ([secret], []):
        leaks = watch.leaks(known)
        assert len(leaks) == 1, leaks
        assert "someone:***@127.0.0.1" in leaks[0]
        assert secret not in leaks[0]  # the report does not repeat it
    assert watch.leaks([secrets.token_urlsafe(16)]) == watch.leaks()


def test_the_watch_sees_the_old_copy_alone_launch(tmp_path: Path) -> None:
    # How tests/test_recipes_alone.py ran a copy on a server before: the
    # URL as --db.  A closed port: the copy says "can't connect", exit 2.
    secret = secrets.token_urlsafe(16)
    with ArgvWatch() as watch:
        done = run_alone(tmp_path, "audit_log", "--db",
                         closed_port_url(secret))
    assert done.returncode == 2, done.stderr
    leaks = watch.leaks([secret])
    assert len(leaks) == 1, leaks
    assert "audit_log.py --db postgresql+psycopg://someone:***@" in leaks[0]
    # The same launch with the URL in DATABASE_URL: nothing to see.
    with ArgvWatch() as watch:
        done = run_alone(tmp_path, "audit_log", db=closed_port_url(secret))
    assert done.returncode == 2, done.stderr
    assert watch.leaks([secret]) == []


DETACHED = (
    # a process left running on its own, as pg_ctl leaves postgres: its
    # parent exits at once, so it is no descendant of ours
    "import subprocess, sys; print(subprocess.Popen([sys.executable, '-c', "
    "'import time; time.sleep(60)', 'password=x'], "
    "start_new_session=True, stdout=subprocess.DEVNULL, "
    "stderr=subprocess.DEVNULL).pid)"
)


@pytest.mark.parametrize("marked", [True, False])
def test_a_detached_process_is_ours_by_its_marker(marked: bool) -> None:
    # Ours only through the variable it inherited; one without it is
    # someone else's (another user's tests on this machine), not ours
    # to judge by the shape of its arguments.
    watch = ArgvWatch()
    env = {**os.environ, MARKER: watch.token if marked else "another"}
    started = subprocess.run(
        [sys.executable, "-c", DETACHED], env=env, capture_output=True,
        text=True, check=True, timeout=60,
    )
    pid = int(started.stdout)
    try:
        with watch:
            while watch.samples < 5:
                time.sleep(0.01)
    finally:
        os.kill(pid, signal.SIGKILL)
    assert any(key[0] == pid for key in watch.seen)
    flagged = [leak for leak in watch.leaks() if f"pid {pid}:" in leak]
    assert bool(flagged) == marked, flagged


# -- the project's launches ------------------------------------------------


def _available_or_skip(kind: str) -> None:
    reason = servers.unavailable_reason(kind)
    if reason is not None:
        skip_or_fail(f"{kind}: {reason}")


@pytest.mark.servers
@pytest.mark.parametrize("kind", ["postgresql", "mariadb"])
def test_starting_a_server_shows_no_password(kind: str) -> None:
    _available_or_skip(kind)
    with ArgvWatch() as watch:
        with servers.throwaway(kind) as server:
            assert server.execute("SELECT 1") == [(1,)]
            server.crash_restart()  # the launch of a server with data
            assert server.execute("SELECT 1") == [(1,)]
            password = server.password
    assert password
    assert watch.leaks([password]) == []
    seen = watch.programs()
    tools = {"postgresql": {"initdb", "pg_ctl", "postgres"},
             "mariadb": {"mariadb-install-db", "mariadbd"}}[kind]
    assert tools <= seen, seen  # the watch saw the launches


@pytest.mark.servers
def test_a_replica_pair_shows_no_password() -> None:
    with ArgvWatch() as watch:
        pair = replica_pair_or_skip()
        try:
            from sqlalchemy import create_engine, text

            engine = create_engine(pair.url())
            with engine.connect() as cx:
                assert cx.execute(text("SELECT 1")).scalar() == 1
            engine.dispose()
            password = pair.primary.password
        finally:
            pair.stop()
    assert password
    assert watch.leaks([password]) == []
    assert "pg_basebackup" in watch.programs()


def test_recipes_on_a_server_show_no_password(
    tmp_path: Path, server: servers.Server, db_url: str
) -> None:
    env = {k: v for k, v in os.environ.items() if k != "TUTORIAL_DB"}
    with ArgvWatch() as watch:
        # copied alone, as tests/test_recipes_alone.py runs it
        alone = run_alone(tmp_path, "audit_log", db=db_url)
        # in place, as python -m casestudies.NAME
        in_place = subprocess.run(
            [sys.executable, "-m", "casestudies.audit_log"], cwd=ROOT,
            env={**env, "DATABASE_URL": db_url}, capture_output=True,
            text=True, timeout=300, check=False,
        )
    assert verdict(alone, "audit_log") == server.kind
    assert verdict(in_place, "audit_log") == server.kind
    assert watch.leaks([server.password]) == []


def test_a_deck_on_a_server_shows_no_password(
    tmp_path: Path, server: servers.Server, db_url: str
) -> None:
    deck = tmp_path / "probe_deck.py"
    deck.write_text(textwrap.dedent("""\
        ### slide::
        from sqlalchemy import create_engine, text
        from workshop_db import resolve_url
        engine = create_engine(resolve_url())
        with engine.connect() as cx:
            print("answer", cx.execute(text("SELECT 41 + 1")).scalar())
        """), encoding="utf-8")
    with ArgvWatch() as watch:
        done = run_deck(deck, db=db_url, timeout=300)
    assert "answer 42" in passed(done, "probe_deck.py")
    assert watch.leaks([server.password]) == []


def test_ready_on_a_server_shows_no_password(
    server: servers.Server, db_url: str
) -> None:
    with ArgvWatch() as watch:
        done = subprocess.run(
            [sys.executable, str(ROOT / "ready.py")], capture_output=True,
            text=True, timeout=300, env={**os.environ, "DATABASE_URL": db_url},
            check=False,
        )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "answers" in done.stdout
    assert watch.leaks([server.password]) == []


@pytest.mark.servers
def test_a_benchmark_on_its_own_server_shows_no_password() -> None:
    # It starts its server itself: the password is unknown here, so the
    # watch looks for one's shape in our processes' arguments.
    _available_or_skip("postgresql")
    with ArgvWatch() as watch:
        done = subprocess.run(
            [sys.executable, str(ROOT / "benchmarks" / "change_watcher.py"),
             "--tests", "2", "--backends", "postgresql"],
            cwd=ROOT, capture_output=True, text=True, timeout=600,
            check=False,
        )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "postgresql:" in done.stdout
    assert watch.leaks() == []
    assert "postgres" in watch.programs()
