"""The tutorial's decks as sliderepl sees them (``sliderepl.deck.collection``).

sliderepl knows nothing of this tutorial: this file tells it which files
are the decks (for the menu), adds ``--db URL|postgresql|mariadb`` to its
command line and hands the choice to the decks in ``TUTORIAL_DB`` (the
decks resolve it, and start a throwaway server for a server kind, with
``workshop_db.resolve_url`` / ``workshop_db.shared_server``),
rejects a ``--db`` that names no usable database before the first slide
(exit 2), names a database that stops answering under the slide's
traceback (``describe_error``), and keeps ``sliderepl check`` on SQLite,
the database its transcripts were recorded on.  Installed, it is the
``sliderepl.decks`` entry point ``extending-sqlalchemy``.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterator
from contextlib import contextmanager

DECKS = "part*.py"

#: ``sliderepl lint`` reports every prose sentence with an absolute word
#: or a figure that no ``### claim::`` on its slide proves
LINT_CLAIMS = True
#: ... and every slide without a speaker note (the notes window shows them)
LINT_NOTES = True

#: the environment variable the decks read their database from
ENV = "TUTORIAL_DB"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from workshop_db import SERVER_KINDS

    kinds = " or ".join(f"'{kind}'" for kind in SERVER_KINDS)
    parser.add_argument(
        "--db", metavar="URL", action=_Database,
        help=f"database for the deck (sets {ENV}); {kinds} start a "
        "throwaway server",
    )


class _Database(argparse.Action):
    """``--db``, checked as it is parsed: a value that names no usable
    database ends the command with one line (no usage block), exit 2."""

    def __call__(self, parser: argparse.ArgumentParser,
                 namespace: argparse.Namespace, values: object,
                 option_string: str | None = None) -> None:
        from workshop_db.urls import check_choice

        try:
            setattr(namespace, self.dest, check_choice(str(values)))
        except ValueError as exc:
            parser.exit(2, f"{parser.prog}: error: --db {exc}\n")


def describe_error(exc: BaseException) -> str | None:
    """A line under a slide's traceback when its database is gone."""
    from workshop_db.gone import describe_error as describe

    return describe(exc)


def prepare(args: argparse.Namespace) -> None:
    """Export ``--db`` for the decks (they call ``resolve_url()``)."""
    db = getattr(args, "db", None)
    if db:
        os.environ[ENV] = db


@contextmanager
def recording() -> Iterator[None]:
    """Stored transcripts are SQLite's output: ``TUTORIAL_DB`` is set
    aside while a deck runs for ``sliderepl check``."""
    saved = os.environ.pop(ENV, None)
    try:
        yield
    finally:
        if saved is not None:
            os.environ[ENV] = saved
