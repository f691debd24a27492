"""Chapter: past one server, a primary with a streaming replica.  A
section file for a deck to include (``### file:: chapters/replicas.py``);
to run it alone: sliderepl tests/decks/replicas_chapter.py --db postgresql

Its slides start a real PostgreSQL primary and hot standby of their own;
on any other database, or where that cannot start, each slide says so in
one line and shows nothing else."""

### slide:: s
# The chapter's own imports and helpers (names prefixed or specific to
# it, so they cannot clash with the including deck's).
import contextlib
import logging

from sqlalchemy import Integer, String, create_engine, event, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import (
    DeclarativeBase, Session, mapped_column, sessionmaker,
)

from casestudies.failover_retry import run_unit_of_work
from casestudies.read_replicas import RoutingSession
from workshop_db import resolve_url

replicas_reason = None
if make_url(resolve_url()).get_backend_name() != "postgresql":
    replicas_reason = "needs --db postgresql (a primary and a standby)"
else:
    from workshop_db import replica as replica_module
    replicas_reason = replica_module.unavailable_reason()
replicas_pair = None


def replicas_skip():
    """True (after one line saying why) if these slides cannot run."""
    if replicas_reason:
        print(f"(not run here: {replicas_reason})")
    return replicas_reason is not None


class ReplicaBase(DeclarativeBase):
    pass


class Greeting(ReplicaBase):
    __tablename__ = "replicas_greeting"
    id = mapped_column(Integer, primary_key=True)
    text = mapped_column(String(40))


replica_sent = {"primary": 0, "replica": 0}


def replicas_engines():
    """Engines on both servers; each counts the statements it sends."""
    engines = {}
    for name, server in (("primary", replicas_pair.primary),
                         ("replica", replicas_pair.standby)):
        made = create_engine(server.url(), pool_pre_ping=True)
        event.listen(made, "before_cursor_execute",
                     lambda *a, _n=name: replica_sent.__setitem__(
                         _n, replica_sent[_n] + 1))
        engines[name] = made
    return engines


def greeting(session, id):
    return session.scalar(select(Greeting.text).where(Greeting.id == id))


def replicas_once(engine, work):
    """No retry: one unit of work, one transaction."""
    with Session(engine) as session, session.begin():
        work(session)


def replicas_retried(engine, work):
    """The whole unit again after a disconnect, 8 attempts at most."""
    run_unit_of_work(sessionmaker(engine), work, idempotent=True,
                     attempts=8)


from workshop_db.quiet import unechoed as replicas_quietly  # off the echo


class ReplicasQuietPair:
    """The pair, its administrative SQL (replay waits, pauses) kept out of
    the echo: the slides' SQL is the application's."""

    def __init__(self, pair):
        self._pair = pair

    def __getattr__(self, name):
        value = getattr(self._pair, name)
        if not callable(value):
            return value

        def call(*args, **kw):
            with replicas_quietly():
                return value(*args, **kw)
        return call


class ReplicasLog(logging.Handler):
    def emit(self, record):
        print("logged:", record.getMessage()[:66], "...")


### slide:: p
### title:: A primary and a streaming standby, on loopback
### note:: This slide pauses: Enter starts both servers, which takes a while.  Point at in
### note:: recovery: True.  On SQLite it prints one skip line.  About two minutes.
# ``workshop_db.replica`` starts a PostgreSQL primary, copies it with
# ``pg_basebackup -R`` and starts the copy as a hot standby on another
# port.  The standby replays the primary's WAL: read-only, a little late.
if not replicas_skip():
    replicas_pair = ReplicasQuietPair(replica_module.ReplicaPair())
    replicas_pair.start()
    print(f"started in {replicas_pair.started_seconds:.1f}s")
    print("primary on", replicas_pair.primary.port, "| standby on",
          replicas_pair.standby.port, "in recovery:",
          replicas_pair.standby.in_recovery())
### claim:: The standby replays the primary's WAL: read-only, a little late
### proof:: replicas_reason is not None or replicas_pair.standby.in_recovery()
### proof:: replicas_reason is not None or replicas_pair.standby.execute("SHOW transaction_read_only")[0][0] == "on"

### slide::
### title:: Writes go to the primary
### note:: Point at the INSERT in the echo: the flush went to the primary.  The engines and the
### note:: table are made quietly.  About a minute.
# ``RoutingSession.get_bind`` (casestudies/read_replicas.py) picks the
# engine per statement: a flush goes to the primary.  (Connecting and
# the CREATE TABLE are kept out of the echo.)
if not replicas_skip():
    with replicas_quietly():
        engines = replicas_engines()
        ReplicaBase.metadata.create_all(engines["primary"])
        engines["replica"].connect().close()     # connected once, now
    with RoutingSession(**engines) as s:
        s.add(Greeting(id=1, text="hello"))
        s.commit()
    waited = replicas_pair.wait_for_replay()

### slide::
### title:: Reads go to the replica
### note:: Point at the sent counts: the writes went to the primary, the reads to the replica.
### note:: About a minute.
# A SELECT goes to the replica.  The counts are statements each server
# received.
if not replicas_skip():
    with RoutingSession(**engines) as s:
        print("read:", greeting(s, 1), "| sent:", replica_sent)

### slide::
### title:: A lagging replica misses your own write
### note:: Ask: will the read after our own commit find the row?  Point at the empty read: the
### note:: replica has not replayed the INSERT yet.  About a minute.
# ``pg_wal_replay_pause()`` makes the lag visible.  No read-your-writes:
if not replicas_skip():
    replicas_pair.pause_replay()
    with RoutingSession(**engines, read_your_writes=False) as s:
        s.add(Greeting(id=2, text="mine"))
        s.commit()
        print("without the rule:", greeting(s, 2))

### slide::
### title:: Read-your-writes: after a write, reads go to the primary
### note:: Same lag, with the rule: point at the SELECT going to the primary and the text it
### note:: finds.  About a minute.
# Once a session has written, its reads go to the primary for the rest
# of the session.
if not replicas_skip():
    with RoutingSession(**engines) as s:
        s.add(Greeting(id=3, text="mine too"))
        s.commit()
        print("with the rule:   ", greeting(s, 3))

### slide::
### title:: A new session reads the replica again, unless told
### note:: Ask what a fresh session will read while the lag lasts.  Point at the empty read, then
### note:: the primary=True one finding the row.  About a minute.
# ``execution_options(primary=True)`` sends one statement to the primary.
if not replicas_skip():
    forced = select(Greeting.text).execution_options(primary=True)
    with RoutingSession(**engines) as s:
        print("new session:", greeting(s, 3), "| primary=True:",
              s.scalars(forced.where(Greeting.id == 3)).first())

### slide::
### title:: The replica is down: reads fall back, and say so
### note:: Point at the logged warning line and the fallback count.  About a minute.
# Replay resumes, then the standby stops.  The session's first read
# checks the replica, logs a warning and counts the fallback; the reads
# still answer.
if not replicas_skip():
    replicas_pair.resume_replay()
    replicas_pair.stop_standby()
    shown = ReplicasLog()
    logging.getLogger("read_replicas").addHandler(shown)
    with RoutingSession(**engines) as s:
        print("read:", greeting(s, 1), "| fallbacks:", s.fallbacks)
    logging.getLogger("read_replicas").removeHandler(shown)
    replicas_pair.start_standby()
    waited = replicas_pair.wait_for_replay()

### slide:: p
### title:: Failover: the primary dies, the standby is promoted
### note:: Enter runs the failover twice; it takes a while.  Compare the failed counts of the two
### note:: lines.  About three minutes.
# A thread writes units of work (two rows, one transaction each), 20 ms
# apart, through ``host=primary&host=standby&target_session_attrs=
# read-write``; the primary crashes and the standby is promoted.  One
# run each, loopback, a busy laptop: the figures vary run to run.
if not replicas_skip():
    from workshop_db import failover
    outcomes = {}
    for name, run in (("pool_pre_ping", replicas_once),
                      ("pre_ping+retry", replicas_retried)):
        app = create_engine(replicas_pair.url(), pool_pre_ping=True)
        with replicas_quietly():  # a hundred statements: not shown
            o = outcomes[name] = failover.measure(replicas_pair, name, app,
                                                  run)
        print(f"{name}: {o.failed} of {o.units} units failed, first write"
              f" {o.seconds_to_write:.2f}s, half-written {o.half_written}")
        app.dispose()
        seconds = replicas_pair.rebuild()
### claim:: A thread writes units of work (two rows, one transaction each), 20 ms
### claim:: apart, through ``host=primary&host=standby&target_session_attrs=
### claim:: read-write``; the primary crashes and the standby is promoted
### proof:: replicas_reason is not None or failover.measure.__kwdefaults__["pace"] == 0.02
### proof:: replicas_reason is not None or all(o.units > o.failed and o.committed > 0 for o in outcomes.values())

### slide::
### title:: What the figures say
### note:: pre-ping has no writable server to connect to until the standby is promoted
# Pre-ping replaces dead pooled connections, but the units run while no
# server is writable fail.  Retrying the whole unit (pre-ping plus
# ``failover_retry.run_unit_of_work``) lost none; every failed attempt
# was rolled back (checked: nothing half-written on the new primary).
### claim:: Pre-ping replaces dead pooled connections, but the units run while no
### claim:: server is writable fail
### proof:: replicas_reason is not None or outcomes["pool_pre_ping"].failed > 0
### claim:: Retrying the whole unit (pre-ping plus
### claim:: ``failover_retry.run_unit_of_work``) lost none; every failed attempt
### claim:: was rolled back (checked: nothing half-written on the new primary)
### proof:: replicas_reason is not None or (outcomes["pre_ping+retry"].failed, outcomes["pre_ping+retry"].lost) == (0, 0)
### proof:: replicas_reason is not None or all(o.half_written == o.ghosts == o.lost == 0 for o in outcomes.values())
if not replicas_skip():
    for made in engines.values():
        made.dispose()
    replicas_pair.stop()
    print("pair stopped")
