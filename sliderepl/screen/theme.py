"""Named styles for everything the runner draws, in one place.

Renderers refer to styles by name (``slide.title``, ``sql``...); a theme
maps those names to colours.  Three themes share the same names: ``dark``
(the default), ``light`` and ``contrast`` (a projector: high contrast,
bold).  Slide authors can use any name below with the ``!!{name}`` inline
markup, for example ``!!{red}`` or ``!!{em}``.

``make_console`` builds the one rich console that writes.  Rich already
honours ``NO_COLOR`` and writes plain text (no escape codes at all) when
the output is not a terminal; the console is built so both stay true.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:  # rich is imported lazily: startup time matters.
    from rich.console import Console
    from rich.theme import Theme

DEFAULT_THEME = "dark"

#: Styles slide authors may name in ``!!{name}`` markup, the same in
#: every theme (plain colour words mean what they say).
_MARKUP = {
    "bold": "bold",
    "b": "bold",
    "italic": "italic",
    "i": "italic",
    "em": "italic",
    "strong": "bold",
    "underline": "underline",
    "u": "underline",
    "dim": "dim",
    "strike": "strike",
    "black": "black",
    "red": "red",
    "green": "green",
    "yellow": "yellow",
    "blue": "blue",
    "magenta": "magenta",
    "cyan": "cyan",
    "white": "white",
}

_DARK = {
    "slide.title": "bold bright_white",
    "slide.intro": "bright_white",
    "slide.bullet": "default",
    "slide.bullet.marker": "bright_cyan",
    "slide.counter": "bright_black",
    "slide.border": "cyan",
    "markup.code": "bold cyan",
    "markup.bold": "bold",
    "output": "default",
    "output.stderr": "yellow",
    "value": "default",
    "sql": "bright_blue",
    "sql.params": "bright_black",
    "sql.rule": "blue",
    "error": "red",
    "error.last": "bold red",
    "problem": "bold yellow",
    "interrupted": "bold yellow",
    "note": "italic bright_black",
    "message": "cyan",
    "help.command": "bold cyan",
    "toc.current": "bold reverse",
    "toc.number": "bright_black",
    "toc.hidden": "bright_black",
    "table.header": "bold cyan",
    "table.border": "bright_black",
    "table.more": "italic bright_black",
}

_LIGHT = {
    **_DARK,
    "slide.title": "bold black",
    "slide.intro": "black",
    "slide.bullet.marker": "blue",
    "slide.counter": "bright_black",
    "slide.border": "blue",
    "markup.code": "bold blue",
    "output.stderr": "dark_orange3",
    "sql": "blue",
    "sql.params": "bright_black",
    "sql.rule": "blue",
    "problem": "bold dark_orange3",
    "interrupted": "bold dark_orange3",
    "message": "blue",
    "help.command": "bold blue",
    "table.header": "bold blue",
}

# A projector washes out thin, dim and dark text: everything bold, no dim
# greys, only the strongest colours.
_CONTRAST = {
    **_DARK,
    "slide.title": "bold bright_white",
    "slide.intro": "bold bright_white",
    "slide.bullet": "bold bright_white",
    "slide.bullet.marker": "bold bright_yellow",
    "slide.counter": "bold bright_white",
    "slide.border": "bold bright_white",
    "markup.code": "bold bright_yellow",
    "output": "bold bright_white",
    "output.stderr": "bold bright_yellow",
    "value": "bold bright_white",
    "sql": "bold bright_cyan",
    "sql.params": "bold bright_white",
    "sql.rule": "bold bright_cyan",
    "error": "bold bright_red",
    "error.last": "bold bright_red",
    "message": "bold bright_cyan",
    "toc.number": "bold bright_white",
    "toc.hidden": "bold bright_white",
    "table.header": "bold bright_yellow",
    "table.border": "bold bright_white",
    "table.more": "bold bright_white",
    "dim": "bold",
}

STYLES: Mapping[str, Mapping[str, str]] = {
    "dark": {**_MARKUP, **_DARK},
    "light": {**_MARKUP, **_LIGHT},
    "contrast": {**_MARKUP, **_CONTRAST},
}

#: Pygments/rich syntax theme used for code in each theme.
SYNTAX_THEMES: Mapping[str, str] = {
    "dark": "ansi_dark",
    "light": "ansi_light",
    "contrast": "ansi_dark",
}

#: prompt_toolkit style rules for the bottom toolbar, per theme.
TOOLBAR_STYLES: Mapping[str, Mapping[str, str]] = {
    "dark": {
        "bottom-toolbar": "bg:#303030 #d0d0d0 noreverse",
        "bottom-toolbar.deck": "bold",
        "bottom-toolbar.title": "bold #ffffff",
        "bottom-toolbar.on": "#87d787",
        "bottom-toolbar.off": "#ff8787",
    },
    "light": {
        "bottom-toolbar": "bg:#e4e4e4 #303030 noreverse",
        "bottom-toolbar.deck": "bold",
        "bottom-toolbar.title": "bold #000000",
        "bottom-toolbar.on": "#005f00",
        "bottom-toolbar.off": "#870000",
    },
    "contrast": {
        "bottom-toolbar": "bg:#ffffff #000000 bold noreverse",
        "bottom-toolbar.deck": "bold",
        "bottom-toolbar.title": "bold #000000",
        "bottom-toolbar.on": "bold #005f00",
        "bottom-toolbar.off": "bold #870000",
    },
}

THEME_NAMES: tuple[str, ...] = tuple(STYLES)

#: Every style name, the same set in each theme.
STYLE_NAMES: frozenset[str] = frozenset(STYLES[DEFAULT_THEME])


def theme_name(name: str | None) -> str:
    """``name`` if it is a theme, else the default (never raises)."""
    if name and name.lower() in STYLES:
        return name.lower()
    return DEFAULT_THEME


def rich_theme(name: str | None = None) -> Theme:
    """The rich ``Theme`` for ``name`` (unknown names give the default)."""
    from rich.theme import Theme

    return Theme(dict(STYLES[theme_name(name)]), inherit=True)


def make_console(
    theme: str | None = None,
    file: IO[str] | None = None,
    *,
    force_terminal: bool | None = None,
    width: int | None = None,
    no_color: bool | None = None,
) -> Console:
    """The console that writes slides, output and messages.

    ``force_terminal=None`` lets rich decide from ``file``: escape codes
    only on a terminal.  ``no_color=None`` reads ``NO_COLOR``.
    """
    from rich.console import Console

    from sliderepl.screen.size import SaneEnviron

    return Console(
        file=file,
        theme=rich_theme(theme),
        force_terminal=force_terminal,
        width=width,
        no_color=no_color,
        # Slide text is the author's, not rich markup: "[x]" stays "[x]".
        markup=False,
        emoji=False,
        highlight=False,
        # Tests and pipes get a stable width instead of a guess.
        soft_wrap=False,
        # COLUMNS=0 drew everything zero columns wide: nothing at all.
        _environ=SaneEnviron(),
    )
