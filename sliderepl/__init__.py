"""sliderepl: run a slide deck as a live Python REPL session.

A deck is a Python file with slide markup in comments (the format of the
original sliderepl tool).  The package is split by job, lowest layer
first: ``deck`` (model, parser, collections), ``run`` (namespace,
capture, navigation, the headless loop), ``screen`` and ``teach``,
``ui`` and ``tools``, then ``cli``; README.md beside this file draws
which may import which.
"""

__version__ = "0.1.0"
