"""``sliderepl export DECK --to ipynb``: a Jupyter notebook from a real run.

The deck runs once, headless (``sliderepl.run.headless.HeadlessRun``, as
for ``--run-all`` and the other handouts), inside its collection's
``recording()`` context (as ``sliderepl check``: the run is
reproducible, the tutorial's on SQLite), and every shown slide becomes:

* a markdown cell: ``## N. Title``, intro, bullets (``tools.markdown``);
* a code cell with the slide's code and what it really did, in order:
  prints as ``stream`` outputs (stdout / stderr), values as
  ``execute_result``, the SQL it sent as ``display_data`` outputs
  (``text/plain``, one per SQLAlchemy log line, timings masked, marked
  ``{"sliderepl": "sql"}`` in their metadata) between the prints, in the
  order it happened, an exception as an ``error`` output.  (Not stderr:
  Jupyter draws stderr in pink boxes and flushes it apart from stdout,
  so the SQL came after all of a cell's prints; a display output
  flushes the streams first, so it stays beside the statement.)  A
  slide that raises on purpose (flag ``e``) is tagged
  ``raises-exception``, so "run all" goes past it;
* for an exercise: a markdown task cell (hints folded), a code cell with
  the deck's solution (source folded: write your own there instead),
  and a code cell that runs the check (``assert``: it fails until the
  exercise is solved).

The first code cell sets the kernel up the way the runner runs a deck:
the environment of the recording, every expression statement echoed
with ``repr`` as at ``>>>``, and SQLAlchemy's SQL log shown as display
outputs (the ``sqlalchemy.engine`` logger at INFO, as the runner's
capture does), so the SQL echo still shows, in order, when the notebook
is run in Jupyter.  Then the
deck's setup slides, folded.  Outputs are masked as in the handouts
(addresses, timings, paths of this machine), and no secret of this
machine (``run.masking.environment_secrets``: passwords of URLs in the
environment, tokens...) reaches any cell.  A password written in the
deck itself is the deck's text, shown as it runs.  Every output and
markdown cell is inert (``sliderepl.run.inert``): a control character,
even one a slide printed, is written ``\\x1b``, so no ESC sequence is
replayed by Jupyter's output area or a terminal; the code cells keep
the deck's code as written.

nbformat is imported only here, and only when exporting a notebook: it
is the project's optional extra ``notebook``.
"""

from __future__ import annotations

import ast
import os
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

from sliderepl.deck.collection import for_arguments, recording
from sliderepl.deck.model import Deck, Slide
from sliderepl.run.events import SQL, Error, Event, Output, Value
from sliderepl.run.headless import PROVED, SLIDE, SOLVING, HeadlessRun
from sliderepl.run.inert import inert
from sliderepl.run.masking import (
    PROJECT_DIR,
    environment_secrets,
    mask_secrets,
    shorten_paths,
)
from sliderepl.run.navigation import default_interpreter
from sliderepl.run.transcript import mask_addresses, mask_sql
from sliderepl.tools.handout import deck_title
from sliderepl.tools.markdown import inline, slide_body

MISSING = (
    "sliderepl export: --to ipynb needs nbformat "
    "(pip install nbformat, or the project's 'notebook' extra)"
)

#: cell tags: nbclient and Jupyter's "run all" go on past this one
RAISES = "raises-exception"


def missing() -> str | None:
    """The one-line error to print if nbformat can't be imported."""
    try:
        import nbformat  # noqa: F401
    except ImportError:
        return MISSING
    return None


# -- the run ----------------------------------------------------------


class _Outputs:
    """A sink: the events of the cell being recorded, as outputs
    (nbformat's dict form; a value's execution count is the cell's,
    filled in when the cell is made)."""

    def __init__(self, folders: tuple[Path, ...],
                 secrets: frozenset[str]) -> None:
        self.folders = folders
        self.secrets = secrets
        self.outputs: list[dict[str, Any]] = []
        self._last = ""  # kind of the last stream output: stdout, sql...

    def start(self) -> list[dict[str, Any]]:
        """The outputs recorded so far; the next cell starts empty."""
        done, self.outputs, self._last = self.outputs, [], ""
        return done

    def clean(self, text: str) -> str:
        return inert(mask_secrets(shorten_paths(mask_addresses(text),
                                                self.folders), self.secrets))

    def _stream(self, kind: str, name: str, text: str) -> None:
        if self._last == kind:
            self.outputs[-1]["text"] += text
        else:
            self.outputs.append(
                {"output_type": "stream", "name": name, "text": text})
        self._last = kind

    def __call__(self, event: Event) -> None:
        if isinstance(event, Output):
            if event.text:
                name = "stderr" if event.stream == "stderr" else "stdout"
                self._stream(name, name, self.clean(event.text))
        elif isinstance(event, SQL):
            self._last = ""
            self.outputs.append(sql_output(
                self.clean(mask_sql(event.text.rstrip("\n")))))
        elif isinstance(event, Value):
            self._last = ""
            self.outputs.append({
                "output_type": "execute_result",
                "data": {"text/plain": self.clean(event.text)},
                "metadata": {},
            })
        elif isinstance(event, Error):
            self._last = ""
            lines = self.clean(event.traceback).rstrip("\n").split("\n")
            self.outputs.append({
                "output_type": "error",
                "ename": inert(type(event.exception).__name__),
                "evalue": self.clean(str(event.exception)),
                "traceback": lines,
            })


def sql_output(text: str) -> dict[str, Any]:
    """One line of the SQL echo as the kernel's ``EchoSQL`` shows it."""
    return {"output_type": "display_data", "data": {"text/plain": text},
            "metadata": {"sliderepl": "sql"}}


class _Cells:
    """What the run recorded, by slide number."""

    def __init__(self) -> None:
        #: the outputs of each slide's code cell
        self.slide: dict[int, list[dict[str, Any]]] = {}
        #: the outputs of each exercise's solution
        self.solution: dict[int, list[dict[str, Any]]] = {}
        #: each exercise's proof: None if its solution passed the check
        self.proved: dict[int, str | None] = {}
        self.failed = False


def _record(deck: Deck, sink: _Outputs) -> _Cells:
    """Run ``deck`` once (the ``--run-all`` loop), recording outputs."""
    cells = _Cells()
    run = HeadlessRun(deck, default_interpreter(deck, True), sink)
    with closing(run.steps()) as steps:
        for step in steps:
            number = step.slide.number or 0
            if step.phase == SLIDE:
                cells.slide[number] = sink.start()
            elif step.phase == SOLVING:
                sink.start()  # nothing: the slide's outputs are taken
            elif step.phase == PROVED:
                cells.solution[number] = sink.start()
                cells.proved[number] = step.problem
            if step.problem is not None:
                cells.failed = True
    return cells


@contextmanager
def _recording_env(deck: Deck) -> Iterator[dict[str, str | None]]:
    """The collection's ``recording()`` context; yields what it changed
    in the environment (name -> value, None: removed)."""
    before = dict(os.environ)
    with recording(for_arguments([str(deck.path)])):
        changes: dict[str, str | None] = {
            name: os.environ.get(name)
            for name in set(before) | set(os.environ)
            if before.get(name) != os.environ.get(name)
        }
        yield changes


# -- cells ------------------------------------------------------------

_ECHO = '''\
    # every expression statement echoes its value with repr(), as at
    # >>>, and with nothing else: IPython's formatters would ask each
    # value for _repr_html_, _ipython_display_... (a __getattr__ of the
    # deck's own would run)
    ip = get_ipython()
    ip.ast_node_interactivity = "all"

    def as_at_the_prompt(value, include=None, exclude=None):
        return {"text/plain": repr(value)}, {}

    ip.display_formatter.format = as_at_the_prompt

    class EchoSQL(logging.Handler):
        """The SQL SQLAlchemy sends, each line a display output: it
        reads apart from prints, and beside the statement that sent it
        (a display flushes the cell's prints first)."""

        def emit(self, record):
            display({"text/plain": self.format(record)}, raw=True,
                    metadata={"sliderepl": "sql"})

    sql = logging.getLogger("sqlalchemy.engine")
    sql.handlers[:] = [h for h in sql.handlers
                       if type(h).__name__ != "EchoSQL"]
    sql.addHandler(EchoSQL())
    sql.setLevel(logging.INFO)
    sql.propagate = False


_sliderepl_setup()
del _sliderepl_setup'''


def _setup_source(env: dict[str, str | None]) -> str:
    """The first cell: the kernel set up as the runner runs a deck.  All
    of it inside a function that is then deleted: the deck's namespace
    gets no name of ours (``logging``, ``os``, ``display``...), as in plain
    Python, where a name the deck never imported is a NameError."""
    lines = [
        "# Notebook setup (sliderepl export): run the cells as the deck",
        "# runs them.",
        "def _sliderepl_setup():",
        "    import logging",
        "    import os",
        "    from IPython.display import display",
        "",
    ]
    if env:
        lines.append("    # the environment the notebook was recorded in")
        for name, value in sorted(env.items()):
            if value is None:
                lines.append(f"    os.environ.pop({name!r}, None)")
            else:
                lines.append(f"    os.environ[{name!r}] = {value!r}")
        lines.append("")
    return "\n".join(lines) + "\n" + _ECHO


def _code(blocks_source: list[str]) -> str:
    return _awaited(
        "\n".join(s.rstrip("\n") for s in blocks_source if s.strip()))


_AWAITED = ("# asyncio.run(...) of the deck is `await ...` here: Jupyter's"
            " kernel\n# already runs an event loop (top-level await)\n")


def _awaited(source: str) -> str:
    """``asyncio.run(coro)`` outside any function as ``await coro``: in
    a kernel, whose event loop is running, asyncio.run() refuses."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return source
    found: list[ast.Call] = []

    class _Runs(ast.NodeVisitor):
        def visit_FunctionDef(self, node: ast.AST) -> None:
            pass  # inside a function asyncio.run() is the function's

        visit_AsyncFunctionDef = visit_Lambda = visit_FunctionDef

        def visit_Call(self, node: ast.Call) -> None:
            func = node.func
            if (isinstance(func, ast.Attribute) and func.attr == "run"
                    and isinstance(func.value, ast.Name)
                    and func.value.id == "asyncio"
                    and len(node.args) == 1 and not node.keywords):
                found.append(node)
            self.generic_visit(node)

    _Runs().visit(tree)
    if not found:
        return source
    lines = source.split("\n")
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line) + 1)

    def at(line: int, col: int) -> int:
        return offsets[line - 1] + len(
            lines[line - 1].encode()[:col].decode())

    text = source
    for call in sorted(found, key=lambda c: (c.lineno, c.col_offset),
                       reverse=True):
        arg = call.args[0]
        inner = text[at(arg.lineno, arg.col_offset):
                     at(arg.end_lineno or arg.lineno,
                        arg.end_col_offset or 0)]
        start = at(call.lineno, call.col_offset)
        end = at(call.end_lineno or call.lineno, call.end_col_offset or 0)
        text = f"{text[:start]}(await {inner}){text[end:]}"
    return _AWAITED + text


def _check_source(check: str) -> str:
    """A check (its last statement an expression) as code that asserts
    it; that expression may span several lines."""
    text = check.strip("\n")
    try:
        tree = ast.parse(text)
    except SyntaxError:
        tree = None
    lines = text.split("\n")
    last = tree.body[-1] if tree is not None and tree.body else None
    start = last.lineno - 1 if isinstance(last, ast.Expr) else len(lines) - 1
    message = "not solved yet: " + " ".join(
        line.strip() for line in lines[start:])
    if tree is not None and len(tree.body) == 1:
        body = [f"assert {text.strip()}, {message!r}"]
    else:
        # a function: the check's own names stay out of the namespace
        body = ["def _check():"]
        body += [f"    {line}".rstrip() for line in lines[:start]]
        tail = lines[start:]
        body += [f"    return {tail[0].strip()}"]
        body += [f"    {line}".rstrip() for line in tail[1:]]
        body += [f"assert _check(), {message!r}"]
    return "\n".join(["# Check: run this cell after your attempt", *body,
                      'print("check passed")'])


class _Builder:
    """The notebook's cells, in order, numbered as a run numbers them."""

    def __init__(self, nbformat: Any, cells: _Cells,
                 secrets: frozenset[str]) -> None:
        self.v4 = nbformat.v4
        self.recorded = cells
        self.secrets = secrets
        self.cells: list[Any] = []
        self.count = 0

    def markdown(self, lines: list[str]) -> None:
        text = "\n".join(lines).strip("\n")
        self.cells.append(
            self.v4.new_markdown_cell(mask_secrets(text, self.secrets)))

    def code(self, source: str, outputs: list[dict[str, Any]],
             tags: tuple[str, ...] = (), folded: bool = False) -> None:
        self.count += 1
        made = []
        for output in outputs:
            fields = {k: v for k, v in output.items() if k != "output_type"}
            if output["output_type"] == "execute_result":
                fields["execution_count"] = self.count
            made.append(self.v4.new_output(output["output_type"], **fields))
        cell = self.v4.new_code_cell(
            mask_secrets(source, self.secrets), execution_count=self.count,
            outputs=made)
        if tags:
            cell.metadata["tags"] = list(tags)
        if folded:
            cell.metadata["jupyter"] = {"source_hidden": True}
        self.cells.append(cell)

    def slide(self, slide: Slide) -> None:
        number = slide.number or 0
        self.markdown(slide_body(slide))
        if slide.runs and slide.blocks:
            tags = (RAISES,) if slide.expects_error else ()
            self.code(_code([b.source for b in slide.blocks]),
                      self.recorded.slide.get(number, []), tags)
        exercise = slide.exercise
        if exercise is None:
            return
        task = [f"**Exercise:** {inline(' '.join(exercise.task))}", ""]
        for n, hint in enumerate(exercise.hints, 1):
            task += [f"<details><summary>Hint {n}</summary>", "",
                     inline(hint), "", "</details>", ""]
        self.markdown(task)
        if exercise.solution:
            self.code("# A solution (write your own here instead)\n"
                      + exercise.solution.strip("\n"),
                      self.recorded.solution.get(number, []),
                      ("solution",), folded=True)
        if exercise.check:
            passed = self.recorded.proved.get(number, "not run") is None
            out = ([{"output_type": "stream", "name": "stdout",
                     "text": "check passed\n"}] if passed else [])
            self.code(_check_source(exercise.check), out, ("check",))


def to_notebook(deck: Deck) -> tuple[str, bool]:
    """(the notebook as JSON text, True if every slide ran as intended)."""
    import importlib

    # untyped in part: used through Any (and only imported here)
    nbformat: Any = importlib.import_module("nbformat")

    # before the recording context sets any of them aside
    secrets = environment_secrets(os.environ)
    sink = _Outputs((deck.path.resolve().parent, PROJECT_DIR), secrets)
    with _recording_env(deck) as env:
        recorded = _record(deck, sink)
    builder = _Builder(nbformat, recorded, secrets)
    builder.markdown([
        f"# {inline(deck_title(deck))}", "",
        f"A notebook of `{deck.path.name}`, generated from a run of the "
        "deck: the outputs below are real.  Run the cells top to bottom; "
        "the SQL each cell sends shows beside the code that sent it, "
        "in its own output box.",
    ])
    builder.code(_setup_source(env), [], ("setup",))
    setup = _code([b.source for s in deck.setup if s.runs
                   for b in s.blocks])
    if setup:
        builder.code("# The deck's setup\n" + setup, [], ("setup",),
                     folded=True)
    for slide in deck.slides:
        builder.slide(slide)
    notebook = nbformat.v4.new_notebook(
        cells=builder.cells,
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3",
                           "language": "python"},
            "language_info": {"name": "python"},
        },
    )
    nbformat.validate(notebook)
    return nbformat.writes(notebook) + "\n", not recorded.failed
