"""``python -m workshop_db serve KIND``: a server for whoever copied a recipe.

Run as a user runs it, in a subprocess: it prints the path of a file
holding the URL (0600, in a 0700 folder) and the line that exports it;
that line, run by a shell, lets a recipe copied alone (no --db) pass its
demo on the server; Ctrl-C (or SIGTERM) stops the server and removes
the file.  The password is in no output and on no command line.  Also
``python -m workshop_db.servers --help``, which used to crash.
"""

from __future__ import annotations

import os
import selectors
import shutil
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

from tests.argv_watch import ArgvWatch, available
from tests.conftest import skip_or_fail
from tests.deckrun import ROOT
from tests.test_recipes_alone import CASESTUDIES, VERDICT
from workshop_db import servers

PID_FILES = {"postgresql": "data/postmaster.pid", "mariadb": "mysqld.pid"}


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items()
            if k not in ("TUTORIAL_DB", "DATABASE_URL")}


class Served:
    """The serve command, running; its output read as it comes."""

    def __init__(self, kind: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "workshop_db", "serve", kind], cwd=ROOT,
            env=_env(), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self.out = b""
        self.err = b""

    def read_until(self, wanted: bytes, timeout: float = 120) -> None:
        """Collect output until ``wanted`` is in it (or the process ends)."""
        assert self.process.stdout and self.process.stderr
        with selectors.DefaultSelector() as chooser:
            chooser.register(self.process.stdout, selectors.EVENT_READ, "out")
            chooser.register(self.process.stderr, selectors.EVENT_READ, "err")
            deadline = time.monotonic() + timeout
            while wanted not in self.out:
                left = deadline - time.monotonic()
                assert left > 0, f"no {wanted!r} in {self.out!r} {self.err!r}"
                for key, _ in chooser.select(left):
                    chunk = os.read(key.fd, 65536)
                    if not chunk:
                        chooser.unregister(key.fileobj)
                        continue
                    if key.data == "out":
                        self.out += chunk
                    else:
                        self.err += chunk
                if not chooser.get_map():
                    break  # both closed: it ended

    def line_after(self, marker: str) -> str:
        lines = self.out.decode().splitlines()
        for number, line in enumerate(lines):
            if marker in line:
                return lines[number + 1].strip()
        raise AssertionError(f"no {marker!r} in {lines}")

    def finish(self, signum: int) -> int:
        self.process.send_signal(signum)
        self.read_until(b"\0", timeout=120)  # everything, to the end
        return self.process.wait(timeout=60)

    def kill(self) -> None:
        """Kill it if it still runs; close its pipes."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=60)
        for pipe in (self.process.stdout, self.process.stderr):
            if pipe is not None:
                pipe.close()


@pytest.fixture
def serving() -> Iterator[Callable[[str], Served]]:
    """Starts the serve command; kills what a failed test left running."""
    made: list[Served] = []

    def make(kind: str) -> Served:
        reason = servers.unavailable_reason(kind)
        if reason is not None:
            skip_or_fail(f"{kind}: {reason}")
        made.append(Served(kind))
        return made[-1]

    yield make
    for served in made:
        served.kill()


@pytest.mark.servers
@pytest.mark.parametrize("kind, stop", [
    ("postgresql", signal.SIGINT), ("mariadb", signal.SIGINT),
    ("postgresql", signal.SIGTERM),
])
def test_serve_hands_out_a_url_in_a_private_file(
    tmp_path: Path, serving: Callable[[str], Served], kind: str, stop: int
) -> None:
    if not available():
        pytest.skip("no /proc to watch command lines in")
    with ArgvWatch() as watch:
        served = serving(kind)
        served.read_until(b"Ctrl-C here stops")
        path = Path(served.line_after("readable by you alone"))
        export = served.line_after("export it and run a recipe")
        assert export == f'export DATABASE_URL="$(cat {path})"'
        # Only its owner may read it, in a folder only its owner enters.
        mode = path.stat()
        assert stat.S_IMODE(mode.st_mode) == 0o600
        assert mode.st_uid == os.getuid()
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
        url = path.read_text().strip()
        password = make_url(url).password or ""
        assert len(password) > 20
        engine = create_engine(url)
        with engine.connect() as cx:
            assert cx.execute(text("SELECT 1")).scalar() == 1
        engine.dispose()
        # The printed line, as a shell runs it, then a copied recipe with
        # no --db: its demo runs on this server.
        shutil.copy(CASESTUDIES / "audit_log.py", tmp_path / "audit_log.py")
        demo = subprocess.run(
            ["sh", "-c", f"{export} && {sys.executable} audit_log.py"],
            cwd=tmp_path, env=_env(), capture_output=True, text=True,
            timeout=300, check=False,
        )
        last = demo.stdout.strip().splitlines()[-1:]
        match = VERDICT.match(last[0] if last else "")
        assert match and match.group(3) == kind, demo.stdout + demo.stderr
        pid_file = path.parent / PID_FILES[kind]
        pid = int(pid_file.read_text().split()[0])
        assert served.finish(stop) == 0, served.err.decode()
    said = served.out + served.err
    assert b"stopped; its files are deleted" in served.out
    assert b"Traceback" not in said
    leaked = password.encode() in said
    assert not leaked, "the password is in its output"
    assert ":***@127.0.0.1" in served.out.decode()
    assert not path.exists() and not path.parent.exists()
    assert servers.process_ended(pid)
    assert watch.leaks([password]) == []


def test_serve_refuses_an_unknown_kind() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "workshop_db", "serve", "oracle"], cwd=ROOT,
        env=_env(), capture_output=True, text=True, timeout=60, check=False,
    )
    assert done.returncode == 2
    assert "unknown server kind 'oracle'" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("module", ["workshop_db", "workshop_db.servers"])
def test_help_says_what_it_does(module: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", module, "--help"], cwd=ROOT, env=_env(),
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"usage: python -m {module} ")
    assert "serve" in done.stdout
    assert done.stderr == ""


def test_servers_refuses_an_unknown_kind_in_one_line() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "workshop_db.servers", "bogus"],
        cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "unknown server kind 'bogus'" in done.stderr
    assert "Traceback" not in done.stderr
