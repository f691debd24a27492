"""Route what running code writes, echoes and logs to a sink.

While a :class:`Capture` is active, ``sys.stdout`` / ``sys.stderr`` are
stream proxies, ``sys.displayhook`` echoes values as events, and a
handler on the ``sqlalchemy.engine`` logger turns each SQL log record
into an event.  Everything is restored on exit.

The SQL echo and the deck's own logging: between two statements the
logging tree is exactly what the deck's code made it (as at plain
Python's ``>>>``, where no handler of ours exists).  While a statement
runs, the ``sqlalchemy.engine`` logger carries our handler and, if its
level would not let SQLAlchemy log statements (unset or above INFO),
the level ``_CAPTURING`` (INFO - 1) and, only when some handler further
up (the deck's, the root's) would otherwise get records plain Python
never makes, ``propagate = False``.  On exit only what is still ours is
undone: a level or ``propagate`` the code set meanwhile stays.  Code
that reads the logger's level or handlers *during* a statement sees
that overlay (and a mute filter on the handlers of ``echo=True``
engines, so their SQL does not show twice); that is all the echo
changes, and
``echo_sql=False`` (``!echo off``) leaves the logger alone entirely.

The proxies are module singletons and stay valid after a capture ends:
code that kept a reference to ``sys.stdout`` (``logging.StreamHandler``
created in a slide, say) writes through them to the stream they last
replaced when nothing is being captured, and to the sink while something
is.  Writes made *while the sink itself runs* (a renderer printing to
``sys.stdout``) go straight to the real stream, so rendering can't loop
back into the capture.
"""

from __future__ import annotations

import builtins
import logging
import sys
import threading
import types
from typing import Any, TextIO

from sliderepl.run.events import SQL, Event, Output, Sink, Value
from sliderepl.run.interrupts import sigint_deferred

_SQL_LOGGER = "sqlalchemy.engine"


class StreamProxy:
    """A text stream standing in for stdout or stderr."""

    def __init__(self, name: str, target: TextIO) -> None:
        self._name = name
        self.target = target

    def write(self, text: str) -> int:
        capture = _active
        if capture is None or not text:
            return self.target.write(text)
        if not capture.deliver(Output(text, self._name)):
            return self.target.write(text)
        return len(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        try:
            self.target.flush()
        except (OSError, ValueError):
            pass  # a closed or broken terminal must not break slide code

    def __getattr__(self, name: str) -> Any:
        # encoding, isatty, fileno, buffer...: whatever the real stream has
        return getattr(self.target, name)


_stdout = StreamProxy("stdout", sys.stdout)
_stderr = StreamProxy("stderr", sys.stderr)
_active: Capture | None = None


def end_leftovers() -> None:
    """Close any capture still active: at the prompt no code runs, so
    one still active was left by a press that landed where no guard
    could catch it, and it would keep the screen mute."""
    global _active
    while _active is not None:
        leftover = _active
        with sigint_deferred():
            leftover._exit()
            if _active is leftover:  # not open, yet active: drop it
                _active = leftover._outer


def real_stdout() -> TextIO:
    """The stream behind the stdout proxy (``sys.stdout`` if none)."""
    out = sys.stdout
    return _stdout.target if out is _stdout else out


#: The format of the handler SQLAlchemy adds for ``echo=True``.
_ECHO_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


class _MuteWhileEchoing(logging.Filter):
    """On SQLAlchemy's own ``echo=True`` handlers: silent while a capture
    shows the same SQL as events (old decks use ``echo=True``; without
    this each statement would show twice, once with a timestamp)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return _active is None or not _active.echo_sql


_MUTE = _MuteWhileEchoing()
_engine_loggers: list[logging.Logger] = []
#: the handlers the filter is on now
_muted: list[logging.Handler] = []
_known_loggers = -1


def mute_echo_handlers() -> None:
    """Put the mute filter on every ``echo=True`` handler there is."""
    global _known_loggers
    everything = logging.root.manager.loggerDict
    if len(everything) != _known_loggers:
        _known_loggers = len(everything)
        _engine_loggers[:] = [
            logger
            for name, logger in list(everything.items())
            if name.startswith(_SQL_LOGGER)
            and isinstance(logger, logging.Logger)
        ]
    for logger in _engine_loggers:
        for handler in logger.handlers:
            if (
                isinstance(handler, logging.StreamHandler)
                and handler.formatter is not None
                and handler.formatter._fmt == _ECHO_FORMAT
                and _MUTE not in handler.filters
            ):
                handler.addFilter(_MUTE)
                _muted.append(handler)


def _unmute() -> None:
    """Take the mute filter off again once no capture is active: between
    statements SQLAlchemy's handlers are as the deck's code made them."""
    while _muted:
        _muted.pop().removeFilter(_MUTE)


#: The level the SQL logger is lowered to while a capture shows SQL:
#: INFO in effect (SQLAlchemy logs statements at INFO, rows at DEBUG),
#: yet not a level a deck sets, so the capture can tell on exit whether
#: the level is still its own or one the deck's code chose meanwhile.
_CAPTURING = logging.INFO - 1


def _handlers_above(logger: logging.Logger) -> bool:
    """Whether a record passed up from ``logger`` would reach a handler
    (the root's included)."""
    parent = logger.parent
    while parent is not None:
        if parent.handlers:
            return True
        if not parent.propagate:
            return False
        parent = parent.parent
    return False


class _SQLHandler(logging.Handler):
    def __init__(self, capture: Capture) -> None:
        super().__init__(logging.INFO)
        self.capture = capture

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = record.getMessage()
        except Exception:  # a bad log record must not break the slide
            text = str(record.msg)
        self.capture.deliver(SQL(text))


class Capture:
    """Context manager: while active, output, values and SQL go to
    ``sink``.  ``echo_sql=False`` leaves the SQL logger alone.

    ``main`` is the module installed as ``sys.modules["__main__"]`` while
    active, so classes defined by slides (whose ``__module__`` is
    ``"__main__"``) can be found by pickle, typing and SQLAlchemy.
    """

    def __init__(
        self, sink: Sink, main: types.ModuleType, echo_sql: bool = True
    ) -> None:
        self.sink = sink
        self.main = main
        self.echo_sql = echo_sql
        self._lock = threading.Lock()
        self._delivering: int | None = None
        self._saved: tuple[Any, ...] = ()
        self._outer: Capture | None = None
        self._handler: _SQLHandler | None = None
        self._open = False  # streams swapped, not yet restored
        self._lowered = False  # the logger's level is ours (_CAPTURING)
        self._blocked = False  # its propagate=False is ours

    def deliver(self, event: Event) -> bool:
        """Hand ``event`` to the sink; False if the caller is the sink
        itself (it should write to the real stream instead)."""
        me = threading.get_ident()
        if self._delivering == me:
            return False
        with self._lock:
            self._delivering = me
            try:
                self.sink(event)
            finally:
                self._delivering = None
        return True

    def tell(self, event: Event) -> None:
        """Deliver an event of the runner's own (outside slide code): a
        failing sink must not take the REPL down, so its error is
        written, plainly, to the real stderr instead."""
        try:
            self.deliver(event)
        except Exception as exc:
            try:
                _stderr.target.write(
                    f"sliderepl: could not show {type(event).__name__}:"
                    f" {type(exc).__name__}: {exc}\n"
                )
            except Exception:
                pass  # no stderr left to complain to

    def displayhook(self, value: object) -> None:
        """``sys.displayhook`` while capturing: echo as at ``>>>``."""
        if value is None:
            return
        builtins._ = None  # type: ignore[attr-defined]
        text = repr(value)
        # rows already in memory become a table; nothing is read for it
        from sliderepl.run.rows import hint_of, table_of

        builtins._ = value  # type: ignore[attr-defined]
        self.deliver(Value(value, text, table_of(value), hint_of(value)))

    def __enter__(self) -> Capture:
        # Ctrl-C half-way through the swap would leave the streams and
        # the displayhook pointing at a capture that is over.  A press
        # that lands just as the deferral ends (after the swap, before
        # the ``with`` owns this capture) is undone here: no __exit__
        # would ever run for it (found by the long fuzz run: the screen,
        # which writes to sys.stdout, went mute).
        swapped = False
        try:
            with sigint_deferred():
                self._enter()
                swapped = True
        except BaseException:
            if swapped:
                with sigint_deferred():
                    self._exit()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        # A press can also land as __exit__ starts, before the deferral
        # is in force: the KeyboardInterrupt then left this capture
        # active, and when it was a silent catch-up slide's (whose sink
        # discards everything) the screen went mute while the pager
        # still waited for answers at prompts nobody could see (found by
        # the long fuzz run).  The capture is closed whatever lands; the
        # press is raised once it is.
        pressed: KeyboardInterrupt | None = None
        while self._open:
            try:
                with sigint_deferred():
                    self._exit()
            except KeyboardInterrupt as exc_:
                pressed = exc_
        if pressed is not None:
            raise pressed

    def _enter(self) -> Capture:
        global _active
        self._outer = _active
        logger = logging.getLogger(_SQL_LOGGER)
        self._saved = (
            sys.stdout,
            sys.stderr,
            sys.displayhook,
            sys.modules.get("__main__"),
            logger.level,
            logger.propagate,
        )
        if sys.stdout is not _stdout:
            _stdout.target = sys.stdout
        if sys.stderr is not _stderr:
            _stderr.target = sys.stderr
        sys.stdout = _stdout
        sys.stderr = _stderr
        sys.displayhook = self.displayhook
        sys.modules["__main__"] = self.main
        self._handler = None
        self._lowered = self._blocked = False
        if self.echo_sql:
            self._handler = _SQLHandler(self)
            logger.addHandler(self._handler)
            if logger.level == logging.NOTSET or logger.level > logging.INFO:
                # records plain Python would not make: they must reach
                # no handler of the deck's own further up
                logger.setLevel(_CAPTURING)
                self._lowered = True
                if logger.propagate and _handlers_above(logger):
                    logger.propagate = False
                    self._blocked = True
            mute_echo_handlers()
        _active = self
        self._open = True
        return self

    def _exit(self) -> None:
        global _active
        if not self._open:
            return
        self._open = False
        _active = self._outer
        if _active is None:
            _unmute()
        out, err, hook, main, level, _ = self._saved
        logger = logging.getLogger(_SQL_LOGGER)
        if self._handler is not None:
            # undo only what is still ours: a level or ``propagate`` the
            # code set meanwhile is the code's, and stays (as it would)
            logger.removeHandler(self._handler)
            if self._blocked and not logger.propagate:
                logger.propagate = True
            if self._lowered and logger.level == _CAPTURING:
                logger.setLevel(level)
        if main is not None:
            sys.modules["__main__"] = main
        sys.displayhook = hook
        sys.stderr = err
        sys.stdout = out
