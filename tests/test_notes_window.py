"""The notes window's screen (``sliderepl notes``) for a fixture deck:
note paragraphs, the pacing, and the preview of the next slide, from
what the presenter's REPL publishes (``progress.on_slide``)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from sliderepl import cli
from sliderepl.deck import preview
from sliderepl.deck.parser import load
from sliderepl.teach import progress
from sliderepl.tools.notes import render

DECK = Path(__file__).parent / "decks" / "speaker.py"


@pytest.fixture(autouse=True)
def state_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


def screen_at(position: int, width: int = 80, minutes: float = 1) -> str:
    deck = load(DECK)
    now = time.time()
    progress.on_slide(deck, position, now - minutes * 60)
    return render(progress.presenter(), width, now)


def test_wrapped_notes_are_one_paragraph_each() -> None:
    lines = screen_at(1).splitlines()
    assert lines[2] == "Counting"
    body = lines[4:7]
    assert body == [
        "  * Start slowly: this sentence is wrapped over two note lines "
        "and reads as",
        "    one.",
        "  * Point at the 3 in the output.",
    ]
    # star lines: one point each, the continuation joined to its point
    text = screen_at(2)
    assert "  * first point\n  * second point, which goes on over a " \
           "second line\n" in text


def test_the_next_slide_is_previewed() -> None:
    text = screen_at(1)
    preview_lines = text[text.index("next: 2."):].splitlines()
    assert preview_lines == [
        "next: 2. A bigger step",  # markup dropped
        "    Each number doubled, in a loop that takes a while to read "
        "aloud, so the",
        "    preview cuts it. ...",  # two intro lines at most
        "    >>> doubled = []",
        "    >>> for number in counted:",
        "    ...     doubled.append(number * 2)",
        '    >>> print("doubled", doubled)',
        "    ... (+2 more lines)",
    ]
    # a slide without intro is previewed by its bullets
    assert "next: 3. Wrap-up\n    * the total was 12\n    * lists are " \
           "cheap\n    >>> print(\"end\", total)\n" in screen_at(2)
    assert screen_at(3).rstrip().endswith("next: (end of the deck)")


def test_narrow_window_cuts_long_lines() -> None:
    text = screen_at(1, width=40)
    tail = text[text.index("next: 2."):].splitlines()[1:]
    assert all(len(line) <= 40 for line in tail), tail
    assert tail[2] == "    >>> doubled = []"


def test_pacing_is_in_the_notes_window() -> None:
    # 3 slides in 6 minutes: slide 1 should end at 2:00
    header = screen_at(1, minutes=5).splitlines()[0]
    assert header == "NOTES  speaker.py  slide 1 / 3   05:00 / 06:00  " \
                     "3m behind"
    header = screen_at(3, minutes=1).splitlines()[0]
    assert header.endswith("01:00 / 06:00  3m ahead")


def test_once_prints_the_screen(capsys: pytest.CaptureFixture[str]) -> None:
    progress.on_slide(load(DECK), 2, time.time())
    assert cli.main(["notes", "--once", str(DECK)]) == 0
    out = capsys.readouterr().out
    assert "slide 2 / 3" in out and "  * first point" in out
    assert "next: 3. Wrap-up" in out


def test_preview_parts_of_a_slide() -> None:
    deck = load(DECK)
    second = deck.slides[1]
    assert preview.intro(second) == (
        "Each number doubled, in a loop that takes a while to read aloud,"
        " so the preview cuts it.",
        "A second paragraph the preview never reaches.",
    )
    assert preview.code(second)[:3] == (
        ">>> doubled = []", ">>> for number in counted:",
        "...     doubled.append(number * 2)")
