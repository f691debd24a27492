"""``sliderepl`` with no deck: a menu of the project's decks.

The decks are the files of a collection's folder its ``DECKS`` globs name
(``sliderepl.deck.collection``: ``*.py`` by default) that contain a
``### slide::`` line; a deck's title is the first line of its docstring.
Plain ``input()``: this must work on any terminal, and before
prompt_toolkit is even imported.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path

from sliderepl.deck.collection import MARKER as _MARKER
from sliderepl.deck.collection import in_folder
from sliderepl.run.inert import inert


def find_decks(project_dir: Path) -> list[tuple[Path, str]]:
    """(path, title) of every deck in ``project_dir``, sorted by name."""
    found = []
    for path in in_folder(Path(project_dir)).decks():
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError):
            continue
        found.append((path.parent / path.name, _title(text) or path.stem))
    return found


def _title(text: str) -> str:
    """First line of the module docstring, without parsing the slides
    (a deck with a syntax error further down still gets its title)."""
    head = text.split(_MARKER, 1)[0]
    try:
        doc = ast.get_docstring(ast.parse(head))
    except SyntaxError:
        return ""
    first = (doc or "").strip().split("\n")[0]
    # A deck's docstring may end with "Run: python deck.py ...": the menu
    # is how it is being run, so that part is noise here.  Shown inert.
    return inert(first.split("Run:", 1)[0].strip())


def entry(number: int, title: str, name: str, done: str,
          width: int) -> list[str]:
    """One deck's lines in the menu, none wider than ``width`` - 1
    (a full-width line wraps on some terminals): broken between words,
    the progress ``[...]`` kept whole, on a line of its own when it does
    not fit on the last."""
    import textwrap

    head = f"  {number}. "
    lines = textwrap.wrap(f"{title}  ({name})", width=max(width - 1, 20),
                          initial_indent=head,
                          subsequent_indent=" " * len(head),
                          break_long_words=False, break_on_hyphens=False)
    if done:
        where = f"[{done}]"
        if len(lines[-1]) + 2 + len(where) <= width - 1:
            lines[-1] += f"  {where}"
        else:
            lines.append(" " * len(head) + where)
    return lines


def _columns() -> int:
    import shutil

    return shutil.get_terminal_size().columns


def choose_deck(
    project_dir: Path,
    ask: Callable[[str], str] = input,
    say: Callable[[str], None] = print,
) -> Path | None:
    """Ask which deck to open; None when the user quits or there is none.

    ``ask`` and ``say`` are ``input`` and ``print`` unless a test gives
    its own.  Ctrl-C and Ctrl-D quit.
    """
    decks = find_decks(project_dir)
    if not decks:
        globs = ", ".join(in_folder(Path(project_dir)).patterns)
        say(f"no decks ({globs} with '{_MARKER}') in {project_dir}")
        return None
    from sliderepl.teach.progress import menu_progress

    say("Decks:")
    width = _columns()
    for number, (path, title) in enumerate(decks, 1):
        done = menu_progress(path)  # furthest slide, exercises solved
        for line in entry(number, title, path.name, done, width):
            say(inert(line))
    while True:
        try:
            answer = ask(f"Open which deck? [1-{len(decks)}, q quits] ")
        except (EOFError, KeyboardInterrupt):
            say("")
            return None
        answer = answer.strip().lower()
        if answer in ("q", "quit", "!q", "!quit"):
            return None
        if answer.isdigit() and 1 <= int(answer) <= len(decks):
            return decks[int(answer) - 1][0]
        say(f"type a number from 1 to {len(decks)}, or q")
