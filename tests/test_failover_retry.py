"""The failover_retry recipe: what is retried, what is not, on every
backend; and the recipe run alone, as a user copies it."""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, exc

from casestudies import failover_retry
from tests.test_read_replicas import BLOCKER


def test_checks_pass_on_every_backend(
    db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    engine = create_engine(db_url, pool_pre_ping=True)
    try:
        with caplog.at_level(logging.WARNING, logger="failover_retry"):
            assert failover_retry.run_checks(engine) == 8
    finally:
        engine.dispose()
    retries = [r.getMessage() for r in caplog.records
               if r.name == "failover_retry"]
    # The disconnect, the idempotent commit, two reconnects that failed.
    assert len(retries) == 4, retries


def test_what_is_retryable(engine: Engine) -> None:
    assert not failover_retry.is_retryable(ValueError("not a DB error"))
    with engine.connect() as cx, pytest.raises(exc.DBAPIError) as syntax:
        cx.exec_driver_sql("SELEC nonsense")
    assert not failover_retry.is_retryable(syntax.value)
    with engine.connect() as cx:
        cx.connection.dbapi_connection.close()
        with pytest.raises(exc.DBAPIError) as gone:
            cx.exec_driver_sql("SELECT 1")
    assert gone.value.connection_invalidated
    assert failover_retry.is_retryable(gone.value)


def test_recipe_runs_alone(tmp_path: Path) -> None:
    copy = tmp_path / "failover_retry.py"
    shutil.copy(failover_retry.__file__, copy)
    done = subprocess.run(
        [sys.executable, "-W", "error", "-c", BLOCKER, str(copy)],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == (
        "failover_retry: all 8 checks passed on sqlite")
    assert "retry 1 of 4" in done.stderr
    imported = subprocess.run(
        [sys.executable, "-c", "import failover_retry"], cwd=tmp_path,
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert (imported.returncode, imported.stdout) == (0, "")
    done = subprocess.run(
        [sys.executable, "-c", BLOCKER, str(copy), "--db", "postgresql"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "needs the tutorial's clone" in done.stderr
