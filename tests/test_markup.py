"""Inline markup in titles, intro lines, bullets (sliderepl.screen.markup)."""

from __future__ import annotations

import io

import pytest

from sliderepl.screen.markup import to_text
from sliderepl.screen.theme import make_console


def spans(source: str) -> list[tuple[str, str]]:
    """(covered text, style) for every span, in order."""
    text = to_text(source)
    return [(text.plain[s.start : s.end], str(s.style)) for s in text.spans]


def test_plain_text_has_no_spans() -> None:
    assert to_text("just words").plain == "just words"
    assert spans("just words") == []


def test_bold_markers_are_removed_and_style_applied() -> None:
    assert to_text("a **b** c").plain == "a b c"
    assert spans("a **b** c") == [("b", "markup.bold")]


def test_code_markers_and_markup_inside_code_is_literal() -> None:
    # ``**`` inside code is code, not bold: authors show Python there.
    assert to_text("call ``f(**kw)`` now").plain == "call f(**kw) now"
    assert spans("call ``f(**kw)`` now") == [("f(**kw)", "markup.code")]


def test_named_style_runs_to_the_end_or_reset() -> None:
    assert to_text("a !!{red}b c").plain == "a b c"
    assert spans("a !!{red}b c") == [("b c", "red")]
    assert spans("a !!{green}b!!{reset} c") == [("b", "green")]


def test_theme_style_names_are_usable() -> None:
    assert spans("!!{sql}SELECT") == [("SELECT", "sql")]


def test_rich_style_definitions_are_accepted() -> None:
    assert spans("!!{bold magenta}x") == [("x", "bold magenta")]


@pytest.mark.parametrize(
    "source, plain",
    [
        ("!!{no such style}x", "x"),
        ("!!{}x", "x"),
        ("!!{red", "!!{red"),  # unterminated: literal text
        ("**unbalanced", "unbalanced"),
    ],
)
def test_malformed_markup_renders_without_raising(
    source: str, plain: str
) -> None:
    text = to_text(source)
    assert text.plain == plain
    console = make_console(file=io.StringIO(), force_terminal=True, width=40)
    console.print(text)
    assert plain in console.file.getvalue()  # type: ignore[attr-defined]


def test_unknown_style_is_plain_in_a_terminal() -> None:
    console = make_console(file=io.StringIO(), force_terminal=True, width=40)
    console.print(to_text("!!{nonsense here}x"))
    # No escape sequence at all: the style was dropped, not guessed.
    assert console.file.getvalue() == "x\n"  # type: ignore[attr-defined]


def test_base_style_is_kept_under_markup() -> None:
    text = to_text("**T**", "slide.title")
    assert text.style == "slide.title"
    assert spans("**T**") == [("T", "markup.bold")]
