"""The decks in a browser tab (``sliderepl export --to site``), in Chromium.

The site is built once (its parts come from the fetch cache,
``sliderepl.web.fetch``: fetched from npm and PyPI the first time),
served on 127.0.0.1 by ``sliderepl.web.serve``, and opened in headless
Chromium over the DevTools protocol (``tests/chromium_cdp``).  Keys are
real key events; every wait polls the page's state (``window.sliderepl``,
set by ``page.js``).  No request may leave the server's origin.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from sliderepl.deck.parser import load
from sliderepl.web import build, serve
from tests.chromium_cdp import Browser, chromium_or_skip

ROOT = Path(__file__).resolve().parent.parent
DECKS = ("part1", "part2", "part3")
FLAGS = ("--disable-quic",)
#: what a slide may lack in the browser (sliderepl.web.session)
LIMITS = {"threads", "threads (asyncio's greenlet bridge)",
          "sockets and subprocesses"}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from sliderepl.web.fetch import FetchError

    folder = tmp_path_factory.mktemp("site")
    try:
        build.build([ROOT / f"{name}.py" for name in DECKS], folder)
    except FetchError as exc:
        # offline, with nothing cached yet: CI (which reaches npm and
        # PyPI) must build it
        if os.environ.get("TUTORIAL_REQUIRE_SERVERS") == "1":
            raise
        pytest.skip(f"the site's parts can't be fetched: {exc}")
    return folder


@pytest.fixture(scope="module")
def address(site: Path) -> Iterator[str]:
    httpd, thread = serve.background(site)
    try:
        yield serve.address(httpd)
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)


@pytest.fixture
def browser() -> Iterator[Browser]:
    with Browser(chromium_or_skip(), 1280, 800, timeout=180,
                 flags=FLAGS) as chromium:
        chromium.watch_network()
        yield chromium


def _ready(browser: Browser) -> None:
    browser.wait_for("window.sliderepl && (window.sliderepl.ready"
                     " || window.sliderepl.errors.length > 0)", 240)
    assert browser.evaluate("window.sliderepl.errors") == []


def _idle_at(browser: Browser, number: int) -> None:
    browser.wait_for(f"!window.sliderepl.busy && window.sliderepl.position"
                     f" === {number}", 120)


def _only_local(browser: Browser, address: str) -> None:
    assert browser.requested, "no request recorded"
    outside = [url for url in browser.requested
               if not url.startswith(address) and not url.startswith("data:")]
    assert outside == []


def _run(browser: Browser, text: str) -> None:
    browser.press("/")
    browser.wait_for("document.activeElement.id === 'cell'", 10)
    browser.type(text)
    browser.press("Enter", modifiers=2)  # Ctrl-Enter
    browser.wait_for("!window.sliderepl.busy &&"
                     " document.getElementById('cell').value === ''", 60)
    browser.press("Escape")


@pytest.mark.parametrize("name", DECKS)
def test_every_deck_runs_to_its_last_slide(
        browser: Browser, address: str, name: str) -> None:
    browser.open(f"{address}{name}/index.html")
    _ready(browser)
    total = browser.evaluate("window.sliderepl.total")
    assert total == len(load(ROOT / f"{name}.py").slides)
    _idle_at(browser, 1)
    for number in range(2, total + 1):
        browser.press("PageDown" if number % 2 else "Enter")
        _idle_at(browser, number)
    state = browser.evaluate("window.sliderepl")
    assert state["errors"] == [] and state["failures"] == []
    assert set(state["unsupported"].values()) <= LIMITS
    closing = browser.evaluate("document.getElementById('closing')"
                               ".textContent")
    assert closing.startswith("End of the deck.")
    assert str(len(state["unsupported"]) or "") in closing
    # back one slide: the namespace is rebuilt silently, no failure
    browser.press("PageUp")
    _idle_at(browser, total - 1)
    assert browser.evaluate("window.sliderepl.failures") == []
    _only_local(browser, address)


def test_an_exercise_solved_in_the_cell_is_kept_after_a_reload(
        browser: Browser, address: str) -> None:
    deck = load(ROOT / "part1.py")
    slide = next(s for s in deck.slides if s.exercise is not None)
    assert slide.exercise is not None and slide.number is not None
    browser.open(f"{address}part1/index.html")
    _ready(browser)
    _idle_at(browser, 1)
    _run(browser, f"!goto {slide.number}")
    _idle_at(browser, slide.number)
    _run(browser, "1/0")  # a typed error comes short, as at >>>
    log = browser.evaluate("document.getElementById('log').textContent")
    assert "ZeroDivisionError: division by zero" in log
    assert "Traceback" not in log
    _run(browser, "import threading; threading.Thread(target=print)"
                  ".start()")
    assert "can't run in the browser: threads" in browser.evaluate(
        "document.getElementById('log').textContent")
    _run(browser, "!hint")
    assert "hint 1 of" in browser.evaluate(
        "document.getElementById('log').textContent")
    _run(browser, "!check")  # not solved yet: the check says so
    log = browser.evaluate("document.getElementById('log').textContent")
    assert "not yet" in log
    assert browser.evaluate("window.sliderepl.solved") == []
    _run(browser, slide.exercise.solution)
    _run(browser, "!check")
    browser.wait_for("window.sliderepl.solved.length === 1", 30)
    assert "check passed" in browser.evaluate(
        "document.getElementById('log').textContent")
    browser.reload()
    _ready(browser)
    state = browser.evaluate("window.sliderepl")
    assert state["position"] == slide.number
    assert len(state["solved"]) == 1
    assert "Exercise (solved)" in browser.evaluate(
        "document.getElementById('slide').textContent")
    assert "exercises solved 1 / " in browser.evaluate(
        "document.getElementById('progress').textContent")
    # the collection's index shows it too
    browser.open(address)
    browser.wait_for("document.querySelector('[data-deck=part1] .progress')"
                     ".textContent.includes('exercises solved 1')", 30)
    _only_local(browser, address)


def test_the_projector_theme_reads_at_wcag_aaa() -> None:
    from sliderepl.tools.handout_style import contrast
    from sliderepl.web.page import THEMES

    pairs = [("fg", "bg"), ("muted", "bg"), ("accent", "bg"),
             ("link", "bg"), ("code-fg", "code-bg"), ("muted", "code-bg"),
             ("sql-fg", "sql-bg"), ("sql-label", "sql-bg"),
             ("err-fg", "out-bg"), ("ok", "ok-bg"), ("fg", "th-bg")]
    for name, palette in THEMES.items():
        floor = 7.0 if name == "contrast" else 4.5
        low = [(a, b) for a, b in pairs
               if contrast(palette[a], palette[b]) < floor]
        assert low == [], name


def test_a_download_whose_hash_is_not_the_pinned_one_is_refused(
        tmp_path: Path) -> None:
    from sliderepl.web import fetch
    from sliderepl.web.pins import Part

    source = tmp_path / "thing-1.0-py3-none-any.whl"
    source.write_bytes(b"not what was pinned")
    target = tmp_path / "cache" / source.name
    target.parent.mkdir()
    part = Part("thing", "1.0", source.name, "0" * 64)
    with pytest.raises(fetch.FetchError, match="is not the pinned"):
        fetch._download(source.as_uri(), target, part)
    assert not target.exists() and list(target.parent.iterdir()) == []


def test_serve_prints_a_local_address_and_serves_the_folder(
        site: Path) -> None:
    import subprocess
    import sys
    import urllib.request

    server = subprocess.Popen(
        [sys.executable, "-m", "sliderepl", "serve", str(site)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        line = server.stdout.readline()  # blocks until it says where
        assert line.startswith("sliderepl serve: http://127.0.0.1:")
        url = line.split()[2]
        with urllib.request.urlopen(url + "part1/index.html",
                                    timeout=30) as answer:
            assert b'id="deck"' in answer.read()
        with urllib.request.urlopen(url + "pyodide/pyodide.asm.wasm",
                                    timeout=30) as answer:
            assert answer.headers["Content-Type"] == "application/wasm"
    finally:
        server.terminate()  # this test's own server, by its process
        server.communicate(timeout=30)


def test_serve_refuses_a_folder_that_is_no_site(tmp_path: Path) -> None:
    assert serve.main([str(tmp_path)]) == 2
