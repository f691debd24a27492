"""State-correct navigation: back and goto rebuild, forward catches up.

The namespace must always be what running the setup slides and slides
1..N in order gives, whatever path led to slide N.
"""

from __future__ import annotations

import _thread
import threading
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from sliderepl.deck.parser import load, parse
from sliderepl.run import events
from sliderepl.run.navigation import Navigator
from sliderepl.run.options import Options

COUNTING = """\
### slide:: s
log = []
### slide::
### title:: one
x = 1
log.append(1)
### slide::
### title:: two
x += 1
log.append(2)
x
### slide::
### title:: three
x += 1
log.append(3)
print("three ran")
"""


class Sink:
    """Collects events; ``texts(kind)`` lists their text."""

    def __init__(self) -> None:
        self.events: list[events.Event] = []

    def __call__(self, event: events.Event) -> None:
        self.events.append(event)

    def of(self, kind: type) -> list[events.Event]:
        return [e for e in self.events if isinstance(e, kind)]

    def clear(self) -> None:
        self.events.clear()


def nav_for(text: str, tmp_path: Path, **options: object) -> Navigator:
    path = tmp_path / "deck.py"
    path.write_text(text, encoding="utf-8")
    return Navigator(load(path), Options(**options))  # type: ignore[arg-type]


def test_next_runs_setup_then_each_slide(tmp_path: Path) -> None:
    nav = nav_for(COUNTING, tmp_path)
    sink = Sink()
    assert nav.position == 0 and nav.current is None and nav.total == 3
    assert nav.next(sink)
    assert nav.position == 1 and nav.current is not None
    assert nav.current.title == "one"
    started = sink.of(events.SlideStarted)
    assert [(e.slide.number, e.total) for e in started] == [(1, 3)]
    assert nav.next(sink) and nav.next(sink)
    assert nav.interpreter.namespace["log"] == [1, 2, 3]
    # at the end: stays, says so
    sink.clear()
    assert not nav.next(sink)
    assert nav.position == 3
    [notice] = sink.of(events.Notice)
    assert "end" in notice.text


def test_going_back_rebuilds_the_namespace(tmp_path: Path) -> None:
    nav = nav_for(COUNTING, tmp_path)
    sink = Sink()
    for _ in range(3):
        nav.next(sink)
    assert nav.interpreter.namespace["x"] == 3
    sink.clear()
    assert nav.prev(sink)
    assert nav.position == 2
    # x == 2, not 3 + 1: slides 1 and 2 re-ran in a fresh namespace
    assert nav.interpreter.namespace["x"] == 2
    assert nav.interpreter.namespace["log"] == [1, 2]
    # only slide 2 was shown: slide 1 ran silently
    assert [e.slide.number for e in sink.of(events.SlideStarted)] == [2]
    assert [e.block.first_line for e in sink.of(events.BlockStarted)] == [
        9,
        10,
        11,
    ]
    assert [e.text for e in sink.of(events.Value)] == ["2"]


def test_goto_earlier_and_rerun_rebuild(tmp_path: Path) -> None:
    nav = nav_for(COUNTING, tmp_path)
    sink = Sink()
    nav.goto(3, sink)
    old = nav.interpreter
    nav.interpreter.namespace["typed_at_prompt"] = True
    assert nav.goto(1, sink)
    assert nav.interpreter is not old
    assert nav.interpreter.namespace["log"] == [1]
    assert "typed_at_prompt" not in nav.interpreter.namespace
    assert nav.rerun(sink)
    assert nav.position == 1
    assert nav.interpreter.namespace["log"] == [1]


def test_forward_skip_runs_skipped_slides_silently(tmp_path: Path) -> None:
    nav = nav_for(COUNTING, tmp_path)
    sink = Sink()
    assert nav.goto(3, sink)
    assert nav.interpreter.namespace["log"] == [1, 2, 3]
    # no flood: only slide 3 shown, its output only
    assert [e.slide.number for e in sink.of(events.SlideStarted)] == [3]
    assert [e.text for e in sink.of(events.Value)] == []
    assert [e.text for e in sink.of(events.Output)] == ["three ran", "\n"]
    assert all(e.shown for e in sink.of(events.BlockStarted))


def test_prev_on_first_slide_stays_there(tmp_path: Path) -> None:
    nav = nav_for(COUNTING, tmp_path)
    sink = Sink()
    nav.next(sink)
    sink.clear()
    assert not nav.prev(sink)
    assert nav.position == 1
    assert nav.interpreter.namespace["log"] == [1]  # not re-run
    assert sink.of(events.SlideStarted) == []
    assert [e.failed for e in sink.of(events.Notice)] == [False]


def test_goto_out_of_range_is_refused(tmp_path: Path) -> None:
    nav = nav_for(COUNTING, tmp_path)
    sink = Sink()
    nav.next(sink)
    assert not nav.goto(0, sink) and not nav.goto(4, sink)
    assert nav.position == 1
    assert "1 to 3" in sink.of(events.Notice)[-1].text  # type: ignore


def test_run_false_lands_without_running(tmp_path: Path) -> None:
    nav = nav_for(COUNTING, tmp_path)
    sink = Sink()
    assert nav.goto(2, sink, run=False)
    assert nav.interpreter.namespace["log"] == [1]
    assert not nav.has_run
    outcome = nav.run_current(sink)
    assert outcome.ok and nav.has_run
    assert nav.interpreter.namespace["log"] == [1, 2]
    # next from a slide whose code never ran runs it silently first
    nav.goto(3, sink, run=False)
    nav.next(sink)  # at the end: refuses, but nothing is lost
    assert nav.interpreter.namespace["log"] == [1, 2]


def test_silent_errors_become_one_notice(tmp_path: Path) -> None:
    text = (
        "### slide::\n### title:: bad\nboom\n"
        "### slide:: e\nraise ValueError\n"
        "### slide::\nreached = True\n"
    )
    nav = nav_for(text, tmp_path)
    sink = Sink()
    assert nav.goto(3, sink)
    assert nav.interpreter.namespace["reached"] is True
    # the e slide raising is fine; the NameError is one line naming it
    [notice] = sink.of(events.Notice)
    assert notice.failed
    assert notice.text.startswith(f"{tmp_path / 'deck.py'}:3: slide 1")
    assert "NameError" in notice.text
    assert sink.of(events.Error) == []


def test_setup_errors_are_reported_and_the_deck_goes_on(
    tmp_path: Path,
) -> None:
    nav = nav_for("### slide:: s\n1/0\n### slide::\nok = 1\n", tmp_path)
    sink = Sink()
    assert nav.next(sink)
    assert nav.interpreter.namespace["ok"] == 1
    [notice] = sink.of(events.Notice)
    assert "setup slide" in notice.text and "ZeroDivisionError" in notice.text


def test_reset_starts_over(tmp_path: Path) -> None:
    nav = nav_for(COUNTING, tmp_path)
    sink = Sink()
    nav.goto(3, sink)
    nav.reset(sink)
    assert nav.position == 0
    assert nav.interpreter.namespace["log"] == []  # setup ran again
    nav.next(sink)
    assert nav.interpreter.namespace["log"] == [1]


def test_reload_rereads_the_file_and_keeps_position(tmp_path: Path) -> None:
    nav = nav_for(COUNTING, tmp_path)
    sink = Sink()
    nav.goto(2, sink)
    path = tmp_path / "deck.py"
    path.write_text(COUNTING.replace("x += 1\nlog.append(2)", "x += 10\n"
                                     "log.append(20)"), encoding="utf-8")
    sink.clear()
    assert nav.reload(sink)
    assert nav.position == 2
    assert nav.interpreter.namespace["x"] == 11
    assert nav.interpreter.namespace["log"] == [1, 20]
    # a deck that shrank: position clamped
    path.write_text("### slide::\nonly = 1\n", encoding="utf-8")
    nav.goto(3, sink)
    assert nav.reload(sink) and nav.position == 1 and nav.total == 1
    # an unreadable file: old deck kept, a notice says why
    path.unlink()
    sink.clear()
    assert not nav.reload(sink)
    assert nav.total == 1
    assert "can't reload" in sink.of(events.Notice)[0].text  # type: ignore


def test_short_option_leaves_out_long_slides(tmp_path: Path) -> None:
    text = "### slide::\na = 1\n### slide:: l\nb = 1\n### slide::\nc = 1\n"
    nav = nav_for(text, tmp_path, short=True)
    sink = Sink()
    assert nav.total == 2
    nav.goto(2, sink)
    assert "b" not in nav.interpreter.namespace
    assert nav.interpreter.namespace["c"] == 1


def test_echo_setting_survives_rebuilds(tmp_path: Path) -> None:
    nav = nav_for(COUNTING, tmp_path, echo_sql=False)
    sink = Sink()
    assert nav.interpreter.echo_sql is False
    nav.echo_sql = True
    nav.goto(2, sink)
    nav.prev(sink)
    assert nav.interpreter.echo_sql is True


def test_typed_code_runs_after_setup(tmp_path: Path) -> None:
    nav = nav_for(COUNTING, tmp_path)
    sink = Sink()
    outcome = nav.run_source("log.append('typed')", sink)
    assert outcome.ok
    assert nav.interpreter.namespace["log"] == ["typed"]


def test_ctrl_c_during_catch_up_stops_on_that_slide(tmp_path: Path) -> None:
    text = (
        "### slide::\nstarted.set()\nwhile True:\n    pass\n\n"
        "### slide::\nsecond = 1\n### slide::\nthird = 1\n"
    )
    path = tmp_path / "deck.py"
    deck = parse(text, path)
    started = threading.Event()

    def factory(d, echo):  # type: ignore[no-untyped-def]
        from sliderepl.run.navigation import default_interpreter

        interp = default_interpreter(d, echo)
        interp.namespace["started"] = started
        return interp

    nav = Navigator(deck, Options(), interpreter_factory=factory)

    done = threading.Event()

    def interrupt() -> None:
        # press until goto returns (a press can be dropped in the
        # microseconds the runner holds Ctrl-C back: run/interrupts.py)
        started.wait()
        while True:
            _thread.interrupt_main()
            if done.wait(3):  # long enough for the slide to return
                return

    timer = threading.Thread(target=interrupt, daemon=True)
    timer.start()
    sink = Sink()
    landed = nav.goto(3, sink)
    done.set()
    timer.join()
    assert not landed
    assert nav.position == 1
    assert "second" not in nav.interpreter.namespace
    assert "Ctrl-C" in sink.of(events.Notice)[0].text  # type: ignore
    # Enter goes on from there
    assert nav.next(sink)
    assert nav.position == 2 and nav.interpreter.namespace["second"] == 1


OPS = st.one_of(
    st.just(("next",)),
    st.just(("prev",)),
    st.just(("rerun",)),
    st.just(("reset",)),
    st.just(("run_current",)),
    st.tuples(st.just("goto"), st.integers(0, 6), st.booleans()),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(OPS, max_size=12))
def test_any_path_leaves_the_state_of_running_in_order(
    ops: list[tuple[object, ...]],
) -> None:
    # every slide appends its number; whatever the moves, the log is
    # the setup then slides 1..k in order (k: position, or one less if
    # the current slide hasn't run)
    text = "### slide:: s\nlog = ['setup']\n" + "".join(
        f"### slide::\nlog.append({n})\n" for n in range(1, 6)
    )
    nav = Navigator(parse(text, Path("deck.py")), Options())
    sink = Sink()
    for op in ops:
        if op[0] == "goto":
            nav.goto(op[1], sink, run=op[2])  # type: ignore[arg-type]
        else:
            getattr(nav, str(op[0]))(sink)
        ran = nav.position if nav.has_run else max(nav.position - 1, 0)
        log = nav.interpreter.namespace.get("log", ["setup"])
        assert log == ["setup", *range(1, ran + 1)], op
        assert 0 <= nav.position <= nav.total
    assert not sink.of(events.Error)
