"""``obj?`` and ``obj??``, as in IPython: what an object is, and its source.

``lookup`` follows a dotted name in the namespace (``engine.pool``); the
user asked for that value, so it is looked up as typing it would (a
property runs), and a failure is a message, not a traceback.
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


def lookup(namespace: Mapping[str, Any], path: str) -> Any:
    from sliderepl.ui.live_attrs import NotSafe, named

    head, *rest = path.split(".")
    try:
        obj = named(namespace, head)
    except NotSafe:
        raise NotFound(f"{head} is not defined") from None
    done = head
    for name in rest:
        try:
            obj = getattr(obj, name)
        except Exception as exc:  # a property that raises, a bad name
            raise NotFound(
                f"{done}.{name}: {type(exc).__name__}: {exc}"
            ) from None
        done += "." + name
    return obj


def describe(obj: Any, path: str) -> RenderableType:
    """``obj?``: type, signature or value, file, docstring."""
    from rich.console import Group
    from rich.text import Text

    rows: list[tuple[str, str]] = [("Type", _type_name(obj))]
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
        parts.append(line)
    parts.append(Text("Docstring:", style="help.command"))
    doc = inert(_doc(obj))
    parts.append(Text(doc) if doc else Text("<no docstring>", style="note"))
    return Group(*parts)


def source(obj: Any, path: str, syntax_theme: str) -> RenderableType:
    """``obj??``: the source (of the object's class, for an instance)."""
    from rich.console import Group
    from rich.syntax import Syntax
    from rich.text import Text

    from sliderepl.run.inert import inert

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
        header,
        Syntax(
            inert("".join(lines).rstrip("\n")),
            "python",
            theme=syntax_theme,
            word_wrap=True,
            background_color="default",
        ),
    )


# -- helpers ---------------------------------------------------------------


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
    try:
        return str(inspect.signature(obj))
    except Exception:  # many builtins have none; __signature__ may raise
        return None


def _short_repr(obj: Any) -> str:
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
    try:
        return inspect.getdoc(obj) or ""
    except Exception:
        return ""
