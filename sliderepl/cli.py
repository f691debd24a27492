"""The ``sliderepl`` command line: ``main(argv) -> exit status``.

``sliderepl DECK`` opens the deck in the REPL (``sliderepl.ui.repl``);
``sliderepl`` alone offers a menu of the project's decks
(``sliderepl.ui.menu``); ``sliderepl --run-all DECK`` runs it headless
(``sliderepl.run.headless``).  The headless path imports neither rich nor
prompt_toolkit, so it starts fast and works anywhere.

Subcommands: ``sliderepl check|export|lint|notes ...`` (modules of the
same names, each with its own ``--help``).  The word is a subcommand only
when no file of that name exists: ``sliderepl check`` with a deck file
named ``check`` in the current folder opens that deck.

Exit status: 0 fine, 1 a headless run failed, 2 bad usage or a deck that
can't be read, 130 Ctrl-C.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any, TextIO

from sliderepl.run import active
from sliderepl.deck.model import Deck
from sliderepl.run.options import THEMES, Options

PROJECT_DIR = Path(__file__).resolve().parent.parent


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sliderepl",
        description="Run a slide deck as a live Python REPL session.",
        epilog="Also: sliderepl check DECK (compare with the stored "
        "transcript), sliderepl export DECK --to md|html|py (handouts), "
        "sliderepl lint DECK (problems before the talk), sliderepl notes "
        "(speaker notes in a second terminal).  Each has --help.",
    )
    parser.add_argument(
        "deck", nargs="?", type=Path, metavar="DECK",
        help="the deck file (without it: choose from a menu)",
    )
    parser.add_argument(
        "--run-all", action="store_true",
        help="run every slide with no terminal, print the transcript; "
        "exit 0 only if no slide failed",
    )
    parser.add_argument(
        "--short", action="store_true",
        help="leave out the slides marked long-only (flag l)",
    )
    parser.add_argument(
        "--presentation", action="store_true",
        help="presentation mode: clear the screen for each slide",
    )
    parser.add_argument(
        "--theme", choices=THEMES, default="dark",
        help="colour theme (contrast: for projectors)",
    )
    parser.add_argument(
        "--db", metavar="URL",
        help="database for the deck (sets TUTORIAL_DB); "
        "'postgresql' or 'mariadb' start a throwaway server",
    )
    parser.add_argument(
        "--no-echo", action="store_true",
        help="start with SQL echo off (toggle with !echo)",
    )
    parser.add_argument(
        "--start", type=int, default=None, metavar="N",
        help="open on slide N (earlier slides run silently); without "
        "it, the REPL offers to resume where you stopped last time",
    )
    return parser


def parse_options(argv: list[str]) -> Options:
    """Options from arguments; ``SystemExit(2)`` on bad usage."""
    args = _parser().parse_args(argv)
    if args.start is not None and args.start < 1:
        _parser().error("--start must be 1 or more")
    if args.run_all and args.deck is None:
        _parser().error("--run-all needs a DECK")
    return Options(
        deck=args.deck,
        run_all=args.run_all,
        short=args.short,
        presentation=args.presentation,
        theme=args.theme,
        db=args.db,
        echo_sql=not args.no_echo,
        start=args.start or 1,
        resume=args.start is None,
    )


#: subcommand -> module of sliderepl.tools with ``main(argv) -> int``
SUBCOMMANDS = {
    "check": "check",
    "export": "export",
    "lint": "lint",
    "notes": "notes",
}


def subcommand(argv: list[str]) -> str | None:
    """The module of the subcommand ``argv`` starts with, or None (no
    such word, or a file of that name exists: then it is a deck)."""
    if not argv or argv[0] not in SUBCOMMANDS:
        return None
    if Path(argv[0]).exists():
        return None
    return SUBCOMMANDS[argv[0]]


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = sys.argv[1:] if argv is None else list(argv)
    module = subcommand(args)
    if module is not None:
        import importlib

        run = importlib.import_module(f"sliderepl.tools.{module}").main
        try:
            with active.running():
                return int(run(args[1:]))
        except SystemExit as exc:  # argparse's way to say "bad usage"
            return exc.code if isinstance(exc.code, int) else 2
        except KeyboardInterrupt:
            print("sliderepl: interrupted", file=sys.stderr)
            return 130
    try:
        options = parse_options(args)
    except SystemExit as exc:  # argparse's way to say "bad usage"
        return exc.code if isinstance(exc.code, int) else 2
    if options.db:
        os.environ["TUTORIAL_DB"] = options.db
    try:
        with active.running():
            return _run(options)
    except KeyboardInterrupt:
        print("sliderepl: interrupted", file=sys.stderr)
        return 130


def _run(options: Options) -> int:
    if options.deck is None:
        choose = _ui("ui.menu", "choose_deck")
        if choose is None:
            return 2
        chosen = choose(PROJECT_DIR)
        if chosen is None:
            return 0
        options.deck = Path(chosen)
    deck = read_deck(options.deck)
    if deck is None:
        return 2
    if options.run_all:
        from sliderepl.run.headless import run_all

        _tolerant(sys.stdout)
        status = run_all(deck, options, sys.stdout, sys.stderr)
        _quiet_if_closed(sys.stdout)
        return status
    run_interactive = _ui("ui.repl", "run_interactive")
    if run_interactive is None:
        return 2
    return int(run_interactive(deck, options))


def read_deck(path: Path, prog: str = "sliderepl") -> Deck | None:
    """The parsed deck, or None after saying on stderr why it can't be
    read (the subcommands use it too, with their own ``prog``)."""
    from sliderepl.deck.parser import load

    if path.is_dir():
        print(f"{prog}: {path} is a folder, not a deck", file=sys.stderr)
        return None
    try:
        return load(path)
    except FileNotFoundError:
        print(f"{prog}: no such deck: {path}", file=sys.stderr)
    except (OSError, UnicodeDecodeError) as exc:
        print(f"{prog}: can't read {path}: {exc}", file=sys.stderr)
    return None


def _ui(module: str, name: str) -> Any:
    """``sliderepl.<module>.<name>``, imported only when needed, or None
    (with a message) if that part of the runner is missing."""
    import importlib

    try:
        found = importlib.import_module(f"sliderepl.{module}")
        return getattr(found, name)
    except (ImportError, AttributeError) as exc:
        print(
            f"sliderepl: sliderepl.{module}.{name} is not available"
            f" ({exc}); use --run-all DECK to run a deck headless",
            file=sys.stderr,
        )
        return None


def _tolerant(stream: object) -> None:
    """Never die on a character the output encoding can't write."""
    reconfigure = getattr(stream, "reconfigure", None)
    if reconfigure is not None:
        try:
            reconfigure(errors="backslashreplace")
        except (ValueError, OSError):
            pass


def _quiet_if_closed(stream: TextIO) -> None:
    """After ``| head`` closed the pipe, point the stream at /dev/null so
    the interpreter's final flush doesn't print a BrokenPipeError."""
    try:
        stream.flush()
    except (OSError, ValueError):
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, stream.fileno())
        except (OSError, ValueError):
            pass
