"""The deck menu shown by ``sliderepl`` with no deck (sliderepl.ui.menu)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from sliderepl.ui.menu import choose_deck, find_decks

ROOT = Path(__file__).resolve().parent.parent


def collection(folder: Path) -> Path:
    """A deck collection whose decks are its part*.py files."""
    (folder / "_config.py").write_text('DECKS = "part*.py"\n')
    return folder


def project(tmp_path: Path) -> Path:
    collection(tmp_path)
    (tmp_path / "part1.py").write_text(
        '"""Part 1: engines.  Run: python part1.py"""\n'
        "### slide::\nx = 1\n"
    )
    (tmp_path / "part2.py").write_text(
        "# no docstring\n### slide:: b\n###  * point\n"
    )
    (tmp_path / "part3.py").write_text('"""Not a deck: no slides."""\n')
    (tmp_path / "other.py").write_text('"""x"""\n### slide::\n')
    return tmp_path


def answers(*replies: str) -> Callable[[str], str]:
    queue = list(replies)

    def ask(prompt: str) -> str:
        if not queue:
            raise EOFError
        return queue.pop(0)

    return ask


def test_finds_part_files_with_slides_and_their_titles(
    tmp_path: Path,
) -> None:
    decks = find_decks(project(tmp_path))
    assert [(p.name, title) for p, title in decks] == [
        ("part1.py", "Part 1: engines."),
        ("part2.py", "part2"),
    ]


def test_choose_by_number_after_a_wrong_answer(tmp_path: Path) -> None:
    said: list[str] = []
    chosen = choose_deck(project(tmp_path), answers("9", "x", "2"),
                         said.append)
    assert chosen == tmp_path / "part2.py"
    assert said[:3] == [
        "Decks:",
        "  1. Part 1: engines.  (part1.py)",
        "  2. part2  (part2.py)",
    ]
    assert said.count("type a number from 1 to 2, or q") == 2


def test_q_and_end_of_input_quit(tmp_path: Path) -> None:
    assert choose_deck(project(tmp_path), answers("q"), print) is None
    assert choose_deck(project(tmp_path), answers(), print) is None


def test_no_decks_is_a_message(tmp_path: Path) -> None:
    said: list[str] = []
    assert choose_deck(collection(tmp_path), answers("1"),
                       said.append) is None
    assert said == [f"no decks (part*.py with '### slide::') in {tmp_path}"]


def test_sliderepl_without_a_deck_offers_the_menu(tmp_path: Path) -> None:
    env = {**os.environ, "XDG_STATE_HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "sliderepl"], input="q\n",
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "Open which deck?" in done.stdout
