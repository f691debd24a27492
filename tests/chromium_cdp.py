"""Headless Chromium driven over the DevTools protocol, for tests.

``Browser`` starts ``chromium --headless --remote-debugging-pipe`` (the
protocol on file descriptors 3 and 4, NUL-separated JSON: no port, so
nothing else on the machine can reach it) with a throwaway profile, and
gives the few commands the handout tests need: open a page, emulate
``prefers-color-scheme`` or print media, evaluate JavaScript, take a
full-page screenshot, print to PDF.  For pages that work
(the Pyodide site, ``tests/test_site_browser.py``): ``wait_for`` polls a
JavaScript expression until it holds, ``press`` and ``type`` send real
key events, and every URL the page requested is kept in ``requested``
(the protocol's Network events).  ``close`` ends the browser (by its
own process, never by name) and removes the profile.
``chromium_or_skip`` finds the browser: required in CI (where
``TUTORIAL_REQUIRE_SERVERS=1``), a skip with the reason elsewhere.
"""

from __future__ import annotations

import base64
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Any


def chromium_or_skip() -> str:
    import pytest

    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("TUTORIAL_REQUIRE_SERVERS") == "1":
            pytest.fail("chromium is required in CI (apt-get install "
                        "chromium) to render the HTML handouts")
        pytest.skip("chromium not installed (apt-get install chromium)")
    return found


FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu",
    "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--hide-scrollbars",
)


class ProtocolError(RuntimeError):
    pass


class Browser:
    def __init__(self, chromium: str, width: int = 1000,
                 height: int = 1400, timeout: float = 60.0,
                 flags: tuple[str, ...] = ()) -> None:
        self.timeout = timeout
        self.profile = tempfile.mkdtemp(prefix="chromium-cdp-")
        ours_read, theirs_write = os.pipe()   # chromium writes fd 4
        theirs_read, ours_write = os.pipe()   # chromium reads fd 3

        def _fds() -> None:  # in the child: the pipe ends as fds 3 and 4
            read, write = os.dup(theirs_read), os.dup(theirs_write)
            os.dup2(read, 3)
            os.dup2(write, 4)

        self.process = subprocess.Popen(
            [chromium, *FLAGS, *flags, "--remote-debugging-pipe",
             f"--user-data-dir={self.profile}",
             f"--window-size={width},{height}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, preexec_fn=_fds, close_fds=False,
        )
        os.close(theirs_read)
        os.close(theirs_write)
        self._in, self._out = ours_read, ours_write
        self._buffer = b""
        self._ids = 0
        #: every URL a page asked for (after ``watch_network``)
        self.requested: list[str] = []
        self.session = ""
        target = self.send("Target.createTarget", url="about:blank",
                           session=False)["targetId"]
        self.session = self.send("Target.attachToTarget", targetId=target,
                                 flatten=True, session=False)["sessionId"]
        self.send("Page.enable")
        self.send("Emulation.setDeviceMetricsOverride", width=width,
                  height=height, deviceScaleFactor=1, mobile=False)

    # -- the protocol ----------------------------------------------------

    def _read_message(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("chromium did not answer")
            ready, _, _ = select.select([self._in], [], [], left)
            if ready:
                data = os.read(self._in, 1 << 20)
                if not data:
                    raise ProtocolError("chromium closed the pipe")
                self._buffer += data
        raw, self._buffer = self._buffer.split(b"\0", 1)
        message: dict[str, Any] = json.loads(raw)
        if message.get("method") == "Network.requestWillBeSent":
            self.requested.append(message["params"]["request"]["url"])
        return message

    def send(self, method: str, session: bool = True,
             **params: Any) -> dict[str, Any]:
        self._ids += 1
        ident = self._ids
        message: dict[str, Any] = {"id": ident, "method": method,
                                   "params": params}
        if session and self.session:
            message["sessionId"] = self.session
        data = json.dumps(message).encode() + b"\0"
        while data:
            data = data[os.write(self._out, data):]
        deadline = time.monotonic() + self.timeout
        self.events: list[dict[str, Any]] = getattr(self, "events", [])
        while True:
            answer = self._read_message(deadline)
            if answer.get("id") == ident:
                if "error" in answer:
                    raise ProtocolError(f"{method}: {answer['error']}")
                result: dict[str, Any] = answer.get("result", {})
                return result
            self.events.append(answer)

    def _wait_event(self, name: str) -> None:
        deadline = time.monotonic() + self.timeout
        while True:
            for event in self.events:
                if event.get("method") == name:
                    self.events.remove(event)
                    return
            self.events.append(self._read_message(deadline))

    # -- what tests use ----------------------------------------------------

    def open(self, url: str) -> None:
        self.events = []
        self.send("Page.navigate", url=url)
        self._wait_event("Page.loadEventFired")

    def reload(self) -> None:
        """Load the page again (its storage stays), until it has."""
        self.events = []
        self.send("Page.reload")
        self._wait_event("Page.loadEventFired")

    def emulate(self, color_scheme: str = "", media: str = "") -> None:
        """``color_scheme`` "light" / "dark" / "" (the browser's own);
        ``media`` "print" / "screen" / "" ."""
        features = ([{"name": "prefers-color-scheme",
                      "value": color_scheme}] if color_scheme else [])
        self.send("Emulation.setEmulatedMedia", media=media,
                  features=features)

    def evaluate(self, expression: str) -> Any:
        answer = self.send("Runtime.evaluate", expression=expression,
                           returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in answer:
            raise ProtocolError(str(answer["exceptionDetails"]))
        return answer["result"].get("value")

    def screenshot(self, path: Path, full_page: bool = False) -> bytes:
        params: dict[str, Any] = {"format": "png"}
        if full_page:
            params["captureBeyondViewport"] = True
            metrics = self.send("Page.getLayoutMetrics")
            size = metrics["cssContentSize"]
            params["clip"] = {"x": 0, "y": 0, "width": size["width"],
                              "height": min(size["height"], 16000),
                              "scale": 1}
        data = base64.b64decode(
            self.send("Page.captureScreenshot", **params)["data"])
        path.write_bytes(data)
        return data

    def pdf(self, path: Path) -> bytes:
        data = base64.b64decode(self.send(
            "Page.printToPDF", printBackground=True,
            preferCSSPageSize=True)["data"])
        path.write_bytes(data)
        return data

    def watch_network(self, cache: bool = True) -> None:
        """Record the URLs of every request from now on (``requested``);
        ``cache=False`` makes each load a cold one."""
        self.send("Network.enable")
        self.send("Network.setCacheDisabled", cacheDisabled=not cache)

    def wait_for(self, expression: str, timeout: float = 120.0,
                 every: float = 0.05) -> Any:
        """Poll ``expression`` until it is truthy; its value.  A
        ``TimeoutError`` names the expression and its last value."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.evaluate(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                raise TimeoutError(f"{expression} still {value!r} after "
                                   f"{timeout:.0f}s")
            # wait on the pipe, not a sleep: events may come meanwhile
            ready, _, _ = select.select([self._in], [], [], every)
            if ready:
                self.events.append(self._read_message(deadline))

    _KEYS = {"Enter": 13, "PageDown": 34, "PageUp": 33, "Escape": 27}

    def press(self, key: str, modifiers: int = 0) -> None:
        """One key (``Enter``, ``PageDown``, ``PageUp``, ``Escape`` or
        a character); ``modifiers``: 2 Ctrl, 8 Shift."""
        code = self._KEYS.get(key, ord(key.upper()[:1] or " "))
        params: dict[str, Any] = {"key": key, "windowsVirtualKeyCode": code,
                                  "modifiers": modifiers}
        if key == "Enter" and not modifiers:
            params["text"] = "\r"
        elif len(key) == 1:
            params["text"] = key
        self.send("Input.dispatchKeyEvent", type="keyDown", **params)
        self.send("Input.dispatchKeyEvent", type="keyUp", key=key,
                  windowsVirtualKeyCode=code, modifiers=modifiers)

    def type(self, text: str) -> None:
        """``text`` typed where the focus is (as an input method would)."""
        self.send("Input.insertText", text=text)

    def close(self) -> None:
        try:
            self.send("Browser.close", session=False)
        except (ProtocolError, TimeoutError, OSError):
            pass
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=20)
        for fd in (self._in, self._out):
            try:
                os.close(fd)
            except OSError:
                pass
        shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, kind: type[BaseException] | None,
                 value: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
