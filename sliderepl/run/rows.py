"""Echoed values that are rows, as a table with column names.

``table_of(value)`` recognises what a slide echoes at ``>>>`` that is
really a table, and returns it as plain data (:class:`Rows`: column
names and each cell as text, the first ``LIMIT`` rows) for the screen
and the handouts to draw, or None:

* a list (or tuple) of SQLAlchemy ``Row``: columns from ``Row._fields``;
* a list (or tuple) of ORM objects of one mapped class with a
  ``__table__``: the mapped table's columns.  Cells come from what the
  object has loaded (``inspect(obj).dict``): drawing a table never
  sends SQL; an attribute not loaded (expired after a commit, deferred)
  reads ``(not loaded)``.

A live ``Result`` (``conn.execute(...)``) is not a table: its rows are
still in the cursor, and showing them would read them, which Python's
own ``>>> result`` never does (the learner's next ``result.all()``
would find nothing).  It echoes as its repr, and ``hint_of`` gives the
one dim line under it that says how to see the rows.  The same holds
for every iterator and generator: only values already in memory become
tables.

SQLAlchemy is never imported here: a value can only be a ``Row`` once
the deck imported it (startup stays at its floor).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sliderepl.run.inert import inert

#: rows shown; the rest are counted ("... 12 more rows")
LIMIT = 20
#: a cell longer than this is cut, ending in "…"
CELL = 60
NOT_LOADED = "(not loaded)"


@dataclass(frozen=True)
class Rows:
    """A table to draw: ``columns``, the first rows' cells as text, and
    how many rows were left out (``more``)."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    more: int = 0

    @property
    def total(self) -> int:
        return len(self.rows) + self.more

    def footer(self) -> str:
        """``… 12 more rows`` when rows were left out, ``(no rows)``
        for none at all, else ""."""
        if not self.rows:
            return "(no rows)"
        if not self.more:
            return ""
        return f"… {self.more} more row{'s' if self.more != 1 else ''}"


def cell(value: object) -> str:
    """One value as table text: ``str`` of it on one line, control
    characters shown escaped (``\\x1b``: ``sliderepl.run.inert``), cut
    short."""
    try:
        text = value if isinstance(value, str) else str(value)
    except Exception:  # noqa: BLE001 - a broken __str__ is one cell
        text = object.__repr__(value)
    text = inert(" ".join(text.split("\n")))
    if len(text) > CELL:
        text = text[: CELL - 1] + "…"
    return text


def column_name(name: object) -> str:
    """A column's name as its header: one line, control characters
    escaped as in a cell, never cut."""
    return inert(" ".join(str(name).split("\n")))


#: modules whose ``__str__`` and ``__repr__`` a cell may run
_TRUSTED = frozenset({"sqlalchemy", *sys.stdlib_module_names}) - {"__main__"}


def _plain(value: object) -> bool:
    """Whether ``str(value)`` runs only Python's or SQLAlchemy's code
    (for a value of the deck's own type it would run the deck's code,
    which plain Python's echo, a repr, never calls).  Read from the
    class dictionaries: nothing of the value runs to find out."""
    mro: tuple[type, ...] = type.__dict__["__mro__"].__get__(type(value))
    for name in ("__str__", "__repr__"):
        owner = next((k for k in mro
                      if name in type.__dict__["__dict__"].__get__(k)),
                     object)
        module = type.__dict__["__module__"].__get__(owner)
        if type(module) is not str or module.split(".")[0] not in _TRUSTED:
            return False
        if owner is not object:  # a str of its own: the repr is not used
            return True
    return True


def _rows(columns: Iterable[str], rows: list[Any],
          cells: Any = tuple) -> Rows | None:
    values = [tuple(cells(row)) for row in rows[:LIMIT]]
    if not all(_plain(v) for row in values for v in row):
        return None  # the repr plain Python printed, not a table
    shown = tuple(tuple(cell(v) for v in row) for row in values)
    return Rows(tuple(column_name(c) for c in columns), shown,
                max(len(rows) - LIMIT, 0))


def _row_type() -> Any:
    module = sys.modules.get("sqlalchemy.engine.row")
    return getattr(module, "Row", None) if module is not None else None


def _result_type() -> Any:
    module = sys.modules.get("sqlalchemy.engine.result")
    return getattr(module, "Result", None) if module is not None else None


def table_of(value: object) -> Rows | None:
    """The table ``value`` is, or None.  Reads nothing that is not
    already in memory: no iterator is advanced, no attribute loaded."""
    try:
        return _table_of(value)
    except Exception:  # noqa: BLE001 - the plain repr is shown instead
        return None


def hint_of(value: object) -> str | None:
    """One line to show under the repr of a live ``Result`` that
    returns rows (how to see them without losing them), else None."""
    result = _result_type()
    try:
        # type(value): isinstance() would read a __class__ of its own
        if result is None or not issubclass(type(value), result):
            return None
        if not getattr(value, "returns_rows", False):
            return None
    except Exception:  # noqa: BLE001 - no hint is the plain echo
        return None
    return "a live Result: no row read yet; .all() fetches them, once"


def _table_of(value: Any) -> Rows | None:
    # type tests on type(value) only (isinstance() reads __class__), and
    # the items read as list's or tuple's own code: a subclass's
    # __iter__ or __getitem__ is the deck's, and the echo never runs it
    kind = type(value)
    if issubclass(kind, list):
        items: list[Any] = list(list.__iter__(value))
    elif issubclass(kind, tuple):
        items = list(tuple.__iter__(value))
    else:
        return None
    if not items:
        return None
    row = _row_type()
    first: Any = items[0]
    if row is not None and issubclass(type(first), row):
        fields = first._fields
        if all(issubclass(type(r), row) and r._fields == fields
               for r in items):
            return _rows(fields, items)
        return None
    if hasattr(type(first), "__table__") and all(
        type(item) is type(first) for item in items
    ):
        return _objects(items)
    return None


def _objects(objects: list[Any]) -> Rows | None:
    from sqlalchemy import inspect

    cls = type(objects[0])
    mapper = inspect(cls, raiseerr=False)
    table = getattr(cls, "__table__", None)
    if mapper is None or table is None:
        return None
    names: list[str] = []
    keys: list[str] = []
    for column in table.columns:
        try:
            keys.append(mapper.get_property_by_column(column).key)
        except Exception:  # noqa: BLE001 - a column not mapped
            continue
        names.append(column.name)

    def cells(obj: Any) -> tuple[object, ...]:
        loaded = inspect(obj).dict
        return tuple(loaded.get(key, NOT_LOADED) for key in keys)

    return _rows(names, objects, cells) if names else None
