"""How the HTML handout looks: its two palettes, its CSS and its script.

The page follows the reader's ``prefers-color-scheme``: every colour is a
CSS custom property with a light value and a dark one (the dark ones for
``screen`` only, so a printout is always the light palette).  Code is
highlighted through pygments' CSS classes, with a light style and a dark
one; a token colour that would read below WCAG AA on any background code
sits on (code, SQL echo, output) is moved towards the text colour until
it reads at ``MIN_CONTRAST`` (``readable``).  ``tests/test_handout_html``
recomputes every ratio from the CSS itself.

``SCRIPT`` is the page's only script, inline: it shows the copy buttons
(hidden without JavaScript) and copies a block's code without prompts,
and opens the folded hints and solutions for printing.
"""

from __future__ import annotations

from functools import cache

#: WCAG AA for normal text is 4.5:1; a little above, so rounding in a
#: reader's tool can't put a colour under it
MIN_CONTRAST = 4.6

LIGHT_STYLE, DARK_STYLE = "friendly", "github-dark"

#: the palettes, as CSS custom properties (``--name``)
LIGHT = {
    "bg": "#ffffff", "fg": "#1f2328", "muted": "#57606a",
    "accent": "#8b0000", "rule": "#d0d7de", "link": "#0550ae",
    "code-bg": "#f6f8fa", "code-fg": "#1f2328", "inline-bg": "#eff1f3",
    "out-bg": "#ffffff", "out-fg": "#1f2328",
    "sql-bg": "#eef4fb", "sql-fg": "#1f2328", "sql-rule": "#3b73b9",
    "sql-label": "#33598c", "params": "#57606a", "err-fg": "#a40e26",
    "ok": "#1f6f2a", "ok-bg": "#f4fbf4", "button-bg": "#ffffff",
    "button-fg": "#1f2328", "th-bg": "#eaeef2", "stripe": "#f6f8fa",
}
DARK = {
    "bg": "#0d1117", "fg": "#e6edf3", "muted": "#9198a1",
    "accent": "#ff7b72", "rule": "#3d444d", "link": "#79c0ff",
    "code-bg": "#161b22", "code-fg": "#e6edf3", "inline-bg": "#262c36",
    "out-bg": "#0d1117", "out-fg": "#e6edf3",
    "sql-bg": "#122136", "sql-fg": "#e6edf3", "sql-rule": "#388bfd",
    "sql-label": "#79c0ff", "params": "#9198a1", "err-fg": "#ff9492",
    "ok": "#56d364", "ok-bg": "#0f1f14", "button-bg": "#21262d",
    "button-fg": "#e6edf3", "th-bg": "#21262d", "stripe": "#151b23",
}
#: the backgrounds highlighted code is drawn on
CODE_BACKGROUNDS = ("code-bg", "sql-bg", "out-bg")


# -- contrast (WCAG 2.x) -------------------------------------------------


def _rgb(colour: str) -> tuple[int, int, int]:
    value = colour.lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    return (int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16))


def _luminance(colour: str) -> float:
    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in _rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(one: str, other: str) -> float:
    high, low = sorted((_luminance(one), _luminance(other)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def readable(colour: str, backgrounds: tuple[str, ...], text: str) -> str:
    """``colour``, or the first mix of it towards ``text`` (the palette's
    text colour) that reads at ``MIN_CONTRAST`` on every background."""
    start, end = _rgb(colour), _rgb(text)
    for step in range(21):
        t = step / 20
        mixed = "#" + "".join(f"{round(a + (b - a) * t):02x}"
                              for a, b in zip(start, end, strict=True))
        if all(contrast(mixed, bg) >= MIN_CONTRAST for bg in backgrounds):
            return mixed
    return text


# -- highlighting ----------------------------------------------------------


def _token_rules(style_name: str, palette: dict[str, str],
                 classes: list[str]) -> list[str]:
    from pygments.styles import get_style_by_name
    from pygments.token import STANDARD_TYPES

    style = get_style_by_name(style_name)
    backgrounds = tuple(palette[name] for name in CODE_BACKGROUNDS)
    found: dict[str, str] = {}
    for ttype, spec in style:
        name = STANDARD_TYPES.get(ttype)
        if name is None or not name:
            continue
        declarations = []
        if spec["color"]:
            declarations.append("color: " + readable(
                "#" + spec["color"], backgrounds, palette["code-fg"]))
        else:
            declarations.append("color: inherit")
        declarations.append(
            "font-weight: " + ("bold" if spec["bold"] else "normal"))
        declarations.append(
            "font-style: " + ("italic" if spec["italic"] else "normal"))
        found[name] = "; ".join(declarations)
    # every class either style names gets a rule in both, so a colour of
    # one palette never shows in the other
    plain = "color: inherit; font-weight: normal; font-style: normal"
    return [f".hl .{name} {{ {found.get(name, plain)} }}" for name in classes]


@cache
def styled_classes() -> frozenset[str]:
    """The pygments classes either style draws differently from plain
    text: only these need a ``<span>`` in the page."""
    from pygments.styles import get_style_by_name
    from pygments.token import STANDARD_TYPES, Text, Whitespace

    names: set[str] = set()
    for style_name in (LIGHT_STYLE, DARK_STYLE):
        style = get_style_by_name(style_name)
        plain = style.style_for_token(Text)
        for ttype, spec in style:
            name = STANDARD_TYPES.get(ttype)
            if Whitespace in ttype.split():
                continue  # no ink to colour
            if name and (spec["color"], spec["bold"], spec["italic"]) != (
                    plain["color"], plain["bold"], plain["italic"]):
                names.add(name)
    return frozenset(names)


def _variables(palette: dict[str, str]) -> str:
    return " ".join(f"--{name}: {value};" for name, value in palette.items())


# -- the page --------------------------------------------------------------

_PAGE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif;
  max-width: 56rem; margin: 2rem auto; padding: 0 1rem;
  color: var(--fg); background: var(--bg); line-height: 1.5; }
a { color: var(--link); }
h1 { border-bottom: 3px solid var(--accent); padding-bottom: .3rem; }
h2 { margin-top: 2.5rem; border-bottom: 1px solid var(--rule); }
h2 .n { color: var(--accent); margin-right: .4rem; }
nav ol { columns: 2; font-size: .9rem; }
code { background: var(--inline-bg); padding: 0 .2rem; border-radius: 3px; }
pre { font-size: .85rem; line-height: 1.35; margin: 0; overflow-x: auto;
  padding: .45rem .8rem; tab-size: 4; }
.session { border: 1px solid var(--rule); border-radius: 6px;
  margin: .6rem 0; overflow: hidden; background: var(--out-bg); }
.cell + .cell { border-top: 1px solid var(--rule); }
.code { position: relative; background: var(--code-bg);
  color: var(--code-fg); }
.gp { user-select: none; -webkit-user-select: none; }
.out pre { color: var(--out-fg); }
.out .error { border-left: 4px solid var(--err-fg); }
.out .sql { background: var(--sql-bg); color: var(--sql-fg);
  border-left: 4px solid var(--sql-rule); position: relative;
  padding-right: 3rem; }
.out .sql::before { content: "SQL"; position: absolute; right: .5rem;
  top: .35rem; font: 600 .7rem system-ui, sans-serif; letter-spacing: .05em;
  color: var(--sql-label); }
.sql .params { color: var(--params); font-style: normal; font-weight: normal; }
.copy { position: absolute; top: .3rem; right: .3rem; cursor: pointer;
  font: .75rem system-ui, sans-serif; padding: .1rem .45rem;
  color: var(--button-fg); background: var(--button-bg);
  border: 1px solid var(--rule); border-radius: 4px; opacity: 0;
  transition: opacity .15s; }
.code:hover .copy, .copy:focus-visible, .copy.done { opacity: 1; }
@media (hover: none) { .copy { opacity: 1; } }
table { border-collapse: collapse; margin: .4rem 0; font-size: .85rem;
  color: var(--out-fg); }
th, td { border: 1px solid var(--rule); padding: .15rem .55rem;
  text-align: left; vertical-align: top; }
th { background: var(--th-bg); font-weight: 600; }
tbody tr:nth-child(even) td { background: var(--stripe); }
.out table { margin: .45rem .8rem; }
.notice { font-style: italic; color: var(--muted); }
.problem { color: var(--err-fg); font-family: monospace; }
.exercise { border: 2px solid var(--ok); border-radius: 6px;
  padding: .3rem 1rem; margin: 1rem 0; background: var(--ok-bg); }
.exercise h3 { margin: .3rem 0; color: var(--ok); }
details { margin: .3rem 0; }
summary { cursor: pointer; font-weight: 600; }
footer { margin-top: 3rem; font-size: .8rem; color: var(--muted); }
@media print {
  @page { margin: 1.6cm 1.4cm; }
  body { max-width: none; margin: 0; padding: 0; font-size: 10.5pt; }
  .copy, nav { display: none; }
  pre { white-space: pre-wrap; overflow-wrap: anywhere; overflow: visible; }
  .session { overflow: visible; }
  .cell, pre, table, .exercise { break-inside: avoid; }
  h1, h2, h3 { break-after: avoid; }
  thead { display: table-header-group; }
  a[href^="http"]::after { content: " (" attr(href) ")"; font-size: .85em; }
  details::details-content { content-visibility: visible; }
}
"""

SCRIPT = """
(function () {
  "use strict";
  function fallback(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    var ok = document.execCommand("copy");
    area.remove();
    return ok ? Promise.resolve() : Promise.reject(new Error("copy"));
  }
  function copy(text) {
    if (navigator.clipboard && navigator.clipboard.writeText) {
      return navigator.clipboard.writeText(text).catch(function () {
        return fallback(text);
      });
    }
    return fallback(text);
  }
  document.querySelectorAll("button.copy").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      copy(button.getAttribute("data-code")).then(function () {
        button.textContent = "Copied";
      }, function () {
        button.textContent = "Can't copy";
      }).then(function () {
        button.classList.add("done");
        setTimeout(function () {
          button.textContent = "Copy";
          button.classList.remove("done");
        }, 1500);
      });
    });
  });
  var closed = [];
  window.addEventListener("beforeprint", function () {
    closed = Array.prototype.filter.call(
      document.querySelectorAll("details"), function (d) { return !d.open; });
    closed.forEach(function (d) { d.open = true; });
  });
  window.addEventListener("afterprint", function () {
    closed.forEach(function (d) { d.open = false; });
    closed = [];
  });
})();
"""


@cache
def css() -> str:
    """The page's whole stylesheet."""
    classes = sorted(styled_classes())
    light = "\n".join(_token_rules(LIGHT_STYLE, LIGHT, classes))
    dark = "\n".join("  " + rule
                     for rule in _token_rules(DARK_STYLE, DARK, classes))
    # the dark rules come last: they win where the media query holds
    return (
        f":root {{ color-scheme: light; {_variables(LIGHT)} }}\n"
        + _PAGE + light + "\n"
        "@media screen and (prefers-color-scheme: dark) {\n"
        f"  :root {{ color-scheme: dark; {_variables(DARK)} }}\n"
        f"{dark}\n}}\n"
    )
