"""A deck with exercises, notes and a pacing target (test deck)."""
if __name__ == "__main__":
    import sliderepl.launch
    sliderepl.launch.deck(__file__)

### target:: 10m

### slide:: s
from sqlalchemy import Column, Integer, MetaData, String, Table
from sqlalchemy import create_engine, insert, select


def has_column(table, name):
    """A helper the checks below use."""
    return name in table.c


def row_count(engine, table):
    with engine.connect() as conn:
        return len(conn.execute(select(table)).all())


### slide::
### title:: A table
### note:: Ask who has used Table() before.
metadata = MetaData()
users = Table("users", metadata, Column("id", Integer, primary_key=True))
users.c.keys()

### slide::
### title:: Your turn: add a column
# Tables can grow a column before they are created.
### exercise:: Add a column "name" (String(50)) to ``users``.
### hint:: Table.append_column() takes a Column.
### hint:: users.append_column(Column("name", String(50)))
### check:: has_column(users, "name")
### solution:: users.append_column(Column("name", String(50)))
### note:: Give them two minutes.
users.c.keys()

### slide::
### title:: Your turn: rows
### exercise:: Create the table on ``engine`` and insert two users,
### exercise:: then count them into ``count``.
### check:: rows = row_count(engine, users)
### check:: count == 2 and rows == 2
### solution:: metadata.create_all(engine)
### solution:: with engine.begin() as conn:
### solution::     _ = conn.execute(insert(users), [{"name": "a"}, {"name": "b"}])
### solution:: with engine.connect() as conn:
### solution::     count = len(conn.execute(select(users)).all())
### solution:: count
engine = create_engine("sqlite://")

### slide::
### title:: Done
print("the end")
