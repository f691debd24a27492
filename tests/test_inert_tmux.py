"""Issue 31 in a real terminal (tmux): data never drives the terminal.

The issue's snippet, then a deck whose rows, ORM objects, column name,
repr, exception message and slide title carry CSI (clear the screen),
OSC 0 / 2 (retitle), OSC 8, OSC 52 (clipboard), a C1 CSI and a lone ESC
(``tests/test_inert.py``), stepped through in tmux: the pane's title is
what it was, no clipboard buffer was made, and every line drawn before
is still there.  tmux's ``scroll-on-clear`` is off, so a screen cleared
by data would lose its lines instead of pushing them into the history.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.test_inert import DECK, SHOWN, SHOWN_COLUMN, SHOWN_TITLE
from tests.tmuxterm import Tmux, program_env, sliderepl

SNIPPET = "".join([
    "### slide::\n",
    "from sqlalchemy import create_engine, text\n",
    'e = create_engine("sqlite://")\n',
    "c = e.connect()\n",
    'print("EARLIER-LINE")\n',
    "### slide::\n",
    r'c.execute(text("select :v as v"), {"v": "BEFORE\x1b[2J\x1b[HAFTER',
    r'\x1b]2;PWNED-TITLE\x1b\\\\"}).all()' "\n",
    'print("SNIPPET", "DONE")\n',
])


@pytest.fixture
def term(tmp_path: Path) -> Iterator[Tmux]:
    # tall enough that no slide's output pages with -- more -- (the
    # output pager, issue 27): every value must reach the terminal
    server = Tmux(program_env(tmp_path / "state"), width=120, height=100)
    yield server
    server.close()


def opened(term: Tmux, deck: Path) -> tuple[str, str]:
    """The deck started in a pane; (the pane, its title before)."""
    window = term.start(sliderepl(str(deck)))
    # a clear loses the lines on screen (tmux would keep them in the
    # history otherwise, and the test could not see them go)
    term.tmux("set-option", "-g", "scroll-on-clear", "off")
    term.wait_for(window, "EARLIER-LINE", count=2)  # the code, its output
    return window, title_of(term, window)


def title_of(term: Tmux, window: str) -> str:
    return term.tmux("display-message", "-p", "-t", window,
                     "#{pane_title}").strip()


def untouched(term: Tmux, window: str, title: str) -> str:
    shown = term.screen(window)
    assert title_of(term, window) == title
    assert "PWNED" not in title_of(term, window)
    assert term.tmux("list-buffers") == ""  # no OSC 52 clipboard write
    # nothing above was wiped: slide 1's code and output are still there
    assert shown.count("EARLIER-LINE") == 2, shown
    return shown


def test_the_issues_snippet_is_harmless(term: Tmux, tmp_path: Path) -> None:
    deck = tmp_path / "snippet.py"
    deck.write_text(SNIPPET)
    window, title = opened(term, deck)
    term.key(window, "Enter")
    term.wait_for(window, "SNIPPET DONE")
    shown = untouched(term, window, title)
    assert "BEFORE\\x1b[2J\\x1b[HAFTER\\x1b]2;PWNED-TITLE\\x1b\\" in shown


def test_hostile_values_everywhere_leave_the_terminal_alone(
    term: Tmux, tmp_path: Path
) -> None:
    deck = tmp_path / "hostile.py"
    deck.write_text(DECK, encoding="utf-8")
    window, title = opened(term, deck)
    for number in range(2, 8):
        term.key(window, "Enter")
        term.wait_for(window, f"DONE {number}")
    term.type(window, "raise ValueError('TYPED' + PAYLOADS[0] + PAYLOADS[2])")
    term.wait_for(window, "ValueError: TYPEDCSI")
    shown = untouched(term, window, title)
    for text in SHOWN:
        assert text in shown
    assert SHOWN_COLUMN in shown and SHOWN_TITLE in shown
