"""Illustrates one Session per unit of work, found without passing it around.

Use it when many functions of one request, task or job need "the" session
and threading it through every signature is noise.  Three scopes, one
tool: ``scoped_session`` (or ``async_scoped_session``) plus a *scope
function* that says what "current" means.

- **Per thread** (``scoped_session(factory)``): a threaded web server.
  ``handle_request`` is the framework's side of the lifespan: run the
  controller, commit, and ``remove()`` the session whatever happened.
- **Per asyncio task** (``async_scoped_session(..., scopefunc=
  asyncio.current_task)``): an asyncio server; ``task_unit_of_work`` does
  the same around a coroutine.  Each task MUST remove its session: the
  registry is keyed by the task and otherwise keeps it (and its
  connection) alive.
- **Per function call** (``CallScopedSession``): what SQLAlchemy-Rope did
  by planting an object in the caller's frame locals and relying on
  garbage collection to remove the session when the frame died.  Here a
  decorator or ``with`` block marks the boundary: cleanup is immediate and
  deterministic (also when the function raises, when a traceback keeps
  the frame alive, or on a Python without reference counting), commit or
  rollback is decided at the boundary, and it works in threads and tasks
  because the scope key is a ``ContextVar``.

What it replaces: ``sqlalchemy.mods.threadlocal`` and ``get_session()``,
the ``SessionContext`` plugin (``ctx.current``), the ``threadlocal``
engine strategy, and frame-local libraries such as SQLAlchemy-Rope.  2.x
offers ``scoped_session``, ``async_scoped_session`` and ``remove()``;
for new code, passing a ``Session`` explicitly (``with Session() as s``)
is still the simplest scope of all.

Requires: SQLAlchemy[asyncio] (greenlet) and an asyncio driver for the
per-task part: aiosqlite, psycopg 3 (built in) or aiomysql.

In your application::

    from contextual_sessions import CallScopedSession, handle_request

    registry = scoped_session(sessionmaker(engine))   # one per thread
    handle_request(registry, controller, request)     # commit, remove

    scope = CallScopedSession(sessionmaker(engine))   # one per call
    @scope.unit_of_work
    def record(name):
        scope.session.add(Visit(worker=name))

Run: python contextual_sessions.py [--db URL] [--echo]
(no --db: the URL in $DATABASE_URL, which keeps a password out of ps,
else SQLite in memory)
(or python -m casestudies.contextual_sessions in the tutorial)
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import tempfile
from collections.abc import (
    Awaitable,
    Callable,
    Iterator,
    Sequence,
)
from concurrent.futures import ThreadPoolExecutor
from contextvars import ContextVar
from typing import TYPE_CHECKING, ParamSpec, TypeVar

from sqlalchemy import Engine, String, create_engine, func, select
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    mapped_column,
    scoped_session,
    sessionmaker,
)

if TYPE_CHECKING:  # importing it needs greenlet, which the rest does not
    from sqlalchemy.ext.asyncio import (
        AsyncEngine,
        AsyncSession,
        async_scoped_session,
    )

P = ParamSpec("P")
R = TypeVar("R")


# -- per thread ---------------------------------------------------------------


def handle_request(
    registry: scoped_session[Session],
    controller: Callable[P, R],
    *args: P.args,
    **kwargs: P.kwargs,
) -> R:
    """Run one request's controller inside its own thread-local session.

    The framework, not the controller, owns the lifespan: the controller
    (and anything it calls) just uses ``registry()`` or the registry's
    proxied methods; afterwards the work is committed and the session is
    removed, so the thread starts the next request with an empty one and
    its connection is back in the pool even if the controller raised.
    """
    try:
        result = controller(*args, **kwargs)
        registry.commit()
        return result
    finally:
        # remove() = close() (rolls back what was not committed, returns
        # the connection) + forget the session for this thread.
        registry.remove()


# -- per asyncio task ---------------------------------------------------------


def task_scoped(engine: AsyncEngine) -> async_scoped_session[AsyncSession]:
    """A registry that gives each asyncio task its own AsyncSession."""
    from sqlalchemy.ext.asyncio import async_scoped_session, async_sessionmaker

    factory = async_sessionmaker(engine, expire_on_commit=False)
    return async_scoped_session(factory, scopefunc=asyncio.current_task)


async def task_unit_of_work(
    registry: async_scoped_session[AsyncSession],
    work: Callable[[], Awaitable[R]],
) -> R:
    """Await ``work()`` as one unit of work of the current task.

    Same lifespan as :func:`handle_request`.  ``remove()`` is essential
    here: the registry is a dict keyed by the task object, so without it
    every finished task would leave its session behind.
    """
    try:
        result = await work()
        await registry.commit()
        return result
    finally:
        await registry.remove()


# -- per function call --------------------------------------------------------


class NoUnitOfWork(RuntimeError):
    """The call-scoped session was used outside any unit of work."""


class CallScopedSession:
    """A session per call of a decorated function (or ``with`` block).

    ``scope.session`` is the session of the innermost unit of work in the
    current thread or task; each unit of work gets a new one, commits it
    on success, and always closes and forgets it on the way out.
    """

    def __init__(self, factory: sessionmaker[Session]) -> None:
        # A ContextVar is per thread and per asyncio task, and restored on
        # exit (reset), so nested and concurrent units never mix.
        self._key: ContextVar[object] = ContextVar(f"unit_of_work_{id(self)}")
        self.registry = scoped_session(factory, scopefunc=self._scope)

    def _scope(self) -> object:
        try:
            return self._key.get()
        except LookupError:
            raise NoUnitOfWork(
                "no unit of work in progress: decorate the function with "
                "@scope.unit_of_work or use 'with scope.begin():'"
            ) from None

    @property
    def session(self) -> Session:
        """The session of the current unit of work."""
        return self.registry()

    @contextlib.contextmanager
    def begin(self) -> Iterator[Session]:
        """Open a unit of work: a new session, committed if no error."""
        token = self._key.set(object())  # a fresh, unique scope key
        try:
            session = self.registry()
            yield session
            session.commit()
        finally:
            self.registry.remove()
            self._key.reset(token)

    def unit_of_work(self, fn: Callable[P, R]) -> Callable[P, R]:
        """Decorator: each call of ``fn`` is one unit of work."""

        @functools.wraps(fn)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            with self.begin():
                return fn(*args, **kwargs)

        return wrapper

    def active(self) -> bool:
        """True inside a unit of work that has created its session."""
        try:
            return self.registry.registry.has()
        except NoUnitOfWork:
            return False


# -- helpers the demo and the tests share -------------------------------------

_ASYNC_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "postgresql": "postgresql+psycopg_async",
    "mysql": "mysql+aiomysql",
    "mariadb": "mariadb+aiomysql",
}


def async_url(url: str | URL) -> URL:
    """The same database as ``url``, through an asyncio driver."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend not in _ASYNC_DRIVERS:
        raise ValueError(f"no asyncio driver known for {backend!r}")
    if backend in ("mysql", "mariadb"):
        # PyMySQL's ssl_disabled and read_timeout are not aiomysql's.
        parsed = parsed.difference_update_query(["ssl_disabled",
                                                 "read_timeout"])
    return parsed.set(drivername=_ASYNC_DRIVERS[backend])


@contextlib.contextmanager
def concurrent_url(url: str) -> Iterator[str]:
    """``url``, or a temporary SQLite file instead of in-memory SQLite.

    In-memory SQLite is one connection shared by everyone: threads and
    tasks would not be concurrent at all, so never teach concurrency on it.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database not in (
        None,
        "",
        ":memory:",
    ):
        yield url
        return
    with tempfile.TemporaryDirectory() as folder:
        yield f"sqlite:///{os.path.join(folder, 'contextual.db')}"


# -- the demo ----------------------------------------------------------------
# Its model and helpers are the demo's own: what you copy is the part above.


class _Base(DeclarativeBase):
    pass


class _Visit(_Base):
    """One row per unit of work, so the demo can count what was saved."""

    __tablename__ = "visit"
    id: Mapped[int] = mapped_column(primary_key=True)
    worker: Mapped[str] = mapped_column(String(40))

    def __repr__(self) -> str:
        return f"Visit(worker={self.worker!r})"


def _count_visits(engine: Engine) -> int:
    with engine.connect() as cx:
        return cx.scalar(select(func.count()).select_from(_Visit)) or 0


def _raises_no_unit_of_work(scope: CallScopedSession) -> bool:
    try:
        scope.session  # noqa: B018  (the property raises outside a unit)
    except NoUnitOfWork:
        return True
    return False


def _asyncio_missing(url: str) -> str | None:
    """What to install before the per-task part can run, or None."""
    try:
        import greenlet  # noqa: F401  (SQLAlchemy's asyncio bridge)
    except ImportError:
        return "greenlet: pip install 'sqlalchemy[asyncio]'"
    driven = async_url(url)
    try:
        driven.get_dialect().import_dbapi()
    except ImportError as exc:
        return (f"{exc.name or 'its driver'}, the asyncio driver for "
                f"{driven.drivername}: pip install {exc.name or 'it'}")
    return None


def _demo(url: str, check: _Checks) -> None:
    missing = _asyncio_missing(url)
    if missing is not None:  # before any part runs, not halfway through
        import sys

        print(f"contextual_sessions: the per-task part needs {missing}",
              file=sys.stderr)
        raise SystemExit(2)
    with concurrent_url(url) as url:
        engine = create_engine(url)
        try:
            _Base.metadata.drop_all(engine)
            _Base.metadata.create_all(engine)
            _demo_threads(engine, check)
            _demo_calls(engine, check)
            asyncio.run(_demo_tasks(url, check))
            _Base.metadata.drop_all(engine)
        finally:
            engine.dispose()
    print("ok: every unit of work had its own session and left nothing")


def _demo_threads(engine: Engine, check: _Checks) -> None:
    registry = scoped_session(sessionmaker(engine))
    seen: dict[str, Session] = {}

    def controller(name: str) -> None:
        # Two "layers" of the controller ask for the session separately:
        # within one thread they get the same object, no argument passed.
        registry.add(_Visit(worker=name))
        check(registry() is registry(), 'registry() is registry()')
        seen[name] = registry()

    with ThreadPoolExecutor(max_workers=4) as pool:
        names = [f"thread-{n}" for n in range(8)]
        list(pool.map(lambda n: handle_request(registry, controller, n),
                      names))
    # Every request was committed and its connection returned.
    check(_count_visits(engine) == 8, 'count_visits(engine) == 8')
    check(engine.pool.checkedout() == 0, 'engine.pool.checkedout() == 0')
    # remove() ran in the worker threads; this thread never made one.
    check(not registry.registry.has(), 'not registry.registry.has()')
    # 8 requests, 4 threads: sessions were new per request, not per thread.
    check(
        len({id(s) for s in seen.values()}) == 8,
        'len({id(s) for s in seen.values()}) == 8',
    )
    print(f"per thread: 8 requests on 4 threads, "
          f"{engine.pool.checkedout()} connections still checked out")

    # A controller that raises: nothing saved, session still removed.
    def failing(name: str) -> None:
        registry.add(_Visit(worker=name))
        registry.flush()
        raise ValueError("controller failed")

    try:
        handle_request(registry, failing, "doomed")
    except ValueError:
        pass
    check(_count_visits(engine) == 8, 'count_visits(engine) == 8')
    check(
        not registry.registry.has() and engine.pool.checkedout() == 0,
        'not registry.registry.has() and engine.pool.checkedout() == 0',
    )
    print("per thread: a failing request left no row and no session")


def _demo_calls(engine: Engine, check: _Checks) -> None:
    scope = CallScopedSession(sessionmaker(engine))

    @scope.unit_of_work
    def record(name: str) -> bool:
        scope.session.add(_Visit(worker=name))
        return scope.active()

    check(record("call-1") is True, 'record("call-1") is True')
    # After the call the unit of work is over: no session lingers, unlike
    # Rope where it lived until the frame was garbage collected.
    check(
        not scope.active() and engine.pool.checkedout() == 0,
        'not scope.active() and engine.pool.checkedout() == 0',
    )
    # Outside a unit of work there is no session to be had.
    check(
        _raises_no_unit_of_work(scope),
        "scope.session outside a unit of work raises NoUnitOfWork",
    )
    print(f"per call: saved, then no session left; {_count_visits(engine)}"
          " visits in all")
    check(_count_visits(engine) == 9, 'count_visits(engine) == 9')


async def _demo_tasks(url: str, check: _Checks) -> None:
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(async_url(url))
    registry = task_scoped(engine)
    sessions: list[AsyncSession] = []  # kept alive, so ids stay unique

    async def work(name: str) -> None:
        registry.add(_Visit(worker=name))
        sessions.append(registry())
        await asyncio.sleep(0)  # let the other tasks run in between
        check(registry() is registry(), 'registry() is registry()')

    try:
        await asyncio.gather(
            *(task_unit_of_work(registry, functools.partial(work, f"task-{n}"))
              for n in range(8))
        )
        # Eight tasks, eight sessions, all committed and removed.
        check(
            len({id(s) for s in sessions}) == 8,
            'len({id(s) for s in sessions}) == 8',
        )
        check(engine.pool.checkedout() == 0, 'engine.pool.checkedout() == 0')
        async with engine.connect() as cx:
            visits = await cx.scalar(select(func.count(_Visit.id)))
        check(visits == 17, 'visits == 17')
        used = len({id(s) for s in sessions})
        print(f"per task: 8 tasks used {used} sessions; "
              f"{visits} visits in all")
    finally:
        await engine.dispose()


# -- demo harness: the same block in every recipe, so that each file runs
# -- alone (python NAME.py [--db URL] [--echo]; without --db, the URL in
# -- $DATABASE_URL, else SQLite in memory); nothing above depends on it.


class _CheckFailed(Exception):
    """A demo check that did not hold; its message says which."""


class _Checks:
    """Counts the demo's checks; the first one that fails ends the demo."""

    def __init__(self, server_kind: str | None) -> None:
        self.passed = 0
        #: "postgresql" / "mariadb" when --db asked for a throwaway server
        self.server_kind = server_kind

    def __call__(self, ok: object, what: str) -> None:
        if not ok:
            raise _CheckFailed(what)
        self.passed += 1


def _run_demo(
    demo: Callable[[str, _Checks], None], argv: Sequence[str] | None
) -> int:
    """Parse ``--db`` / ``--echo``, run ``demo``, print the verdict line."""
    import argparse
    import logging
    import os
    import sys
    import traceback

    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    name = os.path.splitext(os.path.basename(__file__))[0]
    summary = " ".join((__doc__ or "").split("\n\n", 1)[0].split())
    parser = argparse.ArgumentParser(prog=f"{name}.py", description=summary)
    parser.add_argument(
        "--db", metavar="URL", default=None,
        help="database URL (default: $DATABASE_URL, else SQLite in "
        "memory; the environment keeps a password out of ps); 'postgresql' "
        "or 'mariadb' starts a throwaway server where the tutorial is "
        "installed",
    )
    parser.add_argument(
        "--echo", action="store_true", help="show the SQL the demo sends"
    )
    args = parser.parse_args(argv)
    # --db, else the variable the tutorial's slide runner sets for its
    # decks, else DATABASE_URL (a URL there stays out of ps), else SQLite
    source, choice = "--db", args.db
    for variable in ("TUTORIAL_DB", "DATABASE_URL"):
        if not choice:
            source, choice = variable, os.environ.get(variable)
    choice = choice or "sqlite://"
    kind = choice if choice in ("postgresql", "mariadb") else None
    if kind is not None:
        try:
            from workshop_db import resolve_url
        except ImportError:
            parser.exit(2, f"{name}: {source} {kind} needs the tutorial's "
                        "clone (there: pip install -e '.[servers]', then "
                        f"python -m workshop_db serve {kind} says how to set "
                        "DATABASE_URL); or pass a URL instead\n")
        try:
            url = resolve_url(kind)
        except RuntimeError as exc:  # the server could not start
            parser.exit(2, f"{name}: {source} {kind}: {exc}\n")
    else:
        url = choice
        try:
            make_url(url).get_dialect().import_dbapi()
        except ArgumentError as exc:
            shown = url if "@" not in url else "(the URL given)"
            parser.exit(
                2, f"{name}: {source} {shown!r} is not a usable URL: {exc}\n"
            )
        except ImportError as exc:
            shown = make_url(url).render_as_string(hide_password=True)
            module = (exc.name or str(exc)).partition(".")[0]
            package = {"psycopg": "'psycopg[binary]'", "pymysql": "PyMySQL",
                       "psycopg2": "psycopg2-binary",
                       "MySQLdb": "mysqlclient"}.get(module, module)
            parser.exit(2, f"{name}: {source} {shown}: its driver {module} "
                        f"is not installed (pip install {package})\n")
    _refuse_a_silent_database(parser.exit, f"{name}: {source}", url)
    if args.echo:
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(logging.Formatter("  SQL: %(message)s"))
        logger = logging.getLogger("sqlalchemy.engine.Engine")
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    backend = make_url(url).get_backend_name()
    check = _Checks(kind)
    try:
        demo(url, check)
    except _CheckFailed as failed:
        print(f"{name}: FAILED: {failed} on {backend}")
        return 1
    except Exception as exc:  # noqa: BLE001  (the verdict names it)
        traceback.print_exc()
        print(f"{name}: FAILED: {type(exc).__name__}: {exc} on {backend}")
        return 1
    print(f"{name}: all {check.passed} checks passed on {backend}")
    return 0


def _refuse_a_silent_database(
    leave: Callable[[int, str], object], said: str, url: str
) -> None:
    """One line and exit 2 when the database does not take a connection
    (``said``: the recipe and where the URL came from)."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import DBAPIError

    probe = create_engine(url)
    try:
        probe.connect().close()
    except DBAPIError as exc:
        reason = str(exc.orig or exc).strip().splitlines() or ["no reason"]
        shown = make_url(url).render_as_string(hide_password=True)
        leave(2, f"{said} {shown}: can't connect: {reason[0]}\n")
    finally:
        probe.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the demo; 0 if every check passed."""
    return _run_demo(_demo, argv)


if __name__ == "__main__":
    raise SystemExit(main())
