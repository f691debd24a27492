"""The tutorial installed as a tool: a wheel built from the checkout,
installed (not editable) into a fresh virtual environment, used from an
empty folder with no clone in sight.

The checkout's files (not its build/, egg-info or virtual environments)
are copied to a temporary folder and built there with
``pip wheel --no-deps`` (the build backend comes from PyPI or pip's
cache, as for any user); the wheel is installed with its dependencies
into a new venv.  Every command then runs in an empty folder, with that
venv's scripts first on PATH and nothing of the test environment
(PYTHONPATH, VIRTUAL_ENV, TUTORIAL_DB) leaking in.  How big the wheel is
and how long building and installing take: benchmarks/wheel.py.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.deckrun import ROOT

#: what a checkout holds that is no part of its source
NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv", "venv", "build", "dist", "*.egg-info", "__pycache__",
    ".pytest_cache", ".mypy_cache", ".ruff_cache", ".hypothesis",
)
BIN = "Scripts" if os.name == "nt" else "bin"
PACKAGE = "extending_sqlalchemy_decks"


@dataclass
class Installed:
    wheel: Path
    venv: Path
    site: Path  # the venv's site-packages
    cwd: Path  # an empty folder
    env: dict[str, str]

    def run(self, *args: str, timeout: float = 600
            ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            list(args), cwd=self.cwd, env=self.env, capture_output=True,
            text=True, timeout=timeout, stdin=subprocess.DEVNULL,
        )

    def python(self, *args: str) -> subprocess.CompletedProcess[str]:
        return self.run(str(self.venv / BIN / "python"), *args)

    def sliderepl(self, *args: str) -> subprocess.CompletedProcess[str]:
        return self.run(str(self.venv / BIN / "sliderepl"), *args)


def _ok(done: subprocess.CompletedProcess[str], what: str) -> None:
    assert done.returncode == 0, (
        f"{what}: exit {done.returncode}\n{done.stdout[-3000:]}\n"
        f"{done.stderr[-3000:]}"
    )


def build_wheel(source: Path, into: Path) -> Path:
    """Copy the checkout's source to ``into/src`` and build its wheel
    there (the clone itself gets no build/ or egg-info)."""
    src = into / "src"
    shutil.copytree(source, src, ignore=NOT_SOURCE)
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps",
         "--disable-pip-version-check", "-q", "-w", str(into / "dist"),
         str(src)],
        capture_output=True, text=True, timeout=900,
        stdin=subprocess.DEVNULL,
    )
    _ok(done, "pip wheel")
    (wheel,) = (into / "dist").glob("*.whl")
    return wheel


def clean_env(venv: Path, state: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "VIRTUAL_ENV", "TUTORIAL_DB",
                        "PYTHONHOME", "PYTHONSTARTUP")}
    env["PATH"] = str(venv / BIN) + os.pathsep + env.get("PATH", "")
    env["XDG_STATE_HOME"] = str(state)  # the learner's state, not ours
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    work = tmp_path_factory.mktemp("wheel")
    wheel = build_wheel(ROOT, work)
    venv = work / "venv"
    done = subprocess.run([sys.executable, "-m", "venv", str(venv)],
                          capture_output=True, text=True, timeout=300)
    _ok(done, "python -m venv")
    empty = work / "empty"
    empty.mkdir()
    env = clean_env(venv, work / "state")
    done = subprocess.run(
        [str(venv / BIN / "python"), "-m", "pip", "install", "-q",
         "--no-input", str(wheel)],
        cwd=empty, env=env, capture_output=True, text=True, timeout=900,
        stdin=subprocess.DEVNULL,
    )
    _ok(done, "pip install the wheel")
    site = subprocess.run(
        [str(venv / BIN / "python"), "-c",
         "import sysconfig; print(sysconfig.get_path('purelib'))"],
        cwd=empty, env=env, capture_output=True, text=True, timeout=60,
    ).stdout.strip()
    return Installed(wheel, venv, Path(site).resolve(), empty, env)


def _no_clone(text: str) -> None:
    assert str(ROOT) not in text, "the clone is used"


def test_the_wheel_carries_the_decks_and_no_top_level_config(
    installed: Installed,
) -> None:
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    for deck in ("part1.py", "part2.py", "part3.py", "_config.py",
                 "chapters/part3_session.py", "chapters/replicas.py",
                 "transcripts/part1.txt", "transcripts/part3.txt"):
        assert f"{PACKAGE}/{deck}" in names
    tops = {name.split("/")[0] for name in names}
    assert "_config.py" not in tops
    assert not any(top.startswith(("tests", "fuzz", "benchmarks"))
                   for top in tops)


def test_version_is_the_projects(installed: Installed) -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    done = installed.sliderepl("--version")
    _ok(done, "sliderepl --version")
    assert done.stdout.strip() == f"sliderepl {project['project']['version']}"


def test_everything_is_imported_from_the_venv(installed: Installed) -> None:
    done = installed.python("-c", f"""
import casestudies, sliderepl, workshop_db
from {PACKAGE} import _config
for module in (sliderepl, casestudies, workshop_db, _config):
    print(module.__file__)
try:
    import _config
except ImportError:
    print("no top-level _config")
""")
    _ok(done, "imports")
    lines = done.stdout.splitlines()
    assert lines[-1] == "no top-level _config"
    for path in lines[:-1]:
        assert Path(path).resolve().is_relative_to(installed.site), path


def test_list_names_the_three_packaged_decks(installed: Installed) -> None:
    done = installed.sliderepl("--list")
    _ok(done, "sliderepl --list")
    assert done.stdout.splitlines()[0] == f"{installed.site / PACKAGE}:"
    names = [line.split()[0] for line in done.stdout.splitlines()[1:]]
    assert names == ["part1", "part2", "part3"]


def test_the_menu_lists_the_decks_without_a_terminal(
    installed: Installed,
) -> None:
    done = installed.sliderepl()
    _ok(done, "sliderepl (menu, stdin at EOF)")
    listed = re.findall(r"^\s+\d\. .*\((part\d\.py)\)", done.stdout, re.M)
    assert listed == ["part1.py", "part2.py", "part3.py"]


def test_the_collection_adds_its_db_option(installed: Installed) -> None:
    done = installed.sliderepl("--help")
    _ok(done, "sliderepl --help")
    assert "--db URL" in done.stdout
    bad = installed.sliderepl("--run-all", "part1", "--db", "nonsense")
    assert bad.returncode == 2
    assert "--db" in bad.stderr and "Traceback" not in bad.stderr


@pytest.mark.parametrize("deck", ["part1", "part3"])
def test_a_packaged_deck_runs_by_name(installed: Installed,
                                      deck: str) -> None:
    done = installed.sliderepl("--run-all", deck)
    _ok(done, f"sliderepl --run-all {deck}")
    path = installed.site / PACKAGE / f"{deck}.py"
    assert f"sliderepl: {path}: " in done.stderr
    assert ", 0 failures" in done.stderr
    _no_clone(done.stdout + done.stderr)
    if deck == "part3":  # its chapters, included from chapters/
        for title in ("The Session in depth",
                      "Writes go to the primary"):
            assert re.search(rf"^=== \d+/\d+ {title} ===$", done.stdout,
                             re.M), title
    # a traceback a slide shows on purpose names the deck's own line,
    # not a run of "frames inside" site-packages
    assert f'File "{path}", line ' in done.stdout
    assert f"frames inside {PACKAGE}" not in done.stdout


def test_check_matches_the_packaged_transcript(installed: Installed) -> None:
    done = installed.sliderepl("check", "part1")
    _ok(done, "sliderepl check part1")
    assert "part1.py: matches part1.txt" in done.stdout


def test_a_recipe_runs_as_a_module(installed: Installed) -> None:
    done = installed.python("-m", "casestudies.audit_log")
    _ok(done, "python -m casestudies.audit_log")
    assert "checks passed on sqlite" in done.stdout
    _no_clone(done.stdout + done.stderr)
