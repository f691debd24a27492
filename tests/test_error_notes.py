"""The runner's ``describe_error`` hook: a collection's one line under a
slide's traceback (generic: no database in sight)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from sliderepl.deck.parser import parse
from sliderepl.run import error_notes, events
from sliderepl.run.execution import Interpreter


@pytest.fixture(autouse=True)
def _no_describers() -> Iterator[None]:
    error_notes.clear()
    yield
    error_notes.clear()


def _errors(tmp_path: Path, code: str) -> list[events.Error]:
    path = tmp_path / "deck.py"
    deck = parse(f"### slide::\n{code}\n", path)
    interpreter = Interpreter(path)
    interpreter.register_sources(deck.sources)
    got: list[events.Event] = []
    interpreter.run_slide(deck.slides[0], got.append)
    return [e for e in got if isinstance(e, events.Error)]


def _lookup(exc: BaseException) -> str | None:
    if isinstance(exc, LookupError):
        return "the key is\nmissing:  add it"  # folded to one line
    return None


def _broken(exc: BaseException) -> str:
    raise RuntimeError("a describer with a bug")


def test_the_first_describer_with_a_line_is_shown_under_the_traceback(
    tmp_path: Path,
) -> None:
    error_notes.register([_broken, _lookup])
    [error] = _errors(tmp_path, "{}['x']")
    lines = error.traceback.rstrip("\n").splitlines()
    assert lines[-2] == "KeyError: 'x'"
    assert lines[-1] == "the key is missing: add it"
    [error] = _errors(tmp_path, "1 / 0")
    assert error.traceback.rstrip().endswith(
        "ZeroDivisionError: division by zero")


def test_a_collection_config_hook_reaches_the_runner(tmp_path: Path) -> None:
    (tmp_path / "_config.py").write_text(
        "def describe_error(exc):\n"
        "    return f'note: {type(exc).__name__} means trouble'\n",
        encoding="utf-8")
    deck = tmp_path / "deck.py"
    deck.write_text("### slide::\nraise ValueError('x')\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "sliderepl", "--run-all", str(deck)],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 1
    assert "ValueError: x\nnote: ValueError means trouble\n" in done.stdout
