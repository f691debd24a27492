"""Is a slide runner already at work in this process?

A deck's preamble calls ``sliderepl.launch.deck(__file__)`` when the file
runs as a script.  If that happens while a runner is running (slide code
that imports a deck, or ``runpy``-runs one), starting a second runner
would be wrong: :func:`is_active` lets ``launch`` do nothing instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

_depth = 0


def is_active() -> bool:
    """True while a runner (``cli.main`` or slide code) is running."""
    return _depth > 0


@contextmanager
def running() -> Iterator[None]:
    """Mark a runner as active for the duration of the block."""
    global _depth
    _depth += 1
    try:
        yield
    finally:
        _depth -= 1
