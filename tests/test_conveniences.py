"""No convenience of the REPL changes what a deck's code sees.

Every convenience the runner adds on top of Python's ``>>>`` (rows drawn
as tables, ``_``, rich rendering of reprs, ``!repr``, ``!tb``, ``obj?``
and ``obj??``, Tab completion, the toolbar, ``!copy``, the SQL echo, the
headless run and the handout and notebook recorders) is used on the same
hostile subjects, and what the deck's names hold afterwards is compared
with a real ``python -i`` that typed the same lines:

* ``counting``: a property that counts its reads;
* ``proxy``: a ``__getattr__`` of its own that counts its calls
  (``drawn``: the same, with a ``__rich__``);
* ``broken``: a ``__rich__`` that raises, a ``__repr__`` that counts;
* ``bad``: a ``__repr__`` that raises (and counts);
* ``item`` / ``items``: ORM objects expired by a commit (SQL counted
  with a ``before_cursor_execute`` listener; ``expired_attributes``
  must be unchanged);
* ``gen`` / ``it``: a generator and an iterator (must not advance);
* ``tags``: rows whose cells are objects with a ``__str__`` that counts;
* ``result``: a live ``Result`` (its rows must all be there).

The probe (``PROBE``) writes the state as JSON; the reference is the
probe's file after plain Python.
"""

from __future__ import annotations

import io
import json
import logging
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document

from sliderepl.deck.reader import load
from sliderepl.run.options import Options
from sliderepl.screen.console import Screen
from sliderepl.screen.theme import make_console
from sliderepl.tools.export import export
from sliderepl.ui import repl
from sliderepl.ui.completion import NamespaceCompleter
from sliderepl.ui.toolbar import toolbar_text
from tests import deckrun
from tests.test_notebook import kernel  # noqa: F401

SETUP = '''\
import itertools
from typing import Any
from sqlalchemy import ForeignKey, String, TypeDecorator, create_engine
from sqlalchemy import event, inspect, select
from sqlalchemy.ext.associationproxy import association_proxy
from sqlalchemy.orm import relationship
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column
calls = {"prop": 0, "getattr": 0, "repr": 0, "str": 0, "sql": 0}

class Counting:
    @property
    def prop(self):
        calls["prop"] += 1
        return 1

class Proxy:
    def __getattr__(self, name):
        calls["getattr"] += 1
        raise AttributeError(name)

class Drawn(Proxy):
    def __rich__(self):
        return "drawn by rich"

class Broken:
    def __rich__(self):
        raise RuntimeError("cannot draw")
    def __repr__(self):
        calls["repr"] += 1
        return "<Broken>"

class BadRepr:
    def __repr__(self):
        calls["repr"] += 1
        raise ValueError("no repr")

class Loud:
    def __init__(self, text):
        self.text = text
    def __repr__(self):
        return f"Loud({self.text!r})"
    def __str__(self):
        calls["str"] += 1
        return self.text

class LoudType(TypeDecorator):
    impl = String(20)
    cache_ok = True
    def process_bind_param(self, value, dialect):
        return value
    def process_result_value(self, value, dialect):
        return Loud(value)

class Base(DeclarativeBase):
    pass

class Item(Base):
    __tablename__ = "item"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(20))
    tag: Mapped[Any] = mapped_column(LoudType)
    notes: Mapped[list["Note"]] = relationship()
    texts = association_proxy("notes", "text")
    @property
    def shout(self):
        calls["prop"] += 1
        return self.name.upper()

class Note(Base):
    __tablename__ = "note"
    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"))
    text: Mapped[str] = mapped_column(String(20))

engine = create_engine("sqlite://")

@event.listens_for(engine, "before_cursor_execute")
def _count(*args):
    calls["sql"] += 1

Base.metadata.create_all(engine)
session = Session(engine)
session.add_all([Item(id=1, name="a", tag="x", notes=[Note(text="n")]),
                 Item(id=2, name="b", tag="y")])
session.commit()
items = session.scalars(select(Item)).all()
tags = session.execute(select(Item.id, Item.tag)).all()
rows = session.execute(select(Item.id, Item.name)).all()
session.commit()
item = items[0]
result = session.connection().execute(select(Item.id))
gen = (n for n in range(3))
it = iter([10, 20])
counting = Counting()
proxy = Proxy()
drawn = Drawn()
broken = Broken()
bad = BadRepr()
calls["sql"] = 0
'''

#: typed at ``>>>`` one by one, after SETUP; ``bad`` last, so ``_`` is
#: None afterwards in plain Python (it is set to None before the repr)
ECHOES = [
    "counting", "[counting, counting]", "proxy", "[proxy, proxy]", "drawn",
    "broken",
    "item", "items", "[item, item]", "gen", "it", "tags", "rows", "result",
    "None", "bad",
]

PROBE = '''\
import builtins as _b, json as _j
with open({out!r}, "w") as _f:
    _j.dump({{"calls": calls,
    "expired": sorted(inspect(item).expired_attributes),
    "loaded": sorted(k for k in vars(item) if not k.startswith("_")),
    "gen": next(gen), "it": next(it),
    "_": type(getattr(_b, "_", None)).__name__,
    "result": [tuple(r) for r in result.all()],
    "names": sorted(n for n in globals()
                    if not n.startswith("_") and n not in ("exit", "quit")),
    }}, _f)
'''


def _typed(code: str) -> str:
    """``code`` as typed at ``>>>``: a blank line ends each compound
    statement (the text above is written so that one is enough)."""
    return code.rstrip("\n") + "\n\n"


def _plain(typed: str, timeout: float = 120
           ) -> subprocess.CompletedProcess[str]:
    """Plain ``python -i`` (warnings as errors) after ``typed``."""
    return subprocess.run(
        [sys.executable, "-W", "error", "-i", "-q"],
        input=typed, capture_output=True, text=True, timeout=timeout)


def _plain_after_setup(lines: list[str], probe: str
                       ) -> subprocess.CompletedProcess[str]:
    """Plain ``python -i`` typed SETUP, then ``lines``, then ``probe``."""
    return _plain(_typed(SETUP) + "".join(f"{line}\n" for line in lines)
                  + _typed(probe))


@pytest.fixture(autouse=True)
def _no_clipboard(state_home: Path,
                   monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DISPLAY", "WAYLAND_DISPLAY"):  # !copy: no clipboard app
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The probe after plain ``python -i`` typed SETUP and ECHOES."""
    out = tmp_path_factory.mktemp("plain") / "probe.json"
    done = _plain_after_setup(ECHOES, PROBE.format(out=str(out)))
    assert "ValueError: no repr" in done.stderr, done.stderr
    assert done.stderr.count("Traceback") == 1, done.stderr
    probe: dict[str, Any] = json.loads(out.read_text())
    probe["stderr"] = done.stderr
    return probe


def test_the_reference_is_what_plain_python_leaves(
    reference: dict[str, Any],
) -> None:
    # the subjects are hostile, and plain Python leaves them alone
    assert reference["calls"] == {
        "prop": 0, "getattr": 0, "repr": 2, "str": 0, "sql": 0}
    assert reference["expired"] == ["id", "name", "notes", "tag"]
    assert reference["loaded"] == []
    assert (reference["gen"], reference["it"], reference["_"]) == (
        0, 10, "NoneType")
    assert reference["result"] == [[1], [2]]


# -- the REPL, in process ---------------------------------------------------


def _deck(tmp_path: Path, code: str) -> Path:
    path = tmp_path / "subjects.py"
    path.write_text(f"### slide::\n{code}", encoding="utf-8")
    return path


class Repl:
    """The deck with SETUP on its one slide, run, then ECHOES typed."""

    def __init__(self, tmp_path: Path, echo_sql: bool = True) -> None:
        deck = self.deck = _deck(tmp_path, SETUP)
        self.console = make_console(file=io.StringIO(), width=100)
        self.state = repl.make_state(
            load(deck), Options(deck=deck, echo_sql=echo_sql),
            Screen(self.console))
        repl.begin(self.state)
        self.namespace = self.state.nav.interpreter.namespace
        for _ in range(6):
            repl.handle_line(self.state, "")
            if "bad" in self.namespace:
                break
        assert "bad" in self.namespace, self.shown()
        self.out = tmp_path / "probe.json"

    def type(self, line: str) -> str:
        before = len(self.shown())
        repl.handle_line(self.state, line)
        return self.shown()[before:]

    def shown(self) -> str:
        return self.console.file.getvalue()  # type: ignore[attr-defined]

    def echo_all(self) -> str:
        return "".join(self.type(line) for line in ECHOES)

    def probe(self) -> dict[str, Any]:
        self.type(PROBE.format(out=str(self.out)))
        assert self.out.exists(), self.shown()[-3000:]
        found: dict[str, Any] = json.loads(self.out.read_text())
        return found


def same(probe: dict[str, Any], reference: dict[str, Any]) -> None:
    for key, value in probe.items():
        assert value == reference[key], (key, value, reference[key])


def test_echoing_at_the_prompt_is_plain_python(
    tmp_path: Path, reference: dict[str, Any]
) -> None:
    """Row tables, ``_``, the hint under a live Result and rich
    rendering of the reprs: all of it on every subject."""
    session = Repl(tmp_path)
    shown = session.echo_all()
    same(session.probe(), reference)
    # a table of rows in memory; the repr error as Python shows it
    assert "ValueError: no repr" in shown
    assert "no row read yet" in shown


def test_the_repr_error_is_shown_as_plain_python_shows_it(
    tmp_path: Path, reference: dict[str, Any]
) -> None:
    session = Repl(tmp_path)
    session.type("counting")
    shown = session.type("bad")
    assert "ValueError: no repr" in shown
    last = session.state.screen.last_error
    assert last is not None
    full = last.traceback  # what !tb shows
    # the frames plain Python prints: the line typed, then __repr__
    assert "in __repr__" in reference["stderr"]
    assert "in __repr__" in full and "raise ValueError" in full
    assert "capture.py" not in full and "displayhook" not in full
    import builtins
    assert builtins._ is None  # type: ignore[attr-defined]


def test_underscore_is_set_as_plain_python_sets_it(tmp_path: Path) -> None:
    """``_`` is the last value echoed; None leaves it alone; a repr that
    raises leaves it None (it is set to None before the repr), as
    Python's own displayhook does."""
    lines = ["41", "None", "kept = _", "bad", "after_bad = _", "[42]",
             "print('')", "last = _"]
    out = tmp_path / "under.json"
    probe = (f"import json\nwith open({str(out)!r}, 'w') as f:\n"
             "    json.dump([kept, after_bad, last], f)\n")
    done = _plain_after_setup(lines, probe)
    assert "ValueError: no repr" in done.stderr
    plain = json.loads(out.read_text())
    assert plain == [41, None, [42]]
    out.unlink()
    session = Repl(tmp_path)
    for line in lines:
        session.type(line)
    session.type(probe)
    assert json.loads(out.read_text()) == plain


def test_an_echoed_value_lives_as_long_as_in_plain_python(
    tmp_path: Path,
) -> None:
    """``_`` is Python's one reference to an echoed value: once it moves
    on (to None, after a repr that raised) and the name is deleted, the
    value is gone (a connection goes back to its pool, __del__ runs).
    The runner keeps no reference of its own (``!repr`` keeps text)."""
    lines = ["import gc, weakref", "class Held: pass", "",
             "held = Held()", "ref = weakref.ref(held)", "held", "bad",
             "del held", "gc.collect() and None"]
    out = tmp_path / "alive.json"
    probe = (f"import json\nwith open({str(out)!r}, 'w') as f:\n"
             "    json.dump(ref() is not None, f)\n")
    done = _plain_after_setup(lines, probe)
    assert json.loads(out.read_text()) is False, done.stderr
    out.unlink()
    session = Repl(tmp_path)
    for line in filter(None, lines):  # Enter alone steps the deck
        session.type(line)
    session.type(probe)
    assert json.loads(out.read_text()) is False
    assert "Held object at" in session.type("!repr")


def _completions(session: Repl) -> list[str]:
    completer = NamespaceCompleter(lambda: session.namespace)
    found = []
    for text in [
        "counting.", "counting.pr", "counting.prop.", "proxy.", "proxy.x",
        "proxy.x.", "bad.", "item.", "item.na", "item.name.", "item.tag.",
        "item.shout.", "item.texts.", "item.notes.", "items.", "gen.",
        "gen.gi_frame.", "it.", "tags.",
        "result.", "rows.", "session.", "engine.", "co", "i",
        "items[0].", "[x for x in gen].",
    ]:
        found += [c.text for c in completer.get_completions(
            Document(text), CompleteEvent())]
    return found


def _introspect(session: Repl) -> list[str]:
    return [session.type(line) for line in [
        "counting?", "counting.prop?", "counting??", "counting.prop??",
        "proxy?", "proxy.anything?", "proxy??", "bad?", "bad??",
        "item?", "item.name?", "item.shout?", "item??", "item.name??",
        "item.texts?", "item.notes?", "items?", "gen?", "it?", "tags?",
        "result?", "rows??",
        "!doc item.tag", "!source proxy.x",
    ]]


CONVENIENCES: dict[str, Callable[[Repl], object]] = {
    "repr": lambda s: s.type("!repr"),
    "tb": lambda s: s.type("!tb"),
    "doc and source": _introspect,
    "completion": _completions,
    "toolbar": lambda s: [toolbar_text(s.state, width=w)
                          for w in (40, 80, 200)],
    "copy": lambda s: s.type("!copy"),
    "info and toc": lambda s: (s.type("!info"), s.type("!toc")),
}


@pytest.mark.parametrize("name", sorted(CONVENIENCES))
def test_each_convenience_leaves_the_namespace_as_plain_python(
    tmp_path: Path, reference: dict[str, Any], name: str
) -> None:
    session = Repl(tmp_path)
    session.echo_all()
    CONVENIENCES[name](session)
    # twice: a second use finds nothing the first one cached or loaded
    CONVENIENCES[name](session)
    same(session.probe(), reference)


def test_obj_question_mark_on_a_property_shows_it_unevaluated(
    tmp_path: Path,
) -> None:
    """As IPython does: ``obj.prop?`` describes the property (its
    docstring), it does not run it; an ORM attribute not loaded is not
    loaded to be described."""
    session = Repl(tmp_path)
    shown = session.type("counting.prop?")
    assert "Type:      property" in shown
    shown = session.type("item.name?")
    assert "SELECT" not in shown  # the echo would show it
    assert "not loaded" in shown
    shown = session.type("proxy.anything?")
    assert "__getattr__" in shown
    assert session.namespace["calls"] == {
        "prop": 0, "getattr": 0, "repr": 0, "str": 0, "sql": 0}


def test_obj_question_mark_does_not_run_a_repr_of_the_decks_own(
    tmp_path: Path,
) -> None:
    session = Repl(tmp_path)
    shown = session.type("bad?")
    assert "Type:      __main__.BadRepr" in shown
    assert "BadRepr object at 0x" in shown
    # its class's file is the deck's (it was ours, or pytest's, whichever
    # ran as __main__), and ?? finds its source there
    assert "File:      " + str(session.deck) + ":" in shown
    assert "class BadRepr:" in session.type("bad??")
    assert session.namespace["calls"]["repr"] == 0
    # a repr of Python's own (or SQLAlchemy's) is shown as it is
    assert "Value:     <generator object" in session.type("gen?")


def test_rows_with_cells_of_the_decks_own_type_are_shown_as_repr(
    tmp_path: Path,
) -> None:
    """A table cell is ``str()`` of the value: for a type of the deck's
    own that is its code, which plain Python's echo (the repr) never
    runs; such rows echo as their repr."""
    session = Repl(tmp_path)
    shown = session.type("tags")
    assert "Loud('x')" in shown
    assert session.namespace["calls"]["str"] == 0
    assert session.namespace["calls"]["repr"] == 0


def test_a_table_of_expired_objects_sends_no_sql(tmp_path: Path) -> None:
    session = Repl(tmp_path, echo_sql=True)
    shown = session.type("items")
    assert "(not loaded)" in shown
    assert session.namespace["calls"]["sql"] == 0
    assert "SELECT" not in shown


# -- the SQL echo and the logging the deck sees -----------------------------

LOGGING = '''\
import logging
engine_log = logging.getLogger("sqlalchemy.engine")
'''

#: each changes the logging tree; what the next line sees must be
#: what plain Python would show
LOG_STEPS = [
    "engine_log.setLevel(logging.DEBUG)",
    "engine_log.propagate = False",
    "engine_log.setLevel(logging.INFO)",
    "engine_log.propagate = True",
    "engine_log.setLevel(logging.NOTSET)",
    "engine_log.setLevel(logging.WARNING)",
]

LOG_PROBE = (
    "print('LOG', engine_log.level, engine_log.propagate, "
    "len(engine_log.handlers))"
)


def _log_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("LOG ")]


def _between(logger: logging.Logger) -> str:
    return f"LOG {logger.level} {logger.propagate} {len(logger.handlers)}"


@pytest.mark.parametrize("root_handler", [False, True])
def test_the_sql_echo_keeps_what_the_decks_code_did_to_logging(
    tmp_path: Path, root_handler: bool
) -> None:
    """The echo hangs a handler on ``sqlalchemy.engine`` (and may lower
    its level) while a statement runs; between statements the logger is
    what the deck's code made it, as after the same lines in plain
    Python: a level or ``propagate`` the code set stays set."""
    lines = [LOGGING] + [f"{step}\n{LOG_PROBE}\n" for step in LOG_STEPS]
    done = _plain("".join(lines), timeout=60)
    plain = _log_lines(done.stdout)
    assert len(plain) == len(LOG_STEPS), done.stdout + done.stderr
    deck = _deck(tmp_path, LOGGING)
    console = make_console(file=io.StringIO(), width=200)
    state = repl.make_state(load(deck), Options(deck=deck, echo_sql=True),
                            Screen(console))
    logger = logging.getLogger("sqlalchemy.engine")
    root = logging.getLogger()
    extra = logging.NullHandler()
    # pytest hangs its own capture on the root while a test runs: take
    # it off for the case of a root with no handler (a plain deck)
    saved = root.handlers[:]
    loud_logger = logging.getLogger("sqlalchemy.engine.Engine")
    loud_handlers = loud_logger.handlers[:]
    loud_level = loud_logger.level
    root.handlers[:] = [extra] if root_handler else []
    try:
        repl.begin(state)
        repl.handle_line(state, "")
        repl.handle_line(state, "")
        assert "engine_log" in state.nav.interpreter.namespace
        between = []
        for step in LOG_STEPS:
            repl.handle_line(state, step)
            between.append(_between(logger))
        # an echo=True engine's own handler: as SQLAlchemy made it
        repl.handle_line(state, "from sqlalchemy import create_engine; "
                         "loud = create_engine('sqlite://', echo=True)")
        repl.handle_line(state, "loud.connect().close()")
        echo_handlers = logging.getLogger("sqlalchemy.engine.Engine").handlers
        assert echo_handlers
        assert [h.filters for h in echo_handlers] == [[]] * len(echo_handlers)
        # the echo still shows SQL, whatever level the code left
        repl.handle_line(state, "from sqlalchemy import create_engine, "
                         "text; create_engine('sqlite://').connect()"
                         ".execute(text('select 42 as answer')).all()")
        assert between[-1] == _between(logger)
    finally:
        root.handlers[:] = saved
        loud_logger.handlers[:] = loud_handlers
        loud_logger.setLevel(loud_level)
        logger.setLevel(logging.NOTSET)
        logger.propagate = True
    assert between == plain
    shown = console.file.getvalue()  # type: ignore[attr-defined]
    assert "│ select 42 as answer" in shown


# -- the headless run and the recorders -------------------------------------


def _headless_deck(tmp_path: Path, out: Path) -> Path:
    echoes = [line for line in ECHOES if line != "bad"]
    slides = [SETUP, "\n".join(echoes) + "\n"]
    text = "".join(f"### slide::\n{code}" for code in slides)
    text += "### slide:: e\nbad\n"
    text += f"### slide::\n{PROBE.format(out=str(out))}"
    path = tmp_path / "headless.py"
    path.write_text(text, encoding="utf-8")
    return path


def test_run_all_is_plain_python(tmp_path: Path,
                                 reference: dict[str, Any]) -> None:
    out = tmp_path / "probe.json"
    deck = _headless_deck(tmp_path, out)
    done = deckrun.run_deck(deck)
    assert "ValueError: no repr" in done.stdout
    same(json.loads(out.read_text()), reference)


@pytest.mark.parametrize("fmt", ["md", "html", "ipynb"])
def test_each_recorder_is_plain_python(
    tmp_path: Path, reference: dict[str, Any], fmt: str
) -> None:
    if fmt == "ipynb":
        pytest.importorskip("nbformat")
    out = tmp_path / "probe.json"
    deck = _headless_deck(tmp_path, out)
    text, _ = export(load(deck), fmt)
    assert "no repr" in text
    same(json.loads(out.read_text()), reference)


def test_the_script_handout_is_plain_python(
    tmp_path: Path, reference: dict[str, Any]
) -> None:
    out = tmp_path / "probe.json"
    deck = _headless_deck(tmp_path, out)
    text, _ = export(load(deck), "py")
    script = tmp_path / "handout.py"
    script.write_text(text, encoding="utf-8")
    done = subprocess.run([sys.executable, "-W", "error", str(script)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    probe = json.loads(out.read_text())
    # a script echoes nothing: no repr ran, ``_`` was never set
    assert probe["calls"]["repr"] == 0
    probe["calls"]["repr"] = 2
    same(probe, reference)


#: names IPython itself gives every kernel's namespace
IPYTHON_NAMES = {"In", "Out", "get_ipython", "exit", "quit", "open"}


def test_the_notebook_runs_in_a_kernel_as_plain_python(
    tmp_path: Path, reference: dict[str, Any],
    kernel: str,  # noqa: F811 - the fixture of tests/test_notebook.py
) -> None:
    """The exported notebook, executed by a real kernel: its setup cell
    leaves no name of ours in the namespace (it left ``logging``, ``os``,
    ``sys``, ``EchoSQL``, ``_ip``, ``_sql``: a deck that never imported
    ``os`` could use it), and the subjects are as plain Python left
    them."""
    nbformat = pytest.importorskip("nbformat")
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    out = tmp_path / "probe.json"
    deck = _headless_deck(tmp_path, out)
    text, _ = export(load(deck), "ipynb")
    out.unlink()  # written by the recording run: the kernel writes anew
    nb = nbformat.reads(text, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
    sockets = str(tmp_path / "kernel")

    class IpcKernelManager(KernelManager):
        def __init__(self, **kwargs: object) -> None:
            super().__init__(**{"transport": "ipc", "ip": sockets, **kwargs})

    NotebookClient(nb, timeout=300, kernel_name=kernel,
                   kernel_manager_class=IpcKernelManager,
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    probe = json.loads(out.read_text())
    probe["names"] = [n for n in probe["names"] if n not in IPYTHON_NAMES]
    del probe["_"]  # IPython's own: its output cache
    same(probe, reference)
