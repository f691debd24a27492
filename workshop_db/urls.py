"""Which database a demo, deck, test or benchmark uses.

Decks read the choice from the ``TUTORIAL_DB`` environment variable, which
``sliderepl --db URL DECK`` sets; demos from ``--db``.  A server kind
(``postgresql``, ``mariadb``) instead of a URL starts a throwaway server.

Every server URL handed out carries a connect timeout
(``workshop_db.base.CONNECT_TIMEOUT`` seconds): a server that is gone,
or that accepts connections and never answers, fails a slide in seconds
instead of hanging it.  libpq's ``connect_timeout`` covers the whole handshake;
PyMySQL's covers only the TCP connect and reads the handshake with its
``read_timeout``, so MySQL drivers also get ``READ_TIMEOUT``, long
enough for every wait a slide shows on purpose (and for the 30 s lock
wait of the servers' admin connections).  PostgreSQL gets no statement
timeout: a live server that is slow is not a dead one.
"""

from __future__ import annotations

import os

SQLITE_MEMORY = "sqlite://"
SERVER_KINDS = ("postgresql", "mariadb")


#: the timeouts each driver's connect() takes (values: workshop_db.base)
_TIMEOUTS = {
    "psycopg": ("connect_timeout",),
    "psycopg2": ("connect_timeout",),
    "pymysql": ("connect_timeout", "read_timeout"),
    "mysqldb": ("connect_timeout", "read_timeout"),
}

#: what to pip install for a driver module (by default: its own name)
_PACKAGES = {
    "psycopg": "'psycopg[binary]'",  # the binary build carries libpq
    "psycopg2": "psycopg2-binary",
    "pymysql": "PyMySQL",
    "MySQLdb": "mysqlclient",
}


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
    return with_connect_timeout(choice)


def with_connect_timeout(url: str) -> str:
    """``url`` with the driver's timeouts (``connect_timeout``, and
    ``read_timeout`` for MySQL drivers) added where the URL does not set
    them already (other URLs come back unchanged).  A URL that parses
    comes back as a :class:`~workshop_db.base.SecretURL`: its repr masks
    the password, wherever it came from."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError:
        return url  # create_engine will say what is wrong with it
    from .base import CONNECT_TIMEOUT, READ_TIMEOUT, SecretURL

    seconds = {"connect_timeout": CONNECT_TIMEOUT,
               "read_timeout": READ_TIMEOUT}
    missing = {name: str(seconds[name])
               for name in _TIMEOUTS.get(parsed.get_driver_name(), ())
               if name not in parsed.query}
    if not missing:
        return SecretURL(url)
    timed = parsed.update_query_dict(missing)
    return SecretURL(timed.render_as_string(hide_password=False))


def check_choice(value: str) -> str:
    """``value`` if it is a server kind or a URL whose dialect and driver
    load; else ValueError saying why in one line (password masked)."""
    if value in SERVER_KINDS:
        return value
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    kinds = ", ".join(SERVER_KINDS)
    try:
        parsed = make_url(value)
    except ArgumentError:
        shown = repr(value) if "@" not in value else "(the value given)"
        raise ValueError(
            f"{shown} is not a database URL: give {kinds} (a throwaway "
            "server) or a URL such as sqlite:///file.db") from None
    shown = parsed.render_as_string(hide_password=True)
    try:
        dialect = parsed.get_dialect()
    except NoSuchModuleError:
        raise ValueError(
            f"{shown}: not a database URL (SQLAlchemy has no dialect "
            f"{parsed.drivername!r}): give {kinds} (a throwaway server) or "
            "a URL such as sqlite:///file.db") from None
    try:
        dialect.import_dbapi()
    except ImportError as exc:
        module = (exc.name or str(exc)).split(".")[0]
        package = _PACKAGES.get(module, module)
        raise ValueError(
            f"{shown}: its driver {module!r} is not installed "
            f"(pip install {package})") from None
    return value
