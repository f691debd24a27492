"""``sliderepl notes [DECK]``: speaker notes in a second terminal.

The presenter's REPL publishes where it is (``sliderepl.teach.progress``: a
small JSON file in the user's state directory, local only) each time it
lands on a slide.  This window polls that file a few times a second and
shows the current slide's title, its ``### note::`` paragraphs, its
exercise with the solution (the presenter's answer sheet), a preview of
the next slide (its title, the first lines of its intro and of its
code), and the clock with the pacing (ahead / behind) against the deck's
``### target::``: the projected toolbar shows only the clock, the
speaker sees the pacing here.  With DECK it waits until the presenter
opens that deck.  Ctrl-C closes it.  ``--once`` prints the notes once and exits
(status 1 if no presenter is running).

Everything shown comes from the presenter's file and the deck (titles,
notes, code) and is drawn inert (``sliderepl.run.inert``): a control
character shows as ``\\x1b``; only the window's own clear-screen code
reaches the terminal.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import textwrap
import time
from pathlib import Path
from typing import TextIO

from sliderepl.deck.collection import deck_path
from sliderepl.deck.safe_files import read_regular, why_not
from sliderepl.run.inert import inert
from sliderepl.screen.size import columns
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
                f"{inert(what)}\n(in another terminal: sliderepl DECK)\n")
    stage = _inert(stage)
    where = stage.where
    elapsed = max(now - where.started, 0.0) if where.started else 0.0
    status = budget(elapsed, where.target)
    pacing = pace(elapsed, where.position, where.total, where.target)
    if pacing:
        status += f"  {pacing}"
    lines = [
        f"NOTES  {inert(where.deck.name)}  slide {where.position} / "
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
    if where.position < where.total:
        title = stage.next_title or "(untitled slide)"
        lines.append(f"next: {where.position + 1}. {title}")
        lines += _preview(stage, width)
    elif where.position >= where.total:
        lines.append("next: (end of the deck)")
    return "\n".join(lines) + "\n"


def _inert(stage: Stage) -> Stage:
    """``stage`` with every text in it inert."""
    return dataclasses.replace(
        stage, title=inert(stage.title),
        notes=tuple(map(inert, stage.notes)),
        next_title=inert(stage.next_title),
        exercise=tuple(map(inert, stage.exercise)),
        next_intro=tuple(map(inert, stage.next_intro)),
        next_code=tuple(map(inert, stage.next_code)))


#: how much of the next slide the preview shows
INTRO_LINES = 2
CODE_LINES = 4


def _preview(stage: Stage, width: int) -> list[str]:
    """The next slide's first intro and code lines, indented, each
    within ``width`` (cut lines end with an ellipsis)."""
    room = max(width - 4, 20)
    wrapped = [line for paragraph in stage.next_intro
               for line in textwrap.wrap(paragraph, room)]
    lines = wrapped[:INTRO_LINES]
    if len(wrapped) > INTRO_LINES:
        lines[-1] = _cut(lines[-1] + " ...", room)
    code = [_cut(line, room) for line in stage.next_code[:CODE_LINES]]
    hidden = len(stage.next_code) - len(code)
    if hidden > 0:
        code.append(f"... (+{hidden} more line{'s' if hidden > 1 else ''})")
    return [f"    {line}" for line in lines + code]


def _cut(line: str, room: int) -> str:
    return line if len(line) <= room else line[:room - 3] + "..."


def follow(out: TextIO, deck: Path | None, interval: float = 0.25,
           limit: float | None = None) -> int:
    """Redraw ``out`` whenever the stage (or the clock) changes."""
    shown = ""
    ends = None if limit is None else time.monotonic() + limit
    while ends is None or time.monotonic() < ends:
        width = columns()
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
    if args.deck is not None:  # else it would wait for it for ever
        try:
            read_regular(args.deck)
        except (OSError, UnicodeDecodeError) as exc:
            print(f"sliderepl notes: {why_not(args.deck, exc)}",
                  file=sys.stderr)
            return 2
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
