"""Ctrl-C in the runner's critical sections is held back, so the REPL
never ends up echoing into a capture that is over (found by the long
fuzz run: after a Ctrl-C at the wrong moment nothing typed showed any
output any more)."""

from __future__ import annotations

import os
import signal
import sys
import types

import pytest

from sliderepl.run import capture as capture_module
from sliderepl.run.capture import Capture
from sliderepl.run.interrupts import sigint_deferred


def press_ctrl_c() -> None:
    os.kill(os.getpid(), signal.SIGINT)


@pytest.mark.parametrize("where", ["enter", "exit"])
def test_ctrl_c_during_the_stream_swap_leaves_nothing_swapped(
    monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    if where == "enter":  # called half-way through the swap
        monkeypatch.setattr(capture_module, "mute_echo_handlers",
                            press_ctrl_c)
    hook, out, err = sys.displayhook, sys.stdout, sys.stderr
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
    assert (sys.displayhook, sys.stdout, sys.stderr) == (hook, out, err)


def test_outside_a_critical_section_ctrl_c_still_interrupts() -> None:
    with sigint_deferred():
        press_ctrl_c()  # dropped
    with pytest.raises(KeyboardInterrupt):
        press_ctrl_c()
        for _ in range(1000):  # the handler runs at the next bytecodes
            pass
