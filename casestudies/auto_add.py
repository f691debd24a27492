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

Run: python -m casestudies.auto_add [--db URL]
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

from workshop_db.demo import parse_args
from workshop_db import resolve_url


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


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv, __doc__)
    url = resolve_url(args.db)
    engine = create_engine(url)
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    Session = scoped_session(sessionmaker(engine))
    remove = auto_add(Base, Session)
    try:
        home = Location("home")
        # No session.add(): the init listener put it in this thread's
        # session while the constructor ran.
        assert home in Session() and home in Session.new
        print("constructed:", home, "pending:", home in Session.new)

        try:
            Location("")
        except ValueError as err:
            print("constructor raised:", err)
        # init_failure took the half-built object out again: only the
        # good one is pending.
        assert list(Session.new) == [home], list(Session.new)

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
        assert seen == {"in its own session": True,
                        "in the main thread's": False}

        Session.commit()
        names = Session.scalars(select(Location.name)).all()
        print("saved:", names)
        # Only the object built in this thread, whose session committed.
        assert names == ["home"]
    finally:
        remove()
        Session.remove()
        Base.metadata.drop_all(engine)
        engine.dispose()
    print("auto_add demo: all checks passed")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
