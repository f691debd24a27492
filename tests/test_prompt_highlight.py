"""Code typed at ``>>>`` takes the slide code's colours, in every theme,
and follows ``!theme`` at once.

Typed through prompt_toolkit's pipe input into a real prompt session
whose output is a VT100 terminal written to a string; the colour codes
drawn around each token are compared with the ones rich draws for the
same code on a slide, both in 256 colours (the themes' exact colours,
such as ``light_slate_blue``, are 256-colour ones; at 16 colours rich and
prompt_toolkit each pick a nearest ANSI colour their own way).
"""

from __future__ import annotations

import io
import re

import pytest
from prompt_toolkit.data_structures import Size
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output.color_depth import ColorDepth
from prompt_toolkit.output.vt100 import Vt100_Output
from rich.console import Console
from rich.syntax import Syntax

from sliderepl.screen.theme import SYNTAX_THEMES, THEME_NAMES, rich_theme
from sliderepl.ui.input_style import prompt_style
from sliderepl.ui.prompt import prompt_loop
from tests.test_repl_input import _fast_tour, started  # noqa: F401

CODE = "total = len('text') + 42 if True else None  # why"
TOKENS = ("total", "len", "'text'", "42", "if", "None", "# why", "+")
_SGR = re.compile(r"\x1b\[([0-9;]*)m")
_OTHER = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def colours(escaped: str, line: str) -> dict[str, frozenset[str]]:
    """The SGR codes in force on each of ``TOKENS`` in the last drawing
    of ``line`` in ``escaped`` (resets and background codes dropped)."""
    chars: list[tuple[str, frozenset[str]]] = []
    current: frozenset[str] = frozenset()
    for match in re.finditer(r"\x1b\[[0-9;?]*[A-Za-z]|[^\x1b]", escaped):
        piece = match.group(0)
        sgr = _SGR.fullmatch(piece)
        if sgr:
            codes = [c for c in sgr.group(1).split(";") if c]
            if not codes or codes == ["0"]:
                current = frozenset()
            else:
                current = frozenset(
                    c for c in codes if c not in ("0", "49", "39")
                )
        elif not _OTHER.fullmatch(piece):
            chars.append((piece, current))
    plain = "".join(c for c, _ in chars)
    start = plain.rindex(line)
    found = {}
    for token in TOKENS:
        at = start + line.index(token)
        found[token] = frozenset().union(
            *(codes for _, codes in chars[at:at + len(token)])
        )
    return found


def slide_colours(theme: str) -> dict[str, frozenset[str]]:
    console = Console(file=io.StringIO(), force_terminal=True, width=100,
                      color_system="256", theme=rich_theme(theme))
    console.print(Syntax(CODE, "python", theme=SYNTAX_THEMES[theme],
                         background_color="default"))
    return colours(console.file.getvalue(), CODE)  # type: ignore[attr-defined]


def typed_colours(keys: str, theme: str = "dark") -> dict[str, frozenset[str]]:
    state = started(theme=theme)
    state.screen.set_theme(theme)
    drawn = io.StringIO()
    output = Vt100_Output(drawn, lambda: Size(rows=30, columns=100),
                          term="xterm-256color",
                          default_color_depth=ColorDepth.DEPTH_8_BIT)
    with create_pipe_input() as pipe:
        pipe.send_text(keys + "\r\x04")
        prompt_loop(state, pipe, output, persistent_history=False)
    return colours(drawn.getvalue(), CODE)


@pytest.mark.parametrize("theme", THEME_NAMES)
def test_typed_code_has_the_slide_code_colours(theme: str) -> None:
    slide = slide_colours(theme)
    assert slide["'text'"], "rich drew the string without a colour"
    assert typed_colours(CODE, theme) == slide


def test_strings_are_not_prompt_toolkits_dark_red() -> None:
    typed = typed_colours(CODE)
    assert typed["'text'"] == frozenset({"33"})  # yellow, as on slides
    assert typed["+"] == frozenset()  # no palette of its own underneath


def test_theme_switch_recolours_typed_code() -> None:
    # the same loop: typed on dark, then !theme light, then typed again
    dark = typed_colours(CODE)
    light = typed_colours(CODE + "\r!theme light\r" + CODE)
    assert dark == slide_colours("dark")
    assert light == slide_colours("light")
    assert dark["len"] != light["len"]  # bright cyan, then cyan


def test_prompt_style_covers_the_toolbar_too() -> None:
    style = prompt_style("contrast")
    attrs = style.get_attrs_for_style_str("class:bottom-toolbar")
    assert attrs.bgcolor == "ffffff" and attrs.bold
