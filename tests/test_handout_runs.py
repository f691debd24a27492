"""Handouts that run when copied (issue 27).

The HTML and Markdown handouts of a deck are exported (in subprocesses,
as a user would, on SQLite), then every code block a reader could copy
is taken in order, as it reads, and pasted into a fresh interpreter
(``python -W error -``, from the deck's folder): the HTML page's copy
buttons (setup and solutions included), the Markdown file's fenced
``python`` blocks outside the folded solutions.  The blocks must run
to the end: no ``NameError`` (part 1's setup helper ``pool_of_one`` was
missing from both handouts), and no error where the handout shows none.
A block whose handout shows an error (a slide that raises on purpose)
may raise; code shown but not run (``x`` slides) is not pasted.
"""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DECKS = sorted(ROOT.glob("part*.py"))

#: runs each pasted block in the interpreter's own namespace, as at
#: ``>>>``; stops at the first error the handout does not show
DRIVER = '''\
import sys, traceback
for _n, (_code, _raises) in enumerate(_BLOCKS, 1):
    try:
        exec(compile(_code, f"<block {_n}>", "exec"), globals())
    except BaseException as _error:
        if _raises and not isinstance(_error, NameError):
            continue
        traceback.print_exc()
        print(f"block {_n} of {len(_BLOCKS)} failed:\\n{_code}",
              file=sys.stderr)
        sys.exit(1)
print(f"ran {len(_BLOCKS)} blocks")
'''


def env() -> dict[str, str]:
    found = dict(os.environ, PYTHONPATH=str(ROOT))
    found.pop("TUTORIAL_DB", None)
    return found


def export(deck: Path, fmt: str, out: Path) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "sliderepl", "export", str(deck), "--to",
         fmt, "-o", str(out)],
        cwd=ROOT, env=env(), stdin=subprocess.DEVNULL, capture_output=True,
        text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return out.read_text(encoding="utf-8")


def html_blocks(page: str) -> list[tuple[str, bool]]:
    """(code, the handout shows an error under it) for each copy
    button of the page, in order; the code of an ``x`` slide left out."""
    found = []
    pieces = re.split(r'<button class="copy"[^>]*data-code="([^"]*)"', page)
    for n in range(1, len(pieces), 2):
        before, after = pieces[n - 1], pieces[n + 1]
        if before.endswith('<p class="notice">(shown, not run)</p>'
                           '<div class="session"><div class="cell">'
                           '<div class="code">'):
            continue
        found.append((html.unescape(pieces[n]),
                      'class="hl error"' in after))
    return found


FENCE = re.compile(r"^(`{3,})(\w*)\n(.*?)\n\1$", re.M | re.S)


def markdown_blocks(md: str) -> list[tuple[str, bool]]:
    """(code, an error shown under it) for each fenced ``python`` block
    outside the solutions' ``<details>``, in order."""
    outside = re.sub(r"<details><summary>Solution</summary>.*?</details>",
                     "", md, flags=re.S)
    fences = list(FENCE.finditer(outside))
    found = []
    for n, fence in enumerate(fences):
        if fence.group(2) != "python":
            continue
        if outside[: fence.start()].rstrip().endswith("*(shown, not run)*"):
            continue
        raises = False
        for later in fences[n + 1:]:
            if later.group(2) == "python":
                break
            raises = raises or "Traceback (most recent" in later.group(3)
        found.append((fence.group(3), raises))
    return found


def paste(blocks: list[tuple[str, bool]], cwd: Path) -> None:
    script = f"_BLOCKS = {blocks!r}\n{DRIVER}"
    done = subprocess.run(
        [sys.executable, "-W", "error", "-"], input=script, cwd=cwd,
        env=env(), capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    assert done.stdout.rstrip().endswith(f"ran {len(blocks)} blocks")


@pytest.mark.parametrize("deck", DECKS, ids=lambda p: p.stem)
def test_html_copy_buttons_pasted_in_order_run(
    deck: Path, tmp_path: Path
) -> None:
    page = export(deck, "html", tmp_path / "handout.html")
    blocks = html_blocks(page)
    assert len(blocks) > 20
    # the setup is there, folded, first
    assert '<details class="setup">' in page
    assert "import" in blocks[0][0]
    paste(blocks, deck.parent)


@pytest.mark.parametrize("deck", DECKS, ids=lambda p: p.stem)
def test_markdown_python_blocks_pasted_in_order_run(
    deck: Path, tmp_path: Path
) -> None:
    md = export(deck, "md", tmp_path / "handout.md")
    blocks = markdown_blocks(md)
    assert len(blocks) > 20
    assert md.index("<details><summary>The deck's setup code") < md.index(
        "\n## 1. ")
    paste(blocks, deck.parent)


def test_markdown_solutions_are_folded(tmp_path: Path) -> None:
    deck = ROOT / "tests" / "decks" / "exercises.py"
    md = export(deck, "md", tmp_path / "handout.md")
    task = md.index("**Exercise:**")
    folded = md.index("<details><summary>Solution</summary>", task)
    closed = md.index("</details>", folded)
    assert "append_column" in md[folded:closed]  # the solution's code
    # nothing of a solution outside its <details>
    outside = re.sub(r"<details><summary>Solution</summary>.*?</details>",
                     "", md, flags=re.S)
    assert "Solution" not in outside
    assert outside.count("<details>") == outside.count("</details>")
