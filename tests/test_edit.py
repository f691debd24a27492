"""``!edit`` (issue 27): the exercise in ``$EDITOR`` as a file, run in the
deck's namespace and checked each time the editor returns with it saved,
until it passes; Ctrl-C on the learner's own code says so."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from sliderepl.deck.parser import load
from sliderepl.run import events
from sliderepl.run.options import Options
from sliderepl.screen import render
from sliderepl.screen.console import Screen
from sliderepl.screen.theme import make_console
from sliderepl.ui import repl
from sliderepl.ui.commands import handle_line
from sliderepl.ui.edit import edit, editor_command, starter

DECK = """\
### slide::
### title:: Count them
### exercise:: make ``total`` 3
### check:: total == 3
### solution:: total = 3
total = 0
"""

#: an "editor": writes the next of its answers into the file it is given
EDITOR = """\
import sys
from pathlib import Path
answers = Path(sys.argv[1])
target = Path(sys.argv[2])
left = answers.read_text().split("\\n---\\n")
if left[0] != "(no save)":
    target.write_text(target.read_text() + left[0] + "\\n")
answers.write_text("\\n---\\n".join(left[1:]))
"""


@pytest.fixture
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
          ) -> repl.ReplState:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    path = tmp_path / "d.py"
    path.write_text(DECK)
    console = make_console(file=io.StringIO(), width=100)
    state = repl.make_state(load(path), Options(deck=path), Screen(console))
    repl.begin(state)
    return state


def editor(tmp_path: Path, *answers: str) -> dict[str, str]:
    script = tmp_path / "editor.py"
    script.write_text(EDITOR)
    queue = tmp_path / "answers"
    queue.write_text("\n---\n".join(answers))
    return {"EDITOR": f"{sys.executable} {script} {queue}"}


def text(state: repl.ReplState) -> str:
    return state.screen.console.file.getvalue()  # type: ignore[attr-defined]


def test_edit_runs_and_checks_until_it_passes(
    state: repl.ReplState, tmp_path: Path
) -> None:
    asked: list[str] = []
    env = editor(tmp_path, "total = 2", "total = total + 1")
    edit(state, "", ask=lambda q: asked.append(q) or "", environ=env)
    shown = text(state)
    # first save: 2, not yet; Enter edits again; second save: passes
    assert shown.count("running your slide 1") == 2
    assert "not yet" in shown and "check passed" in shown
    assert len(asked) == 1
    assert state.nav.interpreter.namespace["total"] == 3
    assert state.exercises.state_of(state.nav.deck.slides[0]) == "solved"
    saved = (tmp_path / "state" / "sliderepl" / "edit" / "d-1.py")
    body = saved.read_text()
    assert body.startswith("# slide 1 \"Count them\"\n# Exercise: make")
    assert "total = 0\ntotal = 2\ntotal = total + 1\n" in body


def test_q_stops_and_an_unsaved_file_runs_nothing(
    state: repl.ReplState, tmp_path: Path
) -> None:
    env = editor(tmp_path, "total = 1", "(no save)")
    edit(state, "", ask=lambda q: "q", environ=env)
    assert text(state).count("running your") == 1
    edit(state, "", ask=lambda q: "", environ=env)  # closed unsaved
    assert "d-1.py not changed: nothing run" in text(state)
    assert text(state).count("running your") == 1


def test_no_editor_names_the_file(state: repl.ReplState) -> None:
    edit(state, "", environ={})
    assert "set $EDITOR" in text(state) and "d-1.py" in text(state)
    assert editor_command({"VISUAL": "code --wait", "EDITOR": "vi"}) == [
        "code", "--wait"]
    assert editor_command({"EDITOR": "  "}) is None


def test_the_command_is_in_the_table(state: repl.ReplState,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.delenv("EDITOR", raising=False)
    handle_line(state, "!edit")
    assert "set $EDITOR" in text(state)
    assert "Exercise: make ``total`` 3" in starter(state.nav.deck.slides[0])


def test_ctrl_c_on_the_learners_code_says_it_stopped_theirs(
    state: repl.ReplState,
) -> None:
    state.nav.run_source("raise KeyboardInterrupt", state.screen)
    assert "KeyboardInterrupt: your code stopped" in text(state)
    assert "slide stopped" not in text(state)
    slide = render.event(events.Interrupted())
    assert slide is not None and "slide stopped" in str(slide)
