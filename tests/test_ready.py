"""ready.py, run as a user runs it: exit status and checklist lines."""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

from workshop_db.servers import free_port

READY = Path(__file__).resolve().parent.parent / "ready.py"


def run_ready(*args: str, env: dict[str, str] | None = None,
              python: list[str] | None = None) -> tuple[int, str]:
    done = subprocess.run(
        (python or [sys.executable, str(READY)]) + list(args),
        capture_output=True, text=True, timeout=120,
        # a developer's own DATABASE_URL would add a database to check
        env={**{k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
             **(env or {})},
    )
    return done.returncode, done.stdout + done.stderr


def line_with(output: str, needle: str) -> tuple[str, str]:
    """The checklist line containing ``needle``, and the line after it."""
    lines = output.splitlines()
    for number, line in enumerate(lines):
        if needle in line:
            following = lines[number + 1] if number + 1 < len(lines) else ""
            return line, following
    raise AssertionError(f"no line with {needle!r} in:\n{output}")


def test_this_machine_is_ready_and_output_is_plain_in_a_pipe() -> None:
    status, output = run_ready()
    assert status == 0, output
    assert output.rstrip().splitlines()[-1].startswith("READY")
    assert line_with(output, "SQLAlchemy 2.1")[0].split()[0] == "OK"
    assert line_with(output, "Python 3.")[0].split()[0] == "OK"
    # Not a terminal: a warning (optional), and no escape codes.
    assert line_with(output, "not a terminal")[0].split()[0] == "WARN"
    assert "\033[" not in output


def test_a_url_that_cannot_connect_fails_with_a_fix() -> None:
    url = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/x"
    status, output = run_ready(url)
    assert status == 1
    line, fix = line_with(output, "cannot connect")
    assert line.split()[0] == "FAIL" and "refused" in line.lower()
    assert fix.strip().startswith("fix:")
    assert "Traceback" not in output
    assert output.rstrip().splitlines()[-1].startswith("NOT READY")


def test_a_malformed_url_fails_without_a_traceback() -> None:
    status, output = run_ready("nonsense://")
    assert status == 1
    assert line_with(output, "nonsense://")[0].split()[0] == "FAIL"
    assert "Traceback" not in output
    # One that may hold a password is not shown.
    status, output = run_ready(env={"DATABASE_URL": "bad:hunter2@x"})
    assert status == 1
    line, _ = line_with(output, "not a database URL")
    assert line.split()[0] == "FAIL" and "hunter2" not in output


def test_the_fixture_database_answers(db_url: str, backend: str) -> None:
    # The URL (with its password) in DATABASE_URL: arguments are in ps.
    status, output = run_ready(env={"DATABASE_URL": db_url})
    assert status == 0, output
    assert "Database in DATABASE_URL:" in output
    line, _ = line_with(output, "answers")
    assert line.split()[0] == "OK"
    expected = {"sqlite": "sqlite", "postgresql": "postgresql 15",
                "mariadb": "mariadb 10."}[backend]
    assert expected in line


def test_without_sqlalchemy_it_reports_instead_of_crashing() -> None:
    # A None entry in sys.modules makes "import sqlalchemy" fail.
    hide = (
        "import runpy, sys; sys.modules['sqlalchemy'] = None; "
        f"sys.argv = [{str(READY)!r}, 'sqlite://']; "
        f"runpy.run_path({str(READY)!r}, run_name='__main__')"
    )
    status, output = run_ready(python=[sys.executable, "-c", hide])
    assert status == 1
    line, fix = line_with(output, "SQLAlchemy not installed")
    assert line.split()[0] == "FAIL"
    assert "pip install -e ." in fix
    assert line_with(output, "sqlite://")[0].split()[0] == "FAIL"
    assert "Traceback" not in output


def run_in_pty(columns: int, rows: int, env: dict[str, str]) -> str:
    """ready.py's output in a pseudo-terminal of the given size."""
    leader, follower = pty.openpty()
    fcntl.ioctl(
        follower, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0)
    )
    env = {**os.environ, "TERM": "xterm-256color", **env}
    env.pop("COLUMNS", None)
    env.pop("LINES", None)
    process = subprocess.Popen(
        [sys.executable, str(READY)], stdin=follower, stdout=follower,
        stderr=follower, env=env, close_fds=True,
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    process.wait(timeout=60)
    os.close(leader)
    return b"".join(chunks).decode("utf-8", "replace")


def test_in_a_terminal_it_checks_size_and_colour() -> None:
    env = {"LANG": "C.UTF-8", "PYTHONIOENCODING": "utf-8"}
    env_no_colour = {**env, "NO_COLOR": "1"}
    coloured = run_in_pty(120, 40, {k: v for k, v in env.items()})
    assert "terminal 120x40" in coloured
    assert "\033[32mOK" in coloured
    small = run_in_pty(60, 20, env_no_colour)
    line, note = line_with(small, "terminal 60x20")
    assert line.split()[0] == "WARN" and "80x24" in note
    assert "\033[" not in small
    assert "NO_COLOR" in small


def hidden(module: str, ready: Path = READY) -> list[str]:
    """A ``python -c`` that runs ``ready`` with ``module`` unimportable."""
    return [sys.executable, "-c",
            f"import runpy, sys; sys.modules[{module!r}] = None; "
            f"sys.argv = [{str(ready)!r}]; "
            f"runpy.run_path({str(ready)!r}, run_name='__main__')"]


def test_a_missing_driver_suggests_the_servers_extra() -> None:
    status, output = run_ready(python=hidden("psycopg"))
    assert status == 0, output  # drivers are optional
    line, note = line_with(output, "psycopg not installed")
    assert line.split()[0] == "WARN"
    assert "python -m pip install -e '.[servers]'" in note
    assert "pip install 'psycopg" not in note  # not package by package
    # The server line names the driver too: what a pip index really has.
    _, why = line_with(output, "cannot start a postgresql server")
    assert "pip install 'psycopg[binary]'" in why


def test_outside_a_clone_it_names_the_drivers(tmp_path: Path) -> None:
    # The tutorial is on no package index: away from its clone the fix
    # names the drivers themselves, which are.
    alone = tmp_path / "ready.py"
    alone.write_text(READY.read_text(encoding="utf-8"), encoding="utf-8")
    status, output = run_ready(python=hidden("pymysql", alone))
    _, note = line_with(output, "PyMySQL not installed")
    assert "pip install 'psycopg[binary]' PyMySQL aiomysql" in note
    assert "sqlalchemy-extending-tutorial" not in output
    assert "-e '.[servers]'" not in note


def test_outside_a_virtual_environment_it_says_how_to_make_one() -> None:
    base = getattr(sys, "_base_executable", sys.executable)
    if sys.prefix == sys.base_prefix:
        pytest.skip("the tests run outside a virtual environment")
    status, output = run_ready(python=[base, str(READY)])
    line, note = line_with(output, "not in a virtual environment")
    assert line.split()[0] == "WARN"
    assert "python3 -m venv .venv && . .venv/bin/activate" in note
    assert "Traceback" not in output
