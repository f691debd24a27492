"""The read_replicas recipe: routing, read-your-writes, the primary
option and the fallback, on SQLite files and on a real PostgreSQL primary
with a streaming standby."""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Integer, String, create_engine, event, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from casestudies import read_replicas
from casestudies.read_replicas import RoutingSession

RECIPE = Path(read_replicas.__file__)


class Base(DeclarativeBase):
    pass


class Item(Base):
    __tablename__ = "routed_item"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(20))


def test_demo_passes_on_sqlite(capsys: pytest.CaptureFixture[str]) -> None:
    assert read_replicas.main([]) == 0
    out = capsys.readouterr().out
    assert "a copy of one onto the other stands in for replication" in out
    assert out.splitlines()[-1] == (
        "read_replicas: all 11 checks passed on sqlite")


BLOCKER = """
import runpy, sys
class Refuse:
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in {'casestudies', 'workshop_db', 'sliderepl',
                                  'tests'}:
            raise ImportError(f'blocked: {name}')
sys.meta_path.insert(0, Refuse())
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name='__main__')
"""


def run_alone(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    copy = tmp_path / "read_replicas.py"
    shutil.copy(RECIPE, copy)
    return subprocess.run(
        [sys.executable, "-W", "error", "-c", BLOCKER, str(copy), *args],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
    )


def test_recipe_runs_alone_in_an_empty_folder(tmp_path: Path) -> None:
    done = run_alone(tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == (
        "read_replicas: all 11 checks passed on sqlite")
    # The fallback says so on stderr, through logging.
    assert "WARNING: replica unavailable" in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["read_replicas.py"]


def test_alone_without_the_workshop_package_postgresql_exits_2(
    tmp_path: Path,
) -> None:
    done = run_alone(tmp_path, "--db", "postgresql")
    assert done.returncode == 2
    assert "needs the workshop package" in done.stderr


def test_a_server_url_without_a_replica_exits_2(tmp_path: Path) -> None:
    done = run_alone(tmp_path, "--db", "postgresql+psycopg://u@127.0.0.1/x")
    assert done.returncode == 2
    assert "needs --replica URL" in done.stderr


# -- on a real primary + streaming standby ------------------------------


@pytest.fixture
def routed(replica_pair: Any) -> Any:
    """Engines on both servers, a fresh table, statement counts per server."""
    primary = create_engine(replica_pair.primary.url())
    replica = create_engine(replica_pair.standby.url(), pool_pre_ping=True)
    Base.metadata.drop_all(primary)
    Base.metadata.create_all(primary)
    replica_pair.wait_for_replay()
    sent: dict[str, list[str]] = {"primary": [], "replica": []}
    for name, engine in (("primary", primary), ("replica", replica)):
        event.listen(
            engine, "before_cursor_execute",
            lambda *a, _n=name: sent[_n].append(a[2]),
        )

    class Routed:
        pair = replica_pair

        def session(self, **kw: Any) -> RoutingSession:
            return RoutingSession(primary=primary, replica=replica, **kw)

    routed = Routed()
    routed.sent = sent  # type: ignore[attr-defined]
    yield routed
    replica.dispose()
    Base.metadata.drop_all(primary)
    primary.dispose()


def name_of(session: RoutingSession, id: int) -> str | None:
    return session.scalar(select(Item.name).where(Item.id == id))


def test_writes_go_to_the_primary_reads_to_the_replica(routed: Any) -> None:
    with routed.session() as s:
        s.add(Item(id=1, name="one"))
        s.commit()
    assert any("INSERT" in sql for sql in routed.sent["primary"])
    assert not any("INSERT" in sql for sql in routed.sent["replica"])
    routed.pair.wait_for_replay()
    before = len(routed.sent["primary"])
    with routed.session() as s:
        assert name_of(s, 1) == "one"
        assert not s.wrote
    assert len(routed.sent["primary"]) == before
    assert any("routed_item" in sql for sql in routed.sent["replica"])


def test_lagging_replica_without_and_with_read_your_writes(
    routed: Any,
) -> None:
    routed.pair.pause_replay()
    try:
        with routed.session(read_your_writes=False) as s:
            s.add(Item(id=2, name="two"))
            s.commit()
            assert name_of(s, 2) is None  # the replica has not replayed it
        with routed.session() as s:
            s.add(Item(id=3, name="three"))
            s.commit()
            assert name_of(s, 3) == "three"  # read back from the primary
            assert s.wrote
        with routed.session() as s:
            # A new session: the replica again, still lagging...
            assert name_of(s, 3) is None
            # ...unless the query asks for the primary.
            assert s.scalar(
                select(Item.name).where(Item.id == 3)
                .execution_options(primary=True)
            ) == "three"
            assert s.scalars(
                select(Item.name).order_by(Item.id),
                execution_options={"primary": True},
            ).all() == ["two", "three"]
    finally:
        routed.pair.resume_replay()
    routed.pair.wait_for_replay()
    with routed.session() as s:
        assert name_of(s, 3) == "three"


def test_replica_down_falls_back_to_the_primary_and_says_so(
    routed: Any, caplog: pytest.LogCaptureFixture,
) -> None:
    with routed.session() as s:
        s.add(Item(id=4, name="four"))
        s.commit()
    routed.pair.wait_for_replay()
    routed.pair.stop_standby()
    try:
        with caplog.at_level(logging.WARNING, logger="read_replicas"), \
                routed.session() as s:
            assert name_of(s, 4) == "four"
            assert name_of(s, 4) == "four"
            assert s.fallbacks == 2
        warnings = [r for r in caplog.records if r.name == "read_replicas"]
        assert len(warnings) == 1  # checked once per session
        assert "replica unavailable" in warnings[0].getMessage()
        assert "refused" in warnings[0].getMessage()
    finally:
        routed.pair.start_standby()
    routed.pair.wait_for_replay()
    with routed.session() as s:
        assert name_of(s, 4) == "four"
        assert s.fallbacks == 0


def test_demo_checks_pass_on_the_pair(
    replica_pair: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    primary = create_engine(replica_pair.primary.url())
    replica = create_engine(replica_pair.standby.url(), pool_pre_ping=True)
    try:
        replication = read_replicas._PostgreSQLStreaming(
            primary, replica, replica_pair.stop_standby,
            replica_pair.start_standby,
        )
        assert read_replicas.run_checks(primary, replica, replication) == 11
    finally:
        replica.dispose()
        primary.dispose()
    out = capsys.readouterr().out
    assert "without read-your-writes, own write read back: None" in out
    assert "with read-your-writes: 'third'" in out
