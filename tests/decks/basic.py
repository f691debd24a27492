"""A small deck in this project's style: setup, SQL, an expected error."""
if __name__ == "__main__":
    import sliderepl.launch
    sliderepl.launch.deck(__file__)

print("the preamble never runs in the runner")

### slide:: s
from sqlalchemy import create_engine, text
engine = create_engine("sqlite://")

### slide::
### title:: Values and SQL
# Values echo; SQL appears where it was sent.
with engine.connect() as conn:
    print("before")
    conn.execute(text("select 40 + :n"), {"n": 2}).scalar()
    print("after")

### slide:: e
### title:: An error on purpose
{}["missing"]

### slide:: l
### title:: Long version only
long_only = True

### slide::
### title:: Last
### note:: the end of the deck
answer = 6 * 7
answer
