"""The learner's commands at the prompt, without a terminal: ``!copy``,
``!hint``, ``!check``, ``!solution``, the resume question, the menu's
progress and the notes screen."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest

from sliderepl import cli
from sliderepl.deck.parser import load
from sliderepl.run.options import Options
from sliderepl.screen.console import Screen
from sliderepl.screen.theme import make_console
from sliderepl.teach import progress
from sliderepl.tools.notes import render
from sliderepl.ui import repl
from sliderepl.ui.menu import choose_deck
from sliderepl.ui.toolbar import toolbar

DECK = Path(__file__).parent / "decks" / "exercises.py"


@pytest.fixture(autouse=True)
def state_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    return tmp_path / "state" / "sliderepl"


def started(start: int = 1) -> repl.ReplState:
    console = make_console(file=io.StringIO(), width=100)
    state = repl.make_state(load(DECK), Options(deck=DECK), Screen(console))
    repl.begin(state, start)
    return state


def shown(state: repl.ReplState) -> str:
    return state.screen.console.file.getvalue()  # type: ignore


def test_exercise_commands_act_on_the_live_namespace() -> None:
    state = started(2)
    assert "Exercise: Add a column" in shown(state)
    repl.handle_line(state, "!check")
    assert "not yet: the check is false" in shown(state)
    repl.handle_line(state, "!hint")
    assert "hint 1 of 2: Table.append_column() takes a Column." in \
        shown(state)
    repl.handle_line(state, "users.append_column(Column('name', "
                     "String(50)))")
    repl.handle_line(state, "!check")
    text = shown(state)
    assert "check passed: well done" in text
    assert '>>> users.append_column(Column("name", String(50)))' in text
    assert state.exercises.solved == {2}


def test_exercise_commands_on_a_slide_without_one() -> None:
    state = started(1)
    for command in ("!hint", "!check", "!solution"):
        repl.handle_line(state, command)
    assert shown(state).count("this slide has no exercise") == 3


def test_copy_without_a_terminal_writes_a_file(state_home: Path) -> None:
    state = started(1)
    repl.handle_line(state, "!copy")
    saved = state_home / "copied" / "exercises-1.py"
    assert saved.read_text().startswith("metadata = MetaData()\nusers = ")
    assert "no clipboard here: slide code saved to" in shown(state)


def test_positions_are_kept_only_when_asked(state_home: Path) -> None:
    state = started(1)
    repl.handle_line(state, "")
    assert progress.stopped_at(DECK) is None  # tests, pipes: not kept
    state.keep_progress = True
    repl.handle_line(state, "!goto 3")
    assert progress.stopped_at(DECK).position == 3  # type: ignore
    stage = progress.presenter()
    assert stage is not None and stage.title == "Your turn: rows"


def test_resume_question(state_home: Path) -> None:
    deck = load(DECK)
    asked: list[str] = []

    def answer(text: str) -> str:
        asked.append(text)
        return reply

    reply = ""
    assert repl.ask_resume(deck, 4, answer) is None and asked == []
    progress.record(DECK, 3, 4)
    assert repl.ask_resume(deck, 4, answer) == 3
    assert asked == ["exercises.py: you reached slide 3 of 4. Resume at "
                     "slide 3 (furthest)? [Y/n] "]
    progress.record(DECK, 1, 4)  # went back to the start: still slide 3
    asked.clear()
    assert repl.ask_resume(deck, 4, answer) == 3
    assert asked == ["exercises.py: you reached slide 3 of 4 (last seen: "
                     "slide 1). Resume at slide 3 (furthest)? [Y/n] "]
    reply = "n"
    assert repl.ask_resume(deck, 4, answer) is None


def test_start_option_decides_whether_to_offer_resume() -> None:
    assert cli.parse_options(["d.py"]).resume is True
    options = cli.parse_options(["d.py", "--start", "3"])
    assert (options.resume, options.start) == (False, 3)


def test_menu_shows_progress(tmp_path: Path) -> None:
    deck = tmp_path / "part1.py"
    deck.write_text('"""Part 1: pools."""\n### slide::\nx = 1\n')
    said: list[str] = []
    choose_deck(tmp_path, lambda _: "q", said.append)
    assert said[1] == "  1. Part 1: pools.  (part1.py)"
    progress.record(deck, 12, 46)  # a file from before exercises
    said.clear()
    choose_deck(tmp_path, lambda _: "q", said.append)
    assert said[1] == "  1. Part 1: pools.  (part1.py)  [slide 12/46]"
    progress.record(deck, 30, 46, exercise_total=5)
    progress.record(deck, 20, 46)  # went back: the furthest is shown
    progress.mark_exercise(deck, "Pools", progress.SOLVED)
    progress.mark_exercise(deck, "Events", progress.TRIED)
    said.clear()
    choose_deck(tmp_path, lambda _: "q", said.append)
    assert said[1] == ("  1. Part 1: pools.  (part1.py)"
                       "  [slide 30/46, exercises solved 1/5]")


def test_toolbar_shows_the_budget_and_the_pace() -> None:
    state = started(1)
    state.started = 100.0
    # the projected toolbar: the clock alone, no target, no ahead/behind
    text = "".join(part for _, part in toolbar(state, now=130.0))
    assert " 00:30 " in text
    assert "10:00" not in text and "on time" not in text
    state.pacing = True  # --pacing
    text = "".join(part for _, part in toolbar(state, now=130.0))
    assert "00:30 / 10:00 on time" in text  # slide 1 of 4: 2:30 each
    repl.handle_line(state, "!goto 4")
    text = "".join(part for _, part in toolbar(state, now=130.0))
    assert "00:30 / 10:00 7m ahead" in text  # slide 4 starts at 7:30


def test_notes_screen() -> None:
    now = time.time()
    stage = progress.Stage(
        progress.Position(DECK, 2, 4, started=now - 200, target=600),
        "Your turn", ("Give them two minutes.",), "Rows")
    text = render(stage, 80, now)
    assert text.splitlines()[0] == (
        "NOTES  exercises.py  slide 2 / 4   03:20 / 10:00  on time")
    assert "  * Give them two minutes." in text
    assert "next: 3. Rows" in text
    assert "waiting for the presenter to open other.py" in render(
        stage, 80, now, Path("/elsewhere/other.py"))
    assert cli.main(["notes", "--once"]) == 1  # nobody presenting


def test_subcommand_help(capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("check", "export", "lint", "notes"):
        assert cli.main([name, "--help"]) == 0
        assert f"usage: sliderepl {name}" in capsys.readouterr().out


def test_headless_and_piped_runs_never_ask(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    progress.record(DECK, 3, 4)
    root = Path(__file__).resolve().parent.parent
    env = dict(os.environ, PYTHONPATH=str(root))
    for args in (["--run-all", str(DECK)], [str(DECK)]):
        done = subprocess.run(
            [sys.executable, "-m", "sliderepl", *args], env=env,
            input="", capture_output=True, text=True, timeout=120,
        )
        assert done.returncode == 0, done.stderr
        assert "Resume at" not in done.stdout + done.stderr
        assert "A table" in done.stdout  # slide 1, not slide 3
    # and a piped session leaves the learner's resume point alone
    assert progress.stopped_at(DECK).position == 3  # type: ignore
