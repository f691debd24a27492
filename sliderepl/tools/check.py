"""``sliderepl check DECK``: the deck's output must match its transcript.

The deck runs headless (``sliderepl.run.headless``, inside its
collection's ``recording()`` context: a stored transcript is the output of
one setup, so the collection keeps the run reproducible) and
everything it printed, echoed and sent as SQL is compared with the
transcript stored in the repository, by default
``transcripts/<deck stem>.txt`` in the deck's folder.  On a mismatch the
exit status is 1 and a unified diff (stored transcript -> this run) says
what changed; ``--update`` writes the transcript instead (only from a run
with no failing slide: a broken run is never recorded as the truth).

Run-to-run noise is normalised on both sides (``normalise``):
object addresses, SQLAlchemy's ``[generated in ...]`` / ``[cached since
...]`` timings, temporary file names, the absolute folder of the deck and
of the project, library paths and line numbers in tracebacks (they change
with every Python or SQLAlchemy patch release; the deck's own lines
stay), and the ``^^^^`` marker lines Python versions draw differently.

Exit status: 0 match, 1 mismatch or a failing run (or a missing
transcript), 2 bad usage or an unreadable deck.
"""

from __future__ import annotations

import argparse
import difflib
import io
import sys
from pathlib import Path
from typing import TextIO

from sliderepl.deck import collection
from sliderepl.deck.collection import for_arguments, recording
from sliderepl.run import own_code
from sliderepl.run.masking import PROJECT_DIR, normalise, shorten_paths
from sliderepl.run.options import Options

__all__ = ["PROJECT_DIR", "check", "compare", "main", "normalise",
           "run_deck", "shorten_paths", "transcript_path"]

def transcript_path(deck: Path) -> Path:
    """Where the transcript of ``deck`` is stored by default."""
    return deck.parent / "transcripts" / f"{deck.stem}.txt"


def run_deck(deck_path: Path, short: bool = False) -> tuple[str, str, int]:
    """Run the deck headless in this process: (transcript, summary,
    exit status).  Raises ``OSError`` if the deck can't be read."""
    from sliderepl.deck.parser import load
    from sliderepl.run.headless import run_all

    deck = load(deck_path)
    out, err = io.StringIO(), io.StringIO()
    collections = for_arguments([str(deck_path)])
    own_code.register(collections)
    with recording(collections):
        status = run_all(deck, Options(deck=deck_path, run_all=True,
                                       short=short), out, err)
    return out.getvalue(), err.getvalue(), status


def compare(expected: str, actual: str, name: str) -> str:
    """A unified diff from ``expected`` to ``actual`` ('' if equal)."""
    if expected == actual:
        return ""
    diff = difflib.unified_diff(
        expected.splitlines(keepends=True),
        actual.splitlines(keepends=True),
        fromfile=name,
        tofile="this run",
    )
    return "".join(diff)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sliderepl check",
        description="Run a deck headless (SQLite) and compare its output "
        "with the transcript stored in the repository.",
    )
    parser.add_argument("deck", type=collection.deck_path, metavar="DECK")
    parser.add_argument(
        "--update", action="store_true",
        help="write the transcript from this run instead of comparing",
    )
    parser.add_argument(
        "--transcript", type=Path, metavar="PATH",
        help="the transcript file (default: transcripts/<deck stem>.txt "
        "beside the deck)",
    )
    parser.add_argument(
        "--short", action="store_true", help="check the --short deck",
    )
    return parser


def check(
    deck: Path,
    transcript: Path | None = None,
    update: bool = False,
    short: bool = False,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Check (or ``update``) one deck; exit status.  The diff of a
    mismatch and the "matches"/"written" line go to ``out`` (stdout);
    errors and the failing verdict to ``err`` (stderr)."""
    from sliderepl.deck.safe_files import resolved, why_not

    write = (out or sys.stdout).write
    error = (err or sys.stderr).write
    deck = resolved(deck)
    stored = transcript or transcript_path(deck)
    try:
        raw, summary, status = run_deck(deck, short)
    except (OSError, UnicodeDecodeError) as exc:
        error(f"sliderepl check: {why_not(deck, exc)}\n")
        return 2
    actual = normalise(raw, (deck.parent, PROJECT_DIR))
    if status != 0:
        error(summary)
        error(f"sliderepl check: {deck.name}: the run failed"
              f"{'; transcript not updated' if update else ''}\n")
        return 1
    if stored.is_dir():
        error(f"sliderepl check: {stored} is a folder, not a transcript\n")
        return 2
    try:
        if update:
            stored.parent.mkdir(parents=True, exist_ok=True)
            old = stored.read_text("utf-8") if stored.exists() else None
            stored.write_text(actual, encoding="utf-8")
            said = "unchanged" if old == actual else "written"
            write(f"sliderepl check: {stored} {said}\n")
            return 0
        if not stored.exists():
            error(f"sliderepl check: no transcript {stored}; record it "
                  f"with sliderepl check --update {deck.name}\n")
            return 1
        expected = normalise(stored.read_text("utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        error(f"sliderepl check: can't use {stored}: {exc}\n")
        return 2
    diff = compare(expected, actual, str(stored))
    if diff:
        write(diff if diff.endswith("\n") else diff + "\n")
        error(f"sliderepl check: {deck.name}: output differs from"
              f" {stored} (if the change is right: --update)\n")
        return 1
    write(f"sliderepl check: {deck.name}: matches {stored.name}\n")
    return 0


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)  # bad usage: cli.main says so
    return check(args.deck, args.transcript, args.update, args.short)
