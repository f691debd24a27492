"""The Session chapter runs headless from first slide to last on every
backend, and its output shows what the slides claim."""

from __future__ import annotations

import re

from tests.deckrun import passed, run_deck

DECK = "tests/decks/session_chapter.py"


def run_chapter(*args: str) -> str:
    done = run_deck(DECK, *args, timeout=300)
    passed(done, "session_chapter.py")
    return done.stdout + done.stderr


def test_session_chapter_headless(backend: str, db_url: str) -> None:
    # One run per backend (a deck run costs seconds), three checks.
    if backend == "sqlite":
        transcript = run_chapter()  # the deck's default: SQLite
    else:
        transcript = run_chapter("--db", db_url)
    check_claims(transcript)
    check_savepoint_first_statement(backend, transcript)
    check_two_phase_commit(backend, transcript)


def lines_of(output: str) -> list[str]:
    return [line for line in output.splitlines()
            if not line.startswith(("SQL:", ">>> ", "... "))]


def check_claims(transcript: str) -> None:
    lines = lines_of(transcript)
    for expected in [
        # identity map: one object per row
        "same object: True",
        # not a cache: a query goes to the database, get() may not
        "select() sent 1 statement",
        "get() sent 0 statements",
        "get() of an expired object sent 1 statement",
        # the five states, in order
        "constructed:  transient",
        "after add:    pending",
        "after flush:  persistent",
        "after delete: deleted",
        "after commit: detached",
        "persistent -> detached Page(2, 'About', hits=0)",
        # a shared session across threads is caught mid-operation
        "IllegalStateChangeError: Method 'close()' can't be called here",
        # object_session / inspect(obj).session, then detached
        "True True",
        "None",
        "after rollback: 4 | object now transient",
        "added: 1",  # the savepoint kept one row of two
        "expired: {'hits'}",
        "hits now: 2",
        "ORDER BY balance: [10, 50, 5, 30]",  # sorted per shard only
        "distinct sessions: 4 | checked out: 0",
        "each task kept its own session: True | distinct sessions: 5",
        "session left behind: False | checked out: 0",
        "same within a thread: True",
        "after remove(), a new one: True",
        "chapter done",
    ]:
        assert expected in lines, expected
    assert re.search(r": 3\d slides, 0 failures", transcript)
    # The 'e' slide: a detached, expired object cannot load.
    assert "DetachedInstanceError" in transcript

    # The outer ROLLBACK undid what the joined session "committed".
    inside, after = map(int, re.search(
        r"pages inside the test: (\d+) \| after: (\d+)", transcript
    ).groups())
    assert inside == after + 1
    # session.execute() saw the session's own uncommitted row.
    inside, outside = map(int, re.search(
        r"inside: (\d+) pages; outside: (\d+)", transcript).groups())
    assert inside == outside + 1
    assert f"after rollback: {outside} pages" in lines


def check_savepoint_first_statement(backend: str, transcript: str) -> None:
    undone = re.findall(r"rows the rollback failed to undo: (\d+)",
                        transcript)
    if backend == "sqlite":
        # Default driver: wrong; with the documented recipe: right.
        assert undone == ["1", "0"]
    else:
        assert undone == ["0", "0"]


def check_two_phase_commit(backend: str, transcript: str) -> None:
    lines = lines_of(transcript)
    if backend == "sqlite":
        assert ("two-phase commit needs a server: run with --db postgresql"
                in lines)
        return
    assert "BEGIN TWOPHASE (implicit)" in transcript
    # The plain two-phase commit: both prepared, then both committed
    # (the two databases' order within a phase is not fixed).
    start = lines.index("committed in both: 1 1")
    assert sorted(lines[start - 4:start - 2]) == [
        "PREPARE billing", "PREPARE crm"]
    assert sorted(lines[start - 2:start]) == [
        "COMMIT PREPARED billing", "COMMIT PREPARED crm"]
    # Committed in both; then a crash after the decision: nothing new
    # visible until recovery commits both halves.
    assert "committed in both: 1 1" in lines
    assert "crash: coordinator died" in lines
    after_crash = lines.index("crash: coordinator died")
    assert lines[after_crash + 1] == "visible: 1 1"
    assert lines[after_crash + 2] == "recovery: ['committed', 'committed']"
    assert lines[after_crash + 3] == "visible: 2 2"
