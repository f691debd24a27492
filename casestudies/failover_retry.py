"""Illustrates retrying a whole unit of work after a disconnect, the one
precaution that carries an application through a database failover.

Use it together with ``pool_pre_ping=True`` when the database can go
away under a running application: a server restart, or a failover in
which the primary dies and a standby is promoted (with a multi-host URL
such as ``postgresql+psycopg://user@/db?host=h1:5432&host=h2:5432&
target_session_attrs=read-write``, libpq finds whichever server is
writable now).  Pre-ping only replaces dead connections *before* they are
handed out; a connection that dies during a transaction, or a connect
attempt made while no server is writable yet, still raises.
:func:`run_unit_of_work` runs the whole transaction again, from a fresh
session, a few times with a growing pause.

Which errors are retried (:func:`is_retryable`):

- a disconnect (SQLAlchemy sets ``connection_invalidated``) while the
  unit was running: the server rolled the transaction back, so running
  it again is safe;
- a failed connect (``OperationalError`` with no statement): nothing was
  sent;
- a serialization failure or deadlock (SQLSTATE 40001 / 40P01): the
  server rolled back and asks for exactly this;

and never anything else (an ``IntegrityError`` would fail again).  The
exception is the **commit**: a disconnect during COMMIT leaves its
outcome unknown (it may have committed before the server went away), so
it is retried only if the caller says the unit is idempotent
(``idempotent=True``: running it twice leaves what running it once does,
for example it first checks for a row with its own unique key); else it
is raised as it is.  The unit of work must not have effects outside the
database (an e-mail sent would be sent again) and must not keep objects
from a failed attempt: each attempt gets its own Session.

What it replaced: the 2010 tutorial's pool listener stopped at a dead
connection found at checkout; SQLAlchemy 2.x has ``pool_pre_ping`` for
that and leaves retrying the transaction to the application (see the
disconnects recipe, which this one belongs next to).

In your application::

    from failover_retry import run_unit_of_work
    engine = create_engine(URL, pool_pre_ping=True)
    Session = sessionmaker(engine)
    order_id = run_unit_of_work(Session, lambda s: place_order(s, cart))

Requires: SQLAlchemy 2.x; any backend.  The demo breaks connections by
closing them (on any database); the failover itself is measured by
``benchmarks/failover.py`` and ``tests/test_failover.py`` on a real
PostgreSQL primary and promoted standby.

Run: python failover_retry.py [--db URL] [--echo]
(no --db: the URL in $DATABASE_URL, which keeps a password out of ps,
else SQLite in memory)
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from sqlalchemy import exc
from sqlalchemy.orm import Session

T = TypeVar("T")
log = logging.getLogger("failover_retry")

#: SQLSTATEs after which the server has rolled back and asks for a retry.
RETRY_SQLSTATES = {"40001", "40P01"}


def is_retryable(err: BaseException) -> bool:
    """True if running the whole unit of work again is safe.

    See the module docstring for why these and no others.
    """
    if not isinstance(err, exc.DBAPIError):
        return False
    if err.connection_invalidated:
        return True
    if isinstance(err, exc.OperationalError) and err.statement is None:
        return True  # the connect itself failed: nothing was sent
    return getattr(err.orig, "sqlstate", None) in RETRY_SQLSTATES


class Attempts:
    """What :func:`run_unit_of_work` did: attempts made, errors retried."""

    def __init__(self) -> None:
        self.count = 0
        self.retried: list[BaseException] = []


def run_unit_of_work(
    sessions: Callable[[], Session],
    work: Callable[[Session], T],
    *,
    attempts: int = 5,
    delay: float = 0.05,
    max_delay: float = 1.0,
    idempotent: bool = False,
    record: Attempts | None = None,
) -> T:
    """Run ``work(session)`` in a transaction; commit; retry if safe.

    ``sessions`` makes a new Session (a ``sessionmaker``).  Each attempt
    has its own session, rolled back and closed on failure.  Between
    attempts it sleeps ``delay``, doubled each time up to ``max_delay``
    (0.05 + 0.1 + 0.2 + 0.4 s for five attempts: long enough to ride
    out a promotion of about half a second).  The last error is raised
    unchanged.
    """
    record = record if record is not None else Attempts()
    pause = delay
    while True:
        record.count += 1
        with sessions() as session:
            committing = False
            try:
                result = work(session)
                committing = True
                session.commit()
                return result
            except exc.DBAPIError as err:
                session.rollback()
                unknown = committing and err.connection_invalidated
                if (
                    record.count >= attempts
                    or not is_retryable(err)
                    or (unknown and not idempotent)
                ):
                    raise
                record.retried.append(err)
                log.warning(
                    "unit of work failed (%s), retry %d of %d in %.2fs",
                    type(err.orig).__name__, record.count, attempts - 1,
                    pause,
                )
        time.sleep(pause)
        pause = min(pause * 2, max_delay)


# -- the demo ----------------------------------------------------------


def run_checks(engine: Any) -> int:
    """Each kind of failure, and what the helper does with it."""
    from sqlalchemy import Integer, String, event, func, select
    from sqlalchemy.orm import DeclarativeBase, mapped_column, sessionmaker

    class Base(DeclarativeBase):
        pass

    class Order(Base):
        __tablename__ = "retry_demo_order"
        # No annotations: see the note in the read_replicas recipe.
        id = mapped_column(Integer, primary_key=True)
        item = mapped_column(String(30))

    passed = 0

    def check(ok: bool, what: str) -> None:
        nonlocal passed
        if not ok:
            raise AssertionError(what)
        passed += 1

    def break_connection(session: Session) -> None:
        # What a failover looks like to the driver: the socket is gone.
        session.connection().connection.dbapi_connection.close()

    sessions = sessionmaker(engine)
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    try:
        def count() -> int:
            with sessions() as s:
                return int(s.scalar(select(func.count(Order.id))) or 0)

        # 1. The connection dies during the unit: retried, done once.
        def place(order_id: int, broken: list[int]) -> Callable[..., int]:
            def work(session: Session) -> int:
                if broken:
                    broken.pop()
                    break_connection(session)
                session.add(Order(id=order_id, item="tea"))
                session.flush()
                return order_id
            return work

        tries = Attempts()
        run_unit_of_work(sessions, place(1, [1]), record=tries, delay=0.01)
        print(f"connection died during the unit: {tries.count} attempts, "
              f"retried {[type(e).__name__ for e in tries.retried]}")
        check(tries.count == 2, "a disconnect is retried once")
        check(count() == 1, "the retried unit wrote its row once")

        # 2. An error that is not a disconnect: raised at once.
        tries = Attempts()
        try:
            run_unit_of_work(sessions, place(1, []), record=tries)
        except exc.IntegrityError:
            print(f"duplicate key: raised after {tries.count} attempt")
            check(tries.count == 1, "an IntegrityError is not retried")
        else:
            check(False, "a duplicate key raised nothing")

        # 3. The connection dies at COMMIT: the outcome is unknown.
        def die_at_commit(session: Session) -> None:
            event.listen(session, "before_commit",
                         lambda s: break_connection(s), once=True)

        def risky(session: Session) -> int:
            die_at_commit(session)
            return place(2, [])(session)

        tries = Attempts()
        try:
            run_unit_of_work(sessions, risky, record=tries)
        except exc.DBAPIError as err:
            print(f"died at commit, not idempotent: raised "
                  f"{type(err).__name__} after {tries.count} attempt")
            check(tries.count == 1 and err.connection_invalidated,
                  "a commit-time disconnect is not retried by default")
        else:
            check(False, "a commit-time disconnect raised nothing")
        check(count() == 1, "the failed commit left nothing")

        def idempotent_place(session: Session) -> int:
            if session.get(Order, 3) is None:  # done already? then skip
                if not tries.count > 1:
                    die_at_commit(session)
                session.add(Order(id=3, item="cake"))
            return 3

        tries = Attempts()
        run_unit_of_work(sessions, idempotent_place, record=tries,
                         idempotent=True, delay=0.01)
        print(f"died at commit, idempotent: {tries.count} attempts")
        check(tries.count == 2, "an idempotent unit is retried")
        check(count() == 2, "and written once")

        # 4. A database that stays away: it gives up after ``attempts``.
        gone = _unreachable(engine)
        try:
            tries = Attempts()
            try:
                run_unit_of_work(sessionmaker(gone), place(4, []),
                                 record=tries, attempts=3, delay=0.01)
            except exc.OperationalError as err:
                print(f"database unreachable: gave up after {tries.count} "
                      f"attempts ({type(err.orig).__name__})")
                check(tries.count == 3, "it gives up after 3 attempts")
            else:
                check(False, "an unreachable database raised nothing")
        finally:
            gone.dispose()
    finally:
        Base.metadata.drop_all(engine)
    return passed


def _unreachable(engine: Any) -> Any:
    """An engine like ``engine`` pointed at a database that is not there."""
    import socket

    from sqlalchemy import create_engine

    url = engine.url
    if url.get_backend_name() == "sqlite":
        return create_engine("sqlite:///file:/nonexistent/x.db?mode=ro"
                             "&uri=true")
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return create_engine(url.set(host="127.0.0.1", port=port))


def _demo(url: str, check: _Checks) -> None:
    """Run :func:`run_checks` on ``url`` (SQLite in memory: a file)."""
    import contextlib
    import os
    import tempfile

    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    logging.basicConfig(format="%(name)s: %(levelname)s: %(message)s")
    with contextlib.ExitStack() as stack:
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite" and parsed.database in (
            None, "", ":memory:"
        ):
            # In memory, a closed connection would take its data along.
            folder = stack.enter_context(tempfile.TemporaryDirectory())
            url = f"sqlite:///{os.path.join(folder, 'demo.db')}"
        engine = create_engine(url, pool_pre_ping=True)
        stack.callback(engine.dispose)
        try:
            # each of run_checks' assertions, counted by the harness
            check.passed += run_checks(engine)
        except AssertionError as failed:
            check(False, str(failed))


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
