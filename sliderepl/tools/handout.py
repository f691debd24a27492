"""A deck run recorded for handouts: each slide with what it really did.

``record(deck)`` runs the deck headless (the same way as ``--run-all``:
setup slides silently, every shown slide in one namespace, exercise
solutions proved) and returns a :class:`Recorded` per slide: its code
blocks with the output, values and SQL each produced, grouped into
``Chunk``s of one kind so a handout can draw a console session, then the
SQL it sent, then the next session.  Rows echoed at ``>>>`` (a list of
``Row``, a ``Result``, ORM objects) are a ``table`` chunk of their own.
Timings and object addresses are masked as in transcripts, and file
paths shortened (the deck's folder and the project's are dropped,
libraries read ``<site-packages>/...``): a handout is read on another
machine.  Everything recorded is inert (``sliderepl.run.inert``):
a control character, even one a slide printed, is written as ``\\x1b``,
never raw into a file that ``cat`` or a previewer would replay.
``setup_code`` is the setup slides' code, which a handout folds in
ahead of the slides.  ``plain_markup`` turns the inline slide markup
into (kind, text) pieces any format can render, inert too.
"""

from __future__ import annotations

import ast
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

from sliderepl.deck.markup import STYLE, parse
from sliderepl.deck.model import Deck, Slide
from sliderepl.deck.preview import paragraphs as paragraphs  # re-exported
from sliderepl.run.claims import Verdict
from sliderepl.run.events import (
    SQL,
    BlockStarted,
    Error,
    Event,
    Interrupted,
    Notice,
    Output,
    SlideStarted,
    Value,
)
from sliderepl.run.headless import (
    PROVED,
    SETUP,
    SLIDE,
    SOLVING,
    HeadlessRun,
)
from sliderepl.run.inert import inert
from sliderepl.run.masking import (
    PROJECT_DIR,
    environment_secrets,
    mask_secrets,
    shorten_paths,
)
from sliderepl.run.navigation import default_interpreter
from sliderepl.run.rows import Rows
from sliderepl.run.transcript import mask_addresses, mask_sql, prompted

SESSION, SQL_KIND, NOTICE, TABLE = "session", "sql", "notice", "table"
#: what each piece of a chunk is (``Chunk.parts``): a block's code as
#: written (no prompts), what it printed, its echoed value, its error
CODE, PRINTED, VALUE, ERROR = "code", "printed", "value", "error"


@dataclass
class Chunk:
    """Consecutive output of one kind: ``session`` (code as typed at
    ``>>>`` with its output), ``sql`` or ``notice`` (a runner note)."""

    kind: str
    lines: list[str] = field(default_factory=list)
    #: the same content as (role, text) in the order it came, for a
    #: format that draws code apart from its output: role ``code`` (the
    #: block without prompts), ``printed``, ``value``, ``error``, or the
    #: chunk's kind (``sql``, ``notice``)
    parts: list[tuple[str, str]] = field(default_factory=list)
    #: a ``table`` chunk's rows (``sliderepl.run.rows``), addresses
    #: masked; ``lines`` then hold the value's plain repr
    rows: Rows | None = None

    @property
    def text(self) -> str:
        return "\n".join(self.lines).rstrip("\n")


@dataclass
class Recorded:
    """One shown slide and the chunks its run produced."""

    slide: Slide
    chunks: list[Chunk] = field(default_factory=list)
    failed: bool = False
    #: what running the exercise's solution showed (kept apart: a
    #: handout shows it under the exercise, folded away)
    solution_chunks: list[Chunk] = field(default_factory=list)
    #: how each proof of the slide's claims came out in this run
    verdicts: list[Verdict] = field(default_factory=list)

    def claims(self) -> list[tuple[str, bool, list[str]]]:
        """(claim text, proven, its proofs) for each claim of the
        slide; not proven when a proof failed or none ran (the slide
        failed first)."""
        found = []
        for claim in self.slide.claims:
            mine = [v for v in self.verdicts if v.claim is claim]
            proven = bool(mine) and all(v.proven for v in mine)
            found.append((claim.text, proven,
                          [" ".join(p.source.split()) for p in claim.proofs]))
        return found


class _Recorder:
    """A sink that appends events to the current slide's chunks."""

    def __init__(self) -> None:
        self.current: Recorded | None = None
        self.slides: list[Recorded] = []
        self.solving = False
        #: paths under these show relative: a handout is read elsewhere
        self.folders: tuple[Path, ...] = ()
        #: never in a handout (``mask_secrets``)
        self.secrets: frozenset[str] = frozenset()
        self._partial = ""

    def _add(self, kind: str, text: str, role: str = "",
             code: str = "") -> None:
        assert self.current is not None
        text = self._clean(text)
        code = self._clean(code)
        if self.solving and kind == NOTICE:
            return  # "check passed" and friends: the handout says it
        chunks = (
            self.current.solution_chunks if self.solving
            else self.current.chunks
        )
        if not chunks or chunks[-1].kind != kind:
            chunks.append(Chunk(kind))
        chunks[-1].lines.extend(text.rstrip("\n").split("\n"))
        chunks[-1].parts.append(
            (role or kind, code or text.rstrip("\n")))

    def _clean(self, text: str) -> str:
        return inert(mask_secrets(shorten_paths(text, self.folders),
                                  self.secrets))

    def _table(self, rows: Rows, text: str) -> None:
        assert self.current is not None
        chunks = (
            self.current.solution_chunks if self.solving
            else self.current.chunks
        )
        masked = Rows(
            tuple(self._clean(mask_addresses(c)) for c in rows.columns),
            tuple(tuple(self._clean(mask_addresses(c)) for c in row)
                  for row in rows.rows),
            rows.more,
        )
        text = self._clean(text)
        chunks.append(Chunk(TABLE, text.split("\n"), [(TABLE, text)],
                            masked))

    def flush(self) -> None:
        if self._partial:
            text, self._partial = self._partial, ""
            self._add(SESSION, text, PRINTED)

    def __call__(self, event: Event) -> None:
        if self.current is None and not isinstance(event, SlideStarted):
            return
        if isinstance(event, Output):
            self._partial += mask_addresses(event.text)
            if self._partial.endswith("\n"):
                self.flush()
            return
        self.flush()
        if isinstance(event, SlideStarted):
            self.current = Recorded(event.slide)
            self.slides.append(self.current)
        elif isinstance(event, BlockStarted):
            if event.shown and event.block.display.strip():
                self._add(SESSION, prompted(event.block), CODE,
                          event.block.display)
        elif isinstance(event, Value) and event.rows is not None:
            self._table(event.rows, mask_addresses(event.text))
        elif isinstance(event, Value):
            self._add(SESSION, mask_addresses(event.text), VALUE)
        elif isinstance(event, SQL):
            self._add(SQL_KIND, mask_sql(event.text.strip("\n")))
        elif isinstance(event, Error):
            self._add(SESSION, mask_addresses(event.traceback), ERROR)
        elif isinstance(event, Interrupted):
            self._add(NOTICE, "KeyboardInterrupt: the slide stopped")
        elif isinstance(event, Notice):
            self._add(NOTICE, event.text)


def record(deck: Deck) -> list[Recorded]:
    """Run ``deck`` once (the ``--run-all`` loop), recording every shown
    slide."""
    recorder = _Recorder()
    recorder.folders = (deck.path.resolve().parent, PROJECT_DIR)
    recorder.secrets = environment_secrets()
    run = HeadlessRun(deck, default_interpreter(deck, True), recorder)
    with closing(run.steps()) as steps:
        for step in steps:
            current = recorder.current
            if step.phase == SETUP or current is None:
                continue
            if step.phase == SLIDE:
                current.verdicts = list(step.verdicts)
            unproven = any(not v.proven for v in step.verdicts)
            if ((step.phase == SLIDE and (not step.outcome.ok
                                          or unproven))
                    or (step.phase == PROVED and step.problem)):
                current.failed = True
            recorder.flush()
            recorder.solving = step.phase == SOLVING
    return recorder.slides


def plain_markup(text: str) -> list[tuple[str, str]]:
    """``text`` as (kind, piece) with kind ``text``, ``bold`` or
    ``code`` (``sliderepl.deck.markup``); ``!!{style}`` switches are
    dropped (handouts are not themed)."""
    return [(span.kind, inert(span.text)) for span in parse(text)
            if span.kind != STYLE]


def deck_title(deck: Deck) -> str:
    """The first line of the deck file's docstring, else its name."""
    text = deck.sources.get(deck.path, "")
    head = text.split("### slide::", 1)[0]
    try:
        doc = ast.get_docstring(ast.parse(head)) or ""
    except SyntaxError:
        doc = ""
    first = doc.strip().split("\n")[0].split("Run:", 1)[0].strip()
    return inert(first or deck.path.stem)


def setup_code(deck: Deck) -> str:
    """The code of the deck's setup slides (imports, helpers such as
    part 1's ``pool_of_one``), as the run ran it first: a handout puts
    it ahead of the slides, folded, so code copied in order runs."""
    return "\n\n".join(
        pasteable([b.source for b in s.blocks])
        for s in deck.setup if s.runs and s.blocks)


def pasteable(blocks: list[str]) -> str:
    """Blocks of code as one text that runs pasted at Python's ``>>>``
    as well as in a file: a blank line after an indented block that
    more code follows (the prompt ends a compound statement there)."""
    out: list[str] = []
    for n, block in enumerate(blocks):
        out.append(block.rstrip("\n"))
        last = block.rstrip("\n").split("\n")[-1]
        if n < len(blocks) - 1 and last[:1] in (" ", "\t"):
            out.append("")
    return "\n".join(out)


def slide_title(slide: Slide) -> str:
    """A slide's title (inert), or ``Slide N`` for an untitled one."""
    return inert(slide.title or f"Slide {slide.number}")
