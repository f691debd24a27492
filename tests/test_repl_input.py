"""Keystrokes into the REPL (prompt_toolkit pipe input, no terminal).

Each test types into the real prompt loop and then checks the state the
presenter cares about: which slide we are on, what phase of it, and what
the deck's namespace holds.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from sliderepl.deck.parser import load
from sliderepl.run.options import Options
from sliderepl.screen.console import Screen
from sliderepl.screen.theme import make_console
from sliderepl.ui import prompt as prompt_module
from sliderepl.ui import repl
from sliderepl.ui.completion import NamespaceCompleter
from sliderepl.ui.keys import is_complete, next_indent
from sliderepl.ui.prompt import prompt_loop
from sliderepl.ui.toolbar import elapsed, toolbar

TOUR = Path(__file__).parent / "decks" / "ui_tour.py"
ENTER, CTRL_C, CTRL_D = "\r", "\x03", "\x04"


@pytest.fixture(autouse=True)
def _fast_tour(state_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # History files go to state_home, never the user's state dir.
    # Passing the tour's slow-loop slide must not take a minute.
    monkeypatch.setenv("UI_TOUR_SLOW_SECONDS", "0")


def started(**options: object) -> repl.ReplState:
    """The tour deck on its first slide, drawn into a string."""
    console = make_console(file=io.StringIO(), width=80)
    state = repl.make_state(
        load(TOUR), Options(deck=TOUR, **options),  # type: ignore[arg-type]
        Screen(console),
    )
    repl.begin(state)
    return state


def screen_text(state: repl.ReplState) -> str:
    return state.screen.console.file.getvalue()  # type: ignore


def type_keys(
    state: repl.ReplState, keys: str, persistent: bool = False
) -> int:
    """Type ``keys`` at the prompt, then Ctrl-D; the loop's status."""
    with create_pipe_input() as pipe:
        pipe.send_text(keys + CTRL_D)
        return prompt_loop(state, pipe, DummyOutput(), persistent)


@pytest.fixture
def tour() -> Iterator[repl.ReplState]:
    yield started()


def test_first_slide_is_shown_and_run(tour: repl.ReplState) -> None:
    assert tour.position == 1
    assert tour.nav.interpreter.namespace["greeting"] == "hello"
    # The setup slide ran silently: its name exists, nothing was shown.
    assert tour.nav.interpreter.namespace["counter"] == 0
    assert "import time" not in screen_text(tour)


def test_enter_advances_through_bullets_then_code(
    tour: repl.ReplState,
) -> None:
    assert type_keys(tour, ENTER) == 0
    assert (tour.position, tour.phase, tour.revealed) == (2, "bullets", 0)
    type_keys(tour, ENTER * 3)
    assert (tour.phase, tour.revealed) == ("code", 3)
    assert tour.nav.interpreter.namespace["counter"] == 0  # not run yet
    type_keys(tour, ENTER)
    assert tour.phase == "done"
    assert tour.nav.interpreter.namespace["counter"] == 1
    assert "bullet code ran 1" in screen_text(tour)


def test_paused_slide_runs_on_the_next_enter(tour: repl.ReplState) -> None:
    type_keys(tour, "!goto 3" + ENTER)
    assert (tour.position, tour.phase) == (3, "paused")
    namespace = tour.nav.interpreter.namespace
    assert "paused_ran" not in namespace
    assert screen_text(tour).count(">>> paused_ran = True") == 1
    type_keys(tour, ENTER)
    assert namespace["paused_ran"] is True
    # Its code was on screen already: running it does not draw it again.
    assert screen_text(tour).count(">>> paused_ran = True") == 1


def test_commands_work_during_a_bullet_reveal(tour: repl.ReplState) -> None:
    type_keys(tour, ENTER + ENTER + "!toc" + ENTER)
    assert (tour.position, tour.phase, tour.revealed) == (2, "bullets", 1)
    assert "▶ 2 ✓ Bullets first" in screen_text(tour)
    type_keys(tour, "!goto pools" + ENTER)
    assert tour.position == 5
    assert "engine" in tour.nav.interpreter.namespace
    # Skipped slides ran silently: their state exists, their output not.
    assert tour.nav.interpreter.namespace["counter"] == 1
    assert "bullet code ran" not in screen_text(tour)


def test_commands_work_at_a_pause(tour: repl.ReplState) -> None:
    type_keys(tour, "!goto 3" + ENTER + "!info" + ENTER)
    assert tour.phase == "paused"
    assert "slide 3 of 8" in screen_text(tour)
    type_keys(tour, "!next" + ENTER)
    assert tour.nav.interpreter.namespace["paused_ran"] is True


def test_typed_code_changes_the_namespace(tour: repl.ReplState) -> None:
    type_keys(tour, "x = 41" + ENTER + "y = x + 1" + ENTER + "y" + ENTER)
    assert tour.nav.interpreter.namespace["y"] == 42
    assert screen_text(tour).rstrip().endswith("42")
    assert tour.position == 1  # typing Python does not move the deck


def test_multi_line_code_with_auto_indent(tour: repl.ReplState) -> None:
    # No indentation typed: the prompt adds it after the colon.
    type_keys(
        tour,
        "def double(n):" + ENTER + "return n * 2" + ENTER + ENTER
        + "result = double(21)" + ENTER,
    )
    assert tour.nav.interpreter.namespace["result"] == 42


def test_ctrl_c_clears_the_line(tour: repl.ReplState) -> None:
    type_keys(tour, "half typed" + CTRL_C + "z = 1" + ENTER)
    assert tour.nav.interpreter.namespace["z"] == 1
    assert "half typed" not in screen_text(tour)
    assert "SyntaxError" not in screen_text(tour)


def test_errors_in_typed_code_leave_the_prompt_alive(
    tour: repl.ReplState,
) -> None:
    type_keys(tour, "1 / 0" + ENTER + "after = True" + ENTER)
    assert "ZeroDivisionError: division by zero" in screen_text(tour)
    assert tour.nav.interpreter.namespace["after"] is True


def test_unknown_command_is_a_message_not_python(
    tour: repl.ReplState,
) -> None:
    type_keys(tour, "!frobnicate" + ENTER)
    out = screen_text(tour)
    assert "unknown command !frobnicate; ? lists commands" in out
    assert "SyntaxError" not in out


def test_prev_rebuilds_the_namespace(tour: repl.ReplState) -> None:
    type_keys(tour, "!goto 3" + ENTER + "junk = 1" + ENTER)
    assert tour.nav.interpreter.namespace["counter"] == 1
    type_keys(tour, "!prev" + ENTER)
    namespace = tour.nav.interpreter.namespace
    assert (tour.position, tour.phase) == (2, "bullets")
    # Fresh namespace: setup and slide 1 only; slide 2 waits for bullets.
    assert namespace["counter"] == 0
    assert "junk" not in namespace
    type_keys(tour, ENTER * 4)
    assert tour.nav.interpreter.namespace["counter"] == 1


def test_show_displays_without_running_or_moving(
    tour: repl.ReplState,
) -> None:
    type_keys(tour, "!show 3" + ENTER)
    assert tour.position == 1
    assert "paused_ran" not in tour.nav.interpreter.namespace
    assert ">>> paused_ran = True" in screen_text(tour)


def test_quit_and_ctrl_d_leave_with_status_zero(
    tour: repl.ReplState,
) -> None:
    with create_pipe_input() as pipe:
        pipe.send_text("!q" + ENTER + "never = 1" + ENTER)
        assert prompt_loop(tour, pipe, DummyOutput(), False) == 0
    assert "never" not in tour.nav.interpreter.namespace
    assert type_keys(started(), "") == 0


def test_echo_theme_and_presentation_toggles(tour: repl.ReplState) -> None:
    assert ("", " SQL ") in toolbar(tour, width=100)
    type_keys(tour, "!echo" + ENTER + "!theme contrast" + ENTER)
    assert tour.screen.echo_sql is False and tour.nav.echo_sql is False
    assert ("class:bottom-toolbar.off", "off") in toolbar(tour, width=100)
    assert tour.screen.theme == "contrast"
    type_keys(tour, "!theme sepia" + ENTER + "!pr" + ENTER)
    assert tour.screen.theme == "contrast"
    assert "choose one of: dark, light, contrast" in screen_text(tour)
    assert tour.screen.presentation is True


def test_sql_echo_off_hides_sql(tour: repl.ReplState) -> None:
    type_keys(tour, "!echo" + ENTER + "!goto pools" + ENTER)
    assert "select 1 + ?" not in screen_text(tour)
    type_keys(tour, "!echo" + ENTER + "!rerun" + ENTER)
    assert "│ select 1 + ?" in screen_text(tour)


def test_reset_starts_over(tour: repl.ReplState) -> None:
    type_keys(tour, "!goto 5" + ENTER + "!reset" + ENTER)
    assert tour.position == 1
    assert "engine" not in tour.nav.interpreter.namespace


def test_toolbar_shows_deck_slide_echo_time_and_hint(
    tour: repl.ReplState,
) -> None:
    text = "".join(part for _, part in toolbar(tour, tour.started + 75,
                                               width=120))
    assert "ui_tour.py" in text
    assert "slide 1 / 8" in text
    assert "01:15" in text
    assert "Enter: next slide" in text
    assert elapsed(3725) == "1:02:05"


def test_shown_code_goes_to_the_deck_history_file(
    tour: repl.ReplState, tmp_path: Path
) -> None:
    type_keys(tour, "typed = 1" + ENTER, persistent=True)
    files = list((tmp_path / "state" / "sliderepl").glob("ui_tour-*"))
    assert len(files) == 1
    stored = files[0].read_text()
    assert '+greeting = "hello"' in stored  # shown slide code
    assert "+typed = 1" in stored  # typed code


def test_completion_uses_the_live_namespace(tour: repl.ReplState) -> None:
    completer = NamespaceCompleter(lambda: tour.nav.interpreter.namespace)

    def complete(text: str) -> list[str]:
        found = completer.get_completions(Document(text), CompleteEvent())
        return [c.text for c in found]

    assert "greeting" in complete("gree")
    assert "upper" in complete("greeting.up")
    assert "__class__" not in complete("greeting.")
    assert "goto" in complete("!go")
    assert complete("no_such_thing.x") == []
    type_keys(tour, "!reset" + ENTER + "!goto 5" + ENTER)
    assert "engine" in complete("eng")  # the rebuilt namespace


def test_line_loop_without_a_terminal(tour: repl.ReplState) -> None:
    lines = iter(["", "for i in range(3):", "    total = i", "", "!toc",
                  "for j in range(2):", "    last_j = j",
                  "after_loop = last_j",  # ends the loop without a blank
                  "!q", "not reached"])

    def read(prompt: str) -> str:
        try:
            return next(lines)
        except StopIteration:
            raise EOFError from None

    assert repl.line_loop(tour, read) == 0
    assert tour.position == 2
    namespace = tour.nav.interpreter.namespace
    assert namespace["total"] == 2
    assert namespace["after_loop"] == 1
    assert "not reached" not in screen_text(tour)
    assert "▶ 2 ✓ Bullets first" in screen_text(tour)


@pytest.mark.parametrize(
    "text, complete",
    [
        ("", True),
        ("x = 1", True),
        ("!goto 3", True),
        ("for i in x:", False),
        ("for i in x:\n    print(i)", False),
        ("for i in x:\n    print(i)\n", True),
        ("x = (1,", False),
        ("x = = 1", True),  # a syntax error: submit, let Python say so
    ],
)
def test_enter_submits_only_complete_input(text: str, complete: bool) -> None:
    assert is_complete(text) is complete


def test_auto_indent() -> None:
    assert next_indent("if x:") == "    "
    assert next_indent("if x:\n    y = 1") == "    "
    assert next_indent("def f():\n    return 1") == ""


class Exploding:
    def __rich__(self) -> str:
        raise RuntimeError("cannot draw")

    def __repr__(self) -> str:
        return "<Exploding>"


def test_a_value_that_cannot_draw_itself_does_not_kill_the_repl(
    tour: repl.ReplState,
) -> None:
    tour.nav.interpreter.namespace["boom"] = Exploding()
    type_keys(tour, "boom" + ENTER + "fine = 1" + ENTER)
    out = screen_text(tour)
    assert "<Exploding>" in out
    assert "could not draw it: RuntimeError: cannot draw" in out
    assert tour.nav.interpreter.namespace["fine"] == 1


def test_display_only_slide_shows_code_and_never_runs_it(
    tour: repl.ReplState,
) -> None:
    type_keys(tour, "!goto 4" + ENTER)
    assert (tour.position, tour.phase) == (4, "done")
    assert ">>> never_defined = 1" in screen_text(tour)
    assert "never_defined" not in tour.nav.interpreter.namespace
    type_keys(tour, ENTER)
    assert tour.position == 5


def test_enter_on_the_last_slide_says_so(tour: repl.ReplState) -> None:
    type_keys(tour, "!goto 8" + ENTER + ENTER)
    assert tour.position == 8
    assert tour.nav.interpreter.namespace["finished_loop"] is True
    # the finish line (issue 27): a summary, then the next deck's offer
    assert "End of ui_tour.py" in screen_text(tour)
    assert "slides seen " in screen_text(tour)
    assert tour.phase == "finished" and not tour.finished
    assert tour.nav.interpreter.namespace["last"] == "done"


def test_expected_error_slide_shows_the_traceback_at_its_line(
    tour: repl.ReplState,
) -> None:
    type_keys(tour, "!goto 6" + ENTER + "still = 'here'" + ENTER)
    out = screen_text(tour)
    line = TOUR.read_text().splitlines().index("1 / 0") + 1
    # the short form (issue 16): the deck line, the full chain on !tb
    assert f"ui_tour.py:{line}: 1 / 0" in out and "!tb" in out
    assert "ZeroDivisionError: division by zero" in out
    assert tour.nav.interpreter.namespace["still"] == "here"


def write_deck(path: Path, first: str) -> Path:
    path.write_text(
        "### slide::\n### title:: One\n"
        f"{first}\n"
        "### slide::\n### title:: Two\n"
        "### * shown at once: no b flag\n"
        "two = 2\n"
    )
    return path


def test_reload_keeps_the_position_and_reruns(tmp_path: Path) -> None:
    deck = write_deck(tmp_path / "d.py", "value = 'old'")
    console = make_console(file=io.StringIO(), width=60)
    state = repl.make_state(load(deck), Options(deck=deck), Screen(console))
    repl.begin(state)
    type_keys(state, ENTER)
    assert (state.position, state.phase) == (2, "done")
    assert "• shown at once: no b flag" in screen_text(state)
    write_deck(deck, "value = 'new'")
    type_keys(state, "!rr" + ENTER)
    assert state.position == 2
    assert state.nav.interpreter.namespace["value"] == "new"
    assert state.nav.interpreter.namespace["two"] == 2


def test_a_deck_with_no_slides_still_gives_a_prompt(tmp_path: Path) -> None:
    deck = tmp_path / "empty.py"
    deck.write_text("x = 1\n")
    console = make_console(file=io.StringIO(), width=60)
    state = repl.make_state(load(deck), Options(deck=deck), Screen(console))
    repl.begin(state)
    type_keys(state, ENTER + "y = 3" + ENTER)
    assert state.nav.interpreter.namespace["y"] == 3
    assert "this deck has no slides" in screen_text(state)


def test_broken_slide_is_shown_with_file_and_line(tmp_path: Path) -> None:
    deck = tmp_path / "broken.py"
    deck.write_text(
        "### slide::\n### title:: Fine\nok = 1\n"
        "### slide::\n### title:: Broken\nx = = 1\n"
        "### slide::\n### title:: After\nafter = 1\n"
    )
    # Wide enough that the long tmp path does not wrap.
    console = make_console(file=io.StringIO(), width=300)
    state = repl.make_state(load(deck), Options(deck=deck), Screen(console))
    repl.begin(state)
    type_keys(state, ENTER + ENTER)
    out = screen_text(state)
    # Reported when the deck opens and again on the broken slide, which
    # shows its code without running it; the next slide runs.
    assert out.count(f"{deck}:6: SyntaxError: invalid syntax") == 2
    assert ">>> x = = 1" in out
    assert state.position == 3
    assert state.nav.interpreter.namespace["after"] == 1


def test_help_lists_commands_and_keys(tour: repl.ReplState) -> None:
    type_keys(tour, "?" + ENTER)
    out = screen_text(tour)
    assert "!goto, !g N|WORDS" in out
    assert "PageDown, PageUp" in out
    assert tour.position == 1


def test_page_down_and_up_step_the_deck(tour: repl.ReplState) -> None:
    page_down, page_up = "\x1b[6~", "\x1b[5~"
    type_keys(tour, page_down)
    assert tour.position == 2
    type_keys(tour, "typed" + page_down + CTRL_C)  # not on a typed line
    assert tour.position == 2
    type_keys(tour, page_up)
    assert tour.position == 1


def test_goto_by_words_names_the_other_matches(tmp_path: Path) -> None:
    deck = tmp_path / "d.py"
    deck.write_text(
        "### slide::\n### title:: Pools one\na = 1\n"
        "### slide::\n### title:: Other\nb = 1\n"
        "### slide::\n### title:: More pools\nc = 1\n"
    )
    console = make_console(file=io.StringIO(), width=60)
    state = repl.make_state(load(deck), Options(deck=deck), Screen(console))
    repl.begin(state)
    type_keys(state, "!goto more" + ENTER)
    assert state.position == 3
    type_keys(state, "!goto pools" + ENTER)
    assert state.position == 1
    assert "also matching: slides 3" in screen_text(state)
    type_keys(state, "!goto sharding" + ENTER)
    assert state.position == 1
    assert "no slide title contains 'sharding'" in screen_text(state)


def test_theme_switch_changes_the_colours_drawn(tmp_path: Path) -> None:
    deck = tmp_path / "d.py"
    deck.write_text("### slide::\n### title:: T\nx = 1\n")
    file = io.StringIO()
    screen = Screen(make_console(file=file, width=40, force_terminal=True))
    state = repl.make_state(load(deck), Options(deck=deck), screen)
    repl.begin(state)
    type_keys(state, "!theme light" + ENTER)
    light = file.getvalue()
    assert "\x1b[34mtheme light" in light  # message style: blue in light
    type_keys(state, "!theme dark" + ENTER)
    assert "\x1b[36mtheme dark" in file.getvalue()  # cyan in dark


def test_output_without_newline_does_not_glue_to_the_prompt(
    tour: repl.ReplState,
) -> None:
    type_keys(tour, "print('no newline', end='')" + ENTER)
    assert screen_text(tour).endswith("no newline\n")


def test_history_is_kept_across_runs_of_the_deck() -> None:
    up = "\x1b[A"
    first = started()
    type_keys(first, "remembered = 5" + ENTER, persistent=True)
    second = started()  # a new run of the same deck
    assert "remembered" not in second.nav.interpreter.namespace
    # Newest first: slide 1's two blocks (shown again), then the typed line.
    type_keys(second, up * 3 + ENTER, persistent=True)
    assert second.nav.interpreter.namespace["remembered"] == 5


def test_ctrl_c_while_the_line_editor_starts_leaves_no_error(
    tour: repl.ReplState, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Found by the long fuzz run: a Ctrl-C landing as prompt_toolkit
    starts or ends its app left it marked running, and the next prompt
    printed "sliderepl prompt error: AssertionError: Application is
    already running." The loop now starts a fresh line editor."""
    real = prompt_module.make_session
    made: list[object] = []

    def make(*args: object, **kwargs: object) -> object:
        session = real(*args, **kwargs)  # type: ignore[arg-type]
        if not made:
            prompt = session.prompt

            def interrupted(**kwargs: object) -> str:
                session.prompt = prompt  # type: ignore[method-assign]
                session.app._is_running = True  # as a badly timed Ctrl-C
                raise KeyboardInterrupt
            session.prompt = interrupted  # type: ignore[method-assign]
        made.append(session)
        return session

    monkeypatch.setattr(prompt_module, "make_session", make)
    type_keys(tour, "z = 1" + ENTER)
    assert tour.nav.interpreter.namespace["z"] == 1
    assert "prompt error" not in screen_text(tour)
    assert len(made) == 2
