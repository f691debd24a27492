"""A deck's code behaves as if typed at plain Python's ``>>>``.

Each check runs the same code twice: once in a real ``python -i``
(the reference) and once through one of the runner's paths (``--run-all``,
the REPL, each handout), and compares what the learner's own names hold
afterwards.  The deck here is written the way decks for the old tool
were: it echoes a live ``Result``, then reads it on the next slide.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from sliderepl.deck.reader import load
from sliderepl.run.options import Options
from sliderepl.screen.console import Screen
from sliderepl.screen.theme import make_console
from sliderepl.tools.export import export
from sliderepl.ui import repl
from tests import deckrun

# An engine-usage deck of the old kind: echo the result, then use it.
SLIDES = [
    """\
from sqlalchemy import create_engine, text
e = create_engine("sqlite://")
c = e.connect()
result = c.execute(text("select 1 as a union select 2"))
result
""",
    """\
result.all()
""",
    """\
again = c.execute(text("select 'x' as a, 7 as b"))
again
""",
    """\
row = again.first()
row._mapping["a"], row.b
""",
    """\
c.close()
e.dispose()
""",
]
DECK = "".join(f"### slide::\n{code}" for code in SLIDES)
# what plain Python echoes for the reading lines
EXPECTED = ["[(1,), (2,)]", "('x', 7)"]


pytestmark = pytest.mark.usefixtures("state_home")


@pytest.fixture
def deck(tmp_path: Path) -> Path:
    path = tmp_path / "old_engine.py"
    path.write_text(DECK, encoding="utf-8")
    return path


def plain_python(code: str) -> str:
    """What ``python -i`` echoes (stdout) for ``code`` typed at ``>>>``."""
    done = subprocess.run(
        [sys.executable, "-W", "error", "-i", "-q"],
        input=code,
        capture_output=True, text=True, timeout=120,
    )
    assert "Traceback" not in done.stderr, done.stderr
    return done.stdout


def test_plain_python_is_the_reference() -> None:
    out = plain_python("".join(SLIDES))
    for line in EXPECTED:
        assert line in out.splitlines()


def test_run_all_reads_the_result_after_echoing_it(deck: Path) -> None:
    out = deckrun.passed(deckrun.run_deck(deck), deck.name)
    for line in EXPECTED:
        assert line in out.splitlines(), out
    assert "CursorResult object at 0x..." in out


def test_the_repl_reads_the_result_after_echoing_it(deck: Path) -> None:
    console = make_console(file=io.StringIO(), width=100)
    state = repl.make_state(load(deck), Options(deck=deck, echo_sql=False),
                            Screen(console))
    repl.begin(state)
    namespace = state.nav.interpreter.namespace
    for _ in range(12):  # bullets, code, next slide: Enter until the end
        repl.handle_line(state, "")
        if namespace["c"].closed:
            break
    assert namespace["row"]._mapping["a"] == "x"
    shown = console.file.getvalue()  # type: ignore[attr-defined]
    assert "CursorResult object at 0x" in shown
    assert "no row read yet" in shown  # the dim hint, screen only


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_handouts_record_the_rows_read_after_the_echo(
    deck: Path, fmt: str
) -> None:
    text, ok = export(load(deck), fmt)
    assert ok
    # the second slide read both rows: a table of 1 and 2, not "(no rows)"
    assert "(no rows)" not in text
    assert "CursorResult object at 0x" in text


def test_the_script_handout_runs_as_plain_python(deck: Path,
                                                  tmp_path: Path) -> None:
    text, ok = export(load(deck), "py")
    script = tmp_path / "handout.py"
    script.write_text(text + "\nprint(result.all(), row.b, c.closed)\n",
                      encoding="utf-8")
    done = subprocess.run([sys.executable, "-W", "error", str(script)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    # the script read the rows itself (slide 2); what is left is empty
    assert done.stdout.strip() == "[] 7 True"


def test_the_notebook_records_the_rows(deck: Path) -> None:
    pytest.importorskip("nbformat")
    text, ok = export(load(deck), "ipynb")
    assert ok
    outputs = [
        output for cell in json.loads(text)["cells"]
        if cell["cell_type"] == "code" for output in cell.get("outputs", [])
    ]
    plain = [o.get("data", {}).get("text/plain", "") for o in outputs]
    joined = ["".join(p) if isinstance(p, list) else p for p in plain]
    for line in EXPECTED:
        assert line in joined, joined


def test_the_last_error_is_kept_as_python_keeps_it(deck: Path) -> None:
    # plain Python's >>> keeps sys.last_value (pdb.pm() reads it)
    code = "1 / 0\nimport sys\ntype(sys.last_value).__name__\n"
    reference = subprocess.run(
        [sys.executable, "-i", "-q"], input=code,
        capture_output=True, text=True, timeout=120,
    ).stdout
    assert "'ZeroDivisionError'" in reference
    console = make_console(file=io.StringIO(), width=100)
    state = repl.make_state(load(deck), Options(deck=deck, echo_sql=False),
                            Screen(console))
    repl.begin(state)
    for line in code.splitlines():
        repl.handle_line(state, line)
    shown = console.file.getvalue()  # type: ignore[attr-defined]
    assert shown.rstrip().endswith("'ZeroDivisionError'")
    state.nav.interpreter.namespace["c"].close()
    state.nav.interpreter.namespace["e"].dispose()
