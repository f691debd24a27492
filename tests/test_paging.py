"""A slide taller than the terminal is paged, not cut."""

from __future__ import annotations

import io

import pytest
from rich.console import Console
from rich.text import Text

from sliderepl.screen.paging import MORE, Pager


def console(height: int = 10) -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, width=40, height=height, force_terminal=False,
                   color_system=None), out


def lines(n: int, tag: str = "line") -> Text:
    return Text("\n".join(f"{tag} {i}" for i in range(n)))


def test_pauses_before_the_page_overflows() -> None:
    con, out = console(height=10)  # a page is 8 lines
    answers: list[str] = []
    pager = Pager(con, ask=lambda p: answers.append(p) or "", enabled=True)
    pager.new_slide()
    pager.show(lines(5, "header"))
    assert answers == []
    pager.show(lines(12, "code"))  # 17 lines: two pauses
    assert answers == [MORE, MORE]
    text = out.getvalue()
    # every line is there, in order: nothing cut
    for i in range(12):
        assert f"code {i}\n" in text
    assert text.index("code 2") < text.index(MORE) < text.index("code 3")
    assert pager.pauses == 2


def test_q_shows_the_rest_at_once() -> None:
    con, out = console(height=10)
    asked: list[str] = []
    pager = Pager(con, ask=lambda p: asked.append(p) or "q\n", enabled=True)
    pager.new_slide()
    pager.show(lines(30))
    assert len(asked) == 1
    assert "line 29" in out.getvalue()


def test_output_pages_until_the_slide_has_run() -> None:
    con, out = console(height=10)  # a page is 8 lines
    asked: list[str] = []
    pager = Pager(con, ask=lambda p: asked.append(p) or "", enabled=True)
    pager.new_slide()
    pager.show(lines(6))
    # printed by the slide, in pieces as print() writes them
    for i in range(6):
        assert pager.output(Text(f"out {i}"))
        assert pager.output(Text("\n"))
    assert asked == [MORE]
    text = out.getvalue()
    assert text.index("out 1") < text.index(MORE) < text.index("out 2")
    pager.stop()  # the slide ran: the prompt's output scrolls
    assert not pager.output(Text("typed\n"))
    pager.show(lines(20))
    assert asked == [MORE]
    pager.new_slide()
    pager.show(lines(20))
    assert len(asked) == 3


def test_a_long_output_line_counts_as_it_wraps() -> None:
    con, _ = console(height=10)  # 40 columns, a page of 8 lines
    asked: list[str] = []
    pager = Pager(con, ask=lambda p: asked.append(p) or "", enabled=True)
    pager.new_slide()
    pager.output(Text("y" * 200 + "\n"))  # 5 lines on screen
    pager.output(Text("y" * 120 + "\n"))  # 3 more: the page is full
    assert asked == []
    pager.output(Text("last\n"))
    assert asked == [MORE]


def test_presentation_draws_header_and_code_atop_each_page() -> None:
    con, out = console(height=10)
    asked: list[str] = []
    pager = Pager(con, ask=lambda p: asked.append(p) or "", enabled=True)
    pager.new_slide()
    pager.presentation = True
    pager.show(Text("HEADER"), keep=True)
    pager.show(Text(">>> CODE"), keep=True)
    for i in range(20):
        pager.output(Text(f"out {i}\n"))
    # 2 lines of top, then 6 of output per page after the first
    assert len(asked) == 3
    pages = out.getvalue().split(MORE)
    assert len(pages) == 4
    for page in pages[1:]:
        assert page.lstrip("\n").startswith("HEADER\n>>> CODE\n")
    assert "out 19" in pages[-1]
    # outside presentation mode nothing is drawn again
    con, out = console(height=10)
    pager = Pager(con, ask=lambda p: "", enabled=True)
    pager.new_slide()
    pager.show(Text("HEADER"), keep=True)
    for i in range(20):
        pager.output(Text(f"out {i}\n"))
    assert out.getvalue().count("HEADER") == 1


def test_not_a_terminal_never_pauses() -> None:
    con, out = console(height=10)
    pager = Pager(con, ask=lambda p: (_ for _ in ()).throw(AssertionError))
    assert pager.enabled is False
    pager.new_slide()
    pager.show(lines(50))
    assert out.getvalue().count("\n") == 50


class _TtyLine(io.StringIO):
    """A terminal's stream as the pager sees it (isatty, no fileno)."""

    def isatty(self) -> bool:
        return True


def test_without_termios_the_answer_is_read_as_a_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Windows has no termios: ``-- more --`` reads a line there instead
    of failing (the slide was drawn as 'could not draw it')."""
    import sys

    from sliderepl.screen import paging

    monkeypatch.setitem(sys.modules, "termios", None)  # import fails
    monkeypatch.setattr(sys, "__stdin__", _TtyLine("q\n"))
    monkeypatch.setattr(sys, "__stdout__", _TtyLine())
    assert paging._read_line(MORE) == "q\n"
