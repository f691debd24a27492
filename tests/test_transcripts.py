"""Every deck's output matches its stored transcript (``sliderepl check``).

A changed slide output (a SQLAlchemy upgrade, an edited slide) fails here
with the unified diff; after checking the diff is right, record the new
output with ``sliderepl check --update DECK``.  Each deck runs in its own
process, on SQLite, as ``sliderepl check`` does from the command line.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sliderepl import cli
from sliderepl.tools import check

ROOT = Path(__file__).resolve().parent.parent
DECKS = Path(__file__).parent / "decks"

#: The project's decks (part*.py at the top) and the test decks whose
#: transcripts we keep.
CHECKED = sorted(ROOT.glob("part*.py")) + [
    DECKS / "basic.py",
    DECKS / "old_style.py",
    DECKS / "exercises.py",
]


def sliderepl(
    *args: str, cwd: Path = ROOT
) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("TUTORIAL_DB", None)
    return subprocess.run(
        [sys.executable, "-m", "sliderepl", *args],
        cwd=cwd, env=env, stdin=subprocess.DEVNULL,
        capture_output=True, text=True, timeout=300,
    )


@pytest.mark.parametrize("deck", CHECKED, ids=lambda p: p.name)
def test_deck_matches_its_transcript(deck: Path) -> None:
    # the diff is the failure message: it says which slide output moved
    done = sliderepl("check", str(deck))
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{deck.name}: matches" in done.stdout


def test_the_three_parts_have_transcripts() -> None:
    names = {p.name for p in ROOT.glob("part*.py")}
    assert {"part1.py", "part2.py"} <= names
    for name in names:
        assert check.transcript_path(ROOT / name).exists(), name


def test_changed_output_fails_with_a_diff_and_update_records_it(
    tmp_path: Path,
) -> None:
    deck = tmp_path / "deck.py"
    deck.write_text(
        "### slide::\n### title:: One\nx = 40 + 2\nx\n"
        "### slide::\n### title:: Two\nprint('hello', x)\n",
        encoding="utf-8",
    )
    missing = sliderepl("check", str(deck), cwd=tmp_path)
    assert missing.returncode == 1
    assert "no transcript" in missing.stderr
    assert sliderepl("check", "--update", "deck.py", cwd=tmp_path)\
        .returncode == 0
    stored = tmp_path / "transcripts" / "deck.txt"
    assert ">>> x\n42\n" in stored.read_text()
    assert sliderepl("check", "deck.py", cwd=tmp_path).returncode == 0

    deck.write_text(deck.read_text().replace("40 + 2", "40 + 3"))
    changed = sliderepl("check", "deck.py", cwd=tmp_path)
    assert changed.returncode == 1
    # a readable unified diff: old lines -, new lines +
    assert "--- " in changed.stdout and "+++ this run" in changed.stdout
    assert "\n-42\n" in changed.stdout and "\n+43\n" in changed.stdout
    assert "\n->>> x = 40 + 2\n+>>> x = 40 + 3\n" in changed.stdout
    assert "--update" in changed.stderr  # the verdict: an error


def test_a_failing_run_is_never_recorded(tmp_path: Path) -> None:
    deck = tmp_path / "deck.py"
    deck.write_text("### slide::\n1 / 0\n", encoding="utf-8")
    done = sliderepl("check", "--update", str(deck), cwd=tmp_path)
    assert done.returncode == 1
    assert "the run failed; transcript not updated" in done.stderr
    assert not (tmp_path / "transcripts").exists()


def test_transcript_option_names_the_file(tmp_path: Path) -> None:
    deck = tmp_path / "deck.py"
    deck.write_text("### slide::\nprint('hi')\n", encoding="utf-8")
    other = tmp_path / "elsewhere.txt"
    assert sliderepl("check", str(deck), "--update", "--transcript",
                     str(other)).returncode == 0
    assert "hi" in other.read_text()
    assert sliderepl("check", str(deck), "--transcript",
                     str(other)).returncode == 0


def test_normalise_masks_volatile_parts(tmp_path: Path) -> None:
    import sysconfig

    site = sysconfig.get_path("purelib")
    raw = "\n".join([
        "<Thing object at 0x7f3a2b4c5d60>",
        "SQL: [generated in 0.00012s] (1,)",
        "SQL: [cached since 3.5e-05s ago] (2,)",
        f"wrote {tmp_path}/tmpab12_xyz/data.db",
        f'  File "{tmp_path}/deck.py", line 12, in <module>',
        f'  File "{site}/sqlalchemy/sql/base.py", line 345, in f',
        "    ^^^^^^^^^",
        "",
    ])
    assert check.normalise(raw, (tmp_path,)) == "\n".join([
        "<Thing object at 0x...>",
        "SQL: [generated in ...s] (1,)",
        "SQL: [cached since ...s ago] (2,)",
        "wrote tmp.../data.db",
        '  File "deck.py", line 12, in <module>',
        '  File "<site-packages>/sqlalchemy/sql/base.py", line N, in f',
        "",
    ])


def test_a_file_named_like_a_subcommand_is_a_deck(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    assert cli.subcommand(["check", "deck.py"]) == "check"
    shutil.copy(DECKS / "basic.py", tmp_path / "check")
    assert cli.subcommand(["check"]) is None
    monkeypatch.delenv("TUTORIAL_DB", raising=False)
    assert cli.main(["check", "--run-all"]) == 0
    assert "=== 4/4 Last ===" in capsys.readouterr().out


def _compared(text: str) -> str:
    return check.comparable(check.normalise(text))


def test_tracebacks_compare_their_frames_not_how_a_version_quotes_them(
) -> None:
    # 3.11 quotes one line and its carets, 3.13 the statement's every
    # line; 3.12 inlines comprehensions, so a run of frames is shorter
    on_311 = "\n".join([
        ">>> boom()",
        "Traceback (most recent call last):",
        '  File "deck.py", line 3, in <module>',
        "    boom()",
        "  ... 4 frames inside sqlalchemy ...",
        '  File "<site-packages>/sqlalchemy/x.py", line 9, in f',
        "    cursor.execute(statement, parameters)",
        "ValueError: no",
        "    indented text of the message stays",
        "",
    ])
    on_313 = "\n".join([
        ">>> boom()",
        "Traceback (most recent call last):",
        '  File "deck.py", line 3, in <module>',
        "    boom()",
        "    ~~~~^^",
        "  ... 3 frames inside sqlalchemy ...",
        '  File "<site-packages>/sqlalchemy/x.py", line 9, in f',
        "    cursor.execute(",
        "    ...<2 lines>...",
        "    )",
        "ValueError: no",
        "    indented text of the message stays",
        "",
    ])
    assert _compared(on_311) == _compared(on_313)
    assert "ValueError: no" in _compared(on_311)
    assert "    indented text of the message stays" in _compared(
        on_313)
    # a different frame is still a difference
    assert _compared(on_311) != _compared(
        on_311.replace("line 3,", "line 4,"))


def test_an_overlay_holds_what_differs_on_this_python(
    tmp_path: Path,
) -> None:
    deck = tmp_path / "deck.py"
    deck.write_text(
        "### slide::\n### title:: Same\nprint('same everywhere')\n"
        "### slide::\n### title:: Version\nimport sys\n"
        "print('ran on', sys.version_info[:2] == (9, 9))\n"
        "### slide::\n### title:: After\nprint('after')\n",
        encoding="utf-8",
    )
    assert sliderepl("check", "--update", "deck.py", cwd=tmp_path)\
        .returncode == 0
    stored = tmp_path / "transcripts" / "deck.txt"
    # as if recorded on another Python, where slide 2 printed True
    stored.write_text(stored.read_text().replace("ran on False",
                                                 "ran on True"))
    differs = sliderepl("check", "deck.py", cwd=tmp_path)
    assert differs.returncode == 1 and "--this-python" in differs.stderr
    recorded = sliderepl("check", "--update", "--this-python", "deck.py",
                         cwd=tmp_path)
    assert recorded.returncode == 0, recorded.stderr
    overlay = check.overlay_path(stored)
    assert "(1 slide)" in recorded.stdout
    # only the slide that differs, nothing of the others
    assert "ran on False" in overlay.read_text()
    assert "same everywhere" not in overlay.read_text()
    assert "ran on True" in stored.read_text()  # the transcript stays
    assert sliderepl("check", "deck.py", cwd=tmp_path).returncode == 0
    # a slide added before it renumbers the rest: the overlay still holds
    deck.write_text("### slide::\n### title:: New\nprint('new')\n"
                    + deck.read_text())
    stored.write_text("=== 1/4 New ===\n>>> print('new')\nnew\n\n"
                      + stored.read_text().replace("/3 ", "/4 ")
                      .replace("=== 1/4", "=== 2/4", 1)
                      .replace("=== 2/4 Version", "=== 3/4 Version")
                      .replace("=== 3/4 After", "=== 4/4 After"))
    renumbered = sliderepl("check", "deck.py", cwd=tmp_path)
    assert renumbered.returncode == 0, renumbered.stdout
    # a change outside the overlaid slide is still caught
    deck.write_text(deck.read_text().replace("'after'", "'later'"))
    assert sliderepl("check", "deck.py", cwd=tmp_path).returncode == 1
    # with nothing left to differ, the overlay goes
    stored.write_text(stored.read_text().replace("ran on True",
                                                 "ran on False"))
    deck.write_text(deck.read_text().replace("'later'", "'after'"))
    assert sliderepl("check", "--update", "--this-python", "deck.py",
                     cwd=tmp_path).returncode == 0
    assert not overlay.exists()
    assert sliderepl("check", "--this-python", "deck.py",
                     cwd=tmp_path).returncode == 2
