"""Commands typed at the prompt: ``!next``, ``!goto 3``, ``?``, ``name?``...

The command table: each ``Spec`` carries a command's name, aliases,
argument, help line and handler (``actions.py``).  ``parse(line)`` is
pure: it turns a line into a ``Command``, a ``BadCommand`` (a clear
message for the user) or ``None`` (the line is Python).  A line starting
with ``!`` is never valid Python, so every such line is a command or a
message, never a ``SyntaxError``.  ``handle_line`` is the one way a
line typed at the prompt (or piped in) gets acted on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sliderepl.ui import actions
from sliderepl.ui.actions import Match, find_slide
from sliderepl.ui.actions import is_int as _is_int
from sliderepl.ui.steps import ReplState, advance

__all__ = [
    "SPECS", "BadCommand", "Command", "Match", "Spec", "find_slide",
    "guarded", "handle_line", "help_rows", "parse",
]

Handler = Callable[[ReplState, str], None]


@dataclass(frozen=True)
class Spec:
    """One command: its name, aliases, argument, one line of help, and
    the handler that carries it out (called with the state and the
    argument)."""

    name: str
    aliases: tuple[str, ...]
    arg: str  # "" (none), "N", "N|WORDS" or "NAME"; "?" suffix: optional
    help: str
    run: Handler


def show_help(state: ReplState, arg: str) -> None:
    """``?``: the command table and the keys."""
    from sliderepl.screen import render
    from sliderepl.ui.keys import KEY_HELP

    state.screen.show(render.help_table([*help_rows(), *KEY_HELP]))


SPECS: tuple[Spec, ...] = (
    Spec("next", ("n",), "", "next slide (or run the paused code)",
         actions.next_slide),
    Spec("prev", ("p",), "", "previous slide (namespace rebuilt)",
         actions.prev_slide),
    Spec("goto", ("g",), "N|WORDS", "go to slide N, or the first slide "
         "whose title has WORDS", actions.goto),
    Spec("show", ("s",), "N", "display slide N without running it",
         actions.show_slide),
    Spec("info", ("i",), "", "deck, slide N of M", actions.info),
    Spec("toc", ("t",), "", "table of contents", actions.toc),
    Spec("rerun", ("r",), "", "run the current slide again",
         actions.rerun),
    Spec("presentation", ("pr",), "", "toggle presentation mode "
         "(clear the screen per slide)", actions.presentation),
    Spec("rreallyrerun", ("rr",), "", "reload the deck file, keep the "
         "position", actions.reload),
    Spec("reset", (), "", "start the deck over with a fresh namespace",
         actions.reset),
    Spec("echo", (), "", "toggle showing the SQL sent to the database",
         actions.echo),
    Spec("theme", (), "NAME?", "switch theme: dark, light, contrast",
         actions.set_theme),
    Spec("copy", (), "", "copy this slide's code to the clipboard "
         "(or a file, which it names)", actions.copy_slide),
    Spec("hint", (), "", "the next hint of this slide's exercise",
         actions.hint),
    Spec("check", (), "", "check this slide's exercise in your namespace",
         actions.check),
    Spec("solution", (), "", "show a solution of this slide's exercise",
         actions.solution),
    Spec("edit", (), "", "this slide's exercise (or code) in $EDITOR: "
         "run and checked each time you save", actions.edit),
    Spec("claims", (), "", "what this slide claims, each proof checked "
         "now in your namespace", actions.claims),
    Spec("tb", (), "", "the full traceback of the last error",
         actions.traceback),
    Spec("repr", (), "", "the last value echoed as a table, as its "
         "plain repr", actions.plain_repr),
    Spec("exercises", ("ex",), "N?", "the deck's exercises and their "
         "state; !exercises N (or next) goes to one", actions.exercise_list),
    Spec("quit", ("q",), "", "leave the deck", actions.quit_deck),
    Spec("help", ("?",), "", "list the commands", show_help),
    Spec("doc", (), "NAME", "what NAME is: signature, docstring "
         "(also NAME?)", actions.doc),
    Spec("source", (), "NAME", "the source of NAME (also NAME??)",
         actions.source),
)

_BY_WORD: dict[str, Spec] = {}
for _spec in SPECS:
    _BY_WORD[_spec.name] = _spec
    for _alias in _spec.aliases:
        _BY_WORD[_alias] = _spec


@dataclass(frozen=True)
class Command:
    """A recognised command; ``arg`` is the stripped rest of the line.
    ``number`` is ``arg`` as an int when it is one."""

    name: str
    arg: str = ""

    @property
    def number(self) -> int | None:
        try:
            return int(self.arg)
        except ValueError:
            return None


@dataclass(frozen=True)
class BadCommand:
    """A line that is a command but a wrong one: tell the user why."""

    message: str


def parse(line: str) -> Command | BadCommand | None:
    """The command on ``line``, a message, or None when it is Python."""
    text = line.strip()
    if text == "?":
        return Command("help")
    if not text.startswith("!"):
        from sliderepl.ui.introspect import asked

        question = asked(text)  # name? / name?? as in IPython
        return Command(*question) if question else None
    word, _, arg = text[1:].partition(" ")
    word = word.lower()
    arg = arg.strip()
    if not word:
        return BadCommand("a command goes right after '!'; ? lists commands")
    spec = _BY_WORD.get(word)
    if spec is None:
        return BadCommand(f"unknown command !{word}; ? lists commands")
    if spec.arg == "" and arg:
        return BadCommand(f"!{spec.name} takes no argument")
    if spec.arg in ("N", "N|WORDS") and not arg:
        return BadCommand(f"!{spec.name} needs a slide number: "
                          f"!{spec.name} 3")
    if spec.arg == "NAME" and not arg:
        return BadCommand(f"!{spec.name} needs a name: !{spec.name} "
                          "engine, or engine?")
    if spec.arg == "N" and not _is_int(arg):
        return BadCommand(f"!{spec.name} needs a slide number, "
                          f"not {arg!r}")
    return Command(spec.name, arg)


def help_rows() -> list[tuple[str, str]]:
    """(usage, help) for every command, for the ``?`` table."""
    rows = []
    for spec in SPECS:
        names = [f"!{spec.name}"] + [
            a if a == "?" else f"!{a}" for a in spec.aliases
        ]
        arg = spec.arg.rstrip("?")
        usage = ", ".join(names) + (f" {arg}" if arg else "")
        rows.append((usage, spec.help))
    rows.append(("Enter", "on an empty line: next bullet, paused code "
                 "or slide"))
    return rows


def handle_line(state: ReplState, line: str) -> None:
    """One line from the prompt: advance, a command, or Python.

    Never raises: the presenter's session goes on whatever happens.
    """
    guarded(state, lambda: _dispatch(state, line))


def _dispatch(state: ReplState, line: str) -> None:
    if not line.strip():
        advance(state)
        return
    parsed = parse(line)
    if parsed is None:
        state.nav.run_source(line, state.screen)
        state.exercises.typed(state.slide)  # an attempt, if it has one
    elif isinstance(parsed, BadCommand):
        state.screen.message(parsed.message, failed=True)
    else:
        _BY_WORD[parsed.name].run(state, parsed.arg)


def guarded(state: ReplState, action: Callable[[], object]) -> None:
    """Run ``action``; Ctrl-C or a bug in the runner becomes a message.

    Slide code's own exceptions never get here (the interpreter turns
    them into events): what does is ours, and the session goes on.
    """
    from sliderepl.run.capture import end_leftovers
    from sliderepl.run.leaving import LeaveDeck, restore_stdin

    try:
        action()
    except LeaveDeck:  # exit(), quit() or SystemExit typed at >>>
        actions.quit_deck(state, "")  # as !quit does
    except KeyboardInterrupt:
        state.screen.message("interrupted", failed=True)
    except Exception as exc:
        state.screen.message(
            f"sliderepl internal error: {type(exc).__name__}: {exc}",
            failed=True,
        )
    restore_stdin()  # code that closed sys.stdin must not stop the REPL
    end_leftovers()  # nor a capture a stray Ctrl-C left open (mute)
    # Output that ended mid-line (print(..., end="")) must not leave the
    # next prompt glued to it.
    state.screen.end_line()
