"""A database that stops answering is named; bad ``--db`` is refused.

Issue 15 case 8: a slide whose server is gone shows, under its traceback,
one line naming the database and what to do; connects to a server that
accepts and never answers give up after ``CONNECT_TIMEOUT``; ``--db``
values that name no usable database end the command before any slide,
with one line and exit status 2 (``sliderepl`` and the recipes alike).
"""

from __future__ import annotations

import socket
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.deckrun import ROOT, run_deck
from workshop_db import SERVER_KINDS, servers
from workshop_db.base import CONNECT_TIMEOUT, READ_TIMEOUT, free_port
from workshop_db.urls import check_choice, with_connect_timeout

GONE = "is not answering"


def _deck(tmp_path: Path, body: str) -> Path:
    deck = tmp_path / "probe_deck.py"
    deck.write_text(textwrap.dedent(body), encoding="utf-8")
    return deck


QUERY_TWICE = """\
### slide::
from sqlalchemy import create_engine, text
from workshop_db import resolve_url
engine = create_engine(resolve_url())
### slide::
with engine.connect() as cx:
    print("answer", cx.execute(text("SELECT 1")).scalar())
"""


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port on 127.0.0.1 that accepts connections and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    try:
        yield listener.getsockname()[1]
    finally:
        listener.close()


# -- bad --db values: refused up front --------------------------------


@pytest.mark.parametrize("value, says", [
    ("bogus://", "no dialect 'bogus'"),
    ("not a url", "is not a database URL"),
    ("bogus://someone:hunter2@db.example/x", "bogus://someone:***@"),
])
def test_sliderepl_refuses_a_bad_db_before_any_slide(
    value: str, says: str
) -> None:
    done = run_deck(ROOT / "part1.py", "--db", value, timeout=120)
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""  # no slide ran
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("sliderepl: error: --db ")
    assert says in lines[0]
    assert "hunter2" not in done.stderr


def test_a_driver_that_is_not_installed_names_its_package() -> None:
    with pytest.raises(ValueError) as refused:
        check_choice("mysql+mysqldb://u:hunter2@h/db")
    assert "pip install mysqlclient" in str(refused.value)
    assert "u:***@h" in str(refused.value)
    assert "hunter2" not in str(refused.value)
    assert check_choice("sqlite://") == "sqlite://"
    assert check_choice("postgresql") == "postgresql"


def test_a_recipe_refuses_a_bad_db_with_one_line() -> None:
    done = subprocess.run(
        [sys.executable, "-W", "error", "-m", "casestudies.audit_log",
         "--db", "bogus://"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 2, done.stderr
    assert len(done.stderr.splitlines()) == 1, done.stderr
    assert "bogus://" in done.stderr
    assert done.stdout == ""


# -- connect timeouts ----------------------------------------------------


def test_server_urls_carry_a_connect_timeout() -> None:
    for kind in SERVER_KINDS:
        query = servers.new_server(kind).query
        assert f"connect_timeout={CONNECT_TIMEOUT}" in query
    url = with_connect_timeout("postgresql+psycopg://u:pw@h/db")
    assert url.endswith(f"?connect_timeout={CONNECT_TIMEOUT}")
    assert "pw" not in repr(url)
    assert with_connect_timeout("sqlite://") == "sqlite://"
    mysql = with_connect_timeout("mariadb+pymysql://u@h/db?connect_timeout=60")
    assert mysql == (f"mariadb+pymysql://u@h/db?connect_timeout=60"
                     f"&read_timeout={READ_TIMEOUT}")
    assert with_connect_timeout(mysql) == mysql
    assert f"read_timeout={READ_TIMEOUT}" in servers.new_server(
        "mariadb").query


#: PyMySQL reads the handshake with read_timeout (READ_TIMEOUT, a minute
#: by default, checked above): the test sets 2 s to show it is honoured
@pytest.mark.parametrize("driver, given", [
    ("postgresql+psycopg", ""), ("mariadb+pymysql", "?read_timeout=2"),
])
def test_a_server_that_never_answers_fails_the_slide_not_hangs_it(
    tmp_path: Path, silent_port: int, driver: str, given: str
) -> None:
    deck = _deck(tmp_path, QUERY_TWICE)
    url = f"{driver}://someone:hunter2@127.0.0.1:{silent_port}/x{given}"
    # the guard is generous: without the connect timeout this would hang
    done = run_deck(deck, db=url, timeout=20 * CONNECT_TIMEOUT)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "answer 1" not in done.stdout
    assert "OperationalError" in done.stdout
    notes = [line for line in done.stdout.splitlines() if GONE in line]
    assert notes == [
        f"the database at {driver}://someone:***@127.0.0.1:{silent_port}/x"
        " is not answering: restart it, "
        "then !reset (or !rerun)"
    ], done.stdout
    assert "hunter2" not in done.stdout + done.stderr


def test_connection_refused_names_the_database(tmp_path: Path) -> None:
    deck = _deck(tmp_path, QUERY_TWICE)
    port = free_port()  # nothing listens there
    done = run_deck(deck, db=f"postgresql+psycopg://u:pw@127.0.0.1:{port}/x",
                    timeout=120)
    assert done.returncode == 1
    assert f"postgresql+psycopg://u:***@127.0.0.1:{port}/x {GONE}" \
        in done.stdout, done.stdout


def test_an_error_on_a_live_database_gets_no_note(tmp_path: Path) -> None:
    deck = _deck(tmp_path, """\
        ### slide::
        from sqlalchemy import create_engine, text
        from workshop_db import resolve_url
        engine = create_engine(resolve_url())
        ### slide::
        with engine.connect() as cx:
            cx.execute(text("SELECT * FROM no_such_table"))
        """)
    done = run_deck(deck, "--db", f"sqlite:///{tmp_path / 'x.db'}",
                    timeout=120)
    assert done.returncode == 1
    assert "OperationalError" in done.stdout
    assert GONE not in done.stdout


# -- a real throwaway server killed mid-deck ------------------------------


@pytest.mark.servers
def test_a_killed_throwaway_server_is_named_with_what_to_do(
    tmp_path: Path,
) -> None:
    reason = servers.unavailable_reason("postgresql")
    if reason is not None:
        from tests.conftest import REQUIRE

        if REQUIRE:
            pytest.fail(f"postgresql: {reason}")
        pytest.skip(f"postgresql: {reason}")
    deck = _deck(tmp_path, QUERY_TWICE + """\
### slide::
from workshop_db import shared_server
shared_server("postgresql")._halt(crash=True)   # the server dies
### slide::
with engine.connect() as cx:
    print("answer", cx.execute(text("SELECT 1")).scalar())
### slide::
print("the deck goes on")
""")
    done = run_deck(deck, "--db", "postgresql", timeout=300)
    out = done.stdout
    assert "answer 1" in out, out + done.stderr
    assert "the deck goes on" in out
    notes = [line for line in out.splitlines() if GONE in line]
    assert len(notes) == 1, out
    assert notes[0].startswith("the throwaway postgresql server this session "
                               "started (postgresql+psycopg://postgres:***@")
    assert notes[0].endswith("is not answering: leave the deck (!quit) and "
                             "start it again for a new server")
