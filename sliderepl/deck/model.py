"""The slide model: what the parser produces and everything else reads.

Plain data. Nothing here prints, runs code or knows about terminals.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

#: Flag characters with a meaning; any other character after ``slide::``
#: is ignored (the old tool did the same).
KNOWN_FLAGS = frozenset("bpxisle")
#: ``### predict::`` values: which slides pause before running.
PREDICT_CHOICES = ("errors", "all", "none")


@dataclass(frozen=True)
class Bullet:
    """One ``###  * text`` line; ``depth`` counts the spaces after ``###``."""

    text: str
    depth: int = 1


@dataclass(frozen=True)
class Block:
    """One top-level statement of a slide's code, as typed at ``>>>``.

    ``source`` is the code exactly as it runs.  ``display`` is the code as
    shown (lines whose stripped text is ``\"\"\"`` are hidden from it).
    ``path`` and ``first_line`` locate the block's first line in its deck
    file (1-based), so tracebacks and errors can point there.
    """

    source: str
    display: str
    path: Path
    first_line: int


@dataclass(frozen=True)
class ParseProblem:
    """Something wrong in a deck, reported as ``FILE:LINE: message``."""

    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass
class Exercise:
    """A task for the learner on a slide (``### exercise::`` markup).

    ``task`` lines describe it; ``hints`` are revealed one at a time;
    ``check`` is Python over the deck's namespace whose last line is an
    expression (true when solved); ``solution`` is code that solves it.
    ``line`` is the deck line of the first exercise markup.  Blocks of
    the solution are located at its ``solution::`` lines.
    """

    line: int
    task: list[str] = field(default_factory=list)
    hints: list[str] = field(default_factory=list)
    check: str = ""
    solution: str = ""
    #: deck lines of the first ``check::`` / ``solution::`` (0: none)
    check_line: int = 0
    solution_line: int = 0


@dataclass(frozen=True)
class Proof:
    """One ``### proof::`` expression, at deck line ``line``."""

    source: str
    line: int


@dataclass(frozen=True)
class Claim:
    """A statement the slide's prose makes (``### claim:: TEXT``) and the
    expressions that prove it (``### proof::``), each evaluated in the
    deck's namespace after the slide's code ran: all must be truthy."""

    text: str
    line: int
    proofs: tuple[Proof, ...] = ()


@dataclass(frozen=True)
class Measured:
    """A figure the slide's prose gives that a script measures
    (``### measured:: SCRIPT: TEXT``): a timing no proof can check at
    run time, so the sentence names its conditions and ``SCRIPT``
    (relative to the deck's folder) reproduces it."""

    text: str
    line: int
    script: str


@dataclass(frozen=True)
class Prose:
    """One source line of prose the room sees or hears: ``kind`` is
    ``title``, ``intro``, ``bullet``, ``note``, ``exercise`` or ``hint``;
    ``text`` the line without its markup prefix (for ``lint``)."""

    kind: str
    line: int
    text: str


@dataclass
class Slide:
    """One slide.  ``number`` is its 1-based position among shown slides
    (``None`` for setup slides, which are not shown or counted)."""

    path: Path
    line: int
    flags: frozenset[str] = frozenset()
    raw_flags: str = ""
    title: str | None = None
    intro: list[str] = field(default_factory=list)
    bullets: list[Bullet] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    #: speaker notes, one paragraph each (``### note::`` lines joined)
    notes: list[str] = field(default_factory=list)
    problems: list[ParseProblem] = field(default_factory=list)
    number: int | None = None
    exercise: Exercise | None = None
    #: ``### claim::`` statements with their proofs, in order
    claims: list[Claim] = field(default_factory=list)
    #: ``### measured::`` figures and the scripts that measure them
    measured: list[Measured] = field(default_factory=list)
    #: every prose line with its deck line (titles, intro, bullets...)
    prose: list[Prose] = field(default_factory=list)

    @property
    def is_setup(self) -> bool:
        return "s" in self.flags

    @property
    def has_bullets(self) -> bool:
        return "b" in self.flags and bool(self.bullets)

    @property
    def pauses(self) -> bool:
        return "p" in self.flags

    @property
    def runs(self) -> bool:
        """False for ``x`` slides and slides that failed to parse."""
        return "x" not in self.flags and not self.problems

    @property
    def continues(self) -> bool:
        return "i" in self.flags

    @property
    def long_only(self) -> bool:
        return "l" in self.flags

    @property
    def expects_error(self) -> bool:
        return "e" in self.flags

    @property
    def location(self) -> str:
        """``FILE:LINE`` of the slide's marker."""
        return f"{self.path}:{self.line}"

    def label(self) -> str:
        """A short human name: ``slide 3 "Title"`` or ``setup slide``."""
        kind = f"slide {self.number}" if self.number else "setup slide"
        return f'{kind} "{self.title}"' if self.title else kind


@dataclass
class Deck:
    """A parsed deck: setup slides apart, shown slides in order.

    ``target`` is the time the deck should take, in seconds, for the
    pacing display.  ``problems`` lists every problem found while
    parsing: those attached to a slide (also in ``Slide.problems``) and
    deck-level ones such as a missing or cyclic include.  ``sources``
    maps each file read (the deck and its includes) to its text, so
    tracebacks can quote the code that actually ran even if the file
    changes afterwards.
    """

    path: Path
    setup: list[Slide] = field(default_factory=list)
    slides: list[Slide] = field(default_factory=list)
    problems: list[ParseProblem] = field(default_factory=list)
    sources: dict[Path, str] = field(default_factory=dict)
    #: The presenter's time budget in seconds (``### target:: 45m``).
    target: float | None = None
    #: ``### predict::``: errors, all or none (None: not given)
    predict: str | None = None

    def pauses(self, slide: Slide) -> bool:
        """Does ``slide`` stop with its code shown, for Enter to run it
        (its ``p`` flag, or the deck's ``predict::`` default)?"""
        if slide.pauses:
            return True
        if self.predict == "all":
            return True
        return self.predict == "errors" and slide.expects_error

    def __len__(self) -> int:
        return len(self.slides)

    def shortened(self) -> Deck:
        """The deck as ``--short`` shows it: ``l`` slides left out."""
        kept = [s for s in self.slides if not s.long_only]
        return _renumbered(self, kept)


def _renumbered(deck: Deck, slides: list[Slide]) -> Deck:
    from dataclasses import replace

    numbered = [replace(s, number=i) for i, s in enumerate(slides, 1)]
    return Deck(
        deck.path,
        deck.setup,
        numbered,
        deck.problems,
        deck.sources,
        deck.target,
        deck.predict,
    )
