"""A real terminal for tests: tmux servers of the tests' own.

Each ``Tmux`` is its own tmux server (a unique ``-L`` socket, so parallel
runs don't clash); each window runs one program, started from the project
root with the given environment.  Tests type with ``send-keys`` and poll
``capture-pane`` until the text appears or a deadline passes; ``close``
kills the server.  After a program ends, ``EXITED <status>`` stays on its
screen to assert on.
"""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class Tmux:
    """A tmux server of our own; each window runs one program."""

    def __init__(self, env: dict[str, str], width: int = 100,
                 height: int = 40) -> None:
        self.socket = f"sliderepl-test-{uuid.uuid4().hex[:10]}"
        self.env = env
        self.size = (str(width), str(height))
        self.windows = 0

    def tmux(self, *args: str) -> str:
        done = subprocess.run(["tmux", "-L", self.socket, *args],
                              capture_output=True, text=True, timeout=30)
        return done.stdout

    def start(self, command: str) -> str:
        """Run ``command`` in a new window; returns its target."""
        exports = " ".join(f"{k}={v}" for k, v in self.env.items())
        shell = (f"cd {ROOT} && env {exports} {command}; echo EXITED $?;"
                 " sleep 600")
        if self.windows == 0:
            self.tmux("new-session", "-d", "-x", self.size[0], "-y",
                      self.size[1], shell)
            # programs may set the clipboard (OSC 52) into a tmux buffer
            self.tmux("set-option", "-s", "set-clipboard", "on")
        else:
            self.tmux("new-window", "-d", shell)
        self.windows += 1
        return f":{self.windows - 1}"

    def type(self, target: str, text: str) -> None:
        self.tmux("send-keys", "-t", target, "-l", text)
        self.tmux("send-keys", "-t", target, "Enter")

    def key(self, target: str, *keys: str) -> None:
        self.tmux("send-keys", "-t", target, *keys)

    def screen(self, target: str, history: bool = True) -> str:
        args = ["capture-pane", "-p", "-J", "-t", target]
        if history:
            args += ["-S", "-400"]
        return self.tmux(*args)

    def wait_for(self, target: str, text: str, timeout: float = 30.0,
                 history: bool = True, count: int = 1,
                 words: bool = False) -> str:
        """Poll until *text* shows *count* times (once by default).

        ``words``: however the terminal wrapped it (each run of
        whitespace on the screen counts as one space); the screen is
        then returned as words."""
        deadline = time.monotonic() + timeout
        while True:
            shown = self.screen(target, history)
            if words:
                shown = " ".join(shown.split())
            if shown.count(text) >= count:
                return shown
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"{text!r} did not appear {count}x within {timeout}s in "
                    f"{target}; screen:\n{shown}")
            time.sleep(0.1)

    def close(self) -> None:
        self.tmux("kill-server")


class Terminal:
    """One program in a tmux server of its own (a 100x40 window)."""

    def __init__(self, command: str, env: dict[str, str]) -> None:
        self.server = Tmux(env)
        self.target = self.server.start(command)

    def tmux(self, *args: str) -> str:
        return self.server.tmux(*args)

    def send(self, *keys: str) -> None:
        self.server.key(self.target, *keys)

    def type(self, text: str) -> None:
        """Literal text, then Enter."""
        self.server.type(self.target, text)

    def screen(self) -> str:
        return self.server.screen(self.target)

    def wait_for(self, text: str, timeout: float = 30.0) -> str:
        return self.server.wait_for(self.target, text, timeout)

    def close(self) -> None:
        self.server.close()


def program_env(state_home: Path) -> dict[str, str]:
    """The environment of a program under test: a private state folder
    (history, progress), a colour terminal, the project importable."""
    return {
        "XDG_STATE_HOME": str(state_home),
        "TERM": "xterm-256color",
        "PYTHONPATH": str(ROOT),
    }


def sliderepl(*args: str) -> str:
    """The shell command that runs sliderepl with these arguments."""
    return " ".join([sys.executable, "-m", "sliderepl", *args])
