"""Illustrates stamping every row an ORM session writes with the user
stored in ``session.info``, using the Core audit column from part 1.

When to use it: the application knows who is acting (a web login, a job
name) and keeps one session per unit of work.  Code sets
``session.info["updated_by"] = user`` once; every INSERT and UPDATE that
session flushes fills the ``updated_by`` column through the column's own
default (:func:`casestudies.audit_log.updated_by_column`), with no change
to the mapped classes or to the code that writes.

How: the column default reads ``connection.info["updated_by"]``.  When the
session's transaction begins on a connection (``after_begin``) the user is
copied there, refreshed before each flush and each ``session.execute()``,
and removed as soon as the transaction ends, whichever way it ends:
commit, rollback, ``close()`` without either, a flush that raised, or a
session that was simply dropped and garbage collected.  ``Connection.info`` belongs to the pooled DBAPI
connection and outlives the checkout, so a forgotten value would stamp the
next, unrelated user of that connection.  The session events clean up
while the connection is still the session's; the pool's ``checkin`` event
(``audit_log.install_cleanup``) is the backstop for the paths where no
session event fires before the connection returns to the pool.

What it replaced: in 2010 a ``Session`` subclass that added ``.info`` and
a ``SessionExtension`` whose ``after_begin`` registered the connection and
whose ``after_commit`` / ``after_rollback`` unregistered it (``close()``
and garbage collection were not covered).  SQLAlchemy 2.x has
``Session.info`` built in and the same hooks as ``SessionEvents``, which
can be attached to one ``sessionmaker`` instead of every session.

Requires: SQLAlchemy 2.x and ``casestudies.audit_log``; any backend.

Run: python -m casestudies.contextual_defaults [--db URL]
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Engine, String, event, insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    ORMExecuteState,
    Session,
    SessionTransaction,
    mapped_column,
    sessionmaker,
)

from casestudies.audit_log import INFO_KEY, install_cleanup, updated_by_column
from workshop_db.demo import parse_args, single_connection_engine
from workshop_db import resolve_url

#: The ``Session.info`` key code sets; copied to ``Connection.info``.
SESSION_KEY = "updated_by"


class UserCopier:
    """The session listeners: copy the user to each connection the
    session's transaction uses, and take it away again.

    One instance per :func:`install`; its methods are the listeners.
    """

    def __init__(self) -> None:
        # Connections each live session has begun a transaction on.  All
        # weak: a session dropped without close() must not be kept alive
        # here, nor its connections, which then go back to the pool
        # through garbage collection in the same pass (and the pool's
        # checkin listener cleans them).
        self.begun: weakref.WeakKeyDictionary[
            Session, weakref.WeakSet[Connection]
        ] = weakref.WeakKeyDictionary()
        self.lock = threading.Lock()
        self.covered: weakref.WeakSet[Engine] = weakref.WeakSet()

    def cover(self, engine: Engine) -> None:
        """Install the pool backstop, once per engine."""
        if engine not in self.covered:
            with self.lock:
                install_cleanup(engine)
                self.covered.add(engine)

    def after_begin(
        self, session: Session, transaction: SessionTransaction,
        connection: Connection,
    ) -> None:
        self.cover(connection.engine)
        stamp(session, connection)
        with self.lock:
            self.begun.setdefault(session, weakref.WeakSet()).add(connection)

    def before_flush(
        self, session: Session, flush_context: Any, instances: Any
    ) -> None:
        # session.info may have changed since the transaction began.
        self.restamp(session)

    def do_orm_execute(self, state: ORMExecuteState) -> None:
        # The same for statements run with session.execute(), such as an
        # insert() of a mapped class.
        self.restamp(state.session)

    def restamp(self, session: Session) -> None:
        with self.lock:
            connections = list(self.begun.get(session, ()))
        for connection in connections:
            stamp(session, connection)

    def after_commit_or_rollback(self, session: Session) -> None:
        # Both also fire for a SAVEPOINT, and the outer transaction (and
        # its user) goes on then.  While a nested transaction is ending,
        # it is still the session's current nested transaction.
        if session.get_nested_transaction() is None:
            self.forget(session)

    def after_transaction_end(
        self, session: Session, transaction: SessionTransaction
    ) -> None:
        # Covers close() without commit or rollback, and rollback() after
        # a failed flush.  It fires after pooled connections went back
        # (checkin cleaned those), still in time for a connection the
        # session was bound to from outside.  (after_soft_rollback would
        # add nothing: it fires later still, after this event.)
        if transaction.parent is None:
            self.forget(session)

    def forget(self, session: Session) -> None:
        with self.lock:
            connections = list(self.begun.pop(session, ()))
        for connection in connections:
            # A closed connection went back to the pool, where the checkin
            # listener already cleaned it; touching .info of an
            # invalidated one would reconnect.
            if not (connection.closed or connection.invalidated):
                connection.info.pop(INFO_KEY, None)


def stamp(session: Session, connection: Connection) -> None:
    """Mirror the session's user on the connection, exactly: a session
    with no user also removes one earlier Core code left there."""
    if SESSION_KEY in session.info:
        connection.info[INFO_KEY] = session.info[SESSION_KEY]
    else:
        connection.info.pop(INFO_KEY, None)


def install(
    session_factory: sessionmaker[Any] | type[Session],
) -> Callable[[], None]:
    """Make sessions from ``session_factory`` stamp what they write with
    ``session.info["updated_by"]``.

    ``session_factory`` is a ``sessionmaker`` or a ``Session`` subclass.
    Engines the factory is bound to get the pool backstop now; engines met
    later get it on first use (install it up front with
    ``audit_log.install_cleanup(engine)`` if other threads already use
    such an engine).  Returns a function that removes the session events.
    """
    copier = UserCopier()
    listeners: list[tuple[str, Callable[..., None]]] = [
        ("after_begin", copier.after_begin),
        ("before_flush", copier.before_flush),
        ("do_orm_execute", copier.do_orm_execute),
        ("after_commit", copier.after_commit_or_rollback),
        ("after_rollback", copier.after_commit_or_rollback),
        ("after_transaction_end", copier.after_transaction_end),
    ]
    for bind in _known_binds(session_factory):
        copier.cover(bind)
    for name, fn in listeners:
        event.listen(session_factory, name, fn)

    def remove() -> None:
        for name, fn in listeners:
            event.remove(session_factory, name, fn)

    return remove


def _known_binds(
    session_factory: sessionmaker[Any] | type[Session],
) -> list[Engine]:
    """Engines a sessionmaker is configured with (``bind=``, ``binds=``)."""
    kw = getattr(session_factory, "kw", {})
    candidates = [kw.get("bind"), *(kw.get("binds") or {}).values()]
    return [c for c in candidates if isinstance(c, Engine)]


# --- demo -----------------------------------------------------------------


class Base(DeclarativeBase):
    pass


class Record(Base):
    __tablename__ = "contextual_demo_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    updated_by: Mapped[int | None] = updated_by_column()

    def __repr__(self) -> str:
        return f"Record({self.name!r}, updated_by={self.updated_by!r})"


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv, __doc__)
    url = resolve_url(args.db)
    # One pooled connection, so the plain Core insert at the end provably
    # reuses the connection the session wrote through.
    engine = single_connection_engine(url)
    records = Record.__table__
    try:
        Base.metadata.drop_all(engine)
        Base.metadata.create_all(engine)
        Session = sessionmaker(engine)
        remove = install(Session)

        with Session() as session:
            session.info["updated_by"] = 456
            record = Record(name="record 1")
            session.add(record)
            # Not flushed yet: the default has not run.
            assert record.updated_by is None
            print("before commit: updated_by", record.updated_by)
            session.commit()
            # Expired by the commit, reloaded: the default stamped it.
            assert record.updated_by == 456
            print("after commit: updated_by", record.updated_by)

            record.name = "record 1, renamed"
            session.info["updated_by"] = 789
            session.commit()
            # The UPDATE ran the column's onupdate with the new user.
            assert record.updated_by == 789
            print("after an update by 789:", record.updated_by)

        with Session() as session:
            session.info["updated_by"] = 111
            session.add(Record(name="never saved"))
            session.flush()
            session.rollback()

        with engine.begin() as cx:
            # The same single connection, used outside any session: the
            # session's user must not leak into it.
            assert INFO_KEY not in cx.info
            cx.execute(insert(records), {"name": "plain Core insert"})
        with engine.connect() as cx:
            rows = cx.execute(
                select(records.c.name, records.c.updated_by).order_by(
                    records.c.id
                )
            ).all()
        print("rows:", [tuple(r) for r in rows])
        assert [tuple(r) for r in rows] == [
            ("record 1, renamed", 789),
            ("plain Core insert", None),
        ], rows
        remove()
        Base.metadata.drop_all(engine)
    finally:
        engine.dispose()
    print("contextual_defaults demo: all checks passed")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
