"""Run slide code as if typed at ``>>>``, turning it into events.

Public API::

    interp = Interpreter(deck_path=None, echo_sql=True)
    interp.namespace            # the one shared namespace (a __main__ dict)
    interp.echo_sql             # capture SQL from sqlalchemy.engine or not
    interp.register_sources(deck.sources)   # tracebacks quote these texts
    outcome = interp.run_slide(slide, sink, shown=True)
    outcome = interp.run_block(block, sink, shown=True, expected=False)
    outcome = interp.run_source(text, sink)  # typed at the live prompt

Every ``run_*`` call sends events (``sliderepl.run.events``) to ``sink`` in
the order things happened: ``BlockStarted`` (not for typed source), then
any ``Output`` / ``Value`` / ``SQL``, and ``Error`` or ``Interrupted`` if
the code raised or Ctrl-C stopped it.  None of them lets an exception out
(``KeyboardInterrupt`` and ``SystemExit`` from slide code included): they
return an :class:`Outcome`.

A slide stops at its first exception or Ctrl-C; its remaining blocks do
not run.  Each block is compiled in ``single`` mode with the deck's file
name and real line numbers, so values echo and tracebacks point at the
deck.  Typed source is compiled the same way under the name
``<stdin-N>`` and its text kept for tracebacks.
"""

from __future__ import annotations

import ast
import builtins
import sys
import types
from dataclasses import dataclass
from pathlib import Path

from sliderepl.deck.model import Block, Slide
from sliderepl.run import active, error_notes, leaving
from sliderepl.run.capture import Capture, mute_echo_handlers
from sliderepl.run.events import BlockStarted, Error, Interrupted, Sink
from sliderepl.run.tracebacks import (
    format_exception,
    remember_source,
    summary,
    trim,
)


@dataclass(frozen=True)
class Outcome:
    """How running a slide, block or typed source ended.

    ``ran``: some code ran (False for ``x`` slides and slides with parse
    problems).  ``error``: the exception it raised, if any (``None`` for
    Ctrl-C, which sets ``interrupted``).  ``expected``: the code was
    expected to raise (``e`` slide).
    """

    ran: bool = True
    error: BaseException | None = None
    interrupted: bool = False
    expected: bool = False

    @property
    def raised(self) -> bool:
        return self.error is not None

    @property
    def ok(self) -> bool:
        """Ran as intended: no Ctrl-C, and raised iff an error was
        expected.  A slide that doesn't run is ok."""
        if not self.ran:
            return True
        return not self.interrupted and self.raised == self.expected


NOT_RUN = Outcome(ran=False)

#: Code objects don't depend on the namespace, so every interpreter shares
#: them: a rebuild (going back) doesn't compile the deck again.
_compiled: dict[Block, types.CodeType] = {}


class Interpreter:
    """One deck run's namespace and the machinery to run code in it."""

    def __init__(
        self, deck_path: Path | None = None, echo_sql: bool = True
    ) -> None:
        self.main = types.ModuleType("__main__")
        self.namespace: dict[str, object] = self.main.__dict__
        self.namespace["__builtins__"] = builtins
        leaving.install(self.namespace)
        if deck_path is not None:
            self.namespace["__file__"] = str(deck_path)
            # as for ``python deck.py``: the deck's folder is importable
            folder = str(deck_path.resolve().parent)
            if folder not in sys.path:
                sys.path.insert(0, folder)
        self.echo_sql = echo_sql
        self._inputs = 0

    def register_sources(self, sources: dict[Path, str]) -> None:
        """Tracebacks quote these texts (the deck as parsed)."""
        for path, text in sources.items():
            remember_source(str(path), text)

    def run_slide(
        self, slide: Slide, sink: Sink, shown: bool = True
    ) -> Outcome:
        """Run every block of ``slide``, stopping at the first error."""
        if not slide.runs or not slide.blocks:
            return NOT_RUN
        expected = slide.expects_error
        outcome = Outcome(expected=expected)
        with active.running(), self._capture(sink) as capture:
            try:
                for block in slide.blocks:
                    outcome = self._run(block, capture, shown, expected)
                    if outcome.raised or outcome.interrupted:
                        break
            except KeyboardInterrupt:
                # Ctrl-C between blocks, or while the sink was busy
                outcome = self._interrupted(capture, None, expected)
        return outcome

    def run_block(
        self,
        block: Block,
        sink: Sink,
        shown: bool = True,
        expected: bool = False,
    ) -> Outcome:
        """Run one block."""
        with active.running(), self._capture(sink) as capture:
            try:
                return self._run(block, capture, shown, expected)
            except KeyboardInterrupt:
                return self._interrupted(capture, block, expected)

    def run_source(self, text: str, sink: Sink) -> Outcome:
        """Run code typed at the prompt (one or more statements)."""
        self._inputs += 1
        filename = f"<stdin-{self._inputs}>"
        remember_source(filename, text)
        with active.running(), self._capture(sink) as capture:
            try:
                try:
                    code = _compile(text, filename, 1)
                except (SyntaxError, ValueError, OverflowError) as exc:
                    # no frames: the error is in the text, not in a call
                    exc.__traceback__ = None
                    return self._failed(capture, exc, False, typed=True)
                if code is None:
                    return Outcome()
                return self._execute(code, capture, None, False)
            except KeyboardInterrupt:
                return self._interrupted(capture, None, False, typed=True)

    def _capture(self, sink: Sink) -> Capture:
        return Capture(sink, self.main, self.echo_sql)

    def _run(
        self, block: Block, capture: Capture, shown: bool, expected: bool
    ) -> Outcome:
        capture.tell(BlockStarted(block, shown))
        code = _compiled.get(block)
        if code is None:
            try:
                code = _compile(
                    block.source, str(block.path), block.first_line
                )
            except (SyntaxError, ValueError, OverflowError) as exc:
                exc.__traceback__ = None
                return self._failed(capture, exc, expected)
            if code is None:
                return Outcome(expected=expected)  # comments only
            _compiled[block] = code
        return self._execute(code, capture, block, expected)

    def _execute(
        self,
        code: types.CodeType,
        capture: Capture,
        block: Block | None,
        expected: bool,
    ) -> Outcome:
        try:
            exec(code, self.namespace)
        except KeyboardInterrupt:
            # block None: code typed at >>> (or run by !edit)
            return self._interrupted(capture, block, expected,
                                     typed=block is None)
        except SystemExit as exc:
            leaving.restore_stdin()
            if block is None:  # typed at >>>: leave, as !quit does
                raise leaving.LeaveDeck(exc.code) from None
            return self._failed(capture, exc, expected)
        except BaseException as exc:  # the REPL goes on
            return self._failed(capture, exc, expected, block is None)
        finally:
            if capture.echo_sql:
                # an engine made with echo=True in this block: mute its
                # own handler before the next block sends SQL
                mute_echo_handlers()
        return Outcome(expected=expected)

    def _failed(
        self, capture: Capture, exc: BaseException, expected: bool,
        typed: bool = False,
    ) -> Outcome:
        trim(exc)
        _remember_last(exc)
        text = format_exception(exc)
        last, where = summary(exc)
        line = error_notes.note(exc)
        if line is not None:
            text = f"{text.rstrip()}\n{line}\n"
            last = f"{last}\n{line}"
        capture.tell(Error(exc, text, expected, last, where, typed))
        return Outcome(error=exc, expected=expected)

    def _interrupted(
        self, capture: Capture, block: Block | None, expected: bool,
        typed: bool = False,
    ) -> Outcome:
        capture.tell(Interrupted(block, typed))
        return Outcome(interrupted=True, expected=expected)


def _remember_last(exc: BaseException) -> None:
    """What Python's ``>>>`` keeps of the error it just showed:
    ``sys.last_type``, ``last_value``, ``last_traceback`` (and 3.12's
    ``last_exc``), so ``pdb.pm()`` and ``traceback.print_last()`` work
    at the prompt as they do in plain Python."""
    sys.last_type = type(exc)
    sys.last_value = exc
    sys.last_traceback = exc.__traceback__
    if sys.version_info >= (3, 12):
        sys.last_exc = exc


_CLASS_LINE = sys.version_info >= (3, 13)


def _compile(
    source: str, filename: str, first_line: int
) -> types.CodeType | None:
    """Compile as interactive input: expression statements echo.

    The fast path is ``single`` mode directly, then moving the code (and
    the code nested in it) to deck line ``first_line``: line tables are
    relative to ``co_firstlineno``, so this is exact and far cheaper
    than renumbering an AST.  Input ``single`` refuses (several
    statements, comments only, errors) is parsed as a module, padded
    with newlines so errors carry deck lines, and compiled as
    ``ast.Interactive``, so each statement still echoes; None if it
    holds only comments.  ``dont_inherit``: this module's ``from
    __future__`` imports must not leak into slide code.
    """
    # Python 3.13 stores a class's first line as a constant of its body
    # (``__firstlineno__``, read by inspect.getsource): moving the code
    # would leave it at the block's own line, so a class takes the AST
    # path, which numbers everything from the deck's lines
    movable = first_line <= 1 or not (_CLASS_LINE and "class" in source)
    try:
        code = compile(source, filename, "single", dont_inherit=True)
    except SyntaxError:
        pass  # real errors are raised again, with lines, just below
    else:
        if movable:
            return _moved(code, first_line - 1) if first_line > 1 else code
    padded = "\n" * (first_line - 1) + source
    tree = ast.parse(padded, filename)
    if not tree.body:
        return None
    interactive = ast.Interactive(tree.body)
    return compile(interactive, filename, "single", dont_inherit=True)


def _moved(code: types.CodeType, lines: int) -> types.CodeType:
    """``code`` and its nested code objects, ``lines`` lines further."""
    consts = tuple(
        _moved(const, lines) if isinstance(const, types.CodeType) else const
        for const in code.co_consts
    )
    return code.replace(
        co_firstlineno=code.co_firstlineno + lines, co_consts=consts
    )
