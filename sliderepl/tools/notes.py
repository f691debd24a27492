"""``sliderepl notes [DECK]``: speaker notes in a second terminal.

The presenter's REPL publishes where it is (``sliderepl.teach.progress``: a
small JSON file in the user's state directory, local only) each time it
lands on a slide.  This window polls that file a few times a second and
shows the current slide's title, its ``### note::`` lines, its
exercise with the solution (the presenter's answer sheet), the next
slide's title, and the clock with the pacing against the deck's
``### target::``.  With DECK it waits until the presenter opens that
deck.  Ctrl-C closes it.  ``--once`` prints the notes once and exits
(status 1 if no presenter is running).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import textwrap
import time
from pathlib import Path
from typing import TextIO

from sliderepl.deck.collection import deck_path
from sliderepl.teach.pacing import budget, pace
from sliderepl.teach.progress import Stage, presenter

CLEAR = "\x1b[H\x1b[2J"


def render(stage: Stage | None, width: int, now: float,
           waiting_for: Path | None = None) -> str:
    """The notes screen as plain text."""
    if stage is None or (
        waiting_for is not None and stage.where.deck != waiting_for
    ):
        what = waiting_for.name if waiting_for else "a deck"
        return (f"sliderepl notes: waiting for the presenter to open "
                f"{what}\n(in another terminal: sliderepl DECK)\n")
    where = stage.where
    elapsed = max(now - where.started, 0.0) if where.started else 0.0
    status = budget(elapsed, where.target)
    pacing = pace(elapsed, where.position, where.total, where.target)
    if pacing:
        status += f"  {pacing}"
    lines = [
        f"NOTES  {where.deck.name}  slide {where.position} / "
        f"{where.total}   {status}",
        "=" * min(width, 79),
        stage.title or "(untitled slide)",
        "",
    ]
    wrap = max(width - 4, 20)
    if stage.notes:
        for note in stage.notes:
            lines += textwrap.wrap(note, wrap, initial_indent="  * ",
                                   subsequent_indent="    ") or ["  *"]
    else:
        lines.append("  (no notes for this slide)")
    if stage.exercise:
        task, *solution = stage.exercise
        lines += [""] + textwrap.wrap(f"Exercise: {task}", wrap)
        if solution:
            lines.append("  solution:")
            lines += [f"    {line}" for line in solution]
    lines.append("")
    if stage.next_title:
        lines.append(f"next: {where.position + 1}. {stage.next_title}")
    elif where.position >= where.total:
        lines.append("next: (end of the deck)")
    return "\n".join(lines) + "\n"


def follow(out: TextIO, deck: Path | None, interval: float = 0.25,
           limit: float | None = None) -> int:
    """Redraw ``out`` whenever the stage (or the clock) changes."""
    shown = ""
    ends = None if limit is None else time.monotonic() + limit
    while ends is None or time.monotonic() < ends:
        width = shutil.get_terminal_size((80, 24)).columns
        screen = render(presenter(), width, time.time(), deck)
        if screen != shown:
            out.write(CLEAR + screen)
            out.flush()
            shown = screen
        time.sleep(interval)
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sliderepl notes",
        description="Show the presenter's speaker notes, following the "
        "slide the presenter's sliderepl is on (run it in a second "
        "terminal).",
    )
    parser.add_argument("deck", nargs="?", type=deck_path, metavar="DECK",
                        help="follow only this deck")
    parser.add_argument("--once", action="store_true",
                        help="print the current notes once and exit")
    return parser


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)  # bad usage: cli.main says so
    deck = args.deck.resolve() if args.deck else None
    if args.once:
        stage = presenter()
        sys.stdout.write(render(stage, 79, time.time(), deck))
        found = stage is not None and (deck is None
                                       or stage.where.deck == deck)
        return 0 if found else 1
    try:
        return follow(sys.stdout, deck)
    except KeyboardInterrupt:
        sys.stdout.write("\n")
        return 0
