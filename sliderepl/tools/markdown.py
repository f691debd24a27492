"""Markdown pieces shared by the Markdown handout and the notebook.

``inline(text)``: slide markup (``**bold**``, ````code````) as Markdown;
``fence(lang, text)``: a fenced block that no backticks in ``text`` can
close; ``slide_body(slide)``: a slide's title, intro, bullets, parse
problems and (for a slide that doesn't run) its code, as lines.  All of
it inert (``sliderepl.run.inert``): a control character reads ``\\x1b``.
"""

from __future__ import annotations

from sliderepl.deck.model import Slide
from sliderepl.run.inert import inert
from sliderepl.tools.handout import paragraphs, plain_markup, slide_title


def inline(text: str) -> str:
    out = []
    for kind, piece in plain_markup(text):
        if kind == "code":
            out.append(f"`{piece}`")
        elif kind == "bold":
            out.append(f"**{piece.strip()}**")
        else:
            out.append(piece)
    return "".join(out)


def fence(lang: str, text: str) -> str:
    marks = "```"
    while marks in text:
        marks += "`"
    return f"{marks}{lang}\n{text}\n{marks}"


def slide_body(slide: Slide, heading: str = "##") -> list[str]:
    """``heading N. Title``, then intro, bullets, problems, and the code
    of a slide that doesn't run; every part ends with a blank line."""
    parts = [f"{heading} {slide.number}. {inline(slide_title(slide))}", ""]
    for text in paragraphs(slide.intro):
        parts += [inline(text), ""]
    if slide.bullets:
        base = min(b.depth for b in slide.bullets)
        for bullet in slide.bullets:
            indent = "  " * (bullet.depth - base)
            parts.append(f"{indent}- {inline(bullet.text)}")
        parts.append("")
    for problem in slide.problems:
        parts += [f"> **Problem:** `{inert(str(problem))}`", ""]
    if not slide.runs and slide.blocks:
        code = inert("\n".join(b.display for b in slide.blocks))
        parts += ["*(shown, not run)*", "", fence("python", code), ""]
    return parts
