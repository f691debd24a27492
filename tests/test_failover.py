"""Disconnects across a failover, on a real PostgreSQL primary whose
standby is promoted: what each precaution loses, and that every failed
unit of work failed cleanly (checked in the promoted server's data).

The application's URL lists both servers (psycopg multi-host with
``target_session_attrs=read-write``).  Figures: benchmarks/failover.py.
"""

from __future__ import annotations

import logging
import math
from typing import Any

import pytest

from benchmarks.failover import precautions
from workshop_db import failover

PRECAUTIONS = precautions()


@pytest.fixture
def pair(failover_pair: Any) -> Any:
    logging.getLogger("failover_retry").setLevel(logging.ERROR)
    return failover_pair


def engine_for(pair: Any, name: str) -> Any:
    make, _ = PRECAUTIONS[name]
    return make(pair.url(connect_timeout="5"))


def clean(outcome: failover.Outcome) -> None:
    # Nothing acknowledged was lost, nothing is half there, and the data
    # has exactly the units that reported success.
    assert outcome.lost == 0, outcome
    assert outcome.half_written == 0, outcome
    assert outcome.ghosts == 0, outcome
    assert outcome.committed == outcome.units - outcome.failed, outcome
    assert math.isfinite(outcome.seconds_to_write), outcome


@pytest.mark.parametrize("name", list(PRECAUTIONS))
def test_failover_under_load(pair: Any, name: str) -> None:
    engine = engine_for(pair, name)
    try:
        outcome = failover.measure(pair, name, engine, PRECAUTIONS[name][1])
    finally:
        engine.dispose()
    clean(outcome)
    if name == "pre_ping+retry":
        # Every unit caught by the failover was rolled back and run again.
        assert outcome.failed == 0, outcome
    else:
        # While no server is writable, every unit fails: no checkout
        # check can make a connection to a server that is not there.
        assert outcome.failed >= 1, outcome
        assert set(outcome.errors) == {"OperationalError"}, outcome


EXPECTED_IDLE = {
    # A dead pooled connection fails its first use, which invalidates
    # the whole pool: one unit lost, the next one works.
    "none": 1,
    # Either check replaces the dead connections at checkout.
    "pool_pre_ping": 0,
    "checkout_ping": 0,
    "pre_ping+retry": 0,
}


@pytest.mark.parametrize("name", list(PRECAUTIONS))
def test_failover_while_idle(pair: Any, name: str) -> None:
    engine = engine_for(pair, name)
    try:
        outcome = failover.measure_idle(
            pair, name, engine, PRECAUTIONS[name][1])
    finally:
        engine.dispose()
    clean(outcome)
    assert outcome.failed == EXPECTED_IDLE[name], outcome
