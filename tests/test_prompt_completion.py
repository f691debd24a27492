"""Tab completion on live objects: real SQLAlchemy objects on SQLite,
hostile objects that must neither run nor raise, and keystrokes through
prompt_toolkit's pipe input."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document
from prompt_toolkit.history import InMemoryHistory
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput
from sqlalchemy import (
    Column,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    event,
    literal,
    select,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    mapped_column,
    relationship,
)

from sliderepl.ui.completion import NamespaceCompleter
from sliderepl.ui.prompt import make_session
from tests.test_repl_input import _fast_tour, started  # noqa: F401
from tests.tmuxterm import ROOT


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(30))
    addresses: Mapped[list[Address]] = relationship(back_populates="user")


class Address(Base):
    __tablename__ = "addresses"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    email: Mapped[str] = mapped_column(String(50))
    user: Mapped[User] = relationship(back_populates="addresses")


class Calls:
    """Counts what a hostile object was made to run."""

    count = 0


class Hostile:
    """Every way an object can run code when looked at: raises."""

    def __getattr__(self, name: str) -> Any:
        Calls.count += 1
        raise RuntimeError("__getattr__ ran")

    def __dir__(self) -> list[str]:
        Calls.count += 1
        raise RuntimeError("__dir__ ran")

    @property
    def boom(self) -> Any:
        Calls.count += 1
        raise RuntimeError("property ran")

    @property  # type: ignore[misc]
    def __class__(self) -> type:  # isinstance() would read it
        Calls.count += 1
        raise RuntimeError("__class__ ran")

    def method(self) -> None:
        pass


class WithProperty:
    @property
    def computed(self) -> str:
        Calls.count += 1
        return "ran"


@pytest.fixture
def namespace() -> Iterator[dict[str, Any]]:
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    metadata = MetaData()
    table = Table(
        "user_account", metadata,
        Column("id", Integer, primary_key=True),
        Column("name", String(30)),
    )
    with Session(engine) as session:
        session.add(User(name="ann", addresses=[Address(email="a@x")]))
        session.commit()
        row = session.execute(select(literal(1).label("one"))).one()
        Calls.count = 0
        yield {
            "engine": engine, "table": table, "session": session,
            "row": row, "hostile": Hostile(), "mine": WithProperty(),
            "User": User,
        }
    engine.dispose()


def complete(namespace: dict[str, Any], text: str) -> list[str]:
    completer = NamespaceCompleter(lambda: namespace)
    found = completer.get_completions(Document(text), CompleteEvent())
    return [c.text for c in found]


def test_table_columns_complete_after_c(namespace: dict[str, Any]) -> None:
    found = complete(namespace, "table.c.")
    assert {"id", "name", "keys"} <= set(found)
    assert complete(namespace, "table.c.na") == ["name"]
    assert "type" in complete(namespace, "table.c.name.")
    assert complete(namespace, "table.c.name.prim") == ["primary_key"]


def test_session_and_engine_attributes(namespace: dict[str, Any]) -> None:
    assert {"add", "execute", "commit", "info"} <= set(
        complete(namespace, "session.")
    )
    assert {"connect", "pool", "url", "dialect"} <= set(
        complete(namespace, "engine.")
    )
    # attributes of attributes, through SQLAlchemy's own properties
    assert "drivername" in complete(namespace, "engine.url.")
    assert "dispose" in complete(namespace, "engine.pool.")
    assert "add" in complete(namespace, "session.dirty.")  # a set
    assert complete(namespace, "row.on") == ["one"]


def test_mapped_classes_and_their_attributes(
    namespace: dict[str, Any],
) -> None:
    assert {"addresses", "name", "id"} <= set(complete(namespace, "User."))
    assert "like" in complete(namespace, "User.name.")


def test_an_unloaded_orm_attribute_emits_no_sql(
    namespace: dict[str, Any],
) -> None:
    session: Session = namespace["session"]
    user = session.scalars(select(User)).one()  # addresses not loaded
    namespace["user"] = user
    statements: list[str] = []

    def seen(conn: object, cursor: object, statement: str,
             *args: object) -> None:
        statements.append(statement)

    event.listen(Engine, "before_cursor_execute", seen)
    try:
        assert complete(namespace, "user.addresses.") == []
        assert "upper" in complete(namespace, "user.name.")  # loaded
        assert statements == []  # Tab never loaded anything
        user.addresses  # noqa: B018 - now it is loaded
        assert "append" in complete(namespace, "user.addresses.")
    finally:
        event.remove(Engine, "before_cursor_execute", seen)


def test_code_in_the_namespace_is_never_run(
    namespace: dict[str, Any],
) -> None:
    assert "method" in complete(namespace, "hostile.")  # from its class
    assert complete(namespace, "hostile.boom.") == []
    assert complete(namespace, "hostile.missing.") == []
    assert complete(namespace, "hostile.method.__") != []
    assert complete(namespace, "mine.computed.") == []  # slide code
    assert Calls.count == 0


def test_calls_and_subscripts_are_not_evaluated(
    namespace: dict[str, Any],
) -> None:
    assert complete(namespace, "session.get_bind().") == []
    assert complete(namespace, "namespace['x'].table.") == []
    assert complete(namespace, "f(table).c.") == []


def test_commands_still_complete(namespace: dict[str, Any]) -> None:
    assert complete(namespace, "!th") == ["theme"]
    assert "goto" in complete(namespace, "!g")


MENU = "(menu open)"


def typed(state: Any, steps: list[tuple[str, str | None]]) -> str:
    """Type each step's keys at a real prompt session; before the next
    step, wait until the line reads the step's text, or the completion
    menu is open (``MENU``): completion runs asynchronously, as in a
    terminal.  The line returned on Enter."""
    with create_pipe_input() as pipe:
        session = make_session(state, InMemoryHistory(), pipe, DummyOutput())

        def wait(done: Callable[[Any], bool]) -> None:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                if done(session.app.current_buffer):
                    return
                time.sleep(0.01)

        def selected(buffer: Any) -> bool:
            state = buffer.complete_state
            return state is not None and state.current_completion is not None

        def feed() -> None:
            for keys, then in steps:
                if keys == "\r" and selected(session.app.current_buffer):
                    # Enter takes a completion picked in the menu (as in a
                    # terminal); the next Enter sends the line
                    pipe.send_text(keys)
                    wait(lambda buffer: buffer.complete_state is None)
                pipe.send_text(keys)
                if then is not None:
                    wait(lambda buffer, then=then: buffer.text == then or (
                        then == MENU and buffer.complete_state is not None
                    ))

        threading.Thread(target=feed, daemon=True).start()
        return session.prompt()


def test_tab_through_the_pipe_input_completes(
    namespace: dict[str, Any],
) -> None:
    state = started()
    state.nav.interpreter.namespace.update(namespace)
    # one match completes at once
    assert typed(state, [
        ("table.c.na\t", "table.c.name"),
        (".primary_\t", "table.c.name.primary_key"),
        ("\r", None),
    ]) == "table.c.name.primary_key"
    # several (dialect, dispatch, dispose): a second Tab takes the first
    assert typed(state, [
        ("session.autob\t", "session.autobegin"), ("\r", None),
    ]) == "session.autobegin"
    assert typed(state, [
        ("session.begin_\t", "session.begin_nested"), ("\r", None),
    ]) == "session.begin_nested"
    assert typed(state, [
        ("engine.di\t", MENU), ("\t", "engine.dialect"), ("\r", None),
    ]) == "engine.dialect"
    assert typed(state, [
        ("hostile.boom.\t", None), ("\t", None), ("\r", None),
    ]) == "hostile.boom."
    assert typed(state, [
        ("hostile.me\t", "hostile.method"), ("\r", None),
    ]) == "hostile.method"
    assert Calls.count == 0
    shown = state.screen.console.file.getvalue()  # type: ignore[attr-defined]
    assert "Traceback" not in shown


def test_the_completion_module_is_not_imported_at_startup() -> None:
    code = (
        "import sys, io\n"
        "from tests.test_repl_input import TOUR\n"
        "from sliderepl.deck.parser import load\n"
        "from sliderepl.run.options import Options\n"
        "from sliderepl.screen.console import Screen\n"
        "from sliderepl.screen.theme import make_console\n"
        "from sliderepl.ui import repl, prompt\n"
        "state = repl.make_state(load(TOUR), Options(deck=TOUR),"
        " Screen(make_console(file=io.StringIO())))\n"
        "print('sliderepl.ui.live_attrs' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True,
                          text=True, check=True, cwd=ROOT)
    assert done.stdout.strip() == "False"


def test_a_stray_escape_before_digits_starts_no_repeat_count() -> None:
    """Escape 1 2 3 is prompt_toolkit's Emacs repeat count: ``*`` would
    go in 123 times (a six-digit count froze the prompt for minutes in
    the long fuzz run).  Here the digits are typed as digits."""
    state = started()
    assert typed(state, [("\x1b123*7", "123*7"), ("\r", None)]) == "123*7"
    assert typed(state, [("1\x1b-2", "1-2"), ("\r", None)]) == "1-2"
