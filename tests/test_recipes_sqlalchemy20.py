"""Each recipe copied alone runs on SQLAlchemy 2.0 LTS too.

The recipes' docstrings say "Requires: SQLAlchemy 2.0 or later", while
the tutorial itself installs 2.1.  This keeps the promise: a virtual
environment of this Python with only the newest 2.0 release (and the
asyncio extra and aiosqlite a recipe may ask for) runs every recipe's
demo alone, on SQLite, the way tests/test_recipes_alone.py runs them
on 2.1 (the same wrapper refuses this project's packages).

The environment is made once per test run (pip, from the package index
CI reaches); where it can't be made the tests skip, except in CI
(``TUTORIAL_REQUIRE_SERVERS=1``), where they fail.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import venv
from pathlib import Path

import pytest

from tests.test_recipes_alone import CASESTUDIES, RECIPES, WRAPPER, verdict

#: the LTS line the recipes promise; pip takes its newest release
SQLALCHEMY_20 = "SQLAlchemy[asyncio]>=2.0,<2.1"
REQUIRE = os.environ.get("TUTORIAL_REQUIRE_SERVERS") == "1"


@pytest.fixture(scope="module")
def python20(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("sqlalchemy20")
    venv.create(folder / "venv", with_pip=True)
    python = folder / "venv" / "bin" / "python"
    done = subprocess.run(
        [str(python), "-m", "pip", "install", "-q",
         "--disable-pip-version-check", SQLALCHEMY_20, "aiosqlite"],
        capture_output=True, text=True, timeout=600, check=False,
    )
    if done.returncode != 0:
        reason = f"could not install {SQLALCHEMY_20}: {done.stderr[-500:]}"
        if REQUIRE:
            pytest.fail(reason)
        pytest.skip(reason)
    return python


def _version(python: Path) -> str:
    return subprocess.run(
        [str(python), "-c",
         "import sqlalchemy; print(sqlalchemy.__version__)"],
        capture_output=True, text=True, check=True, timeout=60,
    ).stdout.strip()


def test_the_environment_has_sqlalchemy_20(python20: Path) -> None:
    assert _version(python20).startswith("2.0."), _version(python20)


@pytest.mark.parametrize("name", RECIPES)
def test_demo_runs_alone_on_sqlalchemy_20(
    tmp_path: Path, python20: Path, name: str
) -> None:
    folder = tmp_path / "empty"
    folder.mkdir()
    shutil.copy(CASESTUDIES / f"{name}.py", folder / f"{name}.py")
    env = {
        k: v for k, v in os.environ.items()
        if k not in ("TUTORIAL_DB", "DATABASE_URL", "PYTHONPATH",
                     "PYTHONSTARTUP", "VIRTUAL_ENV")
    }
    env["ALONE_ABSENT"] = ""
    done = subprocess.run(
        [str(python20), "-W", "error", "-c", WRAPPER, "strict", "run",
         f"{name}.py"],
        cwd=folder, env=env, capture_output=True, text=True, timeout=300,
        check=False,
    )
    assert verdict(done, name) == "sqlite"
