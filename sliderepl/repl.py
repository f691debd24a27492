"""The interactive deck: slides between live ``>>>`` prompts.

``run_interactive(deck, options)`` shows the first slide straight away,
then (only then: startup time matters) imports prompt_toolkit for the
prompt.  With no terminal on stdin it reads plain lines instead, with the
same commands.

One ``ReplState`` is passed explicitly everywhere.  Stepping through a
slide is a small state machine kept in it (``phase``):

    bullets -> code -> paused -> done -> (next slide)

``bullets`` reveals one bullet per Enter on ``b`` slides; ``code`` shows
and runs the code; a ``p`` slide shows its code and stops at ``paused``
until Enter runs it.  Commands work in every phase.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from . import commands, render
from .console import Screen
from .navigation import Navigator
from .options import Options
from .theme import THEME_NAMES, make_console

if TYPE_CHECKING:
    from .events import Sink
    from .model import Deck, Slide

BULLETS, CODE, PAUSED, DONE = "bullets", "code", "paused", "done"


@dataclass
class ReplState:
    """Everything the REPL knows; passed to every function that acts."""

    nav: Navigator
    screen: Screen
    deck_name: str
    started: float = field(default_factory=time.monotonic)
    phase: str = DONE
    revealed: int = 0
    finished: bool = False
    history: list[str] = field(default_factory=list)
    #: Where shown code goes once the prompt's history exists.
    remember: Any = None

    @property
    def position(self) -> int:
        return self.nav.position

    @property
    def total(self) -> int:
        return self.nav.total

    @property
    def echo_sql(self) -> bool:
        return self.screen.echo_sql

    @property
    def slide(self) -> Slide | None:
        return self.nav.current

    def enter_hint(self) -> str:
        """What an Enter on an empty line does now (for the toolbar)."""
        slide = self.slide
        if self.phase == BULLETS and slide is not None:
            return f"bullet {self.revealed + 1} of {len(slide.bullets)}"
        if self.phase == CODE:
            return "show the code"
        if self.phase == PAUSED:
            return "run the code"
        if self.position >= self.total:
            return "end of the deck"
        return "next slide"


def make_state(
    deck: Deck, options: Options, screen: Screen | None = None
) -> ReplState:
    """A state for ``deck``; ``screen`` defaults to the terminal."""
    if screen is None:
        screen = Screen(make_console(options.theme), options.theme)
    screen.echo_sql = options.echo_sql
    screen.presentation = options.presentation
    state = ReplState(Navigator(deck, options), screen, deck.path.name)
    screen.on_code = lambda text: _remember(state, text)
    return state


def _remember(state: ReplState, text: str) -> None:
    text = text.rstrip("\n")
    if not text.strip():
        return
    if state.remember is not None:
        state.remember(text)
    else:
        state.history.append(text)  # no prompt yet: kept for it


# -- stepping through slides ------------------------------------------


def begin(state: ReplState, start: int = 1) -> None:
    """Deck problems, the first slide's header, setup slides, then the
    first slide's code.

    The header goes up before the setup slides run: they are silent and
    often slow (imports, a database), and the audience should see the
    title at once rather than a blank screen.
    """
    screen = state.screen
    for problem in state.nav.deck.problems:
        screen.show(render.problem(problem))
    if state.total == 0:
        state.nav.start(screen)
        screen.message("this deck has no slides; type Python, !q quits")
        return
    first = min(max(start, 1), state.total)
    slide = state.nav.slide(first)
    if slide is not None:
        screen.slide(slide, state.total)
        screen.drawn_early = slide
    state.nav.start(screen)
    move(state, lambda sink: state.nav.goto(first, sink, run=False))
    screen.drawn_early = None


def land(state: ReplState, arrived: bool, before: int) -> None:
    """After moving (``run=False``): start the slide's first phase.

    ``before`` is the position before the move: a refused move (no such
    slide, already on the first) leaves the current slide's phase alone.
    """
    slide = state.slide
    if not arrived:
        if state.position != before or state.nav.has_run:
            # Ctrl-C stopped the catch-up: we sit on a half-run slide.
            state.phase = DONE
        return
    if slide is None:
        state.phase = DONE
        return
    state.revealed = 0
    if slide.has_bullets:
        state.phase = BULLETS
    else:
        show_code(state)


def move(state: ReplState, to: Callable[[Sink], bool]) -> None:
    """Move with ``to(sink)`` (a navigator call with ``run=False``)."""
    before = state.position
    land(state, to(state.screen), before)


def show_code(state: ReplState, pause: bool = True) -> None:
    """The code phase: run it shown, or show it and pause (``p``)."""
    slide = state.slide
    if slide is None:
        return
    screen = state.screen
    if pause and slide.pauses and slide.runs and slide.blocks:
        screen.code(slide)
        state.phase = PAUSED
        return
    if not slide.runs:
        screen.code(slide)  # display only: x slides, broken slides
    state.phase = DONE
    state.nav.run_current(screen)


def run_paused(state: ReplState) -> None:
    """Run a paused slide's code, which is on screen already."""
    state.phase = DONE
    state.screen.show_code = False
    try:
        state.nav.run_current(state.screen)
    finally:
        state.screen.show_code = True


def advance(state: ReplState) -> None:
    """Enter on an empty line, and ``!next``."""
    slide = state.slide
    if state.phase == BULLETS and slide is not None:
        state.revealed += 1
        state.screen.show(
            render.bullets(slide.bullets, state.revealed, state.revealed - 1)
        )
        if state.revealed >= len(slide.bullets):
            state.phase = CODE
            if not slide.blocks:
                show_code(state)
    elif state.phase == CODE:
        show_code(state)
    elif state.phase == PAUSED:
        run_paused(state)
    else:
        move(state, lambda sink: state.nav.next(sink, run=False))


def replay(state: ReplState, arrived: bool) -> None:
    """After a rerun or reload: all bullets at once, then run."""
    slide = state.slide
    if not arrived or slide is None or state.nav.has_run:
        state.phase = DONE
        return
    if slide.has_bullets:
        state.screen.show(render.bullets(slide.bullets))
    show_code(state, pause=False)


# -- commands -----------------------------------------------------------


def handle_line(state: ReplState, line: str) -> None:
    """One line from the prompt: advance, a command, or Python.

    Never raises: the presenter's session goes on whatever happens.
    """
    screen = state.screen
    try:
        if not line.strip():
            advance(state)
            return
        parsed = commands.parse(line)
        if parsed is None:
            state.nav.run_source(line, screen)
        elif isinstance(parsed, commands.BadCommand):
            screen.message(parsed.message, failed=True)
        else:
            command(state, parsed)
    except KeyboardInterrupt:
        screen.message("interrupted", failed=True)
    except Exception as exc:  # our bug: say so, keep the session alive
        screen.message(
            f"sliderepl internal error: {type(exc).__name__}: {exc}",
            failed=True,
        )


def command(state: ReplState, cmd: commands.Command) -> None:
    """Do one recognised command."""
    nav, screen = state.nav, state.screen
    name = cmd.name
    if name == "next":
        advance(state)
    elif name == "prev":
        move(state, lambda sink: nav.prev(sink, run=False))
    elif name == "goto":
        found = commands.find_slide(cmd.arg, nav.deck.slides)
        if isinstance(found, str):
            screen.message(found, failed=True)
            return
        target = found.position
        move(state, lambda sink: nav.goto(target, sink, run=False))
        if found.others:
            others = ", ".join(str(n) for n in found.others)
            screen.message(f"also matching: slides {others}")
    elif name == "show":
        show_slide(state, cmd.number or 0)
    elif name == "info":
        screen.show(render.info(str(nav.deck.path), state.position,
                                state.total, _settings(state)))
    elif name == "toc":
        screen.show(render.toc(nav.deck.slides, state.position))
    elif name == "rerun":
        if state.position == 0:
            advance(state)
        else:
            replay(state, nav.goto(state.position, screen, run=False))
    elif name == "rreallyrerun":
        replay(state, nav.reload(screen, run=False))
    elif name == "reset":
        nav.reset(screen)
        screen.message("deck reset: fresh namespace")
        move(state, lambda sink: nav.goto(1, sink, run=False))
    elif name == "presentation":
        screen.presentation = not screen.presentation
        screen.message(
            f"presentation mode {'on' if screen.presentation else 'off'}"
        )
    elif name == "echo":
        nav.echo_sql = screen.echo_sql = not screen.echo_sql
        screen.message(f"SQL echo {'on' if screen.echo_sql else 'off'}")
    elif name == "theme":
        set_theme(state, cmd.arg)
    elif name == "quit":
        state.finished = True
    elif name == "help":
        screen.show(render.help_table(commands.help_rows()))


def show_slide(state: ReplState, number: int) -> None:
    """``!show N``: a slide drawn but not run; we stay where we are."""
    slide = state.nav.slide(number)
    if slide is None:
        state.screen.message(
            f"no slide {number}: the deck has slides 1 to {state.total}",
            failed=True,
        )
        return
    state.screen.show(render.slide_header(slide, state.total))
    if slide.bullets:
        state.screen.show(render.bullets(slide.bullets))
    state.screen.code(slide)
    state.screen.message(f"(not run; still on slide {state.position})")


def set_theme(state: ReplState, name: str) -> None:
    if name.lower() not in THEME_NAMES:
        state.screen.message(
            f"theme {state.screen.theme}; choose one of: "
            + ", ".join(THEME_NAMES),
            failed=bool(name),
        )
        return
    state.screen.message(f"theme {state.screen.set_theme(name)}")


def _settings(state: ReplState) -> str:
    slide = state.slide
    title = render.slide_title(slide).plain if slide else "(no slide yet)"
    return (
        f"{title!s}; SQL echo {'on' if state.echo_sql else 'off'};"
        f" presentation {'on' if state.screen.presentation else 'off'};"
        f" theme {state.screen.theme}"
    )


# -- the loops ------------------------------------------------------------


def run_interactive(deck: Deck, options: Options) -> int:
    """Run ``deck`` at a terminal (or from piped lines); exit status."""
    import sys

    state = make_state(deck, options)
    begin(state, options.start)
    if not _is_tty(sys.stdin):
        return line_loop(state, input)
    from .prompt import prompt_loop

    return prompt_loop(state)


def line_loop(state: ReplState, read: Any) -> int:
    """No terminal: read plain lines with ``read`` until EOF or ``!q``."""
    while not state.finished:
        try:
            line = read_statement(read)
        except EOFError:
            break
        except KeyboardInterrupt:
            continue
        handle_line(state, line)
    return 0


def read_statement(read: Any) -> str:
    """One line, or the lines of a compound statement up to a blank line
    (as the ``>>>`` prompt does with piped input)."""
    from .keys import is_complete

    text = read("")
    while not is_complete(text):
        try:
            more = read("")
        except EOFError:
            break
        text += "\n" + more
    return text


def _is_tty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False
