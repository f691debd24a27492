"""``obj?`` and ``obj??`` at the prompt, as in IPython: typed through
prompt_toolkit's pipe input, shown through the console, paged when long."""

from __future__ import annotations

from typing import Any

import pytest

from sliderepl.screen.paging import MORE, Pager
from sliderepl.ui import repl
from sliderepl.ui.commands import BadCommand, Command, parse
from tests.test_repl_input import (  # noqa: F401
    ENTER,
    _fast_tour,
    screen_text,
    started,
    type_keys,
)


class Hostile:
    """Raises wherever ``name?`` could look."""

    @property
    def boom(self) -> Any:
        raise RuntimeError("property ran")

    @property  # type: ignore[misc]
    def __class__(self) -> type:
        raise RuntimeError("__class__ ran")

    @property
    def __doc__(self) -> str:  # type: ignore[override]
        raise RuntimeError("__doc__ ran")

    def __repr__(self) -> str:
        raise RuntimeError("__repr__ ran")


@pytest.fixture
def pools() -> repl.ReplState:
    """The tour deck on its pools slide: an engine in the namespace."""
    state = started()
    type_keys(state, "!goto pools" + ENTER)
    assert "engine" in state.nav.interpreter.namespace
    return state


def shown_after(state: repl.ReplState, keys: str) -> str:
    before = len(screen_text(state))
    type_keys(state, keys)
    return screen_text(state)[before:]


@pytest.mark.parametrize(("line", "parsed"), [
    ("engine?", Command("doc", "engine")),
    ("engine.pool?", Command("doc", "engine.pool")),
    ("?engine", Command("doc", "engine")),
    ("engine??", Command("source", "engine")),
    ("??engine.connect", Command("source", "engine.connect")),
    ("?", Command("help")),
    ("!help", Command("help")),
    ("?engine?", None),  # Python: its own SyntaxError
    ("engine() ?", None),
    ("x = 1", None),
    ("!doc", BadCommand("!doc needs a name: !doc engine, or engine?")),
])
def test_question_marks_parse(line: str, parsed: object) -> None:
    assert parse(line) == parsed


def test_name_question_mark_shows_signature_and_docstring(
    pools: repl.ReplState,
) -> None:
    shown = shown_after(pools, "engine.connect?" + ENTER)
    assert "SyntaxError" not in shown
    assert "Type:      method" in shown
    assert "Signature: connect() -> 'Connection'" in shown
    assert "sqlalchemy/engine/base.py:" in shown
    assert "Return a new :class:`_engine.Connection` object." in shown
    # a value shows its type and repr, and its class's docstring
    shown = shown_after(pools, "greeting?" + ENTER)
    assert "Type:      str" in shown and "Value:     'hello'" in shown
    assert "Signature" not in shown
    assert pools.position == 5  # nothing moved


def test_a_long_file_path_stays_one_line(pools: repl.ReplState) -> None:
    """The terminal soft-wraps it: copied from the screen it is one path
    (rich would cut it into lines at the width, so the check above
    failed with the virtual environment in a long folder)."""
    pools.screen.console.width = 30  # every path is longer than this
    for asked in ("engine.connect?", "engine.connect??"):
        shown = shown_after(pools, asked + ENTER)
        files = [line for line in shown.splitlines()
                 if line.startswith("File:")]
        assert len(files) == 1, shown
        assert "sqlalchemy/engine/base.py:" in files[0]
        assert files[0].rstrip().split(":")[-1].isdigit(), files[0]


def test_name_double_question_mark_shows_the_source(
    pools: repl.ReplState,
) -> None:
    shown = shown_after(pools, "engine.connect??" + ENTER)
    assert "def connect(self) -> Connection:" in shown
    assert "return self._connection_cls(self)" in shown
    # an instance: its class's source, said so
    shown = shown_after(pools, "engine??" + ENTER)
    assert "class Engine(" in shown and "(the class of engine)" in shown
    # typed at the prompt: still there
    type_keys(pools, "def twice(n):" + ENTER + "return n * 2" + ENTER
              + ENTER)
    shown = shown_after(pools, "twice??" + ENTER)
    assert "def twice(n):\n    return n * 2" in shown


def test_no_source_is_one_clear_line(pools: repl.ReplState) -> None:
    shown = shown_after(pools, "len??" + ENTER)
    assert shown.strip().replace("\n", " ") == (
        "no source for len: it is built into Python (written in C); "
        "len? shows what it is"
    )
    assert "no source for greeting" in shown_after(pools,
                                                   "greeting??" + ENTER)


def test_help_and_question_mark_stay(pools: repl.ReplState) -> None:
    assert "!goto, !g N|WORDS" in shown_after(pools, "?" + ENTER)
    shown = shown_after(pools, "!help" + ENTER)
    assert "!doc NAME" in shown and "NAME??" in shown


def test_bad_names_are_messages_not_tracebacks(
    pools: repl.ReplState,
) -> None:
    pools.nav.interpreter.namespace["hostile"] = Hostile()
    shown = shown_after(pools, "nothing_here?" + ENTER
                        + "engine.nope??" + ENTER + "hostile.boom?" + ENTER)
    assert "nothing_here is not defined" in shown
    assert "engine.nope: AttributeError:" in shown
    # a property of the deck's own is described, not run (as IPython)
    assert "Type:      property" in shown and "not run by ?" in shown
    assert "property ran" not in shown
    assert "Traceback" not in shown
    shown = shown_after(pools, "hostile?" + ENTER + "hostile??" + ENTER)
    assert "Type:      tests.test_prompt_introspect.Hostile" in shown
    # nor is a __repr__ of its own
    assert "Hostile object at 0x" in shown and "repr failed" not in shown
    assert "class Hostile:" in shown  # the source of its class
    assert "Traceback" not in shown and "internal error" not in shown


def test_long_source_is_paged(pools: repl.ReplState) -> None:
    asked: list[str] = []

    def answer(prompt: str) -> str:
        asked.append(prompt)
        return ""

    console = pools.screen.console
    pools.screen.pager = Pager(console, answer, enabled=True)
    shown = shown_after(pools, "engine.connect??" + ENTER)
    assert asked and asked[0] == MORE
    assert "return self._connection_cls(self)" in shown  # all of it
    assert not pools.screen.pager.active  # the prompt's output scrolls
