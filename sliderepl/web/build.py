"""``sliderepl export [DECK...] --to site -o FOLDER``: a static site.

Without DECK, the decks of the collection in the current folder
(``sliderepl.deck.collection.menu_folder``).  The folder written::

    index.html            the collection: each deck, its progress
    NAME/index.html       one page per deck (NAME: the deck's file stem)
    assets/page.js        the page script (sliderepl/web/page.js)
    assets/page.css       the themes (sliderepl.web.page)
    pyodide/              the runtime (npm's pyodide, pinned)
    wheels/               SQLAlchemy, typing_extensions, tzdata (PyPI,
                          pinned) and the decks' project's own wheel

Every part is fetched once into the cache (``sliderepl.web.fetch``) and
checked by sha256; the folder needs nothing from any other origin at
run time, so any static server (``sliderepl serve FOLDER``, a USB stick
behind ``python -m http.server``, a static host) serves it.  Exit
status 2 on bad usage, an unreadable deck or a part that can't be
fetched; 0 when written.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from sliderepl.deck.markup import plain
from sliderepl.deck.model import Deck
from sliderepl.web import fetch, page, wheel
from sliderepl.web.pins import PYODIDE_FILES


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sliderepl export --to site",
        description="Write a static site that runs the decks in a browser "
        "tab (Pyodide): nothing to install for the learners.",
    )
    parser.add_argument("decks", nargs="*", metavar="DECK",
                        help="decks (default: the current folder's "
                        "collection)")
    parser.add_argument("--to", choices=["site"], required=True)
    parser.add_argument("-o", "--output", type=Path, metavar="FOLDER",
                        required=True, help="the site's folder (made, or "
                        "refreshed in place)")
    return parser


def _title(deck: Deck) -> str:
    doc = deck.sources.get(deck.path, "")
    first = next((s for s in deck.slides if s.title), None)
    for line in doc.splitlines()[:3]:
        line = line.strip().strip('"').strip()
        if line:
            # the module docstring's first sentence: "Part 1: ..."
            return line.split(".  ")[0].rstrip(".")
    return plain(first.title or "") if first else deck.path.stem


def _decks(names: list[str]) -> list[Path]:
    from sliderepl.deck.collection import deck_path, in_folder, menu_folder

    if names:
        return [deck_path(name) for name in names]
    return in_folder(menu_folder()).decks()


def build(paths: list[Path], output: Path) -> list[tuple[str, str, int]]:
    """Write the site for ``paths`` into ``output``; each deck's
    ``(name, title, slides)``.  Raises ``FetchError``, ``ValueError``
    (a deck outside its project) and ``OSError``."""
    from sliderepl.deck.parser import load

    roots = {wheel.find_project(p) for p in paths}
    if None in roots or len(roots) != 1:
        raise ValueError("the decks must belong to one project (a "
                         "pyproject.toml in a folder above them)")
    root = roots.pop()
    assert root is not None
    project = wheel.read_project(root)
    wheels_dir = output / "wheels"
    if wheels_dir.exists():
        shutil.rmtree(wheels_dir)
    names = [path.name for path in fetch.wheels_into(wheels_dir)]
    names.append(wheel.build(project, wheels_dir).name)
    runtime = output / "pyodide"
    runtime.mkdir(parents=True, exist_ok=True)
    unpacked = fetch.pyodide_runtime()
    for name in PYODIDE_FILES:
        shutil.copyfile(unpacked / name, runtime / name)
    assets = output / "assets"
    assets.mkdir(exist_ok=True)
    shutil.copyfile(Path(__file__).with_name("page.js"),
                    assets / "page.js")
    (assets / "page.css").write_text(page.css(), encoding="utf-8")
    listed = []
    for path in paths:
        inside = project.where(path)
        if inside is None:
            raise ValueError(f"{path}: no package of {root}/pyproject.toml"
                             " holds this deck")
        deck = load(path)
        title = _title(deck)
        folder = output / path.stem
        folder.mkdir(exist_ok=True)
        (folder / "index.html").write_text(
            page.deck_page(path.stem, title, inside, names),
            encoding="utf-8")
        listed.append((path.stem, title, len(deck.slides)))
    (output / "index.html").write_text(
        page.index_page(f"{project.name}: decks", listed), encoding="utf-8")
    return listed


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    paths = _decks(args.decks)
    if not paths:
        print("sliderepl export: no decks (name them, or run it in a "
              "collection's folder)", file=sys.stderr)
        return 2
    for path in paths:
        if not path.is_file():
            print(f"sliderepl export: no such deck: {path}", file=sys.stderr)
            return 2
    try:
        listed = build(paths, args.output)
    except (fetch.FetchError, ValueError, OSError) as exc:
        print(f"sliderepl export: {exc}", file=sys.stderr)
        return 2
    size = sum(p.stat().st_size for p in args.output.rglob("*")
               if p.is_file())
    print(f"sliderepl export: wrote {args.output}/ ({len(listed)} decks, "
          f"{size / 1e6:.1f} MB); serve it: sliderepl serve {args.output}",
          file=sys.stderr)
    return 0
