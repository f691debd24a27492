"""The command line behaves like the tools people already use: a
``--version``, subcommands listed in ``--help``, "did you mean" for a
typo, errors on stderr with exit status 2 for bad usage.

Each test runs ``python -m sliderepl`` in a subprocess: real exit codes,
real streams.
"""

from __future__ import annotations

import shutil
from importlib import metadata
from pathlib import Path

import pytest

import sliderepl
from tests.test_transcripts import sliderepl as sliderepl_

DECKS = Path(__file__).parent / "decks"


def test_version_is_the_installed_distributions() -> None:
    done = sliderepl_("--version")
    assert done.returncode == 0, done.stderr
    expected = metadata.version("sqlalchemy-extending-tutorial")
    assert done.stdout == f"sliderepl {expected}\n"
    assert done.stderr == ""
    # the package's own version agrees with the distribution's
    assert sliderepl.__version__ == expected


def test_help_lists_each_subcommand_on_a_line() -> None:
    done = sliderepl_("--help")
    assert done.returncode == 0
    lines = done.stdout.splitlines()
    for word in ("check", "export", "lint", "notes"):
        mine = [line for line in lines
                if line.strip().startswith(f"sliderepl {word} ")]
        assert len(mine) == 1, (word, done.stdout)
        assert len(mine[0].split(None, 2)[2]) > 10  # says what it does
    assert "--version" in done.stdout


@pytest.mark.parametrize("typo,meant", [
    ("chek", "check"), ("exprt", "export"), ("lnt", "lint"),
    ("note", "notes"),
])
def test_a_misspelt_subcommand_is_suggested(typo: str, meant: str) -> None:
    done = sliderepl_(typo, "part1.py")
    assert done.returncode == 2
    assert done.stdout == ""
    assert f"did you mean `{meant}`?" in done.stderr
    assert "unrecognized arguments" not in done.stderr
    assert len(done.stderr.splitlines()) == 1


def test_a_deck_file_named_like_a_typo_stays_a_deck(tmp_path: Path) -> None:
    shutil.copy(DECKS / "basic.py", tmp_path / "chek")
    done = sliderepl_("chek", "--run-all", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "did you mean" not in done.stderr
    assert "=== 4/4 Last ===" in done.stdout


def test_a_word_far_from_every_subcommand_is_no_such_deck() -> None:
    done = sliderepl_("zzzzzz", "--run-all")
    assert done.returncode == 2
    assert "did you mean" not in done.stderr
    assert "can't read zzzzzz: no such file or directory, and no deck " \
        "of that name" in done.stderr


@pytest.mark.parametrize("args", [
    ["--bogus"], ["--theme", "pink", "part1.py"], ["--start", "0", "x.py"],
    ["--run-all"], ["check"], ["check", "--bogus", "part1.py"],
    ["export", "--to", "xx", "part1.py"], ["lint", "--width", "3",
                                            "part1.py"],
    ["notes", "--bogus"], ["check", "no/such.py"], ["lint", "no/such.py"],
    ["export", "no/such.py"], ["no/such.py", "--run-all"],
])
def test_bad_usage_is_exit_2_on_stderr(args: list[str]) -> None:
    done = sliderepl_(*args)
    assert done.returncode == 2, (args, done.stdout, done.stderr)
    assert done.stdout == "", args
    assert done.stderr.strip(), args
    assert "Traceback" not in done.stderr


def test_check_errors_are_on_stderr_and_the_diff_on_stdout(
    tmp_path: Path,
) -> None:
    deck = tmp_path / "deck.py"
    deck.write_text("### slide::\nprint(6 * 7)\n", encoding="utf-8")
    missing = sliderepl_("check", "deck.py", cwd=tmp_path)
    assert missing.returncode == 1
    assert missing.stdout == ""
    assert "no transcript" in missing.stderr
    assert sliderepl_("check", "--update", "deck.py", cwd=tmp_path)\
        .returncode == 0
    deck.write_text("### slide::\nprint(6 * 8)\n", encoding="utf-8")
    changed = sliderepl_("check", "deck.py", cwd=tmp_path)
    assert changed.returncode == 1
    assert "\n-42\n" in changed.stdout and "\n+48\n" in changed.stdout
    assert "output differs" in changed.stderr
    assert "output differs" not in changed.stdout


def test_lint_of_a_file_with_no_slides_warns(tmp_path: Path) -> None:
    done = sliderepl_("lint", "README.md")
    assert done.returncode == 1
    assert "README.md:1: no slides" in done.stdout
    notes = tmp_path / "notes.py"
    notes.write_text("print('not a deck')\n", encoding="utf-8")
    assert sliderepl_("lint", str(notes)).returncode == 1
    clean = tmp_path / "deck.py"
    clean.write_text("### slide::\n### title:: One\nx = 1\n",
                     encoding="utf-8")
    ok = sliderepl_("lint", str(clean))
    assert ok.returncode == 0, ok.stdout + ok.stderr


def test_start_beyond_the_deck_is_an_error() -> None:
    deck = str(DECKS / "basic.py")
    done = sliderepl_("--start", "999", "--run-all", deck)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == "sliderepl: --start 999: basic.py has 4 slides\n"
    last = sliderepl_("--start", "4", "--run-all", deck)
    assert last.returncode == 0, last.stderr
    assert "=== 4/4 Last ===" in last.stdout


def test_version_without_a_distribution_is_the_packages_own(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from sliderepl import cli

    monkeypatch.setattr(metadata, "packages_distributions", lambda: {})
    monkeypatch.setattr(sliderepl, "__version__", "9.9.9-own")
    assert cli.version() == "9.9.9-own"
