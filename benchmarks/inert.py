"""What making values inert costs (issue 31): ``sliderepl.run.inert``.

Every cell of an echoed table, every repr, traceback and SQL line goes
through ``inert()``.  This prints the median time per call of ``inert``
on a plain 30-character value (the common case: one regex search finds
nothing), on one holding a CSI and an OSC sequence (the translate), and
of ``rows.cell()`` on the plain value, with and without the escaping
(``inert`` swapped for the identity), so its share of a cell is plain.
This machine, one core.

Run: python benchmarks/inert.py [--calls N] [--runs R]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sliderepl.run import rows  # noqa: E402
from sliderepl.run.inert import inert  # noqa: E402

PLAIN = "Ada Lovelace <ada@example.org>"
HOSTILE = "BEFORE\x1b[2J\x1b[HAFTER\x1b]2;PWNED\x1b\\"


def per_call(func: Callable[[str], object], text: str, calls: int,
             runs: int) -> float:
    """Median nanoseconds per call over ``runs`` runs of ``calls``."""
    times = []
    for _ in range(runs):
        start = time.perf_counter_ns()
        for _ in range(calls):
            func(text)
        times.append((time.perf_counter_ns() - start) / calls)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args(argv)
    calls, runs = args.calls, args.runs
    plain = per_call(inert, PLAIN, calls, runs)
    hostile = per_call(inert, HOSTILE, calls, runs)
    with_inert, without = [], []
    for _ in range(runs):  # alternately, so both see the same machine
        with_inert.append(per_call(rows.cell, PLAIN, calls, 1))
        setattr(rows, "inert", lambda text: text)  # noqa: B010
        try:
            without.append(per_call(rows.cell, PLAIN, calls, 1))
        finally:
            setattr(rows, "inert", inert)  # noqa: B010
    cell = statistics.median(with_inert)
    bare = statistics.median(without)
    print(f"inert, plain {len(PLAIN)} chars:     {plain:7.0f} ns")
    print(f"inert, CSI + OSC {len(HOSTILE)} chars: {hostile:7.0f} ns")
    print(f"rows.cell, plain:           {cell:7.0f} ns"
          f" ({bare:.0f} ns without inert: +{cell - bare:.0f} ns)")
    print(f"a table of 20 rows x 5 columns: "
          f"{20 * 5 * (cell - bare) / 1000:.1f} us of escaping")
    return 0


if __name__ == "__main__":
    sys.exit(main())
