"""The command line every case-study demo shares: ``--db URL``.

``python -m casestudies.NAME`` runs the demo on SQLite in memory.
``--db URL`` points it at a database you already have; ``--db postgresql``
or ``--db mariadb`` starts a throwaway server of that kind on 127.0.0.1
for the length of the demo (see :mod:`casestudies.servers`).  Decks read
the same choice from the ``TUTORIAL_DB`` environment variable, which
``sliderepl --db URL DECK`` sets.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

SQLITE_MEMORY = "sqlite://"
SERVER_KINDS = ("postgresql", "mariadb")


def parse_args(
    argv: Sequence[str] | None, doc: str | None
) -> argparse.Namespace:
    """Parse a demo's command line: only ``--db`` so far.

    ``doc`` is the demo module's docstring: its first paragraph (the
    "Illustrates ..." sentence) becomes the ``--help`` description.
    ``--db postgresql`` or ``--db mariadb`` where that server can't be
    started exits with a usage error saying what to install.
    """
    summary = " ".join(doc.split("\n\n", 1)[0].split()) if doc else None
    parser = argparse.ArgumentParser(description=summary)
    parser.add_argument(
        "--db",
        metavar="URL",
        default=None,
        help="database URL, or 'postgresql' / 'mariadb' to start a "
        "throwaway server (default: SQLite in memory)",
    )
    args = parser.parse_args(argv)
    if args.db in SERVER_KINDS:
        from . import servers

        # Say now, in one line, what to install, rather than fail later.
        reason = servers.unavailable_reason(args.db)
        if reason is not None:
            parser.error(f"--db {args.db}: {reason}")
    return args


def resolve_url(db: str | None = None) -> str:
    """The URL a demo or deck should use.

    ``db`` wins; then the ``TUTORIAL_DB`` environment variable; then
    SQLite in memory.  A server kind instead of a URL starts (once per
    process) a throwaway server of that kind and returns its URL.
    """
    choice = db or os.environ.get("TUTORIAL_DB") or SQLITE_MEMORY
    if choice in SERVER_KINDS:
        from . import servers  # only demos that ask for a server pay for it

        return servers.shared_server(choice).url()
    return choice


def single_connection_engine(url: str) -> Engine:
    """An engine whose pool holds exactly one DBAPI connection.

    Demos use it to show what one checkout leaves behind for the next:
    every checkout is provably the same connection.  SQLite in memory
    gets a ``StaticPool``, since each new connection there would be a new,
    empty database.
    """
    from sqlalchemy import create_engine
    from sqlalchemy.pool import StaticPool

    if url.startswith("sqlite") and url.endswith(("://", ":memory:")):
        return create_engine(url, poolclass=StaticPool)
    return create_engine(url, pool_size=1, max_overflow=0)
