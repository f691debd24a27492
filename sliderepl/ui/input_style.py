"""Colours for code typed at ``>>>``: the slide code's palette.

Slide code is drawn by rich with the theme's syntax theme
(``theme.SYNTAX_THEMES``: rich's ``ansi_dark`` / ``ansi_light``, or any
Pygments style name).  The prompt lexes typed code with the same Pygments
lexer, so each token gets the style rich would give it, translated into a
prompt_toolkit style rule.  ``input_style(theme)`` is cached per theme;
the prompt asks for it on every redraw, so ``!theme`` recolours typed code
at once.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from prompt_toolkit.styles import Style, merge_styles
from prompt_toolkit.styles.base import Attrs
from prompt_toolkit.styles.pygments import (
    style_from_pygments_cls,
    style_from_pygments_dict,
)

from sliderepl.screen.theme import SYNTAX_THEMES, TOOLBAR_STYLES, theme_name

if TYPE_CHECKING:
    from prompt_toolkit.styles import BaseStyle
    from rich.style import Style as RichStyle

#: rich's standard colour names -> prompt_toolkit's ANSI names (rich's
#: "white" is ANSI colour 7, which prompt_toolkit calls "ansigray").
_ANSI = {
    "black": "ansiblack",
    "red": "ansired",
    "green": "ansigreen",
    "yellow": "ansiyellow",
    "blue": "ansiblue",
    "magenta": "ansimagenta",
    "cyan": "ansicyan",
    "white": "ansigray",
    "bright_black": "ansibrightblack",
    "bright_red": "ansibrightred",
    "bright_green": "ansibrightgreen",
    "bright_yellow": "ansibrightyellow",
    "bright_blue": "ansibrightblue",
    "bright_magenta": "ansibrightmagenta",
    "bright_cyan": "ansibrightcyan",
    "bright_white": "ansiwhite",
    "default": "",
}

#: prompt_toolkit before 3.0.44 has no "dim"; grey is the nearest.
_DIM = "dim" if "dim" in Attrs._fields else "ansibrightblack"


def to_prompt_toolkit(style: RichStyle) -> str:
    """A rich style as a prompt_toolkit style string."""
    parts = []
    if style.color is not None:
        parts.append(_colour(style.color.name, style.color))
    for flag in ("bold", "italic", "underline", "strike", "reverse"):
        if getattr(style, flag):
            parts.append(flag)
    if style.dim:
        parts.append(_DIM)
    return " ".join(p for p in parts if p)


def _colour(name: str, colour: object) -> str:
    if name in _ANSI:
        return _ANSI[name]
    truecolor = colour.get_truecolor()  # type: ignore[attr-defined]
    return str(truecolor.hex)


def syntax_style(syntax_theme: str) -> BaseStyle:
    """Pygments token rules for typed code, as rich draws slide code."""
    from rich.syntax import RICH_SYNTAX_THEMES, Syntax

    from sliderepl.screen.theme import register_syntax_themes

    register_syntax_themes()
    tokens = RICH_SYNTAX_THEMES.get(syntax_theme)
    if tokens is None:  # a Pygments style by name
        from pygments.styles import get_style_by_name
        from pygments.util import ClassNotFound

        try:
            return style_from_pygments_cls(get_style_by_name(syntax_theme))
        except ClassNotFound:
            return Style([])
    theme = Syntax.get_theme(syntax_theme)
    return style_from_pygments_dict(
        {
            token: to_prompt_toolkit(theme.get_style_for_token(token))
            for token in tokens
        }
    )


@cache
def prompt_style(theme: str) -> BaseStyle:
    """Everything the prompt draws in ``theme``: typed code, toolbar."""
    name = theme_name(theme)
    return merge_styles(
        [
            syntax_style(SYNTAX_THEMES[name]),
            Style.from_dict(dict(TOOLBAR_STYLES[name])),
        ]
    )
