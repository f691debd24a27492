"""``obj?`` and ``obj??``, as in IPython: what an object is, and its source.

``lookup`` follows a dotted name in the namespace (``engine.pool``) as
Tab does (``live_attrs``): Python's and SQLAlchemy's own properties run,
the deck's code does not.  As IPython does, ``obj.prop?`` on a property
of the deck's own describes the property itself, unevaluated (it may
have side effects); an ORM attribute that is not loaded is described
from its class, with no SQL sent; a name only a ``__getattr__`` of the
deck's own could make is a message.  ``describe`` shows the repr only
when the repr is Python's or SQLAlchemy's (a ``__repr__`` of the deck's
own may read attributes and load them): otherwise the default
``<... object at 0x...>``.  A failure is a message, not a traceback.
``describe`` and ``source`` build renderables only: the console writes
(``actions.doc`` / ``actions.source``).  What they show comes from the
object (its type's name, repr, docstring, file, source) and is inert
(``sliderepl.run.inert``): a control character shows as ``\\x1b``.
"""

from __future__ import annotations

import inspect
import re
import types
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import RenderableType

#: ``name?``, ``a.b??``, ``?name``, ``??a.b``
ASKED = re.compile(
    r"(?P<pre>\?{1,2})?(?P<name>[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)"
    r"(?P<post>\?{1,2})?"
)
#: a value's repr is cut to this many characters
_REPR = 300


def asked(line: str) -> tuple[str, str] | None:
    """``("doc" | "source", name)`` for ``name?`` / ``name??``, else None."""
    match = ASKED.fullmatch(line.strip())
    if match is None:
        return None
    pre, post = match.group("pre"), match.group("post")
    marks = pre or post
    if marks is None or (pre and post):
        return None
    return ("doc" if marks == "?" else "source"), match.group("name")


class NotFound(Exception):
    """The name can't be looked up; the message says why."""


class Found:
    """What a dotted name led to: ``obj``, and ``note`` when ``obj`` is
    the attribute's descriptor rather than its value (why)."""

    def __init__(self, obj: Any, note: str = "") -> None:
        self.obj = obj
        self.note = note


def lookup(namespace: Mapping[str, Any], path: str) -> Found:
    from sliderepl.ui.live_attrs import NotSafe, attribute, named

    head, *rest = path.split(".")
    try:
        found = Found(named(namespace, head))
    except NotSafe:
        raise NotFound(f"{head} is not defined") from None
    done = head
    for name in rest:
        if found.note:  # a property's value was never computed
            raise NotFound(f"{done} is not computed by ?: {found.note}")
        try:
            found = Found(attribute(found.obj, name))
        except NotSafe:
            found = _unevaluated(found.obj, name, f"{done}.{name}")
        except Exception as exc:  # a property that raises
            raise NotFound(
                f"{done}.{name}: {type(exc).__name__}: {exc}"
            ) from None
        done += "." + name
    return found


def _unevaluated(obj: Any, name: str, path: str) -> Found:
    """``obj.name`` where getting it would run the deck's code or send
    SQL: the descriptor itself, or NotFound."""
    from sliderepl.ui.live_attrs import _class_attr, _orm_attribute

    try:
        descriptor = inspect.getattr_static(obj, name)
    except AttributeError:
        if _class_attr(type(obj), "__getattr__") is None:
            raise NotFound(
                f"{path}: AttributeError: {type(obj).__name__!r} object"
                f" has no attribute {name!r}") from None
        raise NotFound(
            f"{path}: only a __getattr__ of the deck's own could make it;"
            " ? does not run it") from None
    if _orm_attribute(descriptor):
        return Found(descriptor, "not loaded: ? sends no SQL; type"
                     f" {path} to load it")
    kind = type(descriptor).__name__
    if _trusted(type(descriptor), "__get__"):  # SQLAlchemy's, on a row
        return Found(descriptor, f"a {kind}, not run by ?: it reads"
                     " the object's ORM attributes, which may send SQL")
    return Found(descriptor, f"a {kind} of the deck's own, not run by ?")


def describe(found: Found, path: str) -> RenderableType:
    """``obj?``: type, signature or value, file, docstring."""
    from rich.console import Group
    from rich.text import Text

    obj = found.obj
    rows: list[tuple[str, str]] = [("Type", _type_name(obj))]
    if found.note:
        rows.append(("Note", f"{path}: {found.note}"))
    signature = _signature(obj)
    if signature is not None:
        rows.append(("Signature", f"{path.rsplit('.', 1)[-1]}{signature}"))
    if not (callable(obj) or issubclass(type(obj), types.ModuleType)):
        rows.append(("Value", _short_repr(obj)))
    where = _file(obj)
    if where:
        rows.append(("File", where))
    from sliderepl.run.inert import inert

    parts: list[RenderableType] = []
    for label, text in rows:
        line = Text()
        line.append(f"{label + ':':<11}", style="help.command")
        line.append(inert(text))
        # a long path stays one line (rich would break it with newlines)
        parts.append(_one_line(line) if label == "File" else line)
    parts.append(Text("Docstring:", style="help.command"))
    doc = inert(_doc(obj))
    parts.append(Text(doc) if doc else Text("<no docstring>", style="note"))
    return Group(*parts)


def source(found: Found, path: str, syntax_theme: str) -> RenderableType:
    """``obj??``: the source (of the object's class, for an instance;
    of its getter, for a property)."""
    from rich.console import Group
    from rich.syntax import Syntax
    from rich.text import Text

    from sliderepl.run.inert import inert

    obj = found.obj
    if issubclass(type(obj), property) and obj.fget is not None:
        obj = obj.fget
    target = obj if _has_own_source(obj) else type(obj)
    try:
        lines, _ = inspect.getsourcelines(target)
    except Exception as exc:  # OSError, TypeError; or the object's own
        return Text(inert(_no_source(path, target, exc)), style="note")
    where = _file(target)
    header = Text()
    header.append("File:      ", style="help.command")
    header.append(inert(where) or "?")
    if target is not obj:
        header.append(f"  (the class of {path})", style="note")
    return Group(
        _one_line(header),
        Syntax(
            inert("".join(lines).rstrip("\n")),
            "python",
            theme=syntax_theme,
            word_wrap=True,
            background_color="default",
        ),
    )


# -- helpers ---------------------------------------------------------------


def _one_line(text: Any) -> Any:
    """``text`` kept whole however wide: rich neither wraps nor cuts it,
    and (shown with ``crop=False``) the terminal soft-wraps it, so a
    path copied from the screen is one path."""
    text.no_wrap = True
    text.overflow = "ignore"
    return text


def _trusted(cls: type, name: str) -> bool:
    """Whether ``cls``'s ``name`` (``__repr__``, ``__getattr__``...) is
    Python's or SQLAlchemy's own code (or absent)."""
    from sliderepl.ui.live_attrs import _mro, _trusted

    for klass in _mro(cls):
        if name in type.__dict__["__dict__"].__get__(klass):
            return _trusted(klass)
    return True


def _has_own_source(obj: Any) -> bool:
    # type(obj) only: isinstance() reads __class__, which may raise
    return issubclass(type(obj), (
        type, types.ModuleType, types.FunctionType, types.MethodType,
        types.BuiltinFunctionType, types.FrameType, types.CodeType,
        types.TracebackType,
    ))


def _no_source(path: str, target: Any, exc: Exception) -> str:
    kind = type(target)
    if issubclass(kind, types.BuiltinFunctionType) or (
        issubclass(kind, type) and target.__module__ == "builtins"
    ):
        why = "it is built into Python (written in C)"
    elif issubclass(kind, types.ModuleType) and not getattr(
        target, "__file__", None
    ):
        why = "a built-in module"
    elif isinstance(exc, OSError):
        why = "its file is not available (compiled, or typed and gone)"
    else:
        why = "it is written in C or made at run time"
    return f"no source for {path}: {why}; {path}? shows what it is"


def _type_name(obj: Any) -> str:
    cls = type(obj)
    module = cls.__module__
    return cls.__qualname__ if module == "builtins" else (
        f"{module}.{cls.__qualname__}"
    )


def _signature(obj: Any) -> str | None:
    if not callable(obj):
        return None
    # inspect.signature reads __wrapped__ and __signature__ off the
    # object: a __getattr__ of the deck's own would run
    if not (_trusted(type(obj), "__getattr__")
            and _trusted(type(obj), "__getattribute__")):
        return None
    try:
        return str(inspect.signature(obj))
    except Exception:  # many builtins have none; __signature__ may raise
        return None


def _short_repr(obj: Any) -> str:
    if not _trusted(type(obj), "__repr__"):
        # its own __repr__ may read (and load) attributes: echo it to
        # run it, as Python would
        return (f"{object.__repr__(obj)}  (its __repr__ is the deck's"
                " own, not run by ?)")
    try:
        text = repr(obj)
    except Exception as exc:
        return f"<repr failed: {type(exc).__name__}: {exc}>"
    return text if len(text) <= _REPR else text[:_REPR] + " ..."


def _file(obj: Any) -> str:
    target = obj if _has_own_source(obj) else type(obj)
    try:
        path = inspect.getsourcefile(target) or inspect.getfile(target)
    except Exception:  # OSError, TypeError: no file (C, typed and gone)
        return ""
    try:
        line = inspect.getsourcelines(target)[1]
    except Exception:
        return path
    return f"{path}:{line}" if line else path


def _doc(obj: Any) -> str:
    # an object of the deck's own class: its class's docstring, read off
    # the class (obj.__doc__ may be a property, or go to __getattribute__)
    if not _has_own_source(obj) and not (
        _trusted(type(obj), "__getattribute__")
        and _trusted(type(obj), "__doc__")
    ):
        obj = type(obj)
    try:
        return inspect.getdoc(obj) or ""
    except Exception:
        return ""
