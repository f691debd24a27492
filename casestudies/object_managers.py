"""Illustrates Django-style ``Model.objects`` managers that keep
persistence code (adding, deleting, querying) out of business classes.

When to use it: a team used to Django's ``User.objects.filter(...)``, or
a code base that wants one obvious place per model for its queries
(``User.objects.with_email(...)``) instead of ``select()`` statements
scattered through the business logic.  The manager works on the current
session of a ``scoped_session``, so it suits the same programs a
thread-scoped session suits (web requests, jobs); code that passes
sessions around explicitly gains little from it.

What it replaced: in 2010 a ``MapperExtension`` whose ``instrument_class``
hook set ``cls.objects`` (returning ``EXT_CONTINUE``), attached with
``mapper(cls, table, extension=[...])``, and managers that passed calls
through to ``Query`` (``filter``, ``get``...) and to the session.  In
SQLAlchemy 2.x ``MapperEvents.instrument_class`` is the same hook, and a
listener on a declarative base with ``propagate=True`` covers every model
mapped later; the queries are 2.0-style ``select()`` run with
``Session.scalars()``, and ``get()`` is ``Session.get()`` (``Query.get``
is legacy).  Nothing here is built in: SQLAlchemy deliberately leaves
"where does the session come from" to the application.

Requires: SQLAlchemy 2.x; no particular database.

In your application::

    from object_managers import install

    Session = scoped_session(sessionmaker(engine))
    install(Base, Session)                   # every model gets .objects
    User.objects.filter_by(name="ed").all()

Run: python object_managers.py [--db URL] [--echo]
(no --db: the URL in $DATABASE_URL, which keeps a password out of ps,
else SQLite in memory)
(or python -m casestudies.object_managers in the tutorial)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, Generic, TypeVar

from sqlalchemy import (
    Select,
    String,
    create_engine,
    event,
    inspect,
    select,
)
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Mapper,
    Session,
    mapped_column,
    scoped_session,
    sessionmaker,
)

M = TypeVar("M")

#: A ``scoped_session``, or any callable returning the current session.
SessionSource = Callable[[], Session]


class Selection(Generic[M]):
    """A ``select()`` of one model, run in its manager's current session.

    Immutable like the statement it wraps: each refining method returns a
    new ``Selection``.  ``.statement`` is the plain ``Select`` for
    anything the wrapper does not cover.
    """

    def __init__(self, manager: Manager[M], statement: Select[Any]) -> None:
        self.manager = manager
        self.statement = statement

    def _with(self, statement: Select[Any]) -> Selection[M]:
        return type(self)(self.manager, statement)

    def where(self, *criteria: Any) -> Selection[M]:
        return self._with(self.statement.where(*criteria))

    def filter_by(self, **values: Any) -> Selection[M]:
        return self._with(self.statement.filter_by(**values))

    def order_by(self, *clauses: Any) -> Selection[M]:
        return self._with(self.statement.order_by(*clauses))

    def limit(self, count: int) -> Selection[M]:
        return self._with(self.statement.limit(count))

    def all(self) -> list[M]:
        return list(self.manager.session.scalars(self.statement).all())

    def first(self) -> M | None:
        return self.manager.session.scalars(self.statement.limit(1)).first()

    def one(self) -> M:
        return self.manager.session.scalars(self.statement).one()

    def one_or_none(self) -> M | None:
        return self.manager.session.scalars(self.statement).one_or_none()

    def __iter__(self) -> Iterator[M]:
        return iter(self.all())


class Manager(Generic[M]):
    """Takes instances of one model in and out of persistent state.

    Subclass it to add the model's own queries, and name the subclass in
    the model as ``manager_class``.  ``flush()`` and ``commit()`` act on
    the whole current session, as in Django and in the 2010 recipe.
    """

    def __init__(self, model: type[M], sessions: SessionSource) -> None:
        self.model = model
        self._sessions = sessions

    def __repr__(self) -> str:
        return f"<{type(self).__name__} for {self.model.__name__}>"

    @property
    def session(self) -> Session:
        """The current session (asked for anew on every call)."""
        return self._sessions()

    # --- queries ---------------------------------------------------------

    def select(self) -> Selection[M]:
        return Selection(self, select(self.model))

    def all(self) -> list[M]:
        return self.select().all()

    def filter_by(self, **values: Any) -> Selection[M]:
        return self.select().filter_by(**values)

    def where(self, *criteria: Any) -> Selection[M]:
        return self.select().where(*criteria)

    def get(self, pk: Any) -> M | None:
        # Session.get looks in the identity map first: no SQL at all for
        # an object the session already holds.
        return self.session.get(self.model, pk)

    # --- persistence -----------------------------------------------------

    def _check(self, obj: Any) -> None:
        if not isinstance(obj, self.model):
            raise TypeError(
                f"{self!r} manages {self.model.__name__} objects, "
                f"not {type(obj).__name__}"
            )

    def add(self, obj: M) -> M:
        self._check(obj)
        self.session.add(obj)
        return obj

    def add_all(self, objs: Iterable[M]) -> list[M]:
        objs = list(objs)
        for obj in objs:
            self._check(obj)
        self.session.add_all(objs)
        return objs

    def delete(self, obj: M) -> None:
        self._check(obj)
        self.session.delete(obj)

    def flush(self) -> None:
        self.session.flush()

    def commit(self) -> None:
        self.session.commit()


def _attach(
    cls: type, sessions: SessionSource, default: type[Manager[Any]],
    attribute: str,
) -> None:
    factory = getattr(cls, "manager_class", default)
    # Every mapped class gets its own manager, bound to itself: a mapped
    # subclass does not share its parent's (it would query the parent).
    setattr(cls, attribute, factory(cls, sessions))


def install(
    base_or_class: type,
    sessions: SessionSource,
    *,
    default: type[Manager[Any]] = Manager,
    attribute: str = "objects",
) -> None:
    """Give ``base_or_class`` and every class mapped under it a manager.

    ``sessions`` is a ``scoped_session`` (or a callable returning the
    current session).  A model picks its manager class with a
    ``manager_class`` attribute; otherwise it gets ``default``.  Classes
    mapped later get theirs from the ``instrument_class`` mapper event,
    classes already mapped get theirs now.
    """

    def on_instrument(mapper: Mapper[Any], cls: type) -> None:
        _attach(cls, sessions, default, attribute)

    event.listen(base_or_class, "instrument_class", on_instrument,
                 propagate=True)
    pending = [base_or_class]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if inspect(cls, raiseerr=False) is not None:
            _attach(cls, sessions, default, attribute)


# --- demo -----------------------------------------------------------------


class Base(DeclarativeBase):
    pass


class UserManager(Manager["User"]):
    def with_email(self, email: str) -> Selection[User]:
        return self.filter_by(email=email)


class User(Base):
    __tablename__ = "object_managers_user"
    manager_class = UserManager

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(100))

    def __repr__(self) -> str:
        return f"<User {self.email!r}>"


def _demo(url: str, check: _Checks) -> None:
    engine = create_engine(url)
    Session = scoped_session(sessionmaker(engine))
    try:
        Base.metadata.drop_all(engine)
        Base.metadata.create_all(engine)
        install(Base, Session)
        objects: Any = User.objects  # set by install(), unknown to mypy

        # User existed before install(): it got its manager class anyway.
        check(
            isinstance(objects, UserManager),
            'isinstance(objects, UserManager)',
        )
        print("User.objects is", objects)

        objects.add_all([User(email="jek@example.com"),
                         User(email="mike@example.com")])
        objects.commit()
        everyone = objects.select().order_by(User.id).all()
        print("all:", everyone)
        check(
            [u.email for u in everyone]
            == ["jek@example.com", "mike@example.com"],
            f"objects.select() finds both users: {everyone!r}",
        )

        found = objects.with_email("mike@example.com").one()
        # The model's own query method, and get() by primary key returns
        # the very same object from the session's identity map.
        check(objects.get(found.id) is found, 'objects.get(found.id) is found')
        print("with_email:", found)

        objects.delete(found)
        objects.commit()
        check(
            objects.filter_by(email="mike@example.com").first() is None,
            'objects.filter_by(email="mike@example.com").first() is None',
        )
        print("after delete:", objects.all())

        try:
            objects.add(object())
        except TypeError as err:
            # A manager refuses objects of other models.
            print("refused:", err)
        else:
            raise AssertionError("the manager accepted a foreign object")
    finally:
        # Session first: on PostgreSQL its open transaction would make
        # DROP TABLE wait for ever.
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
