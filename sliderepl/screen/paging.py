"""Page a slide that is taller than the terminal instead of losing its top.

The screen tells the pager about every slide start, every piece of slide
content it draws (header, bullets, code) and every piece of program
output.  While a slide's content is being drawn and would push the slide's
first line off the top of the terminal, the pager writes
``-- more -- (Enter: next page, q Enter: all of it)`` and waits; a
renderable taller than a page is split into pages itself.  What the
slide's code prints, echoes or logs is paged the same way, line by line
as it comes (long lines counted as the terminal wraps them), until the
slide has run (``stop``): then output scrolls as at any ``>>>`` prompt.

In presentation mode (``presentation``) each new page starts on a clear
screen with the slide's header and code drawn again at its top (the
renderables shown with ``keep``), so the room keeps the title and the
code in view while the output pages below them; when they would take
more than half a page, only the header is drawn again (and nothing when
even that does not fit).

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
    from rich.text import Text

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
        #: a new page starts on a clear screen with ``top`` drawn again
        self.presentation = False
        #: the slide's header and code as drawn, one list of lines each
        self.top: list[list[str]] = []
        self._column = 0  # where a partial line of output ends

    @property
    def page(self) -> int:
        return max(_lines(self.console) - RESERVED, 3)

    def new_slide(self) -> None:
        """A slide starts (after any screen clear)."""
        self.used = 0
        self.active = self.enabled
        self.top = []
        self._column = 0

    def output(self, text: Text) -> bool:
        """Write program output, pausing between pages; False (nothing
        written) when not paging: the caller prints it."""
        if not self.active:
            return False
        from rich.cells import cell_len

        width = max(self.console.width, 1)
        for piece in text.split("\n", include_separator=True):
            plain = piece.plain
            if not plain:
                continue
            if self.active and self._column == 0 and self.used >= self.page:
                self._more()
            with sigint_postponed():
                self.console.print(piece, end="", soft_wrap=True)
            body = plain.rstrip("\n")
            self._column += cell_len(body)
            if plain.endswith("\n"):
                self.used += max(1, -(-self._column // width))
                self._column = 0
        return True

    def stop(self) -> None:
        """No more pausing on this slide (its code has run)."""
        self.active = False

    def show(self, renderable: RenderableType, crop: bool = True,
             keep: bool = False) -> None:
        """Print ``renderable``, pausing between pages of the slide;
        ``crop=False``: a line wider than the terminal (one rich was told
        not to wrap) is written whole, for the terminal to soft-wrap.
        ``keep``: part of the slide's top (header, code), drawn again at
        the top of each page in presentation mode."""
        if not self.active:
            with sigint_postponed():  # rich's buffering, never left half
                self.console.print(renderable, crop=crop)
            return
        with sigint_postponed(), self.console.capture() as captured:
            self.console.print(renderable, crop=crop)
        lines = captured.get().splitlines(keepends=True)
        if self._column:  # the screen ended a partial line of output
            self.used += 1
            self._column = 0
        for line in lines:
            if self.active and self.used >= self.page:
                self._more()
            self.console.file.write(line)
            self.used += 1
        self.console.file.flush()
        if keep:
            self.top.append(lines)

    def _top_lines(self) -> list[str]:
        """The lines to draw again at the top of a new page."""
        lines: list[str] = []
        for index, chunk in enumerate(self.top):
            room = self.page - 3 if index == 0 else self.page // 2
            if len(lines) + len(chunk) > room:
                break
            lines += chunk
        return lines

    def _more(self) -> None:
        file = self.console.file
        file.write(MORE)
        file.flush()
        self.pauses += 1
        try:
            answer = self.ask(MORE)
        except (EOFError, OSError, ValueError):
            answer = "q"
        self.used = 0
        if answer.strip().lower().startswith("q"):
            self.active = False
        if self.presentation and self.active and self.top:
            # a fresh page: the slide's header and code at its top
            if self.console.is_terminal:
                file.write("\x1b[H\x1b[2J\x1b[3J")
            else:
                file.write("\n")
            top = self._top_lines()
            file.writelines(top)
            self.used = len(top)
            return
        # the answer's Enter moved to a new line: remove the prompt line
        file.write("\x1b[1A\x1b[2K\r" if self.console.is_terminal else "\n")


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
