"""The deck parser: every line kind, flag and lenient case of the format.

Decks are parsed from strings; includes are read from a dict of fake
files, so these tests never touch the disk (except the few that check
``load`` itself).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sliderepl.deck.model import Slide
from sliderepl.deck.parser import load, parse

DECK = Path("decks/deck.py")


def files(mapping: dict[str, str]) -> Any:
    """A ``read`` callable over fake files (paths as strings)."""

    def read(path: Path) -> str:
        try:
            return mapping[str(path)]
        except KeyError:
            raise FileNotFoundError(2, "No such file or directory") from None

    return read


def digest(slide: Slide) -> dict[str, Any]:
    """The parts of a slide the table below checks."""
    return {
        "number": slide.number,
        "title": slide.title,
        "flags": "".join(sorted(slide.flags)),
        "intro": slide.intro,
        "bullets": [(b.text, b.depth) for b in slide.bullets],
        "blocks": [(b.first_line, b.display) for b in slide.blocks],
        "notes": slide.notes,
        "problems": [str(p) for p in slide.problems],
    }


def slide(**kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "number": None,
        "title": None,
        "flags": "",
        "intro": [],
        "bullets": [],
        "blocks": [],
        "notes": [],
        "problems": [],
    }
    base.update(kw)
    return base


CASES = [
    (
        "title line form, code with real line numbers",
        "### slide::\n### title:: Hello\nx = 1\n",
        [slide(number=1, title="Hello", blocks=[(3, "x = 1")])],
    ),
    (
        "hash title form, any number of #s (four or more)",
        "### slide::\n#### Pools ####\n### slide::\n###### Six ####\n",
        [slide(number=1, title="Pools"), slide(number=2, title="Six")],
    ),
    (
        "three #s or no closing run of #s is not a title: it is code",
        "### slide::\n### Nope ###\n#### open only\n",
        [slide(number=1, blocks=[(2, "### Nope ###\n#### open only")])],
    ),
    (
        "bullets: spaces after ### give the depth",
        "### slide:: b\n### * one\n###  * two\n###   * three\n",
        [
            slide(
                number=1,
                flags="b",
                bullets=[("one", 1), ("two", 2), ("three", 3)],
            )
        ],
    ),
    (
        "intro lines anywhere in the slide; a lone # is an empty line",
        "### slide::\n# first\nx = 1\n#\n# second\ny = 2\n# third\n",
        [
            slide(
                number=1,
                intro=["first", "", "second", "third"],
                blocks=[(3, "x = 1"), (6, "y = 2")],
            )
        ],
    ),
    (
        "## lines, #no-space and indented comments are code",
        "### slide::\n## a comment\n#tight\nif 1:\n    # inner\n    pass\n",
        [
            slide(
                number=1,
                blocks=[(2, "## a comment\n#tight\nif 1:\n    # inner\n"
                            "    pass")],
            )
        ],
    ),
    (
        "every known flag, in any order, unknown ones ignored",
        "### slide:: zp b?x i l e\nx\n",
        [slide(number=1, flags="beilpx", blocks=[(2, "x")])],
    ),
    (
        "marker with tabs and extra spaces; ###slide:: without a space"
        " is a comment",
        "### slide::\na = 1\n###slide::\n###  \tslide:: p\nb = 2\n",
        [
            slide(number=1, blocks=[(2, "a = 1\n###slide::")]),
            slide(number=2, flags="p", blocks=[(5, "b = 2")]),
        ],
    ),
    (
        "speaker notes are kept apart from code and intro",
        "### slide::\n### note:: say hi\nx = 1\n### note:: and bye\n",
        [slide(number=1, notes=["say hi", "and bye"], blocks=[(3, "x = 1")])],
    ),
    (
        "note lines are paragraphs: continuation lines join",
        "### slide::\n### note:: a sentence wrapped\n###   note::  over "
        "two lines.  \n### note:: Still the same one.\nx = 1\n",
        [slide(number=1, notes=["a sentence wrapped over two lines. "
                                "Still the same one."],
               blocks=[(5, "x = 1")])],
    ),
    (
        "a bare note line ends a paragraph; blank ones don't pile up",
        "### slide::\n### note:: first\n### note::\n### note::\n"
        "### note:: second\n### note:: goes on\n### title:: T\n",
        [slide(number=1, title="T", notes=["first", "second goes on"])],
    ),
    (
        "a note starting with * starts a new paragraph, * dropped;"
        " **bold** is not a star",
        "### slide::\n### note:: intro\n### note:: * one\n### note:: more\n"
        "### note:: *   two\n### note:: **bold** goes on\n### note:: *\n"
        "### note:: three\n### title:: T\n",
        [slide(number=1, title="T", notes=["intro", "one more",
                                "two **bold** goes on", "three"])],
    ),
    (
        "the preamble is ignored, markup-looking lines included",
        '"""doc"""\n# not intro\n### title:: not a title\nboom()\n'
        "### slide::\nx = 1\n",
        [slide(number=1, blocks=[(6, "x = 1")])],
    ),
    (
        "no marker at all: no slides",
        "x = 1\n# hello\n",
        [],
    ),
    (
        "the last slide needs no marker after it",
        "### slide::\na = 1\n### slide::\nb = 2",
        [
            slide(number=1, blocks=[(2, "a = 1")]),
            slide(number=2, blocks=[(4, "b = 2")]),
        ],
    ),
    (
        "a trailing empty marker makes no empty slide; nor does an empty"
        " one in the middle, or one with only a note or only flags",
        "### slide::\na = 1\n### slide::\n\n### slide:: p\n### note:: n\n"
        "### slide:: x\n### slide::\n",
        [slide(number=1, blocks=[(2, "a = 1")])],
    ),
    (
        "blank lines before the first code line and after the last are"
        " dropped",
        "### slide::\n\n\n### title:: T\n\nx = 1\n\n\n### slide::\n",
        [slide(number=1, title="T", blocks=[(6, "x = 1")])],
    ),
    (
        'lines that are only """ are hidden from display',
        '### slide:: x\n"""\nSELECT 1\n  """  \n',
        [slide(number=1, flags="x", blocks=[(2, "SELECT 1")])],
    ),
    (
        "setup slides are apart and not numbered",
        "### slide:: s\nsetup = 1\n### slide::\nx = 1\n### slide:: s\n"
        "more = 1\n### slide::\ny = 2\n",
        [
            slide(flags="s", blocks=[(2, "setup = 1")]),
            slide(flags="s", blocks=[(6, "more = 1")]),
            slide(number=1, blocks=[(4, "x = 1")]),
            slide(number=2, blocks=[(8, "y = 2")]),
        ],
    ),
    (
        "a compound statement with its body and trailing blank lines is"
        " one block; comments go with the statement below them",
        "### slide::\nfor i in range(2):\n    i\n\n## next\nprint(i)\n",
        [
            slide(
                number=1,
                blocks=[(2, "for i in range(2):\n    i"),
                        (5, "## next\nprint(i)")],
            )
        ],
    ),
    (
        "decorators start their block; statements sharing a line share"
        " a block; a trailing comment joins the last block",
        "### slide::\n@staticmethod\ndef f():\n    pass\na = 1; b = 2\n"
        "## the end\n",
        [
            slide(
                number=1,
                blocks=[
                    (2, "@staticmethod\ndef f():\n    pass"),
                    (5, "a = 1; b = 2\n## the end"),
                ],
            )
        ],
    ),
    (
        "a slide of comments only is one block",
        "### slide::\n## just a comment\n",
        [slide(number=1, blocks=[(2, "## just a comment")])],
    ),
    (
        "intro lines inside code keep the code's line numbers",
        "### slide::\nx = (1,\n# aside\n     2)\ny = 3\n",
        [
            slide(
                number=1,
                intro=["aside"],
                blocks=[(2, "x = (1,\n     2)"), (5, "y = 3")],
            )
        ],
    ),
    (
        "a syntax error is a problem of that slide only, at its real line",
        "### slide::\na = 1\n### slide::\nb = 2\nc = (\n### slide::\nd = 4\n",
        [
            slide(number=1, blocks=[(2, "a = 1")]),
            slide(
                number=2,
                blocks=[(4, "b = 2\nc = (")],
                problems=[
                    "decks/deck.py:5: SyntaxError: '(' was never closed"
                ],
            ),
            slide(number=3, blocks=[(7, "d = 4")]),
        ],
    ),
    (
        "compile-time errors (return outside a function) are problems too",
        "### slide::\nx = 1\nreturn x\n",
        [
            slide(
                number=1,
                blocks=[(2, "x = 1\nreturn x")],
                problems=[
                    "decks/deck.py:3: SyntaxError: 'return' outside function"
                ],
            )
        ],
    ),
    (
        "x slides are never compiled: their code need not be Python",
        "### slide:: x\nthis is not python (\n",
        [slide(number=1, flags="x", blocks=[(2, "this is not python (")])],
    ),
    (
        "Windows line endings",
        "### slide::\r\n### title:: T\r\n# intro\r\nx = 1\r\n",
        [slide(number=1, title="T", intro=["intro"], blocks=[(4, "x = 1")])],
    ),
]


@pytest.mark.parametrize(
    "text, expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_table(text: str, expected: list[dict[str, Any]]) -> None:
    deck = parse(text, DECK, read=files({}))
    got = [digest(s) for s in deck.setup + deck.slides]
    assert got == expected


def test_block_source_runs_as_written() -> None:
    # source keeps hidden """ lines and blanks for markup lines, so its
    # line n is deck line first_line + n - 1
    deck = parse(
        '### slide::\nx = (1,\n# aside\n  2)\n"""\nhi\n"""\n',
        DECK,
        read=files({}),
    )
    first, second = deck.slides[0].blocks
    assert first.source == "x = (1,\n\n  2)\n"
    assert second.source == '"""\nhi\n"""\n'
    assert second.display == "hi"


def test_includes_inserted_in_order_relative_to_the_including_file() -> None:
    main = (
        "### slide::\n### title:: one\n"
        "### file:: sub/two.py\n"
        "### slide::\n### title:: four\n"
    )
    two = (
        "preamble = 'ignored'\n"
        "### slide::\n### title:: two\n"
        "### file:: three.py\n"
    )
    three = "### slide::\n### title:: three\nx = 3\n"
    deck = parse(
        main,
        DECK,
        read=files(
            {"decks/sub/two.py": two, "decks/sub/three.py": three}
        ),
    )
    assert [(s.number, s.title) for s in deck.slides] == [
        (1, "one"),
        (2, "two"),
        (3, "three"),
        (4, "four"),
    ]
    third = deck.slides[2]
    assert third.path == Path("decks/sub/three.py")
    assert third.blocks[0].path == Path("decks/sub/three.py")
    assert third.blocks[0].first_line == 3
    assert deck.problems == []
    assert set(deck.sources) == {
        DECK,
        Path("decks/sub/two.py"),
        Path("decks/sub/three.py"),
    }


def test_lines_after_an_include_continue_the_open_slide() -> None:
    main = "### slide:: p\n### title:: a\n### file:: b.py\nafter = 1\n"
    deck = parse(
        main, DECK, read=files({"decks/b.py": "### slide::\nb = 1\n"})
    )
    titles = [(s.title, s.raw_flags, len(s.blocks)) for s in deck.slides]
    assert titles == [("a", "p", 0), (None, "", 1), (None, "p", 1)]
    assert deck.slides[2].blocks[0].first_line == 4


def test_missing_include_is_a_problem_and_the_rest_loads() -> None:
    text = "### slide::\na = 1\n### file:: gone.py\n### slide::\nb = 2\n"
    deck = parse(text, DECK, read=files({}))
    assert len(deck.slides) == 2
    [problem] = deck.problems
    assert problem.line == 3
    assert str(problem).startswith("decks/deck.py:3: can't include")
    assert "gone.py" in str(problem)


def test_include_cycles_are_problems_not_crashes() -> None:
    a = "### slide::\na = 1\n### file:: b.py\n"
    b = "### slide::\nb = 1\n### file:: deck.py\n### file:: b.py\n"
    deck = parse(a, DECK, read=files({"decks/b.py": b}))
    assert [s.blocks[0].display for s in deck.slides] == ["a = 1", "b = 1"]
    assert [(str(p.path), p.line) for p in deck.problems] == [
        ("decks/b.py", 3),
        ("decks/b.py", 4),
    ]
    assert all("include cycle" in p.message for p in deck.problems)


def test_deck_problems_collect_slide_problems() -> None:
    deck = parse("### slide::\n(\n### slide:: s\n)\n", DECK, read=files({}))
    assert [p.line for p in deck.problems] == [2, 4]
    assert not deck.slides[0].runs
    assert not deck.setup[0].runs


def test_shortened_drops_long_only_slides_and_renumbers() -> None:
    text = "### slide::\na=1\n### slide:: l\nb=1\n### slide::\nc=1\n"
    deck = parse(text, DECK, read=files({})).shortened()
    assert [(s.number, s.blocks[0].display) for s in deck.slides] == [
        (1, "a=1"),
        (2, "c=1"),
    ]


def test_load_reads_utf8_with_a_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "deck.py"
    path.write_bytes("\ufeff### slide::\ns = 'é'\n".encode("utf-8"))
    deck = load(path)
    assert deck.slides[0].blocks[0].display == "s = 'é'"
    assert deck.path == path


def test_load_of_a_missing_deck_raises(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        load(tmp_path / "nope.py")


def test_old_style_deck_parses_without_problems() -> None:
    path = Path(__file__).parent / "decks" / "old_style.py"
    deck = load(path)
    assert deck.problems == []
    assert [s.title for s in deck.slides] == [
        "Old style decks",
        "Bullets, then code",
        "A pause before running",
        "Included slide",
        "Display only",
        None,
    ]
    assert [s.number for s in deck.slides] == [1, 2, 3, 4, 5, 6]
    assert deck.slides[3].path.name == "old_style_included.py"


LINES = st.sampled_from(
    [
        "### slide::",
        "### slide:: bpxisle",
        "### title:: T",
        "#### T ####",
        "###  * b",
        "# intro",
        "#",
        "### note:: n",
        "### file:: other.py",
        "### file:: deck.py",
        "x = 1",
        "x",
        "def f():",
        "    return 1",
        "",
        '"""',
        "(",
        "@d",
        "  indented",
    ]
)


@settings(max_examples=200, deadline=None)
@given(st.lists(LINES, max_size=25))
def test_any_text_parses_without_raising(lines: list[str]) -> None:
    # whatever the text, parse returns a deck; runnable slides compile
    text = "\n".join(lines)
    deck = parse(text, DECK, read=files({"decks/other.py": text}))
    for s in deck.setup + deck.slides:
        assert s.blocks or s.title or s.intro or s.bullets
        if s.runs:
            for block in s.blocks:
                compile(block.source, "deck", "exec")
