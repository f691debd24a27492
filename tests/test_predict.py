"""Predict, then run (issue 27): ``### predict:: errors`` makes every
intended-error slide stop with its code shown until Enter runs it; the
``p`` flag does it per slide; headless runs never wait."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from sliderepl.deck.parser import load, parse
from sliderepl.run.headless import run_all
from sliderepl.run.options import Options
from sliderepl.ui.steps import advance
from tests.repl_state import started, text

DECK = """\
### predict:: errors
### slide::
### title:: Fine
fine = 1
### slide:: e
### title:: Guess first
boom = 1 / 0
### slide:: p
### title:: Paused anyway
later = 2
"""


pytestmark = pytest.mark.usefixtures("state_home")


def test_an_error_slide_waits_for_enter(tmp_path: Path) -> None:
    path = tmp_path / "d.py"
    path.write_text(DECK)
    state = started(path)
    assert state.phase == "done"
    assert "fine" in state.nav.interpreter.namespace
    advance(state)  # to the error slide: code shown, not run
    assert (state.position, state.phase) == (2, "paused")
    shown = text(state)
    assert ">>> boom = 1 / 0" in shown
    assert shown.rstrip().endswith("What will this do?  Enter runs it")
    assert "ZeroDivisionError" not in shown
    assert state.enter_hint() == "run the code"
    advance(state)  # Enter runs it
    assert state.phase == "done"
    assert "ZeroDivisionError" in text(state)
    # once, not drawn again
    assert text(state).count(">>> boom = 1 / 0") == 1
    advance(state)  # a p slide pauses too, with the plain line
    assert (state.position, state.phase) == (3, "paused")
    assert text(state).rstrip().endswith("Enter runs it")
    assert "later" not in state.nav.interpreter.namespace


def test_without_predict_an_error_slide_runs_at_once(tmp_path: Path) -> None:
    path = tmp_path / "d.py"
    path.write_text(DECK.replace("### predict:: errors\n", ""))
    state = started(path)
    advance(state)
    assert (state.position, state.phase) == (2, "done")
    assert "ZeroDivisionError" in text(state)
    assert "Enter runs it" not in text(state)


def test_headless_runs_do_not_wait(tmp_path: Path) -> None:
    path = tmp_path / "d.py"
    path.write_text(DECK)
    out, err = io.StringIO(), io.StringIO()
    status = run_all(load(path), Options(deck=path, run_all=True), out, err)
    assert status == 0, err.getvalue()
    assert "ZeroDivisionError" in out.getvalue()
    assert "Enter runs it" not in out.getvalue()


def test_the_directive_is_parsed_and_checked() -> None:
    assert parse("### predict:: errors\n", Path("d.py")).predict == "errors"
    assert parse("### predict:: ALL\n", Path("d.py")).predict == "all"
    assert parse("x = 1\n", Path("d.py")).predict is None
    deck = parse("### predict:: sometimes\n", Path("d.py"))
    assert deck.predict is None
    assert [str(p) for p in deck.problems] == [
        "d.py:1: predict:: 'sometimes': choose errors, all, none"]
    # the first one counts, and --short keeps it
    deck = parse("### predict:: all\n### predict:: none\n"
                 "### slide:: l\n### title:: Long\nx = 1\n", Path("d.py"))
    assert deck.predict == "all" and deck.shortened().predict == "all"
