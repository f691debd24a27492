"""A learner's progress in the REPL, without a terminal: exercise states
(tried, solved) kept across sessions, ``!exercises``, ``!toc`` marks and
paging, and ``!quit`` / ``exit()`` back to the menu (issue 16)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sliderepl.deck.parser import load
from sliderepl.run.options import Options
from sliderepl.screen.console import Screen
from sliderepl.screen.theme import make_console
from sliderepl.teach import progress
from sliderepl.ui import repl

ROOT = Path(__file__).resolve().parent.parent
DECK = Path(__file__).parent / "decks" / "exercises.py"


@pytest.fixture(autouse=True)
def state_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    return tmp_path / "state" / "sliderepl"


def started(start: int = 1, keep: bool = False,
            height: int | None = None) -> repl.ReplState:
    console = make_console(file=io.StringIO(), width=100)
    if height is not None:
        console.height = height
    state = repl.make_state(load(DECK), Options(deck=DECK), Screen(console))
    state.keep_progress = keep
    repl.begin(state, start)
    return state


def shown(state: repl.ReplState) -> str:
    return state.screen.console.file.getvalue()  # type: ignore


def clear(state: repl.ReplState) -> None:
    state.screen.console.file = io.StringIO()


def test_a_failed_check_or_typed_code_is_tried_a_pass_solved() -> None:
    state = started(2)
    slide2 = state.slide
    assert slide2 is not None
    assert state.exercises.state_of(slide2) == "untried"
    repl.handle_line(state, "!check")
    assert state.exercises.state_of(slide2) == "tried"
    repl.handle_line(state, "users.append_column(Column('name', "
                     "String(50)))")
    repl.handle_line(state, "!check")
    assert state.exercises.state_of(slide2) == "solved"
    repl.handle_line(state, "!next")
    # code typed on the next exercise's slide: tried, without a !check
    repl.handle_line(state, "x = 1")
    assert state.exercises.states == {2: "solved", 3: "tried"}
    # a slide without an exercise: typing there marks nothing
    repl.handle_line(state, "!goto 1")
    repl.handle_line(state, "y = 2")
    assert state.exercises.states == {2: "solved", 3: "tried"}


def test_states_and_seen_slides_are_kept_for_the_next_session() -> None:
    state = started(2, keep=True)
    repl.handle_line(state, "!check")  # fails: tried
    repl.handle_line(state, "users.append_column(Column('name', "
                     "String(50)))")
    repl.handle_line(state, "!check")
    repl.handle_line(state, "!next")
    repl.handle_line(state, "!check")  # slide 3: tried
    done = progress.learned(DECK)
    assert done is not None
    assert done.exercises == {"Your turn: add a column": "solved",
                              "Your turn: rows": "tried"}
    assert (done.furthest, done.exercise_total) == (3, 2)
    # a new session takes them in, and keeps them however checks go now
    again = started(1, keep=True)
    assert again.exercises.states == {2: "solved", 3: "tried"}
    assert {2, 3} <= again.seen
    repl.handle_line(again, "!goto 2")
    repl.handle_line(again, "!check")  # fresh namespace: fails now
    assert again.exercises.states[2] == "solved"
    assert progress.menu_progress(DECK) == (
        "slide 3/4, exercises solved 1/2")


def test_progress_is_not_kept_unless_asked(state_home: Path) -> None:
    state = started(2)
    repl.handle_line(state, "!check")
    assert not (state_home / progress.PROGRESS).exists()


def test_exercises_lists_states_and_goes_to_one() -> None:
    state = started(2)
    repl.handle_line(state, "!check")
    clear(state)
    repl.handle_line(state, "!exercises")
    text = shown(state)
    assert "exercises in exercises.py: 0 of 2 solved" in text
    assert "▶ 1. slide 2   tried    Add a column \"name\"" in text
    assert "  2. slide 3   untried  Create the table on engine and" in text
    repl.handle_line(state, "!ex 2")
    assert state.position == 3
    assert "Exercise: Create the table" in shown(state)
    repl.handle_line(state, "!exercises next")  # the first not solved
    assert state.position == 2
    for bad, said in (("3", "no exercise 3: the deck has exercises 1 to 2"),
                      ("two", "takes an exercise number (1 to 2) or next")):
        repl.handle_line(state, f"!exercises {bad}")
        assert said in shown(state)
        assert state.position == 2
    state.exercises.states = {2: "solved", 3: "solved"}
    repl.handle_line(state, "!exercises next")
    assert "every exercise is solved" in shown(state)


def test_toc_marks_seen_slides_and_exercise_states() -> None:
    state = started(1)
    repl.handle_line(state, "!goto 3")
    repl.handle_line(state, "!check")
    clear(state)
    repl.handle_line(state, "!toc")
    lines = [line.rstrip() for line in shown(state).splitlines()]
    assert lines == [
        "  1 ✓ A table",
        "  2 · Your turn: add a column  [exercise untried]",
        "▶ 3 ✓ Your turn: rows  [exercise tried]",
        "  4 · Done",
    ]


def test_toc_is_paged_on_a_short_screen() -> None:
    state = started(1, height=5)  # a page: 5 lines less the prompt's 2
    pager = state.screen.pager
    asked: list[str] = []
    pager.enabled = True
    pager.ask = lambda text: asked.append(text) or ""
    clear(state)
    repl.handle_line(state, "!toc")
    text = shown(state)
    assert len(asked) == 1 and asked[0].startswith("-- more --")
    assert text.index("A table") < text.index("-- more --") < text.index(
        "Done")
    # what follows is not paged: the listing is over
    assert not pager.active


def test_quit_and_exit_go_back_to_the_menu_when_opened_from_it(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "decks"
    folder.mkdir()
    (folder / "_config.py").write_text('DECKS = "part*.py"\n')
    (folder / "part1.py").write_text(
        '"""Part 1: one."""\n### slide::\n### title:: One\nx = 1\n')
    env = {**os.environ, "XDG_STATE_HOME": str(tmp_path / "state"),
           "PYTHONPATH": str(ROOT)}
    # menu, deck 1, !quit, the menu again, deck 1, exit(), menu, q
    done = subprocess.run(
        [sys.executable, "-m", "sliderepl"], cwd=folder, env=env,
        input="1\n!quit\n1\nexit()\nq\n", capture_output=True, text=True,
        timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("Open which deck?") == 3
    assert done.stdout.count("back to the menu") == 2
    # a deck opened directly: !quit ends the program, no menu
    direct = subprocess.run(
        [sys.executable, "-m", "sliderepl", "part1.py"], cwd=folder,
        env=env, input="!quit\n1\n", capture_output=True, text=True,
        timeout=120)
    assert direct.returncode == 0, direct.stderr
    assert "Open which deck?" not in direct.stdout
    assert "back to the menu" not in direct.stdout
