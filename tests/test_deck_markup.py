"""The inline markup grammar, parsed once (sliderepl.deck.markup)."""

from __future__ import annotations

from sliderepl.deck.markup import Span, parse, plain, style_names


def test_spans_in_order_with_their_kind() -> None:
    assert parse("a **b** ``c`` !!{red}d") == (
        Span("text", "a "), Span("bold", "b", True), Span("text", " "),
        Span("code", "c"), Span("text", " "), Span("style", "red"),
        Span("text", "d"),
    )


def test_code_inside_bold_is_code_and_bold() -> None:
    assert parse("**x ``y``**") == (
        Span("bold", "x ", True), Span("code", "y", True))


def test_markup_inside_code_is_literal() -> None:
    assert parse("``f(**kw) !!{red}``") == (
        Span("code", "f(**kw) !!{red}"),)
    assert plain("``f(**kw)`` now") == "f(**kw) now"
    assert style_names("``!!{nope}`` !!{sql}x") == ["sql"]


def test_malformed_markup_stays_text() -> None:
    assert plain("!!{red") == "!!{red"
    assert plain("**unbalanced") == "unbalanced"
    assert parse("") == ()
