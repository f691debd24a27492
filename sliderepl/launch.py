"""Hand a deck file over to the runner when it is run as a script.

A deck's preamble::

    if __name__ == "__main__":
        import sliderepl.launch
        sliderepl.launch.deck(__file__)   # runs the deck, then exits

``deck`` runs ``sliderepl PATH ARGS...`` (``python part1.py --run-all``
works) and raises ``SystemExit`` with its status, so the rest of the deck
file never runs as a script.  If a runner is already at work in this
process (slide code importing or ``runpy``-running a deck), it does
nothing: there is never a second runner.
"""

from __future__ import annotations

import sys
from pathlib import Path

from sliderepl.run import active


def deck(path: str | Path) -> None:
    """Run the deck at ``path`` with this process's arguments, then exit.

    Returns (doing nothing) only if a runner is already active.
    """
    if active.is_active():
        return
    from sliderepl.cli import main

    raise SystemExit(main([str(path), *sys.argv[1:]]))
