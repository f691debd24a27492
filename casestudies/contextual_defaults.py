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
session that was simply dropped and garbage collected.
``Connection.info`` belongs to the pooled DBAPI connection and outlives
the checkout, so a forgotten value would stamp the next, unrelated user
of that connection.  The session events clean up
while the connection is still the session's; the pool's ``checkin`` event
(``audit_log.install_cleanup``) is the backstop for the paths where no
session event fires before the connection returns to the pool.

What it replaced: in 2010 a ``Session`` subclass that added ``.info`` and
a ``SessionExtension`` whose ``after_begin`` registered the connection and
whose ``after_commit`` / ``after_rollback`` unregistered it (``close()``
and garbage collection were not covered).  SQLAlchemy 2.x has
``Session.info`` built in and the same hooks as ``SessionEvents``, which
can be attached to one ``sessionmaker`` instead of every session.

Requires: SQLAlchemy 2.x only (the audit column of ``audit_log`` is
included); any backend.

In your application::

    from contextual_defaults import install, updated_by_column

    class Record(Base):
        __tablename__ = "records"
        id: Mapped[int] = mapped_column(primary_key=True)
        updated_by: Mapped[int | None] = updated_by_column()

    Session = sessionmaker(engine)
    install(Session)                         # once
    with Session(info={"updated_by": user_id}) as session:
        ...                                  # rows written carry user_id

Run: python contextual_defaults.py [--db URL] [--echo]
(no --db: the URL in $DATABASE_URL, which keeps a password out of ps,
else SQLite in memory)
(or python -m casestudies.contextual_defaults in the tutorial)
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Column, Engine, Integer, String, event, insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.engine.interfaces import ExecutionContext
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    ORMExecuteState,
    Session,
    SessionTransaction,
    mapped_column,
    sessionmaker,
)
from sqlalchemy.types import TypeEngine

#: The ``Session.info`` key code sets; copied to ``Connection.info``.
SESSION_KEY = "updated_by"


# The audit column and its pool cleanup: the audit_log recipe
# (casestudies/audit_log.py), repeated here so that this file works alone.

#: The ``Connection.info`` key the column defaults read.
INFO_KEY = "updated_by"


def current_user(context: ExecutionContext) -> Any:
    """Column default: the user stored in this connection's ``info``.

    SQLAlchemy passes the execution context to a default callable that
    accepts one argument; ``context.connection.info`` is the pool's
    per-DBAPI-connection dictionary.  ``None`` (SQL NULL) when no user is
    set: an unattributed write stays visible as such.
    """
    return context.connection.info.get(INFO_KEY)


def updated_by_column(
    name: str = "updated_by", *, type_: TypeEngine[Any] | None = None
) -> Column[Any]:
    """A new ``Column`` filled from ``connection.info["updated_by"]``.

    Both the insert default and the update default read the current user,
    so every INSERT and every UPDATE that does not set the column itself
    records who wrote the row.  A new ``Column`` per call because one
    ``Column`` cannot belong to two tables.  ``type_`` defaults to
    ``Integer`` (user ids); pass ``String(64)`` for user names.
    """
    return Column(
        name,
        type_ if type_ is not None else Integer(),
        default=current_user,
        onupdate=current_user,
    )


def _forget_user(dbapi_connection: Any, connection_record: Any) -> None:
    # ``connection_record.info`` is the same dictionary as
    # ``Connection.info``.  ``dbapi_connection`` is None when the
    # connection was invalidated; the record (and its info) still exists,
    # so the key is removed here too.
    connection_record.info.pop(INFO_KEY, None)


def install_cleanup(engine: Engine) -> None:
    """Forget the current user whenever a connection returns to the pool.

    ``checkin`` fires on every return: ``close()``, the end of a ``with``
    block (normal or by exception), garbage collection, and after an
    invalidation.  The ``reset`` event would miss the last case: it only
    fires when there is a live DBAPI connection to roll back.
    Idempotent: installing twice registers one listener.
    """
    if not event.contains(engine, "checkin", _forget_user):
        event.listen(engine, "checkin", _forget_user)


# -- the ORM part -------------------------------------------------------


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


def _demo(url: str, check: _Checks) -> None:
    # One pooled connection, so the plain Core insert at the end provably
    # reuses the connection the session wrote through.
    engine = _single_connection_engine(url)
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
            check(record.updated_by is None, 'record.updated_by is None')
            print("before commit: updated_by", record.updated_by)
            session.commit()
            # Expired by the commit, reloaded: the default stamped it.
            check(record.updated_by == 456, 'record.updated_by == 456')
            print("after commit: updated_by", record.updated_by)

            record.name = "record 1, renamed"
            session.info["updated_by"] = 789
            session.commit()
            # The UPDATE ran the column's onupdate with the new user.
            check(record.updated_by == 789, 'record.updated_by == 789')
            print("after an update by 789:", record.updated_by)

        with Session() as session:
            session.info["updated_by"] = 111
            session.add(Record(name="never saved"))
            session.flush()
            session.rollback()

        with engine.begin() as cx:
            # The same single connection, used outside any session: the
            # session's user must not leak into it.
            check(INFO_KEY not in cx.info, 'INFO_KEY not in cx.info')
            cx.execute(insert(records), {"name": "plain Core insert"})
        with engine.connect() as cx:
            rows = cx.execute(
                select(records.c.name, records.c.updated_by).order_by(
                    records.c.id
                )
            ).all()
        print("rows:", [tuple(r) for r in rows])
        check([tuple(r) for r in rows] == [
            ("record 1, renamed", 789),
            ("plain Core insert", None),
        ], f"the ORM row has the user, the Core insert none: {rows!r}")
        remove()
        Base.metadata.drop_all(engine)
    finally:
        engine.dispose()


def _single_connection_engine(url: str) -> Engine:
    """Demo helper: an engine whose pool holds exactly one connection.

    Every checkout is then provably the same DBAPI connection.  SQLite in
    memory gets a ``StaticPool`` (each new connection would be a new,
    empty database).
    """
    from sqlalchemy import create_engine
    from sqlalchemy.pool import StaticPool

    if url.startswith("sqlite") and url.endswith(("://", ":memory:")):
        return create_engine(url, poolclass=StaticPool)
    return create_engine(url, pool_size=1, max_overflow=0)


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
