"""A deck in the style of the original sliderepl tool, unchanged.

It uses the b/p/x/i flags, ``#### Title ####`` titles, an include, code
that relies on names from earlier slides, and ends with an empty marker,
as the public tutorial decks for that tool did.
"""

### slide::
#### Old style decks ####
# This deck is written the way decks for the original tool were.
# It must run unchanged.
from sqlalchemy import create_engine, text
engine = create_engine("sqlite://")
counter = 0

### slide:: b
### title:: Bullets, then code
###  * first point
###  * second point
###    * a nested point
counter += 1
counter

### slide:: p
#### A pause before running ####
with engine.begin() as conn:
    conn.execute(text("create table t (x integer)"))
    conn.execute(text("insert into t (x) values (1), (2)"))

### file:: old_style_included.py

### slide:: x
#### Display only ####
"""
this is not python, and it never runs
"""

### slide:: i
# Continue the previous screen.
with engine.connect() as conn:
    total = conn.execute(text("select sum(x) from t")).scalar()
print("total", total, "counter", counter)

### slide::
