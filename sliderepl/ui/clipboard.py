"""``!copy``: the current slide's code to the clipboard, or to a file.

In order:

1. a clipboard program, when there is a desktop session for it:
   ``wl-copy`` (Wayland), ``xclip`` / ``xsel`` (X11), ``pbcopy`` (macOS),
   ``clip.exe`` (WSL);
2. otherwise, when the output is a terminal, the OSC 52 escape sequence,
   which most terminal emulators (and tmux, ssh sessions included) turn
   into a clipboard copy on the user's own machine;
3. always a file in the user's state directory
   (``$XDG_STATE_HOME/sliderepl/copied/<deck>-<N>.py``), so the code is
   somewhere even when the terminal ignores OSC 52.

The message says which happened and where the file is.
"""

from __future__ import annotations

import base64
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from sliderepl.deck.model import Slide
from sliderepl.run import state_files
from sliderepl.run.state import state_dir

Which = Callable[[str], str | None]


@dataclass(frozen=True)
class Copied:
    """What ``copy`` did: ``via`` names the clipboard used ("" if none),
    ``path`` the file written."""

    via: str
    path: Path | None

    def message(self) -> str:
        where = f" (also saved to {self.path})" if self.path else ""
        if self.via:
            return f"slide code copied with {self.via}{where}"
        if self.path:
            return f"no clipboard here: slide code saved to {self.path}"
        return "could not copy the slide code"


def slide_code(slide: Slide) -> str:
    """The code of ``slide`` as a learner would paste it (no prompts)."""
    return "\n".join(b.display for b in slide.blocks if b.display.strip())


def clipboard_command(
    environ: Mapping[str, str], which: Which = shutil.which
) -> list[str] | None:
    """The clipboard program to use here, or None."""
    candidates: list[list[str]] = []
    if environ.get("WAYLAND_DISPLAY"):
        candidates.append(["wl-copy"])
    if environ.get("DISPLAY"):
        candidates += [["xclip", "-selection", "clipboard"],
                       ["xsel", "--clipboard", "--input"]]
    candidates += [["pbcopy"], ["clip.exe"]]
    for command in candidates:
        found = which(command[0])
        if found:
            return [found, *command[1:]]
    return None


def osc52(text: str) -> str:
    """The escape sequence asking the terminal to copy ``text``."""
    payload = base64.b64encode(text.encode("utf-8")).decode("ascii")
    return f"\x1b]52;c;{payload}\x07"


def copy(
    text: str,
    name: str,
    stream: IO[str] | None = None,
    environ: Mapping[str, str] | None = None,
    which: Which = shutil.which,
) -> Copied:
    """Copy ``text``; ``name`` names the saved file; ``stream`` is the
    terminal (OSC 52 is written only if it is a tty)."""
    env = os.environ if environ is None else environ
    via = ""
    command = clipboard_command(env, which)
    if command is not None:
        try:
            subprocess.run(command, input=text.encode("utf-8"), timeout=5,
                           check=True, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
            via = Path(command[0]).name
        except (OSError, subprocess.SubprocessError):
            via = ""
    if not via and stream is not None and _is_tty(stream):
        try:
            stream.write(osc52(text))
            stream.flush()
            via = "the terminal (OSC 52)"
        except (OSError, ValueError):
            pass
    return Copied(via, _save(text, name, env))


def _save(text: str, name: str, environ: Mapping[str, str]) -> Path | None:
    safe = re.sub(r"[^\w.-]", "_", name) or "slide"
    path = state_dir(environ) / "copied" / f"{safe}.py"
    try:  # 0600 in a 0700 folder, like every state file
        state_files.private_folder(path.parent.parent)
        state_files.write_atomic(path, text + "\n")
    except OSError:
        return None
    return path


def _is_tty(stream: IO[str]) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False
