"""Fixtures that run one test body on SQLite, PostgreSQL and MariaDB.

A test that uses ``backend``, ``db_url``, ``engine`` or ``make_engine``
runs once per backend, with ids ``[sqlite]``, ``[postgresql]`` and
``[mariadb]``; ``@pytest.mark.backends("postgresql", "mariadb")`` narrows
that, and a test using ``server`` runs on the server backends only.  Each
test gets a fresh empty database.  Servers start lazily, once per test
session (see :mod:`workshop_db.servers`), and are stopped at the end.

Server-backend tests carry the ``servers`` marker, so ``-m "not servers"``
runs SQLite only.  Where a server cannot be started they skip with what
to install; with ``TUTORIAL_REQUIRE_SERVERS=1`` (CI) they fail instead,
and any skipped server-backend test fails the run.
"""

from __future__ import annotations

import gc
import itertools
import os
import signal
import sys
import time
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NoReturn

import pytest
from sqlalchemy import Engine, create_engine

from workshop_db import servers

# A job started in the background by a non-interactive shell (``cmd &``)
# begins with SIGINT ignored, and Python then installs no Ctrl-C handler:
# the tests that press Ctrl-C (``_thread.interrupt_main``, ``os.kill``)
# would wait forever.  Give the run Python's usual handler back.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

BACKENDS = ("sqlite", "postgresql", "mariadb")
REQUIRE = os.environ.get("TUTORIAL_REQUIRE_SERVERS") == "1"

_numbers = itertools.count(1)
_ran: Counter[str] = Counter()
_backend_of: dict[str, str] = {}
_skipped_server_tests: list[str] = []
_start_seconds: dict[str, float] = {}
_SQLITE_UNCLOSED = "unclosed database in <sqlite3.Connection"
_database_seconds: dict[str, float] = {"postgresql": 0.0, "mariadb": 0.0}


def pytest_configure(config: pytest.Config) -> None:
    if sys.version_info >= (3, 13):
        # Python 3.13's sqlite3 warns when the garbage collector closes a
        # connection.  The in-process tests drop throwaway decks' whole
        # namespaces (an engine in each, as a learner's deck holds) at
        # whatever test runs next.  Where it matters the check stays:
        # every real deck runs with -W error on 3.13 and must print no
        # ResourceWarning (.ci/base_install), and each recipe runs alone
        # with -W error (tests/test_recipes_alone.py, a process of its
        # own, where this filter does not reach).
        config.addinivalue_line(
            "filterwarnings",
            f"ignore:{_SQLITE_UNCLOSED}:ResourceWarning",
        )
    config.addinivalue_line(
        "markers",
        "backends(*names): run the test on these backends only "
        f"(of {', '.join(BACKENDS)})",
    )
    config.addinivalue_line(
        "markers",
        "servers: runs on a real PostgreSQL or MariaDB server "
        "(deselect with -m 'not servers')",
    )


@pytest.fixture
def state_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The user's state folder (history, progress, notes) for this test: in
    its tmp_path, never the real one."""
    home = tmp_path / "state"
    monkeypatch.setenv("XDG_STATE_HOME", str(home))
    return home


@pytest.hookimpl(tryfirst=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    # The filter above reaches each test, not the end of the session, where
    # pytest collects the garbage once more and turns what it finds into
    # errors (its unraisableexception plugin): a throwaway deck's engine
    # still alive then failed CI on 3.13 alone.  Collect it first, under
    # the same filter, until a pass frees nothing (an engine's pool lets go
    # of its connections only in the second or third pass); any other
    # unraisable error still fails the run.
    if sys.version_info >= (3, 13):
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", _SQLITE_UNCLOSED,
                                    ResourceWarning)
            for _ in range(10):
                if not gc.collect():
                    break


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" not in metafunc.fixturenames:
        return
    marker = metafunc.definition.get_closest_marker("backends")
    names = tuple(marker.args) if marker else BACKENDS
    unknown = set(names) - set(BACKENDS)
    if unknown:
        raise pytest.UsageError(
            f"{metafunc.definition.nodeid}: unknown backends {unknown}"
        )
    if "server" in metafunc.fixturenames:
        names = tuple(n for n in names if n != "sqlite")
    metafunc.parametrize(
        "backend",
        [
            pytest.param(
                name, id=name,
                marks=() if name == "sqlite" else pytest.mark.servers,
            )
            for name in names
        ],
        indirect=True,
    )


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """The backend this run of the test uses."""
    return str(request.param)


def _server_or_skip(kind: str) -> servers.Server:
    reason = servers.unavailable_reason(kind)
    if reason is None:
        began = time.perf_counter()
        try:
            return servers.shared_server(kind)
        except servers.ServerError as exc:
            reason = f"could not start: {str(exc).splitlines()[0]}"
        finally:
            _start_seconds.setdefault(kind, time.perf_counter() - began)
    skip_or_fail(f"{kind}: {reason}")


def skip_or_fail(message: str) -> NoReturn:
    """Skip a test whose server can't start; in CI, fail it instead."""
    if REQUIRE:
        pytest.fail(f"{message} (TUTORIAL_REQUIRE_SERVERS=1)", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def _servers_stopped() -> Iterator[None]:
    """Stops the shared servers when the test session ends."""
    yield
    servers.stop_shared()


@pytest.fixture
def server(backend: str, _servers_stopped: None) -> servers.Server:
    """The running server of this backend, for fault injection."""
    if backend == "sqlite":
        pytest.skip("the server fixture needs postgresql or mariadb")
    return _server_or_skip(backend)


@pytest.fixture
def db_url(
    backend: str, tmp_path: Any, _servers_stopped: None
) -> Iterator[str]:
    """A fresh, empty database of this backend, dropped afterwards."""
    if backend == "sqlite":
        # A file, not memory: several connections and threads share it.
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    server = _server_or_skip(backend)
    name = f"test_{next(_numbers)}"
    began = time.perf_counter()
    url = server.create_database(name)
    _database_seconds[backend] += time.perf_counter() - began
    yield url
    began = time.perf_counter()
    server.drop_database(name)
    _database_seconds[backend] += time.perf_counter() - began


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """An engine on the fresh database, disposed after the test."""
    engine = create_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def make_engine(db_url: str) -> Iterator[Callable[..., Engine]]:
    """A factory of extra engines on the same database: ``make(**kw)``."""
    made: list[Engine] = []

    def make(**kw: Any) -> Engine:
        made.append(create_engine(db_url, **kw))
        return made[-1]

    yield make
    for engine in made:
        engine.dispose()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if {"replica_pair", "fresh_pair", "failover_pair"} & set(
            getattr(item, "fixturenames", ())
        ):
            item.add_marker(pytest.mark.servers)
        callspec = getattr(item, "callspec", None)
        if callspec is not None and "backend" in callspec.params:
            _backend_of[item.nodeid] = callspec.params["backend"]


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    kind = _backend_of.get(report.nodeid)
    if kind is None:
        return
    if report.when == "call" and not report.skipped:
        _ran[kind] += 1
    if (
        report.skipped and kind != "sqlite"
        and not hasattr(report, "wasxfail")
    ):
        _skipped_server_tests.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    # In CI a skipped server test means a backend went untested.
    if REQUIRE and _skipped_server_tests and exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any) -> None:
    write = terminalreporter.write_line
    counts = ", ".join(f"{kind} {_ran[kind]}" for kind in BACKENDS)
    write(f"tests run per backend: {counts}")
    if _start_seconds:
        spent = ", ".join(
            f"{kind} {seconds:.2f}s" for kind, seconds in
            _start_seconds.items()
        )
        write(f"seconds spent starting servers: {spent}")
    if any(_database_seconds.values()):
        spent = ", ".join(
            f"{kind} {seconds:.2f}s" for kind, seconds in
            _database_seconds.items()
        )
        write(f"seconds spent creating and dropping test databases: {spent}")
    if _pair_seconds:
        write(
            f"primary + standby pairs started: {len(_pair_seconds)}, "
            f"{sum(_pair_seconds):.2f}s in all"
        )
    if REQUIRE and _skipped_server_tests:
        write(
            f"FAILED: {len(_skipped_server_tests)} server-backend tests "
            "skipped with TUTORIAL_REQUIRE_SERVERS=1, e.g. "
            + _skipped_server_tests[0],
            red=True,
        )


# -- a PostgreSQL primary with a streaming standby (workshop_db.replica) --

_pair_seconds: list[float] = []


def replica_pair_or_skip() -> Any:
    """A started primary + standby pair; skip (fail in CI) if impossible."""
    from workshop_db import replica

    reason = replica.unavailable_reason()
    if reason is None:
        pair = replica.ReplicaPair()
        try:
            pair.start()
            _pair_seconds.append(pair.started_seconds)
            return pair
        except servers.ServerError as exc:
            reason = f"could not start: {str(exc).splitlines()[0]}"
    skip_or_fail(f"primary + standby: {reason}")


@pytest.fixture(scope="session")
def replica_pair() -> Iterator[Any]:
    """One pair for the test session (tests must leave it replicating)."""
    pair = replica_pair_or_skip()
    yield pair
    pair.stop()


@pytest.fixture
def failover_pair(replica_pair: Any) -> Iterator[Any]:
    """The module's pair for a test that may promote its standby: made a
    pair again afterwards (the promoted server stays the primary)."""
    yield replica_pair
    if replica_pair.standby.directory and (
        not replica_pair.standby.in_recovery()
    ):
        replica_pair.rebuild()


@pytest.fixture
def fresh_pair() -> Iterator[Any]:
    """A pair of the test's own, for faults that end it (a failover)."""
    pair = replica_pair_or_skip()
    yield pair
    pair.stop()
