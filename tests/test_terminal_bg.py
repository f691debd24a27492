"""``light`` on a dark terminal (issue 27): the background asked with
OSC 11 on a real terminal (a pty here, the test playing the terminal),
and the note or the switch to ``dark`` that follows."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator

import pytest

from sliderepl.screen.terminal_bg import (
    light_note,
    parse_reply,
    query_background,
)

pytestmark = pytest.mark.skipif(os.name != "posix", reason="needs a pty")


@pytest.fixture
def pty() -> Iterator[tuple[int, int]]:
    master, slave = os.openpty()
    yield master, slave
    os.close(master)
    os.close(slave)


def terminal(master: int, reply: bytes) -> threading.Thread:
    """Reads the two queries, then answers ``reply``."""
    def answer() -> None:
        asked = b""
        while b"\x1b[c" not in asked:
            asked += os.read(master, 64)
        assert asked.startswith(b"\x1b]11;?\x1b\\")
        os.write(master, reply)

    thread = threading.Thread(target=answer, daemon=True)
    thread.start()
    return thread


def test_a_terminal_that_answers(pty: tuple[int, int]) -> None:
    master, slave = pty
    thread = terminal(master, b"\x1b]11;rgb:1e1e/1e1e/1e1e\x1b\\"
                              b"\x1b[?62;22c")
    assert query_background(slave, timeout=5) == "#1e1e1e"
    thread.join(5)


def test_a_terminal_that_knows_no_osc_11(pty: tuple[int, int]) -> None:
    master, slave = pty
    thread = terminal(master, b"\x1b[?1;2c")  # device attributes only
    assert query_background(slave, timeout=5) is None
    thread.join(5)


def test_silence_ends_at_the_timeout(pty: tuple[int, int]) -> None:
    _, slave = pty
    assert query_background(slave, timeout=0.05) is None


def test_no_terminal_is_never_asked(tmp_path: object) -> None:
    read, write = os.pipe()
    try:
        assert query_background(read, write) is None
    finally:
        os.close(read)
        os.close(write)


def test_replies_parse() -> None:
    assert parse_reply(b"\x1b]11;rgb:ffff/ffff/ffff\x07") == "#ffffff"
    assert parse_reply(b"\x1b]11;rgb:00/80/ff\x1b\\") == "#0080ff"
    assert parse_reply(b"\x1b]11;rgb:f/f/f\x07") == "#ffffff"
    assert parse_reply(b"\x1b[?62c") is None


def test_light_on_dark_switches_and_says_so() -> None:
    theme, note = light_note("#1e1e1e")
    assert theme == "dark" and note is not None and "#1e1e1e" in note
    assert light_note("#fdf6e3") == ("light", None)
    theme, note = light_note(None)
    assert theme == "light" and note is not None
    assert "--theme dark" in note
