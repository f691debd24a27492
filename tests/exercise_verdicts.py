"""Every exercise of a deck, judged twice: ``python -m tests.exercise_verdicts
DECK`` runs the deck headless (``HeadlessRun``, as ``--run-all`` does) and
prints one JSON line per exercise: its slide, whether its check passed on
the namespace as the learner finds it (the slide's code run, nothing typed
yet), and whether it passed once the solution had run.  With a JSON file
of near misses (slide title -> code a learner might write that is wrong),
each is run before the solution and its check's verdict is ``attempt``.

A process of its own per deck, started with ``-W error`` by the test: the
deck's engines, listeners and mapped classes stay out of pytest's process.
"""

from __future__ import annotations

import json
import sys
from contextlib import closing
from pathlib import Path

from sliderepl.deck.parser import load
from sliderepl.run.headless import PROVED, SOLVING, HeadlessRun
from sliderepl.run.navigation import default_interpreter
from sliderepl.run.solutions import evaluate


def verdicts(
    path: Path, attempts: dict[str, str] | None = None
) -> list[dict[str, object]]:
    deck = load(path)
    interpreter = default_interpreter(deck, echo_sql=False)
    found: list[dict[str, object]] = []
    run = HeadlessRun(deck, interpreter, lambda event: None)
    with closing(run.steps()) as steps:
        for step in steps:
            exercise = step.slide.exercise
            if exercise is None:
                continue
            if step.phase == SOLVING:
                before = evaluate(exercise.check, interpreter.namespace)
                found.append({
                    "slide": step.slide.number, "title": step.slide.title,
                    "line": exercise.line, "untouched": before.passed,
                    "why": before.reason,
                })
                attempt = (attempts or {}).get(step.slide.title or "")
                if attempt is not None:
                    # as typed at >>>: no future import of this module's
                    code = compile(attempt, "<attempt>", "exec",
                                   dont_inherit=True)
                    exec(code, interpreter.namespace)
                    found[-1]["attempt"] = evaluate(
                        exercise.check, interpreter.namespace).passed
            elif step.phase == PROVED:
                after = evaluate(exercise.check, interpreter.namespace)
                found[-1].update(solved=after.passed and not step.problem,
                                 problem=step.problem or after.reason)
    return found


if __name__ == "__main__":
    misses = (json.loads(Path(sys.argv[2]).read_text())
              if len(sys.argv) > 2 else None)
    for verdict in verdicts(Path(sys.argv[1]), misses):
        print(json.dumps(verdict))
