"""The HTML handout's structure, palettes and behaviour in a browser.

Structure: a deck is recorded and rendered in-process, and the page read
back with ``html.parser``: a ``with`` block (any compound statement) is
one ``<pre>`` with its ``...`` lines, its output and SQL in the same cell
after it; prompts sit in spans the selection skips; a copy button carries
the code alone.  Contrast: every colour pair of both palettes, token
colours included, recomputed here from the page's CSS (WCAG 2 formula,
AA 4.5:1).  Browser: part 1's handout, exported by the command line, in
headless Chromium over the DevTools protocol (``tests/chromium_cdp``):
light and dark follow ``prefers-color-scheme``, the copy button copies
without prompts, a selection skips them, print media is light, without
buttons, wraps long lines, and prints to PDF.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pytest

from sliderepl.deck.parser import parse
from sliderepl.tools.handout import record
from sliderepl.tools.handout_html import to_html
from sliderepl.tools.handout_style import css
from tests.chromium_cdp import Browser, chromium_or_skip

ROOT = Path(__file__).resolve().parent.parent

DECK = '''"""A small deck for the HTML handout."""
### slide::
### title:: Blocks
from sqlalchemy import create_engine, text
engine = create_engine("sqlite://")
with engine.connect() as cx:
    print("first", cx.execute(text("SELECT 1")).scalar())

    print("second", cx.execute(text("SELECT 2")).scalar())
for n in range(2):
    print("n is", n)
try:
    1 / 0
except ZeroDivisionError:
    print("caught")
class Point:
    x = 1
Point.x
### slide:: x
### title:: Shown, not run
shown_only = 3
### slide::
### title:: An exercise
### exercise:: Make ``y`` 2.
### check:: y == 2
### solution:: y = 2
y = 2
'''

WITH_BLOCK = '''with engine.connect() as cx:
    print("first", cx.execute(text("SELECT 1")).scalar())

    print("second", cx.execute(text("SELECT 2")).scalar())'''


# -- a small DOM ------------------------------------------------------------


class Node:
    def __init__(self, tag: str, attrs: dict[str, str]) -> None:
        self.tag, self.attrs = tag, attrs
        self.children: list[Node | str] = []

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def text(self, skip: str = "") -> str:
        """All text inside; elements of class ``skip`` left out."""
        return "".join(
            child if isinstance(child, str)
            else ("" if skip and skip in child.classes else child.text(skip))
            for child in self.children
        )

    def find(self, tag: str, cls: str = "") -> list[Node]:
        found = []
        for child in self.children:
            if isinstance(child, Node):
                if child.tag == tag and (not cls or cls in child.classes):
                    found.append(child)
                found += child.find(tag, cls)
        return found

    def elements(self) -> list[Node]:
        return [c for c in self.children if isinstance(c, Node)]


class _Builder(HTMLParser):
    VOID = {"meta", "br", "hr", "img", "input", "link"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str,
                        attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in self.VOID:
            self.stack.append(node)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.VOID:
            return
        assert self.stack[-1].tag == tag, (self.stack[-1].tag, tag)
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def dom(page: str) -> Node:
    builder = _Builder()
    builder.feed(page)
    builder.close()
    assert builder.stack == [builder.root], "unclosed elements"
    return builder.root


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("deck") / "blocks.py"
    path.write_text(DECK)
    deck = parse(DECK, path)
    return to_html(deck, record(deck))


def _cell_of(root: Node, code: str) -> Node:
    cells = [c for c in root.find("div", "cell")
             if any(code in p.text("gp") for p in c.find("pre", "python"))]
    assert len(cells) == 1, code
    return cells[0]


# -- structure ----------------------------------------------------------------


def test_a_with_block_is_one_pre_with_its_continuation_lines(
    page: str,
) -> None:
    root = dom(page)
    holding = [p for p in root.find("pre", "python")
               if "with engine.connect() as cx:" in p.text()]
    assert len(holding) == 1
    pre = holding[0]
    lines = pre.text().split("\n")
    start = lines.index(">>> with engine.connect() as cx:")
    # its three lines below, the blank one included, at "..."
    assert lines[start + 1:start + 4] == [
        '...     print("first", cx.execute(text("SELECT 1")).scalar())',
        "... ",
        '...     print("second", cx.execute(text("SELECT 2")).scalar())',
    ]
    # every other compound statement: one block, in one <pre>
    for head, body in (("for n in range(2):", '    print("n is", n)'),
                       ("try:", "    1 / 0"),
                       ("class Point:", "    x = 1")):
        pres = [p for p in root.find("pre", "python")
                if f">>> {head}\n... {body}" in p.text()]
        assert len(pres) == 1, head


def test_prompts_are_spans_the_selection_skips(page: str) -> None:
    root = dom(page)
    pre = _cell_of(root, "with engine.connect()").find("pre", "python")[0]
    prompts = [span.text() for span in pre.find("span", "gp")]
    lines = pre.text().split("\n")
    # one prompt span a line, holding exactly the prompt
    assert len(prompts) == len(lines)
    assert set(prompts) == {">>> ", "... "}
    assert all(line.startswith(prompt)
               for line, prompt in zip(lines, prompts, strict=True))
    # without them, the code as written
    assert WITH_BLOCK in pre.text("gp")
    assert ">>>" not in pre.text("gp") and "\n..." not in pre.text("gp")
    rule = re.search(r"\.gp \{([^}]*)\}", css())
    assert rule is not None and "user-select: none" in rule.group(1)


def test_copy_button_data_is_the_code_without_prompts(page: str) -> None:
    root = dom(page)
    cell = _cell_of(root, "with engine.connect()")
    (button,) = cell.find("button", "copy")
    code = button.attrs["data-code"]
    assert WITH_BLOCK in code
    assert code.startswith("from sqlalchemy import create_engine, text\n"
                           'engine = create_engine("sqlite://")\n')
    assert ">>>" not in code and "\n..." not in code
    # hidden until the page's script runs: no dead button without it
    assert "hidden" in button.attrs and button.attrs["type"] == "button"
    # a cell of several blocks: a blank line after an indented one, so
    # the copy pastes into the Python prompt too
    (button,) = _cell_of(root, "class Point:").find("button", "copy")
    assert button.attrs["data-code"] == "class Point:\n    x = 1\n\nPoint.x"
    # every code block has its button; code not run too, no prompts
    for cell in root.find("div", "cell"):
        if cell.find("pre", "python"):
            assert len(cell.find("button", "copy")) == 1
    (shown,) = [p for p in root.find("pre", "python")
                if "shown_only = 3" in p.text()]
    assert not shown.find("span", "gp")


def test_output_and_sql_stay_beside_their_code_in_order(page: str) -> None:
    root = dom(page)
    cell = _cell_of(root, "with engine.connect()")
    code, out = cell.elements()
    assert "code" in code.classes and "out" in out.classes
    kinds = [(sorted(p.classes - {"hl"})[0], p.text())
             for p in out.elements()]
    assert kinds == [
        ("sql", "BEGIN (implicit)\nSELECT 1\n[generated in ...s] ()"),
        ("printed", "first 1"),
        ("sql", "SELECT 2\n[generated in ...s] ()"),
        ("printed", "second 2"),
        ("sql", "ROLLBACK"),
    ]
    # the parameter line is muted, apart from the SQL
    assert out.find("span", "params")
    loop = _cell_of(root, "for n in range(2):").find("div", "out")[0]
    assert [p.text() for p in loop.elements()] == ["n is 0\nn is 1"]
    value = _cell_of(root, "Point.x").find("div", "out")[0]
    assert [(p.attrs["class"], p.text()) for p in value.elements()] == [
        ("hl value", "1")]


# -- contrast -----------------------------------------------------------------


def _luminance(colour: str) -> float:
    value = colour.lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    channels = []
    for i in (0, 2, 4):
        c = int(value[i:i + 2], 16) / 255
        channels.append(c / 12.92 if c <= 0.04045
                        else ((c + 0.055) / 1.055) ** 2.4)
    r, g, b = channels
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def ratio(one: str, other: str) -> float:
    high, low = sorted((_luminance(one), _luminance(other)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _palettes() -> dict[str, tuple[dict[str, str], dict[str, str]]]:
    """{"light"|"dark": (custom properties, token class -> colour)}, read
    from the stylesheet the page carries."""
    sheet = css()
    light_part, dark_part = sheet.split(
        "@media screen and (prefers-color-scheme: dark)", 1)
    found = {}
    for name, part in (("light", light_part), ("dark", dark_part)):
        root = re.search(r":root \{([^}]*)\}", part)
        assert root is not None
        variables = dict(re.findall(r"--([\w-]+): (#[0-9a-fA-F]{3,6});",
                                    root.group(1)))
        tokens = dict(re.findall(r"\.hl \.(\w+) \{ color: ([^;]+);", part))
        found[name] = (variables, tokens)
    return found


#: (text, background) custom-property pairs the page draws
PAIRS = [
    ("fg", "bg"), ("muted", "bg"), ("accent", "bg"), ("link", "bg"),
    ("fg", "inline-bg"), ("code-fg", "code-bg"), ("out-fg", "out-bg"),
    ("sql-fg", "sql-bg"), ("sql-label", "sql-bg"), ("params", "sql-bg"),
    ("err-fg", "bg"), ("ok", "ok-bg"), ("fg", "ok-bg"),
    ("button-fg", "button-bg"), ("fg", "th-bg"), ("out-fg", "stripe"),
]


def test_both_palettes_read_at_wcag_aa() -> None:
    palettes = _palettes()
    report = []
    for name, (variables, tokens) in palettes.items():
        for fg, bg in PAIRS:
            value = ratio(variables[fg], variables[bg])
            assert value >= 4.5, (name, fg, bg, round(value, 2))
        # code: every token colour on every background code is drawn on
        assert len(tokens) >= 20, name
        assert set(tokens.values()) - {"inherit"} == {
            c for c in tokens.values() if re.fullmatch("#[0-9a-f]{6}", c)}
        worst = min(
            (ratio(colour, variables[bg]), cls, bg)
            for cls, colour in tokens.items() if colour != "inherit"
            for bg in ("code-bg", "sql-bg", "out-bg")
        )
        assert worst[0] >= 4.5, (name, worst)
        report.append(f"{name}: worst token {worst[1]} on {worst[2]} "
                      f"{worst[0]:.2f}")
    # the two palettes style the same classes (no light colour in dark)
    assert set(palettes["light"][1]) == set(palettes["dark"][1])
    print("; ".join(report))


# -- a real browser ---------------------------------------------------------


@pytest.fixture(scope="module")
def part1_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("handout") / "part1.html"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("TUTORIAL_DB", None)
    done = subprocess.run(
        [sys.executable, "-m", "sliderepl", "export", "part1.py", "--to",
         "html", "-o", str(out)],
        cwd=ROOT, env=env, stdin=subprocess.DEVNULL, capture_output=True,
        text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return out


_STYLES = """JSON.stringify({
  bg: getComputedStyle(document.body).backgroundColor,
  fg: getComputedStyle(document.body).color,
  keyword: getComputedStyle(document.querySelector(".hl .k")).color,
  code: getComputedStyle(document.querySelector(".code")).backgroundColor,
  copy: getComputedStyle(document.querySelector("button.copy")).display,
  buttons: document.querySelectorAll("button.copy:not([hidden])").length,
  all: document.querySelectorAll("button.copy").length,
  wide: Array.from(document.querySelectorAll("pre")).filter(
    p => p.scrollWidth > p.clientWidth + 1).length,
  white: getComputedStyle(document.querySelector("pre")).whiteSpace,
})"""

_SELECT = """(() => {
  const pre = Array.from(document.querySelectorAll("section pre.python")).find(
    p => p.textContent.includes("with engine.connect() as cx:"));
  const range = document.createRange();
  range.selectNodeContents(pre);
  const selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
  return selection.toString();
})()"""

_CLICK = """(async () => {
  let copied = null;
  navigator.clipboard.writeText = async text => { copied = text; };
  const pre = Array.from(document.querySelectorAll("section pre.python")).find(
    p => p.textContent.includes("with engine.connect() as cx:"));
  const button = pre.parentElement.querySelector("button.copy");
  button.click();
  await new Promise(done => setTimeout(done, 50));
  return JSON.stringify({copied: copied, data: button.dataset.code,
                         label: button.textContent});
})()"""


def test_part1_in_chromium_light_dark_copy_and_print(
    part1_page: Path, tmp_path: Path
) -> None:
    import json


    chromium = chromium_or_skip()
    with Browser(chromium, width=1000, height=1400) as browser:
        browser.open(part1_page.as_uri())
        seen = {}
        for scheme in ("light", "dark"):
            browser.emulate(color_scheme=scheme)
            seen[scheme] = json.loads(browser.evaluate(_STYLES))
            shot = browser.screenshot(tmp_path / f"{scheme}.png")
            assert shot.startswith(b"\x89PNG") and len(shot) > 20_000
        light, dark = seen["light"], seen["dark"]
        assert light["bg"] == "rgb(255, 255, 255)"
        assert dark["bg"] == "rgb(13, 17, 23)"
        for key in ("fg", "keyword", "code"):
            assert light[key] != dark[key], key
        assert (tmp_path / "light.png").read_bytes() != \
            (tmp_path / "dark.png").read_bytes()
        # the script ran: every copy button shown
        assert light["buttons"] == light["all"] > 50
        # a selection of a block skips its prompts
        selected = browser.evaluate(_SELECT)
        assert "with engine.connect() as cx:" in selected
        assert ">>>" not in selected and "..." not in selected
        # the button copies the code alone
        clicked = json.loads(browser.evaluate(_CLICK))
        assert clicked["copied"] == clicked["data"]
        assert clicked["copied"].startswith("with engine.connect() as cx:")
        assert ">>>" not in clicked["copied"]
        assert clicked["label"] == "Copied"
        # print: light even for a dark preference, no buttons, long lines
        # wrap (no <pre> scrolls), and a PDF comes out
        browser.emulate(color_scheme="dark", media="print")
        printed = json.loads(browser.evaluate(_STYLES))
        assert printed["bg"] == "rgb(255, 255, 255)"
        assert printed["keyword"] == light["keyword"]
        assert printed["copy"] == "none"
        assert printed["white"] == "pre-wrap" and printed["wide"] == 0
        assert light["wide"] > 0  # on screen some do scroll: a real check
        pdf = browser.pdf(tmp_path / "part1.pdf")
        assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page") > 10


@pytest.mark.parametrize("flags, background", [
    ((), "rgb(255, 255, 255)"),
    (("--force-dark-mode",), "rgb(13, 17, 23)"),
    # Blink's own setting: 0 is dark, 1 light
    (("--blink-settings=preferredColorScheme=0",), "rgb(13, 17, 23)"),
], ids=["default", "force-dark-mode", "blink-dark"])
def test_the_browsers_own_preference_is_followed(
    page: str, tmp_path: Path, flags: tuple[str, ...], background: str
) -> None:
    """Not emulated: the preference as a reader's browser states it."""
    chromium = chromium_or_skip()
    path = tmp_path / "blocks.html"
    path.write_text(page)
    with Browser(chromium, flags=flags) as browser:
        browser.open(path.as_uri())
        assert browser.evaluate(
            "getComputedStyle(document.body).backgroundColor") == background


# -- secrets ------------------------------------------------------------------

SECRET_DECK = '''"""Secrets."""
### slide::
### title:: Where the database is
import os
print(os.environ["HANDOUT_TEST_DB"])
os.environ["HANDOUT_API_TOKEN"]
'''


def test_no_secret_of_the_environment_reaches_a_handout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sliderepl.tools.export import to_markdown

    monkeypatch.setenv("HANDOUT_TEST_DB",
                       "postgresql://app:s%40fe-pw-123@db.example/shop")
    monkeypatch.setenv("HANDOUT_API_TOKEN", "tok-0123456789")
    path = tmp_path / "secrets.py"
    path.write_text(SECRET_DECK)
    deck = parse(SECRET_DECK, path)
    slides = record(deck)
    for text in (to_html(deck, slides), to_markdown(deck, slides)):
        assert "postgresql://app:***@db.example/shop" in text
        assert "s%40fe-pw-123" not in text and "s@fe-pw-123" not in text
        assert "tok-0123456789" not in text
        assert "'***'" in unescape(text)  # the token's echoed value
