"""Each recipe copied alone into an empty folder, as a developer would.

For every module in ``casestudies/`` (found from the folder, so a new
recipe is covered without editing this file): copy the file alone into a
temporary folder and run ``import NAME`` and ``python NAME.py`` in a
subprocess whose import system refuses this project's packages
(``casestudies``, ``workshop_db``, ``sliderepl``).  In strict mode any
attempt to import them ends the process with status 97, even one the
recipe would catch; the ``--db postgresql`` fallback runs in the lenient
mode, where the refused import raises ``ModuleNotFoundError``.  A database
URL reaches the copy in ``DATABASE_URL``, never in its arguments: those
are in ``ps`` for every local user to read, and the URL carries the
server's password.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

CASESTUDIES = Path(__file__).resolve().parent.parent / "casestudies"
RECIPES = sorted(
    p.stem for p in CASESTUDIES.glob("*.py") if not p.name.startswith("_")
)
REFUSED = ("casestudies", "workshop_db", "sliderepl")

WRAPPER = f"""
import importlib, importlib.abc, os, runpy, sys
REFUSED = {REFUSED!r}
# third-party packages a test makes missing (they raise, in either mode)
ABSENT = tuple(filter(None, os.environ.get("ALONE_ABSENT", "").split(",")))
strict, mode, target = sys.argv[1:4]
class Refuse(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in ABSENT:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        if name.partition(".")[0] in REFUSED:
            if strict == "strict":
                sys.stderr.write(f"REFUSED IMPORT: {{name}}\\n")
                sys.stderr.flush()
                os._exit(97)
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        return None
sys.meta_path.insert(0, Refuse())
for loaded in [m for m in sys.modules if m.partition(".")[0] in REFUSED]:
    del sys.modules[loaded]
sys.argv = [target, *sys.argv[4:]]
if mode == "import":
    importlib.import_module(target)
else:
    runpy.run_path(target, run_name="__main__")
"""

VERDICT = re.compile(r"^(\w+): all (\d+) checks passed on (\w+)$")


def run_alone(
    tmp_path: Path, name: str, *args: str, mode: str = "run",
    strict: bool = True, absent: tuple[str, ...] = (),
    db: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run the copy; ``db`` (a URL) goes in ``DATABASE_URL``."""
    folder = tmp_path / "empty"
    folder.mkdir(exist_ok=True)
    shutil.copy(CASESTUDIES / f"{name}.py", folder / f"{name}.py")
    env = {
        k: v for k, v in os.environ.items()
        if k not in ("TUTORIAL_DB", "DATABASE_URL", "PYTHONPATH",
                     "PYTHONSTARTUP")
    }
    env["ALONE_ABSENT"] = ",".join(absent)
    if db is not None:
        env["DATABASE_URL"] = db
    target = name if mode == "import" else f"{name}.py"
    return subprocess.run(
        [sys.executable, "-W", "error", "-c", WRAPPER,
         "strict" if strict else "lenient", mode, target, *args],
        cwd=folder, env=env, capture_output=True, text=True, timeout=300,
        check=False,
    )


def verdict(done: subprocess.CompletedProcess[str], name: str) -> str:
    """The backend named by the last line, which must be a pass verdict."""
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    last = done.stdout.rstrip("\n").rsplit("\n", 1)[-1]
    match = VERDICT.match(last)
    assert match, f"last line is not a verdict: {last!r}"
    assert match.group(1) == name
    assert int(match.group(2)) > 0
    return match.group(3)


def test_every_recipe_is_found() -> None:
    # A renamed folder or glob would make every test below vanish.
    assert len(RECIPES) >= 13
    assert "audit_log" in RECIPES


@pytest.mark.parametrize("name", RECIPES)
def test_imports_alone_and_silently(tmp_path: Path, name: str) -> None:
    done = run_alone(tmp_path, name, mode="import")
    assert done.returncode == 0, done.stderr
    assert (done.stdout, done.stderr) == ("", "")


@pytest.mark.parametrize("name", RECIPES)
def test_demo_runs_alone_on_sqlite(tmp_path: Path, name: str) -> None:
    done = run_alone(tmp_path, name)
    assert verdict(done, name) == "sqlite"
    assert "SQL: " not in done.stdout  # no echo unless asked


@pytest.mark.parametrize("name", RECIPES)
def test_echo_shows_the_sql(tmp_path: Path, name: str) -> None:
    done = run_alone(tmp_path, name, "--echo")
    assert verdict(done, name) == "sqlite"
    echoed = [
        line for line in done.stdout.splitlines() if line.startswith("  SQL: ")
    ]
    assert any(
        re.search(r"\b(SELECT|INSERT|CREATE|UPDATE|DELETE)\b", line)
        for line in echoed
    ), done.stdout[-2000:]


#: Recipes whose demo needs more than one database URL, so they carry an
#: option the shared harness lacks: read_replicas takes ``--db PRIMARY
#: --replica REPLICA`` (or ``--db postgresql``: a throwaway primary and
#: streaming standby).  Their server runs are in their own tests
#: (tests/test_read_replicas.py, on a real pair); they still import
#: silently, run alone on SQLite, echo their SQL and end with the verdict.
TWO_URLS = ("read_replicas",)
ONE_URL = [name for name in RECIPES if name not in TWO_URLS]


@pytest.mark.backends("postgresql", "mariadb")
@pytest.mark.parametrize("name", ONE_URL)
def test_demo_runs_alone_on_a_server(
    tmp_path: Path, name: str, backend: str, db_url: str
) -> None:
    done = run_alone(tmp_path, name, db=db_url)
    assert verdict(done, name) == backend


# The harness is one block, the same in every file (test below): the
# command-line errors are checked on one recipe.


def test_server_kind_without_the_tutorial(tmp_path: Path) -> None:
    # What to do names what is really installable (the tutorial is on no
    # package index) and the command that hands out a URL.
    name = RECIPES[0]
    done = run_alone(tmp_path, name, "--db", "postgresql", strict=False)
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"{name}: --db postgresql needs the "), lines
    assert "pip install -e '.[servers]'" in lines[0]
    assert "python -m workshop_db serve postgresql" in lines[0]
    assert "DATABASE_URL" in lines[0]
    assert "pass a URL instead" in lines[0]
    assert "sqlalchemy-extending-tutorial" not in lines[0]


def test_the_url_comes_from_database_url(tmp_path: Path) -> None:
    name = RECIPES[0]
    target = tmp_path / "from_env.db"
    done = run_alone(tmp_path, name, db=f"sqlite:///{target}")
    assert verdict(done, name) == "sqlite"
    assert target.exists()  # the demo ran there, not in memory
    # --db wins over the variable.
    target.unlink()
    done = run_alone(tmp_path, name, "--db", "sqlite://",
                     db=f"sqlite:///{target}")
    assert verdict(done, name) == "sqlite"
    assert not target.exists()


@pytest.mark.parametrize("driver, module, install", [
    ("postgresql+psycopg", "psycopg", "pip install 'psycopg[binary]'"),
    ("mariadb+pymysql", "pymysql", "pip install PyMySQL"),
])
def test_a_missing_driver_gets_its_install_line(
    tmp_path: Path, driver: str, module: str, install: str
) -> None:
    name = RECIPES[0]
    url = f"{driver}://someone:hunter2@127.0.0.1:1/x"
    done = run_alone(tmp_path, name, db=url, absent=(module,))
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"{name}: DATABASE_URL {driver}://someone:***@")
    assert f"its driver {module} is not installed ({install})" in lines[0]
    assert "hunter2" not in done.stderr


def test_bad_db_is_one_line(tmp_path: Path) -> None:
    name = RECIPES[0]
    done = run_alone(tmp_path, name, "--db", "no-such-thing")
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr


def test_a_database_that_refuses_is_one_line_without_the_password(
    tmp_path: Path,
) -> None:
    # A port nobody listens on: the server is "down".  The user's own URL
    # carries a password, which must not reach the screen.
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"postgresql+psycopg://someone:hunter2@127.0.0.1:{port}/x"
    for name in (ONE_URL[0], "disconnects"):
        done = run_alone(tmp_path, name, db=url)
        assert done.returncode == 2, done.stdout + done.stderr
        assert done.stdout == ""
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1, done.stderr
        assert "can't connect" in lines[0]
        assert "hunter2" not in done.stderr
        assert "someone:***@" in lines[0]


def _harness(name: str) -> str:
    text = (CASESTUDIES / f"{name}.py").read_text()
    start = text.index("# -- demo harness:")
    return text[start:]


def test_the_demo_harness_is_one_block_everywhere() -> None:
    # Each file carries its own copy (it must work alone); the copies
    # must not drift apart.
    first = _harness(ONE_URL[0])
    for name in ONE_URL[1:]:
        assert _harness(name) == first, f"{name}.py: harness differs"


def test_the_index_lists_every_recipe() -> None:
    import casestudies

    index = casestudies.__doc__ or ""
    for name in RECIPES:
        assert f"casestudies.{name}" in index, name
    assert "workshop_db" in index


def _between(name: str, start: str, end: str) -> str:
    text = (CASESTUDIES / f"{name}.py").read_text()
    begin = text.index(start)
    return text[begin:text.index(end, begin)]


@pytest.mark.parametrize(
    ("copy", "original", "start", "end"),
    [
        # timestamps.py carries the utcnow recipe so that it works alone
        ("timestamps", "utcnow", "class utcnow(",
         "\n\n\ndef updated_at_column"),
        # contextual_defaults.py carries audit_log's column and cleanup
        ("contextual_defaults", "audit_log", "#: The ``Connection.info`` key",
         "\n\n\n# -- the ORM part"),
    ],
)
def test_repeated_recipe_parts_match_their_original(
    copy: str, original: str, start: str, end: str
) -> None:
    repeated = _between(copy, start, end)
    assert repeated in (CASESTUDIES / f"{original}.py").read_text()
    assert len(repeated) > 200  # the markers found a real block


@pytest.mark.parametrize("absent", [("greenlet",), ("aiosqlite",)])
def test_asyncio_recipe_without_its_extras_says_what_to_install(
    tmp_path: Path, absent: tuple[str, ...]
) -> None:
    """A plain ``pip install sqlalchemy`` has no greenlet (nor aiosqlite):
    the per-task recipe still imports, and its demo says what to install,
    in one line, before any part of it runs, instead of a traceback."""
    imported = run_alone(tmp_path, "contextual_sessions", mode="import",
                         absent=absent)
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout == imported.stderr == ""
    done = run_alone(tmp_path, "contextual_sessions", absent=absent)
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("contextual_sessions: ")
    assert "pip install" in lines[0] and absent[0] in lines[0], lines[0]
