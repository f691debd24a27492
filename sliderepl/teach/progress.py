"""Where a learner stopped in each deck, and where the presenter is now.

Both live in the user's state directory (``sliderepl.run.state``: the
platform's place, XDG on Linux), never in the project:

* ``progress.json``: per deck (keyed by its absolute path) the last slide
  reached and the deck's size, so the REPL can offer to resume and the
  menu can show ``12/46``;
* ``presenter.json``: the deck, slide and time of the presenter's REPL
  right now, which ``sliderepl notes`` in a second terminal follows.
  A local file: nothing goes over any network.

Writes are atomic (a temporary file renamed over the old one), so a
reader never sees half a file; a missing or damaged file reads as empty.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sliderepl.deck import preview
from sliderepl.deck.markup import plain
from sliderepl.deck.model import Deck, Slide
from sliderepl.run import state_values as values
from sliderepl.run.state import state_dir

PROGRESS = "progress.json"
PRESENTER = "presenter.json"


def _key(deck: Path) -> str:
    return str(Path(deck).resolve())


def _read(path: Path) -> dict[str, Any]:
    try:
        data = values.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
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
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=path.parent, prefix=".tmp-",
                                    suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(data, out, indent=1, sort_keys=True)
        os.replace(name, path)
    except OSError:
        return False  # a read-only home must not stop the deck
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


# -- learners: where they stopped ---------------------------------------


def record(
    deck: Path, position: int, total: int,
    environ: Mapping[str, str] | None = None,
) -> bool:
    """Remember that the learner reached ``position`` of ``deck``."""
    if position < 1:
        return False
    path = state_dir(environ) / PROGRESS
    data = _read(path)
    data[_key(deck)] = {"position": position, "total": total,
                        "at": time.time()}
    return _write(path, data)


def stopped_at(
    deck: Path, environ: Mapping[str, str] | None = None
) -> Position | None:
    """Where the learner stopped in ``deck`` last time, or None."""
    entry = _read(state_dir(environ) / PROGRESS).get(_key(deck))
    if not isinstance(entry, dict):
        return None
    try:
        return Position(Path(deck), values.count(entry["position"]),
                        values.count(entry["total"]),
                        values.moment(entry.get("at", 0)))
    except (KeyError, TypeError, ValueError) as exc:
        values.warn_once(state_dir(environ) / PROGRESS, f"bad entry: {exc}")
        return None


def forget(deck: Path, environ: Mapping[str, str] | None = None) -> None:
    path = state_dir(environ) / PROGRESS
    data = _read(path)
    if data.pop(_key(deck), None) is not None:
        _write(path, data)


def resume_offer(
    deck: Path, total: int, environ: Mapping[str, str] | None = None
) -> int | None:
    """The slide to offer resuming at, or None (never started, stopped
    on slide 1, or finished the deck)."""
    where = stopped_at(deck, environ)
    if where is None or where.position <= 1:
        return None
    if where.position >= total and where.total == total:
        return None  # finished: start over without asking
    return min(where.position, total)


def menu_progress(
    deck: Path, total: int | None = None,
    environ: Mapping[str, str] | None = None,
) -> str:
    """``12/46`` for the menu, or "" for a deck never opened."""
    where = stopped_at(deck, environ)
    if where is None:
        return ""
    return f"{where.position}/{total or where.total}"


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
    record(deck.path, position, total, environ)
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
