"""Illustrates a global filter on every query of an entity: rows marked as
deleted vanish from every ORM SELECT, ``Session.get()``, join and
relationship load (lazy and eager), unless one statement opts out with the
execution option ``include_deleted=True``.

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
go through them.  SQLAlchemy 2.x has one hook for every ORM statement,
the session event ``do_orm_execute``, and an option that adds criteria
wherever an entity appears, ``with_loader_criteria``: in the FROM and
in JOIN ... ON, for aliases, and carried into the lazy and eager
(selectin, joined) loads of the objects the statement loads.

In your application::

    from soft_delete import SoftDeleteMixin, install, soft_delete

    class Post(SoftDeleteMixin, Base): ...      # adds a deleted_at column
    install(Session)                            # or your sessionmaker
    soft_delete(session, post); session.commit()
    session.scalars(select(Post), execution_options={"include_deleted": True})

Requires: SQLAlchemy 2.0 or later; any database.

Run: python soft_delete.py [--db URL] [--echo]
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from sqlalchemy import DateTime, event, func
from sqlalchemy.orm import (
    Mapped,
    ORMExecuteState,
    Session,
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


def _hide_deleted(state: ORMExecuteState) -> None:
    # Every ORM statement passes here.  Add the criterion to SELECTs that
    # load entities; relationship loads already carry it from the
    # statement that loaded their parent (``with_loader_criteria``
    # propagates), and column loads (refresh, deferred columns) are for
    # objects the session already has.
    if (
        state.is_select
        and not state.is_column_load
        and not state.is_relationship_load
        and not state.execution_options.get(INCLUDE_DELETED, False)
    ):
        state.statement = state.statement.options(
            with_loader_criteria(
                SoftDeleteMixin,
                lambda cls: cls.deleted_at.is_(None),
                include_aliases=True,
            )
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

    The stamp is the database's clock (``now()`` in the UPDATE), the same
    for every application server.  Expunging matters: ``Session.get()``
    finds an object still in the identity map without sending SQL, and so
    without the filter.
    """
    obj.deleted_at = func.now()
    session.flush()
    session.expunge(obj)


# ---------------------------------------------------------------------------
# The demo: everything below runs only as ``python soft_delete.py``.


def main(argv: list[str] | None = None) -> int:
    import argparse
    import sys

    parser = argparse.ArgumentParser(
        description=" ".join(__doc__.split("\n\n", 1)[0].split())
    )
    parser.add_argument(
        "--db", metavar="URL", default="sqlite://",
        help="database URL, or 'postgresql' / 'mariadb' to start a "
        "throwaway server (needs the tutorial installed); default: SQLite "
        "in memory",
    )
    parser.add_argument("--echo", action="store_true", help="show the SQL")
    args = parser.parse_args(argv)

    url = args.db
    if url in ("postgresql", "mariadb"):
        try:  # the tutorial's throwaway servers, if it is installed
            from workshop_db import resolve_url
        except ImportError:
            print(f"soft_delete: --db {url} needs the tutorial installed "
                  "(it starts a throwaway server); pass a URL instead",
                  file=sys.stderr)
            return 2
        try:
            url = resolve_url(url)
        except Exception as exc:  # noqa: BLE001 - one line, not a trace
            print(f"soft_delete: --db {args.db}: "
                  f"{str(exc).splitlines()[0]}", file=sys.stderr)
            return 2

    from sqlalchemy import create_engine, exc

    try:
        engine = create_engine(url, echo=args.echo)
        with engine.connect():
            pass
    except (exc.ArgumentError, exc.NoSuchModuleError, exc.DBAPIError,
            ImportError) as err:
        first = str(err).splitlines()[0] if str(err) else type(err).__name__
        print(f"soft_delete: bad --db {args.db!r}: {first}", file=sys.stderr)
        return 2
    backend = engine.url.get_backend_name()
    try:
        count = _demo(engine)
    except _Failed as failed:
        print(f"soft_delete: FAILED: {failed} on {backend}")
        return 1
    finally:
        engine.dispose()
    print(f"soft_delete: all {count} checks passed on {backend}")
    return 0


class _Failed(Exception):
    """A demo check that did not hold."""


def _demo(engine: Any) -> int:
    from sqlalchemy import ForeignKey, String, select
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

    checks = 0

    def check(what: str, ok: bool) -> None:
        nonlocal checks
        if not ok:
            raise _Failed(what)
        checks += 1
        print(f"  ok: {what}")

    def titles(posts: Any) -> list[str]:
        return [p.title for p in posts]

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
            check("select() hides deleted rows",
                  titles(session.scalars(select(Post))) == ["kept"])
            check("Session.get() of a deleted row is None",
                  session.get(Post, draft_id) is None)
            check("aliases are filtered too (include_aliases)",
                  titles(session.scalars(select(aliased(Post)))) == ["kept"])
            joined = session.scalars(
                select(Author.name).join(Author.posts)
                .where(Post.title == "old")).all()
            check("JOIN ... ON gets the criterion", joined == [])
            check("a deleted parent is hidden",
                  session.scalars(select(Author.name)).all() == ["ada"])
            ada = session.scalars(select(Author)).one()
            check("a lazy load of a relationship is filtered",
                  titles(ada.posts) == ["kept"])

        with Sessions() as session:
            ada = session.scalars(
                select(Author).options(selectinload(Author.posts))).one()
            # Loaded by the selectin query, before any access.
            check("a selectinload is filtered",
                  titles(ada.__dict__.get("posts", [])) == ["kept"])

        with Sessions() as session:
            every = session.scalars(
                select(Post).order_by(Post.id),
                execution_options={INCLUDE_DELETED: True}).all()
            check("include_deleted=True opts one statement out",
                  titles(every) == ["kept", "draft", "old"])
            check("...and not the next one",
                  titles(session.scalars(select(Post))) == ["kept"])
            got = session.get(Post, draft_id,
                              execution_options={INCLUDE_DELETED: True})
            check("Session.get() can opt out", got is not None
                  and got.title == "draft")
            with engine.connect() as conn:
                core = conn.scalar(
                    select(func.count()).select_from(Post.__table__))
            check("Core statements are not filtered (3 rows stored)",
                  core == 3)

        remove()
        with Sessions() as session:
            check("remove() takes the filter off",
                  len(session.scalars(select(Post)).all()) == 3)
    finally:
        Base.metadata.drop_all(engine)
    return checks


if __name__ == "__main__":
    raise SystemExit(main())
