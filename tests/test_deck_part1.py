"""part1.py runs headless, start to end, on each backend, and its output
proves what the slides claim."""

from __future__ import annotations

import re
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

DECK = ROOT / "part1.py"

# Lines every run must print, whatever the database: each one is a claim
# a slide makes.
EVERYWHERE = [
    # 2010 API gone, shown failing
    "AttributeError: 'Engine' object has no attribute 'execute'",
    "Not an executable object: 'SELECT 1'",
    "Invalid argument(s) 'listeners' sent to create_engine()",
    # engines, URLs, config
    # create_engine connects to nothing until the first use
    "pool: QueuePool | connections so far: 0",
    "connections after the first use: 1",
    # URL.create quotes what make_url then reads back
    "'postgresql+psycopg://scott:p%40ss%2Fw%3Ard@db.example.com/shop'",
    "'p@ss/w:rd'",
    "postgresql+psycopg://scott:***@db.example.com:5432/shop",
    "QueuePool size 3",
    "connections made by our creator: 1",
    "sqlite://                          SingletonThreadPool",
    # the default pools, asked of the dialect classes (no driver import)
    "mariadb+pymysql://u@host/db        QueuePool",
    "NullPool, 2 uses: opened 2 | closed 2",
    "Pool size: 2  Connections in pool: 2",
    # pool events fire, in order, and only the first use connects
    # uncommitted work is rolled back on the way back to the pool
    "  reset: rolling back the DBAPI connection\n",
    "rows: 0",
    # temp tables outlive the checkout, unless dropped on checkin
    "next checkout sees scratch: True",
    "next checkout sees scratch: False",
    # Connection.info: same dict on the next checkout; emptied on
    # invalidation
    "{'checkouts': 2} | same dict: True",
    "after invalidate: {}",
    "pool proxy: True",
    # connection events see constructs and SQL
    "  construct: Select\n",
    "  construct: Insert\n",
    # what each hook sees of hand-written SQL (the 2010 str branch is dead)
    "text()            [('before_execute', 'TextClause'), "
    "('before_cursor_execute', 'DELETE')]",
    "exec_driver_sql   [('before_cursor_execute', 'DELETE')]",
    "raw DBAPI cursor  no event at all",
    # retval=True rewrites the SQL; without it the return is ignored
    "  cursor ran: SELECT 1\n",
    "  cursor ran: SELECT 1 -- app: part1\n",
    "statements: 4 {'SELECT': 3, 'INSERT': 1}",
    # disconnects: without precaution exactly the first use fails
    "connections closed   none: 1/5  pre_ping: 0/5  checkout_ping: 0/5",
    "  invalidated        none: 1  pre_ping: 1  checkout_ping: 1\n",
    # the pool's retry count, counted
    "InvalidRequestError: This connection is closed | a DBAPIError: False",
    "listener ran: 2 times | same pool slot: True "
    "| DBAPI connections opened: 3",
    # why one use in five: the first failure invalidates the whole pool
    "use 1: failed | invalidated so far: 1 | reconnected so far: 0\n"
    "use 2: ok | invalidated so far: 1 | reconnected so far: 1\n"
    "use 3: ok | invalidated so far: 1 | reconnected so far: 2\n"
    "use 4: ok | invalidated so far: 1 | reconnected so far: 3\n"
    "use 5: ok | invalidated so far: 1 | reconnected so far: 3\n",
    # DisconnectionError: one connection; InvalidatePoolError: the pool
    "DisconnectionError   3 refused at checkout, 0 of 5 uses failed",
    "InvalidatePoolError  1 refused at checkout, 0 of 5 uses failed",
    # the checkout listener's body, shown by code_of()
    "raise exc.InvalidatePoolError(str(err)) from err",
    # audit log: the 2010 sequence, the leak, the fix
    "[(1, 123, 'inserted')]",
    "[(1, 456, 'updated')]",
    "[('by 789', 789), ('by nobody?', 789)]",
    "info on the next checkout: {}",
    "[('by 789 again', 789), ('by nobody', None)]",
    # cleanup on checkin, however the connection comes back
    "no listener      {'close': 789, 'exception': 789, 'rollback': 789, "
    "'invalidate': None}",
    "install_cleanup  {'close': None, 'exception': None, 'rollback': None, "
    "'invalidate': None}",
    # execution_options: per statement, nothing left for the next checkout
    "[('by 42', 42), ('no option', None), ('this Connection: 7', 7), "
    "('next checkout', None)]",
    # the 2010 ORM populator beside the recipe
    "2010 populator: next checkout stamps as 789",
    "the recipe:     next checkout stamps as None",
    "2010 populator: TimeoutError: QueuePool limit of size 1 overflow 0 "
    "reached",
    "the recipe:     next checkout works, info: {}",
    # change watcher
    "dirty: ['children', 'parents'] | reset_all: False",
    "emptied: ['children', 'parents']",
    "DELETEs sent: 2",
    "dirty: [] | reset_all: True",
    "emptied: ['children', 'untouched', 'parents']",
    # the rollback pattern leaves nothing behind, even after commit()
    "added by the test: 2 | left after: 0",
    # ...but a rollback() in the test defeats the default join mode
    "default mode:     (1, ['transaction already deassociated from "
    "connection'])",
    "create_savepoint: (0, [])",
    # dialects
    "mssql      SELECT TOP 5 records.data",
    "oracle     SELECT records.data, length(records.data) AS length_1 "
    "FROM records WHERE records.updated_by = 123 FETCH FIRST 5 ROWS ONLY",
    "sqlite SQLiteDialect_pysqlite",
]

PER_BACKEND = {
    "sqlite": [
        "this deck is running on: sqlite",
        "dialect: sqlite | driver: pysqlite",
        "(server only: run with --db postgresql or --db mariadb)",
        # PRAGMA is not transactional: kept without the commit too
        "checkout 1: 1\n",
        # no BEGIN from pysqlite: the SAVEPOINT was the transaction
        "plain engine: 1 | sqlite_begins: 0",
    ],
    "postgresql": [
        "this deck is running on: postgresql",
        "driver: psycopg",
        "checkout 2: 'part1'",
        # without commit, the pool's rollback undoes the SET
        "checkout 1: 'part1'\n",
        "checkout 2: ''\n",
        "plain engine: 0 | sqlite_begins: 0",
        "sessions killed      none: 1/5  pre_ping: 0/5  checkout_ping: 0/5",
    ],
    "mariadb": [
        "this deck is running on: mariadb",
        "driver: pymysql.connections",
        "checkout 2: '+01:00'",
        "plain engine: 0 | sqlite_begins: 0",
        "sessions killed      none: 1/5  pre_ping: 0/5  checkout_ping: 0/5",
    ],
}


def run_deck(*args: str, db: str | None = None) -> CompletedProcess[str]:
    return deckrun.run_deck(DECK, *args, db=db)


def check_common(result: CompletedProcess[str]) -> str:
    out = passed(result, "part1.py")
    assert_lines(out, EVERYWHERE)
    # Nothing left open at exit (python -W error makes it print, not fail).
    assert "ResourceWarning" not in result.stderr, result.stderr[-2000:]
    # Pool events fire in order; the second use makes no new connection.
    first, second = out.split("first use:", 1)[1].split("second use:", 1)
    second = second.split("===", 1)[0]
    assert re.findall(r"event: (\w+)", first) == [
        "first_connect", "connect", "checkout", "reset", "checkin"
    ]
    assert re.findall(r"event: (\w+)", second) == [
        "checkout", "reset", "checkin"
    ]
    assert "0x..." not in out  # no masked addresses either
    # Connection events for the transaction: a commit, then the rollback
    # of a connection closed without commit.
    # (two slides: the block that commits, then the one that does not).
    tx = out.split("Intercepting begin, commit and rollback", 1)[1]
    tx = tx.split("...and a block without commit()", 1)
    tx = tx[0] + tx[1].split("\n=== ", 1)[0]
    assert re.findall(r"event: (\w+)", tx) == [
        "begin", "commit", "begin", "rollback"
    ]
    # A connection that dies while checked out fails whatever the
    # precaution, and the failure invalidates it.
    covers = out.split("What no checkout check covers", 1)[1]
    covers = covers.split("\n=== ", 1)[0]
    assert re.findall(r"(\w+) +failed: \w+, invalidated: True", covers) == [
        "none", "pre_ping", "checkout_ping"
    ]
    # No echoed results of statements run inside a with block.
    assert "CursorResult object" not in out
    return out


def test_deck_on_each_backend(backend: str, db_url: str) -> None:
    out = check_common(run_deck(db=db_url))
    for line in PER_BACKEND[backend]:
        assert line in out, line
    # The fault slides echo no admin SQL (the sessions killed, on a server).
    real = out.split("Real faults on a real server", 1)[1]
    assert "SQL:" not in real.split("\n=== ", 1)[0]
    if backend == "sqlite":
        assert out.count("checkout 2: 1\n") == 2


@pytest.mark.backends("postgresql")
def test_deck_restarts_a_server_it_started(server) -> None:
    # With --db postgresql the deck owns its throwaway server and shows
    # a clean restart and a crash restart as well.  (``server`` only
    # makes the test skip, or fail in CI, where PostgreSQL cannot run.)
    out = check_common(run_deck("--db", "postgresql"))
    for fault in ("clean restart", "crash restart"):
        assert (
            f"{fault:20} none: 1/5  pre_ping: 0/5  checkout_ping: 0/5" in out
        ), fault


def test_deck_on_default_in_memory_sqlite() -> None:
    # What a learner gets with no options at all.
    out = check_common(run_deck())
    assert "this deck is running on: sqlite" in out


def test_short_version_runs_without_the_long_slides() -> None:
    # --short leaves out the "l" slides; nothing later depends on them.
    result = run_deck("--short")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    assert "=== " in result.stdout
    assert "Third-party dialects" not in result.stdout
    assert "{'checkouts': 2} | same dict: True" in result.stdout


def test_preamble_is_the_launch_contract() -> None:
    assert_launch_preamble(DECK, 1)


def test_case_study_code_is_shown_not_pasted() -> None:
    assert_shown_not_pasted(
        DECK,
        shown=[
            "code_of(disconnects.install_checkout_ping)",
            "source(audit_log.updated_by_column)",
            "source(audit_log.install_cleanup)",
            "code_of(statement_stats_module.statement_stats)",
            "code_of(change_watcher.ChangeWatcher._seen)",
            "code_of(change_watcher.ChangeWatcher.cleanup)",
        ],
        pasted=[
            "def install_checkout_ping",
            "def updated_by_column",
            "def install_cleanup",
            "class ChangeWatcher",
            "def tables_written",
        ],
    )


# Re-run in place, a slide that opens an engine which a later slide
# disposes (the three disconnect engines, ``audited``, ``single``) drops
# the first engine to the garbage collector, which closes its pooled
# connections; psycopg and PyMySQL say so with a ResourceWarning.  Only
# that is tolerated here; a headless run (above) must show none at all.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.filterwarnings("ignore::ResourceWarning")
def test_every_slide_can_be_run_again(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A presenter re-runs slides (!rerun, going back): each slide must
    # work a second time in the namespace its first run left behind.
    monkeypatch.setenv("TUTORIAL_DB", db_url)
    assert deckrun.rerun_failures(DECK) == []
