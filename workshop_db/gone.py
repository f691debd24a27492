"""One line for a slide whose database stopped answering.

``describe_error(exc)`` is the tutorial's answer to sliderepl's
``describe_error`` hook (``_config.py``): when slide code raised because
the deck's server is gone (the connection was invalidated, or a connect
failed) it names the database and says what to do; for anything else it
says nothing (None).  Whether the server is gone is asked of the server
itself (a TCP connect to its port), so a lock timeout or a deadlock on a
live server is never called a dead one.
"""

from __future__ import annotations

import os
import socket
import sys

from .urls import SERVER_KINDS, resolve_url

#: default ports, for a URL that names none
_PORTS = {"postgresql": 5432, "mysql": 3306, "mariadb": 3306}

#: seconds the TCP probe of the server's port may take
PROBE_TIMEOUT = 1.0


def describe_error(exc: BaseException) -> str | None:
    """The line to show under ``exc``'s traceback, or None."""
    if "sqlalchemy" not in sys.modules:
        return None  # no SQLAlchemy, no database error
    if not any(_connection_lost(e) for e in _chain(exc)):
        return None
    choice = os.environ.get("TUTORIAL_DB") or ""
    throwaway = choice in SERVER_KINDS
    if throwaway:
        from . import servers

        known = servers._shared.get(choice)
        if not isinstance(known, servers.Server):
            return None  # never started: its own error says why
        url = known.url()
    elif choice:
        url = resolve_url(choice)
    else:
        return None
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return None
    if not any(_timed_out(e) for e in _chain(exc)) and _answers(
            parsed.host, parsed.port or _PORTS.get(parsed.get_backend_name())):
        return None
    # no query: the timeouts and options are noise in this line
    shown = parsed.set(query={}).render_as_string(hide_password=True)
    if throwaway:
        return (f"the throwaway {choice} server this session started "
                f"({shown}) is not answering: leave the deck (!quit) and "
                "start it again for a new server")
    return (f"the database at {shown} is not answering: restart it, "
            "then !reset (or !rerun)")


def _chain(exc: BaseException) -> list[BaseException]:
    found: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in found:
        found.append(current)
        current = current.__cause__ or current.__context__
    return found


def _connection_lost(exc: BaseException) -> bool:
    from sqlalchemy.exc import DBAPIError, OperationalError

    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, OperationalError)


def _timed_out(exc: BaseException) -> bool:
    """A connect that gave up (libpq: "timeout expired", PyMySQL:
    "timed out"): something accepted it and never answered."""
    text = str(exc)
    return "timeout expired" in text or "(timed out)" in text


def _answers(host: str | None, port: int | None) -> bool:
    """Does something accept TCP connections at ``host:port`` and answer
    within :data:`PROBE_TIMEOUT`?  (A socket path: assumed so.)"""
    if not host or host.startswith("/"):
        return True
    try:
        with socket.create_connection((host, port or 0),
                                      timeout=PROBE_TIMEOUT):
            return True
    except OSError:
        return False
