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

Run-to-run noise is normalised on both sides (``normalise``, and
``comparable``: inside a traceback only its frames, which is what stays
the same from one Python version to the next):
object addresses, SQLAlchemy's ``[generated in ...]`` / ``[cached since
...]`` timings, temporary file names, the absolute folder of the deck and
of the project, library paths and line numbers in tracebacks (they change
with every Python or SQLAlchemy patch release; the deck's own lines
stay), and the ``^^^^`` marker lines Python versions draw differently.

A slide whose output depends on the Python version by design (it
prints which version it ran on) keeps that Python's sections in an
overlay beside the transcript, ``transcripts/<deck stem>.py3.12.txt``:
on that Python the overlay's slides stand in for the transcript's.
``--update`` records the transcript itself (on the oldest Python the
deck supports); ``--update --this-python`` records this Python's
overlay, only the slides that differ from the transcript (none: the
overlay is removed).

Exit status: 0 match, 1 mismatch or a failing run (or a missing
transcript), 2 bad usage or an unreadable deck.
"""

from __future__ import annotations

import argparse
import difflib
import io
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from sliderepl.deck import collection
from sliderepl.deck.collection import for_arguments, recording
from sliderepl.run import own_code
from sliderepl.run.masking import (
    PROJECT_DIR,
    comparable,
    normalise,
    shorten_paths,
)
from sliderepl.run.options import Options

__all__ = ["PROJECT_DIR", "check", "comparable", "compare", "main",
           "normalise",
           "run_deck", "shorten_paths", "transcript_path"]

def transcript_path(deck: Path) -> Path:
    """Where the transcript of ``deck`` is stored by default."""
    return deck.parent / "transcripts" / f"{deck.stem}.txt"


def overlay_path(transcript: Path) -> Path:
    """This Python's overlay of ``transcript`` (``NAME.py3.12.txt``)."""
    version = "{}.{}".format(*sys.version_info[:2])
    return transcript.with_name(f"{transcript.stem}.py{version}.txt")


_SLIDE = re.compile(r"^=== \d+/\d+\b")


def _sections(text: str) -> list[tuple[str, str]]:
    """``text`` cut at each slide's ``=== N/M Title ===`` line: (that
    line, the section's whole text), in order; what comes before the
    first slide has the header ''."""
    found: list[tuple[str, str]] = []
    header, lines = "", list[str]()
    for line in text.splitlines(keepends=True):
        if _SLIDE.match(line):
            if lines or header:
                found.append((header, "".join(lines)))
            header, lines = line.rstrip("\n"), []
        lines.append(line)
    if lines or header:
        found.append((header, "".join(lines)))
    return found


def _keyed(text: str) -> list[tuple[tuple[str, int], str, str]]:
    """Each section as (key, header, the lines below the header).  The
    key is the slide's title and how many slides of that title came
    before, not its number: a slide added earlier in the deck leaves an
    overlay's slides matched."""
    seen: dict[str, int] = {}
    out = []
    for header, body in _sections(text):
        title = _SLIDE.sub("===", header, count=1)
        seen[title] = seen.get(title, 0) + 1
        rest = body.split("\n", 1)[1] if header and "\n" in body else (
            "" if header else body)
        out.append(((title, seen[title]), header, rest))
    return out


def overlaid(base: str, overlay: str) -> str:
    """``base`` with each slide section of ``overlay`` in place of the
    base's section of the same slide (title and order)."""
    replaced = {key: rest for key, _, rest in _keyed(overlay)}
    out = []
    for key, header, rest in _keyed(base):
        if header and key in replaced:  # the base's blank lines stay
            kept = rest.rstrip("\n")
            rest = replaced[key].rstrip("\n") + rest[len(kept):]
        out.append(f"{header}\n{rest}" if header else rest)
    return "".join(out)


def differing(base: str, actual: str) -> str:
    """The sections of ``actual`` that differ from ``base``'s."""
    before = {key: comparable(rest).rstrip("\n")
              for key, _, rest in _keyed(base)}
    return "".join(
        f"{header}\n{rest}" for key, header, rest in _keyed(actual)
        if header and before.get(key) != comparable(rest).rstrip("\n"))


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
        "--this-python", action="store_true",
        help="with --update: record only the slides whose output differs"
        " on this Python version, in its overlay (NAME.pyX.Y.txt)",
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
    this_python: bool = False,
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
    overlay = overlay_path(stored)
    try:
        if update and this_python:
            return _update_overlay(stored, overlay, actual, write, error)
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
        if overlay.is_file():
            expected = overlaid(expected,
                                normalise(overlay.read_text("utf-8")))
    except (OSError, UnicodeDecodeError) as exc:
        error(f"sliderepl check: can't use {stored}: {exc}\n")
        return 2
    diff = compare(comparable(expected), comparable(actual), str(stored))
    if diff:
        from sliderepl.run.inert import inert

        diff = inert(diff)  # a stored file's text, shown on a terminal
        write(diff if diff.endswith("\n") else diff + "\n")
        error(f"sliderepl check: {deck.name}: output differs from"
              f" {stored} (if the change is right: --update; if only"
              " this Python's output differs, by design: --update"
              " --this-python)\n")
        return 1
    write(f"sliderepl check: {deck.name}: matches {stored.name}\n")
    return 0


def _update_overlay(stored: Path, overlay: Path, actual: str,
                    write: Callable[[str], object],
                    error: Callable[[str], object]) -> int:
    if not stored.is_file():
        error(f"sliderepl check: no transcript {stored} to overlay;"
              " record it first with --update\n")
        return 1
    sections = differing(normalise(stored.read_text("utf-8")), actual)
    if not sections:
        overlay.unlink(missing_ok=True)
        write(f"sliderepl check: no slide differs on this Python;"
              f" {overlay.name} not kept\n")
        return 0
    overlay.write_text(sections, encoding="utf-8")
    count = sum(1 for header, _ in _sections(sections) if header)
    write(f"sliderepl check: {overlay} written ({count} slide"
          f"{'s' if count != 1 else ''})\n")
    return 0


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)  # bad usage: cli.main says so
    if args.this_python and not args.update:
        print("sliderepl check: --this-python goes with --update",
              file=sys.stderr)
        return 2
    return check(args.deck, args.transcript, args.update, args.short,
                 this_python=args.this_python)
