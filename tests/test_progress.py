"""Resume points, the presenter file and pacing: plain functions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sliderepl.deck.parser import parse
from sliderepl.teach import pacing, progress


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"XDG_STATE_HOME": str(tmp_path / "state")}


def test_where_a_learner_stopped(tmp_path: Path, env: dict[str, str]) -> None:
    deck = tmp_path / "part1.py"
    assert progress.stopped_at(deck, env) is None
    assert progress.menu_progress(deck, 46, env) == ""
    assert progress.record(deck, 12, 46, env)
    where = progress.stopped_at(deck, env)
    assert where is not None and (where.position, where.total) == (12, 46)
    assert progress.menu_progress(deck, 46, env) == "slide 12/46"
    assert progress.resume_offer(deck, 46, env) == 12
    # stored in the state dir, never beside the deck
    assert (tmp_path / "state" / "sliderepl" / "progress.json").exists()
    assert not list(tmp_path.glob("*.json"))
    # slide 1 or the last slide: nothing to resume
    progress.record(deck, 46, 46, env)
    assert progress.resume_offer(deck, 46, env) is None
    progress.forget(deck, env)
    progress.record(deck, 1, 46, env)
    assert progress.resume_offer(deck, 46, env) is None
    progress.forget(deck, env)
    # a deck that shrank: clamped
    progress.record(deck, 40, 46, env)
    assert progress.resume_offer(deck, 30, env) == 30
    progress.forget(deck, env)
    assert progress.stopped_at(deck, env) is None


def test_the_furthest_slide_is_kept_and_offered(
    tmp_path: Path, env: dict[str, str]
) -> None:
    deck = tmp_path / "part1.py"
    for position in (1, 2, 34, 35, 12):  # went back to slide 12
        progress.record(deck, position, 59, env, exercise_total=5)
    done = progress.learned(deck, env)
    assert done is not None
    assert (done.position, done.furthest, done.total) == (12, 35, 59)
    assert done.seen == {1, 2, 12, 34, 35}
    assert progress.resume_offer(deck, 59, env) == 35
    assert progress.menu_progress(deck, 59, env) == (
        "slide 35/59, exercises solved 0/5")


def test_exercise_states_are_stored_beside_the_position(
    tmp_path: Path, env: dict[str, str]
) -> None:
    deck = tmp_path / "part1.py"
    progress.record(deck, 13, 59, env, exercise_total=5)
    assert progress.mark_exercise(deck, "Pool events, firing",
                                  progress.TRIED, env)
    assert progress.mark_exercise(deck, "Dialects", progress.SOLVED, env)
    assert progress.mark_exercise(deck, "URLs", progress.SOLVED, env)
    progress.record(deck, 14, 59, env)  # moving on keeps them
    done = progress.learned(deck, env)
    assert done is not None and done.exercises == {
        "Pool events, firing": "tried", "Dialects": "solved",
        "URLs": "solved"}
    assert done.solved() == 2 and done.furthest == 14
    assert progress.menu_progress(deck, 59, env) == (
        "slide 14/59, exercises solved 2/5")
    with pytest.raises(ValueError):
        progress.mark_exercise(deck, "URLs", "half-done", env)


def test_a_file_from_before_exercises_still_loads(
    tmp_path: Path, env: dict[str, str]
) -> None:
    deck = tmp_path / "part1.py"
    folder = tmp_path / "state" / "sliderepl"
    folder.mkdir(parents=True)
    (folder / "progress.json").write_text(json.dumps(
        {str(deck.resolve()): {"position": 12, "total": 46, "at": 5.0}}))
    done = progress.learned(deck, env)
    assert done is not None
    assert (done.position, done.furthest, done.exercises) == (12, 12, {})
    assert done.seen == set(range(1, 13)) and done.exercise_total is None
    assert progress.menu_progress(deck, 46, env) == "slide 12/46"
    assert progress.resume_offer(deck, 46, env) == 12
    # the next visit writes the new fields and keeps what was there
    progress.record(deck, 3, 46, env, exercise_total=4)
    done = progress.learned(deck, env)
    assert done is not None and (done.position, done.furthest) == (3, 12)


@pytest.mark.parametrize("field, value", [
    ("furthest", "Infinity"), ("furthest", '"12"'), ("seen", "3"),
    ("seen", "[1, -2]"), ("exercises", "[]"),
    ("exercises", '{"x": "maybe"}'), ("exercises", '{"x": 1}'),
    ("exercise_total", "true"),
])
def test_odd_new_fields_are_garbage(
    tmp_path: Path, env: dict[str, str], field: str, value: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    deck = tmp_path / "odd.py"
    folder = tmp_path / "state" / "sliderepl"
    folder.mkdir(parents=True)
    (folder / "progress.json").write_text(
        "{" + json.dumps(str(deck.resolve())) + ': {"position": 2, '
        f'"total": 9, {json.dumps(field)}: {value}}}}}')
    assert progress.learned(deck, env) is None
    assert progress.menu_progress(deck, 9, env) == ""
    assert "ignoring" in capsys.readouterr().err
    # replaced by the next visit, from scratch
    assert progress.mark_exercise(deck, "A", progress.SOLVED, env)
    progress.record(deck, 4, 9, env)
    done = progress.learned(deck, env)
    assert done is not None and done.exercises == {"A": "solved"}
    assert (done.furthest, done.seen) == (4, {4})


def test_a_damaged_file_reads_as_empty(tmp_path: Path,
                                       env: dict[str, str]) -> None:
    folder = tmp_path / "state" / "sliderepl"
    folder.mkdir(parents=True)
    (folder / "progress.json").write_text("{not json")
    assert progress.stopped_at(tmp_path / "d.py", env) is None
    assert progress.record(tmp_path / "d.py", 3, 9, env)
    assert json.loads((folder / "progress.json").read_text())


def test_on_slide_publishes_the_stage(tmp_path: Path,
                                      env: dict[str, str]) -> None:
    path = tmp_path / "deck.py"
    deck = parse("### target:: 30m\n### slide::\n### title:: **One**\n"
                 "### note:: say hello\nx = 1\n### slide::\n"
                 "### title:: Two\ny = 2\n", path)
    progress.on_slide(deck, 1, 1000.0, env)
    stage = progress.presenter(env)
    assert stage is not None
    assert (stage.where.deck, stage.where.position, stage.where.total) == (
        path.resolve(), 1, 2)
    assert stage.title == "One" and stage.notes == ("say hello",)
    assert stage.next_title == "Two"
    assert stage.where.target == 1800 and stage.where.started == 1000.0
    assert progress.stopped_at(path, env).position == 1  # type: ignore
    progress.presenter_left(tmp_path / "other.py", env)
    assert progress.presenter(env) is not None  # not that deck's stage
    progress.presenter_left(path, env)
    assert progress.presenter(env) is None


@pytest.mark.parametrize("elapsed, position, expected", [
    (0, 1, "on time"),
    (60, 1, "on time"),        # within slide 1's minute
    (200, 2, "1m behind"),    # slide 2 should be over at 120s
    (10, 5, "4m ahead"),      # slide 5 starts at 240s: 230s early
    (250, 5, "on time"),
    (3600, 10, "50m behind"),
    (7000, 1, "1h56m behind"),  # 6940s
])
def test_pace(elapsed: float, position: int, expected: str) -> None:
    # 10 slides in 10 minutes: one minute per slide
    assert pacing.pace(elapsed, position, 10, 600) == expected


def test_pace_without_target_and_budget() -> None:
    assert pacing.pace(100, 3, 10, None) == ""
    assert pacing.budget(754, 2700) == "12:34 / 45:00"
    assert pacing.budget(754, None) == "12:34"


def test_target_markup() -> None:
    assert parse("### target:: 45m\n### slide::\nx\n", Path("d")).target \
        == 2700
    assert parse("### slide::\n### target:: 1h30m\nx\n", Path("d")).target \
        == 5400
    assert parse("### target:: 90s\n", Path("d")).target == 90
    assert parse("### target:: 20\n", Path("d")).target == 1200
    bad = parse("### target:: soon\n### slide::\nx\n", Path("d"))
    assert bad.target is None
    assert "not a duration" in bad.problems[0].message
