"""Illustrates adding new ORM objects to the current session the moment
they are constructed, with no ``session.add()`` in application code.

When to use it: scripts, notebooks and small command-line tools where
"every object I build is meant to be saved" really holds, and there is one
obvious current session per thread.  It is a difficult pattern in larger
programs: a half-built object is already pending (an autoflush triggered
from inside ``__init__`` tries to INSERT it), throw-away objects built for
a comparison or a test get saved too, and code that constructs objects
needs a current session to exist.  Prefer explicit ``session.add()`` and
``cascade`` along relationships when in doubt.

What it replaced: in 2010 a ``MapperExtension`` with ``init_instance``
(add to the session) and ``init_failed`` (expunge again), attached with
``mapper(cls, table, extension=...)``.  SQLAlchemy 2.x has the same two
hooks as the instance events ``init`` and ``init_failure``; both fire
around the class's own ``__init__``, and a listener on a declarative base
with ``propagate=True`` covers every subclass, mapped before or after.
The "current session" is a ``scoped_session`` registry (one session per
thread by default).

Requires: SQLAlchemy 2.x; no particular database.

In your application::

    from auto_add import auto_add

    Session = scoped_session(sessionmaker(engine))
    auto_add(Base, Session)          # returns a function that undoes it
    Location(name="Paris")           # joins Session() by itself
    Session.commit()

Run: python auto_add.py [--db URL] [--echo]
(no --db: the URL in $DATABASE_URL, which keeps a password out of ps,
else SQLite in memory)
(or python -m casestudies.auto_add in the tutorial)
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import String, create_engine, event, select
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    mapped_column,
    scoped_session,
    sessionmaker,
)


def auto_add(
    base_or_class: type, session_registry: scoped_session[Any]
) -> Callable[[], None]:
    """Add every new instance of ``base_or_class`` (and of its subclasses)
    to ``session_registry()``, the current session, as it is constructed.

    If the constructor raises, the half-built instance is taken out of the
    session again.  Returns a function that removes both listeners.
    """

    def add_on_init(target: Any, args: Any, kwargs: Any) -> None:
        # "init" fires before the body of __init__ runs: from here on the
        # object is pending, so anything __init__ does that autoflushes
        # would try to INSERT it half built (see the module docstring).
        session_registry.add(target)

    def expunge_on_failure(target: Any, args: Any, kwargs: Any) -> None:
        # Only look at a session that already exists: asking the registry
        # for one here would create a session just to find nothing in it.
        if not session_registry.registry.has():
            return
        session = session_registry()
        if target in session:
            session.expunge(target)

    listeners = (("init", add_on_init), ("init_failure", expunge_on_failure))
    for name, fn in listeners:
        event.listen(base_or_class, name, fn, propagate=True)

    def remove() -> None:
        for name, fn in listeners:
            event.remove(base_or_class, name, fn)

    return remove


# --- demo -----------------------------------------------------------------


class Base(DeclarativeBase):
    pass


class Location(Base):
    __tablename__ = "location"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))

    def __init__(self, name: str) -> None:
        if not name:
            raise ValueError("a location needs a name")
        self.name = name

    def __repr__(self) -> str:
        return f"Location({self.name!r})"


def _demo(url: str, check: _Checks) -> None:
    engine = create_engine(url)
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    Session = scoped_session(sessionmaker(engine))
    remove = auto_add(Base, Session)
    try:
        home = Location("home")
        # No session.add(): the init listener put it in this thread's
        # session while the constructor ran.
        check(
            home in Session() and home in Session.new,
            'home in Session() and home in Session.new',
        )
        print("constructed:", home, "pending:", home in Session.new)

        try:
            Location("")
        except ValueError as err:
            print("constructor raised:", err)
        # init_failure took the half-built object out again: only the
        # good one is pending.
        check(
            list(Session.new) == [home],
            f"list(Session.new) == [home]: {list(Session.new)!r}",
        )

        seen: dict[str, bool] = {}

        def elsewhere() -> None:
            office = Location("office")
            # Another thread has its own session in the registry.
            seen["in its own session"] = office in Session()
            seen["in the main thread's"] = office in main_session
            Session.remove()

        main_session = Session()
        worker = threading.Thread(target=elsewhere)
        worker.start()
        worker.join()
        print("other thread:", seen)
        check(
            seen == {"in its own session": True,
                     "in the main thread's": False},
            f"each thread sees only its own session: {seen!r}",
        )

        Session.commit()
        names = Session.scalars(select(Location.name)).all()
        print("saved:", names)
        # Only the object built in this thread, whose session committed.
        check(names == ["home"], 'names == ["home"]')
    finally:
        remove()
        Session.remove()
        Base.metadata.drop_all(engine)
        engine.dispose()


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
