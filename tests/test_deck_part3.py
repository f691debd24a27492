"""part3.py runs headless, start to end, on each backend, and its output
proves what the slides claim."""

from __future__ import annotations

import re
from subprocess import CompletedProcess

from tests import deckrun
from tests.deckrun import (
    ROOT,
    assert_launch_preamble,
    assert_lines,
    assert_shown_not_pasted,
    passed,
)

DECK = ROOT / "part3.py"

# Lines every run must print, whatever the database: each one is a claim
# a slide makes.
EVERYWHERE = [
    # mapper() is gone; both mapping styles end in the same Mapper
    "The 'sqlalchemy.orm.mapper()' function is removed as of SQLAlchemy "
    "2.0",
    "PlainUser Mapper -> p3_plain_users ['id', 'name'] ['comments']",
    "User      Mapper -> p3_users ['id', 'name', 'email'] ['comments']",
    "('InstrumentedAttribute', 'InstrumentedAttribute')",
    # the extension classes are gone; EXT_STOP stops nothing
    "listeners that ran: ['stopper', 'next one']",
    "ImportError: cannot import name 'MapperExtension'",
    # a mapper event sets the row's own column during the flush
    "  before_insert: Comment('  hello  ') for Comment",
    "['hello']\n",
    # collection class, composite, comparator
    "{'Dune': Book('Dune')}",
    "WHERE p3_places.x = :x_1 AND p3_places.y = :y_1",
    "WHERE lower(p3_subscribers.email) = lower(:lower_1)",
    # an attribute event fires on set, not on load
    "('ed', 1)",
    "loaded: User('jek') | listener calls: 1",
    # one Session class; a factory; a registry
    "['Session', 'Session', 'Session']",
    "('Session', True)",
    "autoflush: False",
    "same one again: True",
    "another thread's: False",
    "after remove(): False",
    # extending by wrapping and by subclassing
    "committing as 7",
    "CountingSession flushes: 1",
    # attribute history, before and during a flush
    "History(added=(), unchanged=['jek@example.com'], deleted=())",
    "History(added=['jek@discorporate.us'], unchanged=(), "
    "deleted=['jek@example.com'])",
    "  before_flush: User('jek') History(added=['jek@discorporate.us'], "
    "unchanged=(), deleted=['jek@example.com'])",
    "  after the flush: User('jek') History(added=(), "
    "unchanged=['jek@discorporate.us'], deleted=())",
    # after_commit: values still loaded, SQL refused
    "  still loaded in after_commit: User('mike')",
    "This session is in 'committed' state; no further SQL can be emitted",
    # expire_on_commit
    "expired: ['comments', 'email', 'id', 'name']",
    "expire_on_commit=True: DetachedInstanceError",
    "expire_on_commit=False: email is ed@example.com",
    # before_flush sees new, dirty, deleted and adds to the same flush
    "[\"new User('fred')\", \"dirty User('eddie')\", "
    "\"deleted Comment('first!')\"]",
    # a collection class of our own: tracked, and filled on load
    "tracked: 3 added",
    "loaded: {2015: ['barolo'], 2019: ['rioja', 'chianti']}",
    # a Query subclass, Query.get legacy, select() functions
    "[User('eddie')]",
    "LegacyAPIWarning",
    # contextual defaults: the 2010 sequence, and no leak
    "updated_by None",
    "after commit: updated_by 456",
    # soft delete: every way of loading, before install() and after
    "before install():      select: [Reply('first'), Reply('spam'), "
    "Reply('ok')]",
    "                       get(2): Reply('spam') | lazy: [Reply('first'), "
    "Reply('spam'), Reply('ok')]",
    "                       selectinload: [Reply('first'), Reply('spam'), "
    "Reply('ok')]",
    "after install():       select: [Reply('first'), Reply('ok')]",
    "                       get(2): None | lazy: [Reply('first'), "
    "Reply('ok')]",
    "                       selectinload: [Reply('first'), Reply('ok')]",
    "include_deleted=True: [Reply('first'), Reply('spam'), Reply('ok')]",
    "def _hide_deleted(state: ORMExecuteState) -> None:",
    # auto-add
    "constructor raised: a spot needs a name",
    "pending: [Spot('home')]",
    "raised as a result of Query-invoked autoflush",
    "Spot('work') pending: False",
    # object managers
    "<Manager for User>",
    "<ListManager for ListMember>",
    "ListMember('sqlalchemy@googlegroups.com')",
    # case-study code comes from the modules
    "def install(\n    session_factory: sessionmaker[Any] | type[Session],",
    "    def after_begin(\n        self, session: Session,",
    "def auto_add(\n    base_or_class: type,",
    "def install(\n    base_or_class: type,\n    sessions: SessionSource,",
    "part 3 done on:",
]


def run_deck(*args: str, db: str | None = None) -> CompletedProcess[str]:
    return deckrun.run_deck(DECK, *args, db=db)


def slide(out: str, title: str) -> str:
    """The transcript of the slide called ``title``."""
    start = re.search(rf"=== \d+/\d+ {re.escape(title)} ===\n", out)
    assert start, title
    return out[start.end():].split("\n=== ", 1)[0]


def check(result: CompletedProcess[str]) -> str:
    out = passed(result, "part3.py")
    assert_lines(out, EVERYWHERE)

    # The session events, in order, through one flush and commit; the
    # inner create/end pair is the flush's own transaction.
    events = slide(out, "Ten session events, through a flush and a commit")
    committing = events.split("-- commit\n", 1)[1].split("-- leaving")[0]
    assert re.findall(r"  event: (\w+)", committing) == [
        "before_commit", "before_flush", "after_transaction_create",
        "after_flush", "after_flush_postexec", "after_transaction_end",
        "after_commit", "after_transaction_end",
    ]
    # Autoflush: the same object in three flushes before one commit.
    flushes = (slide(out, "Autoflush: the same object, many flushes")
               + slide(out, "...and once more in the commit"))
    assert re.findall(r"  flush sees: (.*)", flushes) == [
        "[User('ed')]", "[User('ed')]", "[User('eddie')]"
    ]
    assert flushes.count("SQL: COMMIT") == 1
    # after_flush: jek's change (in the flush) and mike's (clean until
    # then) are reset, only mike's with a warning; the object added there
    # waits for the next flush; after_flush_postexec's change is flushed.
    inner = (slide(out, "The first flush: one warning")
             + slide(out, "The second flush: what reached the database"))
    assert ("after the flush: new [User('added in after_flush')] | "
            "dirty [User('wendy')]") in inner
    stored = inner.split("in the database:\n", 1)[1]
    assert re.findall(r"^   (.*)$", stored, re.M) == [
        "jek jek@flushed", "mike mike@example.com", "wendy wendy@postexec",
        "added in after_flush None"]
    warned = re.findall(r"^SAWarning: (.*)$", inner, re.M)
    assert warned == ["Attribute history events accumulated on 1 "
                      "previously clean instances within inner-flush event "
                      "handlers have been reset"]
    # The 2010 populator leaks on close() and exhausts the pool when a
    # session is dropped; the recipe does neither.
    old = slide(out, "Baseline: the 2010 populator, ported to events")
    assert "  after close(): a plain Core insert is stamped 789" in old
    assert "  after a drop: checked out 1" in old
    assert ("  ...and a plain Core insert: TimeoutError QueuePool limit of "
            "size 1 overflow 0 reached") in old
    fixed = slide(
        out, "Fixed: nothing leaks, even from a session nobody closed")
    assert "  after close(): a plain Core insert is stamped None" in fixed
    assert "  after a drop: checked out 0" in fixed
    assert "  ...and a plain Core insert is stamped None" in fixed
    # The e-slide of auto-add fails on the half-built INSERT.
    assert "IntegrityError" in slide(
        out, "Why it is hard: a query inside __init__"
    )
    # The exercises' solutions pass their checks.
    for title in ("Your turn: a session event",
                  "Your turn: a query as a function"):
        assert "-- check passed" in slide(out, title), title
    # The Session chapter is included near the end, in place.
    order = [
        out.index("=== 1/"),
        out.index(" Extension points in one slide ==="),
        out.index(" The Session in depth ==="),
        out.index(" Questions? ==="),
    ]
    assert order == sorted(order)
    return out


def test_deck_on_each_backend(backend: str, db_url: str) -> None:
    out = check(run_deck(db=db_url))
    name = backend
    assert f"this deck is running on: {name}\n" in out


def test_deck_on_default_in_memory_sqlite() -> None:
    # What a learner gets with no options at all.
    out = check(run_deck())
    assert "this deck is running on: sqlite\n" in out


def test_preamble_is_the_launch_contract() -> None:
    assert_launch_preamble(DECK, 3)
    lines = DECK.read_text(encoding="utf-8").splitlines()
    assert "### file:: chapters/part3_session.py" in lines


def test_case_study_code_is_shown_not_pasted() -> None:
    assert_shown_not_pasted(
        DECK,
        shown=[
            "source(contextual_defaults.install)",
            "source(contextual_defaults.UserCopier.after_begin)",
            "source(auto_add.auto_add)",
            "source(object_managers.install)",
            "source(object_managers.Manager.get)",
            "source(soft_delete._hide_deleted)",
        ],
        pasted=[
            "def install(",
            "class UserCopier",
            "def after_begin(\n",   # the recipe's; the 2010 baseline's
                                     # one-line signature is the slide's own
            "def auto_add(",
            "def add_on_init",
            "class Manager(",
            "def _attach(",
            "def _hide_deleted(",
            "class SoftDeleteMixin",
        ],
    )
