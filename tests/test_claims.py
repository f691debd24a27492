"""Claims are code: ``### claim::`` / ``### proof::`` parsed, proven by
headless runs (``--run-all``, ``check``), shown by ``!claims`` and in the
handouts, and ``sliderepl lint --claims`` reporting the unproven."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from sliderepl import cli
from sliderepl.deck.parser import load, parse
from sliderepl.run.headless import run_all
from sliderepl.run.options import Options
from sliderepl.screen.console import Screen
from sliderepl.screen.theme import make_console
from sliderepl.tools.lint import lint
from sliderepl.tools.unproven import sentences, triggers, unproven
from sliderepl.ui import repl

OLD_STYLE = Path(__file__).parent / "decks" / "old_style.py"

PROVEN = '''\
### slide::
### title:: Adding
# Two plus two is always four.
x = 2 + 2
x
### claim:: Two plus two is always four.
### proof:: x == 4
### proof:: isinstance(
### proof::     x, int)
'''

FALSE = '''\
### slide::
### title:: Zero
y = 0
### claim:: y is never zero
### proof:: y != 0
'''

RAISING = '''\
### slide::
### title:: Dividing
y = 0
### claim:: dividing by y never fails
### proof:: 1 / y
'''


def test_claims_and_proofs_are_parsed_never_code() -> None:
    deck = parse(PROVEN, Path("d.py"))
    slide = deck.slides[0]
    assert not deck.problems
    assert [c.text for c in slide.claims] == ["Two plus two is always four."]
    proofs = slide.claims[0].proofs
    # a proof goes on on the next proof:: line while a bracket is open
    assert [(p.source, p.line) for p in proofs] == [
        ("x == 4", 7), ("isinstance(\nx, int)", 8)]
    assert [b.source for b in slide.blocks] == ["x = 2 + 2\n", "x\n"]
    assert "claim" not in "".join(b.display for b in slide.blocks)


def test_a_claim_line_after_a_claim_line_continues_it() -> None:
    deck = parse("### slide::\nx = 1\n### claim:: x is one,\n"
                 "### claim:: always\n### proof:: x == 1\n", Path("d.py"))
    assert [c.text for c in deck.slides[0].claims] == ["x is one, always"]


@pytest.mark.parametrize(("text", "message"), [
    ("### proof:: True\n", "d.py:2: proof:: before any claim::"),
    ("### claim:: bare\n", "d.py:2: claim:: 'bare' has no proof:: line"),
    ("### claim:: c\n### proof:: x = 1\n",
     "d.py:3: proof:: is not one Python expression: SyntaxError"),
    ("### claim:: c\n### proof:: (1 +\n",
     "d.py:3: proof:: is not one Python expression"),
])
def test_claim_markup_problems_are_file_line(text: str, message: str) -> None:
    deck = parse("### slide::\n" + text, Path("d.py"))
    assert any(str(p).startswith(message) for p in deck.problems), \
        deck.problems


def _run(tmp_path: Path, text: str) -> tuple[int, str, str]:
    path = tmp_path / "d.py"
    path.write_text(text)
    out, err = io.StringIO(), io.StringIO()
    status = run_all(load(path), Options(deck=path, run_all=True), out, err)
    return status, out.getvalue(), err.getvalue()


def test_a_proven_claim_passes_and_leaves_no_trace(tmp_path: Path) -> None:
    status, out, err = _run(tmp_path, PROVEN)
    assert status == 0, err
    assert "claim" not in out and "proof" not in out
    assert "0 failures" in err


def test_a_false_proof_fails_the_run(tmp_path: Path) -> None:
    status, _, err = _run(tmp_path, FALSE)
    assert status == 1
    assert (f"{tmp_path / 'd.py'}:5: claim not proven: y is never zero "
            "(proof: y != 0 -> False)\n") in err


def test_a_raising_proof_fails_the_run(tmp_path: Path) -> None:
    status, _, err = _run(tmp_path, RAISING)
    assert status == 1
    assert (f"{tmp_path / 'd.py'}:5: claim not proven: dividing by y never "
            "fails (proof: 1 / y -> ZeroDivisionError: division by zero)"
            ) in err


def test_each_failing_proof_is_a_failure(tmp_path: Path) -> None:
    status, _, err = _run(tmp_path, FALSE + RAISING.replace(
        "### slide::\n### title:: Dividing\ny = 0\n", ""))
    assert status == 1
    assert err.count("claim not proven") == 2
    assert "1 slides, 2 failures" in err


def test_cli_run_all_and_check_fail_on_a_false_proof(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    deck = tmp_path / "d.py"
    deck.write_text(FALSE)
    assert cli.main(["--run-all", str(deck)]) == 1
    assert "claim not proven: y is never zero" in capsys.readouterr().err
    assert cli.main(["check", str(deck), "--update"]) == 1
    err = capsys.readouterr().err
    assert "claim not proven: y is never zero" in err
    assert not (tmp_path / "transcripts" / "d.txt").exists()


SILENT = '''\
### slide::
### title:: Rows
from sqlalchemy import create_engine, text
engine = create_engine("sqlite://")
with engine.begin() as cx:
    cx.execute(text("CREATE TABLE t (x INTEGER)"))
### claim:: the table starts empty
### proof:: print("noise") or engine.connect().execute(
### proof::     text("SELECT count(*) FROM t")).scalar() == 0
### slide::
### title:: After
with engine.connect() as cx:
    cx.execute(text("SELECT 42")).scalar()
'''


def test_a_proof_prints_and_sends_nothing_to_the_transcript(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = _run(tmp_path, SILENT)
    assert status == 0, err
    assert "SELECT 42" in out  # the echo is on...
    assert "count(*)" not in out and "noise" not in out  # ...not for proofs
    assert "noise" not in capsys.readouterr().out


def test_proofs_of_a_failing_slide_are_not_run(tmp_path: Path) -> None:
    status, _, err = _run(tmp_path, "### slide::\n1 / 0\n"
                          "### claim:: c\n### proof:: False\n")
    assert status == 1
    assert "ZeroDivisionError" in err and "claim not proven" not in err


def test_old_style_decks_are_unaffected(tmp_path: Path) -> None:
    deck = load(OLD_STYLE)
    assert not any(s.claims for s in deck.setup + deck.slides)
    assert lint(deck, 100, 40) == lint(deck, 100, 40, claims=False)
    out, err = io.StringIO(), io.StringIO()
    status = run_all(deck, Options(deck=OLD_STYLE, run_all=True), out, err)
    assert status == 0, err.getvalue()


# -- !claims in the REPL --------------------------------------------------


def _state(tmp_path: Path, text: str,
           monkeypatch: pytest.MonkeyPatch) -> repl.ReplState:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    path = tmp_path / "d.py"
    path.write_text(text)
    console = make_console(file=io.StringIO(), width=100)
    state = repl.make_state(load(path), Options(deck=path), Screen(console))
    repl.begin(state, 1)
    return state


def _shown(state: repl.ReplState) -> str:
    return state.screen.console.file.getvalue()  # type: ignore


def test_bang_claims_proves_on_demand_in_the_live_namespace(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    state = _state(tmp_path, FALSE, monkeypatch)
    before = _shown(state)
    assert "never zero" not in before  # invisible on the slide
    repl.handle_line(state, "!claims")
    text = _shown(state)[len(before):]
    assert "✗ y is never zero" in text
    assert "y != 0 -> False" in text
    repl.handle_line(state, "y = 7")  # the learner's namespace decides
    repl.handle_line(state, "!claims")
    text = _shown(state)[len(before):]
    assert "✓ y is never zero" in text and "y != 0 -> true" in text


def test_bang_claims_waits_for_the_code_and_says_when_none(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    paused = FALSE.replace("### slide::", "### slide:: p", 1) + \
        "### slide::\n### title:: Plain\nz = 1\n"
    state = _state(tmp_path, paused, monkeypatch)
    repl.handle_line(state, "!claims")
    text = _shown(state)
    assert "y is never zero" in text and "proofs run once" in text
    assert "y != 0 ->" not in text
    assert "y" not in state.nav.interpreter.namespace  # nothing ran
    repl.handle_line(state, "!next")  # runs the paused code
    repl.handle_line(state, "!next")
    repl.handle_line(state, "!claims")
    assert "this slide makes no claim:: to prove" in _shown(state)


def test_bang_claims_survives_a_raising_proof(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    state = _state(tmp_path, RAISING, monkeypatch)
    repl.handle_line(state, "!claims")
    text = _shown(state)
    assert "✗ dividing by y never fails" in text
    assert "ZeroDivisionError: division by zero" in text
    assert "internal error" not in text and "Traceback" not in text


# -- handouts -------------------------------------------------------------


def test_handouts_show_each_claim_with_its_verdict(tmp_path: Path) -> None:
    from sliderepl.tools.export import to_markdown
    from sliderepl.tools.handout import record
    from sliderepl.tools.handout_html import to_html

    path = tmp_path / "d.py"
    path.write_text(PROVEN + FALSE)
    deck = load(path)
    recorded = record(deck)
    md = to_markdown(deck, recorded)
    assert ("> - ✓ Two plus two is always four. (proof: `x == 4`, "
            "`isinstance( x, int)`)") in md
    assert "> - ✗ y is never zero (proof: `y != 0`)" in md
    page = to_html(deck, recorded)
    assert ('<li class="proven">✓ Two plus two is always four. '
            "<code>x == 4</code>") in page
    assert '<li class="unproven">✗ y is never zero <code>y != 0</code>' \
        in page
    assert [r.failed for r in recorded] == [False, True]


# -- lint --claims ----------------------------------------------------------


def test_sentences_keep_their_lines_and_kinds() -> None:
    deck = parse('''\
### slide::
### title:: Pools, always
# One engine. It pools
# connections: five at most.
#
# Another paragraph.
### * a bullet with 3 items
### note:: Say it aloud.
### note:: Then move on.
### hint:: never counted
x = 1
''', Path("d.py"))
    found = [(s.line, s.text) for s in sentences(deck.slides[0])]
    assert found == [
        (2, "Pools, always"), (3, "One engine."),
        (3, "It pools connections: five at most."),
        (6, "Another paragraph."), (7, "a bullet with 3 items"),
        (8, "Say it aloud."), (9, "Then move on."),
    ]


@pytest.mark.parametrize(("text", "found"), [
    ("It is the only way.", {"the only way"}),
    ("Nothing reaches the database, never.", {"nothing", "never"}),
    ("Each use takes 3 round trips and 0.5 s.", {"3", "0.5"}),
    ("6-13 ms on loopback, 40% less.", {"6", "13", "40"}),
    ("New in SQLAlchemy 2.1 and Python 3.12 or 3.13, since 2010.", set()),
    ("See slide 4, part 2 and issue 29; utf8mb4 and psycopg2.", set()),
    ("Since 1.4 or 2.x, on 3.12+.", set()),
    ("Use `LIMIT 5` and `all()`.", set()),
    ("1. First, the pool.", set()),
])
def test_what_makes_a_sentence_a_claim(text: str, found: set[str]) -> None:
    assert triggers(text) == found


def test_a_claim_covers_its_sentence_with_every_trigger() -> None:
    deck = parse('''\
### slide::
### title:: T
# The pool always reuses it. It never opens more than 5, ever.
# Only once.
x = 1
### claim:: the pool always reuses it
### proof:: True
### claim:: It never opens more than 5
### proof:: True
''', Path("d.py"))
    # the second claim lacks nothing; "Only once." has no claim at all
    assert [s.text for s in unproven(deck.slides[0])] == ["Only once."]
    deck = parse("### slide::\n### title:: T\n# It never opens more than 5"
                 " and always closes.\nx = 1\n### claim:: never opens more "
                 "than 5\n### proof:: True\n", Path("d.py"))
    # "always" is not in the claim: not covered
    assert len(unproven(deck.slides[0])) == 1


def test_lint_claims_reports_file_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    deck = tmp_path / "d.py"
    deck.write_text("### slide::\n### title:: Pools\n# It never fails.\n"
                    "x = 1\n")
    assert cli.main(["lint", str(deck)]) == 0  # off unless asked
    assert cli.main(["lint", str(deck), "--claims"]) == 1
    captured = capsys.readouterr()
    assert f"{deck}:3: unproven claim: It never fails.\n" in captured.out
    assert "(1 unproven claim)" in captured.err
    (tmp_path / "_config.py").write_text("LINT_CLAIMS = True\n")
    sys.modules.pop("_config", None)
    assert cli.main(["lint", str(deck)]) == 1  # the collection asks
    assert "unproven claim: It never fails." in capsys.readouterr().out


def test_double_backtick_literals_are_code_not_claims() -> None:
    # ``String(200)`` and ``None`` are code, not a figure or a "none"
    deck = parse("### slide::\n### title:: T\n# Give it a ``String(200)``"
                 " column and ``None`` as default.\nx = 1\n", Path("d.py"))
    assert unproven(deck.slides[0]) == []


def test_a_measured_figure_is_backed_by_its_script(tmp_path: Path) -> None:
    (tmp_path / "bench.py").write_text("print('rollback 3 ms')\n")
    text = ("### slide::\n### title:: T\n# Rollback takes 3 ms here.\n"
            "x = 1\n### measured:: {}: Rollback takes 3 ms here\n")
    backed = parse(text.format("bench.py"), tmp_path / "d.py")
    assert unproven(backed.slides[0]) == []
    # a script that is not there backs nothing (and lint says so)
    missing = parse(text.format("gone.py"), tmp_path / "d.py")
    assert [s.text for s in unproven(missing.slides[0])] == [
        "Rollback takes 3 ms here."]
    from sliderepl.tools.lint import unproven_claims

    said = [w.message for w in unproven_claims(missing.slides[0])]
    assert "measured:: gone.py does not exist" in said
