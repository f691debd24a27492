"""Illustrates one Session over several databases: vertical partitioning,
horizontal sharding, and two-phase commit with crash recovery.

Use it when the data no longer fits one database:

- **Vertical**: different tables live in different databases.
  ``vertical_session({CrmBase: crm_engine, BillingBase: billing_engine})``
  routes each mapped class (here: each declarative base) to its engine.
- **Horizontal**: rows of one table are spread over databases (shards).
  ``sqlalchemy.ext.horizontal_shard.ShardedSession`` asks three functions
  where to write a new object (``shard_chooser``), where to look for a
  primary key (``identity_chooser``), and which shards a query must visit
  (``execute_chooser``).  A query over several shards runs once per shard
  and concatenates the results: ORDER BY and LIMIT apply per shard only.
- **Two-phase commit**: ``twophase=True`` makes one commit atomic across
  databases (PostgreSQL with ``max_prepared_transactions > 0``, MySQL and
  MariaDB XA).  If the coordinator dies after PREPARE, the prepared
  transactions stay on the servers, holding locks, until someone commits
  or rolls them back.  :class:`TwoPhaseCoordinator` keeps a decision
  journal (presumed abort) so :meth:`TwoPhaseCoordinator.recover` knows
  which way to resolve each one.

What it replaces: the 0.4 docs' ``sessionmaker(twophase=True,
transactional=True)`` with ``binds``, and the ``attribute_shard.py``
example; the TODO "partitioning strategies" section.  2.x keeps ``binds``
and ``twophase`` and ships ``horizontal_shard``; recovery uses the public
``Connection.recover_twophase()`` / ``commit_prepared()`` /
``rollback_prepared()`` (``pg_prepared_xacts`` + ``COMMIT PREPARED`` on
PostgreSQL, ``XA RECOVER`` + ``XA COMMIT`` on MariaDB).

Requires: SQLAlchemy; two-phase commit needs a server (SQLite has none).

In your application::

    from partitioning import sharded_session, vertical_session

    # by class: each declarative base's tables live in one database
    session = vertical_session({CrmBase: crm_engine, BillingBase: bill_engine})
    # by row: each row lives in the shard its "region" column names
    session = sharded_session({"eu": eu_engine, "us": us_engine},
                              shard_column="region")

Run: python partitioning.py [--db URL] [--echo]
(no --db: the URL in $DATABASE_URL, which keeps a password out of ps,
else SQLite in memory)
(or python -m casestudies.partitioning in the tutorial)
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy import (
    Column,
    Engine,
    MetaData,
    String,
    Table,
    create_engine,
    delete,
    event,
    select,
    text,
)
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.horizontal_shard import ShardedSession
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import (
    BinaryExpression,
    BindParameter,
    BooleanClauseList,
    ColumnElement,
)

# -- vertical partitioning: one declarative base per database -----------------


def vertical_session(
    routes: Mapping[type, Engine], **kw: Any
) -> Session:
    """A session that sends each class to the engine of its database.

    ``routes`` maps a declarative base (or one mapped class) to an engine,
    for example ``{CrmBase: crm_engine, BillingBase: billing_engine}``: a
    base covers every class mapped under it, so each database gets a base
    of its own.  A key that is not a class fails here, not at the first
    flush.  Other keywords go to ``Session`` (``twophase=True``, ...).
    """
    for key, engine in routes.items():
        if not isinstance(key, type) or not isinstance(engine, Engine):
            raise TypeError(
                f"vertical_session: routes map classes to engines, not "
                f"{type(key).__name__} to {type(engine).__name__}")
    return Session(binds=dict(routes), **kw)


# -- horizontal sharding: rows spread by a shard column -----------------------


def _shards_required(
    whereclause: Any, parameters: dict[str, Any], shard_column: str,
    shard_of_id: Callable[[Any], str] | None,
) -> set[str] | None:
    """Shards a WHERE clause pins down at its top level (alone or ANDed)
    with ``<shard_column> == value`` or, given ``shard_of_id``,
    ``<primary key> == value``; None if it doesn't, and then every shard
    must be asked.

    Only the top level counts: ``region == 'eu' OR balance > 5`` must
    still visit every shard.  Values come from the statement or, for
    ``Session.get()``, from the parameters the execution was given.
    """
    if whereclause is None:
        return None
    terms = [whereclause]
    if isinstance(whereclause, BooleanClauseList):
        if whereclause.operator is not operators.and_:
            return None
        terms = list(whereclause.clauses)
    for term in terms:
        if not (
            isinstance(term, BinaryExpression)
            and term.operator is operators.eq
            and isinstance(term.right, BindParameter)
            and isinstance(term.left, ColumnElement)
        ):
            continue
        value = parameters.get(term.right.key, term.right.effective_value)
        if getattr(term.left, "name", None) == shard_column:
            return {str(value)}
        if shard_of_id is not None and getattr(term.left, "primary_key",
                                               False):
            return {shard_of_id(value)}
    return None


def sharded_session(
    shards: Mapping[str, Engine], *, shard_column: str,
    shard_of_id: Callable[[Any], str] | None = None, **kw: Any,
) -> ShardedSession:
    """A ShardedSession over ``shards`` (shard name -> engine).

    Every sharded class has a column named ``shard_column`` (an attribute
    of the same name) whose value names the shard its row lives in: a new
    object is written there, and a query whose WHERE says
    ``shard_column == value`` visits that shard only.  ``shard_of_id``,
    if given, tells the shard from a primary key value (an id such as
    ``"eu-1"`` that carries its shard), so ``session.get()`` and
    ``pk == value`` go straight to one database; without it they ask
    every shard.  Other keywords go to ``ShardedSession``.
    """
    names = list(shards)

    def shard_chooser(mapper: Any, instance: Any, clause: Any = None) -> str:
        shard = str(getattr(instance, shard_column))
        if shard not in shards:
            raise ValueError(f"no shard named {shard!r} (of {names})")
        return shard

    def identity_chooser(
        mapper: Any, primary_key: Sequence[Any], **_: Any
    ) -> list[str]:
        if shard_of_id is None:
            return names
        return [shard_of_id(primary_key[0])]

    def execute_chooser(context: Any) -> Iterable[str]:
        wanted = _shards_required(
            getattr(context.statement, "whereclause", None),
            dict(context.parameters or {}), shard_column, shard_of_id,
        )
        if wanted is None:
            return names  # every shard, in a fixed order
        return [name for name in names if name in wanted]

    return ShardedSession(
        shards=dict(shards),
        shard_chooser=shard_chooser,
        identity_chooser=identity_chooser,
        execute_chooser=execute_chooser,
        **kw,
    )


# -- two-phase commit with a decision journal ---------------------------------


class CoordinatorCrash(RuntimeError):
    """Raised by :func:`simulate_crash`: the coordinator 'died' here."""


journal_metadata = MetaData()
journal = Table(
    "twophase_journal",
    journal_metadata,
    Column("xid", String(200), primary_key=True),
    Column("participant", String(50), nullable=False),
    # "pending" before PREPARE; "commit" once every database prepared.
    Column("decision", String(10), nullable=False),
)


class TwoPhaseCoordinator:
    """Commits a ``twophase=True`` session and recovers after a crash.

    Protocol (presumed abort): record every participant's transaction id
    as *pending* before PREPARE; once all have prepared, record the
    decision *commit*, durably, before committing any of them.  Recovery
    commits what the journal says was decided and rolls back the rest;
    prepared transactions not in the journal belong to someone else and
    are left alone.
    """

    def __init__(
        self, journal_engine: Engine, participants: dict[str, Engine]
    ) -> None:
        self.journal_engine = journal_engine
        self.participants = participants

    def create_journal(self) -> None:
        journal_metadata.create_all(self.journal_engine)

    def session(self, binds: dict[Any, Engine]) -> Session:
        """A two-phase session that remembers each participant's xid."""
        session = Session(binds=binds, twophase=True)
        event.listen(session, "after_begin", self._remember)
        event.listen(session, "after_transaction_end", self._reset)
        return session

    @staticmethod
    def _reset(session: Session, transaction: Any) -> None:
        # The outermost transaction is over (committed, rolled back or
        # closed): its participants are history.  SAVEPOINTs don't count.
        if transaction.parent is None:
            session.info.pop("twophase", None)

    def _remember(self, session: Session, transaction: Any,
                  connection: Connection) -> None:
        name = next(n for n, e in self.participants.items()
                    if e is connection.engine)
        xid = connection.get_transaction().xid  # TwoPhaseTransaction
        session.info.setdefault("twophase", []).append(
            (name, xid, connection))

    def _record(self, entries: list[tuple[str, str]], decision: str) -> None:
        # Its own connection and transaction, committed at once: the
        # journal must outlive the transactions it describes.
        with self.journal_engine.begin() as cx:
            cx.execute(delete(journal).where(
                journal.c.xid.in_([x for _, x in entries])))
            cx.execute(journal.insert(), [
                {"xid": x, "participant": n, "decision": decision}
                for n, x in entries])

    def _forget(self, entries: list[tuple[str, str]]) -> None:
        if not entries:
            return
        with self.journal_engine.begin() as cx:
            cx.execute(delete(journal).where(
                journal.c.xid.in_([x for _, x in entries])))

    def commit(
        self,
        session: Session,
        *,
        after_prepare: Callable[[Session], None] | None = None,
        after_decision: Callable[[Session], None] | None = None,
    ) -> None:
        """Flush, PREPARE everywhere, journal the decision, COMMIT.

        ``after_prepare`` / ``after_decision`` are test hooks: called with
        the session at those two points (e.g. :func:`simulate_crash`).
        """
        session.flush()  # every participant has begun: its xid is known
        entries = [(n, x) for n, x, _ in session.info.get("twophase", [])]
        if not entries:  # no database was touched: nothing to agree on
            session.commit()
            return
        self._record(entries, "pending")
        try:
            session.prepare()  # phase one: each database promises
        except BaseException:
            session.rollback()  # rolls back what did prepare
            self._forget(entries)
            raise
        if after_prepare:
            after_prepare(session)
        self._record(entries, "commit")  # the decision point
        if after_decision:
            after_decision(session)
        session.commit()  # phase two
        self._forget(entries)

    def recover(self) -> list[tuple[str, str, str]]:
        """Resolve every journalled transaction still prepared.

        Run it at start-up, before this coordinator's application begins
        new two-phase commits (a *pending* entry of a commit in progress
        would otherwise be taken for a crashed one).  Returns
        ``(participant, xid, "committed" | "rolled back")`` for each
        transaction resolved.
        """
        with self.journal_engine.connect() as cx:
            rows = cx.execute(select(journal)).all()
        done = []
        for xid, name, decision in rows:
            engine = self.participants[name]
            # Outside any transaction: MariaDB refuses XA COMMIT while
            # the connection has a local transaction open.
            with engine.connect().execution_options(
                isolation_level="AUTOCOMMIT"
            ) as cx:
                if xid in _recover(cx):
                    if decision == "commit":
                        cx.commit_prepared(xid, recover=True)
                        done.append((name, xid, "committed"))
                    else:
                        cx.rollback_prepared(xid, recover=True)
                        done.append((name, xid, "rolled back"))
        self._forget([(name, xid) for xid, name, _ in rows])
        return done


def simulate_crash(session: Session) -> None:
    """The coordinator 'dies': its connections drop without a word.

    Invalidating closes each participant's DBAPI connection and leaves
    nothing for the session to roll back, just as a killed process
    would; prepared transactions survive on the servers.
    """
    for _, _, connection in session.info.get("twophase", []):
        connection.invalidate()
    raise CoordinatorCrash("coordinator died")


def prepared_xids(engine: Engine) -> list[str]:
    """Prepared transactions of the server (``pg_prepared_xacts`` on
    PostgreSQL, ``XA RECOVER`` on MariaDB)."""
    with engine.connect() as cx:
        return _recover(cx)


def _recover(cx: Connection) -> list[str]:
    # PyMySQL hands XA RECOVER's xids back as bytes; psycopg as str.
    return [x.decode() if isinstance(x, bytes) else x
            for x in cx.recover_twophase()]


# -- scratch databases for the demo -------------------------------------------


@contextlib.contextmanager
def scratch_databases(url: str, count: int) -> Iterator[list[str]]:
    """``count`` new empty databases next to ``url``, dropped afterwards.

    SQLite: files in a temporary folder.  A server: CREATE DATABASE on it.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            yield [f"sqlite:///{os.path.join(folder, f'db{n}.sqlite')}"
                   for n in range(count)]
        return
    names = [f"part_{uuid.uuid4().hex[:10]}" for _ in range(count)]
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as cx:
            for name in names:
                cx.execute(text(f"CREATE DATABASE {name}"))
        yield [parsed.set(database=n).render_as_string(hide_password=False)
               for n in names]
    finally:
        with admin.connect() as cx:
            for name in names:
                cx.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        admin.dispose()


# -- the demo -----------------------------------------------------------------
# Demo-only models: a CRM database and a billing database (vertical), and
# accounts spread over regions (horizontal).


class CrmBase(DeclarativeBase):
    """Tables of the CRM database."""


class BillingBase(DeclarativeBase):
    """Tables of the billing database."""


class Customer(CrmBase):
    __tablename__ = "customer"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))

    def __repr__(self) -> str:
        return f"Customer({self.id!r}, {self.name!r})"


class Invoice(BillingBase):
    __tablename__ = "invoice"
    id: Mapped[int] = mapped_column(primary_key=True)
    # No foreign key: it would point into another database.
    customer_id: Mapped[int]
    cents: Mapped[int]

    def __repr__(self) -> str:
        return (f"Invoice({self.id!r}, customer={self.customer_id}, "
                f"{self.cents})")


class ShardBase(DeclarativeBase):
    pass


class Account(ShardBase):
    """An account lives in the shard of its region; its id says which."""

    __tablename__ = "account"
    # The region is part of the key ("eu-1"), so a primary-key lookup
    # knows its shard without asking every database.
    id: Mapped[str] = mapped_column(String(20), primary_key=True)
    region: Mapped[str] = mapped_column(String(10))
    balance: Mapped[int]

    def __repr__(self) -> str:
        return f"Account({self.id!r}, {self.balance})"


def _region_of_id(account_id: Any) -> str:
    return str(account_id).split("-", 1)[0]



def _demo(url: str, check: _Checks) -> None:
    with scratch_databases(url, 2) as (url1, url2):
        one, two = create_engine(url1), create_engine(url2)
        try:
            _demo_vertical(one, two, check)
            _demo_sharding(one, two, check)
            if one.dialect.name == "sqlite":
                print("two-phase commit: needs a server (SQLite has no "
                      "PREPARE); try --db postgresql or --db mariadb")
            else:
                _demo_twophase(one, two, check)
        finally:
            one.dispose()
            two.dispose()


def _tables_of(engine: Engine) -> set[str]:
    from sqlalchemy import inspect

    return set(inspect(engine).get_table_names())


def _demo_vertical(crm: Engine, billing: Engine, check: _Checks) -> None:
    CrmBase.metadata.create_all(crm)
    BillingBase.metadata.create_all(billing)
    with vertical_session({CrmBase: crm, BillingBase: billing}) as session:
        ada = Customer(id=1, name="Ada")
        session.add_all([ada, Invoice(id=1, customer_id=1, cents=900)])
        session.commit()
        # One session, two databases: each table exists in one only.
        check("customer" in _tables_of(crm), '"customer" in _tables_of(crm)')
        check(
            "invoice" not in _tables_of(crm),
            '"invoice" not in _tables_of(crm)',
        )
        check(
            "invoice" in _tables_of(billing),
            '"invoice" in _tables_of(billing)',
        )
        invoices = session.scalars(
            select(Invoice).where(Invoice.customer_id == ada.id)).all()
        print(f"vertical: {ada} in one database, {invoices} in the other")
        check(
            [i.cents for i in invoices] == [900],
            '[i.cents for i in invoices] == [900]',
        )


def _demo_sharding(eu: Engine, us: Engine, check: _Checks) -> None:
    for engine in (eu, us):
        ShardBase.metadata.create_all(engine)
    with sharded_session({"eu": eu, "us": us}, shard_column="region",
                         shard_of_id=_region_of_id) as session:
        session.add_all([
            Account(id="eu-1", region="eu", balance=50),
            Account(id="eu-2", region="eu", balance=10),
            Account(id="us-1", region="us", balance=30),
            Account(id="us-2", region="us", balance=5),
        ])
        session.commit()
        # Each row went to its region's database only.
        with eu.connect() as cx:
            eu_ids = sorted(cx.scalars(text("SELECT id FROM account")))
        check(eu_ids == ["eu-1", "eu-2"], 'eu_ids == ["eu-1", "eu-2"]')
        # A primary key lookup goes straight to the right shard.
        session.expunge_all()
        check(
            session.get(Account, "us-2").balance == 5,
            'session.get(Account, "us-2").balance == 5',
        )
        # A query pinned to one region visits that shard only.
        eu_only = session.scalars(
            select(Account).where(Account.region == "eu")).all()
        check(
            {a.id for a in eu_only} == {"eu-1", "eu-2"},
            '{a.id for a in eu_only} == {"eu-1", "eu-2"}',
        )
        # ORDER BY runs in each database; the results are concatenated.
        ordered = session.scalars(
            select(Account).order_by(Account.balance)).all()
        balances = [a.balance for a in ordered]
        print(f"sharded ORDER BY balance: {balances}")
        check(balances == [10, 50, 5, 30], 'balances == [10, 50, 5, 30]')
        overall = sorted(ordered, key=lambda a: a.balance)
        check(
            [a.balance for a in overall] == [5, 10, 30, 50],
            '[a.balance for a in overall] == [5, 10, 30, 50]',
        )
        print(f"sorted after merging: {[a.balance for a in overall]}")


def _demo_twophase(crm: Engine, billing: Engine, check: _Checks) -> None:
    coordinator = TwoPhaseCoordinator(
        crm, {"crm": crm, "billing": billing})
    coordinator.create_journal()
    try:
        _twophase_steps(coordinator, crm, billing, check)
    finally:
        # Whatever happened, leave nothing prepared: an open prepared
        # transaction keeps its locks (MariaDB then can't DROP DATABASE).
        coordinator.recover()


def _twophase_steps(
    coordinator: TwoPhaseCoordinator, crm: Engine, billing: Engine,
    check: _Checks,
) -> None:
    binds = {CrmBase: crm, BillingBase: billing}

    def rows() -> tuple[list[int], list[int]]:
        with crm.connect() as a, billing.connect() as b:
            return (sorted(a.scalars(select(Customer.id))),
                    sorted(b.scalars(select(Invoice.id))))

    # 1. The normal case: both databases commit, or neither.
    with coordinator.session(binds) as session:
        session.add_all([Customer(id=2, name="Bob"),
                         Invoice(id=2, customer_id=2, cents=100)])
        coordinator.commit(session)
    check(rows() == ([1, 2], [1, 2]), 'rows() == ([1, 2], [1, 2])')
    print("two-phase: committed in both databases")

    # 2. Crash after PREPARE, before the decision: recovery rolls back.
    with coordinator.session(binds) as session:
        session.add_all([Customer(id=3, name="Cy"),
                         Invoice(id=3, customer_id=3, cents=300)])
        try:
            coordinator.commit(session, after_prepare=simulate_crash)
        except CoordinatorCrash:
            pass
    check(
        len(prepared_xids(crm)) >= 1 and rows() == ([1, 2], [1, 2]),
        'len(prepared_xids(crm)) >= 1 and rows() == ([1, 2], [1, 2])',
    )
    outcome = sorted(o for _, _, o in coordinator.recover())
    check(
        outcome == ["rolled back", "rolled back"],
        'outcome == ["rolled back", "rolled back"]',
    )
    check(rows() == ([1, 2], [1, 2]), 'rows() == ([1, 2], [1, 2])')
    print(f"crash after prepare: recovery {outcome}")

    # 3. Crash after the decision: recovery commits both halves.
    with coordinator.session(binds) as session:
        session.add_all([Customer(id=4, name="Di"),
                         Invoice(id=4, customer_id=4, cents=400)])
        try:
            coordinator.commit(session, after_decision=simulate_crash)
        except CoordinatorCrash:
            pass
    check(rows() == ([1, 2], [1, 2]), 'rows() == ([1, 2], [1, 2])')
    outcome = sorted(o for _, _, o in coordinator.recover())
    check(
        outcome == ["committed", "committed"],
        'outcome == ["committed", "committed"]',
    )
    check(rows() == ([1, 2, 4], [1, 2, 4]), 'rows() == ([1, 2, 4], [1, 2, 4])')
    # Nothing of ours is left prepared (unresolved XA blocks DROP).
    check(coordinator.recover() == [], 'coordinator.recover() == []')
    print(f"crash after decision: recovery {outcome}")


# -- demo harness: the same block in every recipe, so that each file runs
# -- alone (python NAME.py [--db URL] [--echo]; without --db, the URL in
# -- $DATABASE_URL, else SQLite in memory); nothing above depends on it.


class _CheckFailed(Exception):
    """A demo check that did not hold; its message says which."""


class _Checks:
    """Counts the demo's checks; the first one that fails ends the demo."""

    def __init__(self, server_kind: str | None) -> None:
        self.passed = 0
        #: "postgresql" / "mariadb" when --db asked for a throwaway server
        self.server_kind = server_kind

    def __call__(self, ok: object, what: str) -> None:
        if not ok:
            raise _CheckFailed(what)
        self.passed += 1


def _run_demo(
    demo: Callable[[str, _Checks], None], argv: Sequence[str] | None
) -> int:
    """Parse ``--db`` / ``--echo``, run ``demo``, print the verdict line."""
    import argparse
    import logging
    import os
    import sys
    import traceback

    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    name = os.path.splitext(os.path.basename(__file__))[0]
    summary = " ".join((__doc__ or "").split("\n\n", 1)[0].split())
    parser = argparse.ArgumentParser(prog=f"{name}.py", description=summary)
    parser.add_argument(
        "--db", metavar="URL", default=None,
        help="database URL (default: $DATABASE_URL, else SQLite in "
        "memory; the environment keeps a password out of ps); 'postgresql' "
        "or 'mariadb' starts a throwaway server where the tutorial is "
        "installed",
    )
    parser.add_argument(
        "--echo", action="store_true", help="show the SQL the demo sends"
    )
    args = parser.parse_args(argv)
    # --db, else the variable the tutorial's slide runner sets for its
    # decks, else DATABASE_URL (a URL there stays out of ps), else SQLite
    source, choice = "--db", args.db
    for variable in ("TUTORIAL_DB", "DATABASE_URL"):
        if not choice:
            source, choice = variable, os.environ.get(variable)
    choice = choice or "sqlite://"
    kind = choice if choice in ("postgresql", "mariadb") else None
    if kind is not None:
        try:
            from workshop_db import resolve_url
        except ImportError:
            parser.exit(2, f"{name}: {source} {kind} needs the tutorial's "
                        "clone (there: pip install -e '.[servers]', then "
                        f"python -m workshop_db serve {kind} says how to set "
                        "DATABASE_URL); or pass a URL instead\n")
        try:
            url = resolve_url(kind)
        except RuntimeError as exc:  # the server could not start
            parser.exit(2, f"{name}: {source} {kind}: {exc}\n")
    else:
        url = choice
        try:
            make_url(url).get_dialect().import_dbapi()
        except ArgumentError as exc:
            shown = url if "@" not in url else "(the URL given)"
            parser.exit(
                2, f"{name}: {source} {shown!r} is not a usable URL: {exc}\n"
            )
        except ImportError as exc:
            shown = make_url(url).render_as_string(hide_password=True)
            module = (exc.name or str(exc)).partition(".")[0]
            package = {"psycopg": "'psycopg[binary]'", "pymysql": "PyMySQL",
                       "psycopg2": "psycopg2-binary",
                       "MySQLdb": "mysqlclient"}.get(module, module)
            parser.exit(2, f"{name}: {source} {shown}: its driver {module} "
                        f"is not installed (pip install {package})\n")
    _refuse_a_silent_database(parser.exit, f"{name}: {source}", url)
    if args.echo:
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(logging.Formatter("  SQL: %(message)s"))
        logger = logging.getLogger("sqlalchemy.engine.Engine")
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    backend = make_url(url).get_backend_name()
    check = _Checks(kind)
    try:
        demo(url, check)
    except _CheckFailed as failed:
        print(f"{name}: FAILED: {failed} on {backend}")
        return 1
    except Exception as exc:  # noqa: BLE001  (the verdict names it)
        traceback.print_exc()
        print(f"{name}: FAILED: {type(exc).__name__}: {exc} on {backend}")
        return 1
    print(f"{name}: all {check.passed} checks passed on {backend}")
    return 0


def _refuse_a_silent_database(
    leave: Callable[[int, str], object], said: str, url: str
) -> None:
    """One line and exit 2 when the database does not take a connection
    (``said``: the recipe and where the URL came from)."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import DBAPIError

    probe = create_engine(url)
    try:
        probe.connect().close()
    except DBAPIError as exc:
        reason = str(exc.orig or exc).strip().splitlines() or ["no reason"]
        shown = make_url(url).render_as_string(hide_password=True)
        leave(2, f"{said} {shown}: can't connect: {reason[0]}\n")
    finally:
        probe.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the demo; 0 if every check passed."""
    return _run_demo(_demo, argv)


if __name__ == "__main__":
    raise SystemExit(main())
