"""sliderepl: run a slide deck as a live Python REPL session.

A deck is a Python file with slide markup in comments (the format of the
original sliderepl tool).  The package is split by job: ``parser`` (text
to the ``model``), ``execution`` (one namespace, events to a sink),
``navigation`` (position and state-correct moves), ``headless`` and
``transcript`` (``--run-all``), ``cli`` and ``launch`` (entry points),
and the terminal side (rendering, themes, the prompt).
"""

__version__ = "0.1.0"
