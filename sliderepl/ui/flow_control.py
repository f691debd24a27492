"""Ctrl-S must not freeze the room's screen.

A terminal in its usual mode treats Ctrl-S as XOFF: all output stops
until Ctrl-Q, and nothing on screen says why.  A speaker who presses
Ctrl-S by the "save" reflex while a slide's output runs sees a dead REPL.
The line editor turns flow control off while it reads a line, but slide
code runs between prompts, in the terminal's usual mode.
:func:`flow_control_off` turns it off for the whole session and puts the
terminal back as it was at the end.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def flow_control_off(fd: int) -> Iterator[None]:
    """Ctrl-S / Ctrl-Q are plain keys while the block runs on terminal
    ``fd`` (nothing changes where there is no termios: Windows)."""
    try:
        import termios
    except ImportError:
        yield
        return
    try:
        saved = termios.tcgetattr(fd)
        changed = list(saved)
        changed[0] &= ~termios.IXON  # iflag: no XON/XOFF on input
        termios.tcsetattr(fd, termios.TCSANOW, changed)
    except (termios.error, OSError, ValueError):
        yield
        return
    try:
        yield
    finally:
        try:
            termios.tcsetattr(fd, termios.TCSANOW, saved)
        except (termios.error, OSError, ValueError):
            pass  # the terminal is gone: nothing to put back
