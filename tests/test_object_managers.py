"""Tests for casestudies.object_managers: Django-style ``Model.objects``
on every mapped class, on every backend."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import ForeignKey, String, event, select
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    mapped_column,
    relationship,
    scoped_session,
    sessionmaker,
)

from casestudies import object_managers as om


def make_models() -> Any:
    """Fresh classes per test (a test runs once per backend)."""

    class Base(DeclarativeBase):
        pass

    class UserManager(om.Manager["User"]):
        def with_email(self, email: str) -> om.Selection[User]:
            return self.filter_by(email=email)

    class User(Base):
        __tablename__ = "om_user"
        manager_class = UserManager
        id: Mapped[int] = mapped_column(primary_key=True)
        email: Mapped[str] = mapped_column(String(100))
        kind: Mapped[str] = mapped_column(String(20), default="user")
        __mapper_args__ = {"polymorphic_on": "kind",
                           "polymorphic_identity": "user"}

    class Note(Base):
        __tablename__ = "om_note"
        id: Mapped[int] = mapped_column(primary_key=True)
        user_id: Mapped[int] = mapped_column(ForeignKey("om_user.id"))
        text: Mapped[str] = mapped_column(String(100))
        user: Mapped[User] = relationship()

    class Models:
        pass

    m = Models()
    m.Base, m.User, m.Note, m.UserManager = Base, User, Note, UserManager
    return m


@pytest.fixture
def setup(engine):
    m = make_models()
    m.Base.metadata.create_all(engine)
    m.sessions = scoped_session(sessionmaker(engine))
    om.install(m.Base, m.sessions)
    yield m
    m.sessions.remove()


def test_every_model_gets_a_manager_bound_to_itself(setup):
    m = setup
    # The model's own manager class, or the default.
    assert type(m.User.objects) is m.UserManager
    assert type(m.Note.objects) is om.Manager
    assert m.User.objects.model is m.User
    assert m.Note.objects.model is m.Note


def test_session_passthroughs(setup):
    m = setup
    a, b = m.User(email="a@x"), m.User(email="b@x")
    assert m.User.objects.add(a) is a
    assert a in m.sessions.new
    m.User.objects.add_all([b])
    m.User.objects.flush()
    # flush() wrote both rows: they have primary keys now.
    assert a.id is not None and b.id is not None
    m.User.objects.commit()
    # commit() ended the transaction: objects are expired.
    assert "email" not in a.__dict__
    m.User.objects.delete(b)
    assert b in m.sessions.deleted
    m.User.objects.commit()
    assert m.sessions.scalars(select(m.User.email)).all() == ["a@x"]


def test_query_passthroughs(setup):
    m = setup
    m.User.objects.add_all([m.User(email=e) for e in ("a@x", "b@x")])
    m.User.objects.commit()
    assert sorted(u.email for u in m.User.objects.all()) == ["a@x", "b@x"]
    b = m.User.objects.filter_by(email="b@x").one()
    assert b.email == "b@x"
    assert m.User.objects.filter_by(email="zz").first() is None
    assert m.User.objects.filter_by(email="zz").one_or_none() is None
    got = m.User.objects.where(m.User.email > "a@x").order_by(
        m.User.email
    ).all()
    assert got == [b]
    assert list(m.User.objects.select().order_by(m.User.id).limit(1)) == [
        m.User.objects.filter_by(email="a@x").one()
    ]


def test_get_uses_session_get_and_identity_map(setup, engine):
    m = setup
    u = m.User.objects.add(m.User(email="a@x"))
    m.User.objects.flush()
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute",
                 lambda *a: statements.append(a[2]))
    # Already in the identity map: Session.get() emits no SQL.
    assert m.User.objects.get(u.id) is u
    assert statements == []
    assert m.User.objects.get(-1) is None
    assert len(statements) == 1


def test_custom_manager_method(setup):
    m = setup
    m.User.objects.add_all([m.User(email="a@x"), m.User(email="b@x")])
    found = m.User.objects.with_email("b@x")
    assert isinstance(found, om.Selection)
    assert [u.email for u in found.all()] == ["b@x"]
    # The DSL composes with further criteria; the statement is plain SQL.
    assert found.where(m.User.id < 0).first() is None
    assert "om_user.email" in str(found.statement)


def test_manager_refuses_other_models(setup):
    m = setup
    with pytest.raises(TypeError, match="manages User objects, not Note"):
        m.User.objects.add(m.Note(text="x"))
    with pytest.raises(TypeError):
        m.Note.objects.add_all([m.User(email="a@x")])
    assert not m.sessions.new


def test_models_defined_after_install(setup):
    m = setup

    class Admin(m.User):
        __mapper_args__ = {"polymorphic_identity": "admin"}

    class Tag(m.Base):
        __tablename__ = "om_tag"
        id: Mapped[int] = mapped_column(primary_key=True)
        name: Mapped[str] = mapped_column(String(20))

    m.Base.metadata.create_all(m.sessions.get_bind())
    # Mapped after install(): the instrument_class listener fired.
    assert type(Tag.objects) is om.Manager
    # The subclass inherits the manager *class*, not the parent's manager.
    assert type(Admin.objects) is m.UserManager
    assert Admin.objects is not m.User.objects
    m.User.objects.add(m.User(email="u@x"))
    Admin.objects.add(Admin(email="root@x"))
    Tag.objects.add(Tag(name="t"))
    Tag.objects.commit()
    assert [a.email for a in Admin.objects.all()] == ["root@x"]
    assert sorted(u.email for u in m.User.objects.all()) == [
        "root@x", "u@x"
    ]
    assert [t.name for t in Tag.objects.all()] == ["t"]


def test_install_on_one_class_only(engine):
    m = make_models()
    m.Base.metadata.create_all(engine)
    sessions = scoped_session(sessionmaker(engine))
    om.install(m.Note, sessions)
    assert isinstance(m.Note.objects, om.Manager)
    assert not hasattr(m.User, "objects")
    sessions.remove()


def test_each_thread_uses_its_own_session(setup):
    m = setup
    both_added = threading.Barrier(2)
    seen: dict[str, list[str]] = {}

    def work(email: str) -> None:
        m.User.objects.add(m.User(email=email))
        both_added.wait(timeout=10)
        seen[email] = [u.email for u in m.sessions.new]
        m.sessions.remove()

    threads = [threading.Thread(target=work, args=(e,))
               for e in ("a@x", "b@x")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == {"a@x": ["a@x"], "b@x": ["b@x"]}


def test_demo_main_passes(db_url, capsys):
    assert om.main(["--db", db_url]) == 0
    out = capsys.readouterr().out
    assert "User.objects is <UserManager for User>" in out
    verdict = out.splitlines()[-1]
    assert verdict.startswith("object_managers: all 4 checks passed on ")
