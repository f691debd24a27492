"""``sliderepl lint DECK [--width W --height H]``: a deck's problems
before the audience sees them.

Warnings, one per line as ``FILE:LINE: message``:

* every parse problem (a syntax error such as an unterminated string, a
  missing include, a bad ``### target::``, an exercise check without a
  solution);
* a slide taller than the terminal (its header, bullets and code as the
  REPL draws them at width W, against H minus the prompt and toolbar
  lines: the REPL pages such a slide, but a presenter wants to know);
  With ``--size WxH`` the deck runs instead (headless, as ``sliderepl
  check`` runs it) and each slide's real height is measured, printed
  output included (``lint_size.py``): ``FILE:LINE: slide N is 47 lines
  at 100x30``, and a count per deck;
* a code line wider than the terminal (it would wrap mid-statement);
* unknown flag characters after ``slide::`` (the runner ignores them,
  which usually hides a typo);
* ``!!{name}`` naming neither a theme style nor a rich style;
* a shown slide without a title;
* hints, a check or a solution with no ``### exercise::`` task;
* a file with no slides at all (not a deck);
* with ``--claims`` (or ``LINT_CLAIMS = True`` in the deck collection's
  ``_config.py``), each prose sentence with an absolute word or a figure
  that no ``### claim::`` on its slide covers, as ``FILE:LINE: unproven
  claim: SENTENCE`` (the rules: ``sliderepl.tools.unproven``).

Nothing is run without ``--size``.  Exit status 0 clean, 1 warnings, 2
unreadable deck.
"""

from __future__ import annotations

import argparse
import io
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sliderepl.deck.collection import deck_path
from sliderepl.deck.markup import style_names
from sliderepl.deck.model import KNOWN_FLAGS, Deck, Slide

if TYPE_CHECKING:
    from rich.console import RenderableType

#: Lines the REPL needs below a slide: the prompt and the toolbar.
RESERVED = 2


@dataclass(frozen=True)
class Warning_:
    """One lint finding at ``path:line``."""

    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


def slide_height(slide: Slide, total: int, width: int) -> int:
    """Lines the slide's header, bullets and code take at ``width``."""
    from sliderepl.screen import render
    from sliderepl.screen.theme import make_console

    console = make_console("dark", io.StringIO(), force_terminal=False,
                           width=width)
    parts: list[RenderableType] = [render.slide_header(slide, total)]
    if slide.bullets:
        parts.append(render.bullets(slide.bullets))
    parts += [render.code(block) for block in slide.blocks]
    return sum(len(console.render_lines(part, pad=False)) for part in parts)


def _unknown_styles(text: str) -> list[str]:
    from sliderepl.screen.markup import _known_style
    from sliderepl.screen.theme import STYLE_NAMES

    return [
        name for name in style_names(text)
        if name.strip() not in ("", "reset")
        and _known_style(name, STYLE_NAMES) is None
    ]


def lint_slide(slide: Slide, total: int, width: int,
               height: int, estimate: bool = True) -> list[Warning_]:
    found: list[Warning_] = []
    at = slide.path, slide.line
    name = slide.label()
    odd = sorted({c for c in slide.raw_flags if c not in KNOWN_FLAGS
                  and not c.isspace()})
    if odd:
        found.append(Warning_(*at, f"{name}: unknown flag"
                              f"{'s' if len(odd) > 1 else ''} "
                              f"{''.join(odd)!r} (known: bpxisle)"))
    if not slide.is_setup and not slide.title:
        found.append(Warning_(*at, f"{name}: no title"))
    texts = [slide.title or "", *slide.intro, *(b.text for b in
                                                slide.bullets)]
    for text in texts:
        for style in _unknown_styles(text):
            found.append(Warning_(*at, f"{name}: unknown style "
                                  f"!!{{{style}}} (shown as plain text)"))
    exercise = slide.exercise
    if exercise is not None and not " ".join(exercise.task).strip():
        found.append(Warning_(slide.path, exercise.line, f"{name}: "
                              "exercise markup without an exercise:: "
                              "line saying what to do"))
    if slide.is_setup:
        return found
    for block in slide.blocks:
        for offset, line in enumerate(block.source.split("\n")):
            if len(line) + 4 > width:  # 4: the ">>> " prompt
                found.append(Warning_(
                    block.path, block.first_line + offset,
                    f"{name}: code line of {len(line)} characters is "
                    f"wider than {width - 4} (terminal width {width})"))
    tall = slide_height(slide, total, width) if estimate else 0
    if tall > height - RESERVED:
        found.append(Warning_(*at, f"{name}: {tall} lines tall, the "
                              f"terminal shows {height - RESERVED} "
                              f"(height {height}): it will be paged"))
    return found


def lint(deck: Deck, width: int = 80, height: int = 24,
         claims: bool = False, estimate: bool = True,
         notes: bool = False) -> list[Warning_]:
    """Every warning for ``deck`` at a ``width`` x ``height`` terminal
    (``claims``: unproven claims too; ``estimate``: the source-based
    height warning, which ``--size`` replaces by a measure; ``notes``:
    each shown slide without a speaker note)."""
    found = [Warning_(p.path, p.line, p.message) for p in deck.problems]
    total = len(deck.slides)
    for slide in deck.setup + deck.slides:
        found += lint_slide(slide, total, width, height, estimate)
        if claims:
            found += unproven_claims(slide)
        if notes and not slide.is_setup and not slide.notes:
            found.append(Warning_(slide.path, slide.line,
                                  f"slide {slide.number}: no speaker note"
                                  " (### note::)"))
    return found


def unproven_claims(slide: Slide) -> list[Warning_]:
    """``unproven claim: SENTENCE`` for each sentence of ``slide`` that
    claims without a ``### claim::`` covering it."""
    from sliderepl.tools.unproven import unproven

    missing = [Warning_(slide.path, figure.line,
                        f"measured:: {figure.script} does not exist")
               for figure in slide.measured
               if not (slide.path.parent / figure.script).is_file()]
    return missing + [
        Warning_(slide.path, s.line, f"unproven claim: {s.text}")
        for s in unproven(slide)]


def collection_asks(deck: Path, setting: str) -> bool:
    """True when the deck's own collection (the nearest ``_config.py``,
    or the installed collection it is in) sets ``setting`` to True:
    ``LINT_CLAIMS`` (unproven claims), ``LINT_NOTES`` (slides without a
    speaker note)."""
    from sliderepl.deck.collection import nearest, registered

    folder = deck.resolve().parent
    own = nearest(folder)
    if own is None:  # an installed collection: the one the deck is in
        own = next((c for c in registered() if c.folder == folder), None)
    return own is not None and getattr(own.config, setting,
                                       False) is True


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sliderepl lint",
        description="Warn about deck problems: slides too tall or wide "
        "for the terminal, unknown flags or styles, missing titles, code "
        "that does not parse.",
    )
    parser.add_argument("deck", type=deck_path, metavar="DECK")
    parser.add_argument("--width", type=int, default=80, metavar="W",
                        help="terminal columns (default 80)")
    parser.add_argument("--height", type=int, default=24, metavar="H",
                        help="terminal lines (default 24)")
    parser.add_argument("--size", metavar="WxH",
                        help="run the deck headless and measure each "
                        "slide's real height at W columns, H lines "
                        "(e.g. 100x30); overrides --width/--height")
    parser.add_argument("--claims", action="store_true",
                        help="also report prose sentences with an "
                        "absolute word or a figure and no ### claim:: "
                        "(on by default where the collection's "
                        "_config.py sets LINT_CLAIMS = True)")
    parser.add_argument("--require-notes", action="store_true",
                        help="warn about each slide without a speaker "
                        "note (on by default where the collection's "
                        "_config.py sets LINT_NOTES = True)")
    return parser


def main(argv: list[str]) -> int:
    from sliderepl.deck.reader import read_deck

    args = _parser().parse_args(argv)  # bad usage: cli.main says so
    if args.width < 20 or args.height < 5:
        print("sliderepl lint: --width must be 20 or more and --height 5 "
              "or more", file=sys.stderr)
        return 2
    if args.size:
        from sliderepl.tools.lint_size import parse_size

        try:
            args.width, args.height = parse_size(args.size)
        except ValueError as exc:
            print(f"sliderepl lint: {exc}", file=sys.stderr)
            return 2
    deck = read_deck(args.deck, "sliderepl lint")
    if deck is None:
        return 2
    claims = args.claims or collection_asks(args.deck, "LINT_CLAIMS")
    notes = args.require_notes or collection_asks(args.deck, "LINT_NOTES")
    found = lint(deck, args.width, args.height, claims,
                 estimate=not args.size, notes=notes)
    if args.size:
        from sliderepl.tools.lint_size import measured

        found += [Warning_(*found_) for found_ in
                  measured(deck.path, args.width, args.height)]
    if not deck.slides:
        found.append(Warning_(deck.path, 1, "no slides: is this a deck? "
                              "(each slide starts with a ### slide:: "
                              "line)"))
    from sliderepl.run.inert import inert

    for warning in found:  # it may quote the deck's text
        print(inert(str(warning)))
    claimed = ""
    if claims:
        count = sum(w.message.startswith("unproven claim:") for w in found)
        claimed = f" ({count} unproven claim{'s' if count != 1 else ''})"
    print(f"sliderepl lint: {deck.path}: {len(deck.slides)} slides, "
          f"{len(found)} warning{'s' if len(found) != 1 else ''}{claimed} "
          f"at {args.width}x{args.height}", file=sys.stderr)
    return 1 if found else 0
