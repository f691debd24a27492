"""The throwaway servers let in their owner only, and never show the secret.

Another local OS user (``nobody``, through ``runuser``) tries each server
over TCP (no password, a wrong one) and over the Unix socket; it is
refused.  That needs root: elsewhere these tests skip, except in CI
(``TUTORIAL_REQUIRE_SERVERS=1``), where a skip is a failure.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import URL, create_engine, make_url, text
from sqlalchemy.exc import OperationalError

from workshop_db import servers
from workshop_db.base import running_as_root

from .conftest import REQUIRE

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.backends("postgresql", "mariadb")


def _other_user() -> list[str]:
    """The argv prefix that runs a command as ``nobody``."""
    reason = None
    if not running_as_root():
        reason = "trying the server as another OS user needs root (runuser)"
    elif shutil.which("runuser") is None:
        reason = "runuser not found: sudo apt-get install -y util-linux"
    else:
        import pwd

        try:
            pwd.getpwnam("nobody")
        except KeyError:
            reason = "no 'nobody' user to try the server as"
    if reason is not None:
        if REQUIRE:
            pytest.fail(f"{reason} (TUTORIAL_REQUIRE_SERVERS=1)",
                        pytrace=False)
        pytest.skip(reason)
    return ["runuser", "-u", "nobody", "--"]


def _client(server: servers.Server) -> str:
    if server.kind == "postgresql":
        from workshop_db.postgresql import bindir

        found = shutil.which("psql", path=bindir()) or shutil.which("psql")
    else:
        found = shutil.which("mariadb") or shutil.which("mysql")
    if found is None:
        pytest.fail(f"no command-line client for {server.kind}")
    return found


def _attempts(server: servers.Server) -> dict[str, list[str]]:
    """Each way in another user might try, as a client command line."""
    client = _client(server)
    if server.kind == "postgresql":
        base = [client, "-w", "-U", "postgres", "-d", "postgres",
                "-c", "SELECT 1"]
        tcp = ["-h", "127.0.0.1", "-p", str(server.port)]
        return {
            "tcp, no password": [*base, *tcp],
            "tcp, wrong password": ["env", "PGPASSWORD=wrong", *base, *tcp],
            "socket": [*base, "-h", server.directory,
                       "-p", str(server.port)],
        }
    base = [client, "--no-defaults", "-e", "SELECT 1"]
    tcp = ["-h", "127.0.0.1", "-P", str(server.port), "--protocol=tcp"]
    return {
        "tcp, root, no password": [*base, *tcp, "-u", "root"],
        "tcp, root, wrong password": [*base, *tcp, "-u", "root",
                                      "--password=wrong"],
        "tcp, anonymous": [*base, *tcp, "-u", ""],
        "tcp, as nobody": [*base, *tcp, "-u", "nobody"],
        "socket": [*base, "-u", "root",
                   "-S", os.path.join(server.directory, "mysqld.sock")],
    }


REFUSALS = {
    # What the server or the OS says when it turns a client away.
    "postgresql": ("password", "Permission denied"),
    "mariadb": ("Access denied", "(13)"),
}


def test_another_user_is_refused_over_tcp_and_the_socket(
    server: servers.Server,
) -> None:
    prefix = _other_user()
    for how, argv in _attempts(server).items():
        done = subprocess.run(
            [*prefix, *argv], capture_output=True, text=True, timeout=30,
            stdin=subprocess.DEVNULL,
        )
        said = (done.stdout + done.stderr).strip()
        assert done.returncode != 0, f"{how}: let in: {said}"
        assert any(word in said for word in REFUSALS[server.kind]), (
            f"{how}: refused, but not for want of a password: {said}"
        )


def test_the_owner_connects_with_the_url(server: servers.Server) -> None:
    carried = bool(server.password) and server.password in server.url()
    assert carried, "url() has no password"
    engine = create_engine(server.url())
    try:
        with engine.connect() as conn:
            assert conn.scalar(text("SELECT 1")) == 1
    finally:
        engine.dispose()
    # Without the password, or with a wrong one, the owner too is refused.
    good = make_url(server.url())
    for password in (None, "wrong"):
        url = URL.create(
            good.drivername, good.username, password, good.host, good.port,
            good.database, good.query,
        )
        engine = create_engine(url)
        try:
            with pytest.raises(OperationalError,
                               match="(?i)password|access denied"):
                engine.connect().close()
        finally:
            engine.dispose()


def test_files_are_the_owners_alone(server: servers.Server) -> None:
    top = os.stat(server.directory)
    assert stat.S_IMODE(top.st_mode) == 0o700
    if running_as_root():
        import pwd

        owner = "postgres" if server.kind == "postgresql" else "mysql"
        assert top.st_uid == pwd.getpwnam(owner).pw_uid
    loose = []
    for folder, dirs, files in os.walk(server.directory):
        for name in [*dirs, *files]:
            path = os.path.join(folder, name)
            mode = os.lstat(path).st_mode
            if stat.S_ISSOCK(mode):
                continue  # behind the 0700 folder either way
            if stat.S_IMODE(mode) & 0o077:
                loose.append(f"{oct(stat.S_IMODE(mode))} {path}")
    assert loose == []
    # The secret's files are gone once the server runs, and no log has it.
    left = set(os.listdir(server.directory))
    assert not left & {"pwfile", "secure.sql"}
    for log in ("server.log", "error.log", "console.log"):
        path = os.path.join(server.directory, log)
        if os.path.exists(path):
            assert not _leaks(server, Path(path).read_text(errors="replace"))


def test_repr_and_shown_url_mask_the_secret(server: servers.Server) -> None:
    assert not _leaks(server, repr(server))
    assert not _leaks(server, server.shown_url())
    assert ":***@" in server.shown_url()
    # SQLAlchemy's own URL object masks it in str() and repr() alike.
    url = make_url(server.url())
    assert not _leaks(server, str(url) + repr(url))
    # url() is a str (create_engine and print see it all) whose repr, as
    # the REPL and pytest's assertion messages show it, is masked.
    assert repr(server.url()) == repr(server.shown_url())
    assert not _leaks(server, repr([server.url()]))
    assert _leaks(server, str(server.url()))


def _leaks(server: servers.Server, text: str) -> bool:
    # A bool, so that a failed assert does not print the secret itself.
    return server.password in text


def _run(argv: list[str], env: dict[str, str]) -> tuple[int, str]:
    done = subprocess.run(
        argv, cwd=ROOT, capture_output=True, text=True, timeout=600,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "COLUMNS": "100", "NO_COLOR": "1", **env},
    )
    return done.returncode, done.stdout + done.stderr


@pytest.mark.parametrize("what", ["part1 deck", "audit_log demo", "ready.py"])
def test_no_output_shows_the_secret(
    server: servers.Server, db_url: str, what: str
) -> None:
    # Each is handed a URL with the password, as --db postgresql would
    # hand it one, and prints what it prints about its database.  The URL
    # travels in the environment (arguments are in ps for every user).
    assert _leaks(server, db_url), "the URL carries no password"
    argv, variable = {
        "part1 deck": ([sys.executable, "-m", "sliderepl", "--run-all",
                        "part1.py"], "TUTORIAL_DB"),
        "audit_log demo": ([sys.executable, "-m", "casestudies.audit_log"],
                           "DATABASE_URL"),
        "ready.py": ([sys.executable, "ready.py"], "DATABASE_URL"),
    }[what]
    status, output = _run(argv, {variable: db_url})
    assert status == 0, output[-3000:]  # it ran to the end on the server
    if what == "ready.py":
        assert ":***@127.0.0.1" in output and "answers" in output, output
    assert not _leaks(server, output)
