"""Input like ptpython, in a REAL terminal (tmux): part 2's prompt, Tab
after ``session.``, typed code in the theme's colours, ``name?``."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.tmuxterm import Terminal, program_env, sliderepl

pytestmark = pytest.mark.skipif(
    shutil.which("tmux") is None, reason="tmux is not installed"
)

#: part 2's slide whose code leaves ``session`` (a Session) behind
SESSION_SLIDE = 41


@pytest.fixture
def part2(tmp_path: Path) -> Iterator[Terminal]:
    term = Terminal(
        sliderepl("part2.py", "--start", str(SESSION_SLIDE)),
        program_env(tmp_path / "state"),
    )
    try:
        term.wait_for(f"slide {SESSION_SLIDE} / ", timeout=90)
        yield term
    finally:
        term.close()


def colours(term: Terminal) -> str:
    """The screen with its colour escapes (``capture-pane -e``)."""
    return term.tmux("capture-pane", "-p", "-e", "-t", term.target)


def test_tab_after_session_completes_in_a_real_terminal(
    part2: Terminal,
) -> None:
    part2.send("-l", "session.")
    part2.send("Tab")
    menu = part2.wait_for("begin_nested")  # the completion menu
    assert "add_all" in menu and "autoflush" in menu
    part2.send("-l", "comm")  # typing closes it; one match: Tab takes it
    part2.send("Tab")
    part2.wait_for(">>> session.commit")
    part2.send("C-c")
    part2.send("-l", "session.get_bind?")
    part2.send("Enter")
    shown = part2.wait_for("Signature: get_bind(")
    assert "Docstring:" in shown and "Traceback" not in shown


def test_typed_code_is_drawn_in_the_theme_colours(part2: Terminal) -> None:
    part2.send("-l", "label = 'typed text'")
    part2.wait_for("label = 'typed text'")
    # the dark code palette, as on the slides: strings yellow (SGR 33), not
    # prompt_toolkit's dark red
    assert "\x1b[33m'typed text'" in colours(part2)
    part2.send("C-c")
    part2.type("!theme light")
    part2.wait_for("theme light")
    part2.send("-l", "len(label)")
    part2.wait_for(">>> len(label)")
    # the light code palette's builtins: #005f87 (256-colour 24), which
    # reads on white where ansi_light's cyan did not (1.98:1)
    assert "\x1b[38;5;24mlen" in colours(part2)
