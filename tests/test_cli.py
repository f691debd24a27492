"""The command line and the deck launcher, by exit status and output.

``main(argv)`` is called in-process; a few tests run ``python -m
sliderepl`` and a deck file in a subprocess with piped output (no tty).
"""

from __future__ import annotations

import os
import subprocess
import sys
import types
from pathlib import Path
from typing import Any

import pytest

from sliderepl import cli
from sliderepl.run.options import Options

ROOT = Path(__file__).resolve().parent.parent
DECKS = Path(__file__).parent / "decks"


def write(tmp_path: Path, text: str, name: str = "deck.py") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def python(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("TUTORIAL_DB", None)
    return subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_run_all_exit_status(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli.main(["--run-all", str(DECKS / "basic.py")]) == 0
    assert "=== 4/4 Last ===" in capsys.readouterr().out
    assert cli.main(["--run-all", str(DECKS / "broken.py")]) == 1
    err = capsys.readouterr().err
    assert f"{DECKS / 'broken.py'}:14: slide 3" in err


def test_unreadable_decks_exit_2_with_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["--run-all", str(tmp_path / "nope.py")]) == 2
    assert "nope.py: no such file or directory" in capsys.readouterr().err
    assert cli.main(["--run-all", str(tmp_path)]) == 2
    assert "is a folder" in capsys.readouterr().err
    bad = tmp_path / "latin1.py"
    bad.write_bytes(b"### slide::\nx = '\xe9'\n")
    assert cli.main(["--run-all", str(bad)]) == 2
    assert "can't read" in capsys.readouterr().err


def test_bad_usage_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--run-all"]) == 2
    assert "--run-all needs a DECK" in capsys.readouterr().err
    assert cli.main(["--start", "0", "deck.py"]) == 2
    assert cli.main(["--theme", "pink", "deck.py"]) == 2
    assert cli.main(["--help"]) == 0
    assert "--run-all" in capsys.readouterr().out


def test_db_option_sets_tutorial_db(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("TUTORIAL_DB", raising=False)
    path = write(
        tmp_path, "### slide::\nimport os\nos.environ['TUTORIAL_DB']\n"
    )
    url = f"sqlite:///{tmp_path / 'x.db'}"
    assert cli.main(["--db", url, "--run-all", str(path)]) == 0
    assert f"'{url}'" in capsys.readouterr().out
    assert os.environ["TUTORIAL_DB"] == url


def test_no_echo_and_short_reach_the_run(
    capsys: pytest.CaptureFixture[str],
) -> None:
    deck = str(DECKS / "basic.py")
    assert cli.main(["--run-all", "--no-echo", "--short", deck]) == 0
    out = capsys.readouterr().out
    assert "SQL:" not in out and "Long version only" not in out


def fake_ui(
    monkeypatch: pytest.MonkeyPatch, chosen: Path | None = None
) -> list[Any]:
    """Stand-ins for the REPL and the menu, recording their calls (the
    menu offers ``chosen`` once, then is quit)."""
    calls: list[Any] = []
    repl = types.ModuleType("sliderepl.ui.repl")
    repl.run_interactive = (  # type: ignore[attr-defined]
        lambda deck, options, from_menu=False, then=None: calls.append(
            ("repl", deck, options, from_menu)) or 0
    )
    menu = types.ModuleType("sliderepl.ui.menu")
    offers = [chosen]
    menu.choose_deck = (  # type: ignore[attr-defined]
        lambda folder: calls.append(("menu", folder)) or (
            offers.pop() if offers else None)
    )
    monkeypatch.setitem(sys.modules, "sliderepl.ui.repl", repl)
    monkeypatch.setitem(sys.modules, "sliderepl.ui.menu", menu)
    return calls


def test_interactive_mode_hands_deck_and_options_to_the_repl(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls = fake_ui(monkeypatch)
    deck = DECKS / "basic.py"
    argv = [str(deck), "--theme", "contrast", "--presentation", "--start",
            "2", "--no-echo", "--short"]
    assert cli.main(argv) == 0
    [(kind, parsed, options, from_menu)] = calls
    assert kind == "repl" and not from_menu
    assert parsed.path == deck and len(parsed.slides) == 4
    assert options == Options(
        deck=deck, short=True, presentation=True, theme="contrast",
        echo_sql=False, start=2,
    )


def test_no_deck_offers_the_menu(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls = fake_ui(monkeypatch, chosen=None)
    assert cli.main([]) == 0  # nothing chosen: leave quietly
    assert calls == [("menu", cli.PROJECT_DIR)]
    calls = fake_ui(monkeypatch, chosen=DECKS / "basic.py")
    assert cli.main([]) == 0
    # leaving the deck shows the menu again; quitting it ends the run
    assert [c[0] for c in calls] == ["menu", "repl", "menu"]
    assert calls[1][1].path == DECKS / "basic.py" and calls[1][3]


def test_missing_interactive_part_is_a_clear_message(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # None in sys.modules makes the import fail, as if not written yet
    monkeypatch.setitem(sys.modules, "sliderepl.ui.repl", None)
    assert cli.main([str(DECKS / "basic.py")]) == 2
    err = capsys.readouterr().err
    assert "sliderepl.ui.repl.run_interactive is not available" in err
    assert "--run-all" in err


def test_python_m_sliderepl_with_piped_output() -> None:
    done = python("-m", "sliderepl", "--run-all", "tests/decks/old_style.py")
    assert done.returncode == 0, done.stderr
    assert "total 3 counter 11" in done.stdout
    assert "\x1b[" not in done.stdout  # plain text, no escape codes
    failed = python("-m", "sliderepl", "--run-all", "tests/decks/broken.py")
    assert failed.returncode == 1
    assert "tests/decks/broken.py:14:" in failed.stderr


def test_run_all_imports_no_terminal_libraries() -> None:
    code = (
        "import sys\n"
        "from sliderepl.cli import main\n"
        "sys.stdout = open('/dev/null', 'w')\n"
        "main(['--run-all', 'tests/decks/old_style.py'])\n"
        "heavy = [m for m in sys.modules\n"
        "         if m.split('.')[0] in ('rich', 'prompt_toolkit')]\n"
        "print(heavy, file=sys.stderr)\n"
    )
    done = python("-c", code)
    assert done.stderr.strip().splitlines()[-1] == "[]"


def test_deck_file_launches_the_runner(tmp_path: Path) -> None:
    # ``python deck.py --run-all``: the preamble hands over and exits
    # with the runner's status; the rest of the file never runs as a
    # script (it would print "as a script")
    path = write(
        tmp_path,
        '"""A deck."""\n'
        "if __name__ == '__main__':\n"
        "    import sliderepl.launch\n"
        "    sliderepl.launch.deck(__file__)\n"
        "print('as a script')\n"
        "### slide::\nvalue = 40 + 2\nvalue\n",
    )
    done = python(str(path), "--run-all", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.endswith(">>> value\n42\n")
    assert "as a script" not in done.stdout
    failing = write(tmp_path, path.read_text() + "### slide::\n1/0\n", "f.py")
    assert python(str(failing), "--run-all", cwd=tmp_path).returncode == 1


def test_no_second_runner_when_slide_code_runs_a_deck(
    tmp_path: Path,
) -> None:
    # slide code runs another deck as __main__: its launch call does
    # nothing, so it runs as a plain script (its preamble prints)
    inner = write(
        tmp_path,
        "if __name__ == '__main__':\n"
        "    import sliderepl.launch\n"
        "    sliderepl.launch.deck(__file__)\n"
        "print('inner preamble')\n"
        "### slide::\nanswer = 42\n",
        "inner.py",
    )
    path = write(
        tmp_path,
        "### slide::\nimport runpy\n"
        f"ns = runpy.run_path({str(inner)!r}, run_name='__main__')\n"
        "ns['answer']\n",
    )
    done = python("-m", "sliderepl", "--run-all", str(path))
    assert done.returncode == 0, done.stderr
    assert "inner preamble\n" in done.stdout
    assert done.stdout.count("===") == 2  # one header: no nested run
    assert done.stdout.endswith("42\n")


def test_output_closed_early_is_not_a_crash(tmp_path: Path) -> None:
    # ``sliderepl --run-all deck | head -1``: no traceback, status 1.
    # The deck writes far more than a pipe holds, so the pipe surely
    # closes while the run goes on.
    path = write(
        tmp_path,
        "### slide::\n### title:: Old style decks\n"
        "for i in range(20000):\n    print('x' * 50)\n",
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run(
        f"{sys.executable} -m sliderepl --run-all {path}"
        " | head -1; exit ${PIPESTATUS[0]}",
        shell=True,
        executable="/bin/bash",
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.stdout == "=== 1/1 Old style decks ===\n"
    assert "Traceback" not in done.stderr
    assert "output closed" in done.stderr
    assert done.returncode == 1
