"""A start-of-paste (``ESC[200~``) that never ends must not eat the keys.

prompt_toolkit collects everything after ``ESC[200~`` until ``ESC[201~``
and hands it over as one paste; a flaky terminal or a pasted log that
sends the start without the end leaves the prompt swallowing every key,
Ctrl-C and Ctrl-D included, while the screen still shows ``>>>``.

``install(input)`` wraps the input's VT100 parser: a paste ends (what it
collected goes in as pasted text) at Ctrl-C or Ctrl-D, which then act as
keys, or at the first key that arrives ``TIMEOUT`` seconds after the paste
began (a real paste arrives within milliseconds).  Inputs without such a
parser (tests' pipes, Windows) are left as they are.
"""

from __future__ import annotations

import time
from typing import Any

#: seconds a bracketed paste may take before the next key ends it
TIMEOUT = 1.0
_CONTROL = ("\x03", "\x04")


def install(input: Any) -> bool:
    """Guard ``input``'s parser; True if there was one to guard."""
    parser = getattr(input, "vt100_parser", None)
    if parser is None or not hasattr(parser, "_in_bracketed_paste"):
        return False
    feed = parser.feed
    began: list[float] = []

    def guarded_feed(data: str) -> None:
        if parser._in_bracketed_paste:
            cut = min((data.index(c) for c in _CONTROL if c in data),
                      default=-1)
            late = began and time.monotonic() - began[0] > TIMEOUT
            if cut >= 0 or late:
                if cut < 0:
                    cut = 0
                _end_paste(parser, data[:cut])
                began.clear()
                data = data[cut:]
        feed(data)
        if parser._in_bracketed_paste:
            if not began:
                began.append(time.monotonic())
        else:
            began.clear()

    parser.feed = guarded_feed
    return True


def _end_paste(parser: Any, tail: str) -> None:
    """Hand over what the unfinished paste collected, leave paste mode."""
    from prompt_toolkit.key_binding.key_processor import KeyPress
    from prompt_toolkit.keys import Keys

    content = getattr(parser, "_paste_buffer", "") + tail
    parser._in_bracketed_paste = False
    parser._paste_buffer = ""
    if content:
        parser.feed_key_callback(KeyPress(Keys.BracketedPaste, content))
