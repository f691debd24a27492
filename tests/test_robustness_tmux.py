"""Issue 15, the interactive cases, in a real terminal (tmux).

exit() / quit() / SystemExit at ``>>>`` leave like ``!quit`` (progress
kept, status 0); Ctrl-C at ``-- more --`` any number of times never ends
the REPL; PageDown / PageUp work there; a start-of-paste without its end
never makes the prompt deaf; a history path that is a folder is reported
and the REPL goes on.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from sliderepl.ui.history import history_path
from tests.tmuxterm import Tmux, program_env, sliderepl

TALL = "### slide:: Tall\n" + "".join(
    f"### * bullet {n:02d}\n" for n in range(1, 61)) + "x = 1\n"
DECK = "### slide:: One\none = 1\n### slide:: Two\ntwo = 2\n" + TALL


@pytest.fixture
def deck(tmp_path: Path) -> Path:
    path = tmp_path / "deck.py"
    path.write_text(DECK)
    return path


@pytest.fixture
def term(tmp_path: Path) -> Iterator[Tmux]:
    server = Tmux(program_env(tmp_path / "state"), width=80, height=24)
    yield server
    server.close()


def alive(term: Tmux, window: str, a: int = 123457, b: int = 7) -> None:
    """The REPL acts on input: a product appears."""
    term.type(window, f"{a}*{b}")
    term.wait_for(window, str(a * b), 20)


@pytest.mark.parametrize("typed", ["exit()", "quit()", "raise SystemExit",
                                   "raise SystemExit(9)"])
def test_exit_at_the_prompt_leaves_like_quit(
    term: Tmux, deck: Path, tmp_path: Path, typed: str
) -> None:
    window = term.start(sliderepl(str(deck), "--start", "2"))
    term.wait_for(window, ">>>")
    alive(term, window)
    term.type(window, typed)
    shown = term.wait_for(window, "EXITED", 20)
    assert "EXITED 0" in shown
    assert "closed file" not in shown and "prompt error" not in shown
    saved = json.loads(
        (tmp_path / "state" / "sliderepl" / "progress.json").read_text())
    assert saved[str(deck.resolve())]["position"] == 2


def test_exit_inside_a_function_call_at_the_prompt(
    term: Tmux, deck: Path
) -> None:
    window = term.start(sliderepl(str(deck), "--start", "1"))
    term.wait_for(window, ">>>")
    term.type(window, "import sys; sys.stdin.close(); print('still', 42)")
    term.wait_for(window, "still 42")
    alive(term, window)
    term.type(window, "sys.exit()")
    assert "EXITED 0" in term.wait_for(window, "EXITED", 20)


def at_more(term: Tmux, window: str) -> None:
    term.wait_for(window, ">>>")
    term.type(window, "!goto 3")
    term.wait_for(window, "-- more --", 20, history=False)


def test_ctrl_c_at_more_never_ends_the_repl(term: Tmux, deck: Path) -> None:
    window = term.start(sliderepl(str(deck), "--start", "1"))
    at_more(term, window)
    for _ in range(5):
        term.key(window, "C-c")
    alive(term, window)
    term.type(window, "!goto 3")
    term.wait_for(window, "-- more --", 20, history=False)
    term.key(window, "C-c", "C-c", "C-c")
    alive(term, window, 54321, 3)
    assert "EXITED" not in term.screen(window)


def test_page_down_and_up_at_more(term: Tmux, deck: Path) -> None:
    window = term.start(sliderepl(str(deck), "--start", "1"))
    at_more(term, window)
    first = term.screen(window, history=False)
    assert "bullet 01" in first and "bullet 40" not in first
    term.key(window, "PageDown")  # the next page
    shown = term.wait_for(window, "bullet 30", 10, history=False)
    assert "^[[6~" not in shown and "-- more --" in shown
    term.key(window, "PageUp")  # the rest at once
    shown = term.wait_for(window, "bullet 60", 10, history=False)
    assert "^[[5~" not in shown
    alive(term, window)
    # Enter and q Enter still answer as the prompt says
    term.type(window, "!goto 3")
    term.wait_for(window, "-- more --", 20, history=False)
    term.type(window, "q")
    term.wait_for(window, "bullet 60", 10, history=False)
    alive(term, window, 99991, 11)


@pytest.mark.parametrize("then", ["C-c", "C-d", "wait"])
def test_a_stray_start_of_paste_never_makes_the_prompt_deaf(
    term: Tmux, deck: Path, then: str
) -> None:
    window = term.start(sliderepl(str(deck), "--start", "1"))
    term.wait_for(window, ">>>")
    alive(term, window, 3, 5)  # the line editor has the terminal
    term.key(window, "-l", "\x1b[200~")
    if then == "wait":
        import time

        time.sleep(1.5)  # paste_guard.TIMEOUT is 1 s
        alive(term, window)
        return
    term.key(window, then)
    if then == "C-d":  # on an empty line: leave the deck, as asked
        assert "EXITED 0" in term.wait_for(window, "EXITED", 20)
        return
    alive(term, window)


def test_unfinished_paste_keeps_its_text(term: Tmux, deck: Path) -> None:
    window = term.start(sliderepl(str(deck), "--start", "1"))
    term.wait_for(window, ">>>")
    alive(term, window, 3, 5)  # the line editor has the terminal
    term.key(window, "-l", "\x1b[200~pasted = 6")
    import time

    time.sleep(1.5)
    term.type(window, "")  # Enter runs what the paste brought
    term.type(window, "print(pasted * 7)")
    term.wait_for(window, "42", 20)


def test_history_path_a_folder_is_reported(
    term: Tmux, deck: Path, tmp_path: Path
) -> None:
    folder = history_path(deck, {"XDG_STATE_HOME": str(tmp_path / "state")})
    folder.mkdir(parents=True)
    window = term.start(sliderepl(str(deck), "--start", "1"))
    shown = term.wait_for(window, "history not kept")
    assert "is a folder" in shown
    alive(term, window)
    shown = term.screen(window)
    assert "Unhandled exception" not in shown
    assert "Press ENTER" not in shown


def test_ctrl_c_while_the_prompt_starts_does_not_end_the_deck(
    term: Tmux, deck: Path
) -> None:
    window = term.start(sliderepl(str(deck), "--start", "1"))
    term.wait_for(window, "1 / 3")  # the slide is drawn, the prompt starts
    term.key(window, "C-c")
    alive(term, window)
    assert "EXITED" not in term.screen(window)


def test_ctrl_s_while_a_slide_prints_does_not_freeze_the_screen(
    term: Tmux, deck: Path
) -> None:
    """Ctrl-S is XOFF in a terminal's usual mode: output would stop until
    Ctrl-Q.  Found by the long fuzz run (a "hang" after ^S)."""
    window = term.start(sliderepl(str(deck), "--start", "1"))
    term.wait_for(window, ">>>")
    term.type(window, "import time")
    term.type(window, "_ = [print('tick', i) or time.sleep(0.05) "
                      "for i in range(40)]")
    term.wait_for(window, "tick 3", 20)
    term.key(window, "C-s")
    term.wait_for(window, "tick 39", 20)
    # the ^S reached the line editor (its reverse search): Ctrl-C leaves it
    term.key(window, "C-c")
    alive(term, window)
    term.type(window, "!q")
    term.wait_for(window, "EXITED 0", 20)


def test_ctrl_c_as_the_prompt_restarts_never_leaves_it_deaf(
    term: Tmux, deck: Path
) -> None:
    """Ctrl-C (the key) ends a prompt; a second press while the next one
    starts is a SIGINT (the terminal is in its usual mode for a moment).
    It used to land inside prompt_toolkit / asyncio and leave a prompt
    that read no key again (found by the long fuzz run: ^C ^R ^C).  Now
    the press is dropped there; at most one more Ctrl-C (out of the
    reverse search the ^R began) and the REPL answers."""
    window = term.start(sliderepl(str(deck), "--start", "1"))
    term.wait_for(window, ">>>")
    for n in range(5):
        term.tmux("send-keys", "-t", window, "-l", "\x03\x12")
        term.key(window, "C-c")
        term.type(window, "6*7")
        term.key(window, "C-c")
        alive(term, window, 123400 + n, 7)
    assert "EXITED" not in term.screen(window)
