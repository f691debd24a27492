"""Generated decks for the parser and ``--run-all`` (issue 15).

``deck_text(rng)`` builds a deck from random pieces: slide markers with
good and bad flags, titles, bullets, notes and ``### file::`` lines with
odd text (NUL, control characters, U+2028, U+0085, form feed...), code
lines with those characters inside strings and comments, every Python
line end (``\\n``, ``\\r\\n``, ``\\r``), and at most one failing line per
slide (a syntax error, an IndentationError or a runtime error).

``check(text)`` parses and runs the deck (in this process, as
``--run-all`` does) and returns what is wrong, or None:

* an exception that escaped the parser or ``run_all``;
* a raw control character (ESC, C1, ...) in the summary or in a slide's
  header line of the transcript: a title or an exception's message must
  be shown inert (``\\x1b``), only printed output goes through as is;
* a line of the summary that is not ``FILE:LINE: message`` (or the final
  count);
* a slide whose failure line differs from Python's own: the deck with
  every other slide's code blanked out (line ends kept), compiled and run
  by Python, must fail at the same line, or not at all.

The hypothesis test (``tests/test_fuzz_decks.py``) draws the random
choices; the long run (``fuzz.long_run``) uses ``random``.
"""

from __future__ import annotations

import contextlib
import io
import random
import re
import time
import warnings
from pathlib import Path

ODD = ["\f", "\u2028", "\u2029", "\x85", "\x0b", "\x1c", "\x1d", "\x1e",
       "\t", "\xe9", "\u200b", "\ufeff", "\x1b", "\x07", "\x7f", "\x9b"]
TEXT_ODD = ODD + ["\x00", "\x01", "#", "::", "###", "**", "``", "!!{"]
LINE_ENDS = ["\n", "\r\n", "\r"]
FLAGS = ["", "", "", " l", " bogus", " e x"]
GOOD = ["x = 1", "s = 'a{o}b'", "# note{o}more", "\f", "t = ('a{o}', 2)",
        "n = len('{o}')  # {o}", "if True:\n    k = 2", "print('p{o}q')",
        '"""doc{o}string"""', "v = [1,\n     2]"]
BAD = ["1/0", "def f(:", "    indented = 1", "raise ValueError('v{o}')",
       "undefined_name_q", "x = (1,", "print('unterminated", "[1, 2)",
       "import no_such_module_q"]
SUMMARY = re.compile(r"^sliderepl: .*: \d+ slides, \d+ failures?$")
PROBLEM = re.compile(r"^[^\n]+:\d+: \S")


def deck_text(rng: random.Random) -> tuple[str, list[list[int]]]:
    """A deck, and per slide the line numbers of its code."""
    lines: list[str] = []
    slides: list[list[int]] = []

    def odd(text: str) -> str:
        return text.replace("{o}", rng.choice(ODD))

    def junk() -> str:
        return "".join(rng.choice(TEXT_ODD + ["a", " ", "b"])
                       for _ in range(rng.randint(0, 8)))

    if rng.random() < 0.3:
        lines.append("# preamble " + junk())
    for _ in range(rng.randint(0, 5)):
        lines.append("### slide::" + rng.choice(FLAGS))
        flagged = "bogus" in lines[-1] or "e" in lines[-1].split("::")[1]
        first = len(lines) + 1
        for _ in range(rng.randint(0, 3)):
            pick = rng.choice(["### title:: ", "### * ", "###   * ",
                               "### note:: ", "#### "])
            lines.append(pick + junk())
        bad_left = 1
        for _ in range(rng.randint(0, 4)):
            pool = BAD if bad_left and rng.random() < 0.3 else GOOD
            if pool is BAD:
                bad_left = 0
            lines.extend(odd(rng.choice(pool)).split("\n"))
            if pool is BAD:
                break  # nothing after the failing line: Python and the
                # runner would disagree only about which error comes first
        if rng.random() < 0.2:
            # last in the slide: an include in the middle would open a
            # continuation slide and shift the numbers
            lines.append("### file:: " + junk())
        region = list(range(first, len(lines) + 1))
        slides.append([] if flagged else region)
    ends = [rng.choice(LINE_ENDS) for _ in lines]
    return "".join(t + e for t, e in zip(lines, ends, strict=True)), slides


def python_failure(text: str, code_lines: list[int]) -> int | None:
    """The line Python fails at for ``text`` with only ``code_lines``
    kept (None: it runs; 0: it fails but names no line)."""
    from sliderepl.deck.safe_files import python_lines

    kept = set(code_lines)
    source = "\n".join(line if n in kept else ""
                       for n, line in enumerate(python_lines(text), 1))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            code = compile(source + "\n", "deck.py", "exec")
    except SyntaxError as exc:  # no line: a NUL byte anywhere in the text
        return exc.lineno if exc.lineno is not None else 0
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            exec(code, {"__name__": "fuzzdeck"})
    except Exception as exc:  # noqa: BLE001 - any error: its line
        tb = exc.__traceback__
        while tb is not None and tb.tb_next is not None:
            tb = tb.tb_next
        return tb.tb_lineno if tb is not None else None
    return None


def check(text: str, slides: list[list[int]] | None = None) -> str | None:
    """What is wrong with how sliderepl handles deck ``text``, or None."""
    from sliderepl.deck.parser import parse
    from sliderepl.run.headless import run_all
    from sliderepl.run.options import Options

    path = Path("/nonexistent-fuzz-dir/deck.py")
    out, err = io.StringIO(), io.StringIO()
    try:
        deck = parse(text, path)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            run_all(deck, Options(), out, err)
    except BaseException as exc:  # noqa: BLE001 - that is the finding
        return f"uncaught {type(exc).__name__}: {exc} for {text!r}"
    from sliderepl.run.inert import has_control

    headers = [line for line in out.getvalue().split("\n")
               if line.startswith("=== ")]
    for line in [*headers, err.getvalue()]:
        if has_control(line):
            return f"raw control character in {line!r} for {text!r}"
    report = err.getvalue().split("\n")[:-1]  # messages may hold \x85
    for line in report:
        if not (SUMMARY.match(line) or PROBLEM.match(line)
                or line.startswith("  ")):
            return f"not FILE:LINE: {line!r} for {text!r}"
    if slides is None:
        return None
    numbers = {slide.line: slide.number for slide in deck.slides}
    for region in slides:
        # the slide whose marker is just above its region
        number = numbers.get(region[0] - 1) if region else None
        if number is None:
            continue  # a setup slide, or one the generator flagged
        expected = python_failure(text, region)
        if expected == 0:
            continue  # a NUL byte: Python names no line to compare with
        label = re.compile(rf": slide {number}(?:: | \")")
        said = [line for line in report if label.search(line)]
        if expected is None:
            if said:
                return (f"slide {number}: Python runs it, sliderepl says "
                        f"{said} for {text!r}")
            continue
        if not said:
            return (f"slide {number}: Python fails at line {expected}, "
                    f"sliderepl says nothing for {text!r}")
        if not any(
                line.startswith(f"{path}:{expected}: ") for line in said):
            return (f"slide {number}: Python fails at line {expected}, "
                    f"sliderepl says {said} for {text!r}")
    return None


def fuzz(examples: int, seed: int, deadline: float | None = None
         ) -> tuple[int, list[str]]:
    """``examples`` random decks through ``check``: (tried, findings)."""
    rng = random.Random(seed)
    findings: list[str] = []
    tried = 0
    for _ in range(examples):
        if deadline is not None and time.monotonic() > deadline:
            break
        text, slides = deck_text(rng)
        tried += 1
        problem = check(text, slides)
        if problem:
            findings.append(problem)
    return tried, findings
