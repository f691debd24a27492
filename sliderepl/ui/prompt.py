"""The prompt_toolkit side of the REPL: session, history, the loop.

Imported only once the first slide is on screen.  The session gets
Python highlighting in the theme's slide-code colours (``input_style.py``),
multi-line editing (``keys.py``), completion from the
live namespace (``completion.py``), the toolbar (``toolbar.py``) and a
history file per deck (``history.py``).  ``prompt_loop`` takes an optional
prompt_toolkit input and output so tests can drive it with keystrokes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from prompt_toolkit import PromptSession
from prompt_toolkit.formatted_text import FormattedText
from prompt_toolkit.history import History, InMemoryHistory
from prompt_toolkit.lexers import PygmentsLexer
from prompt_toolkit.styles import DynamicStyle
from pygments.lexers.python import PythonLexer

from sliderepl.run.interrupts import sigint_deferred
from sliderepl.ui.commands import guarded, handle_line
from sliderepl.ui.completion import NamespaceCompleter
from sliderepl.ui.history import KeptHistory, history_path, take_problem
from sliderepl.ui.input_style import prompt_style
from sliderepl.ui.keys import build_key_bindings
from sliderepl.ui.paste_guard import install as install_paste_guard
from sliderepl.ui.steps import ReplState
from sliderepl.ui.toolbar import toolbar
from sliderepl.ui.watch import DeckChanged, for_state

if TYPE_CHECKING:
    from prompt_toolkit.input import Input
    from prompt_toolkit.output import Output


def open_history(state: ReplState, persistent: bool = True) -> History:
    """The deck's history file, or one in memory if it can't be made."""
    history: History = InMemoryHistory()
    if persistent:
        path = history_path(state.nav.deck.path)
        try:
            history = KeptHistory(path)
        except OSError as exc:  # a folder, a FIFO, a read-only home
            state.screen.message(f"history not kept: {exc}", failed=True)
    last: list[str] = []

    def remember(text: str) -> None:
        # Shown slide code goes in as typed, so Up brings it back to edit;
        # the same block twice in a row (a rerun) is stored once.
        if last and last[-1] == text:
            return
        last[:] = [text]
        history.append_string(text)
        _history_problem(state, history)

    for text in state.history:
        remember(text)
    state.history.clear()
    state.remember = remember
    return history


def _history_problem(state: ReplState, history: History) -> None:
    """Say, once, that the history file could not be written."""
    problem = take_problem(history)
    if problem is not None:
        state.screen.message(problem, failed=True)


def make_session(
    state: ReplState,
    history: History,
    input: Input | None = None,
    output: Output | None = None,
) -> PromptSession[str]:
    return PromptSession(
        message=">>> ",
        prompt_continuation="... ",
        multiline=True,
        key_bindings=build_key_bindings(state),
        lexer=PygmentsLexer(PythonLexer),
        completer=NamespaceCompleter(lambda: state.nav.interpreter.namespace),
        complete_while_typing=False,
        history=history,
        bottom_toolbar=lambda: FormattedText(toolbar(state)),
        # typed code in the slide code's colours, following !theme; none
        # of prompt_toolkit's own palette underneath (its dark-red
        # strings are unreadable on a dark terminal)
        style=DynamicStyle(lambda: prompt_style(state.screen.theme)),
        include_default_pygments_style=False,
        # The elapsed time in the toolbar ticks; tests pass no refresh.
        refresh_interval=1.0 if output is None else 0,
        input=input,
        output=output,
        erase_when_done=False,
    )


def prompt_loop(
    state: ReplState,
    input: Input | None = None,
    output: Output | None = None,
    persistent_history: bool = True,
) -> int:
    """Prompt, act, repeat until ``!quit`` or Ctrl-D; exit status 0.

    Ctrl-C at the prompt drops the line being typed and prompts again.
    """
    session = _line_editor(
        state, open_history(state, persistent_history), input, output
    )
    failures = 0
    watching = for_state(state)  # --watch: a save ends the prompt
    while not state.finished:
        try:
            # At the prompt Ctrl-C is a key (the terminal is raw); only
            # while the line editor starts or ends is the terminal in its
            # usual mode, where a press is a SIGINT that would land inside
            # prompt_toolkit or asyncio and leave a line editor that reads
            # no keys (found by the long fuzz run).  There the press is
            # dropped: the prompt that follows is empty anyway.
            with sigint_deferred():
                line = session.prompt(
                    handle_sigint=False,
                    **watching.prompt_args() if watching else {})
        except DeckChanged:
            if watching:
                guarded(state, watching.reload)
            continue
        except KeyboardInterrupt:
            if session.app.is_running:
                # Ctrl-C landed while the line editor was starting or
                # ending: it still counts itself running and would refuse
                # the next prompt ("Application is already running")
                session = _line_editor(state, session.history, input, output)
            continue
        except EOFError:
            break
        except Exception as exc:  # the terminal misbehaved; keep going
            _report(state, exc)
            failures += 1
            if failures > 5:  # it keeps failing: no line editor
                raise LineEditorFailed from exc
            # a new session reads the stdin that code may have reopened
            session = _line_editor(state, session.history, input, output)
            continue
        failures = 0
        _history_problem(state, session.history)
        if not line.strip() and output is None:
            _erase_prompt_line(state)
        handle_line(state, line)
    return 0


def _line_editor(
    state: ReplState, history: History, input: Input | None,
    output: Output | None,
) -> PromptSession[str]:
    """A line editor whose lone ESC[200~ eats no keys (the paste guard)."""
    session = make_session(state, history, input, output)
    install_paste_guard(session.input)
    return session


class LineEditorFailed(Exception):
    """The line editor keeps failing: the REPL goes on with plain input."""


def _erase_prompt_line(state: ReplState) -> None:
    """An Enter that only steps the deck leaves no empty ``>>>`` behind:
    on stage, bullets and code should read as one slide."""
    console = state.screen.console
    if console.is_terminal:
        console.file.write("\x1b[1A\x1b[2K")
        console.file.flush()


def _report(state: Any, exc: Exception) -> None:
    state.screen.message(
        f"sliderepl prompt error: {type(exc).__name__}: {exc}", failed=True
    )
