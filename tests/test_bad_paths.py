"""Issue 31: a deck path that can't be read is one line and exit 2.

A component over 255 bytes gave a traceback ending in ``OSError: [Errno
36] File name too long`` from every command (``Path.exists()`` as an
argparse type).  Every kind of bad path (too long, a folder, a FIFO, a
device, no permission, nonexistent, a NUL byte) is now answered
``PROG: can't read PATH: reason`` with exit status 2, by every command
that takes a deck.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sliderepl import cli

ROOT = Path(__file__).resolve().parent.parent
COMMANDS = {
    "repl": [], "run-all": ["--run-all"], "check": ["check"],
    "export": ["export"], "lint": ["lint"], "notes": ["notes", "--once"],
}
PROG = {"check": "sliderepl check", "export": "sliderepl export",
        "lint": "sliderepl lint", "notes": "sliderepl notes"}


def bad_path(tmp_path: Path, kind: str) -> tuple[Path, str]:
    """A path of ``kind`` and the reason the answer should give."""
    if kind == "long name":
        return tmp_path / ("a" * 300 + ".py"), "file name too long"
    if kind == "long folder":
        return tmp_path / ("b" * 256) / "deck.py", "file name too long"
    if kind == "folder":
        (tmp_path / "folder.py").mkdir()
        return tmp_path / "folder.py", "is a folder"
    if kind == "fifo":
        os.mkfifo(tmp_path / "fifo.py")
        return tmp_path / "fifo.py", "not a regular file"
    if kind == "device":
        return Path("/dev/null"), "not a regular file"
    if kind == "nonexistent":
        return tmp_path / "nope.py", "no such file or directory"
    raise AssertionError(kind)


def sliderepl(*args: str, user: list[str] | None = None
              ) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run(
        [*(user or []), sys.executable, "-m", "sliderepl", *args],
        stdin=subprocess.DEVNULL, capture_output=True, text=True,
        cwd=ROOT, env=env, timeout=60)  # the timeout: only a hang guard


def one_line_answer(done: subprocess.CompletedProcess[str], command: str,
                    path: Path, reason: str) -> None:
    assert done.returncode == 2, (done.stdout, done.stderr)
    prog = PROG.get(command, "sliderepl")
    assert done.stderr.splitlines() == [
        f"{prog}: can't read {path}: {reason}"
        + done.stderr.rstrip("\n").partition(reason)[2]]
    assert "Traceback" not in done.stdout + done.stderr


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("kind", ["long name", "long folder", "folder",
                                  "fifo", "device", "nonexistent"])
def test_bad_deck_path(tmp_path: Path, kind: str, command: str) -> None:
    path, reason = bad_path(tmp_path, kind)
    done = sliderepl(*COMMANDS[command], str(path))
    one_line_answer(done, command, path, reason)


@pytest.fixture
def forbidden(tmp_path: Path) -> tuple[Path, list[str]]:
    """A deck this test's program may not read, and how to run it so:
    as root (who may read anything) the program runs without the two
    capabilities that let root read a file its mode forbids."""
    deck = tmp_path / "deck.py"
    shutil.copy(ROOT / "tests" / "decks" / "basic.py", deck)
    deck.chmod(0)
    if os.geteuid() != 0:
        return deck, []
    if shutil.which("setpriv") is None:
        pytest.skip("as root a permission test needs setpriv (util-linux)")
    # still root, so an interpreter under root's own folders (pyenv's,
    # with a shared libpython) runs; only mode 0 now means what it says
    return deck, ["setpriv", "--bounding-set=-dac_override,-dac_read_search"]


@pytest.mark.parametrize("command", list(COMMANDS))
def test_deck_without_permission(
    forbidden: tuple[Path, list[str]], command: str
) -> None:
    deck, user = forbidden
    done = sliderepl(*COMMANDS[command], str(deck), user=user)
    one_line_answer(done, command, deck, "permission denied")


@pytest.mark.parametrize("command", list(COMMANDS))
def test_nul_byte_in_the_path(
    capsys: pytest.CaptureFixture[str], command: str
) -> None:
    # a command line can't carry a NUL: main() is called as a program
    # embedding sliderepl would
    assert cli.main([*COMMANDS[command], "de\x00ck.py"]) == 2
    out, err = capsys.readouterr()
    prog = PROG.get(command, "sliderepl")
    # check and export name the path made absolute
    (line,) = err.splitlines()
    assert line.startswith(f"{prog}: can't read ")
    assert line.endswith("de\\x00ck.py: a file name can't contain a NUL "
                         "byte")
    assert "\x00" not in out + err
