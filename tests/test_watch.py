"""``--watch`` without a terminal: the deck re-read before the next line
once its file was saved; a broken save is one line, the old deck kept;
a save made before the watch began still counts."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from sliderepl import cli
from sliderepl.deck.parser import load
from sliderepl.run.options import Options
from sliderepl.screen.console import Screen
from sliderepl.screen.theme import make_console
from sliderepl.ui import repl
from sliderepl.ui.watch import Watch, as_read, stamps

DECK = """\
### slide::
### title:: One
base = 10
### slide::
### file:: chapter.py
### slide::
### title:: Four
print("four", base)
"""
CHAPTER = """\
### slide::
### title:: Two
more = base + 1
### slide::
### title:: Three
print("three sees", more)
"""


@pytest.fixture
def deck(tmp_path: Path) -> Path:
    (tmp_path / "chapter.py").write_text(CHAPTER)
    path = tmp_path / "deck.py"
    path.write_text(DECK)
    return path


def state_at(deck: Path, start: int) -> repl.ReplState:
    console = make_console(file=io.StringIO(), width=120)
    state = repl.make_state(load(deck), Options(deck=deck, watch=True),
                            Screen(console))
    repl.begin(state, start)
    return state


def shown(state: repl.ReplState) -> str:
    return state.screen.console.file.getvalue()  # type: ignore


def lines_then(steps: list[object]) -> Iterator[str]:
    """Feed lines; a callable in the list is called (an edit) first."""
    for step in steps:
        if callable(step):
            step()
        else:
            yield str(step)


def run_lines(state: repl.ReplState, steps: list[object]) -> None:
    feed = lines_then(steps)

    def read(prompt: str) -> str:
        try:
            return next(feed)
        except StopIteration:
            raise EOFError from None

    repl.line_loop(state, read)


def test_a_saved_include_reloads_on_the_same_slide(deck: Path) -> None:
    state = state_at(deck, 3)
    assert "three sees 11" in shown(state)
    chapter = deck.parent / "chapter.py"
    run_lines(state, [
        "leftover = 1",
        lambda: chapter.write_text(CHAPTER.replace("base + 1", "base + 5")),
        "print('state', more, 'leftover' in dir())",
    ])
    text = shown(state)
    assert "reloaded deck.py: back on slide 3 / 4, 2 slides before it " \
           "re-run in " in text
    assert "three sees 15" in text
    assert "state 15 False" in text
    assert state.position == 3


def test_a_broken_save_keeps_the_old_deck(deck: Path) -> None:
    state = state_at(deck, 3)
    old = state.nav.deck
    run_lines(state, [
        "kept = 7",
        lambda: deck.write_text(DECK.replace('print("four", base)',
                                             'print("four", base')),
        "print('kept', kept, more)",
        "!next",
    ])
    text = shown(state)
    said = [line for line in text.splitlines() if "not reloaded" in line]
    assert said == ["deck.py:8: SyntaxError: '(' was never closed: not "
                    "reloaded, the old deck runs on"]
    assert state.nav.deck is old
    assert "kept 7 11" in text  # the namespace was left alone
    assert "four 10" in text  # the old slide 4 still runs


def test_an_unreadable_deck_keeps_the_old_one(deck: Path) -> None:
    state = state_at(deck, 2)
    run_lines(state, [lambda: deck.unlink(), "print('on', more)"])
    text = shown(state)
    assert "deck.py not reloaded (the old deck runs on): can't read it" \
        in text
    assert "on 11" in text


def test_a_save_before_the_watch_began_counts(deck: Path) -> None:
    parsed = load(deck)
    assert as_read(parsed) == stamps(parsed)
    deck.write_text(DECK.replace("base = 10", "base = 30"))
    assert as_read(parsed)[deck] != stamps(parsed)[deck]
    console = make_console(file=io.StringIO(), width=120)
    state = repl.make_state(parsed, Options(deck=deck, watch=True),
                            Screen(console))
    repl.begin(state, 4)
    watch = Watch(state, interval=0.01)
    assert watch.settle()
    assert watch.reload()
    assert "four 30" in shown(state)
    assert not watch.settle()  # nothing more to do


def test_without_watch_nothing_reloads(deck: Path) -> None:
    console = make_console(file=io.StringIO(), width=120)
    state = repl.make_state(load(deck), Options(deck=deck),
                            Screen(console))
    repl.begin(state, 1)
    run_lines(state, [lambda: deck.write_text(DECK.replace("10", "40")),
                      "print('base', base)"])
    assert "base 10" in shown(state) and "reloaded" not in shown(state)


def test_watch_is_for_the_repl(capsys: pytest.CaptureFixture[str],
                               deck: Path) -> None:
    assert cli.parse_options(["--watch", str(deck)]).watch
    assert not cli.parse_options([str(deck)]).watch
    assert cli.main(["--run-all", "--watch", str(deck)]) == 2
    assert "--watch is for the REPL" in capsys.readouterr().err
