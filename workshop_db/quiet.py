"""SQL the slide is not about, kept off the screen.

``with unechoed(): ...`` runs its block as written while the
``sqlalchemy.engine`` logger (the runner's SQL echo) is raised to WARNING,
then puts the level back: the decks wrap table set-up, admin connections
and read-backs in it so the echo shows the statements a slide teaches.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator


@contextlib.contextmanager
def unechoed() -> Iterator[None]:
    """The block's SQL is not echoed; the logger's level comes back."""
    log = logging.getLogger("sqlalchemy.engine")
    level = log.level
    log.setLevel(logging.WARNING)
    try:
        yield
    finally:
        log.setLevel(level)
