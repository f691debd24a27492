"""Rendering slides and events at a fixed width (sliderepl.screen.render)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from sliderepl.deck.model import Block, Bullet, ParseProblem, Slide
from sliderepl.run import events
from sliderepl.screen import render
from sliderepl.screen.theme import STYLES, make_console

DECK = Path("deck.py")


def draw(renderable: Any, width: int = 40, **kw: Any) -> str:
    """What the console writes, trailing spaces of each line removed."""
    console = make_console(file=io.StringIO(), width=width, **kw)
    console.print(renderable)
    out = console.file.getvalue()  # type: ignore[attr-defined]
    return "\n".join(line.rstrip() for line in out.split("\n"))


def block(display: str, source: str | None = None) -> Block:
    return Block(source or display, display, DECK, 7)


SLIDE = Slide(
    DECK,
    3,
    title="Connection **pools**",
    intro=["Why a pool: connecting is slow.", "", "Second paragraph."],
    bullets=[
        Bullet("first point that is long enough to wrap", 1),
        Bullet("a detail", 2),
        Bullet("second point", 1),
    ],
    notes=["SPEAKER NOTE: do not show"],
    number=2,
)


def test_header_has_title_intro_and_counter() -> None:
    assert draw(render.slide_header(SLIDE, 12)) == (
        "╭──────────────────────────────────────╮\n"
        "│ Connection pools                     │\n"
        "│                                      │\n"
        "│ Why a pool: connecting is slow.      │\n"
        "│                                      │\n"
        "│ Second paragraph.                    │\n"
        "╰───────────────────────────── 2 / 12 ─╯\n"
    )


def test_header_never_shows_speaker_notes() -> None:
    assert "SPEAKER" not in draw(render.slide_header(SLIDE, 12))


def test_header_without_title_or_intro_still_counts() -> None:
    slide = Slide(DECK, 1, number=1)
    assert draw(render.slide_header(slide, 3), width=20) == (
        "╭──────────────────╮\n"
        "╰────────── 1 / 3 ─╯\n"
    )


def test_bullets_nest_and_wrap_under_their_text() -> None:
    assert draw(render.bullets(SLIDE.bullets), width=30) == (
        " • first point that is long\n"
        "   enough to wrap\n"
        "   ◦ a detail\n"
        " • second point\n"
    )


def test_bullets_revealed_up_to_k() -> None:
    assert draw(render.bullets(SLIDE.bullets, 1)) == (
        " • first point that is long enough to\n   wrap\n"
    )
    assert draw(render.bullets(SLIDE.bullets, 0)) == ""


def test_code_gets_console_prompts() -> None:
    shown = block("def f(x):\n\n    return x\n\n")
    assert draw(render.code(shown)) == (
        ">>> def f(x):\n...\n...     return x\n"
    )


def test_code_in_a_terminal_is_highlighted() -> None:
    out = draw(render.code(block("x = 1\n")), force_terminal=True)
    assert "\x1b[" in out
    assert ">>>" in out and "x" in out


def test_output_value_and_stderr() -> None:
    assert draw(render.output("hello\n")) == "hello\n\n"
    assert draw(render.output("oops", "stderr")) == "oops\n"
    assert draw(render.value(events.Value(42, "42"))) == "42\n"


class Fancy:
    """An object rich knows how to draw."""

    def __rich__(self) -> str:
        return "drawn by rich"

    def __repr__(self) -> str:
        return "<Fancy>"


def test_rich_values_render_as_themselves_classes_do_not() -> None:
    assert draw(render.value(events.Value(Fancy(), "<Fancy>"))) == (
        "drawn by rich\n"
    )
    # The class has __rich__ too, but echoing a class shows its repr.
    assert draw(render.value(events.Value(Fancy, "<class 'Fancy'>"))) == (
        "<class 'Fancy'>\n"
    )


def test_sql_stands_apart_behind_a_rule_and_wraps() -> None:
    statement = "SELECT users.id, users.name FROM users WHERE users.id = ?"
    assert draw(render.sql(statement), width=30) == (
        "│ SELECT users.id, users.name\n"
        "│ FROM users WHERE users.id =\n"
        "│ ?\n"
    )
    assert draw(render.sql("[generated in 0.00010s] (5,)")) == (
        "│ [generated in 0.00010s] (5,)\n"
    )


def test_sql_params_have_their_own_style() -> None:
    rule = render.sql("[cached since 1.2s ago] ('x',)")
    assert isinstance(rule, render.LeftRule)
    assert rule.renderable.style == "sql.params"  # type: ignore


def test_error_shows_traceback_with_exception_last() -> None:
    tb = (
        "Traceback (most recent call last):\n"
        '  File "deck.py", line 9, in <module>\n'
        "ZeroDivisionError: division by zero\n"
    )
    text = render.error(tb)
    assert draw(text, width=60) == tb
    assert text.spans[-1].style == "error.last"
    assert text.plain[text.spans[-1].start :] == (
        "ZeroDivisionError: division by zero"
    )


def test_problem_is_file_line_message() -> None:
    item = ParseProblem(DECK, 14, "invalid syntax")
    assert draw(render.problem(item), width=60) == (
        "deck.py:14: invalid syntax\n"
    )


def test_event_dispatch_and_sql_echo_switch() -> None:
    started = events.BlockStarted(block("x = 1\n"))
    assert draw(render.event(started)) == ">>> x = 1\n"
    assert render.event(events.BlockStarted(started.block, shown=False)) is (
        None
    )
    assert render.event(events.SQL("COMMIT"), echo_sql=False) is None
    assert draw(render.event(events.SQL("COMMIT"))) == "│ COMMIT\n"
    assert draw(render.event(events.Interrupted()), width=70) == (
        "KeyboardInterrupt: slide stopped; the rest of it did not run\n"
    )


def test_toc_marks_the_current_slide() -> None:
    slides = [
        Slide(DECK, 1, title="Engines", number=1),
        Slide(DECK, 9, title="!!{red}Pools", number=2),
        Slide(DECK, 20, number=3),
    ]
    assert draw(render.toc(slides, 2)) == (
        "  1 Engines\n"
        "▶ 2 Pools\n"
        "  3 (untitled, line 20)\n"
    )


def test_plain_output_when_not_a_terminal() -> None:
    # A StringIO is not a terminal: rich must write no escape codes.
    out = draw(render.slide_header(SLIDE, 12))
    out += draw(render.code(block("for i in range(3):\n    print(i)\n")))
    out += draw(render.sql("SELECT 1"))
    assert "\x1b" not in out


def test_no_color_keeps_bold_but_drops_colours(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    out = draw(render.sql("SELECT 1"), force_terminal=True)
    colour_codes = [f"\x1b[{n}m" for n in range(30, 38)] + ["38;", "94m"]
    assert not any(code in out for code in colour_codes)
    assert out.replace("\x1b[0m", "").count("SELECT") == 1


def test_colour_in_a_terminal_without_no_color(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    out = draw(render.message("hi"), force_terminal=True)
    assert out.startswith("\x1b[36m")


def test_every_theme_defines_the_same_style_names() -> None:
    names = {name: set(styles) for name, styles in STYLES.items()}
    assert names["dark"] == names["light"] == names["contrast"]
    assert {"slide.title", "sql", "sql.params", "error", "red", "em"} <= (
        names["dark"]
    )


@pytest.mark.parametrize("theme", ["dark", "light", "contrast", "bogus"])
def test_every_theme_renders(theme: str) -> None:
    out = draw(render.slide_header(SLIDE, 3), theme=theme,
               force_terminal=True)
    assert "Connection" in out


def test_contrast_theme_is_bold() -> None:
    out = draw(render.output("x"), theme="contrast", force_terminal=True)
    assert out.startswith("\x1b[1")


def test_bullet_depth_is_relative_to_the_shallowest() -> None:
    # "###  * x" (two spaces) is the top level when no bullet is shallower.
    items = [Bullet("top", 2), Bullet("inner", 3), Bullet("top again", 2)]
    assert draw(render.bullets(items)) == (
        " • top\n   ◦ inner\n • top again\n"
    )
    # Revealing one at a time keeps each bullet's level.
    assert draw(render.bullets(items, 2, 1)) == "   ◦ inner\n"


def test_plain_values_are_highlighted_in_a_terminal() -> None:
    out = draw(render.value(events.Value(42, "42")), force_terminal=True)
    assert "\x1b[" in out and "42" in out


# -- the console sink (sliderepl.screen.console.Screen) -----------------


def screen(**kw: Any) -> tuple[Any, io.StringIO]:
    from sliderepl.screen.console import Screen

    file = io.StringIO()
    return Screen(make_console(file=file, width=40, **kw)), file


def test_partial_output_lines_stay_together() -> None:
    sink, file = screen()
    sink(events.BlockStarted(block("print('a', end='')\n")))
    sink(events.Output("a"))
    sink(events.Output("b\n"))
    sink(events.Output("c"))
    sink(events.Value(1, "1"))
    assert file.getvalue() == ">>> print('a', end='')\nab\nc\n1\n"


def test_silent_blocks_show_only_errors_and_interrupts() -> None:
    sink, file = screen()
    quiet = block("x = 1\n")
    sink(events.BlockStarted(quiet, shown=False))
    sink(events.Output("hidden\n"))
    sink(events.Value(1, "1"))
    sink(events.SQL("SELECT 1"))
    sink(events.Error(ValueError("v"), "ValueError: v\n"))
    sink(events.Interrupted(quiet))
    assert file.getvalue() == (
        "ValueError: v\n"
        "KeyboardInterrupt: slide stopped; the \nrest of it did not run\n"
    )


def test_slide_started_draws_the_header_and_notices_are_lines() -> None:
    sink, file = screen()
    slide = Slide(DECK, 1, title="T", number=1)
    sink(events.SlideStarted(slide, 2))
    sink(events.Notice("deck.py:9: slide 2 raised ValueError"))
    assert file.getvalue().splitlines()[1].startswith("│ T ")
    assert file.getvalue().endswith(
        "deck.py:9: slide 2 raised ValueError\n"
    )


def test_a_header_drawn_early_is_not_drawn_twice() -> None:
    sink, file = screen()
    slide = Slide(DECK, 1, title="First", number=1)
    sink.slide(slide, 1)
    sink.drawn_early = slide
    sink(events.SlideStarted(slide, 1))
    assert file.getvalue().count("First") == 1
    sink(events.SlideStarted(slide, 1))  # landing again later: drawn
    assert file.getvalue().count("First") == 2


def test_sql_echo_off_in_the_sink() -> None:
    sink, file = screen()
    sink.echo_sql = False
    sink(events.SQL("SELECT 1"))
    assert file.getvalue() == ""


def test_presentation_mode_clears_before_a_slide_unless_it_continues(
) -> None:
    sink, file = screen(force_terminal=True)
    sink.presentation = True
    sink.slide(Slide(DECK, 1, title="A", number=1), 2)
    cleared = file.getvalue().count("\x1b[2J")
    assert cleared == 1
    sink.slide(Slide(DECK, 5, flags=frozenset("i"), title="B", number=2), 2)
    assert file.getvalue().count("\x1b[2J") == 1


def test_toc_marks_slides_seen_and_exercise_states() -> None:
    slides = [Slide(DECK, n, title=f"S{n}", number=n) for n in (1, 2, 3, 4)]
    text = draw(render.toc(slides, 3, {1, 3},
                           {2: "solved", 3: "tried", 4: "untried"}))
    assert text == (
        "  1 ✓ S1\n"
        "  2 · S2  [exercise solved ✓]\n"
        "▶ 3 ✓ S3  [exercise tried]\n"
        "  4 · S4  [exercise untried]\n"
    )
