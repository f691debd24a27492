"""Tests for casestudies.auto_add: objects join the current session when
constructed, on every backend."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import ForeignKey, String, exc, func, select
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    mapped_column,
    scoped_session,
    sessionmaker,
)

from casestudies import auto_add as recipe


class Base(DeclarativeBase):
    pass


class Point(Base):
    __tablename__ = "aa_point"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(40))

    def __init__(self, label: str, fail: bool = False) -> None:
        self.label = label
        if fail:
            raise ValueError("constructor failed")


class Tagged(Base):
    """A NOT NULL column set only after a query inside ``__init__``."""

    __tablename__ = "aa_tagged"

    id: Mapped[int] = mapped_column(primary_key=True)
    point_id: Mapped[int] = mapped_column(ForeignKey("aa_point.id"))
    tag: Mapped[str] = mapped_column(String(40))

    def __init__(self, session: object, tag: str) -> None:
        # The query autoflushes: the half-built self is already pending.
        self.point_id = session.scalar(select(func.max(Point.id)))
        self.tag = tag


@pytest.fixture
def registry(engine) -> Iterator[scoped_session]:
    Base.metadata.create_all(engine)
    sessions = scoped_session(sessionmaker(engine))
    remove = recipe.auto_add(Base, sessions)
    yield sessions
    remove()
    sessions.remove()


def count_points(engine) -> int:
    with engine.connect() as cx:
        return cx.scalar(select(func.count()).select_from(Point))


def test_constructed_object_is_pending_and_saved(registry, engine):
    # No session.add(): the init event did it.
    p = Point("a")
    assert p in registry.new
    registry.commit()
    assert count_points(engine) == 1


def test_failed_constructor_leaves_nothing(registry, engine):
    good = Point("good")
    with pytest.raises(ValueError):
        Point("bad", fail=True)
    # init_failure expunged the half-built object; only `good` remains.
    assert list(registry.new) == [good]
    registry.commit()
    assert count_points(engine) == 1


def test_each_thread_uses_its_own_session(registry, engine):
    both_built = threading.Barrier(2)
    found: dict[str, object] = {}
    labels: dict[str, str] = {}

    def work(name: str) -> None:
        point = Point(name)
        # Wait until the other thread has built its object too, so both
        # sessions are alive at the same time.
        both_built.wait(timeout=10)
        found[name] = sorted(p.label for p in registry.new)
        labels[name] = point.label
        registry.commit()
        registry.remove()

    threads = [threading.Thread(target=work, args=(n,)) for n in "xy"]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert found == {"x": ["x"], "y": ["y"]}
    assert labels == {"x": "x", "y": "y"}
    assert count_points(engine) == 2


def test_class_mapped_after_install_is_covered():
    class LocalBase(DeclarativeBase):
        pass

    sessions = scoped_session(sessionmaker())
    remove = recipe.auto_add(LocalBase, sessions)
    try:
        # Mapped only now, after auto_add: propagate=True on the base
        # still reaches it (and its subclasses).
        class Thing(LocalBase):
            __tablename__ = "aa_thing"
            id: Mapped[int] = mapped_column(primary_key=True)
            kind: Mapped[str] = mapped_column(String(10))
            __mapper_args__ = {"polymorphic_on": "kind",
                               "polymorphic_identity": "thing"}

        class Special(Thing):
            __mapper_args__ = {"polymorphic_identity": "special"}

        t, s = Thing(), Special()
        assert set(sessions.new) == {t, s}
    finally:
        remove()
        sessions.remove()


def test_remove_stops_auto_adding(engine):
    sessions = scoped_session(sessionmaker(engine))
    remove = recipe.auto_add(Base, sessions)
    remove()
    p = Point("loose")
    assert p not in sessions()
    sessions.remove()


def test_autoflush_inside_constructor_inserts_half_built_object(
    registry, engine
):
    # Why the pattern is hard in practice: the object is pending before
    # __init__ runs, so a query in the constructor flushes it half built
    # (tag is still NULL) and the NOT NULL constraint rejects it.
    Point("anchor")
    with pytest.raises(exc.IntegrityError):
        Tagged(registry(), "t")
    registry.rollback()


def test_demo_main_passes(db_url, capsys):
    assert recipe.main(["--db", db_url]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^auto_add: all \d+ checks passed on ", out, re.M)
