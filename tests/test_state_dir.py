"""The user state folder is the platform's own (platformdirs), and state
an older sliderepl left in ``~/.local/state/sliderepl`` is carried over
once.  Each test has a temporary HOME and no XDG variables; macOS is
platformdirs' real macOS rules, run here with that temporary HOME."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import platformdirs
import platformdirs.macos
import pytest

from sliderepl.run import state
from sliderepl.teach import progress

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HOME", str(tmp_path))
    for name in ("XDG_STATE_HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


@pytest.fixture
def macos(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(platformdirs, "PlatformDirs",
                        platformdirs.macos.MacOS)


def test_xdg_state_home_wins(home: Path) -> None:
    assert state.state_dir({"XDG_STATE_HOME": str(home / "s")}) == \
        home / "s" / "sliderepl"


@pytest.mark.skipif(not sys.platform.startswith("linux"),
                    reason="the Linux layout")
def test_linux_is_xdg_as_before(home: Path) -> None:
    assert state.state_dir() == home / ".local" / "state" / "sliderepl"
    assert state.native_state_dir() == state.old_state_dir()


def test_macos_state_goes_to_application_support(
    home: Path, macos: None, capsys: pytest.CaptureFixture[str],
) -> None:
    native = home / "Library" / "Application Support" / "sliderepl"
    assert state.state_dir() == native
    assert capsys.readouterr().err == ""  # nothing to carry over


def test_old_state_is_moved_once_and_said_in_one_line(
    home: Path, macos: None, capsys: pytest.CaptureFixture[str],
) -> None:
    deck = home / "deck.py"
    old = home / ".local" / "state"
    assert progress.record(deck, 3, 7, {"XDG_STATE_HOME": str(old)})
    native = home / "Library" / "Application Support" / "sliderepl"

    where = progress.stopped_at(deck)  # no XDG: the platform's place
    assert where is not None and where.position == 3
    err = capsys.readouterr().err
    assert err == (f"sliderepl: moved your state from {old / 'sliderepl'}"
                   f" to {native}\n")
    assert (native / progress.PROGRESS).exists()
    assert not (old / "sliderepl").exists()

    assert progress.record(deck, 5, 7)
    stopped = progress.stopped_at(deck)
    assert stopped is not None and stopped.position == 5
    assert capsys.readouterr().err == ""  # once only


def test_a_move_that_fails_copies(
    home: Path, macos: None, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    old = home / ".local" / "state" / "sliderepl"
    old.mkdir(parents=True)
    (old / "a.history").write_text("x = 1\n", encoding="utf-8")

    def cross_device(src: str, dst: str) -> None:
        raise OSError(18, "Invalid cross-device link")

    monkeypatch.setattr(state.shutil, "move", cross_device)
    native = state.state_dir()
    assert (native / "a.history").read_text(encoding="utf-8") == "x = 1\n"
    assert "copied your state" in capsys.readouterr().err
    state.state_dir()
    assert capsys.readouterr().err == ""


def test_an_unwritable_new_place_is_one_message_and_no_crash(
    home: Path, macos: None, capsys: pytest.CaptureFixture[str],
) -> None:
    (home / ".local" / "state" / "sliderepl").mkdir(parents=True)
    (home / "Library").write_text("a file where a folder should be")
    state.state_dir()
    state.state_dir()
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and "can't carry your state over" in err[0]


@pytest.mark.skipif(not sys.platform.startswith("linux"),
                    reason="the Linux layout")
def test_a_fresh_process_uses_its_homes_state_folder(
    tmp_path: Path,
) -> None:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("XDG_")}
    env.update(HOME=str(tmp_path), PYTHONPATH=str(ROOT))
    code = "from sliderepl.run.state import state_dir; print(state_dir())"
    done = subprocess.run([sys.executable, "-c", code], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"{tmp_path}/.local/state/sliderepl\n"
    assert done.stderr == ""
