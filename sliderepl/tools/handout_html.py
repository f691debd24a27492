"""The HTML handout: one self-contained page.

``to_html(deck, recorded)`` turns a recorded run (``sliderepl.tools.handout``)
into a single page: CSS and one small script inline, nothing fetched from
anywhere (no font, image or stylesheet), so it reads offline and can be
mailed as one file.  How it looks, in light and dark and on paper, is
``sliderepl.tools.handout_style``.

Each run of a slide is drawn as a session box of cells: a cell is one or
more blocks of code as typed (``>>>`` / ``...`` prompts the selection
skips, and a copy button that copies the code alone), then what that code
did in the order it happened: printed output, echoed values, errors, and
the SQL it sent, marked apart.  A ``with`` block (any compound statement)
is one block in one cell, its output and SQL under it.  Exercises fold
their hints and solution in ``<details>``.  Every text is escaped for
HTML and made inert first (``sliderepl.run.inert``): a control character
reads ``\\x1b`` on the page and is never a raw byte in the file.  The
deck's setup code comes first, folded in ``<details>`` with its own copy
button: the copy buttons, pasted in order into a fresh Python, run.
"""

from __future__ import annotations

import html

from sliderepl.deck.model import Deck, Slide
from sliderepl.run.inert import inert
from sliderepl.run.rows import Rows
from sliderepl.tools.handout import (
    CODE,
    ERROR,
    NOTICE,
    SESSION,
    SQL_KIND,
    TABLE,
    Chunk,
    Recorded,
    deck_title,
    paragraphs,
    pasteable,
    plain_markup,
    setup_code,
    slide_title,
)
from sliderepl.tools.handout_style import SCRIPT, css, styled_classes


def escape(text: str) -> str:
    """``text`` inert, then escaped for HTML (quotes too)."""
    return html.escape(inert(text))

# -- highlighting -----------------------------------------------------------


def _token_class(ttype: object) -> str:
    from pygments.token import STANDARD_TYPES

    while ttype not in STANDARD_TYPES:
        ttype = ttype.parent  # type: ignore[attr-defined]
    return STANDARD_TYPES[ttype]  # type: ignore[index]


def _lines(text: str, lang: str) -> list[str]:
    """``text`` highlighted (pygments' CSS classes), one HTML string a
    line: a token that spans lines (a long string) is cut at each."""
    from pygments import lex
    from pygments.lexers import (
        PythonLexer,
        PythonTracebackLexer,
        SqlLexer,
    )

    lexer = {"sql": SqlLexer, "error": PythonTracebackLexer}.get(
        lang, PythonLexer)(stripnl=False, ensurenl=False)
    styled = styled_classes()
    lines: list[list[tuple[str, str]]] = [[]]
    for ttype, value in lex(text, lexer):
        name = _token_class(ttype)
        name = name if name in styled else ""
        for n, piece in enumerate(value.split("\n")):
            if n:
                lines.append([])
            if not piece:
                continue
            line = lines[-1]
            if line and line[-1][0] == name:  # one span for a run
                line[-1] = (name, line[-1][1] + piece)
            else:
                line.append((name, piece))
    return [
        "".join(f'<span class="{name}">{escape(piece)}</span>' if name
                else escape(piece) for name, piece in line)
        for line in lines[: len(text.split("\n"))]
    ]


def _sql_lines(text: str) -> list[str]:
    """SQL highlighted, SQLAlchemy's parameter lines (``[generated in
    ...s] (1,)``) muted: they are not SQL."""
    out = []
    for line in text.split("\n"):
        if line.startswith("["):
            out.append(f'<span class="params">{escape(line)}</span>')
        else:
            out += _lines(line, "sql")
    return out


def _pre(lines: list[str], kind: str) -> str:
    return f'<pre class="hl {kind}">' + "\n".join(lines) + "</pre>"


def _code(blocks: list[str], prompts: bool = True) -> str:
    """Code blocks at ``>>>`` (prompts in non-selectable spans), with a
    button that copies the code alone; the button is hidden until the
    page's script runs, so a reader without scripts sees no dead one."""
    lines: list[str] = []
    for block in blocks:
        for n, line in enumerate(_lines(block, "python")):
            prompt = "&gt;&gt;&gt; " if n == 0 else "... "
            lines.append(f'<span class="gp">{prompt}</span>{line}'
                         if prompts else line)
    code = _copied(blocks)
    return ('<div class="code"><button class="copy" type="button" hidden '
            f'aria-label="Copy the code" data-code="{escape(code)}">Copy'
            f"</button>{_pre(lines, 'python')}</div>")


def _copied(blocks: list[str]) -> str:
    """What a copy button copies: the blocks as written, pasteable at
    the Python prompt as well as into a file."""
    return pasteable(blocks)


def _unrun(text: str) -> str:
    """Code not from a run (an ``x`` slide, an unrun solution): in a
    box of its own, without prompts, with its copy button."""
    return (f'<div class="session"><div class="cell">'
            f"{_code([text], prompts=False)}</div></div>")


# -- the page -------------------------------------------------------------


def _html_inline(text: str) -> str:
    out = []
    for kind, piece in plain_markup(text):
        if kind == "code":
            out.append(f"<code>{escape(piece)}</code>")
        elif kind == "bold":
            out.append(f"<strong>{escape(piece)}</strong>")
        else:
            out.append(escape(piece))
    return "".join(out)


def to_html(deck: Deck, slides: list[Recorded]) -> str:
    title = deck_title(deck)
    body = [f"<h1>{_html_inline(title)}</h1>",
            f"<p>A handout of <code>{escape(deck.path.name)}</code>, "
            "generated from a run of the deck: the output and SQL below "
            "are real.</p>", "<nav><ol>"]
    for item in slides:
        n = item.slide.number
        body.append(f'<li><a href="#s{n}">'
                    f"{_html_inline(slide_title(item.slide))}</a></li>")
    body.append("</ol></nav>")
    setup = setup_code(deck)
    if setup:
        # folded: it would distract, but code copied in order needs it
        body.append('<details class="setup"><summary>The deck\'s setup '
                    "code: run it first</summary>" + _unrun(setup)
                    + "</details>")
    for item in slides:
        body += _html_slide(item)
    body.append("<footer>Generated by <code>sliderepl export --to html"
                "</code>.</footer>")
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
        "<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, "
        "initial-scale=1\">\n"
        "<meta name=\"color-scheme\" content=\"light dark\">\n"
        f"<title>{escape(title)}</title>\n<style>{css()}</style>\n"
        "</head>\n<body>\n" + "\n".join(body)
        + f"\n<script>{SCRIPT}</script>\n</body>\n</html>\n"
    )


def _html_slide(item: Recorded) -> list[str]:
    slide = item.slide
    out = [f'<section id="s{slide.number}">',
           f'<h2><span class="n">{slide.number}.</span>'
           f"{_html_inline(slide_title(slide))}</h2>"]
    out += [f"<p>{_html_inline(p)}</p>" for p in paragraphs(slide.intro)]
    if slide.bullets:
        out.append(_html_bullets(slide))
    out += [f'<p class="problem">{escape(str(p))}</p>'
            for p in slide.problems]
    if not slide.runs and slide.blocks:
        code = "\n".join(b.display for b in slide.blocks)
        out += ['<p class="notice">(shown, not run)</p>',
                _unrun(code)]
    out += _html_chunks(item.chunks)
    out += _html_claims(item)
    exercise = slide.exercise
    if exercise is not None:
        out += ['<div class="exercise"><h3>Exercise</h3>',
                f"<p>{_html_inline(' '.join(exercise.task))}</p>"]
        for number, hint in enumerate(exercise.hints, 1):
            out.append(f"<details><summary>Hint {number}</summary>"
                       f"<p>{_html_inline(hint)}</p></details>")
        if exercise.solution:
            shown = _html_chunks(item.solution_chunks) or [
                _unrun(exercise.solution)
            ]
            out.append("<details><summary>Solution</summary>"
                       + "".join(shown) + "</details>")
        out.append("</div>")
    out.append("</section>")
    return out


def _html_claims(item: Recorded) -> list[str]:
    """The slide's claims, folded: each marked proven (✓) or not (✗)
    by this run, with its proofs."""
    claims = item.claims()
    if not claims:
        return []
    rows = "".join(
        f'<li class="{"proven" if proven else "unproven"}">'
        f'{"✓" if proven else "✗"} {_html_inline(text)} '
        + " ".join(f"<code>{escape(p)}</code>" for p in proofs) + "</li>"
        for text, proven, proofs in claims
    )
    return [f'<details class="claims"><summary>Claims checked by this run'
            f" ({len(claims)})</summary><ul>{rows}</ul></details>"]


def _html_chunks(chunks: list[Chunk]) -> list[str]:
    """The chunks of a run as session boxes of cells (a runner notice
    ends a box and stands between two)."""
    out: list[str] = []
    cells: list[str] = []
    code: list[str] = []   # the current cell's blocks
    shown: list[str] = []  # ...and what they did, drawn
    pending: list[tuple[str, str]] = []  # consecutive output, one role

    def flush_output() -> None:
        if pending:
            role = pending[0][0]
            text = "\n".join(piece for _, piece in pending)
            pending.clear()
            shown.append(_output(role, text))

    def end_cell() -> None:
        flush_output()
        if code or shown:
            head = _code(code) if code else ""
            body = f'<div class="out">{"".join(shown)}</div>' if shown else ""
            cells.append(f'<div class="cell">{head}{body}</div>')
        code.clear()
        shown.clear()

    def end_session() -> None:
        end_cell()
        if cells:
            out.append('<div class="session">' + "".join(cells) + "</div>")
        cells.clear()

    for role, text in _parts(chunks):
        if role == NOTICE:
            end_session()
            out.append(f'<p class="notice">{escape(text)}</p>')
        elif role == CODE:
            if shown or pending:
                end_cell()
            code.append(text)
        elif role == TABLE:
            flush_output()
            shown.append(text)
        else:
            if pending and pending[0][0] != role:
                flush_output()
            pending.append((role, text))
    end_session()
    return out


def _parts(chunks: list[Chunk]) -> list[tuple[str, str]]:
    """Every chunk's (role, text) in order; a chunk recorded without
    parts counts as one piece of its kind."""
    found: list[tuple[str, str]] = []
    for chunk in chunks:
        if chunk.rows is not None:  # drawn here: the cell keeps it whole
            found.append((TABLE, rows_html(chunk.rows)))
            continue
        found += chunk.parts or [(chunk.kind, chunk.text)]
    return found


def _output(role: str, text: str) -> str:
    if role == SQL_KIND:
        return _pre(_sql_lines(text), "sql")
    if role == ERROR:
        return _pre(_lines(text, "error"), "error")
    if role == SESSION:  # recorded without parts: console text as is
        return _pre([escape(line) for line in text.split("\n")], "printed")
    return _pre([escape(line) for line in text.split("\n")], role)


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


def rows_html(rows: Rows) -> str:
    """Rows echoed at ``>>>`` as an HTML table with its column names."""
    head = "".join(f"<th>{escape(c)}</th>" for c in rows.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>"
        for row in rows.rows
    )
    more = (f'<p class="notice">{escape(rows.footer())}</p>'
            if rows.footer() else "")
    return (f'<table class="rows"><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table>{more}")
