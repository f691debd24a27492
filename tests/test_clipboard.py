"""``!copy``: a clipboard program, OSC 52 on a terminal, always a file."""

from __future__ import annotations

import base64
import io
import os
import stat
from pathlib import Path

from sliderepl.deck.parser import parse
from sliderepl.ui.clipboard import clipboard_command, copy, osc52, slide_code


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def fake_program(folder: Path, name: str, sink: Path) -> Path:
    """A real executable that stores its stdin, standing in for xclip."""
    path = folder / name
    path.write_text(f"#!/bin/sh\ncat > {sink}\n")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return path


def test_slide_code_is_what_a_learner_pastes() -> None:
    slide = parse("### slide::\n### title:: T\nx = 1\n\nif x:\n    y = 2\n",
                  Path("d.py")).slides[0]
    assert slide_code(slide) == "x = 1\nif x:\n    y = 2"


def test_a_clipboard_program_is_used_when_there_is_a_display(
    tmp_path: Path,
) -> None:
    sink = tmp_path / "clipboard.txt"
    program = fake_program(tmp_path, "xclip", sink)
    env = {"DISPLAY": ":0", "XDG_STATE_HOME": str(tmp_path / "state")}

    def which(name: str) -> str | None:
        return str(program) if name == "xclip" else None

    terminal = Terminal()
    done = copy("x = 1\n", "part1-3", terminal, env, which)
    assert sink.read_text() == "x = 1\n"
    assert done.via == "xclip"
    assert terminal.getvalue() == ""  # no OSC 52 when a program did it
    assert done.path == tmp_path / "state" / "sliderepl" / "copied" \
        / "part1-3.py"
    assert done.path.read_text() == "x = 1\n\n"
    assert done.message().startswith("slide code copied with xclip")
    # without a display, no X clipboard program is tried
    assert clipboard_command({}, which) is None


def test_osc52_on_a_terminal_and_a_file(tmp_path: Path) -> None:
    env = {"XDG_STATE_HOME": str(tmp_path)}
    terminal = Terminal()
    done = copy("print('hé')", "deck-1", terminal, env, lambda n: None)
    payload = base64.b64encode("print('hé')".encode()).decode()
    assert terminal.getvalue() == f"\x1b]52;c;{payload}\x07"
    assert done.via == "the terminal (OSC 52)"
    assert f"also saved to {done.path}" in done.message()
    assert osc52("a") == "\x1b]52;c;YQ==\x07"


def test_no_terminal_no_program_a_file_and_says_where(tmp_path: Path) -> None:
    env = {"XDG_STATE_HOME": str(tmp_path)}
    piped = io.StringIO()
    done = copy("x = 1", "my deck/2", piped, env, lambda n: None)
    assert piped.getvalue() == ""
    assert done.via == ""
    assert done.path is not None and done.path.name == "my_deck_2.py"
    assert done.message() == f"no clipboard here: slide code saved to " \
        f"{done.path}"
    assert done.path.read_text() == "x = 1\n"


def test_a_failing_program_falls_back(tmp_path: Path) -> None:
    broken = tmp_path / "wl-copy"
    broken.write_text("#!/bin/sh\nexit 3\n")
    broken.chmod(0o755)
    env = {"WAYLAND_DISPLAY": "wayland-0", "XDG_STATE_HOME": str(tmp_path)}
    done = copy("x", "d-1", io.StringIO(), env,
                lambda n: str(broken) if n == "wl-copy" else None)
    assert done.via == "" and done.path is not None
    assert os.path.exists(done.path)
