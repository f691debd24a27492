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


def test_output_ends_paging_and_a_new_slide_restarts_it() -> None:
    con, _ = console(height=10)
    asked: list[str] = []
    pager = Pager(con, ask=lambda p: asked.append(p) or "", enabled=True)
    pager.new_slide()
    pager.show(lines(6))
    pager.output("printed by the slide\n")
    pager.show(lines(20))  # after output: scrolls like any prompt
    assert asked == []
    pager.new_slide()
    pager.show(lines(20))
    assert len(asked) == 2


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
