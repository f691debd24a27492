"""The Python side of a deck page: runs inside Pyodide, in the browser.

The page's script holds one :class:`PageSession` per deck and calls its
methods; each returns a list of JSON-able dicts, one per event of the
runner (``sliderepl.run.events``), in the order things happened.  The
deck is parsed by the runner's own parser and run by its
``Navigator`` (one namespace, going back rebuilds it silently), the
exercises by ``sliderepl.teach.exercises``: nothing here parses a deck
or runs code another way, and the script only draws what it is given.

Event dicts (``kind`` first):

* ``slide``: number, total, title / intro / bullets as markup spans
  (``[kind, text, bold]``, ``sliderepl.deck.markup``: the script builds
  text nodes from them, never HTML), the exercise's task, hints count;
* ``block``: a block's code as the slide shows it;
* ``output`` (text, stream), ``value`` (its repr, ``rows`` as a table
  from ``sliderepl.run.rows``, ``hint``), ``sql`` (the echo: its own
  channel);
* ``error``: an intended error (``e`` slide) or one in typed code comes
  short (``summary``, ``where``: ``sliderepl.run.tracebacks.summary``),
  any other with its trimmed traceback too;
* ``unsupported``: the slide needs what a browser has not (threads,
  sockets, subprocesses): one line, and the deck goes on
  (:func:`browser_limit`);
* ``notice`` (the runner's one-liners), ``result`` (hint, check and
  solution answers: ``ok``, text, code).

Counts kept for the page's closing line and for tests: ``unsupported``
(slide numbers that hit a browser limit) and ``failures`` (slides that
raised unexpectedly).

Decision (issue 28, the shape of ``sliderepl.web``): one more front end
on the runner, no second one.
The page runs CPython 3.14 in WebAssembly (Pyodide, from npm) with the
project's own wheel unpacked into its site-packages, and the deck is
parsed and run there by ``sliderepl.deck`` and ``sliderepl.run`` (the
``Navigator``: one namespace, rebuilt silently when going back) and its
exercises by ``sliderepl.teach``, through :mod:`sliderepl.web.session`,
which hands the page's script the runner's events as JSON-able dicts.
The script (``page.js``) only draws them and sends keys; nothing in
JavaScript reads a deck.

Modules:

* ``session``: runs in the page (imports ``run``, ``deck``, ``teach``);
* ``pins``, ``fetch``: the pinned Pyodide and wheels, fetched once into
  a cache and checked by sha256;
* ``wheel``: the wheel of the decks' project (runner, decks, recipes);
* ``build``: ``sliderepl export DECK... --to site -o FOLDER``;
* ``page``: the page's HTML, script and styles (the handout's palettes,
  ``sliderepl.tools.handout_style``, plus a projector one);
* ``serve``: ``sliderepl serve FOLDER`` on 127.0.0.1.

Layer: above ``tools`` (may import ``tools``, ``teach``, ``run``,
``deck``, ``show``: the page's colours are the handout's); only ``cli``
imports it.  This module, the one Pyodide runs, imports ``run``,
``deck`` and ``teach`` only.
"""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path
from typing import Any

from sliderepl.deck.markup import parse, plain
from sliderepl.deck.model import Slide
from sliderepl.deck.parser import load
from sliderepl.run import events as ev
from sliderepl.run.navigation import Navigator
from sliderepl.run.options import Options
from sliderepl.teach.exercises import SOLVED, Tracker, exercise_key

Event = dict[str, Any]

#: what the page's script may ask for through ``PageSession.call``
_CALLS = frozenset({"info", "restore", "solved", "position", "next",
                    "prev", "goto", "run", "hint", "check", "solution",
                    "summary"})

#: (words in an exception's message, what the browser lacks)
_LIMITS = (
    ("can't start new thread", "threads"),
    ("stack switch", "threads (asyncio's greenlet bridge)"),
)
#: errno values of a call the browser's libc does not provide
_MISSING = {errno.ENOSYS, errno.EOPNOTSUPP, errno.EAFNOSUPPORT,
            errno.EPROTONOSUPPORT, errno.ENOTSUP}


def browser_limit(exc: BaseException | None) -> str | None:
    """What a browser lacks that made ``exc`` happen, or None.

    A thread that can't start (``RuntimeError``), a socket or a
    subprocess the platform refuses (``OSError`` with ENOSYS and
    friends), a database driver that is not there: each names the
    exception itself or one it was raised from."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        message = str(exc)
        for words, what in _LIMITS:
            if words in message:
                return what
        if isinstance(exc, OSError) and exc.errno in _MISSING:
            return "sockets and subprocesses"
        if isinstance(exc, ModuleNotFoundError) and exc.name in (
                "psycopg", "pymysql", "aiomysql", "aiosqlite", "greenlet"):
            return f"database drivers ({exc.name})"
        exc = exc.__cause__ or exc.__context__
    return None


def spans(text: str) -> list[list[Any]]:
    """Markup as ``[kind, text, bold]`` (style switches left out: the
    page has its own colours)."""
    return [[s.kind, s.text, s.bold] for s in parse(text) if s.kind != "style"]


def _rows(rows: Any) -> dict[str, Any] | None:
    if rows is None:
        return None
    return {"columns": list(rows.columns),
            "rows": [list(r) for r in rows.rows],
            "footer": rows.footer()}


class PageSession:
    """One deck in the page: where the learner is, and its namespace."""

    def __init__(self, path: str, echo_sql: bool = True) -> None:
        # as ``sliderepl part1.py`` in a clone: the deck's folder is the
        # current one, so errors name ``part1.py:338``, not a long path
        os.chdir(Path(path).parent)
        self.deck = load(Path(path))
        self.nav = Navigator(self.deck, Options(echo_sql=echo_sql))
        self.tracker = Tracker()
        self.unsupported: dict[int, str] = {}
        self.failures: list[str] = []
        self._events: list[Event] = []
        self._typed = False

    # -- what the page asks ------------------------------------------

    def info(self) -> Event:
        """The deck's title, size, table of contents and exercises."""
        return {
            "kind": "deck",
            "title": self._deck_title(),
            "total": self.nav.total,
            "toc": [[s.number, plain(s.title or ""),
                     s.exercise is not None] for s in self.nav.deck.slides],
            "problems": [str(p) for p in self.deck.problems],
        }

    def restore(self, solved: list[str]) -> None:
        """Exercises solved in an earlier visit (their keys)."""
        self.tracker.restore(self.nav.deck.slides,
                             {key: SOLVED for key in solved})

    def solved(self) -> list[str]:
        return sorted(exercise_key(s) for s in self.nav.deck.slides
                      if s.number in self.tracker.solved)

    def position(self) -> int:
        return self.nav.position

    def next(self) -> list[Event]:
        return self._collect(lambda sink: self.nav.next(sink))

    def prev(self) -> list[Event]:
        return self._collect(lambda sink: self.nav.prev(sink))

    def goto(self, number: int) -> list[Event]:
        return self._collect(lambda sink: self.nav.goto(int(number), sink))

    def run(self, code: str) -> list[Event]:
        """Code typed in the page's cell, run in the deck's namespace."""
        self.tracker.typed(self.nav.current)

        def typed(sink: ev.Sink) -> None:
            self._typed = True
            try:
                self.nav.run_source(code, sink)
            finally:
                self._typed = False

        return self._collect(typed)

    def hint(self) -> list[Event]:
        slide = self._exercise_slide()
        if slide is None:
            return [self._no_exercise()]
        text, ok = self.tracker.hint(slide)
        return [{"kind": "result", "ok": ok, "text": text, "code": None}]

    def check(self) -> list[Event]:
        slide = self._exercise_slide()
        if slide is None:
            return [self._no_exercise()]
        text, ok, solution = self.tracker.check(
            slide, self.nav.interpreter.namespace)
        return [{"kind": "result", "ok": ok, "text": text,
                 "code": solution, "solved": ok,
                 "key": exercise_key(slide)}]

    def solution(self) -> list[Event]:
        slide = self._exercise_slide()
        if slide is None:
            return [self._no_exercise()]
        code, text = self.tracker.solution(slide)
        return [{"kind": "result", "ok": code is not None, "text": text,
                 "code": code}]

    # -- events as dicts ---------------------------------------------

    def _exercise_slide(self) -> Slide | None:
        slide = self.nav.current
        return slide if slide is not None and slide.exercise else None

    def _no_exercise(self) -> Event:
        return {"kind": "result", "ok": False, "code": None,
                "text": "this slide has no exercise"}

    def _deck_title(self) -> str:
        first = self.deck.slides[0] if self.deck.slides else None
        return plain(first.title or "") if first and first.title else (
            self.deck.path.stem)

    def _collect(self, action: Any) -> list[Event]:
        self._events = []
        action(self._sink)
        out, self._events = self._events, []
        return out

    def _sink(self, event: ev.Event) -> None:
        self._events.append(self._convert(event))

    # -- for the page's script (strings in, JSON out) ----------------

    def call(self, name: str, *args: Any) -> str:
        """``name`` (a method above) called with ``args``, as JSON."""
        if name not in _CALLS:
            raise ValueError(f"no such call: {name}")
        return json.dumps(getattr(self, name)(*args))

    def summary(self) -> dict[str, Any]:
        """Where the learner is, and what could not run (for the page's
        progress line, its closing note and the tests)."""
        return {
            "position": self.nav.position,
            "total": self.nav.total,
            "solved": self.solved(),
            "exercises": sum(1 for s in self.nav.deck.slides
                             if s.exercise is not None),
            "unsupported": {str(k): v for k, v in
                            sorted(self.unsupported.items())},
            "failures": self.failures,
        }

    def _convert(self, event: ev.Event) -> Event:
        if isinstance(event, ev.SlideStarted):
            return self._slide(event.slide, event.total)
        if isinstance(event, ev.BlockStarted):
            return {"kind": "block", "code": event.block.display,
                    "shown": event.shown}
        if isinstance(event, ev.Output):
            return {"kind": "output", "text": event.text,
                    "stream": event.stream}
        if isinstance(event, ev.Value):
            return {"kind": "value", "text": event.text,
                    "rows": _rows(event.rows), "hint": event.hint}
        if isinstance(event, ev.SQL):
            return {"kind": "sql", "text": event.text}
        if isinstance(event, ev.Error):
            return self._error(event)
        if isinstance(event, ev.Interrupted):
            return {"kind": "notice", "text": "interrupted", "failed": True}
        for words, what in _LIMITS:
            if event.failed and words in event.text:
                # a slide run silently (catching up) hit a browser limit
                where = event.text.split(" raised ")[0]
                return {"kind": "unsupported",
                        "text": f"{where}: can't run in the browser: {what}"}
        return {"kind": "notice", "text": event.text,
                "failed": event.failed}

    def _error(self, event: ev.Error) -> Event:
        slide = self.nav.current
        lacking = browser_limit(event.exception)
        if lacking is not None and not event.expected:
            if slide is not None and not self._typed:
                self.unsupported[slide.number or 0] = lacking
            return {"kind": "unsupported",
                    "text": f"can't run in the browser: {lacking}"}
        short = event.expected or event.typed
        if not short and slide is not None and not self._typed:
            self.failures.append(f"{slide.label()}: {event.summary}")
        return {"kind": "error", "expected": event.expected,
                "summary": event.summary, "where": event.where,
                "traceback": "" if short else event.traceback}

    def _slide(self, slide: Slide, total: int) -> Event:
        exercise = slide.exercise
        return {
            "kind": "slide",
            "number": slide.number,
            "total": total,
            "title": spans(slide.title or ""),
            "intro": [spans(line) for line in slide.intro],
            "bullets": [[b.depth, spans(b.text)] for b in slide.bullets],
            "expects_error": slide.expects_error,
            "exercise": None if exercise is None else {
                "task": spans(" ".join(exercise.task)),
                "hints": len(exercise.hints),
                "check": bool(exercise.check),
                "solution": bool(exercise.solution),
                "key": exercise_key(slide),
                "solved": (slide.number or 0) in self.tracker.solved,
            },
        }
