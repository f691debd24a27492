"""The shape of a package's imports, read with ``ast`` (nothing is imported).

For every module of the package (default: ``sliderepl``) it collects the
modules of the same package it imports: top-level, inside functions,
under ``TYPE_CHECKING``, and behind ``importlib.import_module("literal")``
or ``import_module(f"pkg.{name}")`` with literal names.  A package's
``__init__`` counts as a module; importing ``pkg.sub.mod`` is an arrow to
``pkg.sub.mod`` (not to ``pkg.sub``).

Prints the module count, the number of import levels (the longest chain
of arrows once each cycle is folded into one node, plus one), the arrow
count and every cycle (strongly connected component of more than one
module).  ``graph()`` and ``cycles()`` are used by the layering test.

Run: python benchmarks/import_graph.py [PACKAGE_DIR]
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def module_name(path: Path, package_dir: Path) -> str:
    """``pkg.sub.mod`` for ``package_dir/sub/mod.py``."""
    parts = list(path.relative_to(package_dir.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve(current: str, is_package: bool, module: str | None,
             level: int) -> str:
    if level == 0:
        return module or ""
    base = current.split(".")
    if not is_package:
        base = base[:-1]
    if level > 1:
        base = base[: len(base) - (level - 1)]
    return ".".join(base + ([module] if module else []))


def _literal_import(node: ast.Call) -> str | None:
    """The module named by ``import_module("x")`` (or, for an f-string
    with a literal prefix, ``prefix*``: see ``imports_of``)."""
    func = node.func
    name = getattr(func, "attr", None) or getattr(func, "id", None)
    if name != "import_module" or not node.args:
        return None
    arg = node.args[0]
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return arg.value
    if isinstance(arg, ast.JoinedStr) and arg.values:
        head = arg.values[0]
        if isinstance(head, ast.Constant) and isinstance(head.value, str):
            return head.value + "*"
    return None


def imports_of(path: Path, current: str) -> set[str]:
    """Every module name ``path`` imports (absolute, dotted).  An
    ``import_module(f"pkg.{name}")`` counts as importing ``pkg.<c>`` for
    every string literal ``c`` in the file (a table of module names)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    is_package = path.name == "__init__.py"
    literals = {n.value for n in ast.walk(tree)
                if isinstance(n, ast.Constant) and isinstance(n.value, str)}
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(current, is_package, node.module, node.level)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Call):
            literal = _literal_import(node)
            if literal is not None and literal.endswith("*"):
                found.update(literal[:-1] + c for c in literals)
            elif literal is not None:
                found.add(literal)
    return found


def graph(package_dir: Path) -> dict[str, set[str]]:
    """module -> the package's modules it imports."""
    paths = sorted(package_dir.rglob("*.py"))
    names = {module_name(p, package_dir): p for p in paths}
    edges: dict[str, set[str]] = {}
    for name, path in names.items():
        targets: set[str] = set()
        for imported in imports_of(path, name):
            if imported in names:
                targets.add(imported)
        # ``from pkg.sub import mod``: the arrow goes to ``pkg.sub.mod``,
        # not also to ``pkg.sub`` unless a name of ``pkg.sub`` itself is used
        for target in list(targets):
            parent = target.rpartition(".")[0]
            if parent in targets and parent in names and _only_submodules(
                    path, name, parent, names):
                targets.discard(parent)
        targets.discard(name)
        edges[name] = targets
    return edges


def _only_submodules(path: Path, current: str, parent: str,
                     names: dict[str, Path]) -> bool:
    """True when every ``from parent import x`` in ``path`` names
    submodules (so the package ``__init__`` itself is not used)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    is_package = path.name == "__init__.py"
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = _resolve(current, is_package, node.module, node.level)
            if base == parent and any(
                    f"{parent}.{a.name}" not in names for a in node.names):
                return False
        elif isinstance(node, ast.Import):
            if any(a.name == parent for a in node.names):
                return False
    return True


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(max(1000, 10 * len(edges)))
    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def levels(edges: dict[str, set[str]]) -> int:
    """Length of the longest import chain (in modules), each cycle
    folded into one node."""
    component_of: dict[str, str] = {}
    for component in cycles(edges):
        for member in component:
            component_of[member] = component[0]
    def rep(n: str) -> str:
        return component_of.get(n, n)
    folded: dict[str, set[str]] = {}
    for src, targets in edges.items():
        folded.setdefault(rep(src), set()).update(
            rep(t) for t in targets if rep(t) != rep(src))
    depth: dict[str, int] = {}

    def height(node: str) -> int:
        if node not in depth:
            depth[node] = 1 + max((height(t) for t in folded.get(node, ())),
                                  default=0)
        return depth[node]

    return max((height(n) for n in folded), default=0)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    package_dir = Path(args[0]) if args else ROOT / "sliderepl"
    edges = graph(package_dir.resolve())
    found = cycles(edges)
    print(f"package:  {package_dir.name}")
    print(f"modules:  {len(edges)}")
    print(f"levels:   {levels(edges)}")
    print(f"arrows:   {sum(len(t) for t in edges.values())}")
    print(f"cycles:   {len(found)}")
    for component in found:
        print("  " + " <-> ".join(component))
    return 0


if __name__ == "__main__":
    sys.exit(main())
