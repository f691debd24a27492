"""The README's set-up command, run as written: in a copy of the tree (the
files git would clone), in a fresh shell with no virtual environment
active, on the machine's own ``python3``.  It must make ``.venv``,
install into it, pass ``ready.py`` and open the menu (stdin closed: the
menu ends quietly).  And CI runs the README's test command.

Slow (a real ``pip install`` into a new environment, about a minute).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def commands(section: str) -> list[str]:
    """The indented command lines under ``section``'s text."""
    start = README.index(section)
    part = README[start:README.index("\n## ", start + 1)]
    return [line[4:] for line in part.splitlines()
            if line.startswith("    ") and not line.startswith("     ")]


def test_the_readme_gives_posix_and_windows_forms() -> None:
    setup = commands("## Two commands")
    assert setup[0].startswith("python3 -m venv .venv && "
                               ". .venv/bin/activate && ")
    assert "pip install -e '.[servers]'" in setup[0]
    assert setup[1].startswith(r"py -m venv .venv; .venv\Scripts"
                               r"\Activate.ps1; ")
    assert "bash tests/run.sh" in setup


def test_ci_runs_the_readmes_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"^bash tests/run\.sh ", ci, re.M)
    assert "bash tests/run.sh" in commands("## Two commands")


def test_the_setup_command_works_in_a_fresh_copy(tmp_path: Path) -> None:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs git and a clone to copy from")
    files = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others",
         "--exclude-standard"], cwd=ROOT, capture_output=True, check=True,
    ).stdout.decode().split("\0")
    clone = tmp_path / "clone"
    for name in filter(None, files):
        source = ROOT / name
        if source.is_file():
            (clone / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, clone / name)
    # a fresh shell: no venv, no PYTHONPATH, the system's PATH
    env = {k: v for k, v in os.environ.items()
           if k in ("HOME", "LANG", "PIP_FIND_LINKS", "PIP_CERT",
                    "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL",
                    "PIP_DEFAULT_TIMEOUT")}
    env.update(PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:"
               "/sbin:/bin", XDG_STATE_HOME=str(tmp_path / "state"),
               PIP_DISABLE_PIP_VERSION_CHECK="1",
               PIP_ROOT_USER_ACTION="ignore")
    command = commands("## Two commands")[0]
    done = subprocess.run(
        ["bash", "--norc", "--noprofile", "-c", command], cwd=clone,
        env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
        timeout=900,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-3000:]
    assert (clone / ".venv" / "bin" / "sliderepl").exists()
    assert f"a virtual environment ({clone / '.venv'})" in done.stdout
    assert "\nREADY" in done.stdout
    assert "Open which deck?" in done.stdout
    assert "part1.py" in done.stdout
