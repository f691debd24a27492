"""``!edit``: the current exercise (or the slide's code) in ``$EDITOR``,
as rustlings does it.

The file is ``<state folder>/edit/<deck>-<N>.py``: on first use the
exercise's task as comments, then the slide's code to start from; later
``!edit`` reopens what the learner left there.  ``$VISUAL`` or
``$EDITOR`` opens it, with the terminal (the prompt waits).  Each time
the editor returns with the file saved, its code runs in the deck's
namespace, as if typed at ``>>>`` (so Ctrl-C stops the learner's code,
and says so), and the exercise's check runs; until it passes the learner
is asked whether to edit again (Enter) or stop (``q``).  A slide with no
exercise runs its edited code once.  Closing the editor without saving
runs nothing.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sliderepl.deck.model import Deck, Slide
    from sliderepl.ui.steps import ReplState

AGAIN = "not solved yet: Enter edits again, q stops: "


def edit_path(deck: Deck, slide: Slide,
              environ: Mapping[str, str] | None = None) -> Path:
    """Where the learner's copy of ``slide`` lives."""
    from sliderepl.run.state import state_dir

    return state_dir(environ) / "edit" / f"{deck.path.stem}-{slide.number}.py"


def starter(slide: Slide) -> str:
    """The file's first contents: the task, then the slide's code."""
    lines = [f"# {slide.label()}"]
    exercise = slide.exercise
    if exercise is not None:
        task = " ".join(exercise.task).strip()
        if task:
            lines.append(f"# Exercise: {task}")
        lines.append("# Save and close the editor: this file runs in the "
                     "deck's namespace and the exercise is checked.")
    else:
        lines.append("# Save and close the editor: this file runs in the "
                     "deck's namespace.")
    lines.append("")
    code = "\n".join(block.source.rstrip("\n") for block in slide.blocks)
    return "\n".join(lines) + "\n" + (code + "\n" if code else "")


def editor_command(environ: Mapping[str, str] | None = None
                   ) -> list[str] | None:
    """``$VISUAL`` or ``$EDITOR`` as a command line, or None."""
    env = os.environ if environ is None else environ
    for name in ("VISUAL", "EDITOR"):
        value = env.get(name, "").strip()
        if value:
            try:
                return shlex.split(value)
            except ValueError:
                continue
    return None


def edit(state: ReplState, arg: str, ask: Callable[[str], str] = input,
         environ: Mapping[str, str] | None = None) -> None:
    """``!edit``: edit, run, check, until the exercise passes."""
    screen = state.screen
    slide = state.slide
    if slide is None:
        screen.message("no slide to edit yet: Enter shows the first",
                       failed=True)
        return
    path = edit_path(state.nav.deck, slide, environ)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            path.write_text(starter(slide), encoding="utf-8")
    except OSError as exc:
        screen.message(f"can't write {path}: {exc.strerror or exc}",
                       failed=True)
        return
    command = editor_command(environ)
    if command is None:
        screen.message(f"set $EDITOR (for example EDITOR=nano) and type "
                       f"!edit again; the file is {path}", failed=True)
        return
    while True:
        before = path.read_text(encoding="utf-8")
        try:
            subprocess.run([*command, str(path)], check=False)
        except OSError as exc:
            screen.message(f"can't start {command[0]}: "
                           f"{exc.strerror or exc}", failed=True)
            return
        text = path.read_text(encoding="utf-8")
        if text == before:
            screen.message(f"{path.name} not changed: nothing run")
            return
        if not _run_and_check(state, slide, text):
            return
        try:
            answer = ask(AGAIN)
        except (EOFError, KeyboardInterrupt):
            return
        if answer.strip().lower().startswith("q"):
            return


def _run_and_check(state: ReplState, slide: Slide, text: str) -> bool:
    """Run the edited code; True when there is an exercise still to
    solve (the loop goes on)."""
    screen = state.screen
    screen.message(f"running your {slide.label()} code")
    state.nav.run_source(text, screen)
    exercise = slide.exercise
    if exercise is None or not exercise.check:
        return False
    state.exercises.typed(slide)
    message, passed, _ = state.exercises.check(
        slide, state.nav.interpreter.namespace)
    screen.message(message, failed=not passed)
    return not passed
