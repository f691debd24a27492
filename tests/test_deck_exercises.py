"""Every exercise in every deck of the tutorial (issue 16): its check fails
on the namespace the learner finds (the deck run headless up to the
exercise, nothing typed) and passes once its solution has run.  A check
that passes untouched would say "well done" to a learner who did nothing;
one that fails after the solution can never be met."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from sliderepl.ui.menu import find_decks
from tests.deckrun import ROOT

DECKS = [path for path, _ in find_decks(ROOT)]


def judged(deck: str) -> list[dict[str, object]]:
    env = {k: v for k, v in os.environ.items() if k != "TUTORIAL_DB"}
    done = subprocess.run(
        [sys.executable, "-W", "error", "-m", "tests.exercise_verdicts",
         deck], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return [json.loads(line) for line in done.stdout.splitlines()]


def test_the_tutorial_has_its_decks() -> None:
    assert [p.name for p in DECKS] == ["part1.py", "part2.py", "part3.py"]


@pytest.mark.parametrize("deck", [p.name for p in DECKS])
def test_each_check_fails_untouched_and_passes_solved(deck: str) -> None:
    verdicts = judged(deck)
    assert len(verdicts) >= 4, f"{deck}: {len(verdicts)} exercises"
    for verdict in verdicts:
        where = f"{deck}:{verdict['line']} {verdict['title']}"
        assert verdict["untouched"] is False, (
            f"{where}: the check passes before the learner did anything")
        assert verdict["solved"] is True, (
            f"{where}: the solution fails the check: {verdict['problem']}")


def test_fifteen_exercises_in_all() -> None:
    from sliderepl.deck.parser import load

    counts = {p.name: sum(1 for s in load(p).slides if s.exercise)
              for p in DECKS}
    assert sum(counts.values()) >= 15 and min(counts.values()) >= 4, counts


def test_a_check_that_passes_untouched_is_caught(tmp_path: object) -> None:
    from pathlib import Path

    from tests.exercise_verdicts import verdicts

    deck = Path(str(tmp_path)) / "deck.py"
    deck.write_text("### slide::\n### title:: Lax\nx = 1\n"
                    "### exercise:: make y\n### check:: x == 1\n"
                    "### solution:: y = 2\n"
                    "### slide::\n### title:: Strict\nz = 0\n"
                    "### exercise:: make w\n### check:: w == 3\n"
                    "### solution:: w = 4\n")
    lax, strict = verdicts(deck)
    assert lax["untouched"] is True and lax["solved"] is True
    assert strict["untouched"] is False and strict["solved"] is False
    assert "the check is false: w == 3" in str(strict["problem"])
