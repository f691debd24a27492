"""Lines typed at the prompt parsed into commands (sliderepl.ui.commands)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sliderepl.deck.model import Slide
from sliderepl.ui.commands import (
    BadCommand,
    Command,
    Match,
    find_slide,
    help_rows,
    parse,
)


@pytest.mark.parametrize(
    "line, expected",
    [
        ("!next", Command("next")),
        ("!n", Command("next")),
        ("  !n  ", Command("next")),
        ("!prev", Command("prev")),
        ("!p", Command("prev")),
        ("!goto 3", Command("goto", "3")),
        ("!g 3", Command("goto", "3")),
        ("!g   connection pools ", Command("goto", "connection pools")),
        ("!show 2", Command("show", "2")),
        ("!s 2", Command("show", "2")),
        ("!info", Command("info")),
        ("!i", Command("info")),
        ("!rerun", Command("rerun")),
        ("!r", Command("rerun")),
        ("!presentation", Command("presentation")),
        ("!pr", Command("presentation")),
        ("!rreallyrerun", Command("rreallyrerun")),
        ("!rr", Command("rreallyrerun")),
        ("!quit", Command("quit")),
        ("!q", Command("quit")),
        ("?", Command("help")),
        ("!toc", Command("toc")),
        ("!echo", Command("echo")),
        ("!reset", Command("reset")),
        ("!theme contrast", Command("theme", "contrast")),
        ("!theme", Command("theme")),
        ("!NEXT", Command("next")),
    ],
)
def test_commands_and_aliases(line: str, expected: Command) -> None:
    assert parse(line) == expected


@pytest.mark.parametrize(
    "line",
    ["x = 1", "", "   ", "print('!n')", "a != b", "#!n", "x ?= 1", "help()"],
)
def test_python_is_not_a_command(line: str) -> None:
    assert parse(line) is None


@pytest.mark.parametrize(
    "line, message",
    [
        ("!foo", "unknown command !foo; ? lists commands"),
        ("!", "a command goes right after '!'; ? lists commands"),
        ("!goto", "!goto needs a slide number: !goto 3"),
        ("!show", "!show needs a slide number: !show 3"),
        ("!show pools", "!show needs a slide number, not 'pools'"),
        ("!next 3", "!next takes no argument"),
    ],
)
def test_bad_commands_get_a_message(line: str, message: str) -> None:
    assert parse(line) == BadCommand(message)


def test_goto_argument_is_a_number_when_it_is_one() -> None:
    assert Command("goto", "12").number == 12
    assert Command("goto", "pools").number is None


def _slides(*titles: str | None) -> list[Slide]:
    return [
        Slide(Path("d.py"), i * 10, title=t, number=i)
        for i, t in enumerate(titles, 1)
    ]


SLIDES = _slides(
    "Engines", "Connection **Pools**", None, "Pools under load", "pools"
)


def test_find_by_number_inside_and_outside_the_deck() -> None:
    assert find_slide("2", SLIDES) == Match(2)
    assert find_slide("9", SLIDES) == "no slide 9: the deck has slides 1 to 5"
    assert find_slide("0", SLIDES) == "no slide 0: the deck has slides 1 to 5"


def test_find_by_words_first_match_reports_the_others() -> None:
    # Markup is ignored when matching; case does not matter.
    assert find_slide("connection POOLS", SLIDES) == Match(2)
    assert find_slide("load pools", SLIDES) == Match(4)
    assert find_slide("engine", SLIDES) == Match(1)


def test_find_exact_title_wins_over_earlier_partial_matches() -> None:
    assert find_slide("pools", SLIDES) == Match(5)


def test_find_ambiguous_words_report_other_matches() -> None:
    slides = _slides("Pools one", "Pools two", "Other")
    assert find_slide("pools", slides) == Match(1, (2,))


def test_find_nothing_is_a_message() -> None:
    assert (
        find_slide("sharding", SLIDES)
        == "no slide title contains 'sharding'; !toc lists them"
    )


def test_help_lists_every_command_with_aliases() -> None:
    usages = [usage for usage, _ in help_rows()]
    assert "!goto, !g N|WORDS" in usages
    assert "!help, ?" in usages
    assert "!theme NAME" in usages
    assert usages[-1] == "Enter"
