"""Partitioning: vertical binds, horizontal shards (and what ORDER BY means
across them), two-phase commit with recovery after a coordinator crash at
every point of the protocol.  SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import (
    Engine,
    String,
    create_engine,
    event,
    inspect,
    or_,
    select,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from casestudies import partitioning as pt


# The application's models, as a user of the recipe would write them: the
# recipe itself defines none (its demo has its own).
class CrmBase(DeclarativeBase):
    pass


class BillingBase(DeclarativeBase):
    pass


class Customer(CrmBase):
    __tablename__ = "customer"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))


class Invoice(BillingBase):
    __tablename__ = "invoice"
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int]
    cents: Mapped[int]


class ShardBase(DeclarativeBase):
    pass


class Account(ShardBase):
    __tablename__ = "account"
    id: Mapped[str] = mapped_column(String(20), primary_key=True)
    region: Mapped[str] = mapped_column(String(10))
    balance: Mapped[int]


def region_of_id(account_id: str) -> str:
    return account_id.split("-", 1)[0]

_numbers = itertools.count(1)


@pytest.fixture
def second_url(
    backend: str, db_url: str, tmp_path, request: pytest.FixtureRequest
) -> Iterator[str]:
    """A second fresh database of the same backend."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'second.db'}"
        return
    server = request.getfixturevalue("server")
    name = f"second_{next(_numbers)}"
    url = server.create_database(name)
    yield url
    server.drop_database(name)


@pytest.fixture
def two(second_url: str) -> Iterator[Engine]:
    engine = create_engine(second_url)
    yield engine
    engine.dispose()


@pytest.fixture
def statements() -> Iterator[Callable[[Engine], Counter[str]]]:
    """Count statements per engine: ``counts = watch(engine)``."""
    watched: list[tuple[Engine, Callable[..., None]]] = []

    def watch(engine: Engine) -> Counter[str]:
        counts: Counter[str] = Counter()

        def count(conn, cursor, statement, *args) -> None:
            counts[statement.split()[0].upper()] += 1

        event.listen(engine, "before_cursor_execute", count)
        watched.append((engine, count))
        return counts

    yield watch
    for engine, fn in watched:
        event.remove(engine, "before_cursor_execute", fn)


def ids_in(engine: Engine, entity) -> list:
    with engine.connect() as cx:
        return sorted(cx.scalars(select(entity)))


# -- vertical -----------------------------------------------------------------


def test_vertical_binds_route_each_class_to_its_database(
    engine: Engine, two: Engine, statements
) -> None:
    CrmBase.metadata.create_all(engine)
    BillingBase.metadata.create_all(two)
    with pt.vertical_session({CrmBase: engine, BillingBase: two}) as session:
        session.add_all([Customer(id=1, name="Ada"),
                         Invoice(id=7, customer_id=1, cents=5)])
        session.commit()
        crm, billing = statements(engine), statements(two)
        session.scalars(select(Invoice)).all()
        # The invoice query went to the billing database only.
        assert billing["SELECT"] == 1 and crm["SELECT"] == 0
    assert ids_in(engine, Customer.id) == [1]
    assert ids_in(two, Invoice.id) == [7]
    assert "invoice" not in inspect(engine).get_table_names()
    assert "customer" not in inspect(two).get_table_names()


# -- horizontal ---------------------------------------------------------------


@pytest.fixture
def shards(engine: Engine, two: Engine) -> Iterator[pt.ShardedSession]:
    for e in (engine, two):
        ShardBase.metadata.create_all(e)
    session = pt.sharded_session({"eu": engine, "us": two},
                                 shard_column="region",
                                 shard_of_id=region_of_id)
    session.add_all([
        Account(id="eu-1", region="eu", balance=50),
        Account(id="eu-2", region="eu", balance=10),
        Account(id="us-1", region="us", balance=30),
        Account(id="us-2", region="us", balance=5),
    ])
    session.commit()
    yield session
    session.close()


def test_shard_chooser_writes_each_row_to_its_region(
    shards, engine: Engine, two: Engine
) -> None:
    assert ids_in(engine, Account.id) == ["eu-1", "eu-2"]
    assert ids_in(two, Account.id) == ["us-1", "us-2"]


def test_get_by_primary_key_visits_one_shard(
    shards, engine: Engine, two: Engine, statements
) -> None:
    shards.expunge_all()
    eu, us = statements(engine), statements(two)
    assert shards.get(Account, "us-2").balance == 5
    assert (eu["SELECT"], us["SELECT"]) == (0, 1)


def test_without_shard_of_id_get_asks_every_shard(
    engine: Engine, two: Engine, statements
) -> None:
    for e in (engine, two):
        ShardBase.metadata.create_all(e)
    with pt.sharded_session({"eu": engine, "us": two},
                            shard_column="region") as session:
        session.add(Account(id="us-9", region="us", balance=1))
        session.commit()
        session.expunge_all()
        eu, us = statements(engine), statements(two)
        assert session.get(Account, "us-9").balance == 1
        # No way to tell the shard from the id: both were asked.
        assert eu["SELECT"] == 1 and us["SELECT"] == 1


def test_a_row_naming_no_shard_is_refused(engine: Engine, two: Engine) -> None:
    for e in (engine, two):
        ShardBase.metadata.create_all(e)
    with pt.sharded_session({"eu": engine, "us": two},
                            shard_column="region") as session:
        session.add(Account(id="ap-1", region="ap", balance=1))
        with pytest.raises(ValueError, match="no shard named 'ap'"):
            session.flush()


def test_vertical_session_refuses_a_route_that_is_not_a_class(
    engine: Engine,
) -> None:
    with pytest.raises(TypeError, match="routes map classes to engines"):
        pt.vertical_session({"customer": engine})


def test_query_pinned_to_a_region_visits_that_shard_only(
    shards, engine: Engine, two: Engine, statements
) -> None:
    eu, us = statements(engine), statements(two)
    rows = shards.scalars(
        select(Account).where(Account.region == "eu", Account.balance > 0)
    ).all()
    assert sorted(a.id for a in rows) == ["eu-1", "eu-2"]
    assert (eu["SELECT"], us["SELECT"]) == (1, 0)


def test_region_inside_an_or_still_visits_every_shard(
    shards, engine: Engine, two: Engine, statements
) -> None:
    eu, us = statements(engine), statements(two)
    rows = shards.scalars(select(Account).where(
        or_(Account.region == "eu", Account.balance < 10))).all()
    # us-2 (balance 5) is found only because both shards were asked.
    assert sorted(a.id for a in rows) == ["eu-1", "eu-2", "us-2"]
    assert (eu["SELECT"], us["SELECT"]) == (1, 1)


def test_order_by_and_limit_apply_per_shard(shards) -> None:
    ordered = shards.scalars(select(Account).order_by(Account.balance))
    # Each shard sorted its own rows; the results are concatenated.
    assert [a.balance for a in ordered] == [10, 50, 5, 30]
    top = shards.scalars(
        select(Account).order_by(Account.balance).limit(1)).all()
    # LIMIT 1 is one row *per shard*.
    assert [a.id for a in top] == ["eu-2", "us-2"]


# -- two-phase commit ---------------------------------------------------------


@pytest.fixture
def coordinator(
    engine: Engine, two: Engine
) -> Iterator[pt.TwoPhaseCoordinator]:
    CrmBase.metadata.create_all(engine)
    BillingBase.metadata.create_all(two)
    coordinator = pt.TwoPhaseCoordinator(
        engine, {"crm": engine, "billing": two})
    coordinator.create_journal()
    yield coordinator
    coordinator.recover()  # never leave a prepared transaction behind


def pair(n: int) -> list:
    return [Customer(id=n, name=f"c{n}"),
            Invoice(id=n, customer_id=n, cents=n * 100)]


def both(engine: Engine, two: Engine) -> tuple[list, list]:
    return ids_in(engine, Customer.id), ids_in(two, Invoice.id)


def session_of(coordinator: pt.TwoPhaseCoordinator) -> Session:
    engines = coordinator.participants
    return coordinator.session(
        {CrmBase: engines["crm"], BillingBase: engines["billing"]})


@pytest.mark.backends("sqlite")
def test_twophase_needs_a_server_on_sqlite(
    coordinator, engine: Engine, two: Engine
) -> None:
    with session_of(coordinator) as session:
        session.add_all(pair(1))
        with pytest.raises(NotImplementedError):
            coordinator.commit(session)
    assert both(engine, two) == ([], [])


@pytest.mark.backends("postgresql", "mariadb")
def test_twophase_commits_in_both(coordinator, engine, two) -> None:
    with session_of(coordinator) as session:
        session.add_all(pair(1))
        coordinator.commit(session)
    assert both(engine, two) == ([1], [1])
    assert coordinator.recover() == []


@pytest.mark.backends("postgresql", "mariadb")
def test_crash_after_prepare_is_rolled_back_by_recovery(
    coordinator, engine, two
) -> None:
    with session_of(coordinator) as session:
        session.add_all(pair(1))
        xids = None
        with pytest.raises(pt.CoordinatorCrash):
            def crash(s: Session) -> None:
                nonlocal xids
                xids = [x for _, x, _ in s.info["twophase"]]
                pt.simulate_crash(s)

            coordinator.commit(session, after_prepare=crash)
    # Both halves wait, prepared, on the servers; none is visible.
    assert set(xids) <= set(pt.prepared_xids(engine) + pt.prepared_xids(two))
    assert both(engine, two) == ([], [])
    resolved = coordinator.recover()
    assert sorted((n, o) for n, _, o in resolved) == [
        ("billing", "rolled back"), ("crm", "rolled back")]
    assert both(engine, two) == ([], [])
    assert not set(xids) & set(pt.prepared_xids(engine))


@pytest.mark.backends("postgresql", "mariadb")
def test_crash_after_decision_is_committed_by_recovery(
    coordinator, engine, two
) -> None:
    with session_of(coordinator) as session:
        session.add_all(pair(2))
        with pytest.raises(pt.CoordinatorCrash):
            coordinator.commit(session, after_decision=pt.simulate_crash)
    assert both(engine, two) == ([], [])
    resolved = coordinator.recover()
    assert sorted((n, o) for n, _, o in resolved) == [
        ("billing", "committed"), ("crm", "committed")]
    assert both(engine, two) == ([2], [2])  # no half lost


@pytest.mark.backends("postgresql", "mariadb")
def test_crash_between_the_two_commits_is_completed_by_recovery(
    coordinator, engine, two
) -> None:
    commits: list[str] = []
    with session_of(coordinator) as session:

        def on_commit(conn, xid, is_prepared) -> None:
            commits.append(xid)
            if len(commits) == 2:  # one database committed, one not yet
                pt.simulate_crash(session)

        for e in (engine, two):
            event.listen(e, "commit_twophase", on_commit)
        try:
            session.add_all(pair(3))
            with pytest.raises(pt.CoordinatorCrash):
                coordinator.commit(session)
        finally:
            for e in (engine, two):
                event.remove(e, "commit_twophase", on_commit)
    # Half committed right now: exactly one side is visible.
    assert sorted(map(len, both(engine, two))) == [0, 1]
    resolved = coordinator.recover()
    assert [o for _, _, o in resolved] == ["committed"]
    assert both(engine, two) == ([3], [3])


@pytest.mark.backends("postgresql", "mariadb")
def test_a_participant_refusing_to_prepare_aborts_both(
    coordinator, engine, two
) -> None:
    def refuse(conn, xid) -> None:
        raise RuntimeError("billing cannot prepare")

    event.listen(two, "prepare_twophase", refuse)
    try:
        with session_of(coordinator) as session:
            session.add_all(pair(4))
            with pytest.raises(RuntimeError, match="cannot prepare"):
                coordinator.commit(session)
    finally:
        event.remove(two, "prepare_twophase", refuse)
    assert both(engine, two) == ([], [])
    # The coordinator cleaned up itself: nothing journalled, nothing left.
    assert coordinator.recover() == []


def test_demo_main(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert pt.main(["--db", db_url]) == 0
    out = capsys.readouterr().out
    assert "sharded ORDER BY balance: [10, 50, 5, 30]" in out
    if db_url.startswith("sqlite"):
        assert "two-phase commit: needs a server" in out
    else:
        assert "crash after decision: recovery ['committed', 'committed']" \
            in out


@pytest.mark.backends("postgresql", "mariadb")
def test_prepared_transactions_survive_a_server_crash(
    server, make_engine, second_url: str
) -> None:
    # Pre-ping: the crash kills every pooled connection.
    one = make_engine(pool_pre_ping=True)
    two = create_engine(second_url, pool_pre_ping=True)
    try:
        CrmBase.metadata.create_all(one)
        BillingBase.metadata.create_all(two)
        coordinator = pt.TwoPhaseCoordinator(
            one, {"crm": one, "billing": two})
        coordinator.create_journal()
        with session_of(coordinator) as session:
            session.add_all(pair(5))
            with pytest.raises(pt.CoordinatorCrash):
                coordinator.commit(
                    session, after_decision=pt.simulate_crash)
        # The servers crash too (no shutdown): the prepared transactions
        # and the journal are on disk and come back with them.
        server.crash_restart()
        assert both(one, two) == ([], [])
        resolved = coordinator.recover()
        assert sorted(o for _, _, o in resolved) == ["committed"] * 2
        assert both(one, two) == ([5], [5])
    finally:
        two.dispose()


@pytest.mark.backends("postgresql", "mariadb")
def test_commit_with_nothing_to_do_and_recovery_leaves_others_alone(
    coordinator, engine
) -> None:
    with session_of(coordinator) as session:
        coordinator.commit(session)  # no participant: nothing to prepare
    # A prepared transaction the journal doesn't know is someone else's:
    # recovery must not touch it.
    with engine.connect() as cx:
        foreign = cx.begin_twophase()
        cx.execute(Customer.__table__.insert(), {"id": 9, "name": "x"})
        foreign.prepare()
        xid = foreign.xid
        assert coordinator.recover() == []
        assert xid in pt.prepared_xids(engine)
        foreign.rollback()
    assert xid not in pt.prepared_xids(engine)
