"""``sliderepl export DECK --to md|html|py [-o FILE]``: handouts.

* ``md``: a Markdown handout: titles, intro text, bullets, then each
  code block as a console session with its real output, and the SQL it
  sent, from an actual run of the deck (``sliderepl.handout``).
* ``html``: the same as one self-contained page: CSS inline, code
  highlighted by pygments with inline styles, no external resource, so
  it reads offline and can be mailed as one file.
* ``py``: a clean script (no markup, no prompts) that runs top to bottom:
  setup code first; ``x`` slides (display only) commented out; ``e``
  slides (errors on purpose) wrapped in ``try``/``except`` so the script
  goes on; exercise solutions included, followed by their check as an
  ``assert`` where it is one expression.  Run it from the deck's folder
  (decks import the project's modules).

Without ``-o`` the handout goes to standard output.  The md and html
exports run the deck (on ``TUTORIAL_DB``, SQLite by default); exit status
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

from .handout import Chunk, Recorded, paragraphs, plain_markup, record
from .model import Deck, Slide

FORMATS = ("md", "html", "py")


def deck_title(deck: Deck) -> str:
    """The first line of the deck file's docstring, else its name."""
    text = deck.sources.get(deck.path, "")
    head = text.split("### slide::", 1)[0]
    try:
        doc = ast.get_docstring(ast.parse(head)) or ""
    except SyntaxError:
        doc = ""
    first = doc.strip().split("\n")[0].split("Run:", 1)[0].strip()
    return first or deck.path.stem


def _title(slide: Slide) -> str:
    return slide.title or f"Slide {slide.number}"


# -- Markdown -----------------------------------------------------------


def _md_inline(text: str) -> str:
    out = []
    for kind, piece in plain_markup(text):
        if kind == "code":
            out.append(f"`{piece}`")
        elif kind == "bold":
            out.append(f"**{piece.strip()}**")
        else:
            out.append(piece)
    return "".join(out)


def _fence(lang: str, text: str) -> str:
    fence = "```"
    while fence in text:
        fence += "`"
    return f"{fence}{lang}\n{text}\n{fence}"


def _md_chunks(chunks: list[Chunk]) -> list[str]:
    parts = []
    for chunk in chunks:
        if chunk.kind == "notice":
            parts += [f"*{chunk.text}*", ""]
        else:
            lang = "sql" if chunk.kind == "sql" else "pycon"
            parts += [_fence(lang, chunk.text), ""]
    return parts


def to_markdown(deck: Deck, slides: list[Recorded]) -> str:
    parts = [f"# {_md_inline(deck_title(deck))}", ""]
    parts.append(f"A handout of `{deck.path.name}`, generated from a run "
                 "of the deck: the output and SQL below are real.")
    for item in slides:
        slide = item.slide
        parts += ["", f"## {slide.number}. {_md_inline(_title(slide))}", ""]
        for text in paragraphs(slide.intro):
            parts += [_md_inline(text), ""]
        if slide.bullets:
            base = min(b.depth for b in slide.bullets)
            for bullet in slide.bullets:
                indent = "  " * (bullet.depth - base)
                parts.append(f"{indent}- {_md_inline(bullet.text)}")
            parts.append("")
        for problem in slide.problems:
            parts += [f"> **Problem:** `{problem}`", ""]
        if not slide.runs and slide.blocks:
            code = "\n".join(b.display for b in slide.blocks)
            parts += ["*(shown, not run)*", "", _fence("python", code), ""]
        parts += _md_chunks(item.chunks)
        exercise = slide.exercise
        if exercise is not None:
            parts += [f"**Exercise:** {_md_inline(' '.join(exercise.task))}",
                      ""]
            for number, hint in enumerate(exercise.hints, 1):
                parts.append(f"- Hint {number}: {_md_inline(hint)}")
            if exercise.hints:
                parts.append("")
            if exercise.solution:
                parts += ["Solution:", ""]
                if item.solution_chunks:
                    parts += _md_chunks(item.solution_chunks)
                else:
                    parts += [_fence("python", exercise.solution), ""]
    return "\n".join(parts).rstrip("\n") + "\n"


# -- HTML ---------------------------------------------------------------

_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif;
  max-width: 56rem; margin: 2rem auto; padding: 0 1rem; color: #1d1f21;
  line-height: 1.5; background: #ffffff; }
h1 { border-bottom: 3px solid #8b0000; padding-bottom: .3rem; }
h2 { margin-top: 2.5rem; border-bottom: 1px solid #ccc; }
h2 .n { color: #8b0000; margin-right: .4rem; }
nav ol { columns: 2; font-size: .9rem; }
code { background: #f2f2f2; padding: 0 .2rem; border-radius: 3px; }
.highlight pre, pre { padding: .6rem .8rem; overflow-x: auto;
  border-radius: 4px; font-size: .85rem; line-height: 1.35;
  margin: .5rem 0; }
.session .highlight pre { background: #f8f8f8; }
.sql { border-left: 4px solid #3b73b9; margin: .5rem 0; }
.sql .highlight pre { background: #eef4fb; margin: 0; }
.notice { font-style: italic; color: #555; }
.problem { color: #b00020; font-family: monospace; }
.exercise { border: 2px solid #2e7d32; border-radius: 6px;
  padding: .3rem 1rem; margin: 1rem 0; background: #f4fbf4; }
.exercise h3 { margin: .3rem 0; color: #2e7d32; }
details { margin: .3rem 0; }
summary { cursor: pointer; font-weight: 600; }
footer { margin-top: 3rem; font-size: .8rem; color: #777; }
"""


def _html_inline(text: str) -> str:
    from html import escape

    out = []
    for kind, piece in plain_markup(text):
        if kind == "code":
            out.append(f"<code>{escape(piece)}</code>")
        elif kind == "bold":
            out.append(f"<strong>{escape(piece)}</strong>")
        else:
            out.append(escape(piece))
    return "".join(out)


def _highlight(text: str, lang: str) -> str:
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import (
        PythonConsoleLexer,
        PythonLexer,
        SqlLexer,
    )

    lexer = {"sql": SqlLexer, "pycon": PythonConsoleLexer}.get(
        lang, PythonLexer
    )()
    formatter = HtmlFormatter(noclasses=True, style="friendly",
                              nobackground=True)
    return str(highlight(text, lexer, formatter))


def to_html(deck: Deck, slides: list[Recorded]) -> str:
    from html import escape

    title = deck_title(deck)
    body = [f"<h1>{_html_inline(title)}</h1>",
            f"<p>A handout of <code>{escape(deck.path.name)}</code>, "
            "generated from a run of the deck: the output and SQL below "
            "are real.</p>", "<nav><ol>"]
    for item in slides:
        n = item.slide.number
        body.append(f'<li><a href="#s{n}">'
                    f"{_html_inline(_title(item.slide))}</a></li>")
    body.append("</ol></nav>")
    for item in slides:
        body += _html_slide(item)
    body.append("<footer>Generated by <code>sliderepl export --to html"
                "</code>.</footer>")
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
        "<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, "
        "initial-scale=1\">\n"
        f"<title>{escape(title)}</title>\n<style>{_CSS}</style>\n"
        "</head>\n<body>\n" + "\n".join(body) + "\n</body>\n</html>\n"
    )


def _html_slide(item: Recorded) -> list[str]:
    from html import escape

    slide = item.slide
    out = [f'<section id="s{slide.number}">',
           f'<h2><span class="n">{slide.number}.</span>'
           f"{_html_inline(_title(slide))}</h2>"]
    out += [f"<p>{_html_inline(p)}</p>" for p in paragraphs(slide.intro)]
    if slide.bullets:
        out.append(_html_bullets(slide))
    out += [f'<p class="problem">{escape(str(p))}</p>'
            for p in slide.problems]
    if not slide.runs and slide.blocks:
        code = "\n".join(b.display for b in slide.blocks)
        out += ['<p class="notice">(shown, not run)</p>',
                f'<div class="session">{_highlight(code, "python")}</div>']
    out += _html_chunks(item.chunks)
    exercise = slide.exercise
    if exercise is not None:
        out += ['<div class="exercise"><h3>Exercise</h3>',
                f"<p>{_html_inline(' '.join(exercise.task))}</p>"]
        for number, hint in enumerate(exercise.hints, 1):
            out.append(f"<details><summary>Hint {number}</summary>"
                       f"<p>{_html_inline(hint)}</p></details>")
        if exercise.solution:
            shown = _html_chunks(item.solution_chunks) or [
                _highlight(exercise.solution, "python")
            ]
            out.append("<details><summary>Solution</summary>"
                       + "".join(shown) + "</details>")
        out.append("</div>")
    out.append("</section>")
    return out


def _html_chunks(chunks: list[Chunk]) -> list[str]:
    from html import escape

    out = []
    for chunk in chunks:
        if chunk.kind == "notice":
            out.append(f'<p class="notice">{escape(chunk.text)}</p>')
        elif chunk.kind == "sql":
            out.append(f'<div class="sql">{_highlight(chunk.text, "sql")}'
                       "</div>")
        else:
            out.append('<div class="session">'
                       f"{_highlight(chunk.text, 'pycon')}</div>")
    return out


def _html_bullets(slide: Slide) -> str:
    base = min(b.depth for b in slide.bullets)
    out: list[str] = []
    depth = -1
    for bullet in slide.bullets:
        level = bullet.depth - base
        while depth < level:
            out.append("<ul>")
            depth += 1
        while depth > level:
            out.append("</ul>")
            depth -= 1
        out.append(f"<li>{_html_inline(bullet.text)}</li>")
    out += ["</ul>"] * (depth + 1)
    return "".join(out)


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
        head = f"# -- {slide.number}. {_title(slide)} "
        out += ["", "", head.ljust(72, "-")]
        out += [f"# {line}".rstrip() for line in slide.intro]
        out += [f"#{'  ' * b.depth}* {b.text}" for b in slide.bullets]
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
    out = ["", f"# Exercise: {' '.join(exercise.task)}"]
    out += [f"# Hint: {hint}" for hint in exercise.hints]
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
    slides = record(deck)
    ok = not any(item.failed for item in slides)
    if fmt == "md":
        return to_markdown(deck, slides), ok
    return to_html(deck, slides), ok


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sliderepl export",
        description="Write a handout of a deck: Markdown, one HTML page, "
        "or a plain Python script.",
    )
    parser.add_argument("deck", type=Path, metavar="DECK")
    parser.add_argument("--to", choices=FORMATS, default="md",
                        help="handout format (default: md)")
    parser.add_argument("-o", "--output", type=Path, metavar="FILE",
                        help="write here (default: standard output)")
    parser.add_argument("--short", action="store_true",
                        help="leave out the long-only slides (flag l)")
    return parser


def main(argv: list[str]) -> int:
    from .parser import load

    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 2
    try:
        deck = load(args.deck.resolve())
    except (OSError, UnicodeDecodeError) as exc:
        print(f"sliderepl export: can't read {args.deck}: {exc}",
              file=sys.stderr)
        return 2
    if args.short:
        deck = deck.shortened()
    text, ok = export(deck, args.to)
    if args.output is None:
        sys.stdout.write(text)
    else:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text, encoding="utf-8")
        print(f"sliderepl export: wrote {args.output}", file=sys.stderr)
    if not ok:
        print(f"sliderepl export: {deck.path.name}: a slide failed while "
              "recording (its error is in the handout)", file=sys.stderr)
    return 0 if ok else 1
