"""What a headless run (``--run-all``) guards against in slide code.

* ``os._exit(N)`` would end the process on the spot: no summary, no
  flushed transcript, a status nobody can explain.  While the run lasts,
  ``os._exit`` in *this* process raises ``ProcessExit`` instead, which the
  interpreter reports as that slide's failure; the run goes on.  A forked
  child (multiprocessing) still exits for real: its pid differs.  Slides
  run in-process (no subprocess per slide) because they share one
  namespace and startup must stay at its floor.
* ``raise KeyboardInterrupt`` in a slide is not the user pressing Ctrl-C:
  ``Watch.pressed`` is True only when SIGINT really arrived, so the run
  tells a slide's own KeyboardInterrupt (a failure, the run goes on) from
  Ctrl-C (the run stops, status 130).
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NoReturn


class ProcessExit(BaseException):
    """A slide called ``os._exit``; the runner stopped the slide instead."""

    def __init__(self, status: Any) -> None:
        super().__init__(f"os._exit({status!r}) was called; sliderepl "
                         "stopped the slide instead of the whole run")


class Watch:
    """Whether a real SIGINT (Ctrl-C) arrived during the run."""

    pressed = False


@contextmanager
def guarded() -> Iterator[Watch]:
    watch = Watch()
    real_exit = os._exit
    runner = os.getpid()

    def _exit(status: int) -> NoReturn:
        if os.getpid() != runner:  # a forked child: let it go
            real_exit(status)
        raise ProcessExit(status)

    previous: Any = None
    main = threading.current_thread() is threading.main_thread()
    if main:
        previous = signal.getsignal(signal.SIGINT)

        def on_sigint(signum: int, frame: Any) -> None:
            watch.pressed = True
            if callable(previous):
                previous(signum, frame)
            else:
                raise KeyboardInterrupt

        signal.signal(signal.SIGINT, on_sigint)
    os._exit = _exit
    try:
        yield watch
    finally:
        os._exit = real_exit
        if main:
            signal.signal(signal.SIGINT, previous)
