"""The parser and ``--run-all`` on generated decks (hypothesis, seeded).

Every problem is reported as ``FILE:LINE: message``, nothing escapes, and
each slide fails at the line Python's own ``compile()`` / ``exec`` names
for the same text (``fuzz.decks.check``).  The long run:
``python -m fuzz.long_run``.
"""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fuzz import decks


@settings(max_examples=150, derandomize=True, deadline=None,
          database=None)
@given(st.randoms(use_true_random=False))
def test_generated_decks_are_reported_as_python_would(
    rng: random.Random
) -> None:
    text, slides = decks.deck_text(rng)
    assert decks.check(text, slides) is None


@settings(max_examples=200, derandomize=True, deadline=None,
          database=None)
@given(st.lists(st.sampled_from(
    ["### slide::", "### file:: ", "### title:: ", "### * ", "\n", "\r",
     "\r\n", "1/0", "x = (", "\x00", "\f", "\u2028", "\x85", " ", "e",
     "### slide:: e", "'", '"""', "#", "::", "\t", "pass", "if 1:"]),
    max_size=40).map("".join))
def test_any_text_is_reported_not_raised(text: str) -> None:
    assert decks.check(text) is None


def test_the_checker_catches_str_splitlines(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    # the bug of issue 15 case 7, put back: the checker must see it
    import sliderepl.deck.parser as parser

    monkeypatch.setattr(parser, "python_lines", str.splitlines)
    tried, found = decks.fuzz(400, seed=1)
    assert tried == 400 and found, "the checker can't see wrong lines"
    assert any("Python fails at line" in item or "Python runs it" in item
               for item in found)
