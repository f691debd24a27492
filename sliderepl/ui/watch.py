"""``--watch``: reload the deck when its files are saved.

For a deck author rehearsing: save the deck (or a chapter it includes)
and the REPL re-reads it, re-runs the slides before the current one
silently (the namespace rebuilt as a slide move would), says so in one
line with the time the rebuild took, and shows the current slide again
from the edited file.  A save that breaks the deck (a syntax error, an
include gone) is one line; the old deck runs on.

Polling, not a file-watching library: a deck is one to a few files, so
``os.stat`` of each a few times a second costs nothing, works on every
platform and file system (network mounts and editors that save by
renaming included), and adds no dependency or import time.  At the
prompt a prompt_toolkit background task polls and ends the prompt (the
typed text is kept for the next one); with no terminal the check runs
before each line read.  A change counts once it has settled (the same
on two polls), so a save caught half-written is not read.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sliderepl.deck.model import Deck
from sliderepl.deck.parser import load, read_file
from sliderepl.ui.steps import DONE, ReplState, land, landed, replay

#: path -> (mtime_ns, size, inode), None if it can't be read
Stamps = dict[Path, "tuple[int, int, int] | None"]

#: seconds between two looks at the files
INTERVAL = 0.25


def stamps(deck: Deck) -> Stamps:
    """How each file of ``deck`` (the deck and its includes) is now."""
    found: Stamps = {}
    for path in [deck.path, *deck.sources]:
        try:
            st = os.stat(path)
        except OSError:
            found[path] = None
        else:
            found[path] = (st.st_mtime_ns, st.st_size, st.st_ino)
    return found


#: the stamp of a file that changed before the watch began
_STALE = (-1, -1, -1)


def as_read(deck: Deck) -> Stamps:
    """The stamps of ``deck``'s files, a file whose text is no longer
    the text the deck was parsed from marked stale: a save between
    reading the deck and starting the watch still counts."""
    found = stamps(deck)
    for path, text in deck.sources.items():
        try:
            same = read_file(path) == text
        except (OSError, UnicodeDecodeError):
            same = False
        if not same:
            found[path] = _STALE
    return found


class DeckChanged(Exception):
    """Ends the prompt: the deck's files were saved."""


class Watch:
    """Watches the files of ``state``'s deck and reloads it."""

    def __init__(self, state: ReplState, interval: float = INTERVAL,
                 clock: Callable[[], float] = time.perf_counter) -> None:
        self.state = state
        self.interval = interval
        self.clock = clock
        self.known = as_read(state.nav.deck)
        self.seen = self.known
        #: text typed at the prompt when a save ended it
        self.typed = ""

    def changed(self) -> bool:
        """True once the files differ from the deck's and have settled
        (the same as at the previous poll)."""
        now = stamps(self.state.nav.deck)
        settled = now == self.seen
        self.seen = now
        return settled and now != self.known

    def settle(self) -> bool:
        """Between two lines (no terminal): a change, waited out."""
        if stamps(self.state.nav.deck) == self.known:
            return False
        deadline = self.clock() + 5.0
        while not self.changed():
            if self.clock() > deadline:
                return False
            time.sleep(self.interval / 2)
        return True

    # -- at the prompt ---------------------------------------------------

    def prompt_args(self) -> dict[str, Any]:
        """Keyword arguments for ``PromptSession.prompt``: start polling
        when the prompt runs; give back what was typed before a save."""
        typed, self.typed = self.typed, ""
        return {"default": typed, "pre_run": self._start_polling}

    def _start_polling(self) -> None:
        from prompt_toolkit.application import get_app

        app = get_app()
        app.create_background_task(self._poll(app))

    async def _poll(self, app: Any) -> None:
        import asyncio

        while True:
            await asyncio.sleep(self.interval)
            if self.changed():
                self.typed = app.current_buffer.text
                app.exit(exception=DeckChanged())
                return

    # -- reloading -------------------------------------------------------

    def reload(self) -> bool:
        """Re-read the deck; rebuild the state up to the current slide
        and show it again.  False (the old deck kept) if it can't be
        read or the save broke it."""
        state, screen = self.state, self.state.screen
        old = state.nav.deck
        self.known = self.seen
        name = old.path.name
        try:
            deck = load(old.path)
        except (OSError, UnicodeDecodeError) as exc:
            screen.message(f"{name} not reloaded (the old deck runs on): "
                           f"can't read it: {exc}", failed=True)
            return False
        broken = new_problems(old, deck)
        if broken:
            more = f" (and {len(broken) - 1} more)" if len(broken) > 1 \
                else ""
            screen.message(f"{broken[0]}{more}: not reloaded, the old "
                           "deck runs on", failed=True)
            return False
        self.known = self.seen = stamps(deck)
        had_run = state.nav.has_run
        position = state.nav.replace(deck)
        if not position:
            state.nav.start(screen)
            state.phase = DONE
            screen.message(f"reloaded {name}")
            return True
        started = self.clock()
        caught_up = state.nav.catch_up(position - 1, screen)
        took = self.clock() - started
        if not caught_up:  # Ctrl-C: the navigator sits where it stopped
            state.phase = DONE
            screen.message(f"reloaded {name}; the rebuild was stopped at "
                           f"slide {state.position}", failed=True)
            return True
        arrived = state.nav.goto(position, screen, run=False)
        earlier = position - 1
        screen.message(
            f"reloaded {name}: back on slide {position} / {state.total}, "
            f"{earlier} slide{'' if earlier == 1 else 's'} before it "
            f"re-run in {took:.2f}s")
        if had_run:
            landed(state)
            replay(state, arrived)
        else:
            land(state, arrived, position)
        return True


def new_problems(old: Deck, new: Deck) -> list[str]:
    """Problems of ``new`` that ``old`` did not have (by file and
    message: lines move as the author edits)."""
    known = {(p.path, p.message) for p in old.problems}
    return [f"{_near(p.path, new.path)}:{p.line}: {p.message}"
            for p in new.problems if (p.path, p.message) not in known]


def _near(path: Path, deck: Path) -> str:
    """``path`` as seen from the deck's folder (short, for one line)."""
    try:
        return str(path.relative_to(deck.parent))
    except ValueError:
        return str(path)


def for_state(state: ReplState) -> Watch | None:
    """A watch if ``--watch`` was given, else None."""
    return Watch(state) if state.nav.options.watch else None
