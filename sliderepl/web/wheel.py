"""The wheel of the decks' own project, for the page's site-packages.

Built from the ``pyproject.toml`` next to the decks, the way setuptools
lays it out (``[tool.setuptools] packages``, ``package-dir``,
``package-data``): each package's ``.py`` files and its data files, the
project's entry points (so ``sliderepl.decks`` names the collection in
the page too) and ``top_level.txt`` (the deck's own code,
``sliderepl.run.own_code``).  Written here rather than by ``pip wheel``:
no build backend to install, nothing written into the clone, and the
same files give the same bytes (fixed timestamps, sorted).  If the
project does not list ``sliderepl`` itself, the runner's package is
added from where it is installed.  Pyodide is never in it.
"""

from __future__ import annotations

import base64
import hashlib
import tomllib
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: a fixed date for every member: the same files, the same wheel
_EPOCH = (2020, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class Project:
    """What the wheel holds: package name -> its folder."""

    root: Path
    name: str
    version: str
    packages: dict[str, Path]
    data: dict[str, list[str]]
    entry_points: dict[str, dict[str, str]]

    def where(self, deck: Path) -> str | None:
        """``deck``'s path inside site-packages, or None if no package
        of the project holds it."""
        deck = deck.resolve()
        for package, folder in self.packages.items():
            if deck.parent == folder.resolve():
                return "/".join(package.split(".") + [deck.name])
        return None


def find_project(deck: Path) -> Path | None:
    """The folder of the ``pyproject.toml`` nearest above ``deck``."""
    for folder in deck.resolve().parents:
        if (folder / "pyproject.toml").is_file():
            return folder
    return None


def read_project(root: Path) -> Project:
    data: dict[str, Any] = tomllib.loads(
        (root / "pyproject.toml").read_text(encoding="utf-8"))
    project = data.get("project", {})
    setuptools = data.get("tool", {}).get("setuptools", {})
    dirs: dict[str, str] = setuptools.get("package-dir", {})
    packages: dict[str, Path] = {}
    for package in setuptools.get("packages", []):
        top, _, rest = package.partition(".")
        base = root / dirs.get(top, top)
        packages[package] = base.joinpath(*rest.split(".")) if rest else base
    if "sliderepl" not in packages:
        runner = Path(__file__).resolve().parents[1]  # sliderepl/
        packages["sliderepl"] = runner
        for sub in sorted(runner.iterdir()):
            if (sub / "__init__.py").is_file():
                packages[f"sliderepl.{sub.name}"] = sub
    return Project(
        root, str(project.get("name", root.name)),
        str(project.get("version", "0")), packages,
        dict(setuptools.get("package-data", {})),
        dict(project.get("entry-points", {})),
    )


def _files(project: Project) -> list[tuple[str, Path]]:
    out: dict[str, Path] = {}
    for package, folder in project.packages.items():
        prefix = "/".join(package.split("."))
        names = [p for p in folder.glob("*.py") if p.is_file()]
        for pattern in project.data.get(package, []):
            names += [p for p in folder.glob(pattern) if p.is_file()]
        for path in names:
            out[f"{prefix}/{path.name}"] = path
    return sorted(out.items())


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest())
    return f"{name},sha256={digest.rstrip(b'=').decode()},{len(data)}"


def build(project: Project, folder: Path) -> Path:
    """Write the wheel into ``folder``; its path."""
    dist = project.name.replace("-", "_")
    info = f"{dist}-{project.version}.dist-info"
    target = folder / f"{dist}-{project.version}-py3-none-any.whl"
    members: list[tuple[str, bytes]] = [
        (name, path.read_bytes()) for name, path in _files(project)]
    tops = sorted({name.split("/")[0] for name, _ in members})
    points = "".join(
        f"[{group}]\n" + "".join(f"{k} = {v}\n" for k, v in items.items())
        + "\n"
        for group, items in project.entry_points.items())
    members += [
        (f"{info}/METADATA", (
            f"Metadata-Version: 2.1\nName: {project.name}\n"
            f"Version: {project.version}\n").encode()),
        (f"{info}/WHEEL", (
            b"Wheel-Version: 1.0\nGenerator: sliderepl.web.wheel\n"
            b"Root-Is-Purelib: true\nTag: py3-none-any\n")),
        (f"{info}/top_level.txt", "".join(f"{t}\n" for t in tops).encode()),
        (f"{info}/entry_points.txt", points.encode()),
    ]
    record = [_record_line(name, data) for name, data in members]
    record.append(f"{info}/RECORD,,")
    members.append((f"{info}/RECORD", ("\n".join(record) + "\n").encode()))
    folder.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            entry = zipfile.ZipInfo(name, _EPOCH)
            entry.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(entry, data)
    return target
