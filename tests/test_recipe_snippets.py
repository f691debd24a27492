"""Each recipe's "In your application" snippet runs exactly as printed.

The snippet is taken from the recipe's docstring (the indented block
after ``In your application::``), pasted unchanged into a fresh module
``app.py`` beside a copy of the recipe in an empty folder, between the
few lines of an application it assumes (its engine, its models, the
names it calls: ``BEFORE``) and a check that the wiring did its job
(``AFTER``), and run with ``python -W error app.py``: on SQLite, in a
file in that folder.  The module must not reach this project's packages
(the recipe is imported from the copy).  A recipe with a docstring but
no snippet fails too: every recipe shows how to wire it in.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

CASESTUDIES = Path(__file__).resolve().parent.parent / "casestudies"
RECIPES = sorted(
    p.stem for p in CASESTUDIES.glob("*.py") if not p.name.startswith("_")
)
SNIPPET = re.compile(r"In your application::\n\n((?:(?:[ ]{4}.*)?\n)+)")

ENGINE = """\
from sqlalchemy import create_engine
engine = create_engine("sqlite:///app.db")
"""
ORM = ENGINE + """\
from sqlalchemy import String, select
from sqlalchemy.orm import (DeclarativeBase, Mapped, mapped_column,
                            scoped_session, sessionmaker)
class Base(DeclarativeBase):
    pass
"""

#: recipe -> (the application before the snippet, the check after it)
APPLICATION: dict[str, tuple[str, str]] = {
    "audit_log": (ENGINE + """\
from sqlalchemy import Column, Integer, MetaData, Table, select
metadata = MetaData()
current_user_id = 7
rows = [{"id": 1}, {"id": 2}]
""", """\
with engine.connect() as cx:
    assert cx.scalars(select(records.c.updated_by)).all() == [7, 7]
"""),
    "auto_add": (ORM + """\
class Location(Base):
    __tablename__ = "locations"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(30))
Base.metadata.create_all(engine)
""", """\
assert Session.scalars(select(Location.name)).all() == ["Paris"]
Session.remove()
"""),
    "change_watcher": (ENGINE + """\
from sqlalchemy import Column, Integer, MetaData, Table, insert
metadata = MetaData()
notes = Table("notes", metadata, Column("id", Integer, primary_key=True))
metadata.create_all(engine)
""", """\
with engine.begin() as cx:                  # a write it sees...
    cx.execute(insert(notes), [{"id": 1}])
assert watcher.dirty == {"notes"}
with engine.connect() as cx:                # ...and empties
    assert watcher.cleanup(metadata, cx) == ["notes"]
    assert cx.execute(notes.select()).all() == []
watcher.remove()
"""),
    "contextual_defaults": (ORM + "user_id = 7\n", """\
Base.metadata.create_all(engine)
with Session(info={"updated_by": user_id}) as session:
    session.add(Record())
    session.commit()
    assert session.scalars(select(Record.updated_by)).all() == [7]
"""),
    "contextual_sessions": (ORM + """\
class Visit(Base):
    __tablename__ = "visits"
    id: Mapped[int] = mapped_column(primary_key=True)
    worker: Mapped[str] = mapped_column(String(30))
Base.metadata.create_all(engine)
request = "ann"
def controller(name):
    registry.add(Visit(worker=name))
""", """\
record("bob")
with sessionmaker(engine)() as session:
    assert session.scalars(select(Visit.worker).order_by(Visit.id)
                           ).all() == ["ann", "bob"]
"""),
    "disconnects": ("""\
from sqlalchemy import create_engine
url = "sqlite:///app.db"
""", """\
with engine.connect() as cx:
    assert cx.exec_driver_sql("SELECT 1").scalar() == 1
"""),
    "failover_retry": (ORM.replace(
        'engine = create_engine("sqlite:///app.db")\n', "") + """\
URL = "sqlite:///app.db"
class Order(Base):
    __tablename__ = "orders"
    id: Mapped[int] = mapped_column(primary_key=True)
    items: Mapped[str] = mapped_column(String(30))
cart = ["tea", "cake"]
def place_order(session, cart):
    order = Order(items=",".join(cart))
    session.add(order)
    session.flush()
    return order.id
Base.metadata.create_all(create_engine(URL))
""", """\
with Session() as session:
    assert session.get(Order, order_id).items == "tea,cake"
"""),
    "fixtures": (ENGINE + """\
from sqlalchemy import Column, Integer, MetaData, String, Table, select
metadata = MetaData()
""", """\
with engine.connect() as cx:
    assert cx.execute(select(statuses).order_by(statuses.c.id)).all() == [
        (1, "open"), (2, "done")]
"""),
    "object_managers": (ORM + """\
class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(30))
Base.metadata.create_all(engine)
with sessionmaker(engine)() as setup:
    setup.add_all([User(name="ed"), User(name="wendy")])
    setup.commit()
""", """\
assert [u.name for u in User.objects.filter_by(name="ed").all()] == ["ed"]
Session.remove()
"""),
    "partitioning": ("""\
from sqlalchemy import String, create_engine, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
class CrmBase(DeclarativeBase):
    pass
class BillingBase(DeclarativeBase):
    pass
class Customer(CrmBase):
    __tablename__ = "customers"
    id: Mapped[int] = mapped_column(primary_key=True)
class Invoice(BillingBase):
    __tablename__ = "invoices"
    id: Mapped[int] = mapped_column(primary_key=True)
class Shop(DeclarativeBase):
    pass
class Sale(Shop):
    __tablename__ = "sales"
    id: Mapped[int] = mapped_column(primary_key=True)
    region: Mapped[str] = mapped_column(String(2))
crm_engine = create_engine("sqlite:///crm.db")
bill_engine = create_engine("sqlite:///bill.db")
eu_engine = create_engine("sqlite:///eu.db")
us_engine = create_engine("sqlite:///us.db")
CrmBase.metadata.create_all(crm_engine)
BillingBase.metadata.create_all(bill_engine)
for shard in (eu_engine, us_engine):
    Shop.metadata.create_all(shard)
""", """\
session.add(Sale(id=1, region="us"))
session.commit()
with us_engine.connect() as cx:
    assert cx.execute(select(Sale.__table__)).all() == [(1, "us")]
with eu_engine.connect() as cx:
    assert cx.execute(select(Sale.__table__)).all() == []
session.close()
"""),
    "read_replicas": ("""\
from sqlalchemy import create_engine, text
PRIMARY_URL = "sqlite:///primary.db"
REPLICA_URL = "sqlite:///replica.db"
""", """\
with Session() as session:
    assert session.execute(text("SELECT 1")).scalar() == 1
"""),
    "soft_delete": (ORM + "Session = sessionmaker(engine)\n", """\
with Session() as session:
    assert session.scalars(select(Post)).all() == []
    assert len(session.scalars(select(Post), execution_options={
        "include_deleted": True}).all()) == 1
"""),
    "statement_stats": (ENGINE + """\
def run_the_page():
    with engine.connect() as cx:
        cx.exec_driver_sql("SELECT 1")
        cx.exec_driver_sql("SELECT 2")
""", """\
assert stats.count == 2 and stats.by_verb["SELECT"] == 2
"""),
    "timestamps": (ORM + """\
from sqlalchemy import Column, Integer, MetaData
metadata = MetaData()
""", """\
assert "updated_at" in Article.__table__.c and "updated_at" in notes.c
Base.metadata.create_all(engine)
metadata.create_all(engine)
"""),
    "timezones": (ORM + "from zoneinfo import ZoneInfo\n", """\
Base.metadata.create_all(engine)
with sessionmaker(engine)() as session:
    session.add(Office(zone=ZoneInfo("Europe/Paris")))
    session.commit()
    assert session.scalars(select(Office.zone)).one().key == "Europe/Paris"
"""),
    "utcnow": ("from sqlalchemy import Column, DateTime\n", ""),
}

GUARD = """
import sys
PROJECT = ("casestudies", "workshop_db", "sliderepl")
leaked = [m for m in sys.modules if m.partition(".")[0] in PROJECT]
assert not leaked, leaked
print("SNIPPET RAN")
"""


def snippet(name: str) -> str:
    """The recipe's "In your application" block, dedented, as printed."""
    tree = ast.parse((CASESTUDIES / f"{name}.py").read_text("utf-8"))
    doc = ast.get_docstring(tree, clean=False) or ""
    found = SNIPPET.search(doc)
    assert found, f"{name}: no 'In your application::' snippet"
    return textwrap.dedent(found.group(1))


def test_every_recipe_has_its_application() -> None:
    assert sorted(APPLICATION) == RECIPES


@pytest.mark.parametrize("name", RECIPES)
def test_the_snippet_runs_as_printed(tmp_path: Path, name: str) -> None:
    before, after = APPLICATION[name]
    shutil.copy(CASESTUDIES / f"{name}.py", tmp_path / f"{name}.py")
    code = f"{before}\n# -- the snippet, as printed --\n{snippet(name)}\n" \
           f"# -- the check --\n{after}{GUARD}"
    (tmp_path / "app.py").write_text(code, encoding="utf-8")
    env = {k: v for k, v in os.environ.items()
           if k not in ("TUTORIAL_DB", "PYTHONPATH", "PYTHONSTARTUP")}
    done = subprocess.run(
        [sys.executable, "-W", "error", "app.py"], cwd=tmp_path, env=env,
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 0, f"{code}\n---\n{done.stdout}{done.stderr}"
    assert done.stdout.endswith("SNIPPET RAN\n")
