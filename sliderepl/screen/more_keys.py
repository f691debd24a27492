"""Reading the answer at ``-- more --`` from a real terminal, key by key.

The prompt is not running while a slide is drawn, so the terminal is in
its cooked mode: a presenter remote's PageDown would print ``^[[6~`` and
Ctrl-C would raise ``KeyboardInterrupt`` in the middle of drawing.  Here
the terminal is put in cbreak mode with signals off for the one answer:

* Enter, Space, PageDown, Down, Right: the next page;
* PageUp, Up, Left, Esc, Ctrl-C, Ctrl-D: stop paging, show the rest of
  the slide (there is no earlier page to go back to: it has scrolled);
* other keys are echoed and end with Enter, so ``q Enter`` still works.

The terminal's mode is restored whatever happens.
"""

from __future__ import annotations

import os
import select

NEXT = ""
REST = "q"

_NEXT_KEYS = {b"\r", b"\n", b" ", b"\x1b[6~", b"\x1b[B", b"\x1b[C",
              b"\x1bOB", b"\x1bOC"}
_REST_KEYS = {b"\x1b[5~", b"\x1b[A", b"\x1b[D", b"\x1bOA", b"\x1bOD",
              b"\x1b", b"\x03", b"\x04"}
#: how long the rest of an escape sequence may take to arrive
_ESCAPE_WAIT = 0.05


def _key(fd: int) -> bytes:
    """One key: a byte, or a whole escape sequence."""
    first = os.read(fd, 1)
    if first != b"\x1b":
        return first
    key = first
    while select.select([fd], [], [], _ESCAPE_WAIT)[0]:
        byte = os.read(fd, 1)
        key += byte
        if len(key) > 2 and (byte.isalpha() or byte == b"~"):
            break
        if len(key) > 8:
            break
    return key


def read_answer(fd: int, echo: int | None = None) -> str:
    """The answer typed at ``-- more --`` on terminal ``fd``."""
    import termios

    try:
        saved = termios.tcgetattr(fd)
        mode = termios.tcgetattr(fd)
    except termios.error as exc:  # not a terminal after all
        raise OSError(str(exc)) from None
    mode[3] &= ~(termios.ICANON | termios.ECHO | termios.ISIG)
    mode[6][termios.VMIN] = 1
    mode[6][termios.VTIME] = 0
    typed = ""
    try:
        termios.tcsetattr(fd, termios.TCSANOW, mode)
        while True:
            key = _key(fd)
            if not key:  # end of input
                return REST
            if key in (b"\r", b"\n") and typed:
                return typed
            if key in _NEXT_KEYS and not typed:
                return NEXT
            if key in _REST_KEYS:
                return REST
            if key in (b"\x7f", b"\b"):
                typed = typed[:-1]
                _echo(echo, b"\b \b")
                continue
            char = key.decode("utf-8", "replace")
            if char.isprintable():
                typed += char
                _echo(echo, key)
    finally:
        termios.tcsetattr(fd, termios.TCSANOW, saved)
        # as the Enter of a line answer would: the pager then removes
        # the line the prompt was on
        _echo(echo, b"\r\n")


def _echo(fd: int | None, data: bytes) -> None:
    if fd is not None:
        try:
            os.write(fd, data)
        except OSError:
            pass
