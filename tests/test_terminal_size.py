"""Issue 31: a nonsense ``COLUMNS`` or ``LINES`` never mutes the REPL.

``COLUMNS=0`` made rich draw everything zero columns wide: a piped run
wrote 0 bytes, and in tmux no slide and no output appeared.  A value
that is not a whole number of at least 20 columns (5 lines) is ignored:
the size comes from the terminal, else 80 x 25.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from sliderepl.screen.size import columns
from sliderepl.screen.theme import make_console
from tests.tmuxterm import Tmux, program_env, sliderepl

ROOT = Path(__file__).resolve().parent.parent
BASIC = ROOT / "tests" / "decks" / "basic.py"
NONSENSE = ["0", "-3", "abc", "5", "19", " ", ""]


@pytest.mark.parametrize("value", NONSENSE)
def test_piped_repl_speaks_whatever_columns_says(
    tmp_path: Path, value: str
) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT), COLUMNS=value,
               LINES=value, XDG_STATE_HOME=str(tmp_path))
    done = subprocess.run(
        [sys.executable, "-m", "sliderepl", str(BASIC)],
        input='print("hi", 6 * 7)\n', capture_output=True, text=True,
        env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "hi 42" in done.stdout
    # the slide's box is drawn 80 columns wide, as with no COLUMNS at all
    top = next(line for line in done.stdout.splitlines()
               if line.startswith("╭"))
    assert len(top) == 80


@pytest.mark.parametrize("value", ["0", "abc", "7"])
def test_console_size_ignores_nonsense(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("COLUMNS", value)
    monkeypatch.setenv("LINES", "0" if value == "7" else value)
    console = make_console(file=io.StringIO())
    assert (console.size.width, console.size.height) == (80, 25)
    assert columns() >= 20  # the notes window's width


def test_sane_columns_still_count(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "20")
    monkeypatch.setenv("LINES", "5")
    console = make_console(file=io.StringIO())
    assert (console.size.width, console.size.height) == (20, 5)
    assert columns() == 20


@pytest.fixture
def term(tmp_path: Path) -> Iterator[Tmux]:
    env = program_env(tmp_path / "state")
    env["COLUMNS"] = "0"
    env["LINES"] = "0"
    server = Tmux(env, width=90, height=30)
    yield server
    server.close()


def test_columns_0_in_a_real_terminal(term: Tmux) -> None:
    window = term.start(sliderepl(str(BASIC), "--start", "1"))
    # the slide's header, drawn as wide as the terminal (90 columns)
    shown = term.wait_for(window, "Values and SQL")
    top = next(line for line in shown.splitlines() if "╭" in line)
    assert len(top.rstrip()) == 90
    term.wait_for(window, ">>>")
    term.type(window, "print('spoken', 6 * 7)")
    term.wait_for(window, "spoken 42")
