"""The finish line: what Enter on the last slide shows, once it has run.

A summary (slides seen of the deck's, the exercises solved, the time this
session took) and an offer of the next deck of the collection, in the
menu's order (``menu.find_decks``: the deck's folder, its ``DECKS``
globs, sorted by name).  The REPL's side (the ``finished`` phase, the
next Enter opening that deck) is in ``steps.py``; ``cli`` opens it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.panel import Panel


def next_deck(deck_path: Path) -> tuple[Path, str] | None:
    """(path, title) of the deck after ``deck_path`` in the menu's order,
    or None (the last one, or a deck outside any list)."""
    from sliderepl.ui.menu import find_decks

    try:
        decks = find_decks(deck_path.parent)
        here = deck_path.resolve()
        paths = [path.resolve() for path, _ in decks]
    except OSError:
        return None
    if here not in paths:
        return None
    at = paths.index(here)
    return decks[at + 1] if at + 1 < len(decks) else None


def summary(seen: int, total: int, solved: int, tasks: int,
            seconds: float) -> str:
    """``slides seen 59/59, exercises solved 3/5, time 41:12``."""
    from sliderepl.teach.pacing import clock

    parts = [f"slides seen {seen}/{total}"]
    if tasks:
        parts.append(f"exercises solved {solved}/{tasks}")
    parts.append(f"time {clock(seconds)}")
    return ", ".join(parts)


def panel(deck_name: str, summary_text: str,
          following: tuple[Path, str] | None, from_menu: bool) -> Panel:
    """The summary box."""
    from rich.panel import Panel
    from rich.text import Text

    body = Text()
    body.append(f"End of {deck_name}", style="slide.title")
    body.append(f"\n{summary_text}", style="slide.intro")
    if following is not None:
        path, title = following
        body.append(f"\nNext: {title} ({path.name}): Enter opens it",
                    style="message")
    body.append("\n!q leaves" + (", back to the menu" if from_menu
                                 else ""), style="message")
    return Panel(body, border_style="slide.border", padding=(0, 1))
