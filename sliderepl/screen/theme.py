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
    "slide.counter": "grey62",
    "slide.border": "cyan",
    "markup.code": "bold cyan",
    "markup.bold": "bold",
    "output": "default",
    "output.stderr": "yellow",
    "value": "default",
    "sql": "light_slate_blue",
    "sql.params": "grey62",
    "sql.rule": "bright_blue",
    "error": "indian_red1",
    "error.last": "bold indian_red1",
    "problem": "bold yellow",
    "interrupted": "bold yellow",
    "note": "italic grey62",
    "message": "cyan",
    "help.command": "bold cyan",
    "toc.current": "bold reverse",
    "toc.number": "grey62",
    "toc.hidden": "grey62",
    "table.header": "bold cyan",
    "table.border": "grey62",
    "table.more": "italic grey62",
}

_LIGHT = {
    **_DARK,
    "slide.title": "bold black",
    "slide.intro": "black",
    "slide.bullet.marker": "blue",
    "slide.counter": "grey39",
    "slide.border": "blue",
    "markup.code": "bold blue",
    "output.stderr": "#af5f00",
    "sql": "blue",
    "sql.params": "grey39",
    "sql.rule": "blue",
    "error": "#af0000",
    "error.last": "bold #af0000",
    "problem": "bold #af5f00",
    "interrupted": "bold #af5f00",
    "note": "italic grey39",
    "message": "blue",
    "help.command": "bold blue",
    "toc.number": "grey39",
    "toc.hidden": "grey39",
    "table.header": "bold blue",
    "table.border": "grey39",
    "table.more": "italic grey39",
}

# A projector washes out thin, dim and dark text: the text bold, no dim
# greys, only the strongest colours; the title stays the loudest line,
# and what only accompanies the slide (SQL, its parameters and timing,
# counters, borders of tables) is drawn plain, never bold.
_CONTRAST = {
    **_DARK,
    "slide.title": "bold bright_white",
    "slide.intro": "bold bright_white",
    "slide.bullet": "bold bright_white",
    "slide.bullet.marker": "bold bright_yellow",
    "slide.counter": "white",
    "slide.border": "bold bright_white",
    "markup.code": "bold bright_yellow",
    "output": "bold bright_white",
    "output.stderr": "bold bright_yellow",
    "value": "bold bright_white",
    "sql": "bright_cyan",
    "sql.params": "white",
    "sql.rule": "bright_cyan",
    "error": "bold light_coral",
    "error.last": "bold light_coral",
    "note": "italic grey74",
    "message": "bold bright_cyan",
    "toc.number": "white",
    "toc.hidden": "white",
    "table.header": "bold bright_yellow",
    "table.border": "white",
    "table.more": "white",
    "dim": "bold",
}

STYLES: Mapping[str, Mapping[str, str]] = {
    "dark": {**_MARKUP, **_DARK},
    "light": {**_MARKUP, **_LIGHT},
    "contrast": {**_MARKUP, **_CONTRAST},
}

#: Pygments/rich syntax theme used for code in each theme: the themes'
#: own (``_CODE``), registered with rich by name.
SYNTAX_THEMES: Mapping[str, str] = {
    "dark": "sliderepl_dark",
    "light": "sliderepl_light",
    "contrast": "sliderepl_contrast",
}

#: Code token styles by Pygments token name: rich's ``ansi_dark`` and
#: ``ansi_light`` with every colour that fails WCAG AA (4.5:1) against
#: its background replaced (``contrast.py`` has the numbers; whitespace
#: tokens have nothing to read and keep rich's).
_ANSI_DARK_FIXES = {
    "Comment": "italic grey62",
    "Keyword": "light_slate_blue",
    "Name.Tag": "light_slate_blue",
    "Literal.Number": "light_slate_blue",
    "Name.Variable": "indian_red1",
    "Name.Constant": "indian_red1",
    "Generic.Deleted": "indian_red1",
    "Generic.Error": "indian_red1",
    "Error": "underline indian_red1",
}
_ANSI_LIGHT_FIXES = {
    "Comment": "italic grey39",
    "Comment.Preproc": "#005f87",
    "Keyword.Type": "#005f87",
    "Name.Builtin": "#005f87",
    "Name.Namespace": "underline #005f87",
    "Name.Exception": "#005f87",
    "Name.Attribute": "#005f87",
    "Name.Function": "#005f00",
    "Name.Class": "underline #005f00",
    "Generic.Inserted": "#005f00",
    "Literal.String": "#875f00",
    "Generic.Deleted": "#af0000",
    "Generic.Error": "#af0000",
    "Error": "underline #af0000",
}
_CONTRAST_CODE = {
    "Comment": "italic grey74",
    "Comment.Preproc": "bold bright_cyan",
    "Keyword": "bold bright_cyan",
    "Keyword.Type": "bold bright_cyan",
    "Operator.Word": "bold bright_magenta",
    "Name.Builtin": "bold bright_cyan",
    "Name.Function": "bold bright_green",
    "Name.Namespace": "bold underline bright_cyan",
    "Name.Class": "bold underline bright_green",
    "Name.Exception": "bold bright_cyan",
    "Name.Decorator": "bold bright_magenta",
    "Name.Variable": "bold light_coral",
    "Name.Constant": "bold light_coral",
    "Name.Attribute": "bold bright_cyan",
    "Name.Tag": "bold bright_cyan",
    "Literal.String": "bold bright_yellow",
    "Literal.Number": "bold bright_magenta",
    "Generic.Deleted": "bold light_coral",
    "Generic.Inserted": "bold bright_green",
    "Generic.Subheading": "bold bright_magenta",
    "Generic.Error": "bold light_coral",
    "Error": "bold underline light_coral",
}
_CODE: Mapping[str, tuple[str, Mapping[str, str]]] = {
    "sliderepl_dark": ("ansi_dark", _ANSI_DARK_FIXES),
    "sliderepl_light": ("ansi_light", _ANSI_LIGHT_FIXES),
    "sliderepl_contrast": ("ansi_dark", _CONTRAST_CODE),
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

#: The author's markup words (``!!{red}``): the same in every theme.
MARKUP_STYLES: frozenset[str] = frozenset(_MARKUP)


def syntax_tokens(syntax_theme: str) -> dict[str, str]:
    """A syntax theme's token styles by token name (``Keyword``...)."""
    from rich.syntax import RICH_SYNTAX_THEMES

    register_syntax_themes()
    tokens = RICH_SYNTAX_THEMES.get(syntax_theme, {})
    return {".".join(token[:]) or "Token": str(style)
            for token, style in tokens.items()}


def register_syntax_themes() -> None:
    """Make the themes' own code palettes known to rich by name (once;
    ``rich.syntax.RICH_SYNTAX_THEMES`` is where rich looks names up)."""
    from rich.syntax import RICH_SYNTAX_THEMES

    if all(name in RICH_SYNTAX_THEMES for name in _CODE):
        return
    from pygments.token import string_to_tokentype
    from rich.style import Style

    for name, (base, fixes) in _CODE.items():
        tokens = dict(RICH_SYNTAX_THEMES[base])
        for token, style in fixes.items():
            tokens[string_to_tokentype(token)] = Style.parse(style)
        RICH_SYNTAX_THEMES[name] = tokens


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

    register_syntax_themes()  # before any code is drawn in the theme
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
