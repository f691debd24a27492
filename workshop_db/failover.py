"""Measure what a failover does to an application's units of work.

An application thread runs small units of work (insert an order and its
line, in one transaction) against the pair's multi-host URL, one every
``pace`` seconds; the main thread crashes (or stops) the primary and
promotes the standby.  Each unit's outcome is recorded, and afterwards
the data on the promoted server is checked: every unit that reported
success is there whole (not lost), no unit is there half (an order
without its line), and units that failed left nothing (or are counted as
"ghosts": failed at COMMIT, yet committed).

The precaution is the caller's: an ``Engine`` made as it likes, and a
``run(engine, work)`` that runs one unit (with or without retry).  Used
by ``tests/test_failover.py`` and ``benchmarks/failover.py``.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .replica import ReplicaPair

SCHEMA = (
    "DROP TABLE IF EXISTS failover_line, failover_order",
    "CREATE TABLE failover_order (unit int PRIMARY KEY)",
    (
        "CREATE TABLE failover_line (unit int PRIMARY KEY "
        "REFERENCES failover_order DEFERRABLE INITIALLY DEFERRED)"
    ),
)


def unit_of_work(number: int) -> Callable[[Any], None]:
    """Unit ``number``: an order and its line, idempotent.

    The line goes first (the foreign key is checked at commit), so a unit
    cut off half-way would leave a line without its order if the
    transaction were not atomic.  It writes nothing if the order exists:
    running it twice leaves what running it once does.
    """
    from sqlalchemy import text

    def work(session: Any) -> None:
        done = session.execute(
            text("SELECT 1 FROM failover_order WHERE unit = :n"),
            {"n": number},
        ).first()
        if done is None:
            session.execute(
                text("INSERT INTO failover_line VALUES (:n)"), {"n": number})
            session.execute(
                text("INSERT INTO failover_order VALUES (:n)"), {"n": number})

    return work


@dataclass
class Outcome:
    """What one failover did to the units of work."""

    precaution: str
    units: int = 0  # units run in all
    failed: int = 0  # units that raised
    errors: Counter[str] = field(default_factory=Counter)
    # under load: from the primary's death (its stop returned) to the
    # first success; idle: from the end of the promotion
    seconds_to_write: float = float("nan")
    failover_seconds: float = 0.0  # stop + promote, as the admin sees it
    lost: int = 0  # reported success, missing after promotion
    half_written: int = 0  # an order or a line without the other
    ghosts: int = 0  # reported failure, committed all the same
    committed: int = 0  # units on the promoted server

    def line(self) -> str:
        errors = ", ".join(f"{k} {v}" for k, v in self.errors.items())
        return (
            f"{self.precaution:<16} failed {self.failed:>2} of "
            f"{self.units:<3} first write after {self.seconds_to_write:5.2f}s"
            f"  lost {self.lost} half-written {self.half_written} "
            f"ghosts {self.ghosts}" + (f"  ({errors})" if errors else "")
        )


def measure(
    pair: ReplicaPair,
    precaution: str,
    engine: Any,
    run: Callable[[Any, Callable[[Any], None]], None],
    *,
    crash: bool = True,
    pace: float = 0.02,
    before: int = 10,
    after: int = 10,
    timeout: float = 60,
) -> Outcome:
    """Run units through a failover of ``pair``; return what happened.

    ``engine`` must use ``pair.url()``.  Replication is made synchronous
    first (``synchronous_standby_names='*'``), so a commit the primary
    acknowledged is on the standby too: with asynchronous replication a
    crash may lose the last acknowledged commits, whatever the
    application does.
    """
    _prepare(pair)

    outcome = Outcome(precaution)
    succeeded: set[int] = set()
    failed: set[int] = set()
    fault_at: list[float] = []
    first_write = threading.Event()
    stop = threading.Event()
    crashed: list[BaseException] = []

    def application() -> None:
        number = 0
        try:
            while not stop.is_set():
                number += 1
                began = time.perf_counter()
                try:
                    run(engine, unit_of_work(number))
                except Exception as err:  # noqa: BLE001  (counted)
                    failed.add(number)
                    outcome.errors[type(err).__name__] += 1
                else:
                    succeeded.add(number)
                    # The first unit begun once the primary was dead.
                    if fault_at and began > fault_at[0] and (
                            not first_write.is_set()):
                        outcome.seconds_to_write = (
                            time.perf_counter() - fault_at[0])
                        first_write.set()
                time.sleep(pace)
        except BaseException as err:  # noqa: BLE001
            crashed.append(err)
        outcome.units = number

    thread = threading.Thread(target=application, daemon=True)
    thread.start()
    try:
        _wait(lambda: len(succeeded) >= before or bool(crashed), timeout,
              "units before the fault")
        began = time.perf_counter()
        pair.stop_primary(crash=crash)
        fault_at.append(time.perf_counter())  # the primary is gone
        pair.promote()
        outcome.failover_seconds = time.perf_counter() - began
        if not first_write.wait(timeout):
            raise RuntimeError(
                f"{precaution}: no successful write {timeout}s after the "
                f"failover")
        goal = len(succeeded) + after
        _wait(lambda: len(succeeded) >= goal or bool(crashed), timeout,
              "units after the failover")
    finally:
        stop.set()
        thread.join(timeout)
    if crashed:
        raise crashed[0]
    outcome.failed = len(failed)
    _check_data(pair, outcome, succeeded, failed)
    return outcome


def measure_idle(
    pair: ReplicaPair,
    precaution: str,
    engine: Any,
    run: Callable[[Any, Callable[[Any], None]], None],
    *,
    crash: bool = True,
    pooled: int = 3,
    after: int = 5,
) -> Outcome:
    """The failover happens while the application is idle.

    ``pooled`` connections are opened at once and returned to the pool;
    the primary fails and the standby is promoted; then the application
    runs units one after another until ``after`` have succeeded.  What
    fails now is only what the pool hands out: dead connections.
    """
    _prepare(pair)
    outcome = Outcome(precaution)
    succeeded: set[int] = set()
    failed: set[int] = set()
    with contextlib.ExitStack() as stack:
        for _ in range(pooled):
            stack.enter_context(engine.connect())
    run(engine, unit_of_work(0))
    succeeded.add(0)
    outcome.failover_seconds = pair.failover(crash=crash)
    down = time.perf_counter()
    number = 0
    while len(succeeded) < after + 1 and number < 100:
        number += 1
        try:
            run(engine, unit_of_work(number))
        except Exception as err:  # noqa: BLE001  (counted)
            failed.add(number)
            outcome.errors[type(err).__name__] += 1
        else:
            if len(succeeded) == 1:
                outcome.seconds_to_write = time.perf_counter() - down
            succeeded.add(number)
    outcome.units = number + 1  # and unit 0, before the fault
    outcome.failed = len(failed)
    _check_data(pair, outcome, succeeded, failed)
    return outcome


def _prepare(pair: ReplicaPair) -> None:
    for sql in SCHEMA:
        pair.primary.execute(sql, database="tutorial")
    pair.primary.execute("ALTER SYSTEM SET synchronous_standby_names = '*'")
    pair.primary.execute("SELECT pg_reload_conf()")
    pair.wait_for_replay()


def _check_data(
    pair: ReplicaPair, outcome: Outcome, succeeded: set[int],
    failed: set[int],
) -> None:
    """Compare what the units reported with what the promoted server has."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    check = create_engine(pair.standby.url(), poolclass=NullPool)
    try:
        with check.connect() as cx:
            orders = set(cx.scalars(text("SELECT unit FROM failover_order")))
            lines = set(cx.scalars(text("SELECT unit FROM failover_line")))
    finally:
        check.dispose()
    outcome.committed = len(orders)
    outcome.half_written = len(orders ^ lines)
    outcome.lost = len(succeeded - orders)
    outcome.ghosts = len(failed & orders)


def _wait(ready: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.01)
