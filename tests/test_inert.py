"""Issue 31: every value the runner draws is inert.

A value holding a CSI (``ESC [2J ESC [H``: clear the screen), OSC 0 / 2
(retitle the window), OSC 8 (a hyperlink), OSC 52 (write the clipboard),
a C1 CSI (``\\x9b``) or a lone ESC is shown with its control characters
escaped as ``repr`` would (``\\x1b``), never written raw: in a table of
rows, an ORM object's column, a column name, an echoed repr, an
exception's message, a slide title, the toolbar, ``!toc``, ``obj?``,
the notes window, ``--run-all``, and each handout (md, html, ipynb,
py).  What a slide prints is its own business and stays raw.  The real
terminal (tmux) is ``tests/test_inert_tmux.py``.
"""

from __future__ import annotations

import io
import json
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sliderepl.deck.parser import load
from sliderepl.run.headless import run_all
from sliderepl.run.inert import has_control, inert
from sliderepl.run.options import Options
from sliderepl.run.rows import cell
from sliderepl.screen.console import Screen
from sliderepl.screen.theme import make_console
from sliderepl.teach import progress
from sliderepl.tools import notes
from sliderepl.tools.export import export
from sliderepl.ui import repl
from sliderepl.ui.toolbar import toolbar_text

E = "\x1b"
#: raw in the deck file: the title of slide 2, and a note on it
TITLE = f"Rows {E}]2;PWNED-TITLE{E}\\ end"
SHOWN_TITLE = "Rows \\x1b]2;PWNED-TITLE\\x1b\\ end"

#: the deck builds its payloads at run time (``chr(27)``), so its code
#: on screen holds no ``\x1b`` and every one seen came from a value
DECK = r'''### slide::
### title:: Before
from sqlalchemy import create_engine, text, select, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, Session
E, BEL = chr(27), chr(7)
ST = E + "\\"
PAYLOADS = [
    "CSI" + E + "[2J" + E + "[H",
    "OSC0" + E + "]0;PWNED-OSC0" + BEL,
    "OSC2" + E + "]2;PWNED-OSC2" + ST,
    "OSC8" + E + "]8;;http://x.example/" + ST + "LINK" + E + "]8;;" + ST,
    "OSC52" + E + "]52;c;UFdORUQ=" + BEL,
    "C1" + chr(155) + "2J",
    "LONE" + E,
    "<script>alert(11)</script>|pipe",
]
engine = create_engine("sqlite://")
conn = engine.connect()
class Base(DeclarativeBase):
    pass
class Note(Base):
    __tablename__ = "notes"
    id: Mapped[int] = mapped_column(primary_key=True)
    body: Mapped[str] = mapped_column(String)
Base.metadata.create_all(engine)
session = Session(engine)
session.add_all([Note(id=n, body=p) for n, p in enumerate(PAYLOADS)])
session.flush()
print("EARLIER-LINE")
### slide::
### title:: <TITLE>
### note:: say <TITLE> aloud
### * a bullet <TITLE>
query = " union all ".join(f"select :p{n} as v" for n in range(8))
conn.execute(text(query), {f"p{n}": p for n, p in enumerate(PAYLOADS)}).all()
print("DONE", 2)
### slide::
### title:: Objects
session.scalars(select(Note).order_by(Note.id)).all()
print("DONE", 3)
### slide::
### title:: Column name
conn.execute(text('select 1 as "weird' + E + '[2Jname"')).all()
print("DONE", 4)
### slide::
### title:: A repr
class Shady:
    def __repr__(self):
        return "Shady" + PAYLOADS[0] + PAYLOADS[2]
shady = Shady()
shady
print("DONE", 5)
### slide:: e
### title:: An error
print("DONE", 6)
raise ValueError("boom " + PAYLOADS[2] + PAYLOADS[0])
### slide::
### title:: Done
session.close()
conn.close()
engine.dispose()
print("DONE", 7)
'''.replace("<TITLE>", TITLE)

#: each payload as it must read wherever it is shown
SHOWN = [
    "CSI\\x1b[2J\\x1b[H",
    "OSC0\\x1b]0;PWNED-OSC0\\x07",
    "OSC2\\x1b]2;PWNED-OSC2\\x1b\\",
    "OSC8\\x1b]8;;http://x.example/\\x1b\\LINK\\x1b]8;;\\x1b\\",
    "OSC52\\x1b]52;c;UFdORUQ=\\x07",
    "C1\\x9b2J",
    "LONE\\x1b",
]
SHOWN_COLUMN = "weird\\x1b[2Jname"
SHOWN_ERROR = ("ValueError: boom OSC2\\x1b]2;PWNED-OSC2\\x1b\\"
               "CSI\\x1b[2J\\x1b[H")
SHOWN_REPR = "ShadyCSI\\x1b[2J\\x1b[HOSC2\\x1b]2;PWNED-OSC2\\x1b\\"


def no_control(text: str) -> bool:
    """Nothing a terminal would act on: no C0 but tab and newline, no
    DEL, no C1."""
    return not any(ord(c) < 32 and c not in "\t\n" or 0x7F <= ord(c) < 0xA0
                   for c in text)


pytestmark = pytest.mark.usefixtures("state_home")


@pytest.fixture
def deck(tmp_path: Path) -> Path:
    path = tmp_path / "hostile.py"
    path.write_text(DECK, encoding="utf-8")
    return path


# -- the function -------------------------------------------------------


CONTROLS = [chr(c) for c in [*range(0, 9), *range(11, 32), *range(127, 160)]]


@given(st.text())
def test_inert_leaves_no_control_character(text: str) -> None:
    shown = inert(text)
    assert no_control(shown)
    assert not has_control(shown)
    assert inert(shown) == shown  # once is enough
    # tab and newline stay where they were
    assert shown.count("\n") == text.count("\n")
    assert shown.count("\t") == text.count("\t")


@given(st.text(alphabet=st.characters(
    blacklist_characters=CONTROLS)))
def test_text_without_controls_is_unchanged(text: str) -> None:
    assert inert(text) is text


@pytest.mark.parametrize("char", CONTROLS)
def test_each_control_reads_as_repr_writes_it(char: str) -> None:
    assert inert(f"a{char}b") == repr(f"a{char}b")[1:-1]


def test_cells_and_column_names() -> None:
    from sliderepl.run.rows import column_name

    assert cell(f"x{E}[2Jy") == "x\\x1b[2Jy"
    assert cell(f"{E}]52;c;{'A' * 80}\x07").endswith("…")
    assert column_name(f"weird{E}[2J\nname") == "weird\\x1b[2J name"
    assert cell("plain | <b>") == "plain | <b>"


# -- the REPL (a console on a string) -------------------------------------


def started(deck: Path) -> repl.ReplState:
    console = make_console(file=io.StringIO(), width=120)
    state = repl.make_state(load(deck), Options(deck=deck, echo_sql=True),
                            Screen(console))
    repl.begin(state)
    return state


def shown(state: repl.ReplState) -> str:
    return state.screen.console.file.getvalue()  # type: ignore


def test_every_value_on_screen_is_inert(deck: Path) -> None:
    state = started(deck)
    assert "EARLIER-LINE" in shown(state)
    repl.handle_line(state, "")  # slide 2: rows, its title
    assert SHOWN_TITLE in toolbar_text(state, width=200)
    assert no_control(toolbar_text(state, width=200))
    for _ in range(5):
        repl.handle_line(state, "")
    out = shown(state)
    assert "DONE 7" in out
    assert SHOWN_TITLE in out
    for text in SHOWN:
        assert text in out  # a row's cell; an ORM object's column
        assert out.count(text) >= 2
    assert SHOWN_COLUMN in out
    assert SHOWN_REPR in out
    assert SHOWN_ERROR in out
    assert no_control(out), repr(out)


def test_typed_errors_toc_obj_and_repr_are_inert(deck: Path) -> None:
    state = started(deck)
    for _ in range(4):  # to slide 5, where Shady is
        repl.handle_line(state, "")
    before = len(shown(state))
    repl.handle_line(state, "raise ValueError(PAYLOADS[0] + PAYLOADS[4])")
    repl.handle_line(state, "!tb")
    repl.handle_line(state, "!toc")
    repl.handle_line(state, "Shady()")
    repl.handle_line(state, "!repr")
    repl.handle_line(state, "shady?")
    repl.handle_line(state, "type('T' + PAYLOADS[2], (), {})()")
    out = shown(state)[before:]
    assert ("ValueError: CSI\\x1b[2J\\x1b[HOSC52\\x1b]52;c;UFdORUQ=\\x07"
            in out)
    assert SHOWN_TITLE in out  # !toc
    # echo and !repr; obj? runs no __repr__ of the deck's own
    # (tests/test_conveniences.py), so it shows none to escape
    assert out.count(SHOWN_REPR) >= 2
    assert "TOSC2\\x1b]2;PWNED-OSC2\\x1b\\ object at" in out
    assert no_control(out), repr(out)


def test_the_notes_window_is_inert(deck: Path) -> None:
    progress.on_slide(load(deck), 2, time.time())
    screen = notes.render(progress.presenter(), 100, time.time())
    assert SHOWN_TITLE in screen
    assert no_control(screen), repr(screen)
    progress.on_slide(load(deck), 1, time.time())
    screen = notes.render(progress.presenter(), 100, time.time())
    assert f"next: 2. {SHOWN_TITLE}" in screen
    assert no_control(screen), repr(screen)


def test_run_all_transcript_and_summary_are_inert(deck: Path) -> None:
    broken = deck.parent / "broken.py"
    broken.write_text(DECK.replace("### slide:: e\n", "### slide::\n"))
    out, err = io.StringIO(), io.StringIO()
    assert run_all(load(broken), Options(deck=broken), out, err) == 1
    transcript = out.getvalue()
    assert f"=== 2/7 {SHOWN_TITLE} ===" in transcript
    assert SHOWN_ERROR in transcript and SHOWN_REPR in transcript
    assert SHOWN_ERROR in err.getvalue()
    assert no_control(transcript) and no_control(err.getvalue())


# -- handouts ------------------------------------------------------------


def test_markdown_handout_is_inert_and_its_tables_hold(deck: Path) -> None:
    text, ok = export(load(deck), "md")
    assert ok
    assert no_control(text), repr(text)
    # in a Markdown table a backslash is doubled (it would escape)
    for shown_ in SHOWN:
        assert f"| {shown_.replace(chr(92), chr(92) * 2)} |" in text
    assert "| weird\\\\x1b[2Jname |" in text
    assert SHOWN_TITLE in text
    # raw HTML in a cell reads as text (in a code fence it is text
    # already); a | stays inside its cell
    table = [line for line in text.splitlines() if line.startswith("|")]
    assert not any("<script>" in line for line in table)
    assert "| &lt;script&gt;alert(11)&lt;/script&gt;\\|pipe |" in text


def test_html_handout_is_inert(deck: Path) -> None:
    text, ok = export(load(deck), "html")
    assert ok
    assert no_control(text), repr(text)
    assert "<td>CSI\\x1b[2J\\x1b[H</td>" in text
    assert "<th>weird\\x1b[2Jname</th>" in text
    assert "Rows \\x1b]2;PWNED-TITLE\\x1b\\ end" in text
    assert "&lt;script&gt;" in text and "<script>alert" not in text


def test_notebook_is_inert(deck: Path) -> None:
    pytest.importorskip("nbformat")
    text, ok = export(load(deck), "ipynb")
    assert ok
    notebook = json.loads(text)

    def strings(node: object) -> list[str]:
        if isinstance(node, str):
            return [node]
        if isinstance(node, dict):
            return [s for v in node.values() for s in strings(v)]
        if isinstance(node, list):
            return [s for v in node for s in strings(v)]
        return []

    markdown = [s for c in notebook["cells"] if c["cell_type"] == "markdown"
                for s in strings(c["source"])]
    outputs = [s for c in notebook["cells"] if c["cell_type"] == "code"
               for s in strings(c["outputs"])]
    assert all(no_control(s) for s in markdown + outputs)
    joined = "".join(outputs)
    assert SHOWN_ERROR in joined and SHOWN_REPR in joined
    assert "SELECT notes.id, notes.body" in joined
    assert SHOWN_TITLE in "".join(markdown)


def test_script_handout_comments_are_inert(deck: Path) -> None:
    text, _ = export(load(deck), "py")
    assert no_control(text), repr(text)
    assert f"# -- 2. {SHOWN_TITLE} " in text
    compile(text, "hostile_script.py", "exec")
