"""WCAG contrast of every theme colour against the background it is
drawn on (issue 27): the numbers behind ``theme.py``'s choices.

Assumptions (tests/test_theme_contrast.py checks every pair with them):

* ANSI named colours are xterm's default palette (``XTERM``); rich's
  256-colour names and ``#rrggbb`` are exact.
* Terminal backgrounds: ``dark`` and ``contrast`` are drawn on a typical
  dark background and on black (``#1e1e1e``, ``#000000``), ``light`` on
  white.  The terminal's own foreground (``default``) is xterm's
  ``#e5e5e5`` on the dark ones and black on white.
* ``dim`` text is drawn halfway between its colour and the background;
  ``reverse`` swaps the two.
* Text needs 4.5:1 (WCAG 2 AA, normal text); borders and rules, which
  are graphics, 3:1 (WCAG 2 non-text contrast).
* The bottom toolbar is drawn on its own ``bg:`` colour.
* Whitespace tokens of code have no glyphs and are not checked.
* The author's colour words (``!!{red}``) mean what they say and are
  not checked.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

XTERM = {
    "black": "#000000", "red": "#cd0000", "green": "#00cd00",
    "yellow": "#cdcd00", "blue": "#0000ee", "magenta": "#cd00cd",
    "cyan": "#00cdcd", "white": "#e5e5e5", "bright_black": "#7f7f7f",
    "bright_red": "#ff0000", "bright_green": "#00ff00",
    "bright_yellow": "#ffff00", "bright_blue": "#5c5cff",
    "bright_magenta": "#ff00ff", "bright_cyan": "#00ffff",
    "bright_white": "#ffffff",
}
_BY_NUMBER = list(XTERM.values())

#: the terminal backgrounds each theme is drawn on
BACKGROUNDS: Mapping[str, tuple[str, ...]] = {
    "dark": ("#1e1e1e", "#000000"),
    "light": ("#ffffff",),
    "contrast": ("#000000", "#1e1e1e"),
}
#: the terminal's own text colour on those backgrounds
FOREGROUND: Mapping[str, str] = {
    "dark": "#e5e5e5", "light": "#000000", "contrast": "#e5e5e5",
}
TEXT, GRAPHIC = 4.5, 3.0
#: styles drawn as lines, not text
GRAPHICS = frozenset({"slide.border", "sql.rule", "table.border"})


def luminance(colour: str) -> float:
    """WCAG relative luminance of ``#rrggbb``."""
    def channel(hex2: str) -> float:
        c = int(hex2, 16) / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(colour[i:i + 2]) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def ratio(fg: str, bg: str) -> float:
    """The WCAG contrast ratio of two ``#rrggbb`` colours (1 to 21)."""
    a, b = sorted((luminance(fg), luminance(bg)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def _mix(a: str, b: str) -> str:
    return "#" + "".join(
        f"{(int(a[i:i + 2], 16) + int(b[i:i + 2], 16)) // 2:02x}"
        for i in (1, 3, 5))


def hex_of(colour: str, default: str) -> str:
    """A rich colour (name, number, ``#rrggbb``, ``default``) as hex,
    ANSI colours by xterm's palette."""
    from rich.color import Color, ColorType

    if colour in ("default", ""):
        return default
    parsed = Color.parse(colour)
    if parsed.type == ColorType.DEFAULT:
        return default
    if parsed.number is not None and parsed.number < 16:
        return _BY_NUMBER[parsed.number]
    return parsed.get_truecolor().hex


@dataclass(frozen=True)
class Pair:
    """One style as drawn: its colours, their ratio, what it needs."""

    theme: str
    name: str
    fg: str
    bg: str
    ratio: float
    needs: float
    bold: bool

    def __str__(self) -> str:
        return (f"{self.theme} {self.name}: {self.fg} on {self.bg} "
                f"{self.ratio:.2f}:1 (needs {self.needs}:1)")


def drawn(theme: str, name: str, style: str, bg: str,
          fg: str | None = None) -> Pair:
    """``style`` (a rich style string) as drawn on ``bg``."""
    from rich.style import Style

    parsed = Style.parse(style)
    text = hex_of(parsed.color.name, fg or FOREGROUND[theme]) \
        if parsed.color else (fg or FOREGROUND[theme])
    back = hex_of(parsed.bgcolor.name, bg) if parsed.bgcolor else bg
    if parsed.dim:
        text = _mix(text, back)
    if parsed.reverse:
        text, back = back, text
    needs = GRAPHIC if name in GRAPHICS else TEXT
    return Pair(theme, name, text, back, ratio(text, back), needs,
                bool(parsed.bold))


def pairs(theme: str) -> Iterator[Pair]:
    """Every style of ``theme`` (its own names, its code tokens, its
    toolbar) on each background it is drawn on."""
    from sliderepl.screen.theme import (
        MARKUP_STYLES,
        STYLES,
        SYNTAX_THEMES,
        syntax_tokens,
    )

    for bg in BACKGROUNDS[theme]:
        for name, style in STYLES[theme].items():
            if name not in MARKUP_STYLES:
                yield drawn(theme, name, style, bg)
        for token, style in syntax_tokens(SYNTAX_THEMES[theme]).items():
            if token != "Text.Whitespace":  # spaces: nothing to read
                yield drawn(theme, f"code {token}", style, bg)
    yield from _toolbar(theme)


def _toolbar(theme: str) -> Iterator[Pair]:
    from sliderepl.screen.theme import TOOLBAR_STYLES

    rules = TOOLBAR_STYLES[theme]
    base = rules["bottom-toolbar"].split()
    bg = next(p[3:] for p in base if p.startswith("bg:"))
    fg = next(p for p in base if p.startswith("#"))
    for name, rule in rules.items():
        colours = [p for p in rule.split() if p.startswith("#")]
        text = colours[0] if colours else fg
        yield Pair(theme, f"toolbar {name}", text, bg, ratio(text, bg),
                   TEXT, "bold" in rule.split())


def worst(theme: str) -> Pair:
    """The pair of ``theme`` with the lowest ratio for what it needs."""
    return min(pairs(theme), key=lambda p: p.ratio / p.needs)
