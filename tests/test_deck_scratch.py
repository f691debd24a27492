"""Issue 31: the SQLite files of parts 1 and 3 leave no folder behind.

Each session made a ``tempfile.mkdtemp()`` folder for ``part1.db`` or
``part3.db`` and never removed it (268 after one fuzz run).  They now
live in one folder per process (``workshop_db.scratch``), removed at
exit however the learner leaves; a folder left by ``kill -9`` is removed
by the next process that makes one.  Each test points ``TMPDIR`` at a
folder of its own and counts what is left in it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.tmuxterm import Tmux, program_env, sliderepl

ROOT = Path(__file__).resolve().parent.parent


def env(tmp: Path, state: Path) -> dict[str, str]:
    tmp.mkdir(exist_ok=True)
    out = dict(os.environ, PYTHONPATH=str(ROOT), TMPDIR=str(tmp),
               XDG_STATE_HOME=str(state))
    out.pop("TUTORIAL_DB", None)
    return out


def run(tmp_path: Path, args: list[str], typed: str) -> str:
    tmp = tmp_path / "tmp"
    done = subprocess.run(
        [sys.executable, "-m", "sliderepl", *args], input=typed,
        capture_output=True, text=True, cwd=ROOT, timeout=300,
        env=env(tmp, tmp_path / "state"))
    assert done.returncode == 0, done.stderr
    return done.stdout


def left(tmp_path: Path) -> list[str]:
    return sorted(os.listdir(tmp_path / "tmp"))


@pytest.mark.parametrize("deck", ["part1.py", "part3.py"])
@pytest.mark.parametrize("leave", ["exit()\n", "", "!quit\n"])
def test_nothing_left_after_a_session(
    tmp_path: Path, deck: str, leave: str
) -> None:
    # "" is the end of input: what Ctrl-D sends
    out = run(tmp_path, [deck], "print('on', url)\n" + leave)
    assert f"on sqlite:///{tmp_path / 'tmp'}" in out  # it used the folder
    assert left(tmp_path) == []


def test_nothing_left_after_quit_back_to_the_menu(tmp_path: Path) -> None:
    out = run(tmp_path, [], "1\nprint('on', url)\n!quit\n3\n!quit\nq\n")
    assert out.count("back to the menu") == 2
    assert left(tmp_path) == []


@pytest.mark.parametrize("deck", ["part1.py", "part3.py"])
def test_nothing_left_after_run_all(tmp_path: Path, deck: str) -> None:
    run(tmp_path, ["--run-all", "--short", deck], "")
    assert left(tmp_path) == []


@pytest.fixture
def term(tmp_path: Path) -> Iterator[Tmux]:
    (tmp_path / "tmp").mkdir()
    environment = program_env(tmp_path / "state")
    environment["TMPDIR"] = str(tmp_path / "tmp")
    environment["TUTORIAL_DB"] = ""  # SQLite in memory: a file instead
    server = Tmux(environment, width=90, height=30)
    yield server
    server.close()


def test_nothing_left_after_ctrl_d_in_a_terminal(
    term: Tmux, tmp_path: Path
) -> None:
    window = term.start(sliderepl("part1.py"))
    term.wait_for(window, ">>>")
    term.type(window, "print('on', url)")
    term.wait_for(window, f"on sqlite:///{tmp_path / 'tmp'}")
    assert len(left(tmp_path)) == 1  # in use while the deck runs
    term.key(window, "C-d")
    assert "EXITED 0" in term.wait_for(window, "EXITED")
    assert left(tmp_path) == []


MAKE = """\
import sys
from workshop_db.scratch import sqlite_file_url
print(sqlite_file_url("x.db"), flush=True)
sys.stdin.read()
"""


@pytest.mark.skipif(os.name != "posix", reason="the sweep needs flock")
def test_a_killed_process_folder_goes_with_the_next(tmp_path: Path) -> None:
    environment = env(tmp_path / "tmp", tmp_path / "state")

    def start() -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-c", MAKE], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, text=True, env=environment, cwd=ROOT)

    killed, alive = start(), start()
    try:
        assert killed.stdout is not None and alive.stdout is not None
        killed.stdout.readline(), alive.stdout.readline()
        assert len(left(tmp_path)) == 2
        killed.kill()  # SIGKILL
        killed.wait(30)
        assert len(left(tmp_path)) == 2  # no exit hook ran
        third = subprocess.run(
            [sys.executable, "-c", MAKE], input="", capture_output=True,
            text=True, env=environment, cwd=ROOT, timeout=60)
        assert third.returncode == 0, third.stderr
        # the killed one's folder is gone; the live one's is kept
        assert len(left(tmp_path)) == 1
        alive.communicate("", timeout=60)  # its end of input: it exits
        assert alive.returncode == 0
    finally:
        for process in (killed, alive):
            if process.poll() is None:
                process.kill()
            process.communicate()
    assert left(tmp_path) == []
