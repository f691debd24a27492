"""Output taller than the screen pages with ``-- more --`` (issue 27),
and in presentation mode each page starts with the slide's header and
code again, in a real terminal (tmux; every step waits for its text)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.tmuxterm import Tmux, program_env, sliderepl

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None,
                                reason="needs tmux")

DECK = """\
### slide::
### title:: Many rows
for i in range(60):
    print(f"row {i:02d}")
### slide::
### title:: After
print("second slide")
"""


@pytest.fixture
def term(tmp_path: Path) -> Iterator[Tmux]:
    server = Tmux(program_env(tmp_path / "state"), width=80, height=20)
    yield server
    server.close()


@pytest.fixture
def deck(tmp_path: Path) -> Path:
    path = tmp_path / "rows.py"
    path.write_text(DECK)
    return path


def test_presentation_keeps_title_and_code_atop_each_page(
    term: Tmux, deck: Path
) -> None:
    window = term.start(sliderepl(str(deck), "--presentation"))
    screen = term.wait_for(window, "-- more --", history=False)
    # page 1: header (3 lines), code (2), rows 00..12 (18 lines a page)
    assert "│ Many rows" in screen and ">>> for i in range(60):" in screen
    assert "row 12" in screen and "row 13" not in screen
    term.key(window, "PageDown")
    screen = term.wait_for(window, "row 25", history=False)
    # a fresh page: the title and the code again, then the next rows
    assert "│ Many rows" in screen and ">>> for i in range(60):" in screen
    assert "row 12" not in screen and "row 13" in screen
    assert "row 26" not in screen
    assert screen.rstrip().endswith("q Enter: all of it)")
    term.key(window, "Enter")
    screen = term.wait_for(window, "row 38", history=False)
    assert "│ Many rows" in screen and "row 25" not in screen
    term.type(window, "q")  # the rest at once
    term.wait_for(window, "row 59", history=False)
    term.wait_for(window, ">>>", history=False)
    # the slide ran: typed output scrolls, no more pausing
    term.type(window,
              "print('\\n'.join(f'typed {j}' for j in range(40)))")
    screen = term.wait_for(window, "typed 39", history=False)
    assert "-- more --" not in screen
    term.key(window, "Enter")  # the next slide, on a clean screen
    term.wait_for(window, "second slide", history=False)


def test_without_presentation_output_pages_as_it_scrolls(
    term: Tmux, deck: Path
) -> None:
    window = term.start(sliderepl(str(deck)))
    screen = term.wait_for(window, "-- more --", history=False)
    assert "│ Many rows" in screen and "row 12" in screen
    assert "row 13" not in screen
    term.key(window, "Enter")
    screen = term.wait_for(window, "row 30", history=False)
    # no redraw: the rows scrolled on, 18 more of them
    assert "row 31" not in screen and ">>> for i" not in screen
    term.type(window, "q")
    term.wait_for(window, "row 59", history=False)
