"""Inline markup in titles, intro lines and bullets, to rich ``Text``.

The spans come from ``sliderepl.deck.markup`` (the grammar lives
there); here ``!!{name}`` becomes the theme style ``name``.  A style name
that is neither a theme style nor a valid rich style renders as plain
text: slides written for the old tool must never make the runner raise.
The text itself is drawn inert (``sliderepl.run.inert``): a control
character in a title shows as ``\\x1b``, never reaching the terminal.
"""

from __future__ import annotations

from collections.abc import Collection
from functools import lru_cache

from rich.style import Style
from rich.text import Text

from sliderepl.deck.markup import CODE, STYLE, parse
from sliderepl.run.inert import inert
from sliderepl.screen.theme import STYLE_NAMES


@lru_cache(maxsize=256)
def _known_style(name: str, known: frozenset[str]) -> str | None:
    """The style to apply for ``!!{name}``, or None for plain text."""
    name = name.strip()
    if name in known:
        return name
    if not name or name == "reset":
        return None
    try:
        Style.parse(name)
    except Exception:  # rich raises StyleSyntaxError and friends
        return None
    return name


def to_text(
    source: str,
    style: str = "",
    known: Collection[str] = STYLE_NAMES,
) -> Text:
    """``source`` with its inline markup applied, on top of ``style``."""
    known_set = frozenset(known)
    text = Text(style=style)
    named: str | None = None
    for span in parse(source):
        if span.kind == STYLE:
            named = _known_style(span.text, known_set)
            continue
        start = len(text)
        text.append(inert(span.text))
        end = len(text)
        for applied in (
            named,
            "markup.bold" if span.bold else None,
            "markup.code" if span.kind == CODE else None,
        ):
            if applied:
                text.stylize(applied, start, end)
    return text
