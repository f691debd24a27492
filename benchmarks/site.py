"""The decks in a browser tab (``sliderepl export --to site``): size and time.

Prints:

* the site's size, in all and per part (the Pyodide runtime's files,
  each wheel, the pages and assets);
* for each deck, the time from opening its page to its first runnable
  slide (``window.sliderepl.ready``): cold (a fresh browser profile, empty
  HTTP cache) and warm (the same page again, from the browser's cache),
  split by the page's own marks (runtime loaded, wheels unpacked);
* the whole deck run in the page (every slide stepped with PageDown,
  each waited for by polling every 5 ms, so the drive adds at most that
  per slide) against ``sliderepl --run-all`` of the same deck (median of
  ``--runs``, a fresh process each), and their ratio.

The site is built into a temporary folder from the fetch cache
(``sliderepl.web.fetch``; fetched the first time) and served on
127.0.0.1; the browser is headless Chromium over the DevTools protocol
(``tests/chromium_cdp``).

Run: python benchmarks/site.py [--runs N] [DECK ...]
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
sys.path.insert(0, str(ROOT))

from sliderepl.web import build, serve  # noqa: E402
from tests.chromium_cdp import Browser  # noqa: E402

FLAGS = ("--disable-quic",)


def _mb(size: int) -> str:
    return f"{size / 1e6:7.2f} MB"


def sizes(site: Path) -> None:
    files = [p for p in site.rglob("*") if p.is_file()]
    total = sum(p.stat().st_size for p in files)
    print(f"site size: {_mb(total)} in {len(files)} files")
    parts: dict[str, int] = {}
    for path in files:
        top = path.relative_to(site).parts[0]
        key = (f"{top}/{path.name}" if top in ("pyodide", "wheels")
               else "pages and assets")
        parts[key] = parts.get(key, 0) + path.stat().st_size
    for key, size in sorted(parts.items(), key=lambda kv: -kv[1]):
        print(f"  {_mb(size)}  {key}")


def run_all(deck: str, runs: int) -> float:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("TUTORIAL_DB", None)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "sliderepl", "--run-all",
                        f"{deck}.py"], cwd=ROOT, env=env,
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=False, timeout=600)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _first_slide(browser: Browser, url: str) -> tuple[float, dict[str, float]]:
    start = time.perf_counter()
    browser.open(url)
    browser.wait_for("window.sliderepl && window.sliderepl.ready", 300,
                     every=0.005)
    took = time.perf_counter() - start
    marks: dict[str, float] = browser.evaluate("window.sliderepl.timings")
    return took, marks


def _marks(marks: dict[str, float]) -> str:
    return (f"(runtime {marks['runtime'] / 1000:.1f}s, wheels "
            f"{marks['wheels'] / 1000:.1f}s, first slide "
            f"{marks['firstSlide'] / 1000:.1f}s after the script started)")


def in_page(browser: Browser) -> float:
    """Seconds to step the open deck from slide 1 to its last."""
    assert browser.evaluate("window.sliderepl.position") == 1
    total = browser.evaluate("window.sliderepl.total")
    start = time.perf_counter()
    for number in range(2, total + 1):
        browser.press("PageDown")
        browser.wait_for(f"!window.sliderepl.busy && "
                         f"window.sliderepl.position === {number}", 300,
                         every=0.005)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("decks", nargs="*",
                        default=["part1", "part2", "part3"])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        build.build([ROOT / f"{name}.py" for name in args.decks], site)
        sizes(site)
        httpd, thread = serve.background(site)
        address = serve.address(httpd)
        try:
            for name in args.decks:
                url = f"{address}{name}/index.html"
                with Browser("chromium", 1280, 800, timeout=300,
                             flags=FLAGS) as browser:
                    cold, cold_marks = _first_slide(browser, url)
                    # a fresh profile starts on slide 1, and so does the
                    # warm visit after it: the deck is stepped from there
                    warm, warm_marks = _first_slide(browser, url)
                    page = in_page(browser)
                floor = run_all(name, args.runs)
                print(f"{name}: first runnable slide cold {cold:5.1f}s "
                      f"{_marks(cold_marks)}")
                print(f"{name}: first runnable slide warm {warm:5.1f}s "
                      f"{_marks(warm_marks)}")
                print(f"{name}: whole deck in the page {page:5.1f}s, "
                      f"sliderepl --run-all {floor:5.1f}s, ratio "
                      f"{page / floor:4.1f}x")
        finally:
            httpd.shutdown()
            httpd.server_close()
            thread.join(timeout=10)


if __name__ == "__main__":
    main()
