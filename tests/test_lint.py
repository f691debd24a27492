"""``sliderepl lint``: each kind of warning, and the exit status."""

from __future__ import annotations

from pathlib import Path

import pytest

from sliderepl import cli
from sliderepl.deck.parser import parse
from sliderepl.tools.lint import lint

ROOT = Path(__file__).resolve().parent.parent


def messages(text: str, width: int = 80, height: int = 24) -> list[str]:
    return [str(w) for w in lint(parse(text, Path("d.py")), width, height)]


def test_a_clean_slide_has_no_warnings() -> None:
    assert messages("### slide::\n### title:: Fine\nx = 1\n") == []


def test_each_kind_of_warning() -> None:
    found = messages(
        "### slide:: bq\n### title:: !!{nosuchstyle}Odd\nx = 1\n"
        "### slide::\nprint('untitled')\n"
        "### slide::\n### title:: Unclosed\ns = '''never closed\n"
        "### slide::\n### title:: !!{red}Red is fine !!{reset}ok\ny = 2\n",
    )
    assert found == [
        "d.py:8: SyntaxError: unterminated triple-quoted string literal "
        "(detected at line 8)",
        "d.py:1: slide 1 \"!!{nosuchstyle}Odd\": unknown flag 'q' "
        "(known: bpxisle)",
        "d.py:1: slide 1 \"!!{nosuchstyle}Odd\": unknown style "
        "!!{nosuchstyle} (shown as plain text)",
        "d.py:4: slide 2: no title",
    ]


def test_exercise_without_a_task() -> None:
    assert messages("### slide::\n### title:: T\n### hint:: h\n"
                    "### check:: True\n### solution:: pass\n") == [
        "d.py:3: slide 1 \"T\": exercise markup without an exercise:: "
        "line saying what to do"]


def test_too_tall_and_too_wide() -> None:
    long_line = "x = " + "1 + " * 30 + "1"
    code = "\n".join(f"v{i} = {i}" for i in range(30))
    found = messages(
        f"### slide::\n### title:: Tall\n{code}\n"
        f"### slide::\n### title:: Wide\n{long_line}\n",
        width=80, height=24,
    )
    assert len(found) == 2
    assert found[0].startswith("d.py:1: slide 1 \"Tall\": 33 lines tall, "
                               "the terminal shows 22 (height 24)")
    assert found[1].startswith("d.py:35: slide 2 \"Wide\": code line of "
                               f"{len(long_line)} characters")
    # a bigger terminal: fine
    assert messages(f"### slide::\n### title:: Tall\n{code}\n",
                    width=80, height=40) == []


def test_exit_status(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                     ) -> None:
    good = tmp_path / "good.py"
    good.write_text("### slide::\n### title:: Good\nx = 1\n")
    assert cli.main(["lint", str(good)]) == 0
    bad = tmp_path / "bad.py"
    bad.write_text("### slide:: z\nx = 1\n")
    assert cli.main(["lint", str(bad), "--width", "100",
                     "--height", "40"]) == 1
    out, err = capsys.readouterr()
    assert f"{bad}:1: slide 1: unknown flag 'z'" in out
    assert "2 warnings at 100x40" in err
    assert cli.main(["lint", str(tmp_path / "none.py")]) == 2
    assert cli.main(["lint", str(good), "--width", "3"]) == 2


@pytest.mark.parametrize("deck", sorted(ROOT.glob("part*.py")),
                         ids=lambda p: p.name)
def test_the_project_decks_fit_a_100x40_terminal(deck: Path) -> None:
    # the size the tmux tests and a projector at 1024x768 give
    from sliderepl.deck.parser import load

    assert [str(w) for w in lint(load(deck), 100, 40)] == []


@pytest.mark.parametrize("deck", sorted(ROOT.glob("part*.py")),
                         ids=lambda p: p.name)
def test_the_project_decks_have_no_unproven_claim(deck: Path) -> None:
    # issue 29: every sentence with an absolute word or a figure has a
    # ### claim:: with its proof (or a ### measured:: script) on its
    # slide; chapters are checked through the deck that includes them
    from sliderepl.deck.parser import load
    from sliderepl.tools.lint import unproven_claims

    loaded = load(deck)
    found = [str(w) for slide in loaded.setup + loaded.slides
             for w in unproven_claims(slide)]
    assert found == []


def test_require_notes_names_each_slide_without_one(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    deck = tmp_path / "d.py"
    deck.write_text("### slide::\n### title:: A\n### note:: say it\n"
                    "x = 1\n### slide::\n### title:: B\ny = 2\n")
    assert cli.main(["lint", str(deck)]) == 0  # off unless asked
    assert cli.main(["lint", str(deck), "--require-notes"]) == 1
    out = capsys.readouterr().out
    assert f"{deck}:5: slide 2: no speaker note" in out
    assert "slide 1:" not in out


@pytest.mark.parametrize("deck", sorted(ROOT.glob("part*.py")),
                         ids=lambda p: p.name)
def test_the_project_decks_fit_100x30_with_notes_on_every_slide(
        deck: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # issue 27: measured from a headless run (lint --size), chapters
    # through the deck that includes them; the collection asks for notes
    assert cli.main(["lint", str(deck), "--size", "100x30"]) == 0, \
        capsys.readouterr()
    captured = capsys.readouterr()
    assert "0 unproven claims" in captured.err
    assert "too tall" in captured.err and " 0 of " in captured.err
