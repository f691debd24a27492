"""How long the first Tab takes, and each one after it.

A fresh process per run (the prompt's completer is loaded with the
prompt; what it imports on the first Tab, or jedi, is on the clock), with
the objects a deck leaves at the prompt: a Table, an Engine and a
Session on SQLite.  Prints the median first-Tab and later-Tab latency
per typed text.  With ``--jedi`` it times ``jedi.Interpreter`` on the
same namespace for comparison (jedi is not a dependency: install it to
compare).

Run: python benchmarks/first_tab.py [-n 5] [--jedi]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEXTS = ("session.", "table.c.", "engine.", "table.c.name.")

_CHILD = r"""
import json, sys, time
from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine
from sqlalchemy.orm import Session
from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document

engine = create_engine("sqlite://")
table = Table("user_account", MetaData(), Column("id", Integer,
              primary_key=True), Column("name", String(30)))
session = Session(engine)
namespace = {"engine": engine, "table": table, "session": session}
text, library = sys.argv[1], sys.argv[2]
# loaded with the prompt; what the first Tab imports is on the clock
from sliderepl.ui.completion import NamespaceCompleter

def once():
    start = time.perf_counter()
    if library == "jedi":
        import jedi
        jedi.settings.allow_unsafe_interpreter_executions = False
        interpreter = jedi.Interpreter(text, [namespace])
        found = [c.name for c in interpreter.complete()]
    else:
        completer = NamespaceCompleter(lambda: namespace)
        found = [c.text for c in
                 completer.get_completions(Document(text), CompleteEvent())]
    return time.perf_counter() - start, len(found)

first, count = once()
again = min(once()[0] for _ in range(5))
print(json.dumps([first, again, count]))
"""


def run(text: str, library: str) -> tuple[float, float, int]:
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, text, library], cwd=ROOT,
        capture_output=True, text=True, check=True,
    )
    first, again, count = json.loads(done.stdout)
    return first, again, count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", "--runs", type=int, default=5)
    parser.add_argument("--jedi", action="store_true")
    args = parser.parse_args(argv)
    libraries = ["sliderepl", *(["jedi"] if args.jedi else [])]
    print(f"{'library':<10} {'typed':<15} {'first Tab':>10} {'later':>9}"
          f" {'names':>6}   (medians of {args.runs} fresh processes)")
    for library in libraries:
        for text in TEXTS:
            runs = [run(text, library) for _ in range(args.runs)]
            first = statistics.median(r[0] for r in runs)
            again = statistics.median(r[1] for r in runs)
            print(f"{library:<10} {text:<15} {first * 1000:7.1f} ms"
                  f" {again * 1000:6.1f} ms {runs[0][2]:>6}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
