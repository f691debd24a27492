"""Inline slide markup, parsed once into spans (titles, intro, bullets).

``**bold**``, ````code```` and ``!!{name}``, which switches the rest of
the text to the style ``name`` (``!!{reset}`` switches back).  Inside
````code```` nothing else is markup.  Markers that don't pair up are
dropped (``**unbalanced`` reads ``unbalanced``); ``!!{red`` without its
brace is plain text.  What a style name means is the screen's business
(``sliderepl.screen.markup``): here it is kept as written.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

_TOKEN = re.compile(r"\*\*|``|!!\{([^}]*)\}")

TEXT, BOLD, CODE, STYLE = "text", "bold", "code", "style"


class Span(NamedTuple):
    """A piece of marked-up text.

    ``kind``: ``code`` (inside ````...````), ``bold`` (inside
    ``**...**``), ``text``, or ``style`` (a ``!!{name}`` switch: ``text``
    is the name as written; it applies to the spans after it).  ``bold``
    is also True for code inside ``**...**``.
    """

    kind: str
    text: str
    bold: bool = False


@lru_cache(maxsize=1024)
def parse(source: str) -> tuple[Span, ...]:
    """``source`` as spans, in order; empty pieces left out."""
    spans: list[Span] = []
    bold = code = False
    position = 0

    def piece(end: int) -> None:
        if end > position:
            kind = CODE if code else BOLD if bold else TEXT
            spans.append(Span(kind, source[position:end], bold))

    for match in _TOKEN.finditer(source):
        token = match.group(0)
        if code and token != "``":
            continue  # literal inside ``code``: part of the code span
        piece(match.start())
        position = match.end()
        if token == "``":
            code = not code
        elif token == "**":
            bold = not bold
        else:
            spans.append(Span(STYLE, match.group(1)))
    piece(len(source))
    return tuple(spans)


def plain(source: str) -> str:
    """``source`` without its markup: the words a reader sees."""
    return "".join(span.text for span in parse(source) if span.kind != STYLE)


def style_names(source: str) -> list[str]:
    """The names in ``source``'s ``!!{name}`` switches, as written."""
    return [span.text for span in parse(source) if span.kind == STYLE]
