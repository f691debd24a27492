"""The interactive deck: slides between live ``>>>`` prompts.

``run_interactive(deck, options)`` shows the first slide straight away,
then (only then: startup time matters) imports prompt_toolkit for the
prompt (``prompt.py``).  With no terminal on stdin it reads plain lines
instead, with the same commands.  Every line goes through
``handle_line``: Enter steps the slide (``steps.py``), a ``!command``
acts, anything else is Python run in the deck's namespace.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from . import commands, render
from .steps import (
    BULLETS,
    CODE,
    DONE,
    PAUSED,
    ReplState,
    advance,
    begin,
    make_state,
    move,
    replay,
)
from .theme import THEME_NAMES

if TYPE_CHECKING:
    from .model import Deck
    from .options import Options

__all__ = [
    "BULLETS", "CODE", "DONE", "PAUSED", "ReplState", "begin",
    "handle_line", "line_loop", "make_state", "run_interactive",
]


# -- commands -----------------------------------------------------------


def handle_line(state: ReplState, line: str) -> None:
    """One line from the prompt: advance, a command, or Python.

    Never raises: the presenter's session goes on whatever happens.
    """
    guarded(state, lambda: _dispatch(state, line))


def _dispatch(state: ReplState, line: str) -> None:
    if not line.strip():
        advance(state)
        return
    parsed = commands.parse(line)
    if parsed is None:
        state.nav.run_source(line, state.screen)
    elif isinstance(parsed, commands.BadCommand):
        state.screen.message(parsed.message, failed=True)
    else:
        command(state, parsed)


def guarded(state: ReplState, action: Callable[[], object]) -> None:
    """Run ``action``; Ctrl-C or a bug in the runner becomes a message.

    Slide code's own exceptions never get here (the interpreter turns
    them into events): what does is ours, and the session goes on.
    """
    from .leaving import LeaveDeck, restore_stdin

    try:
        action()
    except LeaveDeck:  # exit(), quit() or SystemExit typed at >>>
        state.finished = True
    except KeyboardInterrupt:
        state.screen.message("interrupted", failed=True)
    except Exception as exc:
        state.screen.message(
            f"sliderepl internal error: {type(exc).__name__}: {exc}",
            failed=True,
        )
    restore_stdin()  # code that closed sys.stdin must not stop the REPL
    # Output that ended mid-line (print(..., end="")) must not leave the
    # next prompt glued to it.
    state.screen.end_line()


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
    elif name == "copy":
        copy_slide(state)
    elif name in ("hint", "check", "solution"):
        exercise_command(state, name)
    elif name == "quit":
        state.finished = True
    elif name == "help":
        from .keys import KEY_HELP

        screen.show(
            render.help_table([*commands.help_rows(), *KEY_HELP])
        )


def copy_slide(state: ReplState) -> None:
    """``!copy``: the current slide's code to the clipboard or a file."""
    from .clipboard import copy, slide_code

    slide = state.slide
    if slide is None or not slide_code(slide):
        state.screen.message("this slide has no code to copy", failed=True)
        return
    name = f"{state.nav.deck.path.stem}-{slide.number}"
    screen = state.screen
    done = copy(slide_code(slide), name, screen.console.file)
    screen.message(done.message(), failed=not (done.via or done.path))


def exercise_command(state: ReplState, name: str) -> None:
    """``!hint``, ``!check``, ``!solution`` on the current slide."""
    slide, screen = state.slide, state.screen
    if slide is None:
        screen.message("no slide yet: Enter shows the first", failed=True)
        return
    tracker = state.exercises
    if name == "hint":
        text, ok = tracker.hint(slide)
        screen.message(text, failed=not ok)
        return
    if name == "check":
        text, passed, solution = tracker.check(
            slide, state.nav.interpreter.namespace
        )
        screen.message(text, failed=not passed)
        if solution:
            screen.message("the solution, to compare with yours:")
            _show_solution(state, solution)
        return
    code, text = tracker.solution(slide)
    screen.message(text, failed=code is None)
    if code:
        _show_solution(state, code)


def _show_solution(state: ReplState, code: str) -> None:
    """The solution as typed at ``>>>``: one prompt per statement."""
    from .parser import solution_blocks

    slide = state.slide
    assert slide is not None
    for block in solution_blocks(slide):
        state.screen.show(render.code(block, state.screen.syntax_theme))
        if state.remember is not None:
            # Up at the prompt brings each statement back to edit
            state.remember(block.display)


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

    _tolerant(sys.stdout)
    state = make_state(deck, options)
    at_terminal = _is_tty(sys.stdin) and _is_tty(sys.stdout)
    start = options.start
    if at_terminal:
        # a person is here: remember their place, offer to resume it
        state.keep_progress = True
        if options.resume:
            start = ask_resume(deck, state.total, input) or start
    guarded(state, lambda: begin(state, start))
    if not at_terminal:
        # Piped in, or captured to a file: no line editor, which would
        # fail on a pipe or fill the file with escape codes.
        return line_loop(state, input)
    from .leaving import sigint_deferred

    try:
        with sigint_deferred():
            from .prompt import prompt_loop
    except ImportError as exc:  # a broken install still runs the deck
        state.screen.message(f"no line editor ({exc}); plain input",
                             failed=True)
        return line_loop(state, input)
    try:
        while True:
            try:
                return prompt_loop(state)
            except KeyboardInterrupt:  # Ctrl-C as the prompt started
                continue
    finally:
        # the notes window stops showing a talk that is over
        from .progress import presenter_left

        presenter_left(deck.path)


def ask_resume(
    deck: Deck, total: int, ask: Callable[[str], str]
) -> int | None:
    """Offer the slide the learner stopped at last time; the slide to
    start on if they say yes, else None.  Enter means yes."""
    from .progress import resume_offer

    where = resume_offer(deck.path, total)
    if where is None:
        return None
    try:
        answer = ask(
            f"{deck.path.name}: you stopped at slide {where} of {total}"
            " last time. Resume there? [Y/n] "
        )
    except (EOFError, KeyboardInterrupt):
        return None
    return where if answer.strip().lower() in ("", "y", "yes") else None


def line_loop(state: ReplState, read: Callable[[str], str]) -> int:
    """No terminal: read plain lines with ``read`` until EOF or ``!q``."""
    lines = LineReader(read)
    while not state.finished:
        try:
            text = lines.statement()
        except EOFError:
            break
        except KeyboardInterrupt:
            continue
        handle_line(state, text)
    return 0


class LineReader:
    """Plain lines grouped into statements, as ``>>>`` groups them.

    A compound statement ends at a blank line, or (friendlier than the
    ``>>>`` prompt) at the first line back at its indentation, which is
    kept for the next statement.
    """

    def __init__(self, read: Callable[[str], str]) -> None:
        self.read = read
        self.pending: str | None = None

    def line(self) -> str:
        if self.pending is not None:
            line, self.pending = self.pending, None
            return line
        return self.read("")

    def statement(self) -> str:
        from .keys import is_complete

        text = self.line()
        while not is_complete(text):
            try:
                more = self.line()
            except EOFError:
                break
            if more.strip() and not more[:1].isspace() and "\n" in text:
                if not more.lstrip().startswith(
                    ("else", "elif", "except", "finally", "case")
                ):
                    self.pending = more
                    break
            text += "\n" + more
        return text


def _tolerant(stream: Any) -> None:
    """A terminal that can't show a character gets a ``?``, not a crash
    (bullets and the table of contents use a few non-ASCII marks)."""
    try:
        stream.reconfigure(errors="replace")
    except (AttributeError, ValueError, OSError):
        pass


def _is_tty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False
