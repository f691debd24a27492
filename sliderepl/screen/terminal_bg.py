"""Is the terminal's background dark?  Asked with OSC 11, for ``light``.

``query_background(fd)`` writes ``ESC ] 11 ; ? ST`` (the background
colour query xterm, VTE, kitty, iTerm2, WezTerm and tmux answer) and
then ``ESC [ c`` (primary device attributes, which every terminal
answers), and reads until the attributes' reply or ``timeout``: a
terminal that does not know OSC 11 answers only the second, so nothing
of a late reply is left for the prompt to read as keys.  Only on a real
terminal (``isatty``), never with a pipe or in a headless run.

``light_note(theme, ...)``: the line to print at start when ``light``
meets a dark background (and the theme to use instead), or when the
terminal would not say.
"""

from __future__ import annotations

import os
import re
import select
import time

_REPLY = re.compile(
    rb"\x1b\]11;rgb:([0-9a-fA-F]{1,4})/([0-9a-fA-F]{1,4})/([0-9a-fA-F]{1,4})")
_ATTRIBUTES = re.compile(rb"\x1b\[\?[0-9;]*c")
#: a background darker than this (WCAG luminance) is a dark terminal
DARK = 0.2


def parse_reply(data: bytes) -> str | None:
    """``#rrggbb`` from an OSC 11 reply in ``data``, or None."""
    found = _REPLY.search(data)
    if found is None:
        return None
    channels = []
    for part in found.groups():
        value = int(part, 16) / (16 ** len(part) - 1)
        channels.append(round(value * 255))
    return "#" + "".join(f"{c:02x}" for c in channels)


def query_background(fd: int, out: int | None = None,
                     timeout: float = 0.25) -> str | None:
    """The background colour of the terminal on ``fd`` (read from it,
    the query written to ``out``, default ``fd``), or None when it is no
    terminal, does not answer OSC 11, or takes longer than ``timeout``."""
    try:
        import termios
    except ImportError:  # Windows: no such query
        return None
    out = fd if out is None else out
    if not (os.isatty(fd) and os.isatty(out)):
        return None
    try:
        saved = termios.tcgetattr(fd)
    except termios.error:
        return None
    mode = termios.tcgetattr(fd)
    mode[3] &= ~(termios.ICANON | termios.ECHO)
    mode[6][termios.VMIN] = 0
    mode[6][termios.VTIME] = 0
    data = b""
    try:
        termios.tcsetattr(fd, termios.TCSANOW, mode)
        os.write(out, b"\x1b]11;?\x1b\\\x1b[c")
        deadline = time.monotonic() + timeout
        while not _ATTRIBUTES.search(data):
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                break
            chunk = os.read(fd, 256)
            if not chunk:
                break
            data += chunk
    except OSError:
        return None
    finally:
        try:
            termios.tcsetattr(fd, termios.TCSANOW, saved)
        except termios.error:
            pass
    return parse_reply(data)


def light_note(background: str | None) -> tuple[str, str | None]:
    """For theme ``light``: (the theme to use, a line to print or None),
    given the background the terminal reported (None: it did not)."""
    from sliderepl.screen.contrast import luminance

    if background is None:
        return "light", ("theme light assumes a light terminal background;"
                         " on a dark one use --theme dark (or !theme dark)")
    if luminance(background) < DARK:
        return "dark", (f"the terminal's background is dark ({background}):"
                        " theme light would leave titles hard to read, so "
                        "theme dark is used (!theme light to insist)")
    return "light", None
