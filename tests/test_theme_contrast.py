"""Every theme colour measured (issue 27): WCAG AA contrast against the
background it is drawn on, with the assumptions ``screen/contrast.py``
documents (xterm's palette; dark themes on #1e1e1e and black, light on
white; 4.5:1 for text, 3:1 for borders and rules)."""

from __future__ import annotations

import io

import pytest
from rich.syntax import Syntax

from sliderepl.screen import contrast
from sliderepl.screen.theme import (
    STYLES,
    SYNTAX_THEMES,
    THEME_NAMES,
    make_console,
)


def test_the_ratio_is_wcag_s() -> None:
    assert contrast.ratio("#000000", "#ffffff") == pytest.approx(21)
    assert contrast.ratio("#ffffff", "#000000") == pytest.approx(21)
    assert contrast.ratio("#7f7f7f", "#7f7f7f") == pytest.approx(1)
    # WCAG's own example: #777777 on white just fails AA (4.48:1)
    assert contrast.ratio("#777777", "#ffffff") == pytest.approx(4.48,
                                                                 abs=0.01)
    assert contrast.hex_of("bright_blue", "#e5e5e5") == "#5c5cff"
    assert contrast.hex_of("grey62", "#e5e5e5") == "#9e9e9e"
    assert contrast.hex_of("default", "#e5e5e5") == "#e5e5e5"
    dimmed = contrast.drawn("dark", "x", "dim", "#000000")
    assert dimmed.fg == "#727272"  # halfway to the background
    swapped = contrast.drawn("dark", "x", "reverse", "#000000")
    assert (swapped.fg, swapped.bg) == ("#000000", "#e5e5e5")


@pytest.mark.parametrize("theme", THEME_NAMES)
def test_every_style_meets_wcag_aa(theme: str) -> None:
    pairs = list(contrast.pairs(theme))
    names = {p.name for p in pairs}
    # the theme's styles, its code tokens and its toolbar are all there
    assert "slide.title" in names and "sql.params" in names
    assert "code Keyword" in names and "toolbar bottom-toolbar.off" in names
    failing = [str(p) for p in pairs if p.ratio < p.needs]
    worst = contrast.worst(theme)
    print(f"\n{theme}: worst {worst}")
    assert failing == []


def _louder(a: contrast.Pair, b: contrast.Pair) -> bool:
    return (a.bold, round(a.ratio, 1)) > (b.bold, round(b.ratio, 1))


#: what only accompanies a slide: quieter than its title in ``contrast``
QUIET = ("sql", "sql.params", "sql.rule", "slide.counter", "toc.number",
         "toc.hidden", "table.border", "table.more", "note")


def test_contrast_keeps_the_title_loudest() -> None:
    pairs = list(contrast.pairs("contrast"))
    for bg in contrast.BACKGROUNDS["contrast"]:
        on_bg = {p.name: p for p in pairs if p.bg == bg}
        title = on_bg["slide.title"]
        louder = [name for name, p in on_bg.items() if _louder(p, title)]
        assert louder == []
        not_quieter = [name for name in QUIET
                       if not _louder(title, on_bg[name])]
        assert not_quieter == []
    # and no bright text on a bright background anywhere
    bright = [str(p) for p in pairs
              if contrast.luminance(p.fg) > 0.4
              and contrast.luminance(p.bg) > 0.4]
    assert bright == []


@pytest.mark.parametrize("theme", THEME_NAMES)
def test_the_code_palettes_are_registered_and_draw(theme: str) -> None:
    out = io.StringIO()
    console = make_console(theme, out, force_terminal=True, width=60)
    console.print(Syntax("select 1 -- why", "sql",
                         theme=SYNTAX_THEMES[theme]))
    assert "select" in out.getvalue() and "\x1b[" in out.getvalue()
    assert set(STYLES[theme]) == set(STYLES["dark"])
    from sliderepl.ui.input_style import prompt_style

    assert prompt_style(theme).style_rules  # type: ignore[attr-defined]


def test_contrast_sql_keywords_are_not_bright_blue() -> None:
    from sliderepl.screen.theme import syntax_tokens

    tokens = syntax_tokens(SYNTAX_THEMES["contrast"])
    assert "blue" not in tokens["Keyword"]
