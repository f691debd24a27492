"""``sliderepl export``: Markdown, one HTML page and a plain script.

The handouts of the project's decks are generated once per test run (in
subprocesses, as a user would); the scripts must run to the end, the
pages must render in headless Chromium (required in CI, where
``TUTORIAL_REQUIRE_SERVERS=1``; skipped with a reason elsewhere if
Chromium is not installed).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from sliderepl.deck.parser import parse
from sliderepl.tools.export import to_script
from sliderepl.tools.handout import plain_markup
from tests.chromium_cdp import chromium_or_skip

ROOT = Path(__file__).resolve().parent.parent
DECKS = Path(__file__).parent / "decks"
PROJECT_DECKS = sorted(ROOT.glob("part*.py"))
ALL = PROJECT_DECKS + [DECKS / "exercises.py", DECKS / "old_style.py"]


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("TUTORIAL_DB", None)
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, env=env,
        stdin=subprocess.DEVNULL, capture_output=True, text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def handouts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every deck exported in every format into one folder."""
    folder = tmp_path_factory.mktemp("handouts")
    for deck in ALL:
        for fmt in ("md", "html", "py"):
            out = folder / f"{deck.stem}.{fmt}"
            done = run("-m", "sliderepl", "export", str(deck), "--to", fmt,
                       "-o", str(out))
            assert done.returncode == 0, done.stderr
            assert out.exists()
    return folder


@pytest.mark.parametrize("deck", ALL, ids=lambda p: p.name)
def test_exported_script_runs_top_to_bottom(
    handouts: Path, deck: Path
) -> None:
    script = handouts / f"{deck.stem}.py"
    text = script.read_text()
    assert "### " not in text and ">>> " not in text  # no markup, prompts
    done = run(str(script), cwd=deck.parent)
    assert done.returncode == 0, done.stderr[-3000:]


def test_markdown_has_titles_code_output_and_sql(handouts: Path) -> None:
    md = (handouts / "exercises.md").read_text()
    assert md.startswith("# A deck with exercises")
    assert "## 2. Your turn: add a column" in md
    assert "Tables can grow a column before they are created." in md
    # code with its real output, then the SQL it sent, apart
    # (code as written, copied it runs; its output in a text block)
    assert "```python\nmetadata = MetaData()" in md
    assert "users.c.keys()\n```\n\n```text\n['id']\n```" in md
    assert "```sql\nBEGIN (implicit)" in md
    assert "INSERT INTO users (name) VALUES (?)" in md
    # the exercise: task, hints, solution; speaker notes never
    assert '**Exercise:** Add a column "name" (String(50)) to `users`.' in md
    assert "- Hint 2: users.append_column" in md
    assert "Give them two minutes" not in md
    # read on another machine: no paths of this one
    for deck in ALL:
        for fmt in ("md", "html"):
            text = (handouts / f"{deck.stem}.{fmt}").read_text()
            assert str(ROOT) not in text, (deck.name, fmt)
            assert "/site-packages/" not in text.replace(
                "&lt;site-packages&gt;/", "<site-packages>/").replace(
                "<site-packages>/", ""), (deck.name, fmt)
    part1 = (handouts / "part1.md").read_text()
    assert 'File "part1.py", line ' in part1
    part2 = (handouts / "part2.md").read_text()
    assert "## 2. MetaData, Table, Column" in part2
    assert "users.c.keys()\n```\n\n```text\n['id', 'email', 'name']" in part2


def test_html_is_one_self_contained_page(handouts: Path) -> None:
    for deck in ALL:
        page = (handouts / f"{deck.stem}.html").read_text()
        assert page.startswith("<!DOCTYPE html>")
        # nothing fetched from anywhere: no links, images, frames, no
        # script but the page's own inline one, and the stylesheet
        # imports nothing (slide text is escaped, so a tag can only be
        # the page's own)
        assert not re.search(r"<(link|img|iframe|object)\b", page)
        assert re.findall(r"<script\b[^>]*>", page) == ["<script>"]
        script = page.split("<script>", 1)[1].split("</script>", 1)[0]
        for loads in ("http", "fetch(", "XMLHttpRequest", "import",
                      "src"):
            assert loads not in script, loads
        assert not re.search(
            r"<[a-z]+[^>]*\s(src|href)=[\"']?[^\"'#\s>]", page
        )
        style = page.split("<style>", 1)[1].split("</style>", 1)[0]
        assert "url(" not in style and "@import" not in style
    page = (handouts / "exercises.html").read_text()
    assert '<section id="s2">' in page
    assert "<summary>Hint 1</summary>" in page
    # highlighted: pygments' classes on the code, styled in the page
    assert '<span class="k">' in page and ".hl .k {" in page


def test_script_wraps_errors_and_comments_out_display_only() -> None:
    deck = parse(
        "### slide::\n### title:: Setup-ish\nx = 1\n"
        "### slide:: x\nthis is not python\n"
        "### slide:: e\ns = '''a\nb'''\nif x:\n    1 / 0\n"
        "### slide::\n### exercise:: make y\n### check:: y == 2\n"
        "### solution:: y = 2\n",
        Path("deck.py"),
    )
    script = to_script(deck)
    assert "# this is not python" in script
    # multi-line strings keep their text when the code is indented
    assert "try:\n    s = '''a\nb'''\n    if x:\n        1 / 0\n" in script
    assert "assert y == 2, 'exercise check'" in script
    namespace: dict[str, object] = {}
    exec(compile(script, "deck_script", "exec"), namespace)
    assert namespace["y"] == 2


def test_markup_pieces() -> None:
    assert plain_markup("a **b** ``c **d**`` !!{red}e") == [
        ("text", "a "), ("bold", "b"), ("text", " "),
        ("code", "c **d**"), ("text", " "), ("text", "e"),
    ]


def test_bad_usage_and_unreadable_deck(tmp_path: Path) -> None:
    assert run("-m", "sliderepl", "export", str(tmp_path / "no.py"))\
        .returncode == 2
    assert run("-m", "sliderepl", "export", "x.py", "--to", "pdf")\
        .returncode == 2


@pytest.mark.parametrize("deck", ALL, ids=lambda p: p.name)
def test_html_renders_in_headless_chromium(
    handouts: Path, deck: Path, tmp_path: Path
) -> None:
    chromium = chromium_or_skip()
    page = handouts / f"{deck.stem}.html"
    shot = tmp_path / "shot.png"
    profile = tempfile.mkdtemp(prefix="chromium-")
    flags = [
        "--headless", "--no-sandbox", "--disable-gpu",
        "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
    ]
    try:
        done = subprocess.run(
            [chromium, *flags, f"--screenshot={shot}",
             "--window-size=1200,2000", page.as_uri()],
            capture_output=True, text=True, timeout=120,
            stdin=subprocess.DEVNULL,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        data = shot.read_bytes()
        assert data.startswith(b"\x89PNG") and len(data) > 20_000
        if deck.name != "exercises.py":
            return  # one DOM check is enough: chromium parsed the page
        dom = subprocess.run(
            [chromium, *flags, "--dump-dom", page.as_uri()],
            capture_output=True, text=True, timeout=120,
            stdin=subprocess.DEVNULL,
        )
        assert '<section id="s2">' in dom.stdout
        assert "<summary>Hint 1</summary>" in dom.stdout
    finally:
        shutil.rmtree(profile, ignore_errors=True)
