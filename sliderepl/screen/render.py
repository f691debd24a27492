"""Pure functions from slides and events to rich renderables.

Nothing here writes: the console does (``console.py``).  Styles are theme
names (``theme.py``), so a theme switch changes every colour at once.
Speaker notes are never rendered: they are for the presenter's file only.
Every text that is not the runner's own (a repr, a traceback, SQL, a
slide's code, a message quoting a value) is drawn inert: its control
characters escaped (``sliderepl.run.inert``); only ``output``, what the
code printed, goes through as it came.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, cast

from rich.console import Group
from rich.padding import Padding
from rich.panel import Panel
from rich.segment import Segment
from rich.table import Table
from rich.text import Text

from sliderepl.deck.model import Block, Bullet, ParseProblem, Slide
from sliderepl.run import events
from sliderepl.run.inert import inert
from sliderepl.screen.markup import to_text

if TYPE_CHECKING:
    from rich.console import (
        Console,
        ConsoleOptions,
        RenderableType,
        RenderResult,
    )

    from sliderepl.run.rows import Rows

_MARKERS = ("•", "◦", "▪")
#: SQLAlchemy logs parameters as ``[generated in 0.0001s] (...)``,
#: ``[cached since ...]``, ``[raw sql] ...``, ``[no key ...]``.
_PARAMS = re.compile(r"^\[[^\]]*\]")
_NUMBER = re.compile(r"^-?\d[\d_]*(\.\d+)?$")


def slide_header(slide: Slide, total: int) -> Panel:
    """Title, intro text and ``N / M`` in a box."""
    parts: list[RenderableType] = []
    if slide.title:
        parts.append(to_text(slide.title, "slide.title"))
    intro = "\n".join(slide.intro).strip("\n")
    if intro:
        if parts:
            parts.append(Text(""))
        parts.append(to_text(intro, "slide.intro"))
    counter = f"{slide.number} / {total}" if slide.number else ""
    return Panel(
        Group(*parts),
        subtitle=Text(counter, style="slide.counter") if counter else None,
        subtitle_align="right",
        border_style="slide.border",
        padding=(0, 1),
    )


def bullets(
    items: Sequence[Bullet], upto: int | None = None, start: int = 0
) -> Group:
    """Bullets ``start`` to ``upto`` (all when None), nested by depth,
    with wrapped lines hanging under their text, not under the marker.

    Depth is relative to the shallowest bullet of ``items`` (the format
    counts spaces after ``###``; authors start at one space or two).
    """
    base = min((item.depth for item in items), default=1)
    rows: list[RenderableType] = []
    for item in items[start:upto]:
        level = max(item.depth - base, 0)
        grid = Table.grid(padding=(0, 1))
        grid.add_column(no_wrap=True)
        grid.add_column()
        marker = _MARKERS[level % len(_MARKERS)]
        grid.add_row(
            Text(marker, style="slide.bullet.marker"),
            to_text(item.text, "slide.bullet"),
        )
        rows.append(Padding(grid, (0, 0, 0, 1 + 2 * level)))
    return Group(*rows)


def prompted(display: str) -> str:
    """Code as typed at ``>>>``: the prompt, then ``... `` on the rest."""
    lines = display.rstrip("\n").split("\n")
    out = []
    for i, line in enumerate(lines):
        prompt = ">>> " if i == 0 else "... "
        out.append((prompt + line).rstrip())
    return "\n".join(out)


def code(block: Block, syntax_theme: str = "ansi_dark") -> RenderableType:
    """One block with its prompts, highlighted as a console session."""
    from rich.syntax import Syntax

    if not block.display.strip():
        return Text("")
    return Syntax(
        prompted(inert(block.display)),
        "pycon",
        theme=syntax_theme,
        word_wrap=True,
        background_color="default",
    )


def output(text: str, stream: str = "stdout") -> Text:
    """What the code printed; stderr in its own style.  Not escaped: as
    under Python, what a slide prints is the slide's business."""
    style = "output.stderr" if stream == "stderr" else "output"
    return Text(text, style=style)


def value(
    event: events.Value, syntax_theme: str = "ansi_dark"
) -> RenderableType:
    """An echoed value: rich renderables draw as themselves, anything else
    as its ``repr``."""
    from sliderepl.show import Source

    obj = event.obj
    if event.rows is not None:
        return rows_table(event.rows)
    # every test on type(obj): isinstance() reads a __class__ of the
    # value's own, hasattr(obj, ...) runs its __getattr__; plain
    # Python's echo calls neither
    if issubclass(type(obj), Source):
        return cast("Source", obj).renderable(syntax_theme)
    if not issubclass(type(obj), type) and _draws_itself(type(obj)):
        return obj  # type: ignore[no-any-return]
    from rich.highlighter import ReprHighlighter

    shown = ReprHighlighter()(Text(inert(event.text), style="value"))
    if event.hint:
        shown.append("\n")
        shown.append(event.hint, style="dim")
    return shown


def _draws_itself(kind: type) -> bool:
    """A value of ``kind`` is drawn by rich as itself (its ``__rich__``
    or ``__rich_console__``, the drawing it asked for), unless its class
    answers attributes through code of its own: rich asks the object
    itself for its other protocol methods (and for a made-up name, to
    spot such proxies), which would run that ``__getattr__``."""
    if not (hasattr(kind, "__rich__") or hasattr(kind, "__rich_console__")):
        return False
    lookup: object = kind.__getattribute__
    return not hasattr(kind, "__getattr__") and (
        lookup is object.__getattribute__)


def rows_table(rows: Rows) -> RenderableType:
    """Rows echoed at ``>>>`` as a table with their column names; a
    line under it counts the rows left out (``sliderepl.run.rows``)."""
    from rich import box

    table = Table(
        box=box.SIMPLE_HEAD,
        header_style="table.header",
        border_style="table.border",
        pad_edge=False,
        show_edge=False,
        style="value",
    )
    for index, name in enumerate(rows.columns):
        numbers = bool(rows.rows) and all(
            _NUMBER.match(row[index]) for row in rows.rows
        )
        table.add_column(name, overflow="fold",
                         justify="right" if numbers else "left")
    for row in rows.rows:
        table.add_row(*row)
    if rows.footer():
        return Group(table, Text(rows.footer(), style="table.more"))
    return table


class LeftRule:
    """A renderable drawn behind a thin rule on its left, so SQL stands
    apart from what Python printed even without colour."""

    def __init__(self, renderable: RenderableType, style: str) -> None:
        self.renderable = renderable
        self.style = style

    def __rich_console__(
        self, console: Console, options: ConsoleOptions
    ) -> RenderResult:
        width = max(options.max_width - 2, 1)
        lines = console.render_lines(
            self.renderable, options.update_width(width), pad=False
        )
        rule = Segment("│ ", console.get_style(self.style))
        for line in lines:
            yield rule
            yield from line
            yield Segment.line()


def sql(text: str, syntax_theme: str = "ansi_dark") -> LeftRule:
    """One logged SQL message: a statement (highlighted as SQL) or its
    parameters, behind the SQL rule."""
    from rich.syntax import Syntax

    body: RenderableType
    # DDL is logged as "\nCREATE TABLE ...": no empty ruled line first.
    text = inert(text.strip("\n"))
    if _PARAMS.match(text):
        body = Text(text, style="sql.params")
    else:
        body = Syntax(
            text,
            "sql",
            theme=syntax_theme,
            word_wrap=True,
            background_color="default",
        )
    return LeftRule(body, "sql.rule")


def error(traceback: str) -> Text:
    """A traceback, its last line (the exception) stronger."""
    body = inert(traceback.rstrip("\n"))
    head, _, last = body.rpartition("\n")
    text = Text()
    if head:
        text.append(head + "\n", style="error")
    text.append(last, style="error.last")
    return text


def error_summary(item: events.Error) -> Text:
    """An error a slide raised on purpose (or one typed at ``>>>``): the
    final exception, where it left the deck, and how to see the rest."""
    text = Text()
    text.append(inert(item.summary or item.traceback.rstrip("\n")),
                style="error.last")
    if item.where:
        text.append(f"\n  at {inert(item.where)}", style="error")
    shorter = item.summary.count("\n") + 4 < item.traceback.count("\n")
    if item.summary and shorter:
        text.append("\n  (!tb shows the full traceback)", style="note")
    return text


def interrupted(typed: bool = False) -> Text:
    """Ctrl-C stopped a slide, or (``typed``) the learner's own code."""
    if typed:
        return Text("KeyboardInterrupt: your code stopped",
                    style="interrupted")
    return Text(
        "KeyboardInterrupt: slide stopped; the rest of it did not run",
        style="interrupted",
    )


def problem(item: ParseProblem) -> Text:
    """A deck problem as ``FILE:LINE: message``."""
    return Text(inert(str(item)), style="problem")


def problems(items: Iterable[ParseProblem]) -> Group:
    return Group(*(problem(p) for p in items))


def message(text: str, style: str = "message") -> Text:
    """The runner talking to the user; what it quotes (an exception's
    message, a hint) is inert."""
    return Text(inert(text), style=style)


def event(
    item: events.Event,
    *,
    echo_sql: bool = True,
    syntax_theme: str = "ansi_dark",
) -> RenderableType | None:
    """The renderable for one execution event, None if nothing shows."""
    if isinstance(item, events.BlockStarted):
        return code(item.block, syntax_theme) if item.shown else None
    if isinstance(item, events.Output):
        return output(item.text, item.stream)
    if isinstance(item, events.Value):
        return value(item, syntax_theme)
    if isinstance(item, events.SQL):
        return sql(item.text, syntax_theme) if echo_sql else None
    if isinstance(item, events.Error):
        if (item.expected or item.typed) and item.summary:
            return error_summary(item)
        return error(item.traceback)
    if isinstance(item, events.Interrupted):
        return interrupted(item.typed)
    return None


def slide_title(slide: Slide) -> Text:
    """A slide's title for lists: its markup applied, or where it is."""
    if slide.title:
        return to_text(slide.title)
    return Text(f"(untitled, line {slide.line})", style="toc.hidden")


def toc(
    slides: Sequence[Slide], current: int,
    seen: Collection[int] | None = None,
    exercises: Mapping[int, str] | None = None,
) -> Table:
    """Table of contents; ``current`` (1-based) is marked, and so are
    (when given) the slides in ``seen`` (a tick, a dot for the others)
    and each exercise's state (``exercises``: slide number -> untried,
    tried or solved)."""
    table = Table.grid(padding=(0, 1))
    table.add_column(no_wrap=True)
    table.add_column(justify="right", no_wrap=True, style="toc.number")
    if seen is not None:
        table.add_column(no_wrap=True, style="toc.number")
    table.add_column()
    states = exercises or {}
    for position, slide in enumerate(slides, 1):
        here = position == current
        title = slide_title(slide)
        if here:
            title.stylize("toc.current")
        state = states.get(position)
        if state is not None:
            mark = "exercise solved ✓" if state == "solved" else (
                f"exercise {state}")
            title.append(f"  [{mark}]", style="message")
        marks = [] if seen is None else ["✓" if position in seen else "·"]
        table.add_row("▶" if here else " ", str(position), *marks, title)
    return table


def help_table(rows: Sequence[tuple[str, str]]) -> Table:
    """The ``?`` table: usage and what it does."""
    table = Table.grid(padding=(0, 2))
    table.add_column(no_wrap=True, style="help.command")
    table.add_column()
    for usage, text in rows:
        table.add_row(usage, text)
    return table


def info(deck_name: str, position: int, total: int, extra: str = "") -> Text:
    """``!info``: where we are."""
    text = Text()
    text.append(inert(deck_name), style="slide.title")
    text.append(f"  slide {position} of {total}", style="message")
    if extra:
        text.append(f"  {inert(extra)}", style="message")
    return text
