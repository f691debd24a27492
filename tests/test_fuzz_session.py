"""The random-session fuzzer, bounded and seeded (``fuzz.session``).

A few hundred random steps in a real terminal (tmux) across the three
decks: after every step the REPL must be alive and acting on input, with
no traceback from the runner's own frames, and no value (rows, a column
name, ORM objects, a repr, an exception's message carrying CSI and OSC
sequences) may have retitled the pane, written a clipboard buffer or
cleared the screen.  The seed and step of any
finding are in the failure message, so it reproduces.  The long run:
``python -m fuzz.long_run``.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from fuzz import session

STEPS = 100  # per deck: 300 in all, 2-3 minutes a deck on 2 cores


@pytest.mark.parametrize("seed,deck", [(11, "part1.py"), (12, "part2.py"),
                                       (13, "part3.py")])
def test_random_session_never_loses_the_room(
    tmp_path: Path, seed: int, deck: str
) -> None:
    report = session.run(deck, STEPS, seed, tmp_path)
    assert report.steps == STEPS
    findings = [f"{f.kind} at seed {f.seed} step {f.step} after {f.action}:"
                f"\n{f.screen[-1500:]}" for f in report.findings]
    assert not findings, "\n\n".join(findings)
    assert (report.deaths, report.hangs, report.tracebacks,
            report.drove) == (0, 0, 0, 0)


def test_the_probe_sees_a_death(tmp_path: Path) -> None:
    deck = tmp_path / "d.py"
    deck.write_text("### slide::\nx = 1\n")
    term = session.Session(str(deck), tmp_path)
    term.start()
    try:
        assert term.wait_for(">>>", 60) is not None
        rng = random.Random(0)
        assert session.probe(term, rng)[0] == "ok"
        term.type("import os; os._exit(3)")
        verdict, shown = session.probe(term, rng)
        assert verdict == "death" and "EXITED 3" in shown
    finally:
        term.close()


def test_the_probe_sees_data_drive_the_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a slide's own print() writes raw, as under Python: standing in for
    # a value drawn raw, it must be seen clearing the screen, writing the
    # clipboard and retitling the pane
    deck = tmp_path / "d.py"
    deck.write_text("### slide::\nx = 1\n")
    term = session.Session(str(deck), tmp_path)
    term.start()
    try:
        assert term.wait_for(">>>", 60) is not None
        title = term.title()
        rng = random.Random(0)
        hostile = session.HOSTILE
        monkeypatch.setattr(session, "DATA", ["print({v})"])
        monkeypatch.setattr(session, "HOSTILE", "'\\x1b[2J\\x1b[H'")
        session.data(term, rng)
        assert term.found is not None and term.found[0] == "cleared"
        assert term.title() == title
        monkeypatch.setattr(session, "HOSTILE", hostile)
        session.data(term, rng)
        assert term.found is not None and term.found[0] == "clipboard"
        assert term.title() == "FUZZ-PWNED"
        monkeypatch.setattr(session, "DATA", ["repr({v})"])
        term.found = None
        assert "no end marker" not in session.data(term, rng)
        assert term.found is None  # a repr of a str is inert
    finally:
        term.close()


def test_runner_frames_are_told_from_slide_frames() -> None:
    ours = '  File "/home/u/src/sliderepl/repl.py", line 58, in _dispatch'
    theirs = '  File "/home/u/talk/part1.py", line 12, in <module>'
    assert session.RUNNER_FRAME.search(ours)
    assert not session.RUNNER_FRAME.search(theirs)
    assert session.RUNNER_ERROR.search("sliderepl internal error: KeyError")
