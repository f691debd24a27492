"""Tracebacks on stage: library frames collapse, deck frames never do."""

from __future__ import annotations

from pathlib import Path

from sliderepl.deck.parser import parse
from sliderepl.run.events import Error, Event
from sliderepl.run.execution import Interpreter
from sliderepl.run.tracebacks import library_name


def traceback_of(tmp_path: Path, code: str) -> str:
    path = tmp_path / "deck.py"
    text = "### slide:: e\n" + code
    path.write_text(text)
    deck = parse(text, path)
    interp = Interpreter(path)
    interp.register_sources(deck.sources)
    events: list[Event] = []
    interp.run_slide(deck.slides[0], events.append)
    errors = [e for e in events if isinstance(e, Error)]
    assert len(errors) == 1
    return errors[0].traceback


def test_sqlalchemy_frames_collapse_innermost_kept(tmp_path: Path) -> None:
    tb = traceback_of(tmp_path, (
        "from sqlalchemy import create_engine, text\n"
        "engine = create_engine('sqlite://')\n"
        "def go():\n"
        "    with engine.connect() as c:\n"
        "        c.execute(text('select * from nope'))\n"
        "go()\n"
    ))
    last = tb.split("The above exception was the direct cause")[-1]
    # the deck's frames, in full, with their code
    assert f'File "{tmp_path / "deck.py"}", line 7, in <module>' in last
    assert f'File "{tmp_path / "deck.py"}", line 6, in go' in last
    assert "c.execute(text('select * from nope'))" in last
    # the run inside SQLAlchemy is one line...
    collapsed = [ln for ln in last.splitlines() if "frames inside" in ln]
    assert len(collapsed) == 1
    assert collapsed[0].startswith("  ... ")
    assert collapsed[0].endswith(" frames inside sqlalchemy ...")
    assert int(collapsed[0].split()[1]) >= 3
    # ...and the frame where it raised is shown in full, after it
    frames = [ln for ln in last.splitlines() if ln.startswith("  File ")]
    assert "sqlalchemy" in frames[-1] and "do_execute" in frames[-1]
    assert last.rstrip().splitlines()[-3].startswith(
        "sqlalchemy.exc.OperationalError")


def test_stdlib_frames_collapse_too(tmp_path: Path) -> None:
    tb = traceback_of(tmp_path, "import json\njson.loads('{')\n")
    assert "frames inside json ..." in tb
    assert tb.count('  File "') == 2  # the deck line + the innermost
    assert tb.rstrip().splitlines()[-1].startswith(
        "json.decoder.JSONDecodeError")


def test_deck_frames_are_never_collapsed(tmp_path: Path) -> None:
    tb = traceback_of(tmp_path, (
        "def a():\n    b()\n"
        "def b():\n    c()\n"
        "def c():\n    raise ValueError('deep')\n"
        "a()\n"
    ))
    assert "frames inside" not in tb
    assert tb.count('  File "') == 4
    assert tb.rstrip().endswith("ValueError: deep")


def test_a_single_library_frame_stays_in_full(tmp_path: Path) -> None:
    # deck -> copy.copy (one stdlib frame) -> the deck's __copy__
    tb = traceback_of(tmp_path, (
        "import copy\n"
        "class Thing:\n"
        "    def __copy__(self):\n"
        "        raise RuntimeError('no copies')\n"
        "copy.copy(Thing())\n"
    ))
    assert "frames inside" not in tb
    assert 'copy.py", line' in tb
    assert tb.count('  File "') == 3


def test_a_library_run_between_deck_frames(tmp_path: Path) -> None:
    # json calls back into the deck: the run in the middle collapses,
    # the deck frame where it raised is innermost and in full
    tb = traceback_of(tmp_path, (
        "import json\n"
        "def refuse(obj):\n"
        "    raise TypeError('not today')\n"
        "json.dumps(object(), default=refuse)\n"
    ))
    lines = tb.splitlines()
    middle = [ln for ln in lines if "frames inside json" in ln]
    assert len(middle) == 1
    assert lines.index(middle[0]) < next(
        i for i, ln in enumerate(lines) if "in refuse" in ln)
    assert "raise TypeError('not today')" in tb


def test_library_name() -> None:
    import json

    import sqlalchemy

    assert library_name(sqlalchemy.__file__) == "sqlalchemy"
    assert library_name(json.__file__) == "json"
    assert library_name("/work/deck.py") is None
    assert library_name("<stdin-3>") is None
