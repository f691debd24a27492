"""The workshop's own demos: ``--db`` parsing, one-connection engines.

``python -m casestudies.NAME`` runs a demo on SQLite in memory.
``--db URL`` points it at a database you already have; ``--db postgresql``
or ``--db mariadb`` starts a throwaway server of that kind on 127.0.0.1
for the length of the demo (see :mod:`workshop_db.servers`).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import TYPE_CHECKING

from .urls import SERVER_KINDS

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


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
