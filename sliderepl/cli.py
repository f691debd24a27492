"""The ``sliderepl`` command line: ``main(argv) -> exit status``.

``sliderepl DECK`` opens the deck in the REPL (``sliderepl.ui.repl``);
``sliderepl`` alone offers a menu of the project's decks
(``sliderepl.ui.menu``); ``sliderepl --run-all DECK`` runs it headless
(``sliderepl.run.headless``).  The headless path imports neither rich nor
prompt_toolkit, so it starts fast and works anywhere.

Subcommands: ``sliderepl check|export|lint|notes|serve ...`` (modules of
the same names in ``sliderepl.tools``; ``serve`` and ``export --to site``
in ``sliderepl.web``; each with its own ``--help``).  The
word is a subcommand only when no file of that name exists: ``sliderepl
check`` with a deck file named ``check`` in the current folder opens that
deck.

Exit status: 0 fine, 1 a headless run failed, 2 bad usage or a deck that
can't be read, 130 Ctrl-C.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

from sliderepl.deck import collection
from sliderepl.deck.collection import Collection
from sliderepl.deck.reader import read_deck
from sliderepl.deck.safe_files import exists
from sliderepl.run import active, error_notes, own_code
from sliderepl.run.options import THEMES, Options

__all__ = ["main", "parse_options", "read_deck", "subcommand"]


def __getattr__(name: str) -> Path:
    # ``PROJECT_DIR``: the folder whose decks the menu offers, found when
    # asked (the current folder's collection, else an installed one)
    if name == "PROJECT_DIR":
        return collection.menu_folder()
    raise AttributeError(name)


#: subcommand -> its one line in ``sliderepl --help``
SUBCOMMAND_HELP: dict[str, str] = {
    "check": "run DECK headless, compare with its stored transcript",
    "export": "write a handout of DECK (--to md|html|py|ipynb|site)",
    "lint": "warn about DECK's problems before the talk",
    "notes": "speaker notes in a second terminal",
    "serve": "serve a site (export --to site) on 127.0.0.1",
}


def _subcommand_lines() -> str:
    lines = ["subcommands (each has --help):"]
    lines += [f"  sliderepl {word:<7} {text}"
              for word, text in SUBCOMMAND_HELP.items()]
    return "\n".join(lines)


def version() -> str:
    """The installed distribution's version (the one that carries this
    package), else the package's own ``__version__``."""
    from importlib import metadata

    try:
        names = metadata.packages_distributions().get("sliderepl", [])
        if names:
            return metadata.version(names[0])
    except (metadata.PackageNotFoundError, OSError, ValueError):
        pass
    # the package itself: always loaded before any of its modules (no
    # import, so no arrow up the layers)
    return str(sys.modules[__name__.partition(".")[0]].__version__)


class _Version(argparse.Action):
    """``--version``: looked up only when asked (startup stays fast)."""

    def __call__(self, parser: argparse.ArgumentParser,
                 namespace: argparse.Namespace, values: object,
                 option_string: str | None = None) -> None:
        print(f"sliderepl {version()}")
        parser.exit()


def _parser(
    collections: Sequence[Collection] = (),
) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sliderepl",
        usage="sliderepl [options] [DECK]\n"
        "       sliderepl {check,export,lint,notes,serve} ...",
        description="Run a slide deck as a live Python REPL session.",
        epilog=_subcommand_lines(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--version", action=_Version, nargs=0,
        help="print the version and exit",
    )
    parser.add_argument(
        "deck", nargs="?", type=Path, metavar="DECK",
        help="the deck file (without it: choose from a menu)",
    )
    parser.add_argument(
        "--list", action="store_true", dest="list_decks",
        help="print the decks that can be opened by name (here, or "
        "installed) and exit",
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
        "--no-echo", action="store_true",
        help="start with SQL echo off (toggle with !echo)",
    )
    parser.add_argument(
        "--start", type=int, default=None, metavar="N",
        help="open on slide N (earlier slides run silently); without "
        "it, the REPL offers to resume where you stopped last time",
    )
    parser.add_argument(
        "--pacing", action="store_true",
        help="the toolbar shows the time against the deck's target, "
        "ahead or behind (default: the clock alone)",
    )
    parser.add_argument(
        "--watch", action="store_true",
        help="reload the deck when its file (or an included one) is "
        "saved, back on the same slide: for rehearsing a deck",
    )
    # the deck collection's own options (its ``_config.py``)
    collection.add_arguments(collections, parser)
    return parser


_OWN = frozenset({"deck", "run_all", "short", "presentation", "theme",
                  "no_echo", "start", "pacing", "watch", "list_decks"})


def parse_options(
    argv: list[str], collections: Sequence[Collection] = ()
) -> Options:
    """Options from arguments; ``SystemExit(2)`` on bad usage.
    ``collections`` add their own options (``Options.deck_options``)."""
    parser = _parser(collections)
    args = parser.parse_args(argv)
    if args.start is not None and args.start < 1:
        parser.error("--start must be 1 or more")
    if args.run_all and args.deck is None:
        parser.error("--run-all needs a DECK")
    if args.run_all and args.watch:
        parser.error("--watch is for the REPL, not --run-all")
    return Options(
        deck=args.deck,
        run_all=args.run_all,
        short=args.short,
        presentation=args.presentation,
        theme=args.theme,
        echo_sql=not args.no_echo,
        start=args.start or 1,
        resume=args.start is None,
        pacing=args.pacing,
        watch=args.watch,
        list_decks=args.list_decks,
        deck_options={k: v for k, v in vars(args).items()
                      if k not in _OWN},
    )


def _check(argv: list[str]) -> int:
    from sliderepl.tools.check import main as run

    return run(argv)


def _export(argv: list[str]) -> int:
    pairs = zip(argv, argv[1:], strict=False)
    if "--to=site" in argv or ("--to", "site") in pairs:  # sliderepl.web
        from sliderepl.web.build import main as site

        return site(argv)
    from sliderepl.tools.export import main as run

    return run(argv)


def _lint(argv: list[str]) -> int:
    from sliderepl.tools.lint import main as run

    return run(argv)


def _notes(argv: list[str]) -> int:
    from sliderepl.tools.notes import main as run

    return run(argv)


def _serve(argv: list[str]) -> int:
    from sliderepl.web.serve import main as run

    return run(argv)


#: subcommand -> its ``main(argv) -> int`` (each tool imported only when
#: its word is given: the deck path stays fast)
SUBCOMMANDS: dict[str, Callable[[list[str]], int]] = {
    "check": _check,
    "export": _export,
    "lint": _lint,
    "notes": _notes,
    "serve": _serve,
}


def misspelt(argv: list[str]) -> str | None:
    """The subcommand ``argv[0]`` looks like a typo of, or None: a
    word close to one (``sliderepl chek part1.py``) that is neither a
    file nor a deck of a collection (those stay decks)."""
    import difflib

    word = argv[0] if argv else ""
    if not word or word.startswith("-") or exists(Path(word)):
        return None
    close = difflib.get_close_matches(word, SUBCOMMANDS, n=1)
    if not close or collection.find_deck(word) is not None:
        return None
    return close[0]


def subcommand(argv: list[str]) -> str | None:
    """The subcommand ``argv`` starts with, or None (no such word, or a
    file of that name exists: then it is a deck)."""
    if not argv or argv[0] not in SUBCOMMANDS:
        return None
    if exists(Path(argv[0])):
        return None
    return argv[0]


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = sys.argv[1:] if argv is None else list(argv)
    word = subcommand(args)
    if word is not None:
        run = SUBCOMMANDS[word]
        try:
            with active.running():
                return int(run(args[1:]))
        except SystemExit as exc:  # argparse's way to say "bad usage"
            return exc.code if isinstance(exc.code, int) else 2
        except KeyboardInterrupt:
            print("sliderepl: interrupted", file=sys.stderr)
            return 130
    near = misspelt(args)
    if near is not None:
        print(f"sliderepl: no subcommand or deck {args[0]!r}; did you "
              f"mean `{near}`?", file=sys.stderr)
        return 2
    collections = collection.for_arguments(args)
    try:
        options = parse_options(args, collections)
    except SystemExit as exc:  # argparse's way to say "bad usage"
        return exc.code if isinstance(exc.code, int) else 2
    if options.list_decks:
        return list_decks(collections, sys.stdout, sys.stderr)
    collection.prepare(collections,
                       argparse.Namespace(**options.deck_options))
    error_notes.register(collection.describers(collections))
    own_code.register(collections)
    try:
        with active.running():
            return _run(options)
    except KeyboardInterrupt:
        print("sliderepl: interrupted", file=sys.stderr)
        return 130


def list_decks(collections: Sequence[Collection], out: TextIO,
               err: TextIO) -> int:
    """``--list``: each collection's folder, then one line per deck:
    the name ``sliderepl NAME`` takes and its title.  Exit 1 if there
    is no deck to list."""
    from sliderepl.run.inert import inert
    from sliderepl.ui.menu import find_decks

    listed = 0
    for found in collections:
        decks = find_decks(found.folder)
        if decks:
            print(f"{found.folder}:", file=out)
        for path, title in decks:
            print(inert(f"  {path.stem:<12} {title}"), file=out)
        listed += len(decks)
    if not listed:
        print("sliderepl: no decks here (a folder with a _config.py) "
              "and none installed", file=err)
        return 1
    return 0


def _run(options: Options) -> int:
    if options.deck is None:
        return _from_menu(options)
    return _open(options)


def _from_menu(options: Options) -> int:
    """The menu, then the deck chosen; leaving the deck (``!quit``,
    ``exit()``, Ctrl-D) shows the menu again, until the menu is quit."""
    from dataclasses import replace

    try:
        from sliderepl.ui.menu import choose_deck
    except ImportError as exc:
        return _missing("sliderepl.ui.menu.choose_deck", exc)
    while True:
        chosen = choose_deck(collection.menu_folder())
        if chosen is None:
            return 0
        opened = replace(options, deck=Path(chosen))
        status = _open(opened, from_menu=True)
        if status != 0 or opened.run_all:
            return status


def _open(options: Options, from_menu: bool = False) -> int:
    """Run the deck ``options.deck`` names."""
    assert options.deck is not None
    if not exists(options.deck) and len(options.deck.parts) == 1:
        # a name, not a path: a deck of the current or an installed
        # collection (``sliderepl part1``)
        options.deck = collection.deck_path(str(options.deck))
    deck = read_deck(options.deck)
    if deck is None:
        return 2
    if options.start > len(deck.slides):
        print(f"sliderepl: --start {options.start}: {deck.path.name} has "
              f"{len(deck.slides)} slide"
              f"{'' if len(deck.slides) == 1 else 's'}", file=sys.stderr)
        return 2
    if options.run_all:
        from sliderepl.run.headless import run_all

        _tolerant(sys.stdout)
        status = run_all(deck, options, sys.stdout, sys.stderr)
        _quiet_if_closed(sys.stdout)
        return status
    try:
        from sliderepl.ui.repl import run_interactive
    except ImportError as exc:
        return _missing("sliderepl.ui.repl.run_interactive", exc)
    then: list[Path] = []
    status = int(run_interactive(deck, options, from_menu=from_menu,
                                 then=then))
    if status == 0 and then:
        # the finish line's offer, taken: the next deck, from its start
        from dataclasses import replace

        return _open(replace(options, deck=then[0], start=1, resume=True),
                     from_menu)
    return status


def _missing(name: str, exc: ImportError) -> int:
    """Exit status 2, saying that part of the runner is missing."""
    print(
        f"sliderepl: {name} is not available"
        f" ({exc}); use --run-all DECK to run a deck headless",
        file=sys.stderr,
    )
    return 2


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
