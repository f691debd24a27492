"""The replicas chapter runs headless: on SQLite each slide says in one
line why it does not run; on PostgreSQL it starts a real primary and
standby and its output shows what the slides claim."""

from __future__ import annotations

import pytest

from tests.conftest import skip_or_fail
from tests.deckrun import passed, run_deck

DECK = "tests/decks/replicas_chapter.py"


def test_on_sqlite_every_slide_says_why_not() -> None:
    out = passed(run_deck(DECK, timeout=120), "replicas_chapter.py")
    skipped = out.count(
        "(not run here: needs --db postgresql (a primary and a standby))")
    assert skipped == 9


@pytest.mark.servers
def test_on_postgresql_the_slides_show_their_claims() -> None:
    from workshop_db import replica

    reason = replica.unavailable_reason()
    if reason:
        skip_or_fail(f"primary + standby: {reason}")
    done = run_deck(DECK, "--db", "postgresql", timeout=300)
    out = passed(done, "replicas_chapter.py")
    lines = [line for line in out.splitlines()
             if not line.startswith(("SQL:", ">>> ", "... "))]
    for expected in [
        "without the rule: None",
        "with the rule:    mine too",
        "new session: None | primary=True: mine too",
        "read: hello | fallbacks: 1",
        "pair stopped",
    ]:
        assert expected in lines, (expected, lines)
    assert any(line.startswith("primary on ") and line.endswith(
        "in recovery: True") for line in lines), lines
    assert any(line.startswith("read: hello | sent: {'primary': ")
               for line in lines), lines
    assert any(line.startswith("logged: replica unavailable")
               for line in lines), lines
    retry = [line for line in lines if line.startswith("pre_ping+retry:")]
    assert retry and retry[0].startswith("pre_ping+retry: 0 of "), lines
    assert retry[0].endswith("half-written 0"), retry
    ping = [line for line in lines if line.startswith("pool_pre_ping:")]
    assert ping and not ping[0].startswith("pool_pre_ping: 0 of"), lines
    assert "(not run here" not in out
