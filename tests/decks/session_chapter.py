"""The Session chapter of part 3, alone, for tests.  Run:
sliderepl --run-all tests/decks/session_chapter.py [--db URL]"""

### file:: ../../chapters/part3_session.py
