"""Time from launching ``sliderepl DECK`` to its first slide on screen.

Each run starts the runner in a pseudo-terminal (so it behaves exactly as
for a presenter: colours, prompt_toolkit), reads what it writes, and stops
the clock when the first slide's title appears.  The floor is the time
``python -c "import sqlalchemy"`` takes in the same pty: a deck about
SQLAlchemy can't start faster than that.  Prints the median of N runs and
the ratio to the floor (target: at most 1.3x).

Run: python benchmarks/startup.py [-n 9] [DECK ...]
"""

from __future__ import annotations

import argparse
import fcntl
import os
import re
import select
import signal
import statistics
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b.")


def timed_in_pty(argv: list[str], needles: list[str], env: dict[str, str],
                 timeout: float = 60.0) -> list[float]:
    """Seconds until each of ``needles`` shows in the output, in order
    (no needles: until the program exits)."""
    master, slave = os.openpty()
    # A presenter's terminal size, so rich lays out as it would on stage.
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 100, 0, 0))
    start = time.perf_counter()
    child = subprocess.Popen(
        argv, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=ROOT,
        start_new_session=True,
    )
    os.close(slave)
    seen = ""
    times: list[float] = []
    try:
        while time.perf_counter() - start < timeout:
            ready, _, _ = select.select([master], [], [], 0.05)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # the child closed the pty
                    chunk = b""
                if chunk:
                    if b"\x1b[6n" in chunk:
                        # Answer prompt_toolkit's cursor position request
                        # as a terminal would, or it waits for one.
                        os.write(master, b"\x1b[1;1R")
                    seen += chunk.decode("utf-8", "replace")
                    plain = _ANSI.sub("", seen)
                    while (len(times) < len(needles)
                           and needles[len(times)] in plain):
                        times.append(time.perf_counter() - start)
                    if needles and len(times) == len(needles):
                        return times
                    continue
            if child.poll() is not None:
                if not needles:
                    return [time.perf_counter() - start]
                raise RuntimeError(
                    f"{argv} exited before {needles!r} appeared:\n{seen}"
                )
        raise RuntimeError(f"{argv}: timed out; output so far:\n{seen}")
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
        child.wait()
        os.close(master)


def first_title(deck: Path) -> str:
    """The plain text of the deck's first slide title (first 15 chars:
    enough to be unique, short enough not to wrap)."""
    from sliderepl.deck.parser import load
    from sliderepl.screen.markup import to_text

    loaded = load(deck)
    title = loaded.slides[0].title if loaded.slides else None
    if not title:
        raise SystemExit(f"{deck}: the first slide needs a title to time")
    return to_text(title).plain[:15]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", "--runs", type=int, default=9)
    parser.add_argument("decks", nargs="*", type=Path)
    args = parser.parse_args(argv)
    decks = args.decks or [
        ROOT / "tests" / "decks" / "ui_tour.py",
        *sorted(ROOT.glob("part*.py")),
    ]
    env = {
        **os.environ,
        "TERM": os.environ.get("TERM", "xterm-256color"),
        # Keep the presenter's history file out of the measurement.
        "XDG_STATE_HOME": "/tmp/sliderepl-startup-bench",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("NO_COLOR", None)
    floor_argv = [sys.executable, "-c", "import sqlalchemy"]
    runs = {
        deck: ([sys.executable, "-m", "sliderepl", str(deck)],
               # The title, then the toolbar: the prompt is up (setup
               # slides and the first slide's code have run,
               # prompt_toolkit is loaded).
               [first_title(deck), "slide 1 / "])
        for deck in decks
    }
    # Warm the OS file cache (not counted), then interleave the floor and
    # the decks run by run, so a busy machine slows all of them alike.
    timed_in_pty(floor_argv, [], env)
    for argv, needles in runs.values():
        timed_in_pty(argv, needles, env)
    floors: list[float] = []
    samples: dict[Path, list[list[float]]] = {deck: [] for deck in decks}
    for _ in range(args.runs):
        floors += timed_in_pty(floor_argv, [], env)
        for deck, (argv, needles) in runs.items():
            samples[deck].append(timed_in_pty(argv, needles, env))
    floor = statistics.median(floors)
    print(f"floor: python -c 'import sqlalchemy'  {floor * 1000:7.1f} ms"
          f"  (medians of {args.runs} interleaved runs)")
    print(f"{'deck':<16} {'first slide':>12} {'ratio':>6}"
          f" {'prompt ready':>13} {'ratio':>6}")
    for deck in decks:
        title, prompt = (statistics.median(c)
                         for c in zip(*samples[deck], strict=True))
        print(
            f"{deck.name:<16} {title * 1000:9.1f} ms {title / floor:5.2f}x"
            f" {prompt * 1000:10.1f} ms {prompt / floor:5.2f}x"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
