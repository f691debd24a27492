"""Presenter and learner tools in a REAL terminal (tmux).

Each test starts its own tmux server (a unique ``-L`` socket), types
with ``send-keys``, polls ``capture-pane`` until the text appears or a
deadline passes, and kills the server in ``finally``.  The state
directory is a temporary folder, so nothing touches the user's.
"""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.tmuxterm import ROOT, Tmux, program_env, sliderepl

EXERCISES = ROOT / "tests" / "decks" / "exercises.py"

pytestmark = pytest.mark.skipif(
    shutil.which("tmux") is None, reason="tmux is not installed"
)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return program_env(tmp_path / "state")


@pytest.fixture
def tmux(env: dict[str, str]) -> Iterator[Tmux]:
    server = Tmux(env)
    try:
        yield server
    finally:
        server.close()



def test_notes_window_follows_the_presenter(tmux: Tmux) -> None:
    notes = tmux.start(sliderepl("notes"))
    tmux.wait_for(notes, "waiting for the presenter")
    deck = tmux.start(sliderepl(str(EXERCISES)))
    tmux.wait_for(deck, "slide 1 / 4")
    # the second terminal shows slide 1's note, the clock and the target
    screen = tmux.wait_for(notes, "Ask who has used Table() before.",
                           history=False)
    assert "slide 1 / 4" in screen and "A table" in screen
    assert "/ 10:00" in screen  # ### target:: 10m
    assert "next: 2. Your turn: add a column" in screen
    tmux.key(deck, "Enter")
    tmux.wait_for(deck, "Your turn: add a column")
    screen = tmux.wait_for(notes, "Give them two minutes.", history=False)
    assert "Ask who has used" not in screen  # redrawn, not appended
    assert "slide 2 / 4" in screen
    # the presenter's answer sheet: the exercise and its solution
    assert 'Exercise: Add a column "name" (String(50)) to users.' in screen
    assert '    users.append_column(Column("name", String(50)))' in screen
    tmux.type(deck, "!goto 4")
    screen = tmux.wait_for(notes, "(no notes for this slide)",
                           history=False)
    assert "next: (end of the deck)" in screen
    # the talk ends: the notes window waits for the next one
    tmux.type(deck, "!quit")
    tmux.wait_for(notes, "waiting for the presenter", history=False)


def test_toolbar_timer_ahead_and_behind(tmux: Tmux, tmp_path: Path) -> None:
    deck = tmp_path / "paced.py"
    slides = "".join(f"### slide::\n### title:: S{n}\nx = {n}\n"
                     for n in range(1, 11))
    # ten slides in ten minutes
    deck.write_text("### target:: 10m\n" + slides)
    window = tmux.start(sliderepl(str(deck), "--pacing"))
    tmux.wait_for(window, "slide 1 / 10")
    tmux.wait_for(window, " / 10:00 on time", history=False)
    # slide 10 is planned at minute 9: we are far ahead
    tmux.type(window, "!goto 10")
    tmux.wait_for(window, "slide 10 / 10")
    tmux.wait_for(window, "9m ahead", history=False)
    # the clock ticks on its own (refreshed every second); a loaded
    # machine may be past any given second already: wait for a change
    shown = re.search(r"(\d\d:\d\d) / 10:00", tmux.screen(window, False))
    assert shown, tmux.screen(window, False)
    deadline = time.monotonic() + 15
    while shown.group(1) in tmux.screen(window, False):
        assert time.monotonic() < deadline, "the clock did not tick"
        time.sleep(0.2)


def test_toolbar_says_behind_when_the_time_is_up(
    tmux: Tmux, tmp_path: Path
) -> None:
    deck = tmp_path / "short.py"
    deck.write_text("### target:: 2s\n### slide::\n### title:: One\nx = 1\n"
                    "### slide::\n### title:: Two\ny = 2\n")
    window = tmux.start(sliderepl(str(deck), "--pacing"))
    tmux.wait_for(window, "slide 1 / 2")
    # slide 1 of 2 should be over after 1s: a few seconds later, behind
    screen = tmux.wait_for(window, "s behind", timeout=15, history=False)
    assert re.search(r"/ 00:02 \d+s behind", screen), screen


def test_resume_where_the_learner_stopped(tmux: Tmux) -> None:
    first = tmux.start(sliderepl(str(EXERCISES)))
    tmux.wait_for(first, "slide 1 / 4")
    tmux.type(first, "!goto 3")
    tmux.wait_for(first, "slide 3 / 4")
    tmux.type(first, "!quit")
    tmux.wait_for(first, "EXITED 0")
    again = tmux.start(sliderepl(str(EXERCISES)))
    tmux.wait_for(again, "you reached slide 3 of 4. Resume at slide 3 "
                  "(furthest)? [Y/n]")
    tmux.key(again, "Enter")
    tmux.wait_for(again, "slide 3 / 4")
    assert "Your turn: rows" in tmux.screen(again)
    # earlier slides ran silently: slide 1's table exists
    tmux.type(again, "print('cols', list(users.c.keys()))")
    tmux.wait_for(again, "cols ['id']")
    tmux.type(again, "!quit")
    # --start overrides: no question
    third = tmux.start(sliderepl(str(EXERCISES), "--start", "2"))
    tmux.wait_for(third, "slide 2 / 4")
    assert "Resume at" not in tmux.screen(third)


def test_exercise_hint_check_solution(tmux: Tmux) -> None:
    window = tmux.start(sliderepl(str(EXERCISES), "--start", "2"))
    tmux.wait_for(window, "Exercise: Add a column")
    tmux.wait_for(window, "!hint (2), !check, !solution")
    tmux.type(window, "!check")
    tmux.wait_for(window, "not yet: the check is false")
    tmux.type(window, "!hint")
    tmux.wait_for(window, "hint 1 of 2: Table.append_column() takes a")
    tmux.type(window, "!hint")
    tmux.wait_for(window, "hint 2 of 2: users.append_column(")
    tmux.type(window, "users.append_column(Column('name', String(50)))")
    tmux.type(window, "!check")
    tmux.wait_for(window, "check passed: well done")
    # after success the solution is shown to compare
    tmux.wait_for(window, "the solution, to compare with yours:")
    tmux.type(window, "!solution")
    tmux.wait_for(window, "a solution (type it, or your own):")
    # the solution shown after the check, then again for !solution; the
    # second one is drawn just after the heading, so wait for it too
    screen = tmux.wait_for(
        window, '>>> users.append_column(Column("name", String(50)))',
        count=2)
    tail = screen[screen.index("a solution (type it, or your own):"):]
    assert '>>> users.append_column(Column("name", String(50)))' in tail


def test_copy_sends_the_code_to_the_terminal_clipboard(
    tmux: Tmux, tmp_path: Path
) -> None:
    window = tmux.start(sliderepl(str(EXERCISES)))
    tmux.wait_for(window, "slide 1 / 4")
    tmux.type(window, "!copy")
    tmux.wait_for(window, "slide code copied with the terminal (OSC 52)")
    saved = tmp_path / "state" / "sliderepl" / "copied" / "exercises-1.py"
    tmux.wait_for(window, "(also saved to")
    code = saved.read_text()
    assert code.startswith("metadata = MetaData()\n")
    # tmux took the OSC 52 sequence into its paste buffer
    deadline = time.monotonic() + 10
    while "metadata = MetaData()" not in tmux.tmux("show-buffer"):
        assert time.monotonic() < deadline, tmux.tmux("list-buffers")
        time.sleep(0.1)
    assert tmux.tmux("show-buffer").rstrip("\n") == code.rstrip("\n")


def test_reload_an_edited_deck_keeps_the_slide(
    tmux: Tmux, tmp_path: Path
) -> None:
    deck = tmp_path / "edited.py"
    deck.write_text("### slide::\n### title:: First\nbase = 10\n"
                    "### slide::\n### title:: Second\nvalue = base + 1\n"
                    "print('value is', value)\n")
    window = tmux.start(sliderepl(str(deck), "--start", "2"))
    tmux.wait_for(window, "value is 11")
    tmux.type(window, "typed_only = 1")
    deck.write_text(deck.read_text().replace("base = 10", "base = 20")
                    .replace("### title:: Second", "### title:: Second v2"))
    tmux.type(window, "!rr")
    tmux.wait_for(window, "Second v2")
    tmux.wait_for(window, "value is 21")
    # the state was rebuilt from the edited deck: no leftovers
    tmux.type(window, "print('leftover', 'typed_only' in dir())")
    tmux.wait_for(window, "leftover False")
    tmux.wait_for(window, "slide 2 / 2", history=False)


def test_a_tall_slide_is_paged(env: dict[str, str], tmp_path: Path) -> None:
    deck = tmp_path / "tall.py"
    code = "\n".join(f"row_{i:02d} = {i}" for i in range(40))
    deck.write_text(f"### slide:: p\n### title:: Tall\n{code}\n"
                    "print('ran all', row_39)\n")
    server = Tmux(env, width=80, height=20)
    try:
        window = server.start(sliderepl(str(deck)))
        screen = server.wait_for(window, "-- more --", history=False)
        assert "row_00 = 0" in screen and "row_39" not in screen
        # the slide's first line was still on screen at the pause
        assert "│ Tall" in screen
        server.key(window, "Enter")
        screen = server.wait_for(window, "row_32 = 32", history=False)
        assert "row_33" not in screen  # a second page, a second pause
        assert screen.rstrip().endswith("-- more -- (Enter: next page, "
                                        "q Enter: all of it)")
        server.type(window, "q")  # the rest at once
        screen = server.wait_for(window, "row_39 = 39", history=False)
        # paused slide: Enter now runs it
        server.key(window, "Enter")
        server.wait_for(window, "ran all 39")
        # nothing was cut: every line is in the scrollback
        full = server.screen(window)
        assert all(f"row_{i:02d} = {i}" in full for i in range(40))
    finally:
        server.close()


def test_menu_round_trip_keeps_progress(tmux: Tmux) -> None:
    # the project's own menu, in a real terminal: choose part 1, try its
    # first exercise, !quit: the menu again, with the progress on its line
    from sliderepl.deck.parser import load

    slides = load(ROOT / "part1.py").slides  # decks grow and split
    total = len(slides)
    first = next(s.number for s in slides if s.exercise is not None)
    exercises = sum(1 for s in slides if s.exercise is not None)
    menu = tmux.start(sliderepl())
    tmux.wait_for(menu, "Open which deck? [1-3, q quits]")
    tmux.type(menu, "1")
    tmux.wait_for(menu, f"slide 1 / {total}")
    tmux.type(menu, f"!goto {first}")
    tmux.wait_for(menu, "Exercise: Count checkouts")
    tmux.type(menu, "!check")
    tmux.wait_for(menu, "not yet: NameError")
    tmux.type(menu, "!quit")
    tmux.wait_for(menu, "back to the menu (your progress is kept)")
    screen = tmux.wait_for(menu,
                           f"[slide {first}/{total}, exercises solved "
                           f"0/{exercises}]")
    assert screen.count("Open which deck?") == 2
    # again: the furthest slide is offered, the exercise is still tried
    tmux.type(menu, "1")
    tmux.wait_for(menu, f"Resume at slide {first} (furthest)? [Y/n]")
    tmux.key(menu, "Enter")
    tmux.wait_for(menu, f"slide {first} / {total}")
    tmux.type(menu, "!exercises")
    tmux.wait_for(menu, f"▶ 1. slide {first}  tried")
    # exit() at >>> leaves the deck as !quit does: back to the menu
    tmux.type(menu, "exit()")
    tmux.wait_for(menu, ">>> exit()\nback to the menu")
    deadline = time.monotonic() + 30
    while tmux.screen(menu).count("Open which deck?") < 3:
        assert time.monotonic() < deadline, tmux.screen(menu)
        time.sleep(0.1)
    tmux.type(menu, "q")
    tmux.wait_for(menu, "EXITED 0")
