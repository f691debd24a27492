"""Ctrl-C held back where a KeyboardInterrupt would leave things broken.

Ctrl-C raises ``KeyboardInterrupt`` at whatever bytecode runs.  In most
places that is what the learner wants (a slide stops), but in a few
short critical sections it is not: half an import, or a capture that has
swapped ``sys.stdout`` but not yet ``sys.displayhook``, would leave the
REPL showing nothing from then on.  :func:`sigint_deferred` makes Ctrl-C
do nothing for the length of such a section (microseconds; a second
press works as usual).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def sigint_deferred() -> Iterator[None]:
    """Ctrl-C does nothing while the block runs (main thread only:
    signal handlers can only be changed there)."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
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
