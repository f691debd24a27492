"""Headless per-slide overhead of the slide runner.

Generates a deck of 500 trivial slides in a temporary folder, then times:

* ``parse``: reading and parsing the deck;
* ``run-all``: the headless runner (setup, events, transcript to an
  in-memory stream) over every slide, cold (compiling, as in a fresh
  process) and warm (code objects cached, as on a rebuild);
* ``plain``: compiling and ``exec``-ing the same code, statement by
  statement in ``single`` mode, in one namespace (and ``exec`` alone of
  code compiled beforehand): the floor;
* ``rebuild``: going back one slide from the last (fresh namespace, all
  earlier slides run silently), as ``!prev`` does.

Prints milliseconds per slide and the runner/plain ratio (best of several
rounds).  Target: under 2 ms per slide for ``run-all``.

Run: python benchmarks/slide_overhead.py [--slides N] [--rounds R]
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sliderepl.deck.parser import load  # noqa: E402
from sliderepl.run import execution  # noqa: E402
from sliderepl.run.events import Event  # noqa: E402
from sliderepl.run.headless import run_all  # noqa: E402
from sliderepl.run.navigation import Navigator  # noqa: E402
from sliderepl.run.options import Options  # noqa: E402


def make_deck(folder: Path, slides: int) -> Path:
    """A deck of ``slides`` trivial slides (two statements, one echo)."""
    parts = ['"""Benchmark deck."""\n']
    for n in range(slides):
        parts.append(f"### slide::\n### title:: Slide {n}\nx = {n}\nx\n")
    path = folder / "bench_deck.py"
    path.write_text("".join(parts), encoding="utf-8")
    return path


def best(rounds: int, job: Callable[[], object]) -> float:
    """Best wall time of ``rounds`` runs of ``job``, in seconds."""
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        job()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--slides", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    n = args.slides

    with tempfile.TemporaryDirectory() as folder:
        path = make_deck(Path(folder), n)
        deck = load(path)
        assert len(deck.slides) == n

        def headless() -> None:
            out = io.StringIO()
            code = run_all(deck, Options(), out, io.StringIO())
            assert code == 0

        def headless_cold() -> None:
            execution._compiled.clear()  # as in a fresh process
            headless()

        sources = [
            (b.source, str(b.path)) for s in deck.slides for b in s.blocks
        ]
        codes = [compile(src, name, "single") for src, name in sources]

        def plain(compiled: bool) -> None:
            namespace: dict[str, object] = {"__name__": "__main__"}
            hook = sys.displayhook
            sys.displayhook = lambda value: None  # no echo to the terminal
            try:
                if compiled:
                    for code in codes:
                        exec(code, namespace)
                else:
                    for source, filename in sources:
                        exec(compile(source, filename, "single"), namespace)
            finally:
                sys.displayhook = hook

        def discard(event: Event) -> None:
            pass

        nav = Navigator(deck)
        nav.goto(n, discard)

        def rebuild() -> None:
            nav.goto(n - 1, discard)
            nav.goto(n, discard, run=False)

        t_parse = best(args.rounds, lambda: load(path))
        t_cold = best(args.rounds, headless_cold)
        t_warm = best(args.rounds, headless)
        t_plain = best(args.rounds, lambda: plain(False))
        t_exec = best(args.rounds, lambda: plain(True))
        t_rebuild = best(args.rounds, rebuild)

    def row(name: str, seconds: float) -> None:
        print(
            f"{name:<34}{seconds * 1000 / n:8.4f} ms/slide"
            f"  ({seconds * 1000:7.1f} ms total)"
        )

    print(f"deck: {n} trivial slides, best of {args.rounds} rounds")
    row("parse", t_parse)
    row("run-all, compiling (cold)", t_cold)
    row("run-all, code cached (warm)", t_warm)
    row("plain compile + exec", t_plain)
    row("plain exec of compiled code", t_exec)
    row(f"rebuild: back from slide {n}", t_rebuild)
    print(f"ratio run-all cold / plain compile+exec: {t_cold / t_plain:.1f}x")
    print(f"ratio run-all warm / plain exec:         {t_warm / t_exec:.1f}x")
    per_slide = max(t_cold, t_warm) * 1000 / n
    verdict = "met" if per_slide < 2 else "NOT met"
    print(f"target run-all < 2 ms/slide: {verdict} ({per_slide:.3f} ms)")


if __name__ == "__main__":
    main()
