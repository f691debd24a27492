"""The runner's architecture, enforced: no import cycles in sliderepl/,
and every arrow between its subpackages points down the layers that
sliderepl/README.md draws (read with ``ast``: benchmarks/import_graph.py)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "sliderepl"

#: who sits where: an arrow may only go to a lower layer, or stay inside
#: its own subpackage.  ``show`` is what decks import: it imports nothing;
#: ``launch`` (also for decks) and ``python -m`` start the command line.
LAYERS = {
    "show": 0, "deck": 0,
    "run": 1,
    "teach": 2, "screen": 2,
    "ui": 3, "tools": 3,
    "web": 4,
    "cli": 5,
    "launch": 6, "__main__": 6, "": 6,
}


def _graph_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "import_graph", ROOT / "benchmarks" / "import_graph.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("import_graph", module)
    spec.loader.exec_module(module)
    return module


graph = _graph_module()


def part(module: str) -> str:
    """``sliderepl.run.headless`` -> ``run``; ``sliderepl`` -> ``""``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def forbidden(edges: dict[str, set[str]]) -> list[str]:
    wrong = []
    for source, targets in sorted(edges.items()):
        for target in sorted(targets):
            here, there = part(source), part(target)
            if here == there:
                continue
            if LAYERS[there] >= LAYERS[here]:
                wrong.append(f"{source} -> {target}")
    return wrong


def test_every_module_has_a_layer() -> None:
    edges = graph.graph(PACKAGE)
    assert {part(m) for m in edges} <= set(LAYERS)


def test_no_import_cycles() -> None:
    assert graph.cycles(graph.graph(PACKAGE)) == []


def test_arrows_point_down_the_layers() -> None:
    assert forbidden(graph.graph(PACKAGE)) == []


def test_the_checks_catch_a_cycle_and_an_upward_arrow(
    tmp_path: Path,
) -> None:
    # a package with both defects: the test above must be able to fail
    pkg = tmp_path / "sliderepl"
    for sub in ("deck", "ui"):
        (pkg / sub).mkdir(parents=True)
        (pkg / sub / "__init__.py").write_text('"""x"""\n')
    (pkg / "__init__.py").write_text("")
    (pkg / "deck" / "model.py").write_text(
        "def f():\n    from sliderepl.ui import keys\n")
    (pkg / "ui" / "keys.py").write_text(
        "import importlib\n"
        "importlib.import_module('sliderepl.deck.model')\n")
    edges = graph.graph(pkg)
    assert graph.cycles(edges) == [["sliderepl.deck.model",
                                    "sliderepl.ui.keys"]]
    assert forbidden(edges) == ["sliderepl.deck.model -> sliderepl.ui.keys"]


@pytest.mark.parametrize("sub", ["deck", "run", "screen", "teach", "tools",
                                 "ui", "web"])
def test_each_subpackage_says_what_it_owns(sub: str) -> None:
    doc = (PACKAGE / sub / "__init__.py").read_text(encoding="utf-8")
    assert doc.startswith('"""') and len(doc.strip().splitlines()) == 1
