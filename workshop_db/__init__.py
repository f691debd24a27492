"""Workshop databases: throwaway PostgreSQL and MariaDB servers, URL choice.

Not a recipe: the infrastructure the decks, the case-study demos, the
tests, ``ready.py`` and the benchmarks share.  Modules, arrows one way:

- :mod:`workshop_db.urls`: :func:`resolve_url` (``--db`` / ``TUTORIAL_DB``
  / SQLite in memory), :data:`SERVER_KINDS`;
- :mod:`workshop_db.servers`: start, share, fault and stop servers
  (``python -m workshop_db.servers`` tries each kind);
- :mod:`workshop_db.postgresql`, :mod:`workshop_db.mariadb`: one backend
  each, both built on :mod:`workshop_db.base`;
- :mod:`workshop_db.demo`: the ``--db`` option of the workshop's demos;
- :mod:`workshop_db.serve`: ``python -m workshop_db serve KIND``, a
  server for as long as it runs, its URL in a file only you can read.

Importing this package is cheap: the server modules load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .urls import SERVER_KINDS, SQLITE_MEMORY, resolve_url

if TYPE_CHECKING:
    from .base import Server

__all__ = ["SERVER_KINDS", "SQLITE_MEMORY", "resolve_url", "shared_server"]


def shared_server(kind: str) -> Server:
    """The process's one ``kind`` server (:func:`servers.shared_server`)."""
    from . import servers

    return servers.shared_server(kind)
