"""workshop_db as a package: one-way imports, portability, type-clean."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

import workshop_db
from workshop_db import base, mariadb, postgresql

PACKAGE = Path(workshop_db.__file__).parent


def _imports(module: str) -> set[str]:
    tree = ast.parse((PACKAGE / f"{module}.py").read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            found.add(node.module or "")
            found.update(a.name for a in node.names if not node.module)
    return found


def test_arrows_point_one_way() -> None:
    # servers -> backends -> base; the base imports none of them.
    assert _imports("base") == set()
    assert _imports("postgresql") == {"base"}
    assert _imports("mariadb") == {"base"}
    assert "servers" not in _imports("postgresql") | _imports("mariadb")


def test_public_names() -> None:
    from workshop_db import SERVER_KINDS, resolve_url, shared_server

    assert SERVER_KINDS == ("postgresql", "mariadb")
    assert resolve_url("sqlite:///x.db") == "sqlite:///x.db"
    assert callable(shared_server)


def test_importing_the_package_loads_no_server_code() -> None:
    code = (
        "import sys, workshop_db; "
        "print(sorted(m for m in sys.modules if m.startswith('workshop_db')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True,
        check=True,
    ).stdout
    assert out.strip() == "['workshop_db', 'workshop_db.urls']"


def test_no_geteuid_means_not_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(os, "geteuid", raising=False)
    assert base.running_as_root() is False
    # The backends ask running_as_root(), never os.geteuid directly.
    assert postgresql.unavailable_reason() is None
    assert mariadb.unavailable_reason() is None


def test_process_ended_without_proc(monkeypatch: pytest.MonkeyPatch) -> None:
    real_open = open

    def no_proc(path, *args, **kw):  # type: ignore[no-untyped-def]
        if str(path).startswith("/proc/"):
            raise FileNotFoundError(path)
        return real_open(path, *args, **kw)

    monkeypatch.setattr("builtins.open", no_proc)
    monkeypatch.setattr(os.path, "isdir", lambda path: False)
    assert base.process_ended(os.getpid()) is False
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    assert base.process_ended(child.pid) is True


@pytest.mark.parametrize(
    ("platform", "expected"),
    [
        ("darwin", "brew install postgresql@15"),
        ("win32", "winget install PostgreSQL.PostgreSQL.15"),
        ("linux", "apt-get install -y postgresql"),
    ],
)
def test_install_hints(
    monkeypatch: pytest.MonkeyPatch, platform: str, expected: str
) -> None:
    monkeypatch.setattr(sys, "platform", platform)
    hint = base.install_hint(
        "postgresql", "postgresql@15", "PostgreSQL.PostgreSQL.15"
    )
    assert expected in hint


def test_mypy_strict() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental",
         str(PACKAGE)],
        capture_output=True, text=True, check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_ruff() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", str(PACKAGE)],
        capture_output=True, text=True, check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
