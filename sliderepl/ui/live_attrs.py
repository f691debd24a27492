"""Attributes of live objects, looked up without running the user's code.

Tab after ``table.c.`` or ``session.`` should offer what is really
there, but pressing Tab must not run code: a property can emit SQL (an
ORM lazy load), take a lock or raise.  So a dotted name is followed one
attribute at a time with ``inspect.getattr_static``, and only these are
taken:

- values stored on the object (its ``__dict__``, a module's globals)
  and plain class attributes;
- functions and C-level descriptors (slots, built-in getters), bound
  directly, never through the object's ``__getattribute__``;
- properties and ``__getattr__`` written by a trusted library:
  SQLAlchemy and the standard library (``table.c``, ``session.info``,
  ``table.c.name`` are all SQLAlchemy's own code) -- except SQLAlchemy's
  ORM attributes on instances, which may load from the database: their
  value is used only once it is loaded (it is then in ``__dict__``);
  on an ORM-mapped object no other descriptor is run at all (an
  association proxy reads a relationship, so it would load it).

Anything else (a property of slide code, a ``__getattr__`` of its own)
stops the lookup: no completions, rather than running it.  Names come
from the object's and its classes' dictionaries, as ``dir()`` finds
them, never from the object's own ``__dir__``; a SQLAlchemy column
collection adds its column names, a row its fields.  The completer
hands over dotted names only: nothing typed is called or subscripted.

Imported on the first Tab (``completion.py``), never at startup.
"""

from __future__ import annotations

import inspect
import sys
import types
from collections.abc import Iterable, Mapping
from typing import Any

#: Libraries whose properties and ``__getattr__`` Tab may run.
TRUSTED = frozenset({"sqlalchemy", *sys.stdlib_module_names}) - {"__main__"}

_BOUND_SAFELY = (
    types.FunctionType,
    types.BuiltinFunctionType,
    types.MethodDescriptorType,
    types.WrapperDescriptorType,
    types.ClassMethodDescriptorType,
    types.MemberDescriptorType,
    types.GetSetDescriptorType,
    classmethod,
    staticmethod,
)


#: where an ORM-mapped object keeps its state (in its ``__dict__``)
_STATE = "_sa_instance_state"


class NotSafe(Exception):
    """Following this name would run code we do not trust (or fails)."""


def named(namespace: Mapping[str, Any], name: str) -> Any:
    """What ``name`` is at the prompt: the namespace's, else a builtin."""
    import builtins

    if name in namespace:
        return namespace[name]
    if name in vars(builtins):
        return vars(builtins)[name]
    raise NotSafe(name)


def resolve(namespace: Mapping[str, Any], path: str) -> Any:
    """The object ``path`` (``a.b.c``) names, looked up safely."""
    head, *rest = path.split(".")
    obj = named(namespace, head)
    for name in rest:
        obj = attribute(obj, name)
    return obj


def attribute(obj: Any, name: str) -> Any:
    """``getattr(obj, name)`` if it runs no untrusted code, else NotSafe."""
    if not name.isidentifier():
        raise NotSafe(name)
    own = _own_dict(obj)
    if issubclass(type(obj), types.ModuleType):
        if own is not None and name in own:
            return own[name]
        raise NotSafe(name)
    try:
        found = inspect.getattr_static(obj, name)
    except AttributeError:
        return _dynamic(obj, name)
    if own is not None and name in own and own[name] is found:
        return found  # stored on the object itself
    cls = type(found)
    if not hasattr(cls, "__get__"):
        return found  # a plain class attribute
    owner = obj if _is_class(obj) else type(obj)
    instance = None if _is_class(obj) else obj
    if issubclass(cls, _BOUND_SAFELY):
        return found.__get__(instance, owner)
    if _orm_attribute(found):
        if instance is None:
            return found  # User.name: the attribute itself
        if own is not None and name in own:
            return own[name]  # loaded; no SQL
        raise NotSafe(name)  # would load from the database
    if instance is not None and own is not None and _STATE in own:
        # any other descriptor of a mapped object (an association proxy,
        # a composite's) reads its ORM attributes: it may load them
        raise NotSafe(name)
    if _trusted(_getter(found)):
        return cls.__get__(found, instance, owner)
    raise NotSafe(name)


def names(obj: Any) -> set[str]:
    """The attribute names of ``obj``, found without untrusted code."""
    found: set[str] = set()
    own = _own_dict(obj)
    if own is not None:
        found.update(_texts(own))
    for cls in _mro(obj if _is_class(obj) else type(obj)):
        found.update(_texts(_class_dict(cls)))
    found.update(_dynamic_names(obj))
    return {n for n in found if n.isidentifier()}


# -- helpers ---------------------------------------------------------------
# ``isinstance`` would read ``__class__``, which a hostile object can make
# a property: every type test below is on ``type(obj)``.


def _is_class(obj: Any) -> bool:
    return issubclass(type(obj), type)


def _own_dict(obj: Any) -> dict[str, Any] | None:
    """``obj.__dict__`` read through the C-level slot only."""
    for klass in _mro(type(obj)):
        slot = _class_dict(klass).get("__dict__")
        if slot is None:
            continue
        if type(slot) is not types.GetSetDescriptorType:
            return None  # a __dict__ of the class's own making
        try:
            own = slot.__get__(obj, type(obj))
        except Exception:
            return None
        return own if issubclass(type(own), dict) else None
    return None


def _class_dict(cls: type) -> Mapping[str, Any]:
    return type.__dict__["__dict__"].__get__(cls)  # type: ignore[no-any-return]


def _mro(cls: type) -> tuple[type, ...]:
    return type.__dict__["__mro__"].__get__(cls)  # type: ignore[no-any-return]


def _class_attr(cls: type, name: str) -> Any:
    for klass in _mro(cls):
        mapping = _class_dict(klass)
        if name in mapping:
            return mapping[name]
    return None


def _module_of(thing: Any) -> str:
    """The module that defined ``thing`` (a class, a function, or an
    object of some class), read without running its code."""
    if _is_class(thing):
        module = type.__dict__["__module__"].__get__(thing)
        return module if type(module) is str else ""
    if issubclass(type(thing), (classmethod, staticmethod)):
        return _module_of(thing.__func__)
    if issubclass(type(thing), _BOUND_SAFELY):
        module = getattr(thing, "__module__", None)
        if type(module) is str:
            return module
        objclass = getattr(thing, "__objclass__", None)
        return _module_of(objclass) if _is_class(objclass) else ""
    return _module_of(type(thing))


def _trusted(thing: Any) -> bool:
    return _module_of(thing).split(".")[0] in TRUSTED


def _getter(descriptor: Any) -> Any:
    """The function a property-like descriptor runs (or the descriptor
    itself, when its type is not a trusted library's)."""
    if not _trusted(type(descriptor)):
        return descriptor
    for attr in ("fget", "func", "__func__"):
        getter = getattr(descriptor, attr, None)
        if getter is not None:
            return getter
    return descriptor


def _orm_attribute(descriptor: Any) -> bool:
    attributes = sys.modules.get("sqlalchemy.orm.attributes")
    base = getattr(attributes, "QueryableAttribute", None)
    return _is_class(base) and issubclass(type(descriptor), base)  # type: ignore[arg-type]


def _dynamic(obj: Any, name: str) -> Any:
    """An attribute ``__getattr__`` provides, if a trusted one does."""
    hook = _class_attr(type(obj), "__getattr__")
    if hook is None or not _trusted(hook):
        raise NotSafe(name)
    try:
        return getattr(obj, name)
    except Exception as exc:
        raise NotSafe(name) from exc


def _dynamic_names(obj: Any) -> list[str]:
    """Names only ``__getattr__`` knows: a column collection's keys, a
    row's fields."""
    base = sys.modules.get("sqlalchemy.sql.base")
    collection = getattr(base, "ColumnCollection", None)
    if _is_class(collection) and issubclass(
        type(obj), collection  # type: ignore[arg-type]
    ):
        return _texts(obj.keys())
    row = sys.modules.get("sqlalchemy.engine.row")
    row_type = getattr(row, "Row", None)
    if _is_class(row_type) and issubclass(
        type(obj), row_type  # type: ignore[arg-type]
    ):
        return _texts(obj._fields)
    return []


def _texts(keys: Iterable[Any]) -> list[str]:
    """The string keys as plain ``str`` (column keys are a subclass)."""
    return [str.__str__(k) for k in keys if issubclass(type(k), str)]
