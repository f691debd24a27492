"""The pages of a site: a deck's page, the collection's index, the CSS.

The colours are the HTML handout's (``sliderepl.tools.handout_style``:
its light and dark palettes) plus ``contrast`` for a projector (white on
black, every pair at WCAG AAA, 7:1); the reader picks one in the page
(kept in the browser's storage), the first visit follows
``prefers-color-scheme``.  The deck's page script is ``page.js`` (next
to this module); the index has a few lines of its own to show each
deck's progress from the same storage.
"""

from __future__ import annotations

import json
from html import escape

from sliderepl.tools.handout_style import DARK, LIGHT

#: a projector: the handout's names, high-contrast values
CONTRAST = {
    **DARK,
    "bg": "#000000", "fg": "#ffffff", "muted": "#d0d0d0",
    "accent": "#ffd700", "rule": "#8a8a8a", "link": "#8cd3ff",
    "code-bg": "#0a0a0a", "code-fg": "#ffffff", "inline-bg": "#1e1e1e",
    "out-bg": "#000000", "out-fg": "#ffffff",
    "sql-bg": "#001a33", "sql-fg": "#ffffff", "sql-rule": "#4da3ff",
    "sql-label": "#8cd3ff", "params": "#d0d0d0", "err-fg": "#ff9e9e",
    "ok": "#7dff8a", "ok-bg": "#001a06", "button-bg": "#1e1e1e",
    "button-fg": "#ffffff", "th-bg": "#1e1e1e", "stripe": "#0d0d0d",
}
THEMES = {"light": LIGHT, "dark": DARK, "contrast": CONTRAST}

_RULES = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif;
  margin: 0; color: var(--fg); background: var(--bg); line-height: 1.45; }
[data-theme=contrast] body { font-size: 1.15rem; }
a { color: var(--link); }
header { display: flex; gap: 1rem; align-items: center; flex-wrap: wrap;
  padding: .4rem 1rem; border-bottom: 3px solid var(--accent); }
header h1 { font-size: 1.1rem; margin: 0; flex: 1; }
header .meta { color: var(--muted); font-size: .9rem; }
main { max-width: 64rem; margin: 0 auto; padding: .5rem 1rem 12rem; }
h2 { border-bottom: 1px solid var(--rule); margin: .6rem 0; }
h2 .n { color: var(--accent); margin-right: .6rem; font-size: .8em; }
pre, code, textarea, .where { font-family: ui-monospace, "Cascadia Mono",
  "DejaVu Sans Mono", Menlo, Consolas, monospace; }
code { background: var(--inline-bg); padding: 0 .2rem; border-radius: 3px; }
pre { font-size: .9em; line-height: 1.35; margin: 0; overflow-x: auto;
  padding: .4rem .8rem; white-space: pre; tab-size: 4; }
.intro { margin: .3rem 0; }
#log { margin-top: .8rem; }
.cell { border: 1px solid var(--rule); border-radius: 6px; margin: .5rem 0;
  overflow: hidden; background: var(--out-bg); }
.cell > pre.code { background: var(--code-bg); color: var(--code-fg); }
.cell > pre.code::before { content: ">>> "; color: var(--muted); }
.out { color: var(--out-fg); }
.stderr { color: var(--err-fg); }
.sql { background: var(--sql-bg); color: var(--sql-fg);
  border-left: 4px solid var(--sql-rule); position: relative;
  padding-right: 3rem; }
.sql::before { content: "SQL"; position: absolute; right: .5rem;
  top: .3rem; font: 600 .7rem system-ui, sans-serif; color: var(--sql-label); }
.error { border-left: 4px solid var(--err-fg); color: var(--err-fg); }
.error pre, .result pre, .unsupported { white-space: pre-wrap;
  overflow-wrap: anywhere; }
.error .where { margin: 0 .8rem .3rem; font-size: .85rem;
  color: var(--muted); overflow-wrap: anywhere; }
.unsupported { margin: .3rem .8rem; font-style: italic; color: var(--muted); }
.unsupported::before { content: "⚠ "; }
.notice { margin: .3rem .8rem; font-style: italic; color: var(--muted); }
.notice.failed { color: var(--err-fg); }
.result { margin: .3rem .8rem; }
.result.ok { color: var(--ok); }
table { border-collapse: collapse; margin: .4rem .8rem; font-size: .9em;
  color: var(--out-fg); }
th, td { border: 1px solid var(--rule); padding: .15rem .55rem;
  text-align: left; vertical-align: top; }
th { background: var(--th-bg); }
tbody tr:nth-child(even) td { background: var(--stripe); }
.exercise { border: 2px solid var(--ok); border-radius: 6px;
  padding: .2rem 1rem; margin: .8rem 0; background: var(--ok-bg); }
.exercise h3 { margin: .3rem 0; color: var(--ok); }
#closing { font-weight: 600; color: var(--accent); }
footer { position: fixed; bottom: 0; left: 0; right: 0; background: var(--bg);
  border-top: 1px solid var(--rule); padding: .4rem 1rem; }
footer .row { display: flex; gap: .6rem; max-width: 64rem; margin: 0 auto; }
textarea { flex: 1; font-size: .95rem; color: var(--code-fg);
  background: var(--code-bg); border: 1px solid var(--rule);
  border-radius: 4px; padding: .3rem .5rem; min-height: 3.2rem; }
button, select { color: var(--button-fg); background: var(--button-bg);
  border: 1px solid var(--rule); border-radius: 4px; padding: .2rem .6rem;
  font: inherit; }
:focus-visible { outline: 3px solid var(--link); outline-offset: 2px; }
.keys { color: var(--muted); font-size: .8rem; max-width: 64rem;
  margin: .2rem auto 0; }
#toc, #help { border: 1px solid var(--rule); border-radius: 6px;
  padding: .3rem 1rem; margin: .5rem 0; }
#toc ol { columns: 2; font-size: .9rem; }
.decks li { margin: .5rem 0; }
"""


def css() -> str:
    """The stylesheet: one block of custom properties per theme."""
    blocks = []
    for name, palette in THEMES.items():
        values = " ".join(f"--{k}: {v};" for k, v in palette.items())
        scheme = "light" if name == "light" else "dark"
        selector = ":root, " if name == "light" else ""
        blocks.append(f"{selector}:root[data-theme={name}] "
                      f"{{ color-scheme: {scheme}; {values} }}")
    return "\n".join(blocks) + "\n" + _RULES


_THEME_CHOICE = "".join(
    f'<option value="{name}">{name}</option>' for name in THEMES)

_KEYS = ("Enter / PageDown: next slide · PageUp: previous · / : type code"
         " (Ctrl-Enter or Shift-Enter runs it, Esc leaves) · t: contents ·"
         " in the cell: !next !prev !goto N !toc !hint !check !solution")


def _head(title: str, assets: str, scripts: str = "") -> str:
    """A page's start up to ``</head>``: its stylesheet in ``assets``
    (relative to the page), then ``scripts``."""
    return f"""<!doctype html>
<html lang="en" data-theme="light">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{assets}page.css">
{scripts}</head>
"""


def deck_page(name: str, title: str, deck: str, wheels: list[str]) -> str:
    """``NAME/index.html``: the deck ``deck`` (its path in the page's
    site-packages) with the runner in ``wheels``."""
    config = json.dumps({"name": name, "deck": deck, "wheels": wheels})
    # </script> can't end the JSON early: "<" is escaped in it
    config = config.replace("<", "\\u003c")
    return _head(title, "../assets/", f"""\
<script type="application/json" id="deck">{config}</script>
<script type="module" src="../assets/page.js"></script>
""") + f"""\
<body>
<header>
<h1><a href="../index.html">decks</a> ·
<span id="title">{escape(title)}</span></h1>
<span class="meta" id="where">loading Python…</span>
<span class="meta" id="progress"></span>
<span class="meta" id="status" role="status">loading Python…</span>
<label class="meta"><input type="checkbox" id="echo" checked> SQL</label>
<label class="meta">theme <select id="theme">{_THEME_CHOICE}</select></label>
</header>
<main>
<nav id="toc" hidden><strong>Contents</strong> (t closes)
<ol id="toc-list"></ol></nav>
<div id="help" hidden><p>{escape(_KEYS)}</p></div>
<section id="slide" aria-live="polite"></section>
<section id="log"></section>
<p id="closing" hidden></p>
</main>
<footer>
<div class="row">
<textarea id="cell" disabled
  aria-label="Python, run in the deck's namespace"
  placeholder="Python here runs in the deck's namespace (Ctrl-Enter)"
  ></textarea>
<button id="run" type="button">Run</button>
</div>
<p class="keys">{escape(_KEYS)}</p>
</footer>
</body>
</html>
"""


_INDEX_SCRIPT = """
document.documentElement.dataset.theme =
  localStorage.getItem("sliderepl:theme") ||
  (matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light");
document.querySelectorAll("[data-deck]").forEach(function (li) {
  var saved = null;
  var key = "sliderepl:" + li.dataset.deck;
  try { saved = JSON.parse(localStorage.getItem(key)); }
  catch (e) { saved = null; }
  if (!saved) return;
  var text = " (furthest slide " + saved.furthest + " / " + saved.total;
  if (saved.exercises) {
    text += ", exercises solved " + saved.solved.length;
    text += " / " + saved.exercises;
  }
  li.querySelector(".progress").textContent = text + ")";
});
"""


def index_page(title: str, decks: list[tuple[str, str, int]]) -> str:
    """The collection: each deck's ``(name, title, slides)``."""
    items = "\n".join(
        f'<li data-deck="{escape(name)}"><a href="{escape(name)}/index.html">'
        f"{escape(deck_title)}</a> · {slides} slides"
        f'<span class="progress"></span></li>'
        for name, deck_title, slides in decks)
    return _head(title, "assets/") + f"""\
<body>
<header><h1>{escape(title)}</h1></header>
<main>
<p>Each deck runs in this tab (Python in WebAssembly): nothing to
install.  {escape(_KEYS)}</p>
<ol class="decks">
{items}
</ol>
</main>
<script>{_INDEX_SCRIPT}</script>
</body>
</html>
"""
