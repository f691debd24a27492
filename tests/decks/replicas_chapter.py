"""The replicas chapter, alone, for tests.  Run:
sliderepl --run-all tests/decks/replicas_chapter.py [--db postgresql]"""

### file:: ../../chapters/replicas.py
