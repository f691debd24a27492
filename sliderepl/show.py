"""Show case-study code on a slide, from the module, never a pasted copy.

    from sliderepl.show import source
    source(audit_log.updated_by_column)   # echoed: highlighted code
    source(audit_log)                      # a whole module

The echoed value's ``repr`` is the plain source, so headless transcripts
and plain terminals show the code; rich draws it highlighted with the
module's file name and real line numbers.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import RenderableType


@dataclass(frozen=True)
class Source:
    """Source code of one object: ``text`` starts at ``first_line`` of
    ``path`` (1-based)."""

    text: str
    path: Path | None
    first_line: int
    name: str

    def __repr__(self) -> str:
        return self.text.rstrip("\n")

    def __str__(self) -> str:
        return self.text

    @property
    def last_line(self) -> int:
        return self.first_line + self.text.count("\n") - 1

    @property
    def location(self) -> str:
        """``file.py:FIRST-LAST``, relative to the working directory when
        that is shorter (slides are run from the project)."""
        if self.path is None:
            return self.name
        shown = self.path
        try:
            shown = self.path.relative_to(Path.cwd())
        except ValueError:
            pass
        return f"{shown}:{self.first_line}-{self.last_line}"

    def __rich__(self) -> RenderableType:
        return self.renderable()

    def renderable(self, syntax_theme: str = "ansi_dark") -> RenderableType:
        """The code highlighted, headed by where it lives."""
        from rich.console import Group
        from rich.syntax import Syntax
        from rich.text import Text

        code = Syntax(
            self.text.rstrip("\n"),
            "python",
            theme=syntax_theme,
            line_numbers=True,
            start_line=self.first_line,
            word_wrap=True,
            background_color="default",
        )
        return Group(Text(f"# {self.location}", style="note"), code)


def source(obj: Any) -> Source:
    """The source of a function, class, method, property or module.

    Raises ``TypeError`` (from ``inspect``) for objects without source,
    such as built-ins, with the object named in the message.
    """
    if isinstance(obj, property) and obj.fget is not None:
        obj = obj.fget  # a property's code is its getter
    target = inspect.unwrap(obj) if callable(obj) else obj
    try:
        lines, first = inspect.getsourcelines(target)
    except (TypeError, OSError) as exc:
        raise TypeError(f"no source available for {obj!r}: {exc}") from exc
    try:
        filename = inspect.getsourcefile(target)
    except TypeError:
        filename = None
    name = getattr(target, "__qualname__", None) or getattr(
        target, "__name__", repr(target)
    )
    return Source(
        text="".join(lines),
        path=Path(filename) if filename else None,
        # Modules report line 0: their text starts on line 1.
        first_line=max(first, 1),
        name=str(name),
    )
