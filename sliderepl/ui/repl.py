"""The interactive deck: slides between live ``>>>`` prompts.

``run_interactive(deck, options)`` shows the first slide straight away,
then (only then: startup time matters) imports prompt_toolkit for the
prompt (``prompt.py``).  With no terminal on stdin it reads plain lines
instead, with the same commands.  Every line goes through
``commands.handle_line``: Enter steps the slide (``steps.py``), a
``!command`` acts (the command table, ``commands.py``), anything else is
Python run in the deck's namespace.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sliderepl.ui.commands import guarded, handle_line
from sliderepl.ui.steps import (
    BULLETS,
    CODE,
    DONE,
    PAUSED,
    ReplState,
    begin,
    make_state,
)

if TYPE_CHECKING:
    from pathlib import Path

    from sliderepl.deck.model import Deck
    from sliderepl.run.options import Options

__all__ = [
    "BULLETS", "CODE", "DONE", "PAUSED", "ReplState", "begin",
    "handle_line", "line_loop", "make_state", "run_interactive",
]


# -- the loops ------------------------------------------------------------


def run_interactive(
    deck: Deck, options: Options, from_menu: bool = False,
    then: list[Path] | None = None,
) -> int:
    """Run ``deck`` at a terminal (or from piped lines); exit status.
    ``from_menu``: the deck was chosen in the menu, which leaving it
    (``!quit``) goes back to.  ``then`` gets the deck to open next when
    the learner took the finish line's offer."""
    import sys

    if _is_tty(sys.stdin):
        from sliderepl.ui.flow_control import flow_control_off

        with flow_control_off(sys.stdin.fileno()):
            return _run_interactive(deck, options, from_menu, then)
    return _run_interactive(deck, options, from_menu, then)


def _run_interactive(deck: Deck, options: Options, from_menu: bool,
                     then: list[Path] | None = None) -> int:
    import sys

    _tolerant(sys.stdout)
    state = make_state(deck, options)
    state.from_menu = from_menu
    try:
        return _session(state, deck, options)
    finally:
        if then is not None and state.then is not None:
            then.append(state.then)


def _session(state: ReplState, deck: Deck, options: Options) -> int:
    import sys

    at_terminal = _is_tty(sys.stdin) and _is_tty(sys.stdout)
    start = options.start
    note = _light_check(state) if at_terminal else None
    if at_terminal:
        # a person is here: remember their place, offer to resume it
        state.keep_progress = True
        if options.resume:
            resumed = ask_resume(deck, state.total, input)
            if resumed is not None:
                start = resumed
                state.pacing = False  # a learner back from a break
    guarded(state, lambda: begin(state, start))
    if note:
        state.screen.message(note)
    if not at_terminal:
        # Piped in, or captured to a file: no line editor, which would
        # fail on a pipe or fill the file with escape codes.
        return line_loop(state, input)
    from sliderepl.run.interrupts import sigint_deferred

    try:
        with sigint_deferred():
            from sliderepl.ui.prompt import prompt_loop
    except ImportError as exc:  # a broken install still runs the deck
        state.screen.message(f"no line editor ({exc}); plain input",
                             failed=True)
        return line_loop(state, input)
    from sliderepl.ui.prompt import LineEditorFailed

    try:
        while True:
            try:
                return prompt_loop(state)
            except KeyboardInterrupt:  # Ctrl-C as the prompt started
                continue
            except LineEditorFailed:
                state.screen.message("line editor off: plain input")
                return line_loop(state, input)
    finally:
        # the notes window stops showing a talk that is over
        from sliderepl.teach.progress import presenter_left

        presenter_left(deck.path)


def _light_check(state: ReplState) -> str | None:
    """Theme ``light`` at a terminal: ask its background (OSC 11); on a
    dark one use ``dark``; the note to print, if any."""
    import sys

    if state.screen.theme != "light":
        return None
    from sliderepl.screen.terminal_bg import light_note, query_background

    try:
        background = query_background(sys.stdin.fileno(),
                                       sys.stdout.fileno())
    except (OSError, ValueError):
        background = None
    theme, note = light_note(background)
    if theme != state.screen.theme:
        state.screen.set_theme(theme)
    return note


def ask_resume(
    deck: Deck, total: int, ask: Callable[[str], str]
) -> int | None:
    """Offer the furthest slide the learner reached (and say where they
    were last, when that is elsewhere); the slide to start on if they say
    yes, else None.  Enter means yes."""
    from sliderepl.teach.progress import learned, resume_offer

    where = resume_offer(deck.path, total)
    if where is None:
        return None
    done = learned(deck.path)
    last = ""
    if done is not None and done.position != where:
        last = f" (last seen: slide {done.position})"
    try:
        answer = ask(
            f"{deck.path.name}: you reached slide {where} of {total}{last}."
            f" Resume at slide {where} (furthest)? [Y/n] "
        )
    except (EOFError, KeyboardInterrupt):
        return None
    return where if answer.strip().lower() in ("", "y", "yes") else None


def line_loop(state: ReplState, read: Callable[[str], str]) -> int:
    """No terminal: read plain lines with ``read`` until EOF or ``!q``."""
    from sliderepl.ui.watch import for_state

    lines = LineReader(read)
    watching = for_state(state)  # --watch: look before each line
    while not state.finished:
        try:
            text = lines.statement()
        except EOFError:
            break
        except KeyboardInterrupt:
            continue
        if watching and watching.settle():
            guarded(state, watching.reload)
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
        from sliderepl.ui.keys import is_complete

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
