"""The speaker's tools in a REAL terminal (tmux): the notes window's
paragraphs and next-slide preview, and ``--watch`` reloading an edited
deck.  Each test has its own tmux server and state folder."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.tmuxterm import ROOT, Tmux, program_env, sliderepl

SPEAKER = ROOT / "tests" / "decks" / "speaker.py"

pytestmark = pytest.mark.skipif(
    shutil.which("tmux") is None, reason="tmux is not installed"
)


@pytest.fixture
def tmux(tmp_path: Path) -> Iterator[Tmux]:
    server = Tmux(program_env(tmp_path / "state"), width=80, height=24)
    try:
        yield server
    finally:
        server.close()


def test_notes_window_previews_the_next_slide(tmux: Tmux) -> None:
    deck = tmux.start(sliderepl(str(SPEAKER)))
    notes = tmux.start(sliderepl("notes"))
    tmux.wait_for(deck, "length 3")
    screen = tmux.wait_for(notes, "next: 2. A bigger step", history=False)
    # one wrapped paragraph, not a bullet per source line
    assert ("  * Start slowly: this sentence is wrapped over two note "
            "lines and reads as\n    one.\n") in screen
    assert "    Each number doubled, in a loop" in screen
    assert "    >>> for number in counted:" in screen
    assert "    ... (+2 more lines)" in screen
    assert "slide 1 / 3" in screen and "/ 06:00" in screen
    tmux.key(deck, "Enter")
    tmux.wait_for(deck, "total 12")
    screen = tmux.wait_for(notes, "next: 3. Wrap-up", history=False)
    assert "Start slowly" not in screen
    assert "    * the total was 12" in screen
    assert '    >>> print("end", total)' in screen
    tmux.type(deck, "!goto 3")
    tmux.wait_for(notes, "next: (end of the deck)", history=False)
