"""``sliderepl export DECK --to ipynb``: a notebook that Jupyter runs.

Each project deck is exported once (a subprocess, as a user runs it),
validated with nbformat and checked for its structure; then each is
executed top to bottom by nbclient in a real ipykernel of this Python,
with a kernelspec made in a temporary folder (CI runs from a fresh clone
as root, with no Jupyter or IPython configuration of its own, and a
user's own kernelspecs or profile must not change the outcome).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sliderepl.deck.markup import plain
from sliderepl.deck.parser import load

nbformat = pytest.importorskip("nbformat")

ROOT = Path(__file__).resolve().parent.parent
DECKS = sorted(ROOT.glob("part*.py"))
KERNEL = "sliderepl-test-python"


def export(deck: Path, out: Path) -> subprocess.CompletedProcess[str]:
    """``sliderepl export DECK --to ipynb -o OUT`` on SQLite."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("TUTORIAL_DB", None)
    return subprocess.run(
        [sys.executable, "-m", "sliderepl", "export", str(deck), "--to",
         "ipynb", "-o", str(out)],
        cwd=ROOT, env=env, stdin=subprocess.DEVNULL, capture_output=True,
        text=True, timeout=600,
    )


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every project deck exported to a notebook, by deck stem."""
    folder = tmp_path_factory.mktemp("notebooks")
    paths = {}
    for deck in DECKS:
        out = folder / f"{deck.stem}.ipynb"
        done = export(deck, out)
        assert done.returncode == 0, done.stderr[-3000:]
        paths[deck.stem] = out
    return paths


def read(path: Path) -> Any:
    return nbformat.read(path, as_version=4)


def code_cells(nb: Any) -> list[Any]:
    return [c for c in nb.cells if c.cell_type == "code"]


def tags(cell: Any) -> list[str]:
    return list(cell.metadata.get("tags", []))


def is_sql(output: Any) -> bool:
    """The SQL echo: a display output marked as such (not stderr)."""
    return (output.output_type == "display_data"
            and output.metadata.get("sliderepl") == "sql")


def sql_of(cell: Any) -> str:
    """The SQL echo of a code cell, its lines joined."""
    return "\n".join(o.data["text/plain"] for o in cell.outputs
                     if is_sql(o))


def in_order(cell: Any) -> list[str]:
    """The cell's prints and SQL lines in the order of its outputs,
    each line ``print: ...`` or ``sql: ...``."""
    found = []
    for o in cell.outputs:
        if o.output_type == "stream" and o.name == "stdout":
            found += [f"print: {line}" for line in o.text.splitlines()]
        elif is_sql(o):
            found += [f"sql: {line}"
                      for line in o.data["text/plain"].splitlines()]
    return found


def errors(cell: Any) -> list[Any]:
    return [o for o in cell.outputs if o.output_type == "error"]


@pytest.mark.parametrize("deck", DECKS, ids=lambda p: p.stem)
def test_notebook_validates_and_has_a_cell_per_slide(
    exported: dict[str, Path], deck: Path
) -> None:
    nb = read(exported[deck.stem])
    nbformat.validate(nb)
    assert nb.nbformat == 4
    parsed = load(deck)
    headings = [c.source.split("\n", 1)[0] for c in nb.cells
                if c.cell_type == "markdown" and c.source.startswith("## ")]
    # one markdown cell per shown slide, numbered and titled in order
    assert len(headings) == len(parsed.slides)
    for slide, heading in zip(parsed.slides, headings, strict=True):
        assert heading.startswith(f"## {slide.number}. ")
        if slide.title:
            words = heading.replace("`", "").replace("**", "")
            assert words.endswith(plain(slide.title)), heading
    # the first code cell sets the kernel up; the deck's setup follows
    first = code_cells(nb)[0]
    assert tags(first) == ["setup"]
    assert 'getLogger("sqlalchemy.engine")' in first.source
    # read on another machine: no path of this one
    assert str(ROOT) not in exported[deck.stem].read_text()


def test_outputs_are_real_with_sql_apart(exported: dict[str, Path]) -> None:
    nb = read(exported["part1"])
    modern = next(c for c in code_cells(nb)
                  if 'print(cx.execute(text("SELECT 42")).scalar())'
                  in c.source)
    kinds = [(o.output_type, o.get("name")) for o in modern.outputs]
    # prints on stdout, the SQL the cell sent as display outputs between
    # them, in order: never stderr (Jupyter's pink boxes, out of order)
    assert ("stream", "stdout") in kinds and ("display_data", None) in kinds
    assert ("stream", "stderr") not in kinds
    stdout = "".join(o.text for o in modern.outputs
                     if o.output_type == "stream" and o.name == "stdout")
    assert stdout.split() == ["42", "43", "44"]
    assert "SELECT 42" in sql_of(modern) and "COMMIT" in sql_of(modern)
    assert "SELECT 42" not in stdout
    assert_print_sql_print(in_order(modern))
    # a value echoed as at >>>: an execute_result of the cell's count
    results = [(c, o) for c in code_cells(nb) for o in c.outputs
               if o.output_type == "execute_result"]
    assert results
    assert all(o.execution_count == c.execution_count for c, o in results)


@pytest.mark.parametrize("deck", DECKS, ids=lambda p: p.stem)
def test_intended_errors_are_tagged_and_others_do_not_raise(
    exported: dict[str, Path], deck: Path
) -> None:
    nb = read(exported[deck.stem])
    parsed = load(deck)
    expected = sum(1 for s in parsed.slides
                   if s.expects_error and s.runs and s.blocks)
    tagged = [c for c in code_cells(nb) if "raises-exception" in tags(c)]
    assert expected > 0 and len(tagged) == expected
    for cell in code_cells(nb):
        if "raises-exception" in tags(cell):
            (error,) = errors(cell)
            assert error.ename and error.traceback
        else:
            assert errors(cell) == [], cell.source[:200]


def test_exercises_are_a_task_a_solution_and_a_check(
    exported: dict[str, Path],
) -> None:
    nb = read(exported["part2"])
    parsed = load(ROOT / "part2.py")
    exercises = [s for s in parsed.slides if s.exercise is not None]
    tasks = [c for c in nb.cells if c.cell_type == "markdown"
             and c.source.startswith("**Exercise:**")]
    checks = [c for c in code_cells(nb) if tags(c) == ["check"]]
    solutions = [c for c in code_cells(nb) if tags(c) == ["solution"]]
    assert len(tasks) == len(checks) == len(solutions) == len(exercises)
    for solution in solutions:
        assert solution.metadata["jupyter"]["source_hidden"] is True
    where = nb.cells.index(checks[0])
    # task, then the solution, then the check, in that order
    assert nb.cells[where - 1] is solutions[0]
    assert nb.cells[where - 2] is tasks[0]
    every_check = "".join(c.source for c in checks)
    assert 'people.c.given.info.get("widget") == "name"' in every_check
    assert checks[0].outputs[0].text == "check passed\n"


def test_no_secret_reaches_the_notebook(tmp_path: Path) -> None:
    deck = tmp_path / "secrets.py"
    deck.write_text(
        "### slide::\n### title:: The shop's URL (a password in it)\n"
        'import os\nurl = os.environ["SHOP_URL"]\nprint(url)\nurl\n'
        'os.environ["SHOP_API_TOKEN"]\n'
        "### slide::\n### title:: A password of the deck's own\n"
        'example = "postgresql://scott:tiger@db.example/x"\nexample\n'
        "### slide:: e\n### title:: An error that quotes the URL\n"
        "raise ValueError(url)\n"
    )
    out = tmp_path / "secrets.ipynb"
    env = dict(os.environ, PYTHONPATH=str(ROOT),
               SHOP_URL="postgresql://app:hunter%2F2@db.example/shop",
               SHOP_API_TOKEN="tok-7f3a9c")
    done = subprocess.run(
        [sys.executable, "-m", "sliderepl", "export", str(deck), "--to",
         "ipynb", "-o", str(out)], cwd=ROOT, env=env, capture_output=True,
        text=True, timeout=300, stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stderr
    text = out.read_text()
    for secret in ("hunter%2F2", "hunter/2", "tok-7f3a9c"):
        assert secret not in text
    outputs = json.dumps([c.outputs for c in code_cells(read(out))])
    assert "postgresql://app:***@db.example/shop" in outputs  # print, value
    assert "ValueError" in outputs  # the error's own text, masked too
    # the deck's own example password is its text: shown as it ran
    assert "scott:tiger@" in outputs


def test_missing_nbformat_is_one_line_and_exit_2(tmp_path: Path) -> None:
    # a folder that shadows nbformat with a module that can't be found
    (tmp_path / "sitecustomize.py").write_text(
        "import sys\n"
        "class _No:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'nbformat':\n"
        "            raise ModuleNotFoundError(name)\n"
        "sys.meta_path.insert(0, _No())\n"
    )
    env = dict(os.environ, PYTHONPATH=f"{tmp_path}{os.pathsep}{ROOT}")
    done = subprocess.run(
        [sys.executable, "-m", "sliderepl", "export", str(DECKS[0]),
         "--to", "ipynb"], cwd=ROOT, env=env, capture_output=True,
        text=True, timeout=120, stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.strip().count("\n") == 0
    assert "nbformat" in done.stderr and "notebook" in done.stderr


# -- executed in a real kernel ---------------------------------------------


@pytest.fixture(scope="module")
def kernel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A kernelspec of this Python in a temporary Jupyter folder, and
    Jupyter's and IPython's folders there too (nothing of the user's)."""
    home = tmp_path_factory.mktemp("jupyter")
    subprocess.run(
        [sys.executable, "-m", "ipykernel", "install", "--prefix",
         str(home), "--name", KERNEL], check=True, capture_output=True,
        stdin=subprocess.DEVNULL, timeout=120,
    )
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("JUPYTER_PATH", str(home / "share" / "jupyter"))
        mp.setenv("JUPYTER_CONFIG_DIR", str(home / "config"))
        mp.setenv("JUPYTER_RUNTIME_DIR", str(home / "runtime"))
        mp.setenv("IPYTHONDIR", str(home / "ipython"))
        # jupyter_core's own switch to the platformdirs folders it moves
        # to: without it, it warns (DeprecationWarning) that it will
        mp.setenv("JUPYTER_PLATFORM_DIRS", "1")
        mp.delenv("TUTORIAL_DB", raising=False)
        yield KERNEL


@pytest.mark.parametrize("deck", DECKS, ids=lambda p: p.stem)
def test_notebook_runs_top_to_bottom_in_a_kernel_with_sql_echo(
    exported: dict[str, Path], kernel: str, deck: Path, tmp_path: Path
) -> None:
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    before = read(exported[deck.stem])
    nb = read(exported[deck.stem])
    for cell in code_cells(nb):
        cell.outputs = []
    sockets = str(tmp_path / "kernel")
    made: list[KernelManager] = []

    class IpcKernelManager(KernelManager):
        """The kernel's channels as unix sockets in the test's own folder,
        not TCP ports on loopback that any local user could reach."""

        def __init__(self, **kwargs: object) -> None:
            super().__init__(**{"transport": "ipc", "ip": sockets, **kwargs})
            made.append(self)

    client = NotebookClient(
        nb, timeout=600, kernel_name=kernel, allow_errors=False,
        kernel_manager_class=IpcKernelManager,
        resources={"metadata": {"path": str(ROOT)}},
    )
    # raises CellExecutionError on an error in a cell not tagged
    # raises-exception
    client.execute()
    assert [m.transport for m in made] == ["ipc"]
    ran = code_cells(nb)
    assert all(c.execution_count for c in ran)
    for cell in ran:
        if "raises-exception" in tags(cell):
            assert errors(cell), cell.source[:200]
        else:
            assert errors(cell) == [], cell.source[:200]
    # the SQL echo shows in the kernel: every cell whose recorded run
    # sent SQL sent it again, as display outputs, apart from its prints
    with_sql = [i for i, c in enumerate(code_cells(before))
                if "BEGIN" in sql_of(c) or "SELECT" in sql_of(c)]
    assert with_sql
    missing = [ran[i].source[:80] for i in with_sql
               if not ("BEGIN" in sql_of(ran[i])
                       or "SELECT" in sql_of(ran[i]))]
    assert missing == []
    # and values echo as at >>>: the same cells have execute_results
    def valued(cells: list[Any]) -> list[int]:
        return [i for i, c in enumerate(cells)
                if any(o.output_type == "execute_result"
                       for o in c.outputs)]
    assert valued(ran) == valued(code_cells(before))
    if deck.stem == "part1":
        # in the kernel too, each print and the SQL sent between two
        # prints come out in the order they happened
        modern = next(c for c in ran if 'print(cx.execute(text("SELECT 42"'
                      in c.source)
        assert_print_sql_print(in_order(modern))


def assert_print_sql_print(lines: list[str]) -> None:
    """The SELECT 42 cell: the SQL of each statement, then what it
    printed, then the next statement's SQL, then its print."""
    def at(start: str, text: str) -> int:
        return next(n for n, line in enumerate(lines)
                    if line.startswith(start) and text in line)
    assert (at("sql:", "SELECT 42") < at("print:", "42")
            < at("sql:", "SELECT 43") < at("print:", "43")
            < at("sql:", "COMMIT")), lines


def test_a_check_whose_last_expression_spans_lines_runs() -> None:
    # part 2's Cidr check: a multi-line expression after a statement;
    # the notebook once put "return" before its last line only
    from sliderepl.tools.notebook import _check_source

    source = _check_source("import math\n(math.pi > 3 and\n math.e < 3)\n")
    namespace: dict[str, object] = {}
    exec(compile(source, "<check>", "exec"), namespace)  # noqa: S102
    failing = _check_source("import math\n(math.pi > 3 and\n math.e > 3)\n")
    with pytest.raises(AssertionError, match="not solved yet"):
        exec(compile(failing, "<check>", "exec"), {})  # noqa: S102
