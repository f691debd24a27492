"""Where a learner stopped in each deck, and where the presenter is now.

Both live in the user's state directory (``sliderepl.run.state``: the
platform's place, XDG on Linux), never in the project:

* ``progress.json``: per deck (keyed by its absolute path) the last slide
  seen, the furthest reached, the slides seen, each exercise's state and
  the deck's size, so the REPL can offer to resume and the menu can show
  ``slide 34/59, exercises solved 2/5``;
* ``presenter.json``: the deck, slide and time of the presenter's REPL
  right now, which ``sliderepl notes`` in a second terminal follows.
  A local file: nothing goes over any network.

Writes are atomic (a temporary file renamed over the old one), so a
reader never sees half a file; a missing or damaged file (or a FIFO, a
device, a huge file: ``sliderepl.run.state_files``) reads as empty.
Progress is read, changed and written under a lock: two REPLs on one
state folder keep each other's slides.  A write that fails is said once,
in one line, and the deck goes on.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sliderepl.deck import preview
from sliderepl.deck.markup import plain
from sliderepl.deck.model import Deck, Slide
from sliderepl.run import state_files as files
from sliderepl.run import state_values as values
from sliderepl.run.state import state_dir

PROGRESS = "progress.json"
PRESENTER = "presenter.json"


def _key(deck: Path) -> str:
    return str(Path(deck).resolve())


def _read(path: Path) -> dict[str, Any]:
    try:
        data = values.loads(files.read_bytes(path).decode("utf-8"))
    except FileNotFoundError:
        return {}
    except files.NotRegular as exc:
        values.warn_once(path, str(exc).removeprefix(f"{path} "))
        return {}
    except (OSError, ValueError) as exc:
        values.warn_once(path, f"{type(exc).__name__}: {exc}")
        return {}
    if not isinstance(data, dict):
        values.warn_once(path, "not a JSON object")
        return {}
    return data


def _write(path: Path, data: dict[str, Any]) -> bool:
    try:
        files.write_atomic(path, json.dumps(data, indent=1, sort_keys=True))
    except OSError as exc:  # a full disk must not stop the deck
        files.say(files.write_failed(path, exc))
        return False
    return True


@dataclass(frozen=True)
class Position:
    """A place in a deck: slide ``position`` of ``total``."""

    deck: Path
    position: int
    total: int
    at: float = 0.0
    #: presenter only: when the presenter's session started (wall clock)
    started: float = 0.0
    target: float | None = None

    def fraction(self) -> str:
        return f"{self.position}/{self.total}"


# -- learners: where they stopped, how far they got ---------------------

#: An exercise's state: never touched, tried (a ``!check`` that failed,
#: or code typed on its slide), solved (its check passed).
UNTRIED, TRIED, SOLVED = "untried", "tried", "solved"
_STORED_STATES = (TRIED, SOLVED)


@dataclass(frozen=True)
class Learned:
    """What a learner did in one deck, as stored.

    ``position`` is the slide seen last, ``furthest`` the furthest slide
    reached, ``seen`` every slide landed on.  ``exercises`` maps an
    exercise's key (``sliderepl.teach.exercises.exercise_key``) to
    ``tried`` or ``solved``; ``exercise_total`` is how many the deck had
    when last opened (None: a file from before exercises were counted).
    Files written before ``furthest``, ``seen`` and ``exercises`` existed
    read as furthest = last seen, slides 1 to it seen, nothing tried.
    """

    deck: Path
    position: int
    total: int
    at: float = 0.0
    furthest: int = 0
    seen: frozenset[int] = frozenset()
    exercises: Mapping[str, str] = field(default_factory=dict)
    exercise_total: int | None = None

    def solved(self) -> int:
        return sum(1 for state in self.exercises.values() if state == SOLVED)


def _learned(deck: Path, entry: Any) -> Learned:
    """An entry of ``progress.json``; ``ValueError`` (or ``KeyError``,
    ``TypeError``) for anything sliderepl does not write."""
    if not isinstance(entry, dict):
        raise ValueError("not a JSON object")
    position = values.count(entry["position"])
    furthest = max(values.count(entry.get("furthest", position)), position)
    seen = entry.get("seen")
    if seen is None:
        seen_set = frozenset(range(1, furthest + 1))
    elif isinstance(seen, list):
        seen_set = frozenset(values.count(n) for n in seen)
    else:
        raise ValueError(f"{seen!r:.40} is not a list of slides")
    exercises = entry.get("exercises", {})
    if not isinstance(exercises, dict) or not all(
        isinstance(k, str) and v in _STORED_STATES
        for k, v in exercises.items()
    ):
        raise ValueError(f"{exercises!r:.40} is not exercise states")
    total_ex = entry.get("exercise_total")
    return Learned(
        Path(deck), position, values.count(entry["total"]),
        values.moment(entry.get("at", 0)), furthest, seen_set,
        dict(exercises),
        values.count(total_ex) if total_ex is not None else None,
    )


def learned(
    deck: Path, environ: Mapping[str, str] | None = None
) -> Learned | None:
    """What the learner did in ``deck`` so far, or None (nothing stored,
    or garbage, which is said once on stderr and replaced later)."""
    entry = _read(state_dir(environ) / PROGRESS).get(_key(deck))
    if entry is None:
        return None
    try:
        return _learned(deck, entry)
    except (KeyError, TypeError, ValueError) as exc:
        values.warn_once(state_dir(environ) / PROGRESS, f"bad entry: {exc}")
        return None


def _entry(data: dict[str, Any], deck: Path) -> dict[str, Any]:
    """The deck's stored entry to update, as sliderepl writes it (a
    garbage one starts over)."""
    try:
        old = _learned(deck, data.get(_key(deck)))
    except (KeyError, TypeError, ValueError):
        return {"position": 0, "total": 0, "furthest": 0, "seen": [],
                "exercises": {}}
    entry = {"position": old.position, "total": old.total, "at": old.at,
             "furthest": old.furthest, "seen": sorted(old.seen),
             "exercises": dict(old.exercises)}
    if old.exercise_total is not None:
        entry["exercise_total"] = old.exercise_total
    return entry


def record(
    deck: Path, position: int, total: int,
    environ: Mapping[str, str] | None = None,
    exercise_total: int | None = None,
) -> bool:
    """Remember that the learner reached ``position`` of ``deck`` (and,
    when given, how many exercises the deck has)."""
    if position < 1:
        return False
    path = state_dir(environ) / PROGRESS
    with files.locked(path):  # another REPL's slides stay seen
        data = _read(path)
        entry = _entry(data, deck)
        entry.update(position=position, total=total, at=time.time(),
                     furthest=max(entry["furthest"], position),
                     seen=sorted({*entry["seen"], position}))
        if exercise_total is not None:
            entry["exercise_total"] = exercise_total
        data[_key(deck)] = entry
        return _write(path, data)


def mark_exercise(
    deck: Path, key: str, state: str,
    environ: Mapping[str, str] | None = None,
) -> bool:
    """Store exercise ``key``'s state (``tried`` or ``solved``)."""
    if state not in _STORED_STATES:
        raise ValueError(f"not an exercise state to store: {state!r}")
    path = state_dir(environ) / PROGRESS
    with files.locked(path):
        data = _read(path)
        entry = _entry(data, deck)
        entry["exercises"][key] = state
        data[_key(deck)] = entry
        return _write(path, data)


def stopped_at(
    deck: Path, environ: Mapping[str, str] | None = None
) -> Position | None:
    """Where the learner stopped in ``deck`` last time, or None."""
    done = learned(deck, environ)
    if done is None:
        return None
    return Position(done.deck, done.position, done.total, done.at)


def forget(deck: Path, environ: Mapping[str, str] | None = None) -> None:
    path = state_dir(environ) / PROGRESS
    with files.locked(path):
        data = _read(path)
        if data.pop(_key(deck), None) is not None:
            _write(path, data)


def resume_offer(
    deck: Path, total: int, environ: Mapping[str, str] | None = None
) -> int | None:
    """The slide to offer resuming at: the furthest reached, or None
    (never started, got no further than slide 1, or finished the deck)."""
    done = learned(deck, environ)
    if done is None or done.furthest <= 1:
        return None
    if done.furthest >= total and done.total == total:
        return None  # finished: start over without asking
    return min(done.furthest, total)


def menu_progress(
    deck: Path, total: int | None = None,
    environ: Mapping[str, str] | None = None,
) -> str:
    """``slide 34/59, exercises solved 2/5`` for the menu (the furthest
    slide), or "" for a deck never opened."""
    done = learned(deck, environ)
    if done is None:
        return ""
    text = f"slide {done.furthest}/{total or done.total}"
    if done.exercise_total:
        text += f", exercises solved {done.solved()}/{done.exercise_total}"
    return text


# -- the presenter: where they are now -------------------------------------


@dataclass(frozen=True)
class Stage:
    """What the notes window shows: the presenter's position plus the
    current slide's title and notes and a preview of the next slide
    (its title, intro paragraphs and code lines)."""

    where: Position
    title: str = ""
    notes: tuple[str, ...] = ()
    next_title: str = ""
    #: the slide's exercise for the presenter: its task, then its
    #: solution's lines (empty: no exercise)
    exercise: tuple[str, ...] = ()
    next_intro: tuple[str, ...] = ()
    next_code: tuple[str, ...] = ()


def publish(
    stage: Stage, environ: Mapping[str, str] | None = None
) -> bool:
    """Tell ``sliderepl notes`` where the presenter is."""
    where = stage.where
    return _write(
        state_dir(environ) / PRESENTER,
        {"deck": _key(where.deck), "position": where.position,
         "total": where.total, "at": time.time(),
         "started": where.started, "target": where.target,
         "title": stage.title, "notes": list(stage.notes),
         "next": stage.next_title, "exercise": list(stage.exercise),
         "next_intro": list(stage.next_intro),
         "next_code": list(stage.next_code)},
    )


def presenter_left(
    deck: Path, environ: Mapping[str, str] | None = None
) -> None:
    """The presenter's REPL on ``deck`` ended: withdraw its stage (only
    if it is still that deck's: another talk may have started since)."""
    stage = presenter(environ)
    if stage is not None and stage.where.deck == Path(_key(deck)):
        try:
            (state_dir(environ) / PRESENTER).unlink()
        except OSError:
            pass


def presenter(environ: Mapping[str, str] | None = None) -> Stage | None:
    """The presenter's last published stage, or None."""
    data = _read(state_dir(environ) / PRESENTER)
    try:
        target = data.get("target")
        where = Position(
            Path(values.text(data["deck"])), values.count(data["position"]),
            values.count(data["total"]), values.moment(data.get("at", 0)),
            values.moment(data.get("started", 0)),
            values.moment(target) if target is not None else None,
        )
        return Stage(where, values.text(data.get("title")),
                     values.texts(data.get("notes")),
                     values.text(data.get("next")),
                     values.texts(data.get("exercise")),
                     values.texts(data.get("next_intro")),
                     values.texts(data.get("next_code")))
    except KeyError:
        return None  # no presenter (or the file was withdrawn)
    except (TypeError, ValueError) as exc:
        values.warn_once(state_dir(environ) / PRESENTER, f"bad entry: {exc}")
        return None


def plain_title(title: str | None) -> str:
    """A title without its inline markup."""
    return plain(title or "").strip()


def on_slide(
    deck: Deck, position: int, started: float,
    environ: Mapping[str, str] | None = None,
) -> None:
    """The REPL landed on slide ``position``: remember it for resuming
    and publish it for the notes window.  ``started`` is the wall-clock
    time the session began (for the notes window's clock)."""
    total = len(deck.slides)
    if not 1 <= position <= total:
        return
    record(deck.path, position, total, environ,
           exercise_total=sum(1 for s in deck.slides if s.exercise))
    slide = deck.slides[position - 1]
    following = deck.slides[position] if position < total else None
    publish(
        Stage(
            Position(deck.path, position, total, started=started,
                     target=deck.target),
            plain_title(slide.title),
            tuple(slide.notes),
            plain_title(following.title) if following is not None else "",
            _exercise_lines(slide),
            preview.intro(following) if following is not None else (),
            preview.code(following) if following is not None else (),
        ),
        environ,
    )


def _exercise_lines(slide: Slide) -> tuple[str, ...]:
    exercise = slide.exercise
    if exercise is None:
        return ()
    lines = [plain_title(" ".join(exercise.task))]
    if exercise.solution:
        lines += exercise.solution.split("\n")
    return tuple(lines)
