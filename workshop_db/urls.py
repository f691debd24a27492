"""Which database a demo, deck, test or benchmark uses.

Decks read the choice from the ``TUTORIAL_DB`` environment variable, which
``sliderepl --db URL DECK`` sets; demos from ``--db``.  A server kind
(``postgresql``, ``mariadb``) instead of a URL starts a throwaway server.
"""

from __future__ import annotations

import os

SQLITE_MEMORY = "sqlite://"
SERVER_KINDS = ("postgresql", "mariadb")


def resolve_url(db: str | None = None) -> str:
    """The URL a demo or deck should use.

    ``db`` wins; then the ``TUTORIAL_DB`` environment variable; then
    SQLite in memory.  A server kind instead of a URL starts (once per
    process) a throwaway server of that kind and returns its URL.
    """
    choice = db or os.environ.get("TUTORIAL_DB") or SQLITE_MEMORY
    if choice in SERVER_KINDS:
        from . import servers  # only callers that ask for a server pay for it

        return servers.shared_server(choice).url()
    return choice
