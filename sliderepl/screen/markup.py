"""Inline markup in titles, intro lines and bullets, to rich ``Text``.

``**bold**``, ````code```` and ``!!{name}``, which switches the rest of the
text to the theme style ``name`` (``!!{reset}`` switches back).  Inside
````code```` nothing else is markup.  A style name that is neither a theme
style nor a valid rich style renders as plain text: slides written for the
old tool must never make the runner raise.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from functools import lru_cache

from rich.style import Style
from rich.text import Text

from sliderepl.screen.theme import STYLE_NAMES

_TOKEN = re.compile(r"\*\*|``|!!\{([^}]*)\}")


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
    bold = code = False
    named: str | None = None
    pos = 0

    def emit(chunk: str) -> None:
        if not chunk:
            return
        start = len(text)
        text.append(chunk)
        end = len(text)
        for applied in (
            named,
            "markup.bold" if bold else None,
            "markup.code" if code else None,
        ):
            if applied:
                text.stylize(applied, start, end)

    for match in _TOKEN.finditer(source):
        token = match.group(0)
        if code and token != "``":
            continue  # literal inside ``code``; emitted with the chunk
        emit(source[pos : match.start()])
        pos = match.end()
        if token == "``":
            code = not code
        elif token == "**":
            bold = not bold
        else:
            named = _known_style(match.group(1), known_set)
    emit(source[pos:])
    return text
