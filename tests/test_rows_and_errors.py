"""Rows echoed at ``>>>`` as tables (the REPL and the handouts), the
plain repr on ``!repr``; intended errors as their final exception with
the deck line, the full chain on ``!tb``."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pytest
from sqlalchemy import String, create_engine, insert, select, text
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from sliderepl.deck.parser import load
from sliderepl.run.events import Value
from sliderepl.run.options import Options
from sliderepl.run.rows import LIMIT, NOT_LOADED, hint_of, table_of
from sliderepl.screen import render
from sliderepl.screen.console import Screen
from sliderepl.screen.theme import make_console
from sliderepl.tools.export import export
from sliderepl.ui import repl

DECK = '''\
### slide::
### title:: Rows
from sqlalchemy import create_engine, text, select, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, Session
e = create_engine("sqlite://")
class Base(DeclarativeBase): pass
class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(30))
Base.metadata.create_all(e)
s = Session(e)
s.add_all([User(id=i, name=f"u{i}") for i in range(1, 26)])
s.commit()
s.execute(select(User.id, User.name)).all()
### slide:: e
### title:: Oops
s.add(User(id=1, name="dup"))
s.commit()
'''


pytestmark = pytest.mark.usefixtures("state_home")


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "people"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column("full_name", String(30))


@pytest.fixture
def session() -> Session:
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    with Session(engine) as s:
        s.add_all([User(id=n, name=f"n{n}") for n in range(1, 4)])
        s.commit()
    s = Session(engine)
    yield s
    s.close()
    engine.dispose()


def drawn(renderable: object, width: int = 60) -> str:
    console = make_console(file=io.StringIO(), width=width)
    console.print(renderable)
    return console.file.getvalue()  # type: ignore[attr-defined]


# -- table_of: what counts as rows ----------------------------------------


def test_a_list_of_rows_has_its_column_names(session: Session) -> None:
    rows = table_of(session.execute(select(User.id, User.name)).all())
    assert rows is not None
    assert rows.columns == ("id", "name")
    assert rows.rows == (("1", "n1"), ("2", "n2"), ("3", "n3"))
    assert rows.more == 0


def test_a_live_result_is_no_table_and_is_not_read(session: Session) -> None:
    result = session.execute(text("select id, full_name from people"))
    assert table_of(result) is None
    assert hint_of(result) is not None
    # as after plain Python's ``>>> result``: every row is still there
    assert [tuple(r) for r in result.all()] == [
        (1, "n1"), (2, "n2"), (3, "n3")]


def test_a_result_without_rows_has_no_hint(session: Session) -> None:
    result = session.execute(insert(User).values(id=9, name="x"))
    assert table_of(result) is None and hint_of(result) is None


def test_orm_objects_use_the_mapped_table_and_send_no_sql(
    session: Session,
) -> None:
    users = session.scalars(select(User)).all()
    rows = table_of(users)
    assert rows is not None
    assert rows.columns == ("id", "full_name")  # the table's names
    assert rows.rows[0] == ("1", "n1")
    session.commit()  # expires every attribute
    sent: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: sent.append(record.getMessage())  # type: ignore[method-assign]
    logger = logging.getLogger("sqlalchemy.engine")
    logger.addHandler(handler)
    old = logger.level
    logger.setLevel(logging.INFO)
    try:
        rows = table_of(users)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old)
    assert sent == []
    assert rows is not None and rows.rows[0] == (NOT_LOADED, NOT_LOADED)


@pytest.mark.parametrize("value", [[], [1, 2], (1, "a"), "rows", None,
                                   [object()]])
def test_other_values_are_no_table(value: object) -> None:
    assert table_of(value) is None


def test_long_tables_are_cut_with_a_count(session: Session) -> None:
    session.add_all([User(id=n, name=f"n{n}") for n in range(4, 31)])
    rows = table_of(session.execute(select(User.id)).all())
    assert rows is not None
    assert len(rows.rows) == LIMIT and rows.more == 30 - LIMIT
    text_ = drawn(render.value(Value([], "", rows)))
    assert "… 10 more rows" in text_
    cells = [line.strip() for line in text_.splitlines()]
    assert "20" in cells and "21" not in cells


def test_the_table_draws_column_names_and_cells(session: Session) -> None:
    value = session.execute(select(User.id, User.name)).all()
    rows = table_of(value)
    shown = drawn(render.value(Value(value, repr(value), rows)), width=40)
    lines = [line.rstrip() for line in shown.splitlines()]
    assert lines[0].split() == ["id", "name"]
    assert lines[2].split() == ["1", "n1"]
    assert "[(1, 'n1')" not in shown


# -- the REPL --------------------------------------------------------------


def started(tmp_path: Path, width: int = 80) -> repl.ReplState:
    deck = tmp_path / "rows.py"
    deck.write_text(DECK)
    console = make_console(file=io.StringIO(), width=width)
    state = repl.make_state(load(deck), Options(deck=deck, echo_sql=False),
                            Screen(console))
    repl.begin(state)
    return state


def shown(state: repl.ReplState) -> str:
    return state.screen.console.file.getvalue()  # type: ignore


def test_rows_at_the_prompt_are_a_table_and_repr_is_at_hand(
    tmp_path: Path,
) -> None:
    state = started(tmp_path)
    text_ = shown(state)
    assert "… 5 more rows" in text_  # the slide's own 25 rows
    repl.handle_line(state, "conn = e.connect()")
    repl.handle_line(state, 'conn.execute(text("select id, name from users'
                     ' where id < 3")).all()')
    after = shown(state)[len(text_):]
    assert after.split("\n")[0].split() == ["id", "name"]
    assert "Row" not in after
    repl.handle_line(state, "!repr")
    assert "[(1, 'u1'), (2, 'u2')]" in shown(state)
    repl.handle_line(state, "len(_)")
    assert shown(state).rstrip().endswith("2")
    repl.handle_line(state, "?")
    assert "!tb" in shown(state) and "!repr" in shown(state)


def test_a_result_echoed_at_the_prompt_keeps_its_rows(
    tmp_path: Path,
) -> None:
    # plain Python: ``>>> result`` prints the repr and reads nothing
    state = started(tmp_path)
    before = len(shown(state))
    repl.handle_line(state, "conn = e.connect()")
    repl.handle_line(state, 'result = conn.execute(text("select id from'
                     ' users where id < 4"))')
    repl.handle_line(state, "result")
    echoed = shown(state)[before:]
    assert "<sqlalchemy.engine.cursor.CursorResult object at 0x" in echoed
    assert hint_of(state.nav.interpreter.namespace["result"]) in echoed
    repl.handle_line(state, "_ is result")
    assert shown(state).rstrip().endswith("True")
    repl.handle_line(state, "result.all()")
    assert shown(state).rstrip().endswith("3")  # the table's last cell
    repl.handle_line(state, "!repr")
    assert shown(state).rstrip().endswith("[(1,), (2,), (3,)]")


def test_an_intended_error_is_one_exception_and_the_deck_line(
    tmp_path: Path,
) -> None:
    state = started(tmp_path, width=120)
    before = len(shown(state))
    repl.handle_line(state, "")  # to slide 2, which raises on purpose
    text_ = shown(state)[before:]
    assert "sqlalchemy.exc.IntegrityError: (sqlite3.IntegrityError) " \
        "UNIQUE constraint failed: users.id" in text_
    assert f"  at {tmp_path / 'rows.py'}:19: s.commit()" in text_ or \
        "rows.py:19: s.commit()" in text_
    assert "Traceback" not in text_
    assert "direct cause" not in text_
    assert len(text_.strip().splitlines()) < 14
    assert "(!tb shows the full traceback)" in text_
    repl.handle_line(state, "!tb")
    full = shown(state)[before + len(text_):]
    assert "Traceback (most recent call last)" in full
    assert "The above exception was the direct cause" in full
    assert "frames inside sqlalchemy" in full


def test_an_error_typed_at_the_prompt_is_short(tmp_path: Path) -> None:
    state = started(tmp_path)
    repl.handle_line(state, "!tb")
    assert "no error yet" in shown(state)
    repl.handle_line(state, "def f():\n    return 1 / 0\n")
    before = len(shown(state))
    repl.handle_line(state, "f()")
    text_ = shown(state)[before:]
    assert "ZeroDivisionError: division by zero" in text_
    assert "at <stdin-1>:2: return 1 / 0" in text_
    assert "Traceback" not in text_


def test_an_unexpected_slide_error_keeps_its_traceback(
    tmp_path: Path,
) -> None:
    deck = tmp_path / "bad.py"
    deck.write_text("### slide::\n### title:: Bad\n1 / 0\n")
    console = make_console(file=io.StringIO(), width=80)
    state = repl.make_state(load(deck), Options(deck=deck), Screen(console))
    repl.begin(state)
    assert "Traceback (most recent call last)" in shown(state)


# -- handouts --------------------------------------------------------------


def test_handouts_draw_the_rows_as_tables(tmp_path: Path) -> None:
    deck = tmp_path / "rows.py"
    deck.write_text(DECK)
    markdown, _ = export(load(deck), "md")
    assert "| id | name |\n|---|---|\n| 1 | u1 |" in markdown
    assert "| 20 | u20 |\n\n*… 5 more rows*" in markdown
    assert "| 21 |" not in markdown
    html, _ = export(load(deck), "html")
    assert ('<table class="rows"><thead><tr><th>id</th><th>name</th>'
            "</tr></thead><tbody><tr><td>1</td><td>u1</td></tr>") in html
    assert "… 5 more rows" in html


def test_the_deck_line_of_a_deck_that_looks_like_a_library(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # an installed deck collection lives in site-packages
    from sliderepl.run import tracebacks

    monkeypatch.setattr(tracebacks, "library_name", lambda name: "lib")
    try:
        int("x")
    except ValueError as exc:
        last, where = tracebacks.summary(exc)
    assert last == "ValueError: invalid literal for int() with base 10: 'x'"
    assert where.endswith(': int("x")')
    assert "test_rows_and_errors.py:" in where
