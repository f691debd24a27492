"""What drawing program output costs, and what guarding it from Ctrl-C adds.

Slide code's prints reach the screen one event at a time; each is drawn
by rich inside ``sigint_postponed`` (a Ctrl-C inside rich's print would
leave rich buffering forever, so the press is taken when the print
ends).  This prints the median time per line of output through
``Screen`` with that guard, without it (a no-op in its place), and a
bare ``rich`` print of the same line, with the ratios.  A console that
writes to memory as a 256-colour terminal of 100 columns; this machine.

Run: python benchmarks/output_rate.py [--lines N] [--runs R]
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rich.console import Console  # noqa: E402

from sliderepl.run import events  # noqa: E402
from sliderepl.screen import console as screen_module  # noqa: E402
from sliderepl.screen import paging  # noqa: E402


class _Unguarded:
    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc: object) -> None:
        pass


def _console() -> Console:
    return Console(file=io.StringIO(), force_terminal=True, width=100,
                   height=30, color_system="256")


def per_line(lines: int, guarded: bool) -> float:
    """Seconds per line through Screen, guarded or not."""
    saved = screen_module.sigint_postponed, paging.sigint_postponed
    if not guarded:
        screen_module.sigint_postponed = _Unguarded  # type: ignore[assignment,misc]
        paging.sigint_postponed = _Unguarded  # type: ignore[assignment,misc]
    try:
        screen = screen_module.Screen(_console())
        event = events.Output("0 1 2 3 4 5 6 7 8 9\n", "stdout")
        started = time.perf_counter()
        for _ in range(lines):
            screen(event)
        return (time.perf_counter() - started) / lines
    finally:
        screen_module.sigint_postponed, paging.sigint_postponed = saved


def bare(lines: int) -> float:
    """Seconds per line of a plain rich print, for scale."""
    console = _console()
    started = time.perf_counter()
    for _ in range(lines):
        console.print("0 1 2 3 4 5 6 7 8 9", soft_wrap=True)
    return (time.perf_counter() - started) / lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    results: dict[str, list[float]] = {"guarded": [], "unguarded": [],
                                       "bare rich": []}
    for _ in range(args.runs):  # interleaved, so drift hits all alike
        results["guarded"].append(per_line(args.lines, True))
        results["unguarded"].append(per_line(args.lines, False))
        results["bare rich"].append(bare(args.lines))
    median = {name: statistics.median(v) for name, v in results.items()}
    print(f"{args.lines} lines x {args.runs} runs, median us per line:")
    for name, value in median.items():
        print(f"  {name:<10} {value * 1e6:8.1f} us   "
              f"{value / median['bare rich']:.2f}x bare rich")
    added = median["guarded"] - median["unguarded"]
    print(f"  the guard adds {added * 1e6:.1f} us per line "
          f"({median['guarded'] / median['unguarded']:.2f}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
