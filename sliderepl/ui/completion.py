"""Tab completion over the deck's LIVE namespace, and command names.

The namespace is fetched through a callable each time, because going back
in a deck rebuilds it: a completer holding the old dict would offer names
that no longer exist.  Completing ``a.b.`` follows the dotted name on the
live objects without running their code (``live_attrs.py``, imported on
the first Tab); anything that goes wrong there just means no completions.
"""

from __future__ import annotations

import builtins
import keyword
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document

from sliderepl.ui.commands import SPECS

#: ``a.b.c.pre``: a dotted name, not the tail of ``f(x).a`` or ``x[0].a``
_DOTTED = re.compile(r"(?<![\w.)\]'\"])([A-Za-z_][\w.]*)\.(\w*)$")
_NAME = re.compile(r"[A-Za-z_]\w*$")


class NamespaceCompleter(Completer):
    """Names, attributes and ``!commands``, from ``namespace()``."""

    def __init__(self, namespace: Callable[[], Mapping[str, Any]]) -> None:
        self.namespace = namespace

    def get_completions(
        self, document: Document, complete_event: CompleteEvent
    ) -> Iterable[Completion]:
        line = document.current_line_before_cursor
        try:
            yield from self._complete(line, document.text_before_cursor)
        except Exception:  # completion must never break the prompt
            return

    def _complete(self, line: str, before: str) -> Iterable[Completion]:
        if before.lstrip().startswith("!") and "\n" not in before:
            word = before.lstrip()[1:]
            if " " not in word:
                for name in _command_words():
                    if name.startswith(word.lower()):
                        yield Completion(name, -len(word))
            return
        dotted = _DOTTED.search(line)
        if dotted:
            yield from self._attributes(dotted.group(1), dotted.group(2))
            return
        match = _NAME.search(line)
        if not match:
            return
        prefix = match.group(0)
        for name in sorted(self._names()):
            if name.startswith(prefix) and name != prefix:
                yield Completion(name, -len(prefix))

    def _names(self) -> set[str]:
        return (
            set(self.namespace())
            | set(dir(builtins))
            | set(keyword.kwlist)
        )

    def _attributes(self, path: str, prefix: str) -> Iterable[Completion]:
        from sliderepl.ui import live_attrs

        obj = live_attrs.resolve(self.namespace(), path)
        # Private names only when the user asks for them.
        for name in sorted(live_attrs.names(obj)):
            if not name.startswith(prefix):
                continue
            if name.startswith("_") and not prefix.startswith("_"):
                continue
            yield Completion(name, -len(prefix))


def _command_words() -> list[str]:
    words = []
    for spec in SPECS:
        words.append(spec.name)
        words.extend(a for a in spec.aliases if a != "?")
    return words
