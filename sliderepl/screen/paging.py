"""Page a slide that is taller than the terminal instead of losing its top.

The screen tells the pager about every slide start, every piece of slide
content it draws (header, bullets, code) and every piece of program
output.  While a slide's content is being drawn and would push the slide's
first line off the top of the terminal, the pager writes
``-- more -- (Enter: next page, q Enter: all of it)`` and waits; a
renderable taller than a page is split into pages itself.  Once the
slide's code has printed something, paging stops for that slide: output
scrolls as at any ``>>>`` prompt.

Only on a real terminal with a keyboard (both stdout and stdin ttys);
otherwise ``show`` just prints.  ``ask`` reads the answer (a line); the
default reads the real stdin directly, since the prompt is not running
while a slide is drawn.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from sliderepl.run.interrupts import sigint_postponed

if TYPE_CHECKING:
    from rich.console import Console, RenderableType

MORE = "-- more -- (Enter: next page, q Enter: all of it)"
#: Lines kept free below the slide: the prompt and its toolbar.
RESERVED = 2


def _read_line(prompt: str) -> str:
    stdin = sys.__stdin__
    if stdin is None:
        return "q"
    out = sys.__stdout__
    if out is not None and _tty(stdin) and _tty(out) and _keys_readable():
        # PageDown and Ctrl-C arrive as keys, not as a line
        from sliderepl.screen.more_keys import read_answer

        return read_answer(stdin.fileno(), out.fileno())
    line = stdin.readline()
    return line if line else "q"  # end of input: stop asking


def _keys_readable() -> bool:
    """Can the terminal be read key by key (termios)?  Not on Windows,
    where the answer is read as a line."""
    try:
        import termios  # noqa: F401
    except ImportError:
        return False
    return True


class Pager:
    """Counts the lines of the current slide; pauses before overflow."""

    def __init__(
        self,
        console: Console,
        ask: Callable[[str], str] | None = None,
        enabled: bool | None = None,
    ) -> None:
        self.console = console
        self.ask = ask or _read_line
        if enabled is None:
            enabled = console.is_terminal and _tty(sys.__stdin__)
        self.enabled = enabled
        self.used = 0
        self.active = False  # paging the current slide's content
        self.pauses = 0

    @property
    def page(self) -> int:
        return max(_lines(self.console) - RESERVED, 3)

    def new_slide(self) -> None:
        """A slide starts (after any screen clear)."""
        self.used = 0
        self.active = self.enabled

    def output(self, text: str) -> None:
        """Program output was written: the static part is over."""
        if text:
            self.stop()

    def stop(self) -> None:
        """No more pausing on this slide (its code is producing)."""
        self.active = False

    def show(self, renderable: RenderableType, crop: bool = True) -> None:
        """Print ``renderable``, pausing between pages of the slide;
        ``crop=False``: a line wider than the terminal (one rich was told
        not to wrap) is written whole, for the terminal to soft-wrap."""
        if not self.active:
            with sigint_postponed():  # rich's buffering, never left half
                self.console.print(renderable, crop=crop)
            return
        with sigint_postponed(), self.console.capture() as captured:
            self.console.print(renderable, crop=crop)
        lines = captured.get().splitlines(keepends=True)
        for line in lines:
            if self.active and self.used >= self.page:
                self._more()
            self.console.file.write(line)
            self.used += 1
        self.console.file.flush()

    def _more(self) -> None:
        file = self.console.file
        file.write(MORE)
        file.flush()
        self.pauses += 1
        try:
            answer = self.ask(MORE)
        except (EOFError, OSError, ValueError):
            answer = "q"
        # the answer's Enter moved to a new line: remove the prompt line
        file.write("\x1b[1A\x1b[2K\r" if self.console.is_terminal else "\n")
        self.used = 0
        if answer.strip().lower().startswith("q"):
            self.active = False


def _lines(console: Console) -> int:
    """The terminal's height, from the terminal itself: rich prefers a
    ``LINES`` variable, which can be stale (some launchers export the
    size the terminal had when they started)."""
    try:
        fd = console.file.fileno()
    except (AttributeError, ValueError, OSError):
        fd = -1
    if fd >= 0:
        try:
            return os.get_terminal_size(fd).lines
        except OSError:
            pass
    return console.size.height


def _tty(stream: object) -> bool:
    try:
        return bool(stream.isatty())  # type: ignore[attr-defined]
    except (AttributeError, ValueError, OSError):
        return False
