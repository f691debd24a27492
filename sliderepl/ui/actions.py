"""What each ``!command`` does: one handler per command, ``(state, arg)``.

The command table (``commands.py``) names the handler of each command
next to its help text; these functions act on the REPL's state and only
talk to the user through ``state.screen``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sliderepl.deck.model import Slide
from sliderepl.screen import render
from sliderepl.screen.theme import THEME_NAMES
from sliderepl.ui.steps import ReplState, advance, move, replay, toggle_echo


def next_slide(state: ReplState, arg: str) -> None:
    advance(state)


def prev_slide(state: ReplState, arg: str) -> None:
    nav = state.nav
    move(state, lambda sink: nav.prev(sink, run=False))


def goto(state: ReplState, arg: str) -> None:
    nav, screen = state.nav, state.screen
    found = find_slide(arg, nav.deck.slides)
    if isinstance(found, str):
        screen.message(found, failed=True)
        return
    target = found.position
    move(state, lambda sink: nav.goto(target, sink, run=False))
    if found.others:
        others = ", ".join(str(n) for n in found.others)
        screen.message(f"also matching: slides {others}")


def info(state: ReplState, arg: str) -> None:
    state.screen.show(render.info(str(state.nav.deck.path), state.position,
                                  state.total, _settings(state)))


def toc(state: ReplState, arg: str) -> None:
    """``!toc``: every slide, marked seen or not, with exercise states;
    a page at a time on a terminal (as a slide taller than it is)."""
    from sliderepl.teach.exercises import exercises

    slides = state.nav.deck.slides
    states = {slide.number or 0: state.exercises.state_of(slide)
              for slide in exercises(slides)}
    table = render.toc(slides, state.position, state.seen, states)
    pager = state.screen.pager
    pager.new_slide()  # the listing starts a page of its own
    try:
        state.screen.show(table)
    finally:
        pager.stop()


def exercise_list(state: ReplState, arg: str) -> None:
    """``!exercises``: the deck's exercises with their states;
    ``!exercises N`` goes to the Nth, ``!exercises next`` to the first
    not solved."""
    from sliderepl.teach.exercises import SOLVED, listing

    screen = state.screen
    rows = listing(state.nav.deck.slides, state.exercises.state_of)
    if not rows:
        screen.message("this deck has no exercises", failed=bool(arg))
        return
    if arg:
        wanted = _exercise_wanted(arg, rows)
        if isinstance(wanted, str):
            screen.message(wanted, failed=True)
            return
        goto(state, str(wanted))
        return
    solved = sum(1 for row in rows if row[2] == SOLVED)
    screen.message(
        f"exercises in {state.deck_name}: {solved} of {len(rows)} solved"
        " (!exercises N goes to one, !exercises next to the first not"
        " solved)")
    width = max(screen.console.width - 30, 20)
    for number, slide, status, task in rows:
        if len(task) > width:
            task = task[:width - 1].rstrip() + "…"
        here = "▶" if slide == state.position else " "
        screen.message(f"{here}{number:>2}. slide {slide:<3}"
                       f" {status:<8} {task}")


def _exercise_wanted(
    arg: str, rows: Sequence[tuple[int, int, str, str]]
) -> int | str:
    """The slide ``!exercises ARG`` goes to, or why there is none."""
    from sliderepl.teach.exercises import SOLVED

    if arg.lower() == "next":
        for _, slide, status, _ in rows:
            if status != SOLVED:
                return slide
        return "every exercise is solved: well done"
    if not is_int(arg):
        return (f"!exercises takes an exercise number (1 to {len(rows)})"
                f" or next, not {arg!r}")
    number = int(arg)
    if not 1 <= number <= len(rows):
        return f"no exercise {number}: the deck has exercises 1 to {len(rows)}"
    return rows[number - 1][1]


def rerun(state: ReplState, arg: str) -> None:
    if state.position == 0:
        advance(state)
    else:
        replay(state, state.nav.goto(state.position, state.screen,
                                     run=False))


def reload(state: ReplState, arg: str) -> None:
    replay(state, state.nav.reload(state.screen, run=False))


def reset(state: ReplState, arg: str) -> None:
    nav = state.nav
    nav.reset(state.screen)
    state.screen.message("deck reset: fresh namespace")
    move(state, lambda sink: nav.goto(1, sink, run=False))


def presentation(state: ReplState, arg: str) -> None:
    screen = state.screen
    screen.presentation = not screen.presentation
    screen.message(
        f"presentation mode {'on' if screen.presentation else 'off'}"
    )


def echo(state: ReplState, arg: str) -> None:
    """``!echo``: the same toggle as F2, said on screen."""
    toggle_echo(state)
    state.screen.message(f"SQL echo {'on' if state.echo_sql else 'off'}")


def quit_deck(state: ReplState, arg: str) -> None:
    state.finished = True
    if state.from_menu:
        state.screen.message("back to the menu (your progress is kept)"
                             if state.keep_progress else "back to the menu")


def copy_slide(state: ReplState, arg: str = "") -> None:
    """``!copy``: the current slide's code to the clipboard or a file."""
    from sliderepl.ui.clipboard import copy, slide_code

    slide = state.slide
    if slide is None or not slide_code(slide):
        state.screen.message("this slide has no code to copy", failed=True)
        return
    name = f"{state.nav.deck.path.stem}-{slide.number}"
    screen = state.screen
    done = copy(slide_code(slide), name, screen.console.file)
    screen.message(done.message(), failed=not (done.via or done.path))


def hint(state: ReplState, arg: str) -> None:
    """``!hint``: the next hint of the slide's exercise."""
    slide = _exercise_slide(state)
    if slide is not None:
        text, ok = state.exercises.hint(slide)
        state.screen.message(text, failed=not ok)


def check(state: ReplState, arg: str) -> None:
    """``!check``: the exercise's check, in the learner's namespace."""
    slide = _exercise_slide(state)
    if slide is None:
        return
    text, passed, solution = state.exercises.check(
        slide, state.nav.interpreter.namespace
    )
    state.screen.message(text, failed=not passed)
    if solution:
        state.screen.message("the solution, to compare with yours:")
        _show_solution(state, solution)


def solution(state: ReplState, arg: str) -> None:
    """``!solution``: the exercise's solution, as typed at ``>>>``."""
    slide = _exercise_slide(state)
    if slide is None:
        return
    code, text = state.exercises.solution(slide)
    state.screen.message(text, failed=code is None)
    if code:
        _show_solution(state, code)


def edit(state: ReplState, arg: str) -> None:
    """``!edit``: the exercise in ``$EDITOR``, run and checked on save
    (``sliderepl.ui.edit``)."""
    from sliderepl.ui.edit import edit as edit_in_editor

    edit_in_editor(state, arg)


def claims(state: ReplState, arg: str) -> None:
    """``!claims``: what the slide's prose claims, each proof evaluated
    now, silently, in the learner's namespace (never before: the REPL
    runs no code the learner didn't ask for).  A proof that fails says
    so here, one line, and nowhere else."""
    from sliderepl.run.claims import prove_claims
    from sliderepl.ui.steps import DONE

    slide = _exercise_slide(state)
    if slide is None:
        return
    screen = state.screen
    if not slide.claims:
        screen.message("this slide makes no claim:: to prove")
        return
    if state.phase != DONE:
        for claim in slide.claims:
            screen.message(f"  {claim.text}")
        screen.message("(proofs run once the slide's code has: Enter "
                       "runs it, then !claims)")
        return
    verdicts = prove_claims(state.nav.interpreter, slide)
    for claim in slide.claims:
        mine = [v for v in verdicts if v.claim is claim]
        proven = all(v.proven for v in mine)
        screen.message(f"{'✓' if proven else '✗'} {claim.text}",
                       failed=not proven)
        for verdict in mine:
            expression = " ".join(verdict.proof.source.split())
            result = "true" if verdict.proven else verdict.reason
            screen.message(f"    {expression} -> {result}",
                           failed=not verdict.proven)
    screen.message("(evaluated now, in your namespace)")


def _exercise_slide(state: ReplState) -> Slide | None:
    slide = state.slide
    if slide is None:
        state.screen.message("no slide yet: Enter shows the first",
                             failed=True)
    return slide


def _show_solution(state: ReplState, code: str) -> None:
    """The solution as typed at ``>>>``: one prompt per statement."""
    from sliderepl.deck.parser import solution_blocks

    slide = state.slide
    assert slide is not None
    for block in solution_blocks(slide):
        state.screen.show(render.code(block, state.screen.syntax_theme))
        if state.remember is not None:
            # Up at the prompt brings each statement back to edit
            state.remember(block.display)


def show_slide(state: ReplState, arg: str) -> None:
    """``!show N``: a slide drawn but not run; we stay where we are."""
    number = int(arg) if is_int(arg) else 0
    slide = state.nav.slide(number)
    if slide is None:
        state.screen.message(
            f"no slide {number}: the deck has slides 1 to {state.total}",
            failed=True,
        )
        return
    state.screen.show(render.slide_header(slide, state.total))
    if slide.bullets:
        state.screen.show(render.bullets(slide.bullets))
    state.screen.code(slide)
    state.screen.message(f"(not run; still on slide {state.position})")


def doc(state: ReplState, name: str) -> None:
    """``name?`` / ``!doc name``: signature and docstring."""
    from sliderepl.ui import introspect

    _introspected(state, name, introspect.describe)


def source(state: ReplState, name: str) -> None:
    """``name??`` / ``!source name``: the source, paged if long."""
    from sliderepl.ui import introspect

    theme = state.screen.syntax_theme
    _introspected(state, name,
                  lambda obj, path: introspect.source(obj, path, theme))


def _introspected(
    state: ReplState, name: str, show: Callable[[Any, str], Any]
) -> None:
    import sys

    from sliderepl.ui.introspect import NotFound, lookup

    interpreter = state.nav.interpreter
    try:
        found = lookup(interpreter.namespace, name.strip())
    except NotFound as exc:
        state.screen.message(str(exc), failed=True)
        return
    pager = state.screen.pager
    pager.new_slide()  # a long docstring or source is paged like a slide
    # a class of the deck's is in "__main__": the deck's, not ours, as
    # while its code runs (inspect finds its file there)
    main = sys.modules.get("__main__")
    sys.modules["__main__"] = interpreter.main
    try:
        page = show(found, name.strip())
    finally:
        if main is not None:
            sys.modules["__main__"] = main
    try:
        state.screen.show(page, crop=False)  # a long File: line is whole
    finally:
        pager.stop()


def set_theme(state: ReplState, name: str) -> None:
    if name.lower() not in THEME_NAMES:
        state.screen.message(
            f"theme {state.screen.theme}; choose one of: "
            + ", ".join(THEME_NAMES),
            failed=bool(name),
        )
        return
    state.screen.message(f"theme {state.screen.set_theme(name)}")


def _settings(state: ReplState) -> str:
    slide = state.slide
    title = render.slide_title(slide).plain if slide else "(no slide yet)"
    return (
        f"{title!s}; SQL echo {'on' if state.echo_sql else 'off'};"
        f" presentation {'on' if state.screen.presentation else 'off'};"
        f" theme {state.screen.theme}"
    )


@dataclass(frozen=True)
class Match:
    """Where ``!goto`` goes: ``position`` (1-based); ``others`` are the
    other slides whose titles matched too, so the REPL can say so."""

    position: int
    others: tuple[int, ...] = ()


def find_slide(query: str, slides: Sequence[Slide]) -> Match | str:
    """The slide ``query`` names, or a message saying why there is none.

    A number is a position (checked against the deck).  Words match
    titles case-insensitively; every word must appear.  A title equal to
    the query wins outright; otherwise the first matching slide is taken
    (decks read top to bottom) and the other matches are reported.
    """
    query = query.strip()
    total = len(slides)
    if is_int(query):
        n = int(query)
        if 1 <= n <= total:
            return Match(n)
        return f"no slide {n}: the deck has slides 1 to {total}"
    words = query.lower().split()
    if not words:
        return "!goto needs a slide number or words of a title"
    matches = []
    for position, slide in enumerate(slides, 1):
        title = _plain_title(slide).lower()
        if title == " ".join(words):
            return Match(position)
        if all(w in title for w in words):
            matches.append(position)
    if not matches:
        return f"no slide title contains {query!r}; !toc lists them"
    return Match(matches[0], tuple(matches[1:]))


def is_int(text: str) -> bool:
    """``text`` is a whole number (``int`` accepts it)."""
    try:
        int(text)
    except ValueError:
        return False
    return True


def _plain_title(slide: Slide) -> str:
    """The title without inline markup, for matching words."""
    from sliderepl.screen.markup import to_text

    return to_text(slide.title or "").plain


def traceback(state: ReplState, arg: str) -> None:
    """``!tb``: the full traceback (the whole chain) of the last error."""
    last = state.screen.last_error
    if last is None:
        state.screen.message("no error yet")
        return
    state.screen.show(render.error(last.traceback))


def plain_repr(state: ReplState, arg: str) -> None:
    """``!repr``: the last echoed value as Python's repr, not a table."""
    last = state.screen.last_value
    if last is None:
        state.screen.message("no value echoed yet")
        return
    from rich.highlighter import ReprHighlighter
    from rich.text import Text

    from sliderepl.run.inert import inert

    state.screen.show(
        ReprHighlighter()(Text(inert(last.text), style="value")))
