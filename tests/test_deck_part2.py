"""part2.py runs headless, start to end, on each backend, and its output
proves what the slides claim."""

from __future__ import annotations

from subprocess import CompletedProcess

import pytest

from tests import deckrun
from tests.deckrun import (
    ROOT,
    assert_launch_preamble,
    assert_lines,
    assert_shown_not_pasted,
    passed,
)

DECK = ROOT / "part2.py"

# Lines every run must print, whatever the database: each one is a claim
# a slide makes.
EVERYWHERE = [
    # 2010's bound / dynamic / proxy metadata: gone, and what replaced it
    "still there: []",
    "TypeError: MetaData.__init__() got an unexpected keyword argument "
    "'bind'",
    "elsewhere: ['addresses', 'users']",
    "late-bound session runs on: ",
    # best-fit types, with the real MariaDB dialect (native UUID)
    "mariadb     ['BOOL', 'DATETIME', 'UUID', 'BLOB']",
    "postgresql  ['BOOLEAN', 'TIMESTAMP WITHOUT TIME ZONE', 'UUID', 'BYTEA']",
    # aggregate_strings with its separator inline, no compiler placeholder
    "mariadb     group_concat(users.email SEPARATOR ', ')",
    "postgresql  string_agg(users.email, ', ')",
    # a Column cannot be shared; the factory and the mixin make new ones
    "Column object 'updated_at' already assigned to Table 'first'",
    ">>> Customer.__table__.c.updated_at is not invoices.c.updated_at\nTrue",
    # onupdate stamps an update() that leaves the column out, not one
    # that sets it
    "set by hand, kept: True | moved on UPDATE: True | now, UTC: True",
    # a ForeignKey(Column) crosses MetaData; by name it does not
    "FOREIGN KEY(user_id) REFERENCES users (id)",
    ">>> [t.name for t in other.sorted_tables]\n['orders_fk']",
    "NoReferencedTableError: Foreign key associated with column "
    "'notes_fk.user_id' could not find table 'users'",
    # ext.mutable keeps a key in Column.info
    "{'_ext_mutable_orig_type': ARRAY(String())}",
    # Timezone: ZoneInfo in, ZoneInfo out, one object per name
    "[('Paris', 'Europe/Paris'), ('Lyon', 'Europe/Paris'), "
    "('Vilnius', 'Europe/Vilnius'), ('Unknown', None)]",
    '>>> ZoneInfo("Europe/Paris") is ZoneInfo("Europe/Paris")\nTrue',
    ">>> rows[0].tz is rows[1].tz is paris\nTrue",
    ">>> in_paris\n['Paris', 'Lyon']",
    "not a known time zone name: 'Europe/Pariss'",
    "SAWarning: TypeDecorator NoCacheTimezone(length=64) will not "
    "produce a cache key",
    # the point type round-trips as tuples
    "[('Birmingham', (-1.89, 52.48)), ('Vilnius', (25.28, 54.69))]",
    # .info
    "E-mail address:  [email] VARCHAR(100)",
    # DDL triggers, templated over two tables
    "no trigger (invoices): raw UPDATE kept the old stamp: True",
    "explicit value kept: True",
    "raw UPDATE stamped by the trigger: True",
    # fixtures
    "expected, got Fixture2010(...)",
    "['United Kingdom', 'Lithuania']",
    # SQL expressions
    "[(1, 'Jason'), (2, '(no name)')]",
    "typed result: datetime",
    # the compiler extension
    "postgresql  SELECT (statement_timestamp() AT TIME ZONE 'UTC') "
    "AS utcnow_1",
    "mariadb     SELECT UTC_TIMESTAMP(6) AS utcnow_1",
    "other       SELECT CURRENT_TIMESTAMP AS utcnow_1",
    "utcnow() stored in a DateTime column is UTC: True",
    "Class utcnow_uncached will not make use of SQL compilation caching",
    "[('jek@example.com', 4), ('mike@example.com', 5)]",
]

PER_BACKEND = {
    "sqlite": [
        "raw driver value: str | typed: 2010-07-19 09:30:00",
        "SQL: \tat VARCHAR(60), ",
        # SQLite's CURRENT_TIMESTAMP is UTC
        "now() returns the right instant: True | time zone attached: False",
        "now() stored in a DateTime column is UTC: True",
        "stored: [\"email LIKE '%@%'\"]",
        # SQLite checks no VARCHAR length
        "stored, characters: 60",
        "(PostgreSQL with psycopg only: run with --db postgresql)",
        "created notes on sqlite",
        "(SQLite keeps no comments: run with --db postgresql or mariadb)",
        "(PostgreSQL only: run with --db postgresql)",
        "SQL: CREATE TRIGGER orders_touch AFTER UPDATE ON orders",
        "instr(users.email, ?) AS find_1",
    ],
    "postgresql": [
        "raw driver value: datetime | typed: 2010-07-19 09:30:00",
        "SQL: \tat POINT, ",
        "nearest to Warsaw: Vilnius",
        # now() is a correct timestamptz; a naive column keeps UTC+14
        "now() returns the right instant: True | time zone attached: True",
        "now() stored in a DateTime column is UTC: False",
        "2010 form is UTC: False",
        # the DDL doubles %, the server stores one
        "CHECK (email LIKE '%%@%%')",
        "stored: [\"email::text ~~ '%@%'::text\"]",
        "refused: StringDataRightTruncation",
        # a comment is a COMMENT ON after the CREATE TABLE
        "SQL: COMMENT ON TABLE people IS 'one row per person we write to'",
        # TIMESTAMP 'now' frozen once psycopg prepares the INSERT
        "  TIMESTAMP 'now': ['7', '8']\n",
        "  utcnow():        []\n",
        "now() moved: False",  # frozen for the transaction
        "utcnow() moved: True",
        "created notes on postgresql",
        "reflected: one row per person we write to",
        "SQL: CREATE TRIGGER payments_touch BEFORE UPDATE ON payments",
    ],
    "mariadb": [
        "raw driver value: datetime | typed: 2010-07-19 09:30:00",
        "SQL: \tat VARCHAR(60), ",
        # NOW() is the session's local time (UTC+13)
        "now() returns the right instant: False | time zone attached: False",
        "now() stored in a DateTime column is UTC: False",
        "stored: [\"`email` like '%@%'\"]",
        "refused: DataError",
        "created notes on mariadb",
        "reflected: one row per person we write to",
        "(PostgreSQL only: run with --db postgresql)",
        "SQL: CREATE TRIGGER orders_touch BEFORE UPDATE ON orders",
    ],
}


def run_deck(*args: str, db: str | None = None) -> CompletedProcess[str]:
    return deckrun.run_deck(DECK, *args, db=db)


def check_common(result: CompletedProcess[str]) -> str:
    out = passed(result, "part2.py")
    assert_lines(out, EVERYWHERE)
    assert "ResourceWarning" not in result.stderr, result.stderr[-2000:]
    # No echoed results from inside with blocks, no compiler placeholders.
    assert "CursorResult object" not in out
    assert "POSTCOMPILE" not in out
    # The second create_all inserted nothing: one INSERT per lookup table.
    assert out.count("SQL: INSERT INTO status (id, label)") == 1
    assert out.count("SQL: INSERT INTO country (code, name)") == 1
    return out


def test_deck_on_each_backend(backend: str, db_url: str) -> None:
    out = check_common(run_deck(db=db_url))
    for line in PER_BACKEND[backend]:
        assert line in out, line


def test_deck_on_default_in_memory_sqlite() -> None:
    # What a learner gets with no options at all.
    out = check_common(run_deck())
    assert "this deck is running on: sqlite" in out


def test_preamble_is_the_launch_contract() -> None:
    assert_launch_preamble(DECK, 2)


def test_case_study_code_is_shown_not_pasted() -> None:
    assert_shown_not_pasted(
        DECK,
        shown=[
            "source(timezones.Timezone.process_bind_param)",
            "source(timestamps.updated_at_column)",
            "source(fixtures.Fixture.load)",
            "source(utcnow_module.utcnow)",
        ],
        pasted=[
            "class Timezone(",
            "def updated_at_column(",
            "def timestamped_table(",
            "class Timestamped",
            "class Fixture:",
            "class utcnow(",
        ],
    )


def test_every_slide_can_be_run_again(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A presenter re-runs slides (!rerun, going back): each slide must
    # work a second time in the namespace its first run left behind.
    monkeypatch.setenv("TUTORIAL_DB", db_url)
    assert deckrun.rerun_failures(DECK) == []
