"""A deck for the REPL's tests: bullets, a pause, display-only code,
SQL, an error, and a slow loop to interrupt."""
if __name__ == "__main__":
    import sliderepl.launch
    sliderepl.launch.deck(__file__)

### slide:: s
import os
import time
counter = 0
# The slow loop slide runs this long; tests that only pass by it set 0.
slow_seconds = float(os.environ.get("UI_TOUR_SLOW_SECONDS", "60"))

### slide::
### title:: Welcome to the **tour**
# First slide: plain code.
greeting = "hello"
print(greeting)

### slide:: b
### title:: Bullets first
###  * one
###  * two
###   * two and a half
counter += 1
print("bullet code ran", counter)

### slide:: p
### title:: Paused code
paused_ran = True
print("paused code ran")

### slide:: x
### title:: Display only
never_defined = 1

### slide::
### title:: Connection pools
from sqlalchemy import create_engine, text
engine = create_engine("sqlite://")
with engine.connect() as conn:
    conn.execute(text("select 1 + :n"), {"n": 1}).scalar()

### slide:: e
### title:: An error on purpose
1 / 0

### slide::
### title:: Slow loop
### note:: interrupt this with Ctrl-C
deadline = time.monotonic() + slow_seconds
while time.monotonic() < deadline:
    time.sleep(0.1)
finished_loop = True

### slide::
### title:: Last slide
last = "done"
