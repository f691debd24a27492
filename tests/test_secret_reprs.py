"""Every value of ours that holds a password shows it masked in its repr.

What echoes a value at ``>>>`` (the slide runner, plain Python), pytest's
assertion messages and logging's ``%r`` show its repr.  Each URL that
``workshop_db`` hands out (a server's, a test database's, the replica
pair's multi-host one, ``resolve_url()``'s) is a ``str`` for
``create_engine`` and ``print``, and a ``***`` in its repr; the objects
(a server, a pair) show where they listen and no secret.  Checks say
"leaked" with a bool, so that a failure does not print the password.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

from tests.deckrun import passed, run_deck
from workshop_db import resolve_url, servers
from workshop_db.base import SecretURL, masked
from workshop_db.urls import with_connect_timeout

SECRET = "hunter2"


def shows(value: object, secret: str) -> bool:
    return secret in repr(value) or secret in repr([value])


@pytest.mark.parametrize("url", [
    "postgresql+psycopg://someone:hunter2@db.example/x",
    # already timed: nothing added, still masked
    "postgresql+psycopg://someone:hunter2@db.example/x?connect_timeout=3",
    "mariadb+pymysql://someone:hunter2@db.example/x"
    "?connect_timeout=3&read_timeout=9",
])
def test_resolve_url_masks_a_url_given_with_a_password(
    monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    for value in (resolve_url(url), with_connect_timeout(url)):
        assert isinstance(value, SecretURL)
        assert SECRET in value  # create_engine gets the real one
        assert not shows(value, SECRET)
        assert "someone:***@db.example" in repr(value)
    monkeypatch.setenv("TUTORIAL_DB", url)
    assert not shows(resolve_url(), SECRET)


def test_a_url_that_does_not_parse_is_not_shown() -> None:
    # repr must not fail, nor show what may be a password
    odd = SecretURL("not a url, hunter2@")
    assert repr(odd) == repr("(a URL SQLAlchemy cannot read)")
    assert masked("nonsense hunter2") == "(a URL SQLAlchemy cannot read)"
    assert with_connect_timeout("not a url") == "not a url"


def test_the_echo_at_the_prompt_masks_it(tmp_path: Path) -> None:
    # A deck's >>> echo, as a learner who types resolve_url() sees it.
    deck = tmp_path / "echo_deck.py"
    deck.write_text(textwrap.dedent("""\
        ### slide::
        from workshop_db import resolve_url
        resolve_url()
        """), encoding="utf-8")
    done = run_deck(deck, db="postgresql+psycopg://u:hunter2@127.0.0.1/x")
    out = passed(done, "echo_deck.py")
    assert "'postgresql+psycopg://u:***@127.0.0.1/x?connect_timeout=5'" in out
    leaked = SECRET in out + done.stderr
    assert not leaked


def test_a_server_and_its_urls(server: servers.Server, db_url: str) -> None:
    secret = server.password
    assert secret and secret in server.url() and secret in db_url
    for value in (server.url(), server.url("postgres"), db_url,
                  server.shown_url()):
        leaked = shows(value, secret)
        assert not leaked
        assert ":***@127.0.0.1" in repr(value)
    leaked = shows(server, secret)
    assert not leaked
    assert repr(server).endswith(f"127.0.0.1:{server.port}>")


def test_the_replica_pair_and_its_urls(replica_pair: Any) -> None:
    pair = replica_pair
    secret = pair.primary.password
    assert secret and secret in pair.url()  # what create_engine needs
    for value in (pair.url(), pair.url("postgres", connect_timeout="5"),
                  pair.primary.url(), pair.standby.url(), pair.shown_url()):
        leaked = shows(value, secret)
        assert not leaked
        assert "postgres:***@" in repr(value)
    for thing in (pair, pair.primary, pair.standby):
        leaked = shows(thing, secret)
        assert not leaked
    assert repr(pair) == (
        f"<ReplicaPair primary 127.0.0.1:{pair.primary.port}, "
        f"standby 127.0.0.1:{pair.standby.port}>")
