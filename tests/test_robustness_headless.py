"""Issue 15, the cases without a terminal: hostile files and slides.

Each test runs the real command (``python -m sliderepl ...``) or the
function it calls, and asserts on what a user sees: a ``FILE:LINE:``
message and an exit status, never a traceback from the runner.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from sliderepl.deck.parser import load, parse
from sliderepl.deck.safe_files import python_lines
from sliderepl.run.headless import run_all
from sliderepl.run.options import Options
from sliderepl.teach import progress

ROOT = Path(__file__).resolve().parent.parent
#: a traceback line from the runner's own code
RUNNER_FRAME = re.compile(r'File "[^"]*sliderepl[/\\\\][^"]*\.py", line')


def cli(*args: str, cwd: Path, env: dict[str, str] | None = None,
        input: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sliderepl", *args], cwd=cwd, input=input,
        capture_output=True, text=True, timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
    )


def no_runner_traceback(done: subprocess.CompletedProcess[str]) -> None:
    both = done.stdout + done.stderr
    assert not RUNNER_FRAME.search(both), both
    assert "Traceback" not in done.stderr, done.stderr


# -- case 1: exit() with piped input -------------------------------------


@pytest.mark.parametrize("typed", ["exit()", "quit()", "raise SystemExit",
                                   "raise SystemExit(3)", "exit(5)"])
def test_exit_typed_with_piped_input_leaves_cleanly(
    tmp_path: Path, typed: str
) -> None:
    deck = tmp_path / "d.py"
    deck.write_text("### slide::\nx = 1\n### slide::\ny = 2\n")
    done = cli(str(deck), cwd=tmp_path, input=f"\n{typed}\nprint('LEFT')\n",
               env={"XDG_STATE_HOME": str(tmp_path / "state")})
    assert done.returncode == 0, done.stderr
    assert "LEFT" not in done.stdout  # the deck ended at exit()
    assert "closed file" not in done.stdout + done.stderr
    no_runner_traceback(done)


def test_sys_exit_in_a_slide_is_that_slides_failure(tmp_path: Path) -> None:
    deck = tmp_path / "d.py"
    deck.write_text("### slide::\nimport sys\nsys.exit(4)\n"
                    "### slide::\nprint('after', 6 * 7)\n")
    done = cli(str(deck), cwd=tmp_path, input="\n\n\n",
               env={"XDG_STATE_HOME": str(tmp_path / "state")})
    assert done.returncode == 0
    assert "SystemExit: 4" in done.stdout and "after 42" in done.stdout


# -- case 5: NUL bytes in ### file:: lines ----------------------------------


@pytest.mark.parametrize("command", [
    ["--run-all"], ["check"], ["export"], ["lint"], ["export", "--to", "py"],
])
def test_nul_in_an_include_is_file_line(tmp_path: Path,
                                        command: list[str]) -> None:
    deck = tmp_path / "d.py"
    deck.write_bytes(b"### slide::\nx = 1\n### file:: a\x00b.py\n")
    done = cli(*command, str(deck), cwd=tmp_path)
    assert f"{deck}:3: ### file:: 'a\\x00b.py'" in done.stderr + done.stdout
    assert "embedded null byte" not in done.stderr
    assert done.returncode != 0
    no_runner_traceback(done)


def test_nul_in_an_include_opening_the_deck(tmp_path: Path) -> None:
    deck = tmp_path / "d.py"
    deck.write_bytes(b"### slide::\nx = 1\n### file:: a\x00b.py\n")
    parsed = load(deck)
    assert [str(p) for p in parsed.problems] == [
        f"{deck}:3: ### file:: 'a\\x00b.py': a file name can't hold a NUL"
        " byte"]
    done = cli(str(deck), cwd=tmp_path, input="!q\n",
               env={"XDG_STATE_HOME": str(tmp_path / "state")})
    assert done.returncode == 0
    no_runner_traceback(done)


# -- case 6: state files with any JSON value ---------------------------------


GARBAGE = ['{"position": Infinity, "total": 3}', '{"position": NaN}',
           '{"position": 1e400, "total": 2}',
           '{"position": ' + "9" * 5000 + ', "total": 2}',
           '{"position": true, "total": 2}', '{"position": "2", "total": 2}',
           '{"position": [2], "total": {}}', '{"position": -5, "total": 2}']


@pytest.mark.parametrize("entry", GARBAGE)
def test_garbage_progress_is_ignored_with_a_warning(
    tmp_path: Path, entry: str, capsys: pytest.CaptureFixture[str]
) -> None:
    deck = tmp_path / "d.py"
    deck.write_text("### slide::\nx = 1\n")
    state = tmp_path / "state"
    env = {"XDG_STATE_HOME": str(state)}
    (state / "sliderepl").mkdir(parents=True)
    key = str(deck.resolve())
    (state / "sliderepl" / "progress.json").write_text(
        "{" + json.dumps(key) + ": " + entry + "}")
    assert progress.stopped_at(deck, env) is None
    assert progress.resume_offer(deck, 3, env) is None
    assert progress.menu_progress(deck, 3, env) == ""
    assert "ignoring" in capsys.readouterr().err
    # replaced on the next visit
    assert progress.record(deck, 2, 3, env)
    assert progress.stopped_at(deck, env).position == 2  # type: ignore


@pytest.mark.parametrize("field,value", [
    ("position", "Infinity"), ("total", "NaN"), ("at", "-Infinity"),
    ("started", "1e999"), ("target", "NaN"), ("notes", "7"),
    ("title", "[1, 2]"), ("deck", "3"),
])
def test_garbage_presenter_file_is_ignored(
    tmp_path: Path, field: str, value: str
) -> None:
    state = tmp_path / "state"
    (state / "sliderepl").mkdir(parents=True)
    good = {"deck": str(tmp_path / "d.py"), "position": 2, "total": 5,
            "at": 1.0, "started": 1.0, "target": None, "title": "t",
            "notes": [], "next": "", "exercise": []}
    text = json.dumps(good).replace(
        f'"{field}": {json.dumps(good[field])}', f'"{field}": {value}')
    assert value in text
    (state / "sliderepl" / "presenter.json").write_text(text)
    assert progress.presenter({"XDG_STATE_HOME": str(state)}) is None
    done = cli("notes", "--once", cwd=tmp_path,
               env={"XDG_STATE_HOME": str(state)})
    assert done.returncode in (0, 1), done.stderr
    assert "ignoring" in done.stderr
    no_runner_traceback(done)


def test_infinite_progress_does_not_stop_the_deck(tmp_path: Path) -> None:
    deck = tmp_path / "d.py"
    deck.write_text("### slide::\nx = 1\n")
    state = tmp_path / "state"
    (state / "sliderepl").mkdir(parents=True)
    (state / "sliderepl" / "progress.json").write_text(
        json.dumps({str(deck.resolve()): 0}).replace("0}", "{\"position\":"
                                                     " Infinity}}"))
    done = cli(str(deck), cwd=tmp_path, input="print(6 * 7)\n",
               env={"XDG_STATE_HOME": str(state)})
    assert done.returncode == 0 and "42" in done.stdout
    no_runner_traceback(done)


# -- case 7: Python's line ends, not str.splitlines' --------------------------


ODD = ["\f", "\u2028", "\u2029", "\x85", "\x0b", "\x1c", "\x1d", "\x1e"]


@pytest.mark.parametrize("char", ODD)
def test_odd_characters_stay_inside_lines(tmp_path: Path, char: str) -> None:
    text = (f"### slide::\nx = 'a{char}b'  # c{char}d\n\f\ny = 1\n"
            "1/0\n")
    with pytest.raises(ZeroDivisionError) as raised:
        exec(compile(text, "deck.py", "exec"), {})
    expected = raised.traceback[-1].lineno + 1
    deck = tmp_path / "deck.py"
    deck.write_text(text, encoding="utf-8", newline="")
    out, err = io.StringIO(), io.StringIO()
    assert run_all(load(deck), Options(), out, err) == 1
    assert f"{deck}:{expected}: slide 1: ZeroDivisionError" in err.getvalue()
    assert "SyntaxError" not in err.getvalue()
    assert "IndentationError" not in err.getvalue()


def test_python_lines_split_where_python_does() -> None:
    text = "a\rb\r\nc\nd\fe\u2028f\x85g\n"
    assert python_lines(text) == ["a", "b", "c", "d\fe\u2028f\x85g"]
    deck = parse("### slide::\n" + text.replace("a\r", "a = 1\r"),
                 Path("d.py"))
    assert deck.slides[0].blocks


# -- case 10: headless edges --------------------------------------------------


def test_symlink_loop_is_a_message(tmp_path: Path) -> None:
    (tmp_path / "a.py").symlink_to(tmp_path / "b.py")
    (tmp_path / "b.py").symlink_to(tmp_path / "a.py")
    for command in (["check"], ["export"], ["lint"], ["--run-all"], []):
        done = cli(*command, "a.py", cwd=tmp_path)
        assert done.returncode == 2, (command, done.stderr)
        assert "symbolic links" in done.stderr + done.stdout
        no_runner_traceback(done)


def test_export_to_a_folder_or_unwritable_place(tmp_path: Path) -> None:
    deck = tmp_path / "d.py"
    deck.write_text("### slide::\nx = 1\n")
    (tmp_path / "out").mkdir()
    for target in ("out", "/proc/no/such.md"):
        done = cli("export", "--to", "py", "d.py", "-o", target,
                   cwd=tmp_path)
        assert done.returncode == 2
        assert f"sliderepl export: can't write {target}" in done.stderr
        no_runner_traceback(done)


def test_check_transcript_folder(tmp_path: Path) -> None:
    deck = tmp_path / "d.py"
    deck.write_text("### slide::\nx = 1\n")
    (tmp_path / "t").mkdir()
    for extra in ([], ["--update"]):
        done = cli("check", "--transcript", "t", *extra, "d.py",
                   cwd=tmp_path)
        assert done.returncode == 2
        assert "t is a folder, not a transcript" in done.stderr
        no_runner_traceback(done)


@pytest.mark.parametrize("include,message", [
    ("nope.py", "can't include"), ("d.py", "include cycle")])
def test_export_says_when_includes_fail(tmp_path: Path, include: str,
                                        message: str) -> None:
    deck = tmp_path / "d.py"
    deck.write_text(f"### slide::\nx = 1\n### file:: {include}\n")
    for fmt in ("py", "md"):
        done = cli("export", "--to", fmt, "d.py", cwd=tmp_path)
        assert done.returncode == 1
        assert f"{deck}:3: {message}" in done.stderr


def test_os_exit_in_a_slide_still_gives_a_summary(tmp_path: Path) -> None:
    deck = tmp_path / "d.py"
    deck.write_text("### slide::\nimport os\nos._exit(7)\n"
                    "### slide::\nprint('two', 2)\n")
    done = cli("--run-all", "d.py", cwd=tmp_path)
    assert done.returncode == 1
    assert "two 2" in done.stdout
    assert "d.py:3: slide 1: " in done.stderr and "os._exit(7)" in \
        done.stderr
    assert "2 slides, 1 failure" in done.stderr


def test_os_exit_in_a_forked_child_still_exits(tmp_path: Path) -> None:
    deck = tmp_path / "d.py"
    deck.write_text("### slide::\nimport os\npid = os.fork()\n"
                    "if pid == 0:\n    os._exit(3)\n"
                    "print('child', os.waitstatus_to_exitcode("
                    "os.waitpid(pid, 0)[1]))\n")
    done = cli("--run-all", "d.py", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("child 3") == 1


def test_keyboard_interrupt_raised_by_a_slide_is_its_failure(
    tmp_path: Path
) -> None:
    deck = tmp_path / "d.py"
    deck.write_text("### slide::\nraise KeyboardInterrupt\n"
                    "### slide::\nprint('went on', 1)\n"
                    "### slide:: e\nraise KeyboardInterrupt\n")
    done = cli("--run-all", "d.py", cwd=tmp_path)
    assert done.returncode == 1
    assert "went on 1" in done.stdout
    assert "d.py:1: slide 1: raised KeyboardInterrupt (not Ctrl-C)" in \
        done.stderr
    assert "3 slides, 1 failure" in done.stderr


def test_include_chain_500_deep(tmp_path: Path) -> None:
    for n in range(500):
        (tmp_path / f"c{n}.py").write_text(
            f"### slide::\nx{n} = 1\n### file:: c{n + 1}.py\n")
    (tmp_path / "c500.py").write_text("### slide::\nend = 1\n")
    done = cli("--run-all", "c0.py", cwd=tmp_path)
    assert done.returncode == 1
    assert "RecursionError" not in done.stderr + done.stdout
    assert "c50.py:3: can't include" in done.stderr
    assert "nested more than 50 deep" in done.stderr


def test_fifo_as_the_deck_is_refused_without_blocking(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "f.py")
    for command in (["check"], ["export"], ["lint"], ["--run-all"], []):
        done = cli(*command, "f.py", cwd=tmp_path)  # timeout: 120 s
        assert done.returncode == 2
        assert "not a regular file" in done.stderr + done.stdout
        no_runner_traceback(done)
