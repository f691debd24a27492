"""What the speaker sees of the next slide: a pure function of a slide.

The notes window (``sliderepl notes``) shows the next slide's title, the
first lines of its intro and of its code, so the speaker can lead into
it.  Here the slide becomes plain strings (inline markup dropped); the
window decides how many lines fit.
"""

from __future__ import annotations

from sliderepl.deck.markup import plain
from sliderepl.deck.model import Slide


def paragraphs(lines: list[str]) -> list[str]:
    """Intro lines joined into paragraphs (an empty ``#`` line splits)."""
    found: list[str] = []
    current: list[str] = []
    for line in lines:
        if line.strip():
            current.append(line.strip())
        elif current:
            found.append(" ".join(current))
            current = []
    if current:
        found.append(" ".join(current))
    return found


def intro(slide: Slide) -> tuple[str, ...]:
    """The slide's intro as paragraphs of plain text (its wrapped comment
    lines joined; a lone ``#`` separates paragraphs).  A slide with no
    intro offers its bullets instead, one paragraph each."""
    found = paragraphs(slide.intro) or [
        f"* {bullet.text}" for bullet in slide.bullets]
    return tuple(plain(text).strip() for text in found)


def code(slide: Slide) -> tuple[str, ...]:
    """The slide's code as shown, ``>>>`` / ``...`` prompts included."""
    lines: list[str] = []
    for block in slide.blocks:
        for index, line in enumerate(block.display.split("\n")):
            lines.append(("... " if index else ">>> ") + line)
    return tuple(lines)
