"""No script rots: every script under ``benchmarks/`` and ``fuzz/`` runs
here in its smallest form and prints its figures.

The scripts are found by globbing (a file with an ``if __name__ ==
"__main__":`` guard, a ``__main__.py``, or a ``Run: python ...`` line in
its docstring), so a new one fails ``test_script_runs_in_its_smallest_form``
until ``SMOKES`` below says how to run it small.  Each smoke runs the
script as its docstring's ``Run:`` line says (``python benchmarks/x.py``
or ``python -m fuzz.x``, from the clone, with ``-W error``) and checks
that it exits 0, writes no traceback, and prints every figure line of its
entry with a number wherever the line has one.  No time is asserted:
the figures are whatever this machine measured.

A script that needs a database gets a fresh one of each backend from the
suite's servers (``db_url``), in the ``TUTORIAL_DB`` environment variable,
never on the command line.  ``failover.py`` starts its own primary and
standby, as the benchmark must (it rebuilds the pair between rounds).
"""

from __future__ import annotations

import ast
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import skip_or_fail

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = ("benchmarks", "fuzz")
TIMEOUT = 300  # seconds: a hung script fails instead of hanging CI

#: a number as the scripts print them: 12, -0.25, 19,278
NUMBER = r"([-+]?\d[\d,]*(?:\.\d+)?)"


@dataclass(frozen=True)
class Smoke:
    """How to run one script small, and what it must print.

    ``figures`` are line templates: words separated by spaces (any run of
    spaces in the output), ``<n>`` where a number stands, ``*`` for any
    text (a verdict, a list of error names).  Each must match a whole
    line of the output, stripped.  ``needs``: ``tmux``, ``pair`` (a
    PostgreSQL primary + standby), ``kernel`` (ipykernel, nbclient),
    ``chromium``, ``pty``.  ``database``: runs once per backend with
    ``TUTORIAL_DB`` set to a fresh database.
    """

    args: tuple[str, ...]
    figures: tuple[str, ...]
    needs: tuple[str, ...] = ()
    database: bool = False


def _strategies() -> tuple[str, ...]:
    return tuple(f"{name} <n> ms/test <n>x fastest <n>x watcher"
                 for name in ("watcher", "drop+create", "rollback"))


def _precautions(prefix: str = "") -> tuple[str, ...]:
    return tuple(
        f"{prefix}{name} failed <n> of <n> first write after <n>s "
        "lost <n> half-written <n> ghosts <n> *"
        for name in ("none", "pool_pre_ping", "checkout_ping",
                     "pre_ping+retry"))


SMOKES: dict[str, Smoke] = {
    "benchmarks/beyond_slides.py": Smoke(
        ("--runs", "1", "tests/decks/basic.py"),
        tuple(f"basic.py {tool} <n> <n>x" for tool in
              ("run-all", "check", "export html", "lint"))),
    "benchmarks/change_watcher.py": Smoke(
        ("--tests", "1"), _strategies(), database=True),
    "benchmarks/failover.py": Smoke(
        ("--rounds", "1"),
        ("pair started in <n>s; fault: crash of the primary, then "
         "promotion; one unit every <n> ms",
         *_precautions(), *_precautions("idle: "),
         "promotion (stop + promote): <n>s median; rebuild of the pair: "
         "<n>s median",
         *(f"{name} failed units <n> first write <n>s (<n>x retry)"
           for name in ("none", "pool_pre_ping", "checkout_ping",
                        "pre_ping+retry"))),
        needs=("pair",)),
    "benchmarks/first_tab.py": Smoke(
        ("-n", "1"),
        tuple(f"sliderepl {typed} <n> ms <n> ms <n>" for typed in
              ("session.", "table.c.", "engine.", "table.c.name."))),
    "benchmarks/handout_html.py": Smoke(
        ("--rounds", "1", "tests/decks/basic.py"),
        ("tests/decks/basic.py <n>s <n>s <n>s <n>x <n>ms <n>",)),
    "benchmarks/import_graph.py": Smoke(
        (), ("modules: <n>", "levels: <n>", "arrows: <n>", "cycles: <n>")),
    "benchmarks/notebook_export.py": Smoke(
        ("-n", "1", "tests/decks/basic.py"),
        ("basic.py <n>s <n>s <n>x <n> <n> <n>s",), needs=("kernel",)),
    "benchmarks/inert.py": Smoke(
        ("--calls", "1000", "--runs", "1"),
        ("inert, plain <n> chars: <n> ns",
         "inert, CSI + OSC <n> chars: <n> ns",
         "rows.cell, plain: <n> ns (<n> ns without inert: <n> ns)",
         "a table of <n> rows x <n> columns: <n> us of escaping")),
    "benchmarks/output_rate.py": Smoke(
        ("--lines", "50", "--runs", "1"),
        ("<n> lines x <n> runs, median us per line:",
         "guarded <n> us <n>x bare rich",
         "unguarded <n> us <n>x bare rich",
         "bare rich <n> us <n>x bare rich",
         "the guard adds <n> us per line (<n>x)")),
    "benchmarks/slide_overhead.py": Smoke(
        ("--slides", "20", "--rounds", "1"),
        ("deck: <n> trivial slides, best of <n> rounds",
         *(f"{row} <n> ms/slide (<n> ms total)" for row in (
             "parse", "run-all, compiling (cold)",
             "run-all, code cached (warm)", "plain compile + exec",
             "plain exec of compiled code", "rebuild: back from slide <n>")),
         "ratio run-all cold / plain compile+exec: <n>x",
         "ratio run-all warm / plain exec: <n>x",
         # met / NOT met is a verdict on a time: not asserted
         "target run-all < <n> ms/slide: * (<n> ms)")),
    "benchmarks/startup.py": Smoke(
        ("-n", "1", "tests/decks/ui_tour.py"),
        ("floor: python -c 'import sqlalchemy' <n> ms (medians of <n> "
         "interleaved runs)",
         "ui_tour.py <n> ms <n>x <n> ms <n>x"), needs=("pty",)),
    "benchmarks/watch_reload.py": Smoke(
        ("--runs", "1", "part1.py:2"),
        ("part1.py slide <n>/<n>: rebuild <n>s, whole reload <n>s (first "
         "start to that slide <n>s)",
         "one poll of <n> file(s): <n> us (<n> a second: <n>% of one core)"),
    ),
    "benchmarks/wheel.py": Smoke(
        (),
        ("size <n> KB, <n> files",
         "pip wheel (copy + build): <n> s",
         "python -m venv: <n> s",
         "pip install (with deps): <n> s",
         "first sliderepl --version: <n> s",
         "build + install: <n> s")),
    "benchmarks/site.py": Smoke(
        # one deck, the quickest in the page; the site's parts come from
        # the fetch cache (sliderepl.web.fetch)
        ("--runs", "1", "part2"),
        ("site size: <n> MB in <n> files",
         "<n> MB pyodide/pyodide.asm.wasm",
         *(f"part2: first runnable slide {kind} <n>s (runtime <n>s, "
           "wheels <n>s, first slide <n>s after the script started)"
           for kind in ("cold", "warm")),
         "part2: whole deck in the page <n>s, sliderepl --run-all <n>s, "
         "ratio <n>x"),
        needs=("chromium",)),
    "fuzz/long_run.py": Smoke(
        # two steps on a small deck: the bounded fuzz of the real decks is
        # tests/test_fuzz_session.py and tests/test_fuzz_decks.py
        ("--steps", "2", "--decks", "tests/decks/basic.py",
         "--parser-examples", "10", "--minutes", "1"),
        ("parser fuzz: <n> generated decks, <n> uncaught exceptions or "
         "wrong line numbers",
         "SESSION tests/decks/basic.py: seed <n>: <n> steps, <n> deaths, "
         "<n> hangs, <n> runner tracebacks, <n> times data drove the "
         "terminal (<n> s, <n> steps/s)",
         "TOTAL tests/decks/basic.py: <n> steps in <n> sessions, <n> "
         "deaths, <n> hangs, <n> runner tracebacks, <n> times data drove "
         "the terminal"),
        needs=("tmux",)),
}


def is_script(path: Path) -> bool:
    text = path.read_text(encoding="utf-8")
    return (path.name == "__main__.py"
            or re.search(r"""if __name__ == ["']__main__["']:""", text)
            is not None
            or run_line(path) is not None)


def run_line(path: Path) -> str | None:
    """The ``Run: python ...`` line of the module's docstring."""
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
    found = re.search(r"^Run: (python .*)$", doc or "", re.MULTILINE)
    return found.group(1) if found else None


def scripts() -> list[str]:
    return sorted(
        path.relative_to(ROOT).as_posix()
        for folder in FOLDERS for path in (ROOT / folder).rglob("*.py")
        if is_script(path))


def command(script: str) -> list[str]:
    """How the script's docstring says to run it, with ``-W error``."""
    line = run_line(ROOT / script)
    assert line is not None, (
        f"{script}: its docstring needs a 'Run: python ...' line")
    module = script.removesuffix(".py").replace("/", ".")
    words = line.split()
    if words[1] == "-m":
        assert words[2] == module, f"{script}: its Run: line is {line!r}"
        return [sys.executable, "-W", "error", "-m", module]
    assert words[1] == script, f"{script}: its Run: line is {line!r}"
    return [sys.executable, "-W", "error", script]


def pattern(template: str) -> re.Pattern[str]:
    parts = []
    for word in template.split():
        if word == "*":
            parts.append(".*")
            continue
        pieces = [re.escape(p) for p in word.split("<n>")]
        parts.append(rf"\s*{NUMBER}\s*".join(pieces))
    return re.compile(r"\s+".join(parts).replace(r"\s+.*", r"(?:\s+.*)?"))


def check_figures(smoke: Smoke, out: str) -> None:
    lines = [line.strip() for line in out.splitlines()]
    for template in smoke.figures:
        regex = pattern(template)
        matches = [m for m in map(regex.fullmatch, lines) if m]
        assert matches, f"no line like {template!r} in:\n{out}"
        for number in matches[0].groups():
            float(number.replace(",", ""))


def needs(smoke: Smoke) -> None:
    """Skip (fail in CI) when what the script needs is missing."""
    for need in smoke.needs:
        if need == "tmux" and shutil.which("tmux") is None:
            skip_or_fail("tmux is not installed (apt-get install tmux)")
        elif need == "pair":
            from workshop_db import replica

            reason = replica.unavailable_reason()
            if reason:
                skip_or_fail(f"primary + standby: {reason}")
        elif need == "kernel":
            missing = [m for m in ("ipykernel", "nbclient", "nbformat")
                       if importlib.util.find_spec(m) is None]
            if missing:
                skip_or_fail(f"{', '.join(missing)} not installed (pip "
                             "install -e '.[test]')")
        elif need == "chromium":
            from tests.chromium_cdp import chromium_or_skip

            chromium_or_skip()
        elif need == "pty" and os.name != "posix":
            pytest.skip("needs a POSIX pseudo-terminal")


def smoke_run(script: str, smoke: Smoke, state: Path,
              database: str | None = None) -> str:
    """Run ``script`` small; its standard output."""
    env = dict(os.environ, XDG_STATE_HOME=str(state))
    env.pop("TUTORIAL_DB", None)
    if database is not None:
        env["TUTORIAL_DB"] = database
    done = subprocess.run(
        [*command(script), *smoke.args], cwd=ROOT, env=env,
        stdin=subprocess.DEVNULL, capture_output=True, text=True,
        timeout=TIMEOUT, check=False)
    shown = f"stdout:\n{done.stdout[-3000:]}\nstderr:\n{done.stderr[-3000:]}"
    assert done.returncode == 0, f"{script} exit {done.returncode}\n{shown}"
    assert "Traceback (most recent call last)" not in done.stderr, shown
    check_figures(smoke, done.stdout)
    return done.stdout


def _param(script: str) -> object:
    smoke = SMOKES.get(script)
    marks = (pytest.mark.servers,) if smoke and "pair" in smoke.needs else ()
    return pytest.param(script, id=script, marks=marks)


@pytest.mark.parametrize("script", [
    _param(s) for s in scripts()
    if not (s in SMOKES and SMOKES[s].database)])
def test_script_runs_in_its_smallest_form(script: str,
                                          tmp_path: Path) -> None:
    smoke = SMOKES.get(script)
    if smoke is None:
        pytest.fail(
            f"add a smoke run for {script}: an entry in SMOKES in "
            f"tests/test_scripts_smoke.py, {script!r}: Smoke((its smallest "
            "arguments...), (a template of each figure line it prints, "
            "<n> for a number...), needs=(...)), short enough that the "
            "whole file stays under 2 minutes; and a 'Run: python ...' line "
            "in the script's docstring", pytrace=False)
    needs(smoke)
    smoke_run(script, smoke, tmp_path / "state")


@pytest.mark.parametrize("script", [
    s for s in scripts() if s in SMOKES and SMOKES[s].database])
def test_script_runs_on_each_backend(script: str, db_url: str,
                                     tmp_path: Path) -> None:
    smoke = SMOKES[script]
    needs(smoke)
    smoke_run(script, smoke, tmp_path / "state", database=db_url)


def test_every_smoke_entry_is_a_script() -> None:
    stale = sorted(set(SMOKES) - set(scripts()))
    assert not stale, f"SMOKES names scripts that are gone: {stale}"


def test_the_figure_templates_tell_numbers_from_words() -> None:
    regex = pattern("pre_ping+retry failed <n> of <n> first write after "
                    "<n>s lost <n> *")
    good = ("pre_ping+retry   failed  0 of 22  first write after  0.11s"
            "  lost 0 half-written 0 ghosts 0")
    assert regex.fullmatch(good).groups() == ("0", "22", "0.11", "0")
    # a figure that is not a number is a missing figure
    assert regex.fullmatch(good.replace("0.11s", "nans")) is None
    assert regex.fullmatch(good.replace("retry", "retry!")) is None
    assert pattern("bytes <n>").fullmatch("bytes 19,278")
    with pytest.raises(AssertionError, match="no line like"):
        check_figures(Smoke((), ("cycles: <n>",)), "cycles: none\n")
