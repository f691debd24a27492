"""Is this machine ready for the workshop?  A checklist, with fixes.

Run: ``python3 ready.py [URL ...]`` (no URL: the one in ``$DATABASE_URL``,
if set, which keeps a password out of ``ps``)

Checks Python, SQLAlchemy and the packages the slide runner needs, what
the SQLite library can do, the terminal, the optional database drivers,
which throwaway servers ``--db postgresql`` / ``--db mariadb`` can start,
and whether each database URL given on the command line answers (the
words ``postgresql`` and ``mariadb`` start a throwaway server and try
it).  Every failing line says how to fix it; optional items only warn.
Exit status 0 when ready.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import sys
import time
from typing import Callable, Iterator, Tuple

OK, WARN, FAIL = "OK", "WARN", "FAIL"
HERE = os.path.dirname(os.path.abspath(__file__))
#: in a clone (pyproject.toml beside this file) the fixes install it
#: editable; elsewhere they name what a package index has
CLONE = os.path.exists(os.path.join(HERE, "pyproject.toml"))
IN_VENV = sys.prefix != getattr(sys, "base_prefix", sys.prefix)
#: ``python`` in a virtual environment and on Windows; Debian's own
#: Python is ``python3``
PYTHON = "python" if IN_VENV or os.name == "nt" else "python3"
PIP = f"{PYTHON} -m pip install"
#: the tutorial is on no package index: it installs from its clone
INSTALL = (f"{PIP} -e ." if CLONE
           else f"in the tutorial's clone: {PIP} -e .")
#: the database drivers, all at once: the ``servers`` extra, or by name
SERVERS = (f"{PIP} -e '.[servers]'" if CLONE
           else f"{PIP} 'psycopg[binary]' PyMySQL aiomysql")
VENV = (r"py -m venv .venv; .venv\Scripts\Activate.ps1" if os.name == "nt"
        else "python3 -m venv .venv && . .venv/bin/activate")
# typing.Tuple, not tuple[...]: this file must run (and say "too old") on
# the old Pythons it rejects.
Line = Tuple[str, str, str]  # (status, what, how to fix or a note)

# The packages of pyproject.toml: (import name, distribution, lowest).
PACKAGES = [
    ("rich", "rich", (13,)),
    ("prompt_toolkit", "prompt_toolkit", (3, 0, 40)),
    ("pygments", "Pygments", (2, 15)),
    # the per-task session scope of part 3 runs on asyncio
    ("aiosqlite", "aiosqlite", (0, 20)),
    ("greenlet", "greenlet", (1,)),
]
# The ``servers`` extra of pyproject.toml: (import name, distribution,
# the server it drives).
DRIVERS = [
    ("psycopg", "psycopg", "PostgreSQL"),
    ("pymysql", "PyMySQL", "MariaDB/MySQL"),
    ("aiomysql", "aiomysql", "MariaDB/MySQL under asyncio"),
]
# What the tutorial's SQL may use, the SQLite version that brought it,
# and a statement that fails without it.
SQLITE_FEATURES = [
    ("UPSERT (ON CONFLICT)", "3.24",
     "INSERT INTO t (x) VALUES (0) ON CONFLICT DO NOTHING"),
    ("window functions", "3.25", "SELECT row_number() OVER () FROM t"),
    ("JSON functions", "3.38 built in",
     "SELECT json_extract('{\"a\": 1}', '$.a')"),
    ("RETURNING", "3.35", "INSERT INTO t (x) VALUES (2) RETURNING x"),
    ("ALTER TABLE DROP COLUMN", "3.35", "ALTER TABLE t DROP COLUMN y"),
]


def version_tuple(text: str) -> tuple[int, ...]:
    """``"2.1.9"`` -> ``(2, 1, 9)``; stops at the first non-number."""
    parts = []
    for piece in text.split("."):
        digits = "".join(c for c in piece if c.isdigit())
        if not digits or digits != piece[: len(digits)]:
            if digits:
                parts.append(int(digits))
            break
        parts.append(int(digits))
    return tuple(parts)


def installed_version(module: str, distribution: str) -> str | None:
    """The version of an importable package, or None if it is missing."""
    import importlib
    from importlib import metadata

    try:
        imported = importlib.import_module(module)
    except ImportError:
        return None
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return str(getattr(imported, "__version__", "?"))


def check_python() -> Iterator[Line]:
    version = ".".join(map(str, sys.version_info[:3]))
    if sys.version_info >= (3, 11):
        yield OK, f"Python {version}", ""
        if IN_VENV:
            yield OK, f"a virtual environment ({sys.prefix})", ""
        else:
            yield WARN, "not in a virtual environment (Debian's own "\
                "Python refuses pip install there)", f"{VENV}, then {SERVERS}"
    else:
        yield FAIL, f"Python {version} is too old (3.11 or newer needed)", (
            "install Python 3.11+ (e.g. apt-get install -y python3.11) "
            "and run this with it"
        )


def check_packages() -> Iterator[Line]:
    found = installed_version("sqlalchemy", "SQLAlchemy")
    if found is None:
        yield FAIL, "SQLAlchemy not installed", INSTALL
    elif not (2, 1) <= version_tuple(found) < (2, 2):
        yield FAIL, f"SQLAlchemy {found} (2.1.x needed)", (
            f"{PIP} 'SQLAlchemy>=2.1,<2.2'  (or: {INSTALL})"
        )
    else:
        yield OK, f"SQLAlchemy {found}", ""
    for module, distribution, lowest in PACKAGES:
        found = installed_version(module, distribution)
        need = ".".join(map(str, lowest))
        if found is None:
            yield FAIL, f"{distribution} not installed", INSTALL
        elif version_tuple(found) < lowest:
            yield FAIL, f"{distribution} {found} ({need} or newer needed)", (
                f"{PIP} -U '{distribution}>={need}'"
            )
        else:
            yield OK, f"{distribution} {found}", ""


def check_sqlite() -> Iterator[Line]:
    db = sqlite3.connect(":memory:")
    try:
        db.execute("CREATE TABLE t (x INTEGER PRIMARY KEY, y INTEGER)")
        db.execute("INSERT INTO t VALUES (0, 0)")
        lacking = []
        for name, since, statement in SQLITE_FEATURES:
            try:
                db.execute(statement).fetchall()
            except sqlite3.Error:
                lacking.append(f"{name} ({since})")
    finally:
        db.close()
    version = sqlite3.sqlite_version
    if lacking:
        yield WARN, f"SQLite {version} lacks " + ", ".join(lacking), (
            "slides using these fail on SQLite; use a Python built with "
            "SQLite 3.38+, or run decks with --db postgresql"
        )
    else:
        yield OK, f"SQLite {version} (has RETURNING, JSON, window "\
            "functions)", ""


def check_terminal() -> Iterator[Line]:
    if not sys.stdout.isatty():
        yield WARN, "output is not a terminal", (
            "the slides need an interactive terminal; run this in one "
            "to check its size and colours"
        )
        return
    size = shutil.get_terminal_size()
    if size.columns >= 80 and size.lines >= 24:
        yield OK, f"terminal {size.columns}x{size.lines}", ""
    else:
        yield WARN, f"terminal {size.columns}x{size.lines} is small", (
            "make the window at least 80x24 (or the font smaller)"
        )
    term = os.environ.get("TERM", "")
    if "NO_COLOR" in os.environ:
        yield OK, "colour off (NO_COLOR is set)", ""
    elif term in ("", "dumb"):
        yield WARN, f"TERM={term or '(unset)'}: no colours", (
            "export TERM=xterm-256color"
        )
    else:
        depth = ("truecolor" if os.environ.get("COLORTERM") in
                 ("truecolor", "24bit") else
                 "256 colours" if "256" in term else "basic colours")
        yield OK, f"colour: {depth} (TERM={term})", ""
    encoding = (sys.stdout.encoding or "").lower().replace("-", "")
    if encoding == "utf8":
        yield OK, "UTF-8 output", ""
    else:
        yield WARN, f"output encoding is {sys.stdout.encoding}", (
            "export LANG=C.UTF-8 (box drawing and arrows need UTF-8)"
        )


def check_drivers() -> Iterator[Line]:
    for module, distribution, server in DRIVERS:
        found = installed_version(module, distribution)
        if found is None:
            yield WARN, f"{distribution} not installed (optional: "\
                f"{server})", f"all the drivers: {SERVERS}"
        else:
            yield OK, f"{distribution} {found} ({server} driver)", ""


def check_servers() -> Iterator[Line]:
    from workshop_db import servers

    for kind in servers.KINDS:
        reason = servers.unavailable_reason(kind)
        if reason is None:
            yield OK, f"can start a throwaway {kind} server "\
                f"(--db {kind})", ""
        else:
            yield WARN, f"cannot start a {kind} server (optional)", reason


def check_url(url: str) -> Iterator[Line]:
    """Connect to ``url`` (or a throwaway server) and report its version."""
    try:
        import sqlalchemy
        from sqlalchemy.engine import make_url
    except ImportError:
        yield FAIL, f"{url}: cannot try it without SQLAlchemy", INSTALL
        return
    began = time.perf_counter()
    if url in ("postgresql", "mariadb"):
        from workshop_db import servers

        try:
            url = servers.shared_server(url).url()
        except servers.ServerError as exc:
            yield FAIL, f"{url}: {str(exc).splitlines()[0]}", (
                servers.unavailable_reason(url) or "see the message above"
            )
            return
    try:
        shown = make_url(url).render_as_string(hide_password=True)
        backend = make_url(url).get_backend_name()
    except Exception as exc:  # any malformed URL: report, don't crash
        given = url if "@" not in url else "(the URL given)"  # a password?
        yield FAIL, f"{given}: not a database URL ({exc})", (
            "e.g. postgresql+psycopg://USER:PASSWORD@HOST/DB"
        )
        return
    # Don't hang on a host that drops packets.
    args = {} if backend == "sqlite" else {"connect_timeout": 5}
    try:
        engine = sqlalchemy.create_engine(url, connect_args=args)
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
            info = conn.dialect.server_version_info or ()
        engine.dispose()
    except Exception as exc:
        yield FAIL, f"{shown}: cannot connect: {first_line(exc)}", (
            url_fix(exc)
        )
        return
    version = ".".join(map(str, info)) or sqlite3.sqlite_version
    seconds = time.perf_counter() - began
    yield OK, f"{shown}: {backend} {version} answers ({seconds:.2f}s)", ""


def first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return (text.splitlines() or [type(exc).__name__])[0][:160]


def url_fix(exc: BaseException) -> str:
    """A likely fix for a failed connection, from the error's text."""
    text = str(exc).lower()
    if isinstance(exc, ImportError) or "no module named" in text:
        return f"install the drivers: {SERVERS}"
    if "can't load plugin" in text:
        return "check the URL's dialect name, e.g. postgresql+psycopg://"
    if "refused" in text or "can't connect" in text:
        return "is the server running on that host and port?"
    if "password" in text or "access denied" in text:
        return "check the user name and password in the URL"
    if "does not exist" in text or "unknown database" in text:
        return "create the database first, or name one that exists"
    return "check the URL, and that the server is reachable from here"


SECTIONS: list[tuple[str, Callable[[], Iterator[Line]]]] = [
    ("Python", check_python),
    ("Packages", check_packages),
    ("SQLite", check_sqlite),
    ("Terminal", check_terminal),
    ("Database drivers", check_drivers),
    ("Throwaway servers", check_servers),
]


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def colours() -> dict[str, str]:
    """ANSI colours per status, or none for a file, a pipe or NO_COLOR."""
    plain = (
        not sys.stdout.isatty() or "NO_COLOR" in os.environ
        or os.environ.get("TERM") == "dumb"
    )
    if plain:
        return {OK: "", WARN: "", FAIL: "", "end": ""}
    return {OK: "\033[32m", WARN: "\033[33m", FAIL: "\033[1;31m",
            "end": "\033[0m"}


def main(argv: list[str] | None = None) -> int:
    urls = sys.argv[1:] if argv is None else argv
    if any(arg in ("-h", "--help") for arg in urls):
        print(__doc__)
        return 0
    paint = colours()
    sections = list(SECTIONS)
    title = "Databases named on the command line"
    if not urls and os.environ.get("DATABASE_URL"):
        urls, title = [os.environ["DATABASE_URL"]], "Database in DATABASE_URL"
    if urls:
        sections.append((title, lambda: (
            line for url in urls for line in check_url(url)
        )))
    counts = {OK: 0, WARN: 0, FAIL: 0}
    for title, check in sections:
        print(f"{title}:")
        try:
            lines = list(check())
        except Exception as exc:  # a check must never stop the others
            lines = [(FAIL, f"the check crashed: {first_line(exc)}",
                      "please report this")]
        for status, what, fix in lines:
            counts[status] += 1
            print(f"  {paint[status]}{status:<4}{paint['end']}  {what}")
            if fix:
                label = "fix" if status == FAIL else "note"
                print(f"        {label}: {fix}")
    print()
    if counts[FAIL]:
        print(f"{paint[FAIL]}NOT READY{paint['end']}: "
              f"{plural(counts[FAIL], 'problem')} above; each says how to "
              "fix it.")
        return 1
    tail = f" ({plural(counts[WARN], 'warning')} about optional things)" \
        if counts[WARN] else ""
    print(f"{paint[OK]}READY{paint['end']}{tail}.")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # `python ready.py | head`: the reader left
        sys.stderr.close()
        sys.exit(1)
