"""``sliderepl lint --claims``: prose sentences that claim without proof.

A slide's prose is what the room reads or hears: its title, intro text,
bullets, speaker notes (the speaker says them aloud) and exercise task;
not hints (mostly code, shown only when asked for) nor setup slides
(never shown).  Each paragraph of it is split into sentences; a
sentence makes a claim when, outside code spans (```...```), it holds

* an absolute word (``ABSOLUTES``: "only", "never", "always", "every",
  "must", "cannot", "no place", "the only way" and their kin), matched
  as a whole word, any case; or
* a figure: a numeral written in digits (``3``, ``0.5 s``, ``6-13 ms``,
  ``40%``, ``10x``), except a year (1900-2099), a version number (a
  dotted number after a product name such as SQLAlchemy or Python, or
  after "version", "release", "since", "until"; or written ``2.x`` /
  ``3.12+``), a reference (after "slide", "part", "chapter", "step",
  "issue", "item", "line", "turn", "PEP", "section", "page",
  "exercise", or ``#``), digits inside a word (``utf8mb4``) and a list
  marker opening a paragraph.  Numbers spelled out ("two round trips")
  are not counted.

The sentence is proven when a ``### claim::`` on the same slide covers
it: the claim's text contains the sentence, or the sentence contains
the claim's text and every absolute word and figure of the sentence is
in the claim too (compared with markup dropped, case and spacing
ignored, end punctuation stripped).  Each other claiming sentence is a
warning ``FILE:LINE: unproven claim: SENTENCE`` at the line where it
starts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sliderepl.deck.model import Prose, Slide

#: Absolute words and phrases: a sentence with one claims something.
ABSOLUTES: tuple[str, ...] = (
    "the only way", "no place", "no one", "at all",
    "only", "nothing", "neither", "nor", "never", "always", "every",
    "everything", "everywhere", "everyone", "all", "none", "nobody",
    "nowhere", "must", "cannot", "can't", "impossible", "guaranteed",
    "guarantees", "guarantee", "forever", "any", "anything",
)

_WORDS = re.compile(
    r"(?<![\w'])(" + "|".join(re.escape(w).replace(r"\ ", r"\s+")
                             for w in ABSOLUTES) + r")(?![\w'])",
    re.IGNORECASE,
)
_CODE = re.compile(r"``.+?``|`[^`]*`")  # ``literal`` and `code` spans
_NUMBER = re.compile(r"(?<![\w.])(\d+(?:[.,]\d+)*)(\+|\.x\b)?")
_PRODUCTS = frozenset(
    "sqlalchemy python postgresql postgres mariadb mysql sqlite pysqlite "
    "psycopg psycopg2 pymysql aiomysql asyncpg debian ubuntu pytest rich "
    "cpython pypy version versions release releases v alembic "
    "prompt_toolkit windows macos since until".split()
)
_REFERENCES = frozenset(
    "slide slides part parts chapter chapters step steps issue issues "
    "item items line lines turn turns pep section sections page pages "
    "exercise exercises # no. number figure".split()
)
#: a word, or a joiner that keeps a list of versions going
_BEFORE = re.compile(r"([\w#.]+)\W*$")
_JOINERS = frozenset({"and", "or", "to", "through"})
_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=\S)")
_ABBREVIATIONS = ("e.g.", "i.e.", "vs.", "etc.", "cf.", "no.")


@dataclass(frozen=True)
class Sentence:
    """One prose sentence and the deck line where it starts."""

    line: int
    text: str


def sentences(slide: Slide) -> list[Sentence]:
    """Every prose sentence of ``slide`` (see the module's doc)."""
    found: list[Sentence] = []
    for paragraph in _paragraphs(slide.prose):
        found += _split(paragraph)
    return found


def _paragraphs(prose: list[Prose]) -> list[list[Prose]]:
    """Prose lines grouped as they are read: a title, a bullet, a hint
    alone; intro, note and exercise lines joined while they follow each
    other (an empty line, or a note starting ``* ``, ends one)."""
    out: list[list[Prose]] = []
    for item in prose:
        if item.kind == "hint":
            continue  # mostly code, shown only when asked for
        text = item.text.strip()
        if item.kind == "note" and (text == "*" or text.startswith("* ")):
            item = Prose(item.kind, item.line, text[1:].strip())
            text = item.text
            last = None
        else:
            last = out[-1][-1] if out and out[-1] else None
        if not text:
            out.append([])
            continue
        joins = (last is not None and last.kind == item.kind
                 and last.line == item.line - 1
                 and item.kind in ("intro", "note", "exercise"))
        if joins:
            out[-1].append(item)
        else:
            out.append([item])
    return [p for p in out if p]


def _split(paragraph: list[Prose]) -> list[Sentence]:
    text = ""
    starts: list[tuple[int, int]] = []  # (offset, deck line)
    for item in paragraph:
        if text:
            text += " "
        starts.append((len(text), item.line))
        text += item.text.strip()
    masked = _CODE.sub(lambda m: "`" + "x" * (len(m.group()) - 2) + "`",
                       text)
    cuts = [0]
    for match in _END.finditer(masked):
        before = masked[:match.start()].rsplit(None, 1)[-1].lower()
        if before.endswith(_ABBREVIATIONS):
            continue
        cuts.append(match.end())
    cuts.append(len(text))
    found = []
    for begin, end in zip(cuts, cuts[1:], strict=False):
        piece = text[begin:end].strip()
        if piece:
            line = max(n for offset, n in starts if offset <= begin)
            found.append(Sentence(line, piece))
    return found


def triggers(text: str) -> set[str]:
    """The absolute words and figures ``text`` holds, normalised."""
    prose = _CODE.sub(" ", text)
    found = {" ".join(m.group(1).lower().split())
             for m in _WORDS.finditer(prose)}
    for match in _NUMBER.finditer(prose):
        if _is_figure(prose, match):
            found.add(match.group(1))
    return found


def _is_figure(text: str, match: re.Match[str]) -> bool:
    number = match.group(1)
    if match.group(2):  # 2.x, 3.12+: a version
        return False
    if len(number) == 4 and number.isdigit() and 1900 <= int(number) < 2100:
        return False
    head = text[:match.start()]
    if not head.strip() and re.match(r"\d+[.)]\s", text[match.start():]):
        return False  # "1. First..." opening a paragraph
    previous = _previous_word(head)
    if previous in _REFERENCES or head.endswith("#"):
        return False
    if "." in number or previous in _JOINERS or previous == "":
        # a version after a product name, or in a list of them
        if _after_product(head):
            return False
    return previous not in _PRODUCTS


def _previous_word(head: str) -> str:
    match = _BEFORE.search(head)
    return match.group(1).lower().rstrip(".") if match else ""


def _after_product(head: str) -> bool:
    """True when ``head`` ends in a product name followed only by
    version numbers and joiners (``Python 3.12 and``)."""
    words = re.findall(r"[\w#+./-]+", head.lower())
    for word in reversed(words):
        bare = word.rstrip(".,+/")
        if bare in _PRODUCTS:
            return True
        if bare in _JOINERS or re.fullmatch(r"\d+(\.\d+)*(\.x)?", bare):
            continue
        return False
    return False


def _normal(text: str) -> str:
    text = text.replace("**", "").replace("`", "")
    text = re.sub(r"!!\{[^}]*\}", "", text)
    text = " ".join(text.lower().split())
    return text.strip(" .!?:;,\"'")


def covered(sentence: str, claims: list[str]) -> bool:
    """True when one of ``claims`` (texts) covers ``sentence``."""
    said = _normal(sentence)
    needed = triggers(sentence)
    for claim in claims:
        text = _normal(claim)
        if not text:
            continue
        if said in text:
            return True
        if text in said and needed <= triggers(claim):
            return True
    return False


def unproven(slide: Slide) -> list[Sentence]:
    """The sentences of ``slide`` that claim and no claim covers (none
    on a setup slide: nobody sees it)."""
    if slide.is_setup:
        return []
    claims = [claim.text for claim in slide.claims]
    claims += [figure.text for figure in slide.measured
               if (slide.path.parent / figure.script).is_file()]
    return [s for s in sentences(slide)
            if triggers(s.text) and not covered(s.text, claims)]
