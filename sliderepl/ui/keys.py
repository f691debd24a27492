"""Key bindings for the prompt, built from the REPL state.

Enter submits a line when it is complete Python, a command or empty (an
empty Enter advances the deck); otherwise it opens a new line indented
like the one before (one level deeper after a ``:``).  Escape-Enter
always inserts a newline.  PageDown / PageUp on an empty line step the
deck, because presenter remotes send exactly those keys.  F2 toggles the
SQL echo.  Escape (or Alt) and a digit types the digit: in prompt_toolkit
it starts an Emacs repeat count, so a stray Escape before ``123456*7``
inserted ``*`` 123,456 times and the prompt took minutes to draw (found
by the long fuzz run).
"""

from __future__ import annotations

import codeop
import warnings
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent

    from sliderepl.screen.console import Screen

_DEDENT_AFTER = ("return", "pass", "break", "continue", "raise")

#: The keys, for the ``?`` table.
KEY_HELP: tuple[tuple[str, str], ...] = (
    ("PageDown, PageUp", "on an empty line: next / previous slide "
     "(presenter remotes)"),
    ("Escape Enter", "a new line even where Enter would run the code"),
    ("Tab", "complete names from the deck's namespace"),
    ("F2", "toggle the SQL echo"),
    ("Ctrl-C", "clear the line; while code runs: stop the slide"),
    ("Ctrl-D", "leave the deck"),
)


class KeyState(Protocol):
    """What the bindings need from the REPL state."""

    screen: Screen


def is_complete(text: str) -> bool:
    """Should Enter submit ``text``?  Commands, empty lines, finished
    Python and Python that can never be finished (a syntax error, which
    the interpreter then reports) are complete."""
    stripped = text.strip()
    if not stripped:
        return True
    if "\n" not in stripped and stripped.startswith(("!", "?")):
        return True
    lines = text.split("\n")
    if len(lines) > 1 and not lines[-1].strip():
        return True  # an empty line ends a block, as at ``>>>``
    try:
        with warnings.catch_warnings():
            # SyntaxWarnings are the interpreter's to show, once.
            warnings.simplefilter("ignore")
            code = codeop.compile_command(text, "<input>", "single")
    except (SyntaxError, ValueError, OverflowError):
        return True
    return code is not None


def next_indent(text: str) -> str:
    """Indentation for the line after ``text``'s last line."""
    last = text.split("\n")[-1]
    indent = last[: len(last) - len(last.lstrip())]
    body = last.strip()
    if body.endswith(":"):
        return indent + "    "
    if body.split(" ")[0] in _DEDENT_AFTER:
        return indent[:-4] if len(indent) >= 4 else ""
    return indent


def build_key_bindings(state: KeyState) -> KeyBindings:
    """The prompt's bindings; they read and change ``state``."""
    # Imported here: ``is_complete`` serves the plain-line loop too, which
    # must not pay for prompt_toolkit.
    from prompt_toolkit.application import get_app
    from prompt_toolkit.filters import Condition
    from prompt_toolkit.key_binding import KeyBindings

    bindings = KeyBindings()

    @Condition
    def empty_line() -> bool:
        return not get_app().current_buffer.text.strip()

    @bindings.add("enter")
    def _enter(event: KeyPressEvent) -> None:
        buffer = event.current_buffer
        if buffer.complete_state is not None and (
            buffer.complete_state.current_completion is not None
        ):
            buffer.apply_completion(
                buffer.complete_state.current_completion
            )
            return
        if is_complete(buffer.text):
            buffer.validate_and_handle()
        else:
            buffer.insert_text("\n" + next_indent(buffer.document.text))

    @bindings.add("escape", "enter")
    def _newline(event: KeyPressEvent) -> None:
        buffer = event.current_buffer
        buffer.insert_text("\n" + next_indent(buffer.document.text))

    @bindings.add("pagedown", filter=empty_line)
    def _next(event: KeyPressEvent) -> None:
        event.app.exit(result="!next")

    @bindings.add("pageup", filter=empty_line)
    def _prev(event: KeyPressEvent) -> None:
        event.app.exit(result="!prev")

    def _digit(event: KeyPressEvent) -> None:
        # a stray Escape is dropped; no repeat count is started
        event.current_buffer.insert_text(event.data)

    for digit in "0123456789-":
        bindings.add("escape", digit)(_digit)

    @bindings.add("f2")
    def _echo(event: KeyPressEvent) -> None:
        # the same setting as !echo (the screen and the interpreter)
        state.screen.echo_sql = not state.screen.echo_sql
        event.app.invalidate()

    return bindings
