"""The one place that writes to the terminal.

``Screen`` owns the rich console and is the event sink the interpreter
feeds: it renders each event (``render.event``), keeps SQL echo on or off,
shows nothing but errors for blocks run silently, and never lets a
rendering failure escape (a presenter's REPL must not die because some
object's ``__rich__`` raised).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from sliderepl.run import events
from sliderepl.run.interrupts import sigint_postponed
from sliderepl.screen import render
from sliderepl.screen.theme import SYNTAX_THEMES, rich_theme, theme_name

if TYPE_CHECKING:
    from rich.console import Console, RenderableType

    from sliderepl.deck.model import Slide


class _EchoHolder(Protocol):
    echo_sql: bool


class _OwnEcho:
    def __init__(self, on: bool) -> None:
        self.echo_sql = on


class Screen:
    """Rendering state: console, theme, SQL echo, silent blocks."""

    def __init__(
        self,
        console: Console,
        theme: str | None = None,
        *,
        echo_sql: bool = True,
    ) -> None:
        self.console = console
        self.theme = theme_name(theme)
        #: who holds the SQL echo setting: this screen alone, until
        #: ``echo_follows`` hands it to the navigator
        self._echo: _EchoHolder = _OwnEcho(echo_sql)
        #: False while running code that is already on screen (a paused
        #: slide): its blocks are not drawn a second time.
        self.show_code = True
        #: Called with the display text of every code block drawn, so the
        #: REPL can add it to the prompt history.
        self.on_code: Callable[[str], None] | None = None
        #: Presentation mode: a new slide clears the screen (unless its
        #: ``i`` flag says it continues the previous one).
        self.presentation = False
        #: A slide whose header is on screen before the navigator lands
        #: on it (the first slide, drawn before the setup slides run).
        self.drawn_early: Slide | None = None
        self._silent = False
        self._mid_line = False
        #: the last error and echoed value shown (``!tb``, ``!repr``)
        self.last_error: events.Error | None = None
        self.last_value: events.Value | None = None
        #: Pages a slide taller than the terminal (``paging.py``); only
        #: engaged on a terminal with a keyboard.
        from sliderepl.screen.paging import Pager

        self.pager = Pager(console)

    @property
    def echo_sql(self) -> bool:
        return self._echo.echo_sql

    @echo_sql.setter
    def echo_sql(self, on: bool) -> None:
        self._echo.echo_sql = on

    def echo_follows(self, holder: _EchoHolder) -> None:
        """Show SQL as ``holder.echo_sql`` says (one setting for the
        screen and the interpreter that captures SQL)."""
        self._echo = holder

    @property
    def syntax_theme(self) -> str:
        return SYNTAX_THEMES[self.theme]

    def set_theme(self, name: str) -> str:
        """Switch every colour at once; returns the theme now in use."""
        self.theme = theme_name(name)
        # One theme pushed at a time: pop ours before pushing the next.
        from rich.theme import ThemeStackError

        try:
            self.console.pop_theme()
        except ThemeStackError:  # only the base theme so far
            pass
        self.console.push_theme(rich_theme(self.theme))
        return self.theme

    def show(
        self, renderable: RenderableType | None, crop: bool = True,
        text: str | None = None, keep: bool = False,
    ) -> None:
        """Print one renderable on a line of its own (``crop``: as
        ``Pager.show``); if it cannot be drawn, ``text`` (an echoed
        value's repr, made once already) or else its repr instead.
        ``keep``: the slide's header or code, which the pager draws
        again at the top of each page in presentation mode."""
        if renderable is None:
            return
        self.end_line()
        try:
            self.pager.show(renderable, crop, keep)
        except Exception as exc:  # a broken __rich__ must not kill us
            self._fallback(renderable, exc, text)

    def message(self, text: str, failed: bool = False) -> None:
        """The runner talking: a note, or (``failed``) a complaint."""
        self.show(render.message(text, "problem" if failed else "message"))

    def clear(self) -> None:
        self.end_line()
        if self.console.is_terminal:
            with sigint_postponed():  # rich's buffering, never left half
                self.console.clear()

    def slide(self, slide: Slide, total: int) -> None:
        """A slide's header (and any problem that keeps it from running);
        in presentation mode on a clean screen."""
        if self.presentation and not slide.continues:
            self.clear()
        self.pager.new_slide()
        self.pager.presentation = self.presentation
        self.show(render.slide_header(slide, total), keep=True)
        for problem in slide.problems:
            self.show(render.problem(problem))

    def code(self, slide: Slide) -> None:
        """A slide's code, drawn without running it."""
        for block in slide.blocks:
            self.show(render.code(block, self.syntax_theme), keep=True)
            if self.on_code is not None:
                self.on_code(block.display)

    def __call__(self, event: events.Event) -> None:
        """The sink: draw one execution event."""
        if isinstance(event, events.SlideStarted):
            self._silent = False
            if event.slide is self.drawn_early:
                self.drawn_early = None
            else:
                self.slide(event.slide, event.total)
            return
        if isinstance(event, events.Notice):
            self.message(event.text, event.failed)
            return
        if isinstance(event, events.BlockStarted):
            self._silent = not event.shown
            if event.shown and self.show_code:
                self.show(render.code(event.block, self.syntax_theme),
                          keep=True)
                if self.on_code is not None:
                    self.on_code(event.block.display)
            return
        if self._silent and not isinstance(
            event, (events.Error, events.Interrupted)
        ):
            return
        if isinstance(event, events.Output):
            self._write(render.output(event.text, event.stream))
            return
        if isinstance(event, events.Error):
            self.last_error = event
        elif isinstance(event, events.Value):
            # its text only (all !repr shows): holding the value would
            # keep it alive after Python let go of it (``_`` moves on,
            # or is None after a repr that raised)
            self.last_value = events.Value(None, event.text, event.rows,
                                           event.hint)
        self.show(
            render.event(
                event,
                echo_sql=self.echo_sql,
                syntax_theme=self.syntax_theme,
            ),
            # the echo made the repr already: a second would run it again
            text=event.text if isinstance(event, events.Value) else None,
        )

    def _write(self, text: Any) -> None:
        """Program output as it came: no newline added, so partial lines
        written by separate ``print(..., end='')`` calls stay together."""
        plain = text.plain
        if not plain:
            return
        try:
            if not self.pager.output(text):
                with sigint_postponed():  # rich's buffering, never half
                    self.console.print(text, end="", soft_wrap=True)
        except Exception as exc:
            self._fallback(text, exc)
        self._mid_line = not plain.endswith("\n")

    def end_line(self) -> None:
        """Finish a partial line of program output, if there is one."""
        if self._mid_line:
            self._mid_line = False
            try:
                self.console.file.write("\n")
            except (OSError, ValueError):
                pass  # a closed terminal: nothing left to tidy

    def _fallback(self, renderable: object, exc: Exception,
                  text: str | None = None) -> None:
        try:
            shown = repr(renderable) if text is None else text
        except Exception:
            shown = object.__repr__(renderable)
        from sliderepl.run.inert import inert

        note = inert(
            f"{shown}\n(could not draw it: {type(exc).__name__}: {exc})\n")
        try:
            self.console.file.write(note)
        except (UnicodeError, OSError, ValueError):
            pass  # nothing more can be shown on this stream
