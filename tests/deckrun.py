"""Running a deck headless from a test, and the checks every deck shares.

Each deck's test file lists the lines that prove its slides' claims; the
plumbing (a subprocess ``sliderepl --run-all``, the exit status, the
summary line, the launch preamble, code shown rather than pasted) is here.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

LAUNCH_PREAMBLE = [
    'if __name__ == "__main__":',
    "    import sliderepl.launch",
    "    sliderepl.launch.deck(__file__)   # runs the deck, then exits",
]


def run_deck(
    deck: Path | str, *args: str, db: str | None = None,
    timeout: float = 600,
) -> subprocess.CompletedProcess[str]:
    """``python -m sliderepl --run-all ARGS DECK`` from the project root.

    ``db`` (a URL, which may carry a password) travels in ``TUTORIAL_DB``,
    the variable ``--db`` would set, never on the command line, where
    every local user could read it in ``ps``; ``--db postgresql`` (no
    secret) may be in ``args``.  Otherwise ``TUTORIAL_DB`` is dropped
    from the environment, so a developer's setting can't leak in.
    Warnings are errors, as in the rest of the suite: a slide that starts
    to warn after an upgrade fails (slides that show a warning on purpose
    catch it or raise it on an ``e`` slide).
    """
    env = {k: v for k, v in os.environ.items() if k != "TUTORIAL_DB"}
    if db is not None:
        env["TUTORIAL_DB"] = db
    return subprocess.run(
        [sys.executable, "-W", "error", "-m", "sliderepl", "--run-all",
         *args, str(deck)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def passed(result: subprocess.CompletedProcess[str], name: str) -> str:
    """Assert the run passed every slide; return its transcript."""
    out = result.stdout
    assert result.returncode == 0, out[-3000:] + result.stderr[-3000:]
    summary = rf"{re.escape(name)}: \d+ slides, 0 failures"
    assert re.search(summary, result.stderr + out), result.stderr[-2000:]
    # Headless output carries no object addresses.
    assert not re.search(r"0x[0-9a-f]{6,}", out)
    return out


def assert_lines(out: str, expected: Iterable[str]) -> None:
    """Each expected line (or fragment) appears in the transcript."""
    for line in expected:
        assert line in out, line


def assert_launch_preamble(deck: Path, number: int) -> None:
    """The deck opens with the docstring and the hand-over to the runner."""
    lines = deck.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith(f'"""Part {number}: ')
    run = f"Run: python part{number}.py  (or: sliderepl part{number}.py)"
    assert run in lines[0]
    assert lines[1:4] == LAUNCH_PREAMBLE


def assert_shown_not_pasted(
    deck: Path, shown: Iterable[str], pasted: Iterable[str]
) -> None:
    """Case-study code reaches the slides through ``source()`` only."""
    text = deck.read_text(encoding="utf-8")
    for call in shown:
        assert call in text, call
    for definition in pasted:
        assert definition not in text, definition


def rerun_failures(deck: Path) -> list[str]:
    """Run every slide of ``deck`` twice in one namespace, as a presenter
    who re-runs slides (``!rerun``, going back) does; return the slides
    that failed, first or second time, with their last error line.

    Runs in this process on the database ``TUTORIAL_DB`` names; the
    deck's ``engine`` is disposed at the end.
    """
    from sliderepl.deck import parser
    from sliderepl.run.events import Error
    from sliderepl.run.execution import Interpreter

    loaded = parser.load(deck)
    interpreter = Interpreter(None, echo_sql=False)
    errors: list[str] = []

    def sink(event: object) -> None:
        if isinstance(event, Error) and not event.expected:
            errors.append(event.traceback.strip().splitlines()[-1])

    for slide in loaded.setup:
        assert interpreter.run_slide(slide, sink).ok, errors
    failed = []
    for slide in loaded.slides:
        for attempt in ("first", "second"):
            if not interpreter.run_slide(slide, sink).ok:
                failed.append(f"{slide.title} ({attempt}): {errors[-1:]}")
    interpreter.namespace["engine"].dispose()  # type: ignore[attr-defined]
    return failed
