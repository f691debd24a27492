"""A throwaway server for as long as you want one, and a URL you can use.

``python -m workshop_db serve postgresql`` (or ``mariadb``) starts a
private server on 127.0.0.1, as the tests and ``--db postgresql`` do,
and keeps it until Ctrl-C (or SIGTERM, SIGHUP), which stops it and
deletes its files.  Its full URL, password included, goes to a file only
you can read (0600, in the server's own 0700 folder, which goes with it);
what is printed is that file's path and the line that exports it as
``DATABASE_URL``, the variable every recipe reads when it gets no
``--db``.  The password itself is never printed, nor put on a command
line: ``$(cat FILE)`` hands it to the shell, and the shell to the
program's environment.
"""

from __future__ import annotations

import os
import shlex
import signal
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from .base import KINDS, ServerError, masked

#: the name of the URL's file in the server's folder
URL_FILE = "url"


class _Stop(Exception):
    """A signal asked us to stop (raised from its handler)."""


def export_line(path: str) -> str:
    """The shell line that puts the URL in ``path`` into DATABASE_URL."""
    if os.name == "nt":
        return f'$env:DATABASE_URL = Get-Content "{path}"'
    return f'export DATABASE_URL="$(cat {shlex.quote(path)})"'


def write_url(folder: str, url: str) -> str:
    """Write ``url`` to a new 0600 file in ``folder``; return its path."""
    path = os.path.join(folder, URL_FILE)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(url + "\n")
    return path


@contextmanager
def _signals_stop() -> Iterator[None]:
    """SIGTERM and SIGHUP end the wait as Ctrl-C does, through finally."""

    def handler(signum: int, frame: object) -> None:
        raise _Stop(signal.Signals(signum).name)

    saved = {}
    for name in ("SIGTERM", "SIGHUP"):  # no SIGHUP on Windows
        signum = getattr(signal, name, None)
        if signum is not None:
            saved[signum] = signal.signal(signum, handler)
    try:
        yield
    finally:
        for signum, previous in saved.items():
            signal.signal(signum, previous)


def serve(kind: str, out: TextIO = sys.stdout) -> int:
    """Run a ``kind`` server until a signal; 0 after a clean stop."""
    from . import servers

    reason = servers.unavailable_reason(kind)
    if reason is not None:
        print(f"serve {kind}: can't start a server here: {reason}",
              file=sys.stderr)
        return 2
    with _signals_stop():
        try:
            server = servers.new_server(kind)
        except ServerError as exc:
            print(f"serve {kind}: {exc}", file=sys.stderr)
            return 2
        try:
            print(f"starting a throwaway {kind} server ...", file=out,
                  flush=True)
            server.start()
            path = write_url(server.directory, server.url())
            print(
                f"{kind} is running (started in "
                f"{server.started_seconds:.1f}s): {masked(server.url())}\n"
                "Its URL, password included, is in this file, readable by "
                "you alone:\n"
                f"    {path}\n"
                "In another shell, export it and run a recipe with no --db:\n"
                f"    {export_line(path)}\n"
                "    python audit_log.py\n"
                "Ctrl-C here stops the server and deletes its files.",
                file=out, flush=True,
            )
            while True:
                time.sleep(3600)  # a signal ends the wait
        except (KeyboardInterrupt, _Stop):
            pass
        except ServerError as exc:
            print(f"serve {kind}: {exc}", file=sys.stderr)
            return 1
        finally:
            server.stop()  # the URL's file goes with the folder
            servers._live.discard(server)
    print(f"{kind} stopped; its files are deleted.", file=out, flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    """``serve KIND``: see the module's docstring."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m workshop_db",
        description="The tutorial's database helpers.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND",
                                     required=True)
    served = commands.add_parser(
        "serve", help="run a throwaway server until Ctrl-C",
        description="Start a private server on 127.0.0.1 and keep it "
        "until Ctrl-C, which stops it and deletes its files.  Its URL "
        "(password included) goes to a file only you can read; the "
        "command prints the file's path and the line that exports it as "
        "DATABASE_URL, which the recipes read when given no --db.",
    )
    served.add_argument("kind", metavar="KIND",
                        help=f"one of: {', '.join(KINDS)}")
    args = parser.parse_args(argv)
    if args.kind not in KINDS:
        served.error(f"unknown server kind {args.kind!r} "
                     f"(choose from {', '.join(KINDS)})")
    return serve(args.kind)
