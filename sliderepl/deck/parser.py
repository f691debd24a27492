"""Deck text to a :class:`~sliderepl.deck.model.Deck`: a pure function.

``parse(text, path, read=...)`` never touches the file system itself:
``### file::`` includes are read through the injected ``read`` callable,
so tests can feed a dictionary of fake files.  ``load(path)`` is the
convenience that reads the deck from disk.

Decisions where the format leaves room (documented in the module, tested
in ``tests/test_parser.py``):

* A slide with no title, no intro text, no bullets and no code is dropped
  (so a trailing empty ``### slide::`` makes no empty slide).  Speaker
  notes alone do not keep a slide.
* An include closes the open slide; the included slides follow it.  Lines
  after the include (before the next marker) open a continuation slide
  with the same flags, dropped if it turns out empty.  Includes in the
  preamble are honoured too.
* A missing, unreadable or cyclic include is a deck-level problem at the
  include line; the rest of the deck loads.
* A syntax error is a problem on that slide only: the slide keeps its code
  (one block, for display) and does not run.  ``x`` slides are never
  compiled, since their code may not even be Python.
* ``Deck.problems`` lists every problem, slide ones included.
* Exercise markup (``### exercise::``, ``### hint::``, ``### check::``,
  ``### solution::``) is never code.  Each ``hint::`` line is one hint;
  consecutive ``check::`` / ``solution::`` lines join into one piece of
  code (one space after ``::`` is dropped, further indentation kept).  A
  check or solution that doesn't compile, or a check without a solution,
  is a problem on the slide (headless runs prove solutions pass checks).
* ``### claim:: TEXT`` names a statement the slide's prose makes;
  the ``### proof:: EXPRESSION`` lines after it prove it (each one
  Python expression, evaluated after the slide's code ran, all must be
  truthy: ``sliderepl.run.claims``).  A ``claim::`` line right after
  another continues its text (joined with a space).  A proof spans
  several consecutive ``proof::`` lines only inside brackets, as Python
  continues a line.  A claim without a proof, a proof before any claim
  and a proof that is not one expression are problems on the slide.
  Claims are never code and never shown on the slide.
* ``### measured:: SCRIPT: TEXT`` names a figure of the slide's prose
  (a timing, a ratio) that no proof can check as the slide runs, and
  the script, relative to the deck's folder, that measures it; lint
  counts the figure as backed when that script exists.
* ``### target:: 45m`` (``1h30m``, ``90s``, or plain minutes) anywhere,
  preamble included, sets ``Deck.target``; the first one counts.
* ``### predict:: errors`` anywhere (preamble included) makes every
  intended-error (``e``) slide pause before running, as ``p`` does, so
  the room can guess first (``all``: every slide with code; ``none``:
  only ``p`` slides, the default).  The first one counts.
* Speaker notes are paragraphs: consecutive ``### note::`` lines join
  into one (a source line is only where the author wrapped it).  A bare
  ``### note::`` ends the paragraph; a note starting ``* `` starts a new
  one (the ``*`` dropped: every paragraph is one point); any other line
  between two notes (code, intro) separates them too.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sliderepl.deck.model import (
    KNOWN_FLAGS,
    PREDICT_CHOICES,
    Block,
    Bullet,
    Claim,
    Deck,
    Exercise,
    Measured,
    ParseProblem,
    Proof,
    Prose,
    Slide,
)
from sliderepl.deck.safe_files import (
    MAX_INCLUDE_DEPTH,
    python_lines,
    read_regular,
)

Reader = Callable[[Path], str]

_INCLUDE = re.compile(r"^###[ \t]+file::[ \t]*(.*?)\s*$")
_TITLE = re.compile(r"^###[ \t]+title::[ \t]*(.*?)\s*$")
_HASH_TITLE = re.compile(r"^#{4,} (.*\S.*?) #{4,}\s*$")
_BULLET = re.compile(r"^###( +)\* (.*?)\s*$")
_MARKER = re.compile(r"^###[ \t]+slide::(.*)$")
_NOTE = re.compile(r"^###[ \t]+note::[ \t]*(.*?)\s*$")
_EXERCISE = re.compile(
    r"^###[ \t]+(exercise|hint|check|solution)::(?:[ \t](.*))?$"
)
_CLAIM = re.compile(r"^###[ \t]+(claim|proof)::(?:[ \t](.*))?$")
_MEASURED = re.compile(r"^###[ \t]+measured::[ \t]+([^\s:]+):[ \t]+(.+)$")
_DETECTED = re.compile(r"\(detected at line (\d+)\)")
_TARGET = re.compile(r"^###[ \t]+target::[ \t]*(.*?)\s*$")
_PREDICT = re.compile(r"^###[ \t]+predict::[ \t]*(.*?)\s*$")
_DURATION = re.compile(
    r"^(?:(\d+(?:\.\d+)?)h)?\s*(?:(\d+(?:\.\d+)?)m(?:in)?)?\s*"
    r"(?:(\d+(?:\.\d+)?)s)?$"
)
_QUOTES = '"""'


def read_file(path: Path) -> str:
    """Read a deck file as UTF-8 (a byte-order mark is dropped)."""
    return read_regular(path)


def load(path: Path | str) -> Deck:
    """Read and parse the deck at ``path``.

    Raises ``OSError`` / ``UnicodeDecodeError`` if the deck itself can't
    be read; problems with its includes are reported in the deck.
    """
    path = Path(path)
    return parse(read_file(path), path, read=read_file)


def parse(text: str, path: Path, read: Reader = read_file) -> Deck:
    """Parse deck ``text`` (the contents of ``path``) into a Deck."""
    deck = Deck(path)
    slides: list[Slide] = []
    _Parser(deck, read, slides).parse_file(text, path, (_key(path),))
    number = 0
    for slide in slides:
        deck.problems.extend(slide.problems)
        if slide.is_setup:
            deck.setup.append(slide)
        else:
            number += 1
            slide.number = number
            deck.slides.append(slide)
    return deck


def _key(path: Path) -> str:
    """Identity of a file for include-cycle detection."""
    try:
        return str(path.resolve())
    except (OSError, ValueError):  # a symlink loop, a NUL byte
        return str(path)


@dataclass
class _Open:
    """A slide being collected: its markup and its code lines."""

    path: Path
    line: int
    raw_flags: str
    title: str | None = None
    intro: list[str] = field(default_factory=list)
    bullets: list[Bullet] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: the last line was a note whose paragraph the next note continues
    note_open: bool = False
    #: exercise markup: (kind, deck line number, text), in order.
    exercise: list[tuple[str, int, str]] = field(default_factory=list)
    #: (deck line number, text) of every code line, in order.
    code: list[tuple[int, str]] = field(default_factory=list)
    #: claim markup: (kind, deck line number, text), in order.
    claims: list[tuple[str, int, str]] = field(default_factory=list)
    measured: list[Measured] = field(default_factory=list)
    prose: list[Prose] = field(default_factory=list)


class _Parser:
    def __init__(self, deck: Deck, read: Reader, out: list[Slide]) -> None:
        self.deck = deck
        self.read = read
        self.out = out

    def parse_file(
        self, text: str, path: Path, stack: tuple[str, ...]
    ) -> None:
        self.deck.sources[path] = text
        current: _Open | None = None
        for number, line in enumerate(python_lines(text), 1):
            stripped = line.rstrip()
            match = _INCLUDE.match(stripped)
            if match:
                flags = current.raw_flags if current else None
                self._close(current)
                self._include(match.group(1), path, number, stack)
                current = None
                if flags is not None:
                    current = _Open(path, number, flags)
                continue
            match = _MARKER.match(stripped)
            if match:
                # Checked before titles, bullets and intro text although
                # the format lists it after them: no marker line can
                # match those rules, and a marker opens the slide they
                # need.
                self._close(current)
                current = _Open(path, number, match.group(1))
                continue
            match = _TARGET.match(stripped)
            if match:
                self._target(match.group(1), path, number)
                continue
            match = _PREDICT.match(stripped)
            if match:
                self._predict(match.group(1), path, number)
                continue
            if current is not None:  # else preamble: never shown or run
                _classify(current, stripped, line, number)
        self._close(current)

    def _include(
        self, name: str, base: Path, line: int, stack: tuple[str, ...]
    ) -> None:
        target = base.parent / name
        key = _key(target)
        if not name:
            message = "### file:: names no file"
        elif "\x00" in name:
            message = f"### file:: {name!r}: a file name can't hold a NUL byte"
        elif key in stack:
            message = f"include cycle: {target} includes itself"
        elif len(stack) > MAX_INCLUDE_DEPTH:
            message = (f"can't include {target}: includes nested more "
                       f"than {MAX_INCLUDE_DEPTH} deep")
        else:
            try:
                text = self.read(target)
            except (OSError, UnicodeDecodeError) as exc:
                reason = getattr(exc, "strerror", None) or str(exc)
                message = f"can't include {target}: {reason}"
            else:
                self.parse_file(text, target, stack + (key,))
                return
        self.deck.problems.append(ParseProblem(base, line, message))

    def _target(self, text: str, path: Path, line: int) -> None:
        seconds = parse_duration(text)
        if seconds is None:
            self.deck.problems.append(
                ParseProblem(path, line, f"target:: {text!r} is not a "
                             "duration like 45m, 1h30m or 90s")
            )
        elif self.deck.target is None:
            self.deck.target = seconds

    def _predict(self, text: str, path: Path, line: int) -> None:
        choice = text.strip().lower()
        if choice not in PREDICT_CHOICES:
            self.deck.problems.append(
                ParseProblem(path, line, f"predict:: {text!r}: choose "
                             + ", ".join(PREDICT_CHOICES)))
        elif self.deck.predict is None:
            self.deck.predict = choice

    def _close(self, current: _Open | None) -> None:
        if current is None:
            return
        slide = _build(current)
        if slide is not None:
            self.out.append(slide)


def _classify(current: _Open, stripped: str, line: str, number: int) -> None:
    """Record one line of the open slide: markup, or code."""
    prose = current.prose
    match = _NOTE.match(stripped)
    if match:
        _note(current, match.group(1))
        prose.append(Prose("note", number, match.group(1)))
        return
    current.note_open = False
    match = _TITLE.match(stripped) or _HASH_TITLE.match(stripped)
    if match:
        current.title = match.group(1)
        prose.append(Prose("title", number, match.group(1)))
        return
    match = _BULLET.match(stripped)
    if match:
        current.bullets.append(Bullet(match.group(2), len(match.group(1))))
        prose.append(Prose("bullet", number, match.group(2)))
        return
    if stripped == "#" or line.startswith("# "):
        current.intro.append(stripped[2:])
        prose.append(Prose("intro", number, stripped[2:]))
        return
    match = _EXERCISE.match(stripped)
    if match:
        kind, text = match.group(1), match.group(2) or ""
        current.exercise.append((kind, number, text))
        if kind in ("exercise", "hint"):
            prose.append(Prose(kind, number, text.strip()))
        return
    match = _MEASURED.match(stripped)
    if match:
        current.measured.append(
            Measured(match.group(2).strip(), number, match.group(1)))
        return
    match = _CLAIM.match(stripped)
    if match:
        current.claims.append((match.group(1), number, match.group(2)
                               or ""))
        return
    if current.code or stripped:  # blank lines before any code: dropped
        current.code.append((number, line))


def _note(current: _Open, text: str) -> None:
    """One ``### note::`` line: continue the open paragraph, start one,
    or (blank) end it."""
    if not text:
        current.note_open = False
        return
    if text == "*" or text.startswith("* "):
        text = text[1:].strip()
        current.note_open = False
        if not text:
            return
    if current.note_open:
        current.notes[-1] += " " + text
    else:
        current.notes.append(text)
        current.note_open = True


def _build(current: _Open) -> Slide | None:
    code = current.code
    while code and not code[-1][1].strip():
        code.pop()
    if not (
        current.title
        or current.intro
        or current.bullets
        or code
        or current.exercise
        or current.claims
    ):
        return None
    flags = frozenset(current.raw_flags) & KNOWN_FLAGS
    slide = Slide(
        path=current.path,
        line=current.line,
        flags=flags,
        raw_flags=current.raw_flags.strip(),
        title=current.title,
        intro=current.intro,
        bullets=current.bullets,
        notes=current.notes,
        prose=current.prose,
    )
    if code:
        slide.blocks, problem = _blocks(
            current.path, code, check="x" not in flags
        )
        if problem is not None:
            slide.problems.append(problem)
    if current.exercise:
        slide.exercise, problems = _exercise(current.path, current.exercise)
        slide.problems.extend(problems)
    if current.claims:
        slide.claims, problems = _claims(current.path, current.claims)
        slide.problems.extend(problems)
    slide.measured = list(current.measured)
    return slide


def _claims(
    path: Path, lines: list[tuple[str, int, str]]
) -> tuple[list[Claim], list[ParseProblem]]:
    """The claims of a slide from its ``claim::`` / ``proof::`` lines."""
    found: list[tuple[str, int, list[tuple[int, str]]]] = []
    problems: list[ParseProblem] = []
    last_claim = -1  # deck line of the previous claim:: line
    for kind, number, text in lines:
        text = text.strip()
        if kind == "claim":
            if found and last_claim == number - 1 and not found[-1][2]:
                head, line, proofs = found[-1]
                found[-1] = (f"{head} {text}".strip(), line, proofs)
            else:
                found.append((text, number, []))
            last_claim = number
        elif not found:
            problems.append(ParseProblem(
                path, number, "proof:: before any claim:: (a proof proves "
                "the claim above it)"))
        else:
            proofs = found[-1][2]
            if proofs and _unclosed(proofs[-1][1]):
                start, head = proofs[-1]
                proofs[-1] = (start, f"{head}\n{text}")
            else:
                proofs.append((number, text))
    claims: list[Claim] = []
    for text, line, proofs in found:
        if not text:
            problems.append(ParseProblem(path, line, "claim:: says nothing"))
        if not proofs:
            problems.append(ParseProblem(
                path, line, f"claim:: {text!r} has no proof:: line (a "
                "claim is proven by running it)"))
        for number, source in proofs:
            try:
                compile(source, str(path), "eval", dont_inherit=True)
            except (SyntaxError, ValueError) as exc:
                message = getattr(exc, "msg", None) or str(exc)
                problems.append(ParseProblem(
                    path, number, f"proof:: is not one Python expression: "
                    f"{type(exc).__name__}: {message}"))
        claims.append(Claim(text, line, tuple(
            Proof(source, number) for number, source in proofs)))
    return claims, problems


def _unclosed(source: str) -> bool:
    """True while ``source`` has a bracket open (the next ``proof::``
    line continues it, as Python continues a line)."""
    import io
    import tokenize

    depth = 0
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.OP and token.string in "([{":
                depth += 1
            elif token.type == tokenize.OP and token.string in ")]}":
                depth -= 1
    except tokenize.TokenError:
        return True  # EOF in a multi-line statement: brackets still open
    except (SyntaxError, ValueError):
        return False
    return depth > 0


def parse_duration(text: str) -> float | None:
    """Seconds in ``45m``, ``1h30m``, ``90s`` or ``45`` (minutes)."""
    text = text.strip().lower()
    if not text:
        return None
    try:
        return float(text) * 60
    except ValueError:
        pass
    match = _DURATION.match(text)
    if not match or not any(match.groups()):
        return None
    hours, minutes, seconds = (float(g) if g else 0.0 for g in match.groups())
    return hours * 3600 + minutes * 60 + seconds


def _exercise(
    path: Path, lines: list[tuple[str, int, str]]
) -> tuple[Exercise, list[ParseProblem]]:
    """The exercise of a slide from its markup lines."""
    exercise = Exercise(line=lines[0][1])
    check: list[tuple[int, str]] = []
    solution: list[tuple[int, str]] = []
    for kind, number, text in lines:
        if kind == "exercise":
            exercise.task.append(text.strip())
        elif kind == "hint":
            exercise.hints.append(text.strip())
        elif kind == "check":
            check.append((number, text.rstrip()))
        else:
            solution.append((number, text.rstrip()))
    exercise.check = "\n".join(text for _, text in check).strip("\n")
    exercise.solution = "\n".join(t for _, t in solution).strip("\n")
    exercise.check_line = check[0][0] if check else 0
    exercise.solution_line = solution[0][0] if solution else 0
    problems = []
    for name, part in (("check", check), ("solution", solution)):
        if not part:
            continue
        source = "\n".join(text for _, text in part) + "\n"
        try:
            ast.parse(source, str(path))
        except (SyntaxError, ValueError) as exc:
            lineno = getattr(exc, "lineno", None) or 1
            index = min(max(lineno - 1, 0), len(part) - 1)
            message = getattr(exc, "msg", None) or str(exc)
            problems.append(ParseProblem(
                path, part[index][0],
                f"exercise {name}:: {type(exc).__name__}: {message}",
            ))
    if check and not solution:
        problems.append(ParseProblem(
            path, check[0][0],
            "exercise has a check:: but no solution:: (a headless run "
            "proves the solution passes the check)",
        ))
    return exercise, problems


def solution_blocks(slide: Slide) -> list[Block]:
    """The exercise solution of ``slide`` as blocks, located at the
    ``### solution::`` lines of the deck (empty if there is none)."""
    exercise = slide.exercise
    if exercise is None or not exercise.solution:
        return []
    first = exercise.solution_line or slide.line
    lines = exercise.solution.split("\n")
    code = [(first + i, text) for i, text in enumerate(lines)]
    blocks, _ = _blocks(slide.path, code, check=True)
    return blocks


def _blocks(
    path: Path, code: list[tuple[int, str]], check: bool
) -> tuple[list[Block], ParseProblem | None]:
    """Split a slide's code lines into blocks, one per top-level statement.

    Lines between the first and last code line that were markup (intro,
    bullets...) become blank lines in ``source``, so line ``n`` of a
    block's source is deck line ``first_line + n - 1`` exactly.
    """
    first = code[0][0]
    lines: list[str | None] = [None] * (code[-1][0] - first + 1)
    for number, text in code:
        lines[number - first] = text
    source = "\n".join(line or "" for line in lines) + "\n"
    try:
        tree = ast.parse(source, str(path))
        if check:
            compile(tree, str(path), "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as exc:
        if not check:
            return [_block(path, lines, first, 0, len(lines))], None
        lineno = getattr(exc, "lineno", None) or 1
        message = getattr(exc, "msg", None) or str(exc)
        # "(detected at line N)" counts from the block: make it a deck line
        message = _DETECTED.sub(
            lambda m: f"(detected at line {first + int(m.group(1)) - 1})",
            message,
        )
        problem = ParseProblem(
            path,
            first + lineno - 1,
            f"{type(exc).__name__}: {message}",
        )
        return [_block(path, lines, first, 0, len(lines))], problem
    starts = _statement_starts(tree, lines)
    if not starts:
        return [_block(path, lines, first, 0, len(lines))], None
    bounds = starts[1:] + [len(lines)]
    blocks = [_block(path, lines, first, a, b)
              for a, b in zip(starts, bounds, strict=False)]
    return blocks, None


def _statement_starts(
    tree: ast.Module, lines: list[str | None]
) -> list[int]:
    """0-based line index where each block starts.

    A block starts at the first non-blank line after the previous
    statement, so comments above a statement belong to it, while blank
    lines after a statement stay with that statement.  Statements sharing
    a line (``a = 1; b = 2``) share a block.  The first block starts at
    line 0, taking any leading comments.
    """
    starts: list[int] = []
    end = -1
    for stmt in tree.body:
        decorators = getattr(stmt, "decorator_list", [])
        begin = min([stmt.lineno] + [d.lineno for d in decorators]) - 1
        if begin <= end:
            end = max(end, (stmt.end_lineno or stmt.lineno) - 1)
            continue
        if not starts:
            start = 0
        else:
            start = end + 1
            while start < begin and not (lines[start] or "").strip():
                start += 1
        starts.append(start)
        end = (stmt.end_lineno or stmt.lineno) - 1
    return starts


def _block(
    path: Path, lines: list[str | None], first: int, start: int, stop: int
) -> Block:
    """The block of ``lines[start:stop]``; ``None`` lines were markup:
    blank in the source (to keep line numbers), absent from display."""
    chunk = lines[start:stop]
    while chunk and not (chunk[-1] or "").strip():
        chunk.pop()
    source = "\n".join(line or "" for line in chunk) + "\n"
    shown = [
        line
        for line in chunk
        if line is not None and line.strip() != _QUOTES
    ]
    return Block(source, "\n".join(shown), path, first + start)
