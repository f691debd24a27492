"""The long fuzz run: many random REPL steps per deck, then the parser.

Prints, per deck, steps, deaths, hangs, runner tracebacks and the times
data drove the terminal (every 100 steps, then a total), each finding
with its seed, step and action; then the parser/``--run-all`` fuzz:
examples tried and uncaught exceptions (or raw control characters).
Exit status 1 if anything was found.

Run: python -m fuzz.long_run [--steps 10000] [--sessions 1] [--seed 1]
[--decks part1.py part2.py part3.py] [--minutes M] [--parser-examples 20000]

``--sessions K`` splits each deck's steps over K terminals at once, each
with its own seed and state folder; the deck's total is their sum.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path

from fuzz import decks, session

DECKS = ["part1.py", "part2.py", "part3.py"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=10_000)
    parser.add_argument("--sessions", type=int, default=1,
                        help="terminals per deck, run at once")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--decks", nargs="*", default=DECKS)
    parser.add_argument("--minutes", type=float, default=None,
                        help="stop each deck after this long (partial "
                        "figures are still printed)")
    parser.add_argument("--parser-examples", type=int, default=20_000)
    args = parser.parse_args(argv)
    lock = threading.Lock()

    def log(text: str) -> None:
        with lock:
            print(text, flush=True)

    reports: list[session.Report] = []
    deadline = (time.monotonic() + args.minutes * 60
                if args.minutes else None)

    share = -(-args.steps // args.sessions)

    def one(seed: int, deck: str) -> None:
        with tempfile.TemporaryDirectory() as state:
            reports.append(session.run(
                deck, share, seed, Path(state), log, deadline=deadline))

    seeds = [(args.seed + 100 * d + k, deck)
             for d, deck in enumerate(args.decks)
             for k in range(args.sessions)]
    threads = [threading.Thread(target=one, args=pair) for pair in seeds]
    for thread in threads:
        thread.start()
    tried, failures = decks.fuzz(args.parser_examples, args.seed, deadline)
    log(f"parser fuzz: {tried} generated decks, {len(failures)} uncaught "
        "exceptions or wrong line numbers")
    for failure in failures[:20]:
        log(f"  {failure}")
    for thread in threads:
        thread.join()
    found = bool(failures)
    for report in reports:
        log("SESSION " + report.line())
        for item in report.findings:
            found = True
            log(f"  {item.kind} at seed {item.seed} step {item.step} after "
                f"{item.action}; screen tail:\n{item.screen[-800:]}")
    for deck in args.decks:
        mine = [r for r in reports if r.deck == deck]
        log(f"TOTAL {deck}: {sum(r.steps for r in mine)} steps in "
            f"{len(mine)} sessions, {sum(r.deaths for r in mine)} deaths, "
            f"{sum(r.hangs for r in mine)} hangs, "
            f"{sum(r.tracebacks for r in mine)} runner tracebacks, "
            f"{sum(r.drove for r in mine)} times data drove the terminal")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
