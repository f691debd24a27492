"""What the HTML handout costs next to a plain headless run.

For each deck (default: the three parts), in fresh processes as a user
runs them (best of several rounds):

* ``run-all``: ``python -m sliderepl --run-all DECK`` (the floor: the
  deck runs, nothing is written);
* ``export md`` / ``export html``: ``python -m sliderepl export DECK
  --to md|html -o FILE`` (the same run, recorded, then rendered);

and in this process, from one recorded run: ``render``, the time
``to_html`` alone takes (highlighting, stylesheet), and the page's size
in bytes (its stylesheet and script, once, included).  A command that
fails (exit status other than 0) stops the benchmark with its output.

Run: python benchmarks/handout_html.py [--rounds R] [DECK ...]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sliderepl.deck.reader import read_deck  # noqa: E402
from sliderepl.tools.export import to_markdown  # noqa: E402
from sliderepl.tools.handout import record  # noqa: E402
from sliderepl.tools.handout_html import to_html  # noqa: E402


def wall(rounds: int, *args: str) -> float:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("TUTORIAL_DB", None)
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "sliderepl", *args], cwd=ROOT, env=env,
            stdin=subprocess.DEVNULL, capture_output=True, text=True,
            check=False, timeout=600)
        times.append(time.perf_counter() - start)
        if done.returncode:
            raise SystemExit(f"sliderepl {' '.join(args)}: exit status "
                             f"{done.returncode}\n{done.stdout[-2000:]}"
                             f"{done.stderr[-2000:]}")
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("decks", nargs="*",
                        default=["part1.py", "part2.py", "part3.py"])
    args = parser.parse_args()
    out = Path(tempfile.mkdtemp(prefix="handout-bench-"))
    print(f"{'deck':10} {'run-all':>8} {'md':>8} {'html':>8} "
          f"{'html/run':>8} {'render':>8} {'bytes':>9}")
    for name in args.decks:
        floor = wall(args.rounds, "--run-all", name)
        md = wall(args.rounds, "export", name, "--to", "md", "-o",
                  str(out / "h.md"))
        html = wall(args.rounds, "export", name, "--to", "html", "-o",
                    str(out / "h.html"))
        deck = read_deck(ROOT / name, "benchmark")
        assert deck is not None
        slides = record(deck)
        to_markdown(deck, slides)
        renders = []
        for _ in range(args.rounds):
            start = time.perf_counter()
            page = to_html(deck, slides)
            renders.append(time.perf_counter() - start)
        print(f"{name:10} {floor:7.2f}s {md:7.2f}s {html:7.2f}s "
              f"{html / floor:7.2f}x {min(renders) * 1000:6.0f}ms "
              f"{len(page.encode()):9,}")


if __name__ == "__main__":
    main()
