"""Exercise markup: parsed apart from code, checked live, proved headless."""

from __future__ import annotations

import io
from pathlib import Path

from sliderepl.deck.parser import parse
from sliderepl.run.headless import run_all
from sliderepl.run.options import Options
from sliderepl.teach.exercises import Tracker, evaluate

DECK = """\
### slide::
### title:: Try it
x = 21
### exercise:: Make ``y`` twice ``x``.
### hint:: Multiply.
### hint:: y = x * 2
### check:: y == 2 * x
### solution:: y = 2 * x
### solution:: for i in range(2):
### solution::     print("line", i)
print("after the exercise markup")
"""


def test_markup_is_not_code() -> None:
    slide = parse(DECK, Path("d.py")).slides[0]
    code = "".join(b.source for b in slide.blocks)
    assert "###" not in code and "hint::" not in code
    assert 'print("after the exercise markup")' in code
    exercise = slide.exercise
    assert exercise is not None
    assert exercise.task == ["Make ``y`` twice ``x``."]
    assert exercise.hints == ["Multiply.", "y = x * 2"]
    assert exercise.check == "y == 2 * x"
    # indentation after the one space is kept
    assert exercise.solution == (
        'y = 2 * x\nfor i in range(2):\n    print("line", i)')
    assert exercise.solution_line == 8 and exercise.check_line == 7


def test_broken_check_or_missing_solution_is_a_slide_problem() -> None:
    deck = parse("### slide::\n### title:: A\n### exercise:: t\n"
                 "### check:: y ==\n### solution:: y = 1\n"
                 "### slide::\n### title:: B\n### exercise:: t\n"
                 "### check:: y == 1\n", Path("d.py"))
    first, second = deck.slides
    assert first.problems[0].line == 4
    assert "exercise check::" in first.problems[0].message
    assert "no solution::" in second.problems[0].message


def test_evaluate_over_the_namespace() -> None:
    helper_ns: dict[str, object] = {}
    exec("def doubled(n):\n    return 2 * n\nx = 3\n", helper_ns)
    assert evaluate("doubled(x) == 6", helper_ns).passed
    # several lines: the last expression decides; names stay local
    result = evaluate("z = doubled(x)\nz == 6", helper_ns)
    assert result.passed and "z" not in helper_ns
    missing = evaluate("y == 1", helper_ns)
    assert not missing.passed
    assert missing.reason == "NameError: name 'y' is not defined"
    false = evaluate("x == 4", helper_ns)
    assert (false.passed, false.reason) == (
        False, "the check is false: x == 4")


def test_tracker_hints_one_at_a_time_then_check_shows_solution() -> None:
    slide = parse(DECK, Path("d.py")).slides[0]
    tracker = Tracker()
    assert tracker.hint(slide) == ("hint 1 of 2: Multiply.", True)
    assert tracker.hint(slide) == ("hint 2 of 2: y = x * 2", True)
    text, ok = tracker.hint(slide)
    assert not ok and "no more hints" in text
    namespace: dict[str, object] = {"x": 21}
    message, passed, shown = tracker.check(slide, namespace)
    assert not passed and shown is None and message.startswith("not yet")
    namespace["y"] = 42
    message, passed, shown = tracker.check(slide, namespace)
    assert passed and shown is not None and shown.startswith("y = 2 * x")
    assert 1 in tracker.solved
    assert tracker.solution(slide)[0] == shown


def headless(text: str, tmp_path: Path) -> tuple[int, str, str]:
    path = tmp_path / "deck.py"
    path.write_text(text)
    out, err = io.StringIO(), io.StringIO()
    status = run_all(parse(text, path), Options(run_all=True), out, err)
    return status, out.getvalue(), err.getvalue()


def test_headless_runs_the_solution_and_the_check(tmp_path: Path) -> None:
    status, out, err = headless(DECK, tmp_path)
    assert status == 0, err
    assert "-- exercise solution (headless check):\n>>> y = 2 * x\n" in out
    assert "line 0\nline 1\n-- check passed\n" in out


def test_headless_fails_a_solution_that_misses_the_check(
    tmp_path: Path,
) -> None:
    status, out, err = headless(DECK.replace(
        "### solution:: y = 2 * x", "### solution:: y = 3 * x"), tmp_path)
    assert status == 1
    assert f"{tmp_path / 'deck.py'}:7: slide 1 \"Try it\": the solution " \
        "does not pass the check (the check is false: y == 2 * x)" in err
    status, out, err = headless(DECK.replace(
        "### solution:: y = 2 * x", "### solution:: y = 1 / 0"), tmp_path)
    assert status == 1
    assert "the solution raised ZeroDivisionError" in err
