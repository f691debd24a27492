"""Ctrl-C in the runner's critical sections is held back, so the REPL
never ends up echoing into a capture that is over (found by the long
fuzz run: after a Ctrl-C at the wrong moment nothing typed showed any
output any more)."""

from __future__ import annotations

import io
import os
import signal
import sys
import types

import pytest
from rich.console import Console

from sliderepl.run import capture as capture_module
from sliderepl.run.capture import Capture
from sliderepl.run.interrupts import sigint_deferred


def press_ctrl_c() -> None:
    os.kill(os.getpid(), signal.SIGINT)


def streams() -> tuple[object, object, object]:
    """What a capture swaps: displayhook, stdout and stderr."""
    return sys.displayhook, sys.stdout, sys.stderr


@pytest.mark.parametrize("where", ["enter", "exit"])
def test_ctrl_c_during_the_stream_swap_leaves_nothing_swapped(
    monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    if where == "enter":  # called half-way through the swap
        monkeypatch.setattr(capture_module, "mute_echo_handlers",
                            press_ctrl_c)
    before = streams()
    seen: list[object] = []
    capture = Capture(seen.append, types.ModuleType("__main__"))
    logger_class = capture_module.logging.Logger
    remove = logger_class.removeHandler

    def press_then_remove(self: object, handler: object) -> None:
        # once only: pytest's own logging removes handlers later
        logger_class.removeHandler = remove  # type: ignore[method-assign]
        press_ctrl_c()
        remove(self, handler)  # type: ignore[arg-type]

    try:
        with capture:
            if where == "exit":
                # the logger is restored before the streams: press there
                logger_class.removeHandler = (  # type: ignore[method-assign]
                    press_then_remove)
    except KeyboardInterrupt:
        pytest.fail(f"Ctrl-C escaped the capture's {where}")
    finally:
        logger_class.removeHandler = remove  # type: ignore[method-assign]
    assert streams() == before


def test_outside_a_critical_section_ctrl_c_still_interrupts() -> None:
    with sigint_deferred():
        press_ctrl_c()  # dropped
    with pytest.raises(KeyboardInterrupt):
        press_ctrl_c()
        for _ in range(1000):  # the handler runs at the next bytecodes
            pass


def test_sigint_postponed_delivers_the_press_when_the_block_ends() -> None:
    from sliderepl.run.interrupts import sigint_postponed

    finished = False
    with pytest.raises(KeyboardInterrupt):
        with sigint_postponed():
            press_ctrl_c()
            finished = True  # the block runs to its end first
    assert finished
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    # inside a section that drops presses, a postponed press is dropped
    with sigint_deferred(), sigint_postponed():
        press_ctrl_c()


def _rich_console() -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, force_terminal=True, width=40, height=10), out


@pytest.mark.parametrize("path", ["pager capture", "program output"])
def test_ctrl_c_inside_a_rich_print_never_mutes_the_screen(
    monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    """rich counts itself buffering from entering a print (or a capture)
    until leaving it; a KeyboardInterrupt in between left every later
    print in its buffer, never shown (long fuzz run: after a Ctrl-C as a
    slide was drawn, typed code ran but showed nothing).  The press is
    now taken when the print is over."""
    from rich.text import Text

    from sliderepl.screen.console import Screen

    console, out = _rich_console()
    screen = Screen(console)
    # the step of rich's that the press must not cut off
    step = "_render_buffer" if path == "pager capture" else "_exit_buffer"
    original = getattr(console, step)

    def pressed_there(*args: object) -> object:
        monkeypatch.undo()  # once
        press_ctrl_c()
        return original(*args)

    monkeypatch.setattr(console, step, pressed_there)
    with pytest.raises(KeyboardInterrupt):
        if path == "pager capture":
            screen.pager.enabled = True
            screen.pager.new_slide()  # paging: the renderable is captured
            screen.show(Text("drawn while Ctrl-C came"))
        else:
            screen._write(Text("printed while Ctrl-C came\n"))
    screen.pager.stop()
    screen.show(Text("shown after"))
    assert "shown after" in out.getvalue()


def test_ctrl_c_as_the_swap_is_done_leaves_nothing_swapped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A press that lands just as Ctrl-C is let through again (the swap
    done, the ``with`` not yet owning the capture) used to leave
    sys.stdout pointing at a capture nobody would end."""
    from contextlib import contextmanager

    real = capture_module.sigint_deferred
    presses = []

    @contextmanager
    def deferred_then_pressed():  # type: ignore[no-untyped-def]
        with real():
            yield
        if not presses:  # the first deferral's end only
            presses.append(1)
            raise KeyboardInterrupt

    monkeypatch.setattr(capture_module, "sigint_deferred",
                        deferred_then_pressed)
    before = streams()
    seen: list[object] = []
    with pytest.raises(KeyboardInterrupt):
        with Capture(seen.append, types.ModuleType("__main__")):
            pytest.fail("the with block never starts")
    assert streams() == before
    assert capture_module._active is None


def test_ctrl_c_as_the_exit_starts_still_closes_the_capture(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A press that lands as ``__exit__`` starts, before its deferral is
    in force, used to leave the capture active: after a silent catch-up
    slide (whose sink discards everything) the screen went mute for
    good.  The capture now closes and the press is still raised."""
    real = capture_module.sigint_deferred
    calls = []

    def pressed_on_the_second_call():  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 2:  # __enter__'s is the first, __exit__'s next
            raise KeyboardInterrupt
        return real()

    monkeypatch.setattr(capture_module, "sigint_deferred",
                        pressed_on_the_second_call)
    before = streams()
    discarded: list[object] = []
    with pytest.raises(KeyboardInterrupt):
        with Capture(discarded.append, types.ModuleType("__main__")):
            pass
    assert streams() == before
    assert capture_module._active is None
    print("after the capture")  # reaches the real stream, not the sink
    assert discarded == []


def test_a_capture_left_open_is_ended_after_the_next_line() -> None:
    """Belt and braces: whatever left a capture open (a press where no
    guard could catch it), the next line at the prompt ends it, so the
    screen is never mute for more than one line."""
    from sliderepl.deck.parser import load
    from sliderepl.run.options import Options
    from sliderepl.screen.console import Screen
    from sliderepl.screen.theme import make_console
    from sliderepl.ui import repl

    deck = os.path.join(os.path.dirname(__file__), "decks", "exercises.py")
    console = make_console(file=io.StringIO(), width=100)
    state = repl.make_state(load(deck), Options(deck=deck), Screen(console))
    repl.begin(state, 1)
    before = streams()
    discarded: list[object] = []
    Capture(discarded.append, types.ModuleType("__main__"))._enter()
    try:
        repl.handle_line(state, "6 * 7")
        assert streams() == before
        assert capture_module._active is None
        repl.handle_line(state, "6 * 9")
        assert "54" in console.file.getvalue()  # type: ignore[attr-defined]
    finally:
        capture_module.end_leftovers()
