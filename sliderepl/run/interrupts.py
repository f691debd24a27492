"""Ctrl-C held back where a KeyboardInterrupt would leave things broken.

Ctrl-C raises ``KeyboardInterrupt`` at whatever bytecode runs.  In most
places that is what the learner wants (a slide stops), but in a few
short critical sections it is not: half an import, or a capture that has
swapped ``sys.stdout`` but not yet ``sys.displayhook``, would leave the
REPL showing nothing from then on.  :func:`sigint_deferred` makes Ctrl-C
do nothing for the length of such a section (microseconds; a second
press works as usual).  :func:`sigint_postponed` is for sections that
must finish but where the press must still count: rich's console
counts itself "buffering" between entering and leaving a print, so a
KeyboardInterrupt in between left every later print buffered and never
shown (found by the long fuzz run); there the press is delivered as soon
as the section ends.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

#: signal handlers can only be changed in the main thread
_MAIN = threading.main_thread().ident


@contextmanager
def sigint_deferred() -> Iterator[None]:
    """Ctrl-C does nothing while the block runs (main thread only:
    signal handlers can only be changed there)."""
    if threading.get_ident() != _MAIN:
        yield
        return
    try:
        previous = signal.signal(signal.SIGINT, _ignore)
    except (ValueError, OSError):  # no signals here (an embedded Python)
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _ignore(signum: int, frame: object) -> None:
    """The SIGINT handler of a critical section: the press is dropped."""



class sigint_postponed:  # noqa: N801  (used like the function above)
    """A Ctrl-C during the block takes effect when the block ends, as the
    handler in force before it would have taken it (by default a
    ``KeyboardInterrupt``).  Main thread only, as above.  A class, not a
    generator: it wraps every print of program output (its cost per
    line: ``benchmarks/output_rate.py``)."""

    __slots__ = ("previous", "pressed")

    def __enter__(self) -> None:
        self.pressed = False
        self.previous: object = None
        if threading.get_ident() != _MAIN:
            return
        try:
            self.previous = signal.signal(signal.SIGINT, self._remember)
        except (ValueError, OSError):  # no signals here (embedded)
            self.previous = None

    def _remember(self, signum: int, frame: object) -> None:
        self.pressed = True

    def __exit__(self, *exc: object) -> None:
        previous = self.previous
        if previous is None:
            return
        signal.signal(signal.SIGINT, previous)  # type: ignore[arg-type]
        if self.pressed:
            if callable(previous):
                previous(signal.SIGINT, None)
            elif previous == signal.SIG_DFL:
                raise KeyboardInterrupt
