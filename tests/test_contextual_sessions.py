"""Contextual sessions: each thread, task or call sees only its own session,
and nothing (session, connection) outlives the unit of work, also when
the work raises.  Runs on SQLite (a file), PostgreSQL and MariaDB."""

from __future__ import annotations

import asyncio
import gc
import threading
import weakref
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import Engine, String, select
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    mapped_column,
    scoped_session,
    sessionmaker,
)

from casestudies import contextual_sessions as cs

WORKERS = 32


class Base(DeclarativeBase):
    pass


class Visit(Base):
    """One row per unit of work, so a test can see what was saved."""

    __tablename__ = "visit"
    id: Mapped[int] = mapped_column(primary_key=True)
    worker: Mapped[str] = mapped_column(String(40))


@pytest.fixture
def tables(engine: Engine) -> Iterator[Engine]:
    Base.metadata.create_all(engine)
    yield engine


def names_in(engine: Engine) -> list[str]:
    with engine.connect() as cx:
        return sorted(cx.scalars(select(Visit.worker)))


def is_closed(session: Session) -> bool:
    # What close() leaves: no transaction, nothing in the identity map.
    return not session.in_transaction() and len(session.identity_map) == 0


# -- per thread --------------------------------------------------------------


def test_32_threads_each_see_only_their_own_session(tables: Engine) -> None:
    registry = scoped_session(sessionmaker(tables))
    # All 32 hold their session at the same moment (the barrier), so a
    # shared session could not hide behind sequential scheduling.
    barrier = threading.Barrier(WORKERS, timeout=30)
    held: dict[str, Session] = {}
    leftovers: dict[str, bool] = {}

    def controller(name: str) -> list[str]:
        visit = Visit(worker=name)  # held: the identity map is weak
        registry.add(visit)
        held[name] = registry()
        barrier.wait()
        registry.flush()
        # Only this request's object is in this thread's session.
        return [v.worker for v in registry.identity_map.values()]

    def request(name: str) -> list[str]:
        seen = cs.handle_request(registry, controller, name)
        leftovers[name] = registry.registry.has()
        return seen

    names = [f"w{n:02}" for n in range(WORKERS)]
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        seen = list(pool.map(request, names))

    assert seen == [[name] for name in names]
    assert len({id(s) for s in held.values()}) == WORKERS
    assert names_in(tables) == names  # every request committed
    assert leftovers == dict.fromkeys(names, False)  # registry emptied
    assert all(is_closed(s) for s in held.values())
    assert tables.pool.checkedout() == 0


def test_thread_worker_that_raises_still_cleans_up(tables: Engine) -> None:
    registry = scoped_session(sessionmaker(tables))
    held: list[Session] = []
    after: list[bool] = []

    def controller(n: int) -> None:
        registry.add(Visit(worker=f"bad{n:02}" if n % 2 else f"ok{n:02}"))
        registry.flush()  # the row is on the server, uncommitted
        held.append(registry())
        if n % 2:
            raise RuntimeError(f"boom {n}")

    def request(n: int) -> str:
        try:
            cs.handle_request(registry, controller, n)
            return "ok"
        except RuntimeError:
            return "raised"
        finally:
            after.append(registry.registry.has())

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(request, range(WORKERS)))

    assert outcomes.count("raised") == WORKERS // 2
    # Failed requests' flushed rows were rolled back, good ones kept.
    assert names_in(tables) == [f"ok{n:02}" for n in range(0, WORKERS, 2)]
    assert after == [False] * WORKERS
    assert all(is_closed(s) for s in held)
    assert tables.pool.checkedout() == 0


# -- per asyncio task --------------------------------------------------------


async def run_tasks(db_url: str, fail_odd: bool) -> tuple[list, list]:
    engine = create_async_engine(cs.async_url(db_url))
    registry = cs.task_scoped(engine)
    barrier = asyncio.Barrier(WORKERS)
    held: list[AsyncSession] = []
    results: list[object] = []
    try:

        async def unit(n: int) -> None:
            async def work() -> list[str]:
                visit = Visit(worker=f"t{n:02}")  # the map is weak
                registry.add(visit)
                held.append(registry())
                await barrier.wait()  # all 32 sessions alive at once
                await registry.flush()
                if fail_odd and n % 2:
                    raise RuntimeError(f"boom {n}")
                return [v.worker for v in registry.identity_map.values()]

            try:
                results.append(await cs.task_unit_of_work(registry, work))
            except RuntimeError as exc:
                results.append(str(exc))
            # Same task, unit over: the registry has nothing for it.
            assert not registry.registry.has()

        await asyncio.gather(*(unit(n) for n in range(WORKERS)))
        assert engine.pool.checkedout() == 0
    finally:
        await engine.dispose()
    return held, results


def test_32_tasks_each_see_only_their_own_session(
    tables: Engine, db_url: str
) -> None:
    held, results = asyncio.run(run_tasks(db_url, fail_odd=False))
    assert len({id(s) for s in held}) == WORKERS
    assert sorted(results) == [[f"t{n:02}"] for n in range(WORKERS)]
    assert names_in(tables) == [f"t{n:02}" for n in range(WORKERS)]
    assert all(is_closed(s.sync_session) for s in held)


def test_task_that_raises_still_cleans_up(
    tables: Engine, db_url: str
) -> None:
    held, results = asyncio.run(run_tasks(db_url, fail_odd=True))
    assert sorted(r for r in results if isinstance(r, str)) == sorted(
        f"boom {n}" for n in range(1, WORKERS, 2)
    )
    assert names_in(tables) == [f"t{n:02}" for n in range(0, WORKERS, 2)]
    assert all(is_closed(s.sync_session) for s in held)


def test_task_registry_without_remove_keeps_the_session(
    tables: Engine, db_url: str
) -> None:
    # Why task_unit_of_work calls remove(): the registry is keyed by the
    # task, so a task that forgets keeps its session alive after it ends.
    async def scenario() -> tuple[bool, bool]:
        engine = create_async_engine(cs.async_url(db_url))
        registry = cs.task_scoped(engine)
        refs: dict[str, weakref.ref[AsyncSession]] = {}

        async def work(name: str) -> None:
            registry.add(Visit(worker=name))
            refs[name] = weakref.ref(registry())
            await registry.commit()

        async def tidy() -> None:
            await cs.task_unit_of_work(registry, lambda: work("tidy"))

        try:
            await asyncio.create_task(work("forgetful"))
            await asyncio.create_task(tidy())
            gc.collect()
            leaked = refs["forgetful"]()
            kept, freed = leaked is not None, refs["tidy"]() is None
            if leaked is not None:
                await leaked.close()
            registry.registry.clear()
        finally:
            await engine.dispose()
        return kept, freed

    assert asyncio.run(scenario()) == (True, True)


# -- per function call -------------------------------------------------------


def test_call_scope_gives_each_call_and_nested_call_its_own_session(
    tables: Engine,
) -> None:
    scope = cs.CallScopedSession(sessionmaker(tables))
    sessions: list[Session] = []

    @scope.unit_of_work
    def inner() -> None:
        sessions.append(scope.session)
        scope.session.add(Visit(worker="inner"))

    @scope.unit_of_work
    def outer() -> None:
        sessions.append(scope.session)
        inner()
        # Back in the outer call: its own session again, not the inner's.
        assert scope.session is sessions[0]
        scope.session.add(Visit(worker="outer"))

    outer()
    assert sessions[0] is not sessions[1]
    assert names_in(tables) == ["inner", "outer"]
    assert not scope.active()
    assert all(is_closed(s) for s in sessions)
    assert tables.pool.checkedout() == 0


def test_call_scope_outside_a_unit_of_work_raises(tables: Engine) -> None:
    scope = cs.CallScopedSession(sessionmaker(tables))
    with pytest.raises(cs.NoUnitOfWork, match="no unit of work"):
        scope.session  # noqa: B018 - reading the property is what raises


def test_call_scope_that_raises_rolls_back_and_closes(tables: Engine) -> None:
    scope = cs.CallScopedSession(sessionmaker(tables))
    held: list[Session] = []

    @scope.unit_of_work
    def doomed() -> None:
        held.append(scope.session)
        scope.session.add(Visit(worker="doomed"))
        scope.session.flush()
        raise KeyError("boom")

    with pytest.raises(KeyError):
        doomed()
    assert names_in(tables) == []
    assert is_closed(held[0]) and not scope.active()
    assert tables.pool.checkedout() == 0


def test_call_scope_in_32_threads(tables: Engine) -> None:
    scope = cs.CallScopedSession(sessionmaker(tables))
    barrier = threading.Barrier(WORKERS, timeout=30)

    @scope.unit_of_work
    def record(name: str) -> Session:
        scope.session.add(Visit(worker=name))
        barrier.wait()
        return scope.session

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        held = list(pool.map(record, [f"c{n:02}" for n in range(WORKERS)]))
    assert len({id(s) for s in held}) == WORKERS
    assert names_in(tables) == [f"c{n:02}" for n in range(WORKERS)]
    assert tables.pool.checkedout() == 0


# -- helpers and the demo ----------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:///x.db", "sqlite+aiosqlite:///x.db"),
        ("postgresql+psycopg://u@h:1/d", "postgresql+psycopg_async://u@h:1/d"),
        (
            "mysql+pymysql://root@h:1/d?charset=utf8mb4&connect_timeout=5"
            "&read_timeout=60&ssl_disabled=true",
            "mysql+aiomysql://root@h:1/d?charset=utf8mb4&connect_timeout=5",
        ),
    ],
)
def test_async_url(url: str, expected: str) -> None:
    assert cs.async_url(url).render_as_string() == expected


def test_demo_main(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cs.main(["--db", db_url]) == 0
    out = capsys.readouterr().out
    assert "per task: 8 tasks used 8 sessions; 17 visits in all" in out
    assert "a failing request left no row and no session" in out


def test_demo_main_in_memory_sqlite_uses_a_file(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cs.main([]) == 0
    assert "ok: every unit of work" in capsys.readouterr().out
