"""The bottom toolbar: it fits the width, keeps ``N / M``, the title and
``? help``, drops the least important parts first, and shows pacing only
with ``--pacing`` (never to a learner who resumed).  Plain functions
first, then a real terminal (tmux) at 80x24 and 100x30."""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from sliderepl.cli import parse_options
from sliderepl.deck.parser import load
from sliderepl.run.options import Options
from sliderepl.screen.console import Screen
from sliderepl.screen.theme import make_console
from sliderepl.ui import repl
from sliderepl.ui.toolbar import toolbar_text
from tests.tmuxterm import ROOT, Tmux, program_env, sliderepl

EXERCISES = ROOT / "tests" / "decks" / "exercises.py"
TOUR = ROOT / "tests" / "decks" / "ui_tour.py"


@pytest.fixture(autouse=True)
def _fast_tour(state_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UI_TOUR_SLOW_SECONDS", "0")


def started(deck: Path, **options: object) -> repl.ReplState:
    console = make_console(file=io.StringIO(), width=100)
    opts = Options(deck=deck, **options)  # type: ignore[arg-type]
    state = repl.make_state(load(deck), opts, Screen(console))
    repl.begin(state, opts.start)
    return state


def test_wide_toolbar_has_every_part() -> None:
    state = started(EXERCISES)
    text = toolbar_text(state, state.started + 75.5, width=120)
    assert text.startswith(" exercises.py  slide 1 / 4 A table ")
    assert " SQL on " in text and " 01:15 " in text
    assert " Enter: next slide " in text
    assert text.endswith(" ? help ")


@pytest.mark.parametrize("width", [80, 60, 40, 30])
def test_toolbar_fits_and_keeps_help_and_position(width: int) -> None:
    state = started(TOUR)
    text = toolbar_text(state, state.started + 5, width=width)
    assert len(text) <= width, text
    assert text.endswith(" ? help ")
    assert "1 / 8" in text or " 1/8 " in text


def test_least_important_parts_go_first() -> None:
    state = started(TOUR)
    moment = state.started + 5
    at = {w: toolbar_text(state, moment, width=w) for w in (80, 60, 40)}
    assert "ui_tour.py" not in at[80]  # the deck's name goes first
    assert "Enter: next slide" in at[80]
    assert "00:05" in at[60] and "Enter:" not in at[60]
    assert "00:05" not in at[40] and "SQL" not in at[40]
    title = "Welcome to the tour"  # its markup (**tour**) is dropped
    assert title in at[80] and title in at[40]
    # narrower still: the title is cut short, ending in an ellipsis
    at30 = toolbar_text(state, moment, width=30)
    assert title not in at30 and "Welcome to the…" in at30


def test_a_long_title_is_cut_to_fit() -> None:
    state = started(TOUR)
    assert state.slide is not None
    state.slide.title = "A very long title " * 8
    text = toolbar_text(state, state.started, width=80)
    assert len(text) == 80 and "…" in text
    assert text.endswith(" ? help ")


def test_pacing_only_when_asked() -> None:
    plain = started(EXERCISES)
    text = toolbar_text(plain, plain.started + 30, width=120)
    assert "on time" not in text and "/ 10:00" not in text
    paced = started(EXERCISES, pacing=True)
    text = toolbar_text(paced, paced.started + 30, width=120)
    assert "00:30 / 10:00 on time" in text


def test_no_pacing_for_a_learner_starting_part_way() -> None:
    options = parse_options([str(EXERCISES), "--pacing", "--start", "3"])
    assert options.pacing is True
    state = repl.make_state(load(EXERCISES), options,
                            Screen(make_console(file=io.StringIO())))
    assert state.pacing is False
    assert parse_options([str(EXERCISES)]).pacing is False


# -- a real terminal -------------------------------------------------------

needs_tmux = pytest.mark.skipif(
    shutil.which("tmux") is None, reason="tmux is not installed"
)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return program_env(tmp_path / "state")


@pytest.fixture
def small(env: dict[str, str]) -> Iterator[Tmux]:
    server = Tmux(env, width=80, height=24)
    try:
        yield server
    finally:
        server.close()


def _bottom(screen: str) -> str:
    return [line for line in screen.rstrip("\n").split("\n")][-1]


@needs_tmux
def test_toolbar_at_80_columns_in_a_terminal(small: Tmux) -> None:
    window = small.start(sliderepl(str(TOUR)))
    screen = small.wait_for(window, "slide 1 / 8", history=False)
    bar = _bottom(screen)
    assert "? help" in bar, screen
    assert "Enter: next slide" in bar
    assert len(bar.rstrip()) <= 80


@needs_tmux
def test_title_stays_on_screen_after_long_output(
    env: dict[str, str], tmp_path: Path
) -> None:
    deck = tmp_path / "long.py"
    deck.write_text(
        "### slide::\n### title:: Warm up\nx = 1\n"
        "### slide::\n### title:: Forty rows of SQL\n"
        "from sqlalchemy import create_engine, text\n"
        "e = create_engine('sqlite://')\n"
        "with e.connect() as c:\n"
        "    for n in range(40):\n"
        "        c.execute(text(f'select {n}'))\n"
    )
    server = Tmux(env, width=100, height=30)
    try:
        window = server.start(sliderepl(str(deck)))
        server.wait_for(window, "slide 1 / 2", history=False)
        server.type(window, "")
        # the output pages (issue 27); q shows the rest at once
        server.wait_for(window, "-- more --", history=False)
        server.type(window, "q")
        screen = server.wait_for(window, "select 39", history=False)
        screen = server.wait_for(window, "slide 2 / 2", history=False)
        # the slide's box scrolled off; the toolbar still names it
        assert "╭" not in screen
        assert "slide 2 / 2 Forty rows of SQL" in _bottom(screen)
    finally:
        server.close()


@needs_tmux
def test_a_resumed_learner_sees_no_pacing(small: Tmux) -> None:
    first = small.start(sliderepl(str(EXERCISES), "--pacing"))
    small.wait_for(first, "on time", history=False)
    small.type(first, "!goto 3")
    small.wait_for(first, "slide 3 / 4")
    small.type(first, "!quit")
    small.wait_for(first, "EXITED 0")
    again = small.start(sliderepl(str(EXERCISES), "--pacing"))
    small.wait_for(again, "[Y/n]")
    small.type(again, "")
    screen = small.wait_for(again, "slide 3 / 4", history=False)
    bar = _bottom(screen)
    assert "/ 10:00" not in bar and "ahead" not in bar, bar
    assert "on time" not in bar and "behind" not in bar
