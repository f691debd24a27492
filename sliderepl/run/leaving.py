"""``exit()``, ``quit()`` and ``raise SystemExit`` typed at ``>>>``.

A learner types ``exit()`` by reflex.  Python's own ``exit`` closes
``sys.stdin`` before it raises ``SystemExit``, which leaves the prompt
reading a closed file forever.  The deck's namespace gets ``exit`` and
``quit`` that only raise; ``restore_stdin`` mends a stdin closed anyway
(``sys.stdin.close()`` in a slide).  A ``SystemExit`` from typed input
becomes ``LeaveDeck``, which the REPL treats as ``!quit``; one from a
slide's own code is that slide's failure (the talk goes on).
"""

from __future__ import annotations

import sys
from typing import Any


class LeaveDeck(Exception):
    """Typed input asked to leave (``exit()``, ``quit()``, SystemExit)."""


class Quitter:
    """``exit`` / ``quit`` for the deck: raise, never close stdin."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"Use {self.name}(), !quit or Ctrl-D to leave the deck"

    def __call__(self, code: Any = None) -> None:
        raise SystemExit(code)


def install(namespace: dict[str, object]) -> None:
    """Give the deck's namespace the safe ``exit`` and ``quit``."""
    namespace["exit"] = Quitter("exit")
    namespace["quit"] = Quitter("quit")


def restore_stdin() -> None:
    """Reopen file descriptor 0 as ``sys.stdin`` if code closed it."""
    for name in ("stdin", "__stdin__"):
        stream = getattr(sys, name, None)
        if stream is not None and getattr(stream, "closed", False):
            try:
                setattr(sys, name, open(0, encoding=stream.encoding,
                                        errors="replace", closefd=False))
            except (OSError, ValueError):
                pass

