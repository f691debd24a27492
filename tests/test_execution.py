"""Running slide code: namespace, echo, output/SQL order, errors, Ctrl-C.

Each test parses a small deck from a string and runs its slides in an
``Interpreter``, collecting the events it sends.
"""

from __future__ import annotations

import _thread
import logging
import pickle
import sys
import threading
from pathlib import Path

import pytest

import sliderepl
from sliderepl.deck.model import Deck
from sliderepl.deck.parser import parse
from sliderepl.run import events
from sliderepl.run.execution import Interpreter

PACKAGE_DIR = str(Path(sliderepl.__file__).resolve().parent)


def make(text: str, tmp_path: Path) -> tuple[Deck, Interpreter]:
    path = tmp_path / "deck.py"
    deck = parse(text, path)
    interpreter = Interpreter(path)
    interpreter.register_sources(deck.sources)
    return deck, interpreter


def kinds(collected: list[events.Event]) -> list[str]:
    return [type(e).__name__ for e in collected]


def test_namespace_is_kept_across_slides(tmp_path: Path) -> None:
    deck, interp = make(
        "### slide::\nx = 1\n### slide::\nx += 1\n### slide::\nx\n", tmp_path
    )
    got: list[events.Event] = []
    for slide in deck.slides:
        assert interp.run_slide(slide, got.append).ok
    values = [e for e in got if isinstance(e, events.Value)]
    assert [(v.obj, v.text) for v in values] == [(2, "2")]
    assert interp.namespace["x"] == 2
    assert interp.namespace["__name__"] == "__main__"
    assert interp.namespace["__file__"] == str(tmp_path / "deck.py")


def test_values_echo_like_the_prompt(tmp_path: Path) -> None:
    deck, interp = make(
        "### slide::\n'text'\nNone\n[1, 2]\nfor i in range(2):\n    i\n\n"
        "_\n",
        tmp_path,
    )
    got: list[events.Event] = []
    interp.run_slide(deck.slides[0], got.append)
    texts = [e.text for e in got if isinstance(e, events.Value)]
    # None is not echoed; each value in a loop body echoes; _ is the last
    assert texts == ["'text'", "[1, 2]", "0", "1", "1"]


def test_print_values_and_sql_interleave_in_order(tmp_path: Path) -> None:
    deck, interp = make(
        "### slide::\n"
        "from sqlalchemy import create_engine, text\n"
        "engine = create_engine('sqlite://')\n"
        "with engine.connect() as conn:\n"
        "    print('before')\n"
        "    conn.execute(text('select 1 + :n'), {'n': 41}).scalar()\n"
        "    print('after', file=sys.stderr)\n",
        tmp_path,
    )
    interp.namespace["sys"] = sys
    got: list[events.Event] = []
    assert interp.run_slide(deck.slides[0], got.append).ok
    shown = [
        (type(e).__name__, getattr(e, "text", "").strip())
        for e in got
        if not isinstance(e, events.BlockStarted)
        and getattr(e, "text", "").strip()
    ]
    assert shown[0] == ("Output", "before")
    assert shown[1] == ("SQL", "BEGIN (implicit)")
    assert shown[2] == ("SQL", "select 1 + ?")
    assert shown[3][0] == "SQL" and shown[3][1].endswith("(41,)")
    assert shown[4] == ("Value", "42")
    assert shown[5] == ("Output", "after")
    assert shown[6] == ("SQL", "ROLLBACK")
    stderr = [e for e in got if isinstance(e, events.Output)][-1]
    assert stderr.stream == "stderr"
    # one BlockStarted per top-level statement, with its deck line
    started = [e.block.first_line for e in got
               if isinstance(e, events.BlockStarted)]
    assert started == [2, 3, 4]


def test_sql_echo_off_sends_no_sql(tmp_path: Path) -> None:
    deck, interp = make(
        "### slide::\nfrom sqlalchemy import create_engine, text\n"
        "e = create_engine('sqlite://')\n"
        "with e.connect() as c:\n    c.execute(text('select 1')).scalar()\n",
        tmp_path,
    )
    interp.echo_sql = False
    got: list[events.Event] = []
    interp.run_slide(deck.slides[0], got.append)
    assert not [e for e in got if isinstance(e, events.SQL)]
    assert [e.text for e in got if isinstance(e, events.Value)] == ["1"]


def test_logging_state_and_streams_are_restored(tmp_path: Path) -> None:
    logger = logging.getLogger("sqlalchemy.engine")
    before = (logger.level, logger.propagate, list(logger.handlers))
    streams = (sys.stdout, sys.stderr, sys.displayhook)
    main = sys.modules["__main__"]
    deck, interp = make("### slide::\nprint(1)\n1/0\n", tmp_path)
    interp.run_slide(deck.slides[0], lambda e: None)
    assert (logger.level, logger.propagate, list(logger.handlers)) == before
    assert (sys.stdout, sys.stderr, sys.displayhook) == streams
    assert sys.modules["__main__"] is main


def test_traceback_points_at_deck_lines_without_runner_frames(
    tmp_path: Path,
) -> None:
    deck, interp = make(
        "### slide::\n### title:: defs\n"
        "def inner():\n"
        "    return {}['key']\n"
        "### slide::\n"
        "ok = 1\n"
        "inner()\n"
        "never = 1\n",
        tmp_path,
    )
    got: list[events.Event] = []
    interp.run_slide(deck.slides[0], got.append)
    outcome = interp.run_slide(deck.slides[1], got.append)
    [error] = [e for e in got if isinstance(e, events.Error)]
    text = error.traceback
    path = str(tmp_path / "deck.py")
    assert f'File "{path}", line 7, in <module>' in text
    assert f'File "{path}", line 4, in inner' in text
    assert "    return {}['key']" in text  # the source line is quoted
    assert text.rstrip().endswith("KeyError: 'key'")
    assert PACKAGE_DIR not in text
    assert "execution.py" not in text and "capture.py" not in text
    assert not error.expected
    assert outcome.raised and not outcome.ok
    # the exception stopped the slide: the next statement did not run
    assert interp.namespace["ok"] == 1
    assert "never" not in interp.namespace
    frames = []
    tb = error.exception.__traceback__
    while tb is not None:
        frames.append(tb.tb_frame.f_code.co_filename)
        tb = tb.tb_next
    assert frames == [path, path]


def test_expected_error_on_e_slide(tmp_path: Path) -> None:
    deck, interp = make("### slide:: e\n1/0\n### slide:: e\n1\n", tmp_path)
    got: list[events.Event] = []
    raised = interp.run_slide(deck.slides[0], got.append)
    assert raised.raised and raised.expected and raised.ok
    assert [e.expected for e in got if isinstance(e, events.Error)] == [True]
    quiet = interp.run_slide(deck.slides[1], got.append)
    # an e slide that raises nothing is not ok
    assert not quiet.raised and not quiet.ok


def test_slides_that_must_not_run_do_not(tmp_path: Path) -> None:
    deck, interp = make(
        "### slide:: x\nshown_only = 1\n### slide::\nbroken = (\n", tmp_path
    )
    got: list[events.Event] = []
    for slide in deck.slides:
        outcome = interp.run_slide(slide, got.append)
        assert not outcome.ran and outcome.ok
    assert got == []
    assert "shown_only" not in interp.namespace


def test_system_exit_in_slide_code_does_not_exit(tmp_path: Path) -> None:
    deck, interp = make(
        "### slide::\nimport sys\nsys.exit(3)\nafter = 1\n", tmp_path
    )
    got: list[events.Event] = []
    outcome = interp.run_slide(deck.slides[0], got.append)
    assert isinstance(outcome.error, SystemExit)
    assert "after" not in interp.namespace
    [error] = [e for e in got if isinstance(e, events.Error)]
    assert error.traceback.rstrip().endswith("SystemExit: 3")
    # and the interpreter still works
    assert interp.run_source("after = 2", got.append).ok
    assert interp.namespace["after"] == 2


def test_exception_in_repr_is_an_error_not_a_crash(tmp_path: Path) -> None:
    deck, interp = make(
        "### slide::\nclass Bad:\n    def __repr__(self):\n"
        "        raise ValueError('no repr')\n\nBad()\nafter = 1\n",
        tmp_path,
    )
    got: list[events.Event] = []
    outcome = interp.run_slide(deck.slides[0], got.append)
    assert isinstance(outcome.error, ValueError)
    [error] = [e for e in got if isinstance(e, events.Error)]
    assert "line 4, in __repr__" in error.traceback
    assert PACKAGE_DIR not in error.traceback
    assert "after" not in interp.namespace


def test_ctrl_c_stops_the_slide_and_its_remaining_blocks(
    tmp_path: Path,
) -> None:
    deck, interp = make(
        "### slide::\nstarted.set()\nn = 0\n"
        "while True:\n    n += 1\n\nafter = 1\n",
        tmp_path,
    )
    started = threading.Event()
    interp.namespace["started"] = started

    done = threading.Event()

    def interrupt() -> None:
        # wait until the loop really runs, then press "Ctrl-C" until the
        # slide returns: a press can be dropped in the microseconds the
        # runner holds Ctrl-C back (run/interrupts.py), and a loaded
        # machine can take long to start the slide
        started.wait()
        while True:
            _thread.interrupt_main()
            if done.wait(3):  # long enough for the slide to return
                return

    timer = threading.Thread(target=interrupt, daemon=True)
    timer.start()
    got: list[events.Event] = []
    outcome = interp.run_slide(deck.slides[0], got.append)
    done.set()
    timer.join()
    assert outcome.interrupted and not outcome.ok
    assert outcome.error is None
    assert isinstance(got[-1], events.Interrupted)
    assert got[-1].block is not None and got[-1].block.first_line == 4
    assert interp.namespace["n"] > 0
    assert "after" not in interp.namespace
    # the interpreter is usable afterwards
    assert interp.run_source("n = -1", got.append).ok
    assert interp.namespace["n"] == -1


def test_typed_source_runs_in_the_namespace(tmp_path: Path) -> None:
    _, interp = make("", tmp_path)
    got: list[events.Event] = []
    typed = "a = 20\nb = 22\na + b\nprint('hi')"
    assert interp.run_source(typed, got.append).ok
    assert [e.text for e in got if isinstance(e, events.Value)] == ["42"]
    assert [e.text for e in got if isinstance(e, events.Output)] == [
        "hi",
        "\n",
    ]
    assert not [e for e in got if isinstance(e, events.BlockStarted)]


def test_typed_syntax_error_is_reported_without_frames(
    tmp_path: Path,
) -> None:
    _, interp = make("", tmp_path)
    got: list[events.Event] = []
    outcome = interp.run_source("def f(:\n", got.append)
    assert isinstance(outcome.error, SyntaxError)
    [error] = got
    assert isinstance(error, events.Error)
    assert "Traceback" not in error.traceback
    assert '<stdin-1>", line 1' in error.traceback
    assert error.traceback.rstrip().endswith("SyntaxError: invalid syntax")


def test_typed_function_traceback_quotes_its_source(tmp_path: Path) -> None:
    _, interp = make("", tmp_path)
    got: list[events.Event] = []
    interp.run_source("def f():\n    return 1 / 0\n", got.append)
    interp.run_source("f()", got.append)
    [error] = [e for e in got if isinstance(e, events.Error)]
    assert '"<stdin-1>", line 2, in f' in error.traceback
    assert "return 1 / 0" in error.traceback
    assert '"<stdin-2>", line 1' in error.traceback


def test_stream_handler_made_in_a_slide_stays_captured(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deck, interp = make(
        "### slide::\nimport logging, sys\n"
        "log = logging.getLogger('deck.test')\n"
        "log.addHandler(logging.StreamHandler(sys.stdout))\n"
        "log.propagate = False\n"
        "log.warning('first')\n"
        "### slide::\nlog.warning('second')\n",
        tmp_path,
    )
    got: list[events.Event] = []
    try:
        for slide in deck.slides:
            interp.run_slide(slide, got.append)
        outputs = [e.text for e in got if isinstance(e, events.Output)]
        assert outputs == ["first\n", "second\n"]
        # outside a run, the handler's stream writes to the real stdout
        interp.namespace["log"].warning("third")  # type: ignore[attr-defined]
        assert capsys.readouterr().out == "third\n"
    finally:
        logging.getLogger("deck.test").handlers.clear()


def test_sink_that_prints_does_not_loop(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deck, interp = make("### slide::\nprint('from slide')\n", tmp_path)
    seen: list[events.Event] = []

    def printing_sink(event: events.Event) -> None:
        seen.append(event)
        if isinstance(event, events.Output):
            print(f"rendered {event.text!r}")  # a renderer writing stdout

    interp.run_slide(deck.slides[0], printing_sink)
    out = capsys.readouterr().out
    assert "rendered 'from slide'" in out
    assert "from slide\n" not in out.replace("rendered", "")
    assert len([e for e in seen if isinstance(e, events.Output)]) == 2


def test_output_from_other_threads_is_captured(tmp_path: Path) -> None:
    deck, interp = make(
        "### slide::\nimport threading\n"
        "t = threading.Thread(target=print, args=('from thread',))\n"
        "t.start(); t.join()\n",
        tmp_path,
    )
    got: list[events.Event] = []
    interp.run_slide(deck.slides[0], got.append)
    assert "from thread" in [
        e.text for e in got if isinstance(e, events.Output)
    ]


def test_classes_from_slides_live_in_main(tmp_path: Path) -> None:
    deck, interp = make(
        "### slide::\nimport pickle\nclass Point:\n    pass\n\n"
        "p = pickle.loads(pickle.dumps(Point()))\ntype(p).__module__\n",
        tmp_path,
    )
    got: list[events.Event] = []
    assert interp.run_slide(deck.slides[0], got.append).ok
    assert [e.text for e in got if isinstance(e, events.Value)] == [
        "'__main__'"
    ]
    assert isinstance(interp.namespace["p"], interp.namespace["Point"])
    assert pickle  # used by the slide through its own import


def test_slide_code_gets_no_future_annotations(tmp_path: Path) -> None:
    # execution.py uses ``from __future__ import annotations``; slide code
    # must not inherit it (SQLAlchemy's Mapped[] relies on real types)
    deck, interp = make(
        "### slide::\ndef f(x: int): pass\n\nf.__annotations__['x']\n",
        tmp_path,
    )
    got: list[events.Event] = []
    interp.run_slide(deck.slides[0], got.append)
    assert [e.text for e in got if isinstance(e, events.Value)] == [
        "<class 'int'>"
    ]


def test_a_failing_sink_does_not_break_the_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deck, interp = make("### slide::\nfirst = 1\n1/0\n", tmp_path)

    def broken_renderer(event: events.Event) -> None:
        raise RuntimeError("renderer bug")

    outcome = interp.run_slide(deck.slides[0], broken_renderer)
    # the slide still ran (and stopped at its own error); the sink's
    # failures were reported on the real stderr instead of raised
    assert interp.namespace["first"] == 1
    assert isinstance(outcome.error, ZeroDivisionError)
    err = capsys.readouterr().err
    assert "could not show BlockStarted: RuntimeError: renderer bug" in err
    assert "could not show Error" in err


def test_echo_true_engines_do_not_show_sql_twice(tmp_path: Path) -> None:
    # decks for the old tool made engines with echo=True; the runner
    # shows SQL itself, so SQLAlchemy's own echo handler is muted
    deck, interp = make(
        "### slide::\nfrom sqlalchemy import create_engine, text\n"
        "engine = create_engine('sqlite://', echo=True)\n"
        "with engine.connect() as conn:\n"
        "    conn.execute(text('select 7')).scalar()\n",
        tmp_path,
    )
    logger = logging.getLogger("sqlalchemy.engine.Engine")
    before = list(logger.handlers)
    got: list[events.Event] = []
    try:
        assert interp.run_slide(deck.slides[0], got.append).ok
    finally:
        for handler in logger.handlers:
            if handler not in before:
                logger.removeHandler(handler)
    assert [e.text for e in got if isinstance(e, events.Output)] == []
    sql = [e.text for e in got if isinstance(e, events.SQL)]
    assert sql[:2] == ["BEGIN (implicit)", "select 7"]
    assert [e.text for e in got if isinstance(e, events.Value)] == ["7"]
