"""What ``--watch`` costs when a deck is saved, and what the polling costs.

For each deck and slide asked for: the median (of ``--runs`` saves) of
the rebuild that a save at that slide triggers (re-read, setup slides
and every earlier slide re-run silently: the figure the reload line
prints) and of the whole reload (the current slide shown and run too),
next to the first start at that slide (imports and setup included), for
scale.  Then the cost of one poll (``os.stat`` of the
deck's files), which the prompt does four times a second.  SQLite only
(TUTORIAL_DB unset), this machine, no terminal.

Run: python benchmarks/watch_reload.py [--runs N] [DECK:SLIDE ...]
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.chdir(ROOT)
os.environ.pop("TUTORIAL_DB", None)

from sliderepl.deck.parser import load  # noqa: E402
from sliderepl.run.options import Options  # noqa: E402
from sliderepl.screen.console import Screen  # noqa: E402
from sliderepl.screen.theme import make_console  # noqa: E402
from sliderepl.ui import repl  # noqa: E402
from sliderepl.ui.watch import Watch, stamps  # noqa: E402


class Clock:
    """perf_counter, remembering the rebuild the reload timed."""

    def __init__(self) -> None:
        self.marks: list[float] = []

    def __call__(self) -> float:
        now = time.perf_counter()
        self.marks.append(now)
        return now


def measure(deck_path: Path, slide: int, runs: int) -> None:
    console = make_console(file=io.StringIO(), width=100)
    state = repl.make_state(load(deck_path),
                            Options(deck=deck_path, watch=True),
                            Screen(console))
    started = time.perf_counter()
    repl.begin(state, slide)
    first = time.perf_counter() - started
    rebuilds, totals = [], []
    for _ in range(runs):
        clock = Clock()
        watch = Watch(state, clock=clock)
        os.utime(deck_path)  # a save with the same text
        watch.known = {}  # as if the poll had seen it
        began = time.perf_counter()
        assert watch.reload(), console.file.getvalue()[-500:]
        totals.append(time.perf_counter() - began)
        rebuilds.append(clock.marks[1] - clock.marks[0])
    assert f"back on slide {slide} /" in console.file.getvalue()
    print(f"{deck_path.name} slide {slide}/{state.total}: rebuild "
          f"{statistics.median(rebuilds):.2f}s, whole reload "
          f"{statistics.median(totals):.2f}s (first start to that slide "
          f"{first:.2f}s)")
    deck = state.nav.deck
    polls = 1000
    began = time.perf_counter()
    for _ in range(polls):
        stamps(deck)
    each = (time.perf_counter() - began) / polls
    print(f"  one poll of {len(deck.sources)} file(s): {each * 1e6:.0f} us "
          f"(4 a second: {each * 4 * 100:.4f}% of one core)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("where", nargs="*",
                        default=["part1.py:30", "part1.py:59"])
    args = parser.parse_args()
    for where in args.where:
        name, _, slide = where.partition(":")
        measure(ROOT / name, int(slide or 1), args.runs)


if __name__ == "__main__":
    main()
