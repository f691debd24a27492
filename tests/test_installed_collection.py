"""A deck collection installed among the libraries, in small: decks by
name (``deck_path``), ``sliderepl --list``, and the installed packages
counted as the deck's own code in tracebacks and transcripts
(``sliderepl.run.own_code``).  The real wheel: tests/test_wheel.py."""

from __future__ import annotations

import io
import os
import sysconfig
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

from sliderepl.cli import list_decks
from sliderepl.deck import collection
from sliderepl.run import masking, own_code, tracebacks
from tests.deckrun import ROOT

SITE = Path(sysconfig.get_path("purelib")).resolve()


@pytest.fixture(autouse=True)
def _forget() -> Iterator[None]:
    own_code.clear()
    yield
    own_code.clear()


@pytest.fixture
def talk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "talk"
    folder.mkdir()
    (folder / "_config.py").write_text('DECKS = "t*.py"\n')
    (folder / "tour.py").write_text('"""A tour."""\n### slide::\nx = 1\n')
    (folder / "tools.py").write_text("x = 1\n")  # no slide: no deck
    monkeypatch.chdir(folder)
    return folder


def installed(folder: Path, *others: Path) -> SimpleNamespace:
    """A collection a wheel installed in ``folder``, shipping
    ``others`` too."""
    return SimpleNamespace(folder=folder, own_code=(folder, *others))


def test_a_bare_name_is_a_deck_of_the_collection(talk: Path) -> None:
    assert collection.deck_path("tour") == talk / "tour.py"
    assert collection.deck_path("tour.py") == Path("tour.py")  # a file
    assert collection.deck_path("sub/tour") == Path("sub/tour")  # a path
    assert collection.deck_path("nothing") == Path("nothing")


def test_list_prints_folder_and_deck_names(talk: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    status = list_decks([collection.in_folder(talk)], out, err)
    assert status == 0 and err.getvalue() == ""
    assert out.getvalue().splitlines() == [
        f"{talk}:", f"  {'tour':<12} A tour.",
    ]


def test_list_with_no_decks_says_so_and_fails(tmp_path: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    assert list_decks([collection.in_folder(tmp_path)], out, err) == 1
    assert out.getvalue() == "" and "no decks" in err.getvalue()


def test_a_clone_is_no_installed_code() -> None:
    # the editable install's entry point names a file in site-packages
    # that is not there: the clone's collection ships with no wheel
    assert collection.in_folder(ROOT).own_code == ()


def test_installed_packages_are_the_decks_code_in_tracebacks() -> None:
    sep = os.sep
    recipe = f"{SITE}{sep}recipes{sep}stamp.py"
    library = f"{SITE}{sep}sqlalchemy{sep}engine{sep}base.py"
    assert tracebacks.library_name(recipe) == "recipes"
    own_code.register([installed(SITE / "recipes")])
    assert tracebacks.library_name(recipe) is None
    assert tracebacks.library_name(library) == "sqlalchemy"


def test_installed_paths_read_as_in_a_clone_in_transcripts() -> None:
    sep = os.sep
    decks = SITE / "talk_decks"
    own_code.register([installed(decks, SITE / "recipes")])
    text = "\n".join([
        f'  File "{decks}{sep}tour.py", line 7, in <module>',
        f'  File "{SITE}{sep}recipes{sep}stamp.py", line 12, in stamp',
        f'  File "{SITE}{sep}sqlalchemy{sep}engine{sep}base.py", line 99,'
        " in execute",
    ])
    # the deck's folder, and PROJECT_DIR when sliderepl is installed
    # (site-packages itself: left to the library rule)
    assert masking.normalise(text, (decks, SITE)).splitlines() == [
        '  File "tour.py", line 7, in <module>',
        f'  File "recipes{sep}stamp.py", line 12, in stamp',
        '  File "<site-packages>/sqlalchemy/engine/base.py", line N,'
        " in execute",
    ]
