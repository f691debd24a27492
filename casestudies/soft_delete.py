"""Illustrates a global filter on every query of an entity: rows marked as
deleted vanish from every ORM SELECT, ``Session.get()``, join and
relationship load (lazy and eager), unless one statement opts out with the
execution option ``include_deleted=True`` (its eager loads with it; a lazy
load later is a statement of its own, and filtered).

When to use it: soft delete (rows are kept, with a ``deleted_at`` stamp,
for audit or undo) and the same shape for multi-tenancy (every query sees
one tenant's rows).  The filter lives in one place, so a forgotten
``.where(deleted_at IS NULL)`` can't leak a deleted row into a page.
It filters ORM statements only: Core ``connection.execute()``, raw SQL and
bulk ``update()``/``delete()`` see every row.  And ``Session.get()`` of an
object still in the identity map returns it without any SQL, so
``soft_delete()`` below takes the object out of its session.

What it replaced: in 2010 "extending queries" meant a ``Query`` subclass
(passed as ``sessionmaker(query_cls=...)``) that added the criterion in
``__iter__`` and ``get()``, or a ``MapperExtension.append_result`` that
dropped loaded rows after the fact.  Both missed statements that did not
go through them.  SQLAlchemy 2.x has one hook for the ORM statements a
session executes (not the flush's INSERT/UPDATE/DELETE), the session
event ``do_orm_execute``, and an option that adds criteria wherever an
entity appears, ``with_loader_criteria``: in the FROM and in JOIN ... ON,
for aliases, and carried into the lazy and eager (selectin, joined) loads
of the objects the statement loads.  A lazy load of an object no filtered
statement loaded (one the session created itself, or one loaded with
``include_deleted=True``) carries nothing, so the listener adds the
criterion to such a load itself.

In your application::

    from soft_delete import SoftDeleteMixin, install, soft_delete

    class Post(SoftDeleteMixin, Base):          # adds a deleted_at column
        __tablename__ = "posts"
        id: Mapped[int] = mapped_column(primary_key=True)

    Base.metadata.create_all(engine)            # or your migrations
    install(Session)                            # or your sessionmaker
    with Session() as session:
        post = Post()
        session.add(post)
        session.commit()
        soft_delete(session, post)
        session.commit()
        session.scalars(select(Post)).all()     # [], and with the option:
        session.scalars(select(Post),
                        execution_options={"include_deleted": True})

Requires: SQLAlchemy 2.0 or later; any database.

Run: python soft_delete.py [--db URL] [--echo]
(no --db: the URL in $DATABASE_URL, which keeps a password out of ps,
else SQLite in memory)
(or python -m casestudies.soft_delete in the tutorial)
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import DateTime, event, func, inspect
from sqlalchemy.orm import (
    Mapped,
    ORMExecuteState,
    Session,
    UserDefinedOption,
    mapped_column,
    sessionmaker,
    with_loader_criteria,
)

#: The execution option that lets one statement see deleted rows.
INCLUDE_DELETED = "include_deleted"


class SoftDeleteMixin:
    """A nullable ``deleted_at`` column; NULL means "not deleted"."""

    deleted_at: Mapped[datetime.datetime | None] = mapped_column(
        DateTime(timezone=True), default=None
    )


class _Hidden(UserDefinedOption):
    """Marks a statement that got the criterion.  It travels with the
    criterion into the lazy loads of what the statement loaded, so a
    lazy load that carries it needs no second copy."""

    propagate_to_loaders = True


def _hide_deleted(state: ORMExecuteState) -> None:
    # Every ORM statement the session executes passes here (the flush's
    # INSERT/UPDATE/DELETE do not).  Add the criterion to SELECTs that
    # load entities; ``with_loader_criteria`` carries it into joined and
    # selectin loads and into the lazy loads of the objects loaded.  A
    # lazy load whose parent no filtered SELECT loaded (an object this
    # session created, or one loaded with include_deleted=True) carries
    # nothing: it gets the criterion here.  Column loads (refresh,
    # deferred columns) are for objects the session already has.
    if not state.is_select or state.is_column_load:
        return
    if state.execution_options.get(INCLUDE_DELETED, False):
        return
    if state.is_relationship_load and (
        # an eager load (its statement's criterion came with it), or a
        # lazy load that carries the criterion already
        state.lazy_loaded_from is None
        or any(isinstance(o, _Hidden) for o in state.user_defined_options)
    ):
        return
    state.statement = state.statement.options(
        with_loader_criteria(
            SoftDeleteMixin,
            lambda cls: cls.deleted_at.is_(None),
            include_aliases=True,
        ),
        _Hidden(),
    )


def install(
    target: type[Session] | sessionmaker[Any] | Session = Session,
) -> Callable[[], None]:
    """Hide soft-deleted rows from every ORM query of sessions of
    ``target`` (a Session class, a sessionmaker or one session).

    Returns a function that removes the filter again.
    """
    event.listen(target, "do_orm_execute", _hide_deleted)
    return lambda: event.remove(target, "do_orm_execute", _hide_deleted)


def soft_delete(session: Session, obj: SoftDeleteMixin) -> None:
    """Mark ``obj`` deleted, flush, and take it out of ``session``.

    The stamp is the database's clock in the UPDATE, the same for every
    application server, and UTC: ``now()`` (a ``timestamptz`` on
    PostgreSQL, ``CURRENT_TIMESTAMP`` on SQLite), but ``UTC_TIMESTAMP()``
    on MariaDB and MySQL, whose ``DATETIME`` is naive and whose ``NOW()``
    is each connection's ``time_zone`` wall clock.  Expunging matters:
    ``Session.get()`` finds an object still in the identity map without
    sending SQL, and so without the filter.
    """
    dialect = session.get_bind(inspect(obj).mapper).dialect.name
    if dialect in ("mariadb", "mysql"):
        obj.deleted_at = func.utc_timestamp()
    else:
        obj.deleted_at = func.now()
    session.flush()
    session.expunge(obj)


# -- the demo ----------------------------------------------------------


def _demo(url: str, check: _Checks) -> None:
    from sqlalchemy import ForeignKey, String, create_engine, select
    from sqlalchemy.orm import (
        DeclarativeBase,
        aliased,
        relationship,
        selectinload,
    )

    class Base(DeclarativeBase):
        pass

    class Author(SoftDeleteMixin, Base):
        __tablename__ = "soft_delete_author"
        id: Mapped[int] = mapped_column(primary_key=True)
        name: Mapped[str] = mapped_column(String(50))
        posts: Mapped[list[Post]] = relationship(
            back_populates="author", order_by="Post.id")

    class Post(SoftDeleteMixin, Base):
        __tablename__ = "soft_delete_post"
        id: Mapped[int] = mapped_column(primary_key=True)
        author_id: Mapped[int] = mapped_column(
            ForeignKey("soft_delete_author.id"))
        title: Mapped[str] = mapped_column(String(50))
        author: Mapped[Author] = relationship(back_populates="posts")

    def checked(what: str, ok: bool) -> None:
        check(ok, what)
        print(f"  ok: {what}")

    def titles(posts: Any) -> list[str]:
        return [p.title for p in posts]

    engine = create_engine(url)
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    Sessions = sessionmaker(engine)
    remove = install(Sessions)
    try:
        with Sessions() as session:
            ada = Author(name="ada", posts=[
                Post(title="kept"), Post(title="draft"), Post(title="old")])
            session.add_all([ada, Author(name="gone")])
            session.commit()
            draft_id = session.scalars(
                select(Post.id).where(Post.title == "draft")).one()
            for title in ("draft", "old"):
                soft_delete(session, session.scalars(
                    select(Post).where(Post.title == title)).one())
            soft_delete(session, session.scalars(
                select(Author).where(Author.name == "gone")).one())
            session.commit()

        with Sessions() as session:
            checked("select() hides deleted rows",
                  titles(session.scalars(select(Post))) == ["kept"])
            checked("Session.get() of a deleted row is None",
                  session.get(Post, draft_id) is None)
            checked("aliases are filtered too (include_aliases)",
                  titles(session.scalars(select(aliased(Post)))) == ["kept"])
            joined = session.scalars(
                select(Author.name).join(Author.posts)
                .where(Post.title == "old")).all()
            checked("JOIN ... ON gets the criterion", joined == [])
            checked("a deleted parent is hidden",
                  session.scalars(select(Author.name)).all() == ["ada"])
            ada = session.scalars(select(Author)).one()
            checked("a lazy load of a relationship is filtered",
                  titles(ada.posts) == ["kept"])

        with Sessions() as session:
            ada = session.scalars(
                select(Author).where(Author.name == "ada"),
                execution_options={INCLUDE_DELETED: True}).one()
            checked("...under a parent loaded with include_deleted=True",
                  titles(ada.posts) == ["kept"])

        with Sessions() as session:
            ada = session.scalars(
                select(Author).options(selectinload(Author.posts))).one()
            # Loaded by the selectin query, before any access.
            checked("a selectinload is filtered",
                  titles(ada.__dict__.get("posts", [])) == ["kept"])

        with Sessions() as session:
            every = session.scalars(
                select(Post).order_by(Post.id),
                execution_options={INCLUDE_DELETED: True}).all()
            checked("include_deleted=True opts one statement out",
                  titles(every) == ["kept", "draft", "old"])
            checked("...and not the next one",
                  titles(session.scalars(select(Post))) == ["kept"])
            got = session.get(Post, draft_id,
                              execution_options={INCLUDE_DELETED: True})
            checked("Session.get() can opt out", got is not None
                  and got.title == "draft")
            with engine.connect() as conn:
                core = conn.scalar(
                    select(func.count()).select_from(Post.__table__))
            checked("Core statements are not filtered (3 rows stored)",
                  core == 3)

        with Sessions() as session:
            bea = Author(name="bea", posts=[Post(title="new"),
                                            Post(title="dropped")])
            session.add(bea)
            session.commit()
            soft_delete(session, session.scalars(
                select(Post).where(Post.title == "dropped")).one())
            session.commit()  # expires bea: the next access loads again
            checked("...and of an object this session created",
                  titles(bea.posts) == ["new"])

        remove()
        with Sessions() as session:
            checked("remove() takes the filter off (5 posts stored)",
                  len(session.scalars(select(Post)).all()) == 5)
    finally:
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
