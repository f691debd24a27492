"""``sliderepl check DECK``: the deck's output must match its transcript.

The deck runs headless (``sliderepl.headless``, on SQLite: ``TUTORIAL_DB``
is ignored, since a stored transcript is the output of one database) and
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
import os
import re
import sys
from pathlib import Path
from typing import TextIO

from .options import Options
from .transcript import mask_addresses, mask_sql

PROJECT_DIR = Path(__file__).resolve().parent.parent

_TMP = re.compile(r"(?<![\w-])tmp[A-Za-z0-9_]{6,}")
_CARETS = re.compile(r"^\s*[\^~]+\s*$")
_SQL_LINE = re.compile(r"^SQL: (.*)$")


def transcript_path(deck: Path) -> Path:
    """Where the transcript of ``deck`` is stored by default."""
    return deck.parent / "transcripts" / f"{deck.stem}.txt"


def _library_prefixes() -> list[tuple[str, str]]:
    import sysconfig

    pairs = []
    for name, label in (
        ("purelib", "<site-packages>"),
        ("platlib", "<site-packages>"),
        ("stdlib", "<stdlib>"),
        ("platstdlib", "<stdlib>"),
    ):
        path = sysconfig.get_path(name)
        if path:
            pairs.append((str(Path(path)) + os.sep, label + "/"))
    pairs.sort(key=lambda pair: len(pair[0]), reverse=True)
    return pairs


_LIBRARY = _library_prefixes()
_FRAME = re.compile(r'^(\s*File "<(?:site-packages|stdlib)>/[^"]*", line )\d+')


def _prefixes(folders: tuple[Path, ...]) -> list[str]:
    return sorted(
        {str(folder.resolve()) + os.sep for folder in folders}, key=len,
        reverse=True,
    )


def shorten_paths(text: str, folders: tuple[Path, ...] = ()) -> str:
    """Library paths as ``<site-packages>/...`` / ``<stdlib>/...``, and
    paths inside ``folders`` relative to them (handouts use this too)."""
    for prefix, label in _LIBRARY:
        text = text.replace(prefix, label)
    for prefix in _prefixes(folders):
        text = text.replace(prefix, "")
    return text


def normalise(text: str, folders: tuple[Path, ...] = ()) -> str:
    """``text`` with run-to-run and machine-to-machine noise masked."""
    prefixes = _prefixes(folders)
    lines = []
    for line in text.splitlines():
        if _CARETS.match(line):
            continue
        match = _SQL_LINE.match(line)
        if match:
            line = "SQL: " + mask_sql(match.group(1))
        line = mask_addresses(line)
        for prefix, label in _LIBRARY:
            line = line.replace(prefix, label)
        for prefix in prefixes:
            line = line.replace(prefix, "")
        line = _TMP.sub("tmp...", line)
        line = _FRAME.sub(r"\1N", line)
        lines.append(line.rstrip())
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines) + "\n"


def run_deck(deck_path: Path, short: bool = False) -> tuple[str, str, int]:
    """Run the deck headless in this process: (transcript, summary,
    exit status).  Raises ``OSError`` if the deck can't be read."""
    from .headless import run_all
    from .parser import load

    deck = load(deck_path)
    out, err = io.StringIO(), io.StringIO()
    saved = os.environ.pop("TUTORIAL_DB", None)
    try:
        status = run_all(deck, Options(deck=deck_path, run_all=True,
                                       short=short), out, err)
    finally:
        if saved is not None:
            os.environ["TUTORIAL_DB"] = saved
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
    parser.add_argument("deck", type=Path, metavar="DECK")
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
) -> int:
    """Check (or ``update``) one deck; messages to ``out``; exit status."""
    from .safe_files import resolved

    write = (out or sys.stdout).write
    deck = resolved(deck)
    stored = transcript or transcript_path(deck)
    try:
        raw, summary, status = run_deck(deck, short)
    except (OSError, UnicodeDecodeError) as exc:
        write(f"sliderepl check: can't read {deck}: {exc}\n")
        return 2
    actual = normalise(raw, (deck.parent, PROJECT_DIR))
    if status != 0:
        write(summary)
        write(f"sliderepl check: {deck.name}: the run failed"
              f"{'; transcript not updated' if update else ''}\n")
        return 1
    if stored.is_dir():
        write(f"sliderepl check: {stored} is a folder, not a transcript\n")
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
            write(f"sliderepl check: no transcript {stored}; record it "
                  f"with sliderepl check --update {deck.name}\n")
            return 1
        expected = normalise(stored.read_text("utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        write(f"sliderepl check: can't use {stored}: {exc}\n")
        return 2
    diff = compare(expected, actual, str(stored))
    if diff:
        write(diff if diff.endswith("\n") else diff + "\n")
        write(f"sliderepl check: {deck.name}: output differs from"
              f" {stored} (if the change is right: --update)\n")
        return 1
    write(f"sliderepl check: {deck.name}: matches {stored.name}\n")
    return 0


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)  # bad usage: cli.main says so
    return check(args.deck, args.transcript, args.update, args.short)
