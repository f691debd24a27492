"""What a failover costs an application, per precaution.

A real PostgreSQL primary with a streaming standby
(:mod:`workshop_db.replica`); the application's engine uses the
multi-host URL (``host=primary&host=standby&target_session_attrs=
read-write``).  An application thread runs one unit of work (an order
and its line, one transaction) every 20 ms; the primary is crashed
(``pg_ctl -m immediate``; ``--clean`` for a fast shutdown) and the
standby promoted.  For each precaution:

- ``none``: a plain engine;
- ``pool_pre_ping``: ``create_engine(url, pool_pre_ping=True)``;
- ``checkout_ping``: the checkout listener of ``casestudies/disconnects``;
- ``pre_ping+retry``: pre-ping, and each unit run through
  ``casestudies.failover_retry.run_unit_of_work`` (idempotent units,
  8 attempts).

it prints how many units failed, the seconds from the fault to the first
successful write, and the data check on the promoted server (lost:
acknowledged but missing; half-written; ghosts: failed at COMMIT yet
committed); then the same with the failover while the application is
idle ("idle:": only the pooled connections are dead when it resumes).
Between precautions the pair is rebuilt (the old primary
re-cloned from the new one).  Replication is synchronous during the
measurement, so no acknowledged commit can be lost to the crash itself.

Run: python benchmarks/failover.py [--clean] [--rounds N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
from collections.abc import Callable
from typing import Any


def precautions() -> dict[str, tuple[Callable[[str], Any], Any]]:
    """Name -> (make an engine from a URL, run one unit on it)."""
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session, sessionmaker

    from casestudies import disconnects, failover_retry

    def once(engine: Any, work: Callable[[Any], None]) -> None:
        with Session(engine) as session, session.begin():
            work(session)

    def retried(engine: Any, work: Callable[[Any], None]) -> None:
        # 8 attempts: about 3.5 s of pauses, several promotions' worth.
        failover_retry.run_unit_of_work(
            sessionmaker(engine), work, idempotent=True, attempts=8)

    def engine(kind: str) -> Callable[[str], Any]:
        def make(url: str) -> Any:
            made = create_engine(url, pool_pre_ping=kind == "pre_ping",
                                 pool_size=3)
            if kind == "checkout_ping":
                disconnects.install_checkout_ping(made)
            return made
        return make

    return {
        "none": (engine("none"), once),
        "pool_pre_ping": (engine("pre_ping"), once),
        "checkout_ping": (engine("checkout_ping"), once),
        "pre_ping+retry": (engine("pre_ping"), retried),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clean", action="store_true",
                        help="stop the primary cleanly instead of a crash")
    parser.add_argument("--rounds", type=int, default=1,
                        help="failovers per precaution (default 1)")
    args = parser.parse_args(argv)

    import logging

    from workshop_db import failover, replica

    reason = replica.unavailable_reason()
    if reason:
        print(f"failover: primary + standby unavailable: {reason}")
        return 2
    logging.getLogger("failover_retry").addHandler(logging.NullHandler())
    logging.getLogger("failover_retry").propagate = False
    # The pool logs, at ERROR, each dead connection it fails to close;
    # a NullHandler keeps Python's last-resort handler from printing it.
    logging.getLogger("sqlalchemy.pool").addHandler(logging.NullHandler())
    fault = "clean stop" if args.clean else "crash"
    with replica.ReplicaPair() as pair:
        print(f"pair started in {pair.started_seconds:.2f}s; fault: {fault} "
              f"of the primary, then promotion; one unit every 20 ms")
        rebuilds = []
        results: dict[str, list[Any]] = {}
        for name, (make, run) in precautions().items():
            for _ in range(args.rounds):
                engine = make(pair.url(connect_timeout="5"))
                try:
                    outcome = failover.measure(
                        pair, name, engine, run, crash=not args.clean)
                finally:
                    engine.dispose()
                print(outcome.line())
                results.setdefault(name, []).append(outcome)
                rebuilds.append(pair.rebuild())
                engine = make(pair.url(connect_timeout="5"))
                try:
                    idle = failover.measure_idle(
                        pair, name, engine, run, crash=not args.clean)
                finally:
                    engine.dispose()
                print("  idle: " + idle.line())
                rebuilds.append(pair.rebuild())
        promotion = statistics.median(
            o.failover_seconds for r in results.values() for o in r)
        rebuild = statistics.median(rebuilds)
        print(f"promotion (stop + promote): {promotion:.2f}s median; "
              f"rebuild of the pair: {rebuild:.2f}s median")
        base = statistics.median(
            o.seconds_to_write for o in results["pre_ping+retry"])
        for name, outcomes in results.items():
            write = statistics.median(o.seconds_to_write for o in outcomes)
            failed = sum(o.failed for o in outcomes) / len(outcomes)
            print(f"  {name:<16} failed units {failed:4.1f}  "
                  f"first write {write:5.2f}s ({write / base:4.2f}x retry)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
