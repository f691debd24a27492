"""The project's own fuzzers (issue 15): ``fuzz.session`` drives the REPL
in tmux, ``fuzz.decks`` generates decks for the parser and ``--run-all``.
The bounded, seeded runs are in ``tests/test_fuzz_*.py``; the long run is
``python -m fuzz.long_run``."""
