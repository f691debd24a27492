"""Helpers the disconnect tests share: break pooled connections, count
the uses that fail.  (The recipe, ``casestudies/disconnects.py``, keeps
its own private copies in its demo part; what a developer copies is only
``install_checkout_ping``.)"""

from __future__ import annotations

import logging
import time
from contextlib import ExitStack
from typing import Any

from sqlalchemy import create_engine, exc, text
from sqlalchemy.engine import Engine
from sqlalchemy.pool import NullPool

from casestudies.disconnects import install_checkout_ping
from workshop_db.servers import session_id

#: The three ways to meet a dead connection that the tests compare.
PRECAUTIONS = ("none", "pre_ping", "checkout_ping")


def make_engine(url: str, precaution: str, **kw: Any) -> Engine:
    """An engine with one of the :data:`PRECAUTIONS`."""
    if precaution not in PRECAUTIONS:
        raise ValueError(f"precaution must be one of {PRECAUTIONS}")
    engine = create_engine(url, pool_pre_ping=precaution == "pre_ping", **kw)
    if precaution == "checkout_ping":
        install_checkout_ping(engine)
    return engine


def count_failures(engine: Engine, uses: int) -> int:
    """Use the engine ``uses`` times; count uses that hit a disconnect."""
    failures = 0
    for _ in range(uses):
        try:
            with engine.connect() as cx:
                cx.execute(text("SELECT 1")).scalar_one()
        except exc.DBAPIError as err:
            if not err.connection_invalidated:
                raise
            failures += 1
    return failures


def warm_up(engine: Engine, connections: int) -> list[tuple[Any, Any]]:
    """Open ``connections`` at once and return them to the pool, as
    ``(dbapi_connection, server_session_id)`` (the id is None on SQLite)."""
    found = []
    with ExitStack() as stack:
        for _ in range(connections):
            cx = stack.enter_context(engine.connect())
            sid = None if engine.dialect.name == "sqlite" else session_id(cx)
            found.append((cx.connection.dbapi_connection, sid))
    return found


def kill_session(url: str, sid: int) -> None:
    """Terminate one PostgreSQL / MariaDB session over SQL; wait for it."""
    admin = create_engine(
        url, poolclass=NullPool, isolation_level="AUTOCOMMIT"
    )
    try:
        with admin.connect() as cx:
            if admin.dialect.name == "postgresql":
                cx.execute(
                    text("SELECT pg_terminate_backend(:pid, 10000)"),
                    {"pid": sid},
                )
                return
            cx.execute(text(f"KILL {int(sid)}"))
            gone = text(
                "SELECT COUNT(*) FROM information_schema.PROCESSLIST "
                "WHERE ID = :id"
            )
            for _ in range(500):
                if not cx.execute(gone, {"id": sid}).scalar():
                    return
                time.sleep(0.01)
            raise RuntimeError(f"session {sid} did not end")
    finally:
        admin.dispose()


def quiet_pool_close_errors() -> None:
    """Keep PyMySQL's "Exception terminating connection" logs off stderr."""
    pool_logger = logging.getLogger("sqlalchemy.pool")
    handlers = pool_logger.handlers
    if not any(isinstance(h, logging.NullHandler) for h in handlers):
        pool_logger.addHandler(logging.NullHandler())
