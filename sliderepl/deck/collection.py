"""Deck collections: where decks live and the options their folder adds.

A folder of decks may hold a ``_config.py`` (the old sliderepl tool's
convention), a plain module with any of:

``DECKS``
    a glob, or a list of globs, naming the folder's decks for the menu
    and for ``sliderepl NAME`` (default ``"*.py"``: every file with a
    ``### slide::`` line);
``add_arguments(parser)``
    adds the collection's own options to the ``sliderepl`` command line
    (an ``argparse`` parser);
``prepare(args)``
    called with the parsed ``argparse.Namespace`` before a deck runs
    (say, to export a database URL the decks read);
``recording()``
    a context manager around runs whose output is stored and compared
    (``sliderepl check``): whatever keeps them reproducible;
``describe_error(exc)``
    given what a slide's code raised, one line saying what it means and
    what to do (printed under the traceback), or None for nothing.

A collection installed as a package declares its config module as an
entry point of the group ``sliderepl.decks`` (``name = "module"``); the
decks are then looked for in that module's folder.  The runner knows no
collection by name: it finds them here.

Installed from a wheel, a collection's decks sit in site-packages beside
the libraries; ``Collection.own_code`` names the top-level packages of
the distribution that ships it, so that tracebacks and transcripts treat
them as the deck's own code (``sliderepl.run.own_code``), as they would
in a clone.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import importlib.util
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from sliderepl.deck.safe_files import exists, is_file

CONFIG = "_config.py"
GROUP = "sliderepl.decks"
MARKER = "### slide::"


@dataclass(frozen=True)
class Collection:
    """A folder of decks and its config module (None: defaults)."""

    folder: Path
    config: ModuleType | None = None

    @property
    def patterns(self) -> list[str]:
        decks = getattr(self.config, "DECKS", "*.py")
        return [decks] if isinstance(decks, str) else list(decks)

    def decks(self) -> list[Path]:
        """The collection's deck files, sorted by name."""
        found: set[Path] = set()
        for pattern in self.patterns:
            found.update(p for p in self.folder.glob(pattern) if _is_deck(p))
        return sorted(found)

    def find(self, name: str) -> Path | None:
        """The deck called ``name`` (with or without ``.py``), or None."""
        for path in self.decks():
            if name in (path.name, path.stem):
                return path
        return None

    def hook(self, name: str) -> Callable[..., object] | None:
        found = getattr(self.config, name, None)
        return found if callable(found) else None

    @functools.cached_property
    def own_code(self) -> tuple[Path, ...]:
        """The folders of the top-level packages of the installed
        distribution whose ``sliderepl.decks`` entry point is this
        collection's config (the collection's folder among them); ()
        for a folder no distribution installed (a clone)."""
        return _packaged(self.folder)


def _is_deck(path: Path) -> bool:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return False
    return any(line.lstrip().startswith(MARKER)
               for line in text.splitlines())


def _packaged(folder: Path) -> tuple[Path, ...]:
    from importlib.metadata import entry_points

    for point in entry_points(group=GROUP):
        dist = getattr(point, "dist", None)
        if dist is None:
            continue
        module = Path(str(dist.locate_file(point.module.replace(".", "/"))))
        candidates = (module.with_suffix(".py"), module / "__init__.py")
        if not any(c.is_file() and c.resolve().parent == folder
                   for c in candidates):
            continue
        tops = {Path(str(file)).parts[0] for file in dist.files or ()}
        found = (Path(str(dist.locate_file(top))) for top in sorted(tops)
                 if top != ".." and not top.endswith(".dist-info"))
        return tuple(path.resolve() for path in found if path.is_dir())
    return ()


def in_folder(folder: Path) -> Collection:
    """The collection in ``folder``: its ``_config.py`` if it has one."""
    folder = folder.resolve()
    return Collection(folder, load_config(folder / CONFIG))


def load_config(path: Path) -> ModuleType | None:
    """The config module at ``path`` (imported once), or None if there
    is no such file."""
    if not path.is_file():
        return None
    path = path.resolve()
    for module in list(sys.modules.values()):
        if getattr(module, "__file__", None) == str(path):
            return module
    name = f"_sliderepl_config_{abs(hash(str(path)))}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        return None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def registered() -> list[Collection]:
    """Collections declared by installed packages (entry point group
    ``sliderepl.decks``); one that fails to load is left out."""
    from importlib.metadata import entry_points

    found = []
    for point in entry_points(group=GROUP):
        try:
            module = point.load()
        except Exception as exc:  # noqa: BLE001 - a broken plugin is no reason to stop
            print(f"sliderepl: deck collection {point.name!r} not loaded:"
                  f" {exc}", file=sys.stderr)
            continue
        if isinstance(module, ModuleType) and module.__file__:
            found.append(Collection(Path(module.__file__).resolve().parent,
                                    module))
    return found


def nearest(folder: Path) -> Collection | None:
    """The collection of the nearest folder, ``folder`` or above, that
    has a ``_config.py`` (a deck in a subfolder of its collection)."""
    for candidate in [folder.resolve(), *folder.resolve().parents]:
        if (candidate / CONFIG).is_file():
            return in_folder(candidate)
    return None


def for_arguments(argv: Sequence[str]) -> list[Collection]:
    """The collections a command line may use: those of the files it
    names (``nearest``), of the current folder, then the registered ones
    (only when nothing nearer has a config), each once."""
    folders = [Path(a).parent for a in argv
               if not a.startswith("-") and is_file(Path(a))]
    found: dict[Path, Collection] = {}
    for folder in [*folders, Path.cwd()]:
        collection = nearest(folder)
        if collection is not None:
            found.setdefault(collection.folder, collection)
    if not found:
        for collection in registered():
            found.setdefault(collection.folder, collection)
    return list(found.values())


def menu_folder() -> Path:
    """The folder the deck menu lists: the current one if it has a
    config, else the first registered collection's, else the current."""
    here = in_folder(Path.cwd())
    if here.config is not None:
        return here.folder
    others = registered()
    return others[0].folder if others else here.folder


def deck_path(argument: str) -> Path:
    """A DECK on a command line (an ``argparse`` type): the path as
    given, or, for a bare name that is no file (``part1``), the deck of
    that name in the current folder's or an installed collection."""
    path = Path(argument)
    if exists(path) or len(path.parts) != 1:
        return path
    return find_deck(path.name) or path


def find_deck(name: str) -> Path | None:
    """A deck named (not a path) on the command line: looked up in the
    current folder's collection and the registered ones."""
    for collection in [in_folder(Path.cwd()), *registered()]:
        path = collection.find(name)
        if path is not None:
            return path
    return None


def add_arguments(collections: Sequence[Collection],
                  parser: argparse.ArgumentParser) -> None:
    for collection in collections:
        add = collection.hook("add_arguments")
        if add is not None:
            add(parser)


def prepare(collections: Sequence[Collection],
            args: argparse.Namespace) -> None:
    for collection in collections:
        hook = collection.hook("prepare")
        if hook is not None:
            hook(args)


def describers(
    collections: Sequence[Collection],
) -> list[Callable[..., object]]:
    """Every collection's ``describe_error`` hook."""
    found = [c.hook("describe_error") for c in collections]
    return [hook for hook in found if hook is not None]


@contextlib.contextmanager
def recording(collections: Sequence[Collection]) -> Iterator[None]:
    """Every collection's ``recording()`` context, nested."""
    with contextlib.ExitStack() as stack:
        for collection in collections:
            hook = collection.hook("recording")
            if hook is not None:
                context = hook()
                if isinstance(context, contextlib.AbstractContextManager):
                    stack.enter_context(context)
        yield
