"""``sliderepl export DECK --to md|html|py|ipynb [-o FILE]``: handouts.

* ``md``: a Markdown handout: titles, intro text, bullets, then each
  code block as a console session with its real output, and the SQL it
  sent, from an actual run of the deck (``sliderepl.tools.handout``).
* ``html``: the same as one self-contained page
  (``sliderepl.tools.handout_html``).
* ``ipynb``: a Jupyter notebook from an actual run, that runs top to
  bottom in a kernel with the SQL echo on (``sliderepl.tools.notebook``;
  needs nbformat, the ``notebook`` extra).
* ``py``: a clean script (no markup, no prompts) that runs top to bottom:
  setup code first; ``x`` slides (display only) commented out; ``e``
  slides (errors on purpose) wrapped in ``try``/``except`` so the script
  goes on; exercise solutions included, followed by their check as an
  ``assert`` where it is one expression.  Run it from the deck's folder
  (decks import the project's modules).

Without ``-o`` the handout goes to standard output.  The md, html and
ipynb exports run the deck (as ``--run-all`` does); exit status
1 if a slide failed during that run (the handout is still written, with
the error), 2 on bad usage or an unreadable deck.
"""

from __future__ import annotations

import argparse
import ast
import io
import sys
import tokenize
from pathlib import Path

from sliderepl.deck.collection import deck_path
from sliderepl.deck.model import Deck, Slide
from sliderepl.run.inert import inert
from sliderepl.run.rows import Rows
from sliderepl.tools.handout import (
    CODE,
    NOTICE,
    SQL_KIND,
    Chunk,
    Recorded,
    deck_title,
    pasteable,
    record,
    setup_code,
    slide_title,
)
from sliderepl.tools.handout_html import to_html
from sliderepl.tools.markdown import fence as _fence
from sliderepl.tools.markdown import inline as _md_inline
from sliderepl.tools.markdown import slide_body

FORMATS = ("md", "html", "py", "ipynb")


# -- Markdown -----------------------------------------------------------


#: a table cell's text as Markdown that shows it: a backslash or ``|``
#: escaped (``|`` would end the cell), and HTML's ``& < >`` as entities,
#: so a value holding ``<script>`` reads as text in pandoc and previewers
_MD_CELL = str.maketrans({"\\": "\\\\", "|": "\\|", "&": "&amp;",
                          "<": "&lt;", ">": "&gt;"})


_MD_HTML = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def _md_cell(text: str) -> str:
    """One cell (already inert: ``sliderepl.run.rows.cell``)."""
    return inert(text).translate(_MD_CELL) or " "


def _md_table(rows: Rows) -> list[str]:
    """Rows as a Markdown table, the rows left out counted under it."""
    out = ["| " + " | ".join(_md_cell(c) for c in rows.columns) + " |",
           "|" + "|".join("---" for _ in rows.columns) + "|"]
    out += ["| " + " | ".join(_md_cell(c) for c in row) + " |"
            for row in rows.rows]
    if rows.footer():
        out += ["", f"*{rows.footer()}*"]
    return out


def _md_chunks(chunks: list[Chunk]) -> list[str]:
    """A run as Markdown: each code cell a ``python`` block of the code
    as written (copied, it runs), what it printed, echoed or raised in a
    ``text`` block under it, the SQL it sent in a ``sql`` block, in the
    order it happened; rows echoed as a table; runner notes in italics."""
    parts: list[str] = []
    pending: list[tuple[str, str]] = []  # consecutive pieces, one block

    def lang(role: str) -> str:
        return {CODE: "python", SQL_KIND: "sql"}.get(role, "text")

    def flush() -> None:
        if pending:
            if pending[0][0] == CODE:
                text = pasteable([piece for _, piece in pending])
            else:
                text = "\n".join(piece for _, piece in pending)
            parts.extend([_fence(lang(pending[0][0]), text), ""])
            pending.clear()

    for chunk in chunks:
        if chunk.rows is not None:
            flush()
            parts += [*_md_table(chunk.rows), ""]
            continue
        for role, text in chunk.parts or [(chunk.kind, chunk.text)]:
            if role == NOTICE:
                flush()
                # may quote a value: no raw HTML
                parts += [f"*{text.translate(_MD_HTML)}*", ""]
                continue
            if pending and lang(pending[0][0]) != lang(role):
                flush()
            pending.append((role, text))
    flush()
    return parts


def _md_setup(deck: Deck) -> list[str]:
    """The deck's setup code (imports, helpers), folded: run it first
    and every block below runs when pasted in order."""
    code = inert(setup_code(deck))
    if not code:
        return []
    return ["", "<details><summary>The deck's setup code: run it first"
            "</summary>", "", _fence("python", code), "", "</details>"]


def _md_claims(item: Recorded) -> list[str]:
    """The slide's claims as a quoted list under its output, each
    marked proven (✓) or not (✗) by this run, with its proofs."""
    claims = item.claims()
    if not claims:
        return []
    out = ["> **Claims checked by this run:**", ">"]
    for text, proven, proofs in claims:
        shown = ", ".join(f"`{p}`" for p in proofs)
        out.append(f"> - {'✓' if proven else '✗'} {_md_inline(text)}"
                   f" (proof: {shown})")
    return [*out, ""]


def to_markdown(deck: Deck, slides: list[Recorded]) -> str:
    parts = [f"# {_md_inline(deck_title(deck))}", ""]
    parts.append(f"A handout of `{deck.path.name}`, generated from a run "
                 "of the deck: the output and SQL below are real.")
    parts += _md_setup(deck)
    for item in slides:
        slide = item.slide
        parts += ["", *slide_body(slide)]
        parts += _md_chunks(item.chunks)
        parts += _md_claims(item)
        exercise = slide.exercise
        if exercise is not None:
            parts += [f"**Exercise:** {_md_inline(' '.join(exercise.task))}",
                      ""]
            for number, hint in enumerate(exercise.hints, 1):
                parts.append(f"- Hint {number}: {_md_inline(hint)}")
            if exercise.hints:
                parts.append("")
            if exercise.solution:
                # folded: the task first, the answer on a click
                parts += ["<details><summary>Solution</summary>", ""]
                if item.solution_chunks:
                    parts += _md_chunks(item.solution_chunks)
                else:
                    parts += [_fence("python", inert(exercise.solution)),
                              ""]
                parts += ["</details>", ""]
    return "\n".join(parts).rstrip("\n") + "\n"


# -- Python script --------------------------------------------------------


def _string_lines(source: str) -> set[int]:
    """1-based lines that start inside a multi-line string: indenting
    them would change the string."""
    inside: set[int] = set()
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.STRING and token.end[0] > token.start[0]:
                inside.update(range(token.start[0] + 1, token.end[0] + 1))
    except (tokenize.TokenError, SyntaxError):
        pass
    return inside


def _indented(source: str) -> str:
    keep = _string_lines(source)
    return "\n".join(
        line if (n in keep or not line.strip()) else "    " + line
        for n, line in enumerate(source.rstrip("\n").split("\n"), 1)
    )


def _commented(source: str) -> str:
    return "\n".join(("# " + line).rstrip()
                     for line in source.rstrip("\n").split("\n"))


def _slide_code(slide: Slide) -> str:
    return "".join(block.source for block in slide.blocks).rstrip("\n")


def to_script(deck: Deck) -> str:
    """The deck's code as one script; the code as written, the words
    around it (titles, intro, bullets, exercises: comments and the
    docstring) inert (``sliderepl.run.inert``)."""
    title = deck_title(deck)
    out = [
        f'"""{title}',
        "",
        f"The code of {deck.path.name}, as one script (generated by",
        "sliderepl export --to py).  Run it from the deck's folder.",
        '"""',
    ]
    setup = "\n\n".join(_slide_code(s) for s in deck.setup if s.blocks)
    if setup:
        out += ["", "# -- setup " + "-" * 60, "", setup]
    for slide in deck.slides:
        head = f"# -- {slide.number}. {slide_title(slide)} "
        out += ["", "", head.ljust(72, "-")]
        out += [f"# {inert(line)}".rstrip() for line in slide.intro]
        out += [f"#{'  ' * b.depth}* {inert(b.text)}" for b in slide.bullets]
        code = _slide_code(slide)
        if code:
            out.append("")
            if not slide.runs:
                why = "a problem" if slide.problems else "display only"
                out += [f"# ({why}: not run)", _commented(code)]
            elif slide.expects_error:
                out += ["try:", _indented(code),
                        # an unusual name: ``exc`` is often a deck's
                        # ``from sqlalchemy import exc``, and ``except``
                        # unbinds its name afterwards
                        "except Exception as _expected:  # this slide "
                        "shows an error on purpose",
                        '    print("expected:", type(_expected).__name__,'
                        ' _expected)']
            else:
                out.append(code)
        out += _script_exercise(slide)
    return "\n".join(out).rstrip("\n") + "\n"


def _script_exercise(slide: Slide) -> list[str]:
    exercise = slide.exercise
    if exercise is None:
        return []
    out = ["", f"# Exercise: {inert(' '.join(exercise.task))}"]
    out += [f"# Hint: {inert(hint)}" for hint in exercise.hints]
    if exercise.solution:
        out += ["# A solution:", exercise.solution]
    check = exercise.check
    if check:
        try:
            tree = ast.parse(check)
        except SyntaxError:
            tree = None
        if (tree is not None and len(tree.body) == 1
                and isinstance(tree.body[0], ast.Expr)):
            out.append(f"assert {check.strip()}, 'exercise check'")
        else:
            out += ["# The check:", _commented(check)]
    return out


# -- command line --------------------------------------------------------


def export(deck: Deck, fmt: str) -> tuple[str, bool]:
    """(the handout text, True if every slide ran as intended)."""
    if fmt == "py":
        return to_script(deck), True
    if fmt == "ipynb":
        from sliderepl.tools.notebook import to_notebook

        return to_notebook(deck)
    slides = record(deck)
    ok = not any(item.failed for item in slides)
    if fmt == "md":
        return to_markdown(deck, slides), ok
    return to_html(deck, slides), ok


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sliderepl export",
        description="Write a handout of a deck: Markdown, one HTML page, "
        "a plain Python script, or a Jupyter notebook.",
    )
    parser.add_argument("deck", type=deck_path, metavar="DECK")
    parser.add_argument("--to", choices=FORMATS, default="md",
                        help="handout format (default: md); --to site "
                        "-o FOLDER instead writes the decks as a static "
                        "site that runs them in a browser (sliderepl.web)")
    parser.add_argument("-o", "--output", type=Path, metavar="FILE",
                        help="write here (default: standard output)")
    parser.add_argument("--short", action="store_true",
                        help="leave out the long-only slides (flag l)")
    return parser


def main(argv: list[str]) -> int:
    from sliderepl.deck.reader import read_deck
    from sliderepl.deck.safe_files import report_problems, resolved

    args = _parser().parse_args(argv)  # bad usage: cli.main says so
    if args.to == "ipynb":
        from sliderepl.tools.notebook import missing

        problem = missing()
        if problem is not None:
            print(problem, file=sys.stderr)
            return 2
    deck = read_deck(resolved(args.deck), "sliderepl export")
    if deck is None:
        return 2
    if args.short:
        deck = deck.shortened()
    # a missing or cyclic include leaves slides out: say so, fail
    ok = not report_problems(deck, "sliderepl export", sys.stderr)
    text, ran = export(deck, args.to)
    ok = ok and ran
    if args.output is None:
        sys.stdout.write(text)
    else:
        try:
            args.output.parent.mkdir(parents=True, exist_ok=True)
            args.output.write_text(text, encoding="utf-8")
        except OSError as exc:
            print(f"sliderepl export: can't write {args.output}: "
                  f"{exc.strerror or exc}", file=sys.stderr)
            return 2
        print(f"sliderepl export: wrote {args.output}", file=sys.stderr)
    if not ran:
        print(f"sliderepl export: {deck.path.name}: a slide failed while "
              "recording (its error is in the handout)", file=sys.stderr)
    return 0 if ok else 1
