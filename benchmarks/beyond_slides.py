"""What the tools beyond the slides cost, next to a plain headless run.

For each deck (default: the project's, part*.py): the median wall
time (of ``--runs`` runs, in a fresh process each, as a user or CI runs
them) of ``sliderepl --run-all`` (the floor), ``sliderepl check`` (run +
normalise + compare), ``sliderepl export --to html`` (run + highlight
every block) and ``sliderepl lint`` (no run: parse and measure every
slide), with each one's ratio to the floor.  A tool that fails (exit
status other than 0) stops the benchmark with its output: its time
would measure nothing.

Run: python benchmarks/beyond_slides.py [--runs N] [DECK ...]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def timed(args: list[str]) -> float:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("TUTORIAL_DB", None)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "sliderepl", *args],
                          cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, check=False,
                          timeout=600)
    elapsed = time.perf_counter() - start
    # lint's exit 1 means "warnings found": a run that did its job
    allowed = (0, 1) if args[0] == "lint" else (0,)
    if done.returncode not in allowed:
        raise SystemExit(f"sliderepl {' '.join(args)}: exit status "
                         f"{done.returncode}\n{done.stdout[-2000:]}"
                         f"{done.stderr[-2000:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("decks", nargs="*", type=Path)
    args = parser.parse_args()
    runs = args.runs
    out = Path(tempfile.mkdtemp()) / "handout.html"
    print(f"{'deck':<10}{'tool':<14}{'median s':>10}{'x run-all':>11}")
    for deck in args.decks or sorted(ROOT.glob("part*.py")):
        where = str(deck.resolve())
        commands = {
            "run-all": ["--run-all", where],
            "check": ["check", where],
            "export html": ["export", where, "--to", "html", "-o",
                            str(out)],
            "lint": ["lint", where, "--width", "100", "--height", "40"],
        }
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(runs):
            # interleaved: a busy machine slows every tool alike
            for name, args in commands.items():
                times[name].append(timed(args))
        floor = statistics.median(times["run-all"])
        for name in commands:
            value = statistics.median(times[name])
            print(f"{deck.name:<10}{name:<14}{value:>10.2f}"
                  f"{value / floor:>10.2f}x")


if __name__ == "__main__":
    main()
