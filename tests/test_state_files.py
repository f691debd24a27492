"""Issue 31: the state folder attacked (sliderepl.run.state_files).

* A full disk: every Enter at ``>>>`` printed prompt_toolkit's
  ``Unhandled exception in event loop`` (the history write) and each
  progress save left a ``.tmp-*.json``.  Now one line says so, the
  history goes on in memory, no temporary file stays.  The full disk is
  real: a 16 KiB tmpfs, filled, mounted in a mount namespace of the
  program's own (``unshare -m``, so nothing outlives it).
* A FIFO as ``progress.json`` or ``presenter.json`` hung the REPL's start
  and ``sliderepl notes --once``: state files are read only when regular
  (and not huge).
* Two REPLs on one state folder lost each other's slides: progress is
  changed under a lock.
* The history was 0644: history and state files are 0600, the folder
  0700.
"""

from __future__ import annotations

import errno
import functools
import json
import os
import shlex
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from sliderepl.run import state_files
from sliderepl.teach import progress
from sliderepl.ui.history import history_path
from tests.tmuxterm import Tmux, program_env, sliderepl

ROOT = Path(__file__).resolve().parent.parent
BASIC = ROOT / "tests" / "decks" / "basic.py"

# A shell line: mount a 16 KiB tmpfs on $0, fill it, run the rest, then
# list what the program left in $0/sliderepl (only this namespace sees it).
FULL = (
    'mount -t tmpfs -o size=16k tmpfs "$0" && mkdir "$0/sliderepl" && '
    '{ dd if=/dev/zero of="$0/fill" bs=1k 2>/dev/null; true; } && '
    '"$@"; echo "LEFT: $(ls -A "$0/sliderepl")"'
)


@functools.cache
def unshare() -> list[str] | None:
    """How to get a mount namespace of our own here (root: ``-m``;
    others: with a user namespace, ``-rm``), or None."""
    if shutil.which("unshare") is None:
        return None
    for flags in (["-m"], ["-rm"]):
        try:
            done = subprocess.run(
                ["unshare", *flags, "sh", "-c",
                 "mount -t tmpfs -o size=16k tmpfs /mnt"],
                capture_output=True, timeout=30)
        except (OSError, subprocess.SubprocessError):
            continue
        if done.returncode == 0:
            return ["unshare", *flags]
    return None


def on_a_full_disk(state: Path, *command: str) -> list[str]:
    found = unshare()
    if found is None:
        pytest.skip("no mount namespace here (unshare -m needs root or "
                    "user namespaces): can't make a full disk")
    state.mkdir(parents=True, exist_ok=True)
    return [*found, "sh", "-c", FULL, str(state), *command]


def left_in(shown: str) -> list[str]:
    line = next(line for line in shown.splitlines()
                if line.startswith("LEFT:"))
    return line.split()[1:]


@pytest.fixture
def term(tmp_path: Path) -> Iterator[Tmux]:
    server = Tmux(program_env(tmp_path / "state"), width=100, height=40)
    yield server
    server.close()


def test_full_disk_in_the_repl_is_one_line(
    term: Tmux, tmp_path: Path
) -> None:
    command = on_a_full_disk(tmp_path / "state", sys.executable, "-m",
                             "sliderepl", str(BASIC), "--start", "1")
    window = term.start(shlex.join(command))
    term.wait_for(window, ">>>")
    term.type(window, "123457*7")
    term.wait_for(window, "864199")
    for slide in ("2 / 4", "3 / 4"):  # Enter steps on: progress saves
        term.type(window, "")
        term.wait_for(window, slide)
    term.type(window, "123457*8")
    term.wait_for(window, "987656")
    # the history goes on in memory: Up brings the line back
    term.key(window, "Up")
    term.key(window, "Enter")
    term.wait_for(window, "987656", count=2)
    shown = term.screen(window)
    assert "Unhandled exception" not in shown
    assert "Press ENTER" not in shown
    assert "Traceback" not in shown
    said = " ".join(shown.split())
    assert said.count("can't write to") == 1
    assert "No space left on device" in said
    term.key(window, "C-d")
    shown = term.wait_for(window, "LEFT:")
    left = left_in(shown)
    assert not [name for name in left if name.startswith(".tmp-")], left


SAVE = """\
import sys
from pathlib import Path
from sliderepl.teach import progress
deck = Path(sys.argv[1])
print([progress.record(deck, n, 9) for n in range(1, 6)])
print(progress.mark_exercise(deck, "x", "solved"))
"""


def test_full_disk_progress_saves_leave_nothing(tmp_path: Path) -> None:
    state = tmp_path / "state"
    command = on_a_full_disk(state, sys.executable, "-c", SAVE, str(BASIC))
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=60, cwd=ROOT,
        env=dict(os.environ, PYTHONPATH=str(ROOT),
                 XDG_STATE_HOME=str(state)))
    assert "[False, False, False, False, False]\nFalse\n" in done.stdout
    assert not [n for n in left_in(done.stdout) if n.startswith(".tmp-")]
    said = done.stderr.splitlines()
    assert said == [f"sliderepl: can't write to {state / 'sliderepl'} "
                    "(No space left on device); history and progress are "
                    "kept for this session only"]


def test_a_failed_save_removes_its_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The same without a mount: the rename fails as on a full disk."""
    env = {"XDG_STATE_HOME": str(tmp_path)}

    def full(src: object, dst: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(state_files, "_reported", set())
    monkeypatch.setattr(state_files.os, "replace", full)
    assert not progress.record(BASIC, 1, 4, env)
    assert not progress.record(BASIC, 2, 4, env)
    monkeypatch.undo()
    assert [p.name for p in (tmp_path / "sliderepl").iterdir()
            if p.name.startswith(".tmp-")] == []
    assert capsys.readouterr().err.count("can't write to") == 1
    assert progress.record(BASIC, 3, 4, env)  # room again: saved


# -- FIFOs and other things that are no state file ----------------------


def run(tmp_path: Path, *args: str, typed: str = "") -> \
        subprocess.CompletedProcess[str]:
    # the timeout only guards against the hang; the asserts are on output
    return subprocess.run(
        [sys.executable, "-m", "sliderepl", *args], input=typed,
        capture_output=True, text=True, timeout=60, cwd=ROOT,
        env=dict(os.environ, PYTHONPATH=str(ROOT),
                 XDG_STATE_HOME=str(tmp_path)))


def state_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "sliderepl"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_notes_once_with_a_fifo_as_presenter_file(tmp_path: Path) -> None:
    os.mkfifo(state_folder(tmp_path) / progress.PRESENTER)
    done = run(tmp_path, "notes", "--once")
    assert done.returncode == 1, done.stderr  # no presenter, as with none
    assert "waiting for the presenter" in done.stdout
    assert "presenter.json (is not a regular file)" in done.stderr


def alive(term: Tmux, window: str) -> str:
    term.wait_for(window, ">>>")
    term.type(window, "print('alive', 123457 * 7)")
    return term.wait_for(window, "alive 864199")


@pytest.mark.parametrize("name", [progress.PROGRESS, progress.PRESENTER])
def test_repl_starts_with_a_fifo_as_state_file(
    term: Tmux, tmp_path: Path, name: str
) -> None:
    fifo = state_folder(tmp_path / "state") / name
    os.mkfifo(fifo)
    window = term.start(sliderepl(str(BASIC)))
    shown = alive(term, window)
    if name == progress.PROGRESS:  # read at the start: said once
        assert " ".join(shown.split()).count("is not a regular file") == 1
    # the save on landing put a regular file in its place
    assert fifo.is_file()


def test_repl_starts_with_a_fifo_as_history(
    term: Tmux, tmp_path: Path
) -> None:
    path = history_path(BASIC, {"XDG_STATE_HOME": str(tmp_path / "state")})
    state_folder(tmp_path / "state")
    os.mkfifo(path)
    window = term.start(sliderepl(str(BASIC)))
    term.wait_for(window, "history not kept")
    alive(term, window)
    assert stat.S_ISFIFO(path.stat().st_mode)  # not ours to replace


def test_a_huge_progress_file_is_not_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = state_folder(tmp_path) / progress.PROGRESS
    with path.open("wb") as out:  # sparse: no disk used
        out.truncate(state_files.MAX_BYTES + 1)
    env = {"XDG_STATE_HOME": str(tmp_path)}
    monkey_reset_warnings()
    assert progress.learned(BASIC, env) is None
    assert "more than sliderepl writes" in capsys.readouterr().err


def monkey_reset_warnings() -> None:
    from sliderepl.run import state_values

    state_values._warned.clear()


# -- two REPLs on one state folder --------------------------------------

RECORD = """\
import sys, time
from pathlib import Path
from sliderepl.teach import progress
deck, start, go = Path(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
while time.time() < go:
    pass
for n in range(start, 120, 2):
    assert progress.record(deck, n, 120)
"""


def test_two_processes_keep_each_others_slides(tmp_path: Path) -> None:
    import time

    env = dict(os.environ, PYTHONPATH=str(ROOT),
               XDG_STATE_HOME=str(tmp_path))
    go = str(time.time() + 2)  # both start saving at the same moment
    savers = [subprocess.Popen([sys.executable, "-c", RECORD, str(BASIC),
                                str(start), go], env=env, cwd=ROOT)
              for start in (1, 2)]
    assert [p.wait(120) for p in savers] == [0, 0]
    done = progress.learned(BASIC, {"XDG_STATE_HOME": str(tmp_path)})
    assert done is not None
    assert set(range(1, 120)) - done.seen == set()


def test_a_lock_held_for_ever_does_not_hang_the_save(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import fcntl

    env = {"XDG_STATE_HOME": str(tmp_path)}
    lock = state_folder(tmp_path) / (progress.PROGRESS + ".lock")
    monkeypatch.setattr(state_files, "LOCK_WAIT", 0.2)
    with lock.open("w") as held:  # a REPL that hung holding it
        fcntl.flock(held, fcntl.LOCK_EX)
        assert progress.record(BASIC, 2, 4, env)  # saved without it
    done = progress.learned(BASIC, env)
    assert done is not None and done.seen == {2}


# -- modes ----------------------------------------------------------------


def test_history_and_state_files_are_the_users_alone(
    term: Tmux, tmp_path: Path
) -> None:
    state = tmp_path / "state"
    path = history_path(BASIC, {"XDG_STATE_HOME": str(state)})
    window = term.start(shlex.join(
        ["sh", "-c", "umask 022; exec " + sliderepl(str(BASIC))]))
    term.wait_for(window, ">>>")
    term.type(window, "url = 'postgresql://u:secret@h/db'")
    term.type(window, "!quit")
    term.wait_for(window, "EXITED 0")
    assert "secret" in path.read_text()  # what the mode protects
    folder = state / "sliderepl"
    modes = {p.name: stat.S_IMODE(p.stat().st_mode)
             for p in folder.iterdir()}
    assert modes.pop(path.name) == 0o600
    assert modes.pop(progress.PROGRESS) == 0o600
    assert set(modes.values()) <= {0o600}, modes
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700


def test_an_old_open_history_and_folder_are_tightened(
    term: Tmux, tmp_path: Path
) -> None:
    state = tmp_path / "state"
    path = history_path(BASIC, {"XDG_STATE_HOME": str(state)})
    state_folder(state).chmod(0o755)
    path.write_text("\n# then\n+x = 1\n")
    path.chmod(0o644)
    window = term.start(sliderepl(str(BASIC)))
    term.wait_for(window, ">>>")
    term.type(window, "y = 2")
    term.type(window, "!quit")
    term.wait_for(window, "EXITED 0")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert "+x = 1\n" in path.read_text() and "+y = 2\n" in path.read_text()


def test_new_progress_file_mode(tmp_path: Path) -> None:
    env = {"XDG_STATE_HOME": str(tmp_path / "new")}
    assert progress.record(BASIC, 1, 4, env)
    saved = tmp_path / "new" / "sliderepl" / progress.PROGRESS
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    assert stat.S_IMODE(saved.parent.stat().st_mode) == 0o700
    assert json.loads(saved.read_text())[str(BASIC.resolve())]["seen"] == [1]


def test_copied_slide_code_is_the_users_alone(tmp_path: Path) -> None:
    from sliderepl.ui.clipboard import copy

    done = copy("x = 1\n", "deck-1", None, {"XDG_STATE_HOME": str(tmp_path)},
                lambda name: None)
    assert done.path is not None and done.path.read_text() == "x = 1\n\n"
    assert stat.S_IMODE(done.path.stat().st_mode) == 0o600
    for folder in (done.path.parent, done.path.parent.parent):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
