"""The presenter's path in a REAL terminal (tmux), and with no terminal.

Each tmux test starts its own tmux server (a unique ``-L`` socket, so
parallel runs don't clash), types with ``send-keys``, and polls
``capture-pane`` until the expected text appears or a deadline passes.
The REPL must still answer after every bad thing: a traceback, a slide
interrupted by Ctrl-C, Ctrl-C at the prompt.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.tmuxterm import ROOT, Terminal, program_env

TOUR = ROOT / "tests" / "decks" / "ui_tour.py"

pytestmark = pytest.mark.skipif(
    shutil.which("tmux") is None, reason="tmux is not installed"
)


@pytest.fixture
def terminal_env(tmp_path: Path) -> dict[str, str]:
    return program_env(tmp_path / "state")


@pytest.fixture
def tour(terminal_env: dict[str, str]) -> Iterator[Terminal]:
    term = Terminal(f"{sys.executable} -m sliderepl {TOUR}", terminal_env)
    try:
        yield term
    finally:
        term.close()


def test_presenter_path(tour: Terminal) -> None:
    tour.wait_for("Welcome to the tour")
    tour.wait_for("slide 1 / 8")  # the toolbar

    tour.send("Enter")
    tour.wait_for("Bullets first")
    tour.send("Enter")
    tour.wait_for("• one")

    # A command in the middle of a bullet reveal.
    tour.type("!toc")
    tour.wait_for("▶ 2 ✓ Bullets first")
    tour.type("!goto pools")
    tour.wait_for("│ select 1 + ?")
    tour.wait_for("slide 5 / 8")

    # Code that raises: traceback, then the prompt still works.
    tour.type("1 / 0")
    tour.wait_for("ZeroDivisionError: division by zero")
    tour.type("print('alive', 6 * 7)")
    tour.wait_for("alive 42")

    # A slide running a long loop, stopped by Ctrl-C.
    tour.type("!goto slow")
    tour.wait_for("...     time.sleep(0.1)")  # a minute-long loop
    time.sleep(0.5)
    tour.send("C-c")
    tour.wait_for("KeyboardInterrupt: slide stopped")
    tour.type("print('after interrupt', 'finished_loop' in dir())")
    tour.wait_for("after interrupt False")

    # Ctrl-C at the prompt drops the half-typed line.
    tour.tmux("send-keys", "-t", "0", "-l", "abandoned_line")
    tour.wait_for("abandoned_line")
    tour.send("C-c")
    tour.type("print('cleared', 1)")
    screen = tour.wait_for("cleared 1")
    assert "NameError" not in screen

    tour.type("!quit")
    tour.wait_for("EXITED 0")


def test_ctrl_d_leaves_cleanly(tour: Terminal) -> None:
    tour.wait_for("slide 1 / 8")
    tour.send("C-d")
    screen = tour.wait_for("EXITED 0")
    assert "Traceback" not in screen


def test_presentation_mode_clears_per_slide(
    terminal_env: dict[str, str],
) -> None:
    term = Terminal(
        f"{sys.executable} -m sliderepl --presentation {TOUR}", terminal_env
    )
    try:
        term.wait_for("Welcome to the tour")
        term.send("Enter")
        term.wait_for("Bullets first")
        term.wait_for("slide 2 / 8")
        visible = term.tmux("capture-pane", "-p", "-t", "0")
        assert "Welcome to the tour" not in visible
        term.type("!q")
        term.wait_for("EXITED 0")
    finally:
        term.close()


def test_piped_input_runs_without_a_terminal(tmp_path: Path) -> None:
    env = {**os.environ, "XDG_STATE_HOME": str(tmp_path / "state")}
    keys = "\n\n\n\n\n!toc\nx = 20\nprint(x + 22)\n1/0\n!nope\n!q\n"
    done = subprocess.run(
        [sys.executable, "-m", "sliderepl", str(TOUR)],
        input=keys, capture_output=True, text=True, cwd=ROOT, env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "\x1b" not in out  # not a terminal: plain text
    assert "Welcome to the tour" in out
    assert "bullet code ran 1" in out
    assert "42" in out.splitlines()
    assert "ZeroDivisionError: division by zero" in out
    assert "unknown command !nope; ? lists commands" in out
    assert "▶ 2 ✓ Bullets first" in out
    assert "sliderepl internal error" not in out + done.stderr


def test_piped_input_ending_early_exits_zero(tmp_path: Path) -> None:
    env = {**os.environ, "XDG_STATE_HOME": str(tmp_path / "state")}
    done = subprocess.run(
        [sys.executable, "-m", "sliderepl", str(TOUR)],
        input="for i in range(2):\n", capture_output=True, text=True,
        cwd=ROOT, env=env, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "Welcome to the tour" in done.stdout


def test_startup_benchmark_reports_ratios() -> None:
    # Runs the benchmark once, in its own pty: it must find the title and
    # the prompt and print ratios.  Timings are printed, never asserted.
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "startup.py"), "-n", "1",
         str(TOUR)],
        capture_output=True, text=True, cwd=ROOT, timeout=180,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("floor: python -c 'import sqlalchemy'")
    row = lines[-1].split()
    assert row[0] == "ui_tour.py"
    assert row[3].endswith("x") and row[6].endswith("x")


def test_ascii_only_output_does_not_break_the_deck(tmp_path: Path) -> None:
    # A terminal that can't encode the bullet and toc marks: "?" instead.
    env = {**os.environ, "XDG_STATE_HOME": str(tmp_path / "state"),
           "PYTHONIOENCODING": "ascii"}
    done = subprocess.run(
        [sys.executable, "-m", "sliderepl", str(TOUR)],
        input="\n\n!toc\n!q\n", capture_output=True, text=True, cwd=ROOT,
        env=env, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "? 2 ? Bullets first" in done.stdout  # ▶ and ✓
    assert "could not draw" not in done.stdout
