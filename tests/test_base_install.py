"""Every deck runs on a plain install: no slide needs an optional driver.

The real check is ``.ci/base_install`` (a fresh virtual environment,
``pip install .`` with no extras, every deck headless and checked), which
CI runs.  Here the same claim is checked in the test environment, where
the drivers are installed, by making them impossible to import: a deck
that imports psycopg, PyMySQL or aiomysql on SQLite fails exactly as it
would for a learner who followed the README.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.deckrun import ROOT, passed

#: The drivers of the ``servers`` extra.
OPTIONAL = ("psycopg", "pymysql", "aiomysql")

BLOCKER = f"""
import sys
from importlib.abc import MetaPathFinder

class NotInstalled(MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {OPTIONAL!r}:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        return None

sys.meta_path.insert(0, NotInstalled())
import runpy
sys.argv = ["sliderepl", "--run-all", sys.argv[1]]
runpy.run_module("sliderepl", run_name="__main__")
"""

DECKS = sorted(ROOT.glob("part*.py"))


def test_the_blocker_blocks() -> None:
    # Without this, a broken blocker would pass every deck below.
    done = subprocess.run(
        [sys.executable, "-c", BLOCKER.split("import runpy")[0]
         + "import psycopg"],
        capture_output=True, text=True, timeout=60,
    )
    assert "No module named 'psycopg'" in done.stderr


@pytest.mark.parametrize("deck", DECKS, ids=lambda p: p.name)
def test_deck_runs_without_optional_drivers(deck) -> None:
    env = {k: v for k, v in os.environ.items() if k != "TUTORIAL_DB"}
    done = subprocess.run(
        [sys.executable, "-W", "error", "-c", BLOCKER, str(deck)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
        stdin=subprocess.DEVNULL,
    )
    passed(done, deck.name)
    assert "ModuleNotFoundError" not in done.stdout
    assert "ResourceWarning" not in done.stderr


def test_ci_runs_the_base_install_step() -> None:
    # The fresh-venv check exists and CI calls it.
    step = ROOT / ".ci" / "base_install"
    assert step.exists()
    text = step.read_text(encoding="utf-8")
    assert "pip install" in text and "--run-all" in text and " check " in text
    assert "bash .ci/base_install" in (ROOT / ".ci" / "run").read_text(
        encoding="utf-8"
    )
