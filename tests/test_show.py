"""Showing case-study code on slides from the module (sliderepl.show)."""

from __future__ import annotations

import inspect
import io
from pathlib import Path

import pytest

import sliderepl.screen.markup
from sliderepl.screen.theme import make_console
from sliderepl.show import Source, source
from sliderepl.ui.commands import Command


def test_function_source_repr_is_the_plain_code() -> None:
    shown = source(sliderepl.screen.markup.to_text)
    assert repr(shown).startswith("def to_text(\n")
    expected = inspect.getsource(sliderepl.screen.markup.to_text)
    assert repr(shown) == expected.rstrip()


def test_line_numbers_and_file_are_the_modules() -> None:
    shown = source(sliderepl.screen.markup.to_text)
    lines, first = inspect.getsourcelines(sliderepl.screen.markup.to_text)
    assert shown.first_line == first
    assert shown.last_line == first + len(lines) - 1
    assert shown.path == Path(sliderepl.screen.markup.__file__)


def test_class_and_method_source() -> None:
    assert repr(source(Command)).startswith("@dataclass(frozen=True)\n"
                                            "class Command:")
    assert repr(source(Command.number.fget)).lstrip().startswith(
        "@property"
    )
    # A property shows its getter.
    assert repr(source(Command.number)) == repr(source(Command.number.fget))


def test_whole_module_starts_at_line_one() -> None:
    shown = source(sliderepl.screen.markup)
    assert shown.first_line == 1
    assert shown.text == Path(sliderepl.screen.markup.__file__).read_text()


def test_objects_without_source_raise_a_named_type_error() -> None:
    with pytest.raises(TypeError, match="no source available for <built-in"):
        source(len)


def test_rich_draws_numbered_code_headed_by_its_location() -> None:
    shown = source(sliderepl.screen.markup.to_text)
    console = make_console(file=io.StringIO(), width=100)
    console.print(shown)
    lines = console.file.getvalue().splitlines()  # type: ignore[attr-defined]
    assert lines[0] == f"# {shown.location}"
    assert lines[1].split() == [str(shown.first_line), "def", "to_text("]
    assert lines[-1].split()[0] == str(shown.last_line)


def test_location_is_relative_to_the_working_directory(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    package = Path(sliderepl.screen.markup.__file__).parents[1]
    monkeypatch.chdir(package.parent)
    shown = source(sliderepl.screen.markup.to_text)
    assert shown.location.startswith("sliderepl/screen/markup.py:")


def test_source_is_a_plain_value_object() -> None:
    made = Source("x = 1\n", None, 1, "x")
    assert str(made) == "x = 1\n"
    assert made.location == "x"
