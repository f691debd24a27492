"""The finish line (issue 27): Enter past the last slide shows a summary
and offers the next deck in the menu's order; the menu fits its width."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sliderepl.ui.finish import next_deck
from sliderepl.ui.menu import entry
from sliderepl.ui.steps import advance
from tests.repl_state import started, text

ROOT = Path(__file__).resolve().parent.parent

FIRST = '''"""Part 1: the first."""
### slide::
### title:: One
one = 1
### slide::
### title:: Two, with a task
### exercise:: make two 2
### check:: two == 2
### solution:: two = 2
two = 0
'''
SECOND = '''"""Part 2: the second."""
### slide::
### title:: Second deck
print("second deck runs")
'''


pytestmark = pytest.mark.usefixtures("state_home")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    decks = tmp_path / "decks"
    decks.mkdir()
    (decks / "_config.py").write_text('DECKS = "part*.py"\n')
    (decks / "part1.py").write_text(FIRST)
    (decks / "part2.py").write_text(SECOND)
    (decks / "other.py").write_text(SECOND)  # not in DECKS
    return decks


def test_next_deck_follows_the_menu(folder: Path) -> None:
    assert next_deck(folder / "part1.py") == (folder / "part2.py",
                                              "Part 2: the second.")
    assert next_deck(folder / "part2.py") is None
    assert next_deck(folder / "other.py") is None


def test_the_last_slide_offers_a_summary_then_the_next_deck(
    folder: Path,
) -> None:
    state = started(folder / "part1.py")
    advance(state)
    assert state.position == 2
    state.nav.interpreter.namespace["two"] = 2
    from sliderepl.ui.actions import check

    check(state, "")
    assert state.enter_hint() == "the summary"
    advance(state)  # the summary
    shown = text(state)
    assert "End of part1.py" in shown
    assert "slides seen 2/2, exercises solved 1/1, time 00:0" in shown
    assert ("Next: Part 2: the second. (part2.py): Enter opens it"
            in shown)
    assert "end of the deck" not in shown
    assert state.enter_hint() == "open part2.py"
    assert not state.finished
    advance(state)  # opens the next deck
    assert state.finished and state.then == folder / "part2.py"


def test_the_last_deck_says_it_is_over(folder: Path) -> None:
    state = started(folder / "part2.py")
    advance(state)
    assert "slides seen 1/1, time" in text(state)
    assert "exercises" not in text(state)  # the deck has none
    assert "Next:" not in text(state)
    advance(state)
    advance(state)
    assert text(state).count("end of the deck: !q leaves") == 2
    assert not state.finished and state.then is None


def test_enter_at_the_end_opens_the_next_deck_from_the_cli(
    folder: Path, tmp_path: Path
) -> None:
    env = {**os.environ, "XDG_STATE_HOME": str(tmp_path / "state"),
           "COLUMNS": "80"}
    done = subprocess.run(
        [sys.executable, "-m", "sliderepl", str(folder / "part1.py")],
        input="\n\n\n", capture_output=True, text=True, env=env,
        cwd=folder, timeout=120)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.index("End of part1.py") < out.index("opening part2.py") \
        < out.index("second deck runs")


@pytest.mark.parametrize("width", [100, 80])
def test_menu_lines_fit_their_width(width: int) -> None:
    lines = entry(1, "Part 1: connections, pools, connection events, "
                  "dialects.", "part1.py",
                  "slide 14/59, exercises solved 1/5", width)
    assert all(len(line) < width for line in lines)
    assert lines[-1].strip() == "[slide 14/59, exercises solved 1/5]"
    words = " ".join(line.strip() for line in lines).split()
    assert "connections," in words and "dialects." in words  # no word cut
    assert entry(2, "Part 2: short", "part2.py", "slide 1/3", width) == [
        "  2. Part 2: short  (part2.py)  [slide 1/3]"]
