"""Text from a deck, a value or a database made inert, for a terminal or
a file.

``inert(text)`` shows every control character a terminal would act on
as ``repr`` shows it, so a value can never clear the screen, retitle the
window, write the clipboard (OSC 52), plant a hyperlink (OSC 8) or move
the cursor: on screen and in a handout the learner reads ``\\x1b[2J``.

What is escaped, and how:

* C0 controls U+0000-U+001F except tab and newline: ``\\r`` for a
  carriage return (a lone CR rewrites the line it ends), ``\\xNN`` for
  the others, ESC (``\\x1b``) above all, which starts every CSI, OSC
  and DCS sequence;
* DEL (U+007F): ``\\x7f``;
* C1 controls U+0080-U+009F: ``\\xNN``; a terminal may read ``\\x9b``
  as CSI and ``\\x9d`` as OSC without any ESC.

Tab and newline stay: they are layout, and tables, tracebacks and
multi-line reprs need them.  Nothing else changes, so text without a
control character comes back as it went in (the same object): a
backslash stays a backslash (``repr`` would double it; here only the
controls are in question), and printable Unicode, including format
characters such as U+200B or the bidirectional overrides, is the
terminal's to draw, not to obey.  rich drops BEL, BS, VT, FF and CR
itself but lets ESC through; prompt_toolkit draws controls as ``^[``.

Who calls it: everything the runner draws from data that is not its
own.  Table cells and column names (``run.rows``), reprs echoed at
``>>>`` (a ``__repr__`` may return ESC: Python's ``>>>`` would write it
raw; here the echo is data shown by the runner, so it is escaped like a
cell), tracebacks and their short form, SQL echo, slide titles, intro
and bullets and code, the toolbar, ``!toc``, ``obj?`` pages, runner
messages, the notes window, ``--run-all`` and ``check``, the deck menu
and ``--list``, and every handout (Markdown, HTML, notebook, and the
comments of the script).  Two things stay raw: what a slide's own code
prints (``print``, ``sys.stdout.write``) reaches the
terminal as it would under Python (that is the slide's business), and
an object with ``__rich__`` / ``__rich_console__`` is drawn by rich as
itself.  A handout is a file read later with ``cat`` or a previewer,
not a live terminal: there printed output is escaped too; only the
code of the script handout and of the notebook's code cells stays as the
deck wrote it (escaping a raw string's ESC would change what it runs).

Fast: ``str.isprintable`` (C, no allocation) answers "nothing to do"
for most text, a compiled search for the rest (text with a newline, a
tab or a non-printable that is no control); only text holding a
control character goes through ``str.translate``
(``benchmarks/inert.py``).
"""

from __future__ import annotations

import re
from functools import cache

__all__ = ["inert", "has_control"]

_CODES = [*range(0x00, 0x09), *range(0x0B, 0x20), 0x7F, *range(0x80, 0xA0)]


@cache
def _control() -> re.Pattern[str]:
    """A character ``inert`` escapes (compiled on first need: startup)."""
    return re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@cache
def _table() -> dict[int, str]:
    return str.maketrans({code: f"\\x{code:02x}" for code in _CODES}
                         | {0x0D: "\\r"})


def has_control(text: str) -> bool:
    """``text`` holds a character ``inert`` would escape."""
    return not text.isprintable() and _control().search(text) is not None


def inert(text: str) -> str:
    """``text`` with its control characters shown as ``\\x1b``, ``\\r``
    and friends (see the module docstring); tab and newline kept."""
    if text.isprintable() or _control().search(text) is None:
        return text
    return text.translate(_table())
