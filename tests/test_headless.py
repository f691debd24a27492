"""``--run-all``: the transcript, failures with FILE:LINE, exit status."""

from __future__ import annotations

import io
from pathlib import Path

from sliderepl.deck.model import Block
from sliderepl.deck.parser import load
from sliderepl.run import events
from sliderepl.run.headless import run_all
from sliderepl.run.options import Options
from sliderepl.run.transcript import mask_addresses, mask_sql, render

DECKS = Path(__file__).parent / "decks"


def run(path: Path, **options: object) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run_all(
        load(path), Options(**options), out, err  # type: ignore[arg-type]
    )
    return code, out.getvalue(), err.getvalue()


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "deck.py"
    path.write_text(text, encoding="utf-8")
    return path


def test_transcript_of_a_small_deck_exactly(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "### slide:: s\nfrom sqlalchemy import create_engine, text\n"
        "engine = create_engine('sqlite://')\n"
        "### slide:: b\n### title:: One\n# intro\n### * point\n"
        "###  * deeper\n"
        "with engine.connect() as conn:\n"
        "    conn.execute(text('select :x'), {'x': 5}).scalar()\n"
        "\n"
        "print('no newline', end='')\n"
        "### slide:: x\n"
        '"""\nnot python\n"""\n'
        "### slide:: e\n### title:: Oops\n{}['k']\n",
    )
    code, out, err = run(path)
    assert code == 0, err
    assert out == (
        "=== 1/3 One ===\n"
        "# intro\n"
        "  * point\n"
        "    * deeper\n"
        ">>> with engine.connect() as conn:\n"
        "...     conn.execute(text('select :x'), {'x': 5}).scalar()\n"
        "SQL: BEGIN (implicit)\n"
        "SQL: select ?\n"
        "SQL: [generated in ...s] (5,)\n"
        "5\n"
        "SQL: ROLLBACK\n"
        ">>> print('no newline', end='')\n"
        "no newline\n"
        "\n"
        "=== 2/3 ===\n"
        "(not run)\n"
        "    not python\n"
        "\n"
        "=== 3/3 Oops ===\n"
        ">>> {}['k']\n"
        "Traceback (most recent call last):\n"
        f'  File "{path}", line 19, in <module>\n'
        "    {}['k']\n"
        "    ~~^^^^^\n"
        "KeyError: 'k'\n"
    )
    assert err == f"sliderepl: {path}: 3 slides, 0 failures\n"


def test_the_same_deck_gives_the_same_transcript_twice() -> None:
    first = run(DECKS / "old_style.py")
    second = run(DECKS / "old_style.py")
    assert first == second
    assert "0x" in first[1] and "0x..." in first[1]  # addresses masked


def test_old_style_deck_runs_unchanged_with_its_namespace() -> None:
    code, out, err = run(DECKS / "old_style.py")
    assert code == 0, err
    assert "=== 4/6 Included slide ===" in out
    assert "\n22\n" in out  # double(counter): names from earlier slides
    assert "total 3 counter 11\n" in out
    assert "(not run)\n    this is not python, and it never runs\n" in out
    assert "Traceback" not in out


def test_broken_deck_reports_each_failure_and_runs_the_rest() -> None:
    code, out, err = run(DECKS / "broken.py")
    assert code == 1
    deck = DECKS / "broken.py"
    assert err.splitlines() == [
        f'{deck}:9: slide 2 "Syntax error": SyntaxError: invalid syntax',
        f'{deck}:14: slide 3 "Runtime error": NameError: name'
        " 'undefined' is not defined",
        f'{deck}:17: slide 4 "Expected error that never comes": expected'
        " an exception (flag e), none was raised",
        f"sliderepl: {deck}: 5 slides, 3 failures",
    ]
    assert "x is 1\n" in out  # the last slide still ran
    assert f"!! {deck}:9: SyntaxError: invalid syntax" in out


def test_setup_failure_fails_the_run(tmp_path: Path) -> None:
    path = write(tmp_path, "### slide:: s\nimport nonexistent_mod\n"
                           "### slide::\nran = 1\nran\n")
    code, out, err = run(path)
    assert code == 1
    assert f"{path}:2: setup slide: ModuleNotFoundError" in err
    assert f"-- {path}:2: setup slide (run silently) raised" in out
    assert "\n1\n" in out


def test_missing_include_fails_the_run(tmp_path: Path) -> None:
    path = write(tmp_path, "### slide::\na = 1\n### file:: gone.py\n")
    code, _, err = run(path)
    assert code == 1
    assert err.startswith(f"{path}:3: can't include")


def test_short_leaves_out_long_slides() -> None:
    code, out, _ = run(DECKS / "basic.py", short=True)
    assert code == 0
    assert "Long version only" not in out
    assert "=== 3/3 Last ===" in out


def test_start_runs_earlier_slides_silently(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "### slide::\nprint('one')\nn = 1\n### slide::\nn += 1\n"
        "### slide::\nn\n",
    )
    code, out, _ = run(path, start=3)
    assert code == 0
    assert out == "=== 3/3 ===\n>>> n\n2\n"


def test_no_echo_hides_sql(tmp_path: Path) -> None:
    code, out, _ = run(DECKS / "basic.py", echo_sql=False)
    assert code == 0
    assert "SQL:" not in out and "42\n" in out


def test_ctrl_c_stops_the_run_with_status_130(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "### slide::\nimport _thread\n_thread.interrupt_main()\n"
        "import time\ntime.sleep(5)\n### slide::\nnever = 1\n",
    )
    code, out, err = run(path)
    assert code == 130
    assert "KeyboardInterrupt" in out and "never" not in out
    assert "Ctrl-C stopped the run at slide 1" in err


def test_render_joins_events_into_text() -> None:
    block = Block("x\n", "x", Path("d.py"), 3)
    text = render(
        [
            events.BlockStarted(block, shown=True),
            events.Output("a"),
            events.SQL("SELECT 1\nFROM t"),
            events.BlockStarted(block, shown=False),
            events.Value(1, "<Obj at 0x7f00deadbeef>"),
            events.Interrupted(block),
            events.Notice("hello"),
            events.Output("tail"),
        ]
    )
    assert text == (
        ">>> x\na\nSQL: SELECT 1\nSQL: FROM t\n<Obj at 0x...>\n"
        "KeyboardInterrupt: the rest of the slide did not run\n"
        "-- hello\ntail\n"
    )


def test_masks() -> None:
    assert mask_sql("[generated in 0.00012s] (1,)") == (
        "[generated in ...s] (1,)"
    )
    assert mask_sql("[cached since 12.5s ago] ()") == (
        "[cached since ...s ago] ()"
    )
    assert mask_sql("SELECT 0.5s FROM t") == "SELECT 0.5s FROM t"
    assert mask_addresses("at 0x10ab2c3d>") == "at 0x...>"
    assert mask_addresses("0x1f") == "0x1f"


def test_input_in_a_slide_does_not_wait(tmp_path: Path) -> None:
    path = write(tmp_path, "### slide:: e\ninput('name? ')\n")
    code, out, _ = run(path)
    assert code == 0
    assert out.rstrip().endswith("EOFError: EOF when reading a line")


def test_a_file_without_slides_fails(tmp_path: Path) -> None:
    path = write(tmp_path, "print('just a script')\n")
    code, out, err = run(path)
    assert code == 1 and out == ""
    assert f"{path}:1: no slides" in err
