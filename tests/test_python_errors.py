"""An error keeps what Python itself prints for it, on every version.

Each case runs the same code as a plain script (``python FILE``, the
reference) and as a slide that raises on purpose (``--run-all``), then
compares the traceback line by line, file names aside: Python's own
suggestions (``Did you mean: 'engine'?``, 3.11's from the interpreter's
display, 3.12+'s from ``traceback``), exception notes and the caret
lines must all be there, on 3.11, 3.12 and 3.13 alike.
"""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path

import pytest

from sliderepl.deck.reader import load
from sliderepl.run.options import Options
from sliderepl.screen.console import Screen
from sliderepl.screen.theme import make_console
from sliderepl.ui import repl
from tests import deckrun

CASES = {
    "name": "engine = 1\nengin\n",
    "attribute": "import os\nos.pathx\n",
    "import": "from os import pathz\n",
    "note": 'e = ValueError("bad")\ne.add_note("a note here")\nraise e\n',
    "carets": "x = [1, 2]\nx[0] + x[5] * 3\n",
    "chained": (
        "try:\n    {}['k']\n"
        "except KeyError as exc:\n    raise RuntimeError('wrapped') from exc\n"
    ),
}


def _tail(text: str) -> list[str]:
    """The last traceback in ``text``, ``File`` lines without their
    paths and line numbers (a script's and a deck's differ)."""
    lines = text.rstrip("\n").splitlines()
    start = max(i for i, line in enumerate(lines)
                if line.startswith("Traceback (most recent"))
    # the chained case: from the first of the chain's tracebacks
    while start > 0 and lines[start - 1] != "" and not lines[
            start - 1].startswith(">>>"):
        start -= 1
    out = []
    for line in lines[start:]:
        if line.startswith(">>>") or line.startswith("sliderepl:"):
            break
        out.append(re.sub(r'File "[^"]*", line \d+', "File F", line))
    return out


def plain(code: str, tmp_path: Path) -> list[str]:
    script = tmp_path / "plain.py"
    script.write_text(code, encoding="utf-8")
    done = subprocess.run([sys.executable, str(script)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    text = done.stderr
    return _tail(text[text.index("Traceback"):])


def on_a_slide(code: str, tmp_path: Path) -> list[str]:
    deck = tmp_path / "deck.py"
    deck.write_text("### slide:: e\n" + code, encoding="utf-8")
    out = deckrun.passed(deckrun.run_deck(deck), deck.name)
    return _tail(out[out.index("Traceback"):])


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_slide_error_reads_as_pythons_own(case: str,
                                            tmp_path: Path) -> None:
    expected = plain(CASES[case], tmp_path)
    got = on_a_slide(CASES[case], tmp_path)
    # Python prints the whole chain; the runner trims library frames only
    assert got == expected


def test_the_suggestion_is_there_on_this_python(tmp_path: Path) -> None:
    got = on_a_slide(CASES["name"], tmp_path)
    assert got[-1] == ("NameError: name 'engin' is not defined."
                       " Did you mean: 'engine'?")


def test_typed_at_the_prompt_the_short_form_keeps_the_suggestion(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    deck = tmp_path / "d.py"
    deck.write_text("### slide::\nengine = 1\n", encoding="utf-8")
    console = make_console(file=io.StringIO(), width=100)
    state = repl.make_state(load(deck), Options(deck=deck, echo_sql=False),
                            Screen(console))
    repl.begin(state)
    repl.handle_line(state, "engin")
    repl.handle_line(state, "import os; os.pathx")
    shown = console.file.getvalue()  # type: ignore[attr-defined]
    assert "NameError: name 'engin' is not defined. Did you mean:" \
        " 'engine'?" in shown
    assert "Did you mean: 'path'?" in shown
