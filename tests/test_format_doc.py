"""sliderepl/FORMAT.md lists every directive and flag the parser accepts
(issue 27): the names come from the parser's own patterns and tables, so
a directive added to the parser without a line on the page fails here."""

from __future__ import annotations

import re
from pathlib import Path

from sliderepl.deck import parser
from sliderepl.deck.model import KNOWN_FLAGS, PREDICT_CHOICES

PAGE = Path(parser.__file__).resolve().parent.parent / "FORMAT.md"


def directives() -> set[str]:
    """Every ``NAME::`` the parser's module-level patterns match."""
    names: set[str] = set()
    for value in vars(parser).values():
        if not isinstance(value, re.Pattern):
            continue
        text = value.pattern
        for group in re.findall(r"\(([a-z|]+)\)::", text):
            names.update(group.split("|"))
        names.update(re.findall(r"(?<![a-z|(])([a-z]+)::", text))
    return names


def test_the_parser_tables_are_read() -> None:
    found = directives()
    # the ones every deck uses are among them: the extraction works
    assert {"slide", "title", "file", "note", "exercise", "hint", "check",
            "solution", "target"} <= found


def test_every_directive_is_on_the_page() -> None:
    page = PAGE.read_text(encoding="utf-8")
    missing = sorted(name for name in directives()
                     if f"### {name}::" not in page)
    assert missing == [], f"add to {PAGE.name}: {missing}"
    # the line kinds that are no NAME:: directive
    for form in ("#### TEXT ####", "### * TEXT", "# TEXT", '"""'):
        assert form in page


def test_every_flag_and_choice_is_on_the_page() -> None:
    page = PAGE.read_text(encoding="utf-8")
    rows = set(re.findall(r"^\| `([a-z])` \|", page, re.M))
    assert rows == set(KNOWN_FLAGS)
    for choice in PREDICT_CHOICES:
        assert f"`{choice}`" in page


def test_the_readmes_link_it() -> None:
    root = PAGE.parent.parent
    assert "sliderepl/FORMAT.md" in (root / "README.md").read_text()
    assert "FORMAT.md" in (PAGE.parent / "README.md").read_text()
