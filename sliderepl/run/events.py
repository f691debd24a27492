"""What running slide code produces, in the order it happened.

Execution turns each block into a stream of these events and hands them to
a sink (any callable taking one event).  The console renders them; the
headless runner and the transcript checker turn them into text.  Events
carry no styling: how they look is the renderer's business.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sliderepl.deck.model import Block, Slide

if TYPE_CHECKING:  # imported when a value is echoed, not at startup
    from sliderepl.run.rows import Rows


@dataclass(frozen=True)
class SlideStarted:
    """The navigator landed on a slide to show it (header, bullets, code).

    Emitted before any of the slide's blocks run; ``total`` is the number
    of shown slides, for ``N / M``.  Slides run silently (catching up,
    setup) produce no ``SlideStarted``.
    """

    slide: Slide
    total: int


@dataclass(frozen=True)
class BlockStarted:
    """A block is about to run; ``shown`` is False when run silently."""

    block: Block
    shown: bool = True


@dataclass(frozen=True)
class Output:
    """Text the code wrote to stdout or stderr (``print`` and friends)."""

    text: str
    stream: str = "stdout"


@dataclass(frozen=True)
class Value:
    """A value echoed as at ``>>>``: ``text`` is its ``repr``.

    ``obj`` is the value itself, so a renderer can draw rich renderables
    (objects with ``__rich__`` or ``__rich_console__``) as themselves.
    ``rows`` is set when the value is a table (``sliderepl.run.rows``).
    Nothing that handles a Value runs more of the value's code than
    plain Python's echo did (its repr, once): recorders use ``text``
    and ``rows`` only (``tests/test_conveniences.py``).
    """

    obj: Any
    text: str
    #: the value as a table (a list of rows, ORM objects from their
    #: loaded state), or None (``sliderepl.run.rows``); ``text`` stays
    #: the plain repr
    rows: Rows | None = None
    #: one dim line for the screen under the repr (a live ``Result``:
    #: how to see its rows), or None; never part of a transcript
    hint: str | None = None


@dataclass(frozen=True)
class SQL:
    """One message SQLAlchemy logged on ``sqlalchemy.engine``: a
    statement, its parameters, or BEGIN / COMMIT / ROLLBACK."""

    text: str


@dataclass(frozen=True)
class Error:
    """The block raised.  ``traceback`` is already trimmed to the deck's
    frames and real line numbers; ``expected`` is True on ``e`` slides.
    The screen shows ``summary`` and ``where`` instead of the traceback
    for expected and typed errors (``!tb`` then shows the traceback)."""

    exception: BaseException
    traceback: str
    expected: bool = False
    #: the final exception alone (``Type: message``, a note under it)
    #: and ``FILE:LINE: code`` where it left the deck
    #: (``sliderepl.run.tracebacks.summary``), for a short display
    summary: str = ""
    where: str = ""
    #: raised by code typed at the prompt, not by a slide
    typed: bool = False


@dataclass(frozen=True)
class Interrupted:
    """Ctrl-C stopped the slide; its remaining blocks did not run
    (``typed``: it stopped code typed at the prompt or run by ``!edit``,
    the learner's own, not a slide)."""

    block: Block | None = None
    typed: bool = False


@dataclass(frozen=True)
class Notice:
    """One line from the runner, not from slide code.

    For example: a slide run silently while catching up raised (the text
    names the slide and its ``FILE:LINE``), or the catch-up was
    interrupted.  ``failed`` is True when it reports a failure.
    """

    text: str
    failed: bool = True


Event = (
    SlideStarted | BlockStarted | Output | Value | SQL | Error | Interrupted
    | Notice
)
Sink = Callable[[Event], None]
