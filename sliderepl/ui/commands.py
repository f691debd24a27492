"""Commands typed at the prompt: ``!next``, ``!goto 3``, ``?``...

``parse(line)`` is pure: it turns a line into a ``Command``, a
``BadCommand`` (a clear message for the user) or ``None`` (the line is
Python).  A line starting with ``!`` is never valid Python, so every such
line is a command or a message, never a ``SyntaxError``.  Deciding what a
command does is the REPL's job; finding a slide by the words of its title
is here (``find_slide``) because it is pure too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sliderepl.deck.model import Slide


@dataclass(frozen=True)
class Spec:
    """One command: its name, aliases, argument and one line of help."""

    name: str
    aliases: tuple[str, ...]
    arg: str  # "" (none), "N", "N|WORDS" or "NAME"; "?" suffix: optional
    help: str


SPECS: tuple[Spec, ...] = (
    Spec("next", ("n",), "", "next slide (or run the paused code)"),
    Spec("prev", ("p",), "", "previous slide (namespace rebuilt)"),
    Spec("goto", ("g",), "N|WORDS", "go to slide N, or the first slide "
         "whose title has WORDS"),
    Spec("show", ("s",), "N", "display slide N without running it"),
    Spec("info", ("i",), "", "deck, slide N of M"),
    Spec("toc", ("t",), "", "table of contents"),
    Spec("rerun", ("r",), "", "run the current slide again"),
    Spec("presentation", ("pr",), "", "toggle presentation mode "
         "(clear the screen per slide)"),
    Spec("rreallyrerun", ("rr",), "", "reload the deck file, keep the "
         "position"),
    Spec("reset", (), "", "start the deck over with a fresh namespace"),
    Spec("echo", (), "", "toggle showing the SQL sent to the database"),
    Spec("theme", (), "NAME?", "switch theme: dark, light, contrast"),
    Spec("copy", (), "", "copy this slide's code to the clipboard "
         "(or a file, which it names)"),
    Spec("hint", (), "", "the next hint of this slide's exercise"),
    Spec("check", (), "", "check this slide's exercise in your namespace"),
    Spec("solution", (), "", "show a solution of this slide's exercise"),
    Spec("quit", ("q",), "", "leave the deck"),
    Spec("help", ("?",), "", "list the commands"),
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
        return None
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
    if spec.arg == "N" and not _is_int(arg):
        return BadCommand(f"!{spec.name} needs a slide number, "
                          f"not {arg!r}")
    return Command(spec.name, arg)


def _is_int(text: str) -> bool:
    try:
        int(text)
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class Match:
    """Where ``!goto`` goes: ``position`` (1-based); ``others`` are the
    other slides whose titles matched too, so the REPL can say so."""

    position: int
    others: tuple[int, ...] = ()


def find_slide(query: str, slides: Sequence[Slide]) -> Match | str:
    """The slide ``query`` names, or a message saying why there is none.

    A number is a position (checked against the deck).  Words match
    titles case-insensitively; every word must appear.  A title equal to
    the query wins outright; otherwise the first matching slide is taken
    (decks read top to bottom) and the other matches are reported.
    """
    query = query.strip()
    total = len(slides)
    if _is_int(query):
        n = int(query)
        if 1 <= n <= total:
            return Match(n)
        return f"no slide {n}: the deck has slides 1 to {total}"
    words = query.lower().split()
    if not words:
        return "!goto needs a slide number or words of a title"
    matches = []
    for position, slide in enumerate(slides, 1):
        title = _plain_title(slide).lower()
        if title == " ".join(words):
            return Match(position)
        if all(w in title for w in words):
            matches.append(position)
    if not matches:
        return f"no slide title contains {query!r}; !toc lists them"
    return Match(matches[0], tuple(matches[1:]))


def _plain_title(slide: Slide) -> str:
    """The title without inline markup, for matching words."""
    from sliderepl.screen.markup import to_text

    return to_text(slide.title or "").plain


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
