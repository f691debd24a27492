"""A random-session driver for the REPL in a real terminal (tmux).

Each step does one random thing a hostile tester or a nervous speaker
would do (a key, a command with bad arguments, Python that raises or
loops, Ctrl-C at any moment, a resize down to 20x5, a paste, finished or
not, control characters, a value from a database carrying terminal
control sequences), then checks that the REPL is alive and acting
on input: Ctrl-C (and ``q`` Enter when the pager waits at ``-- more --``,
as a person would), then a marker expression (``A*B``) typed at the
prompt, whose value must appear.  The screen is polled briefly (no fixed
sleeps), so a step costs a few tenths of a second.

Counted per run: ``steps``, ``deaths`` (the program ended), ``hangs``
(no marker value after Ctrl-C, ``q`` Enter and a wait of 45 s), and
``tracebacks``: a traceback line from the runner's own frames, or the
runner's ``sliderepl internal error`` / ``prompt error`` message, on the
screen; ``drove`` (data drove the terminal): the pane's title changed
(OSC 0 / 2), or a data step (rows, a column name, ORM objects, a repr,
an exception's message, each carrying CSI ``ESC[2J``, OSC 0/2/8/52, a C1
CSI and a lone ESC) wrote a clipboard buffer (OSC 52) or cleared the
screen: the line printed just before the value is gone from it.  After
a death or a hang the session is restarted and the run goes on; each
finding keeps the seed and step that produced it.

Left out on purpose: Ctrl-D on an empty line and ``exit()`` (they leave
the deck, as asked), Ctrl-Z (the shell suspends the job) and Ctrl-\\
(SIGQUIT, the terminal's own kill key).
"""

from __future__ import annotations

import random
import re
import shutil
import subprocess
import sys
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: a traceback line from the runner's own code (slide code's are fine)
RUNNER_FRAME = re.compile(r'File "[^"]*sliderepl[/\\][^"]*\.py", line')
RUNNER_ERROR = re.compile(r"sliderepl (?:internal|prompt) error")

KEYS = ["Enter", "PageDown", "PageUp", "Up", "Down", "Left", "Right",
        "Tab", "Escape", "BSpace", "F2", "C-l", "C-a", "C-e", "C-u",
        "Home", "End", "DC", "BTab", "F5", "S-F5", "NPage", "PPage"]
COMMANDS = ["!toc", "!n", "!p", "!info", "!help", "?", "!echo", "!rerun",
            "!goto 9999", "!goto -1", "!goto xyz", "!goto", "!goto 1",
            "!show 2", "!show 0", "!show abc", "!theme nope", "!theme light",
            "!theme dark", "!hint", "!check", "!solution", "!copy", "!nope",
            "!", "!!", "!goto 10", "!presentation", "!presentation",
            "!rreallyrerun", "!reset", "!n 3", "!q extra", "!toc 5"]
PYTHON = ["1/0", "raise ValueError('boom')", "import no_such_module",
          "def f(:", "x = (", "print('x' * 3000)", "undefined_name",
          "for i in range(3): print(i)", "import sys; sys.stdout.write('a')",
          "print('\\x1b[2J\\x1b[H')", "class C:\n    def __repr__(s): 1/0\n",
          "C()", "import os; os.environ.get('HOME')", "'\\u2028\\x85'",
          "lambda: (yield)", "print(*range(400))", "raise SystemError",
          "raise BaseException('odd')", "input('? ')",
          "import sys; sys.stdout.flush()", "globals().clear()",
          "__builtins__ = None", "import builtins; builtins.print"]
LOOPS = ["while True: pass", "import time; time.sleep(30)",
         "for i in range(10**7): print(i)", "while True: print('spin')"]
PASTES = ["x = 1\ny = 2\nprint(x + y)\n", "def g():\n    return 5\n\ng()\n",
          "!toc\n", "for i in range(2):\n    print(i)\n\n", "1/0\n"]
#: control characters a terminal can send (no ^D, ^Z, ^\\: see above)
CONTROL = [chr(c) for c in range(1, 32) if c not in (4, 26, 28)] + ["\x7f"]
SIZES = [(20, 5), (24, 6), (40, 10), (80, 24), (100, 30), (132, 43),
         (30, 5), (20, 40)]
#: what a value from a database may hold (issue 31): clear the screen,
#: retitle the pane (OSC 2 and 0), a C1 CSI, write the clipboard (OSC
#: 52), a hyperlink (OSC 8), a lone ESC; as typed Python (escapes)
HOSTILE = ("'\\x1b[2J\\x1b[H\\x1b]2;FUZZ-PWNED\\x07\\x1b]0;FUZZ-PWNED\\x1b\\\\"
           "\\x9b2J\\x1b]52;c;RlVaWg==\\x07\\x1b]8;;http://x.example/\\x1b\\\\L"
           "\\x1b]8;;\\x1b\\\\\\x1b'")
_SA = "__import__('sqlalchemy')"
_ENGINE = f"{_SA}.create_engine('sqlite://')"
_ORM = ("import sqlalchemy as sa\\nfrom sqlalchemy import orm\\n"
        "class B(orm.DeclarativeBase): pass\\n"
        "class T(B):\\n    __tablename__ = \"t\"\\n"
        "    id = sa.Column(sa.Integer, primary_key=True)\\n"
        "    v = sa.Column(sa.String)\\n"
        "objs = [T(id=1, v=v)]")
#: expressions whose value (or error) carries ``{v}``, the hostile text
#: and the step's marker: rows, a column name, ORM objects (loaded
#: state, no SQL), a repr, an exception's message
DATA = [
    f"{_ENGINE}.connect().execute({_SA}.text('select :v as v, 1 as n'), "
    "{{'v': {v}}}).all()",
    f"{_ENGINE}.connect().execute({_SA}.text("
    "'select 1 as \"' + {v} + '\"')).all()",
    f"(lambda ns: (exec('{_ORM}', ns), ns['objs'])[1])({{{{'v': {{v}}}}}})",
    "type('R', (), {{'__repr__': lambda s: {v}}})()",
    "raise ValueError({v})",
]


@dataclass
class Finding:
    kind: str  # death, hang, traceback; retitled, clipboard, cleared
    seed: int
    step: int
    action: str
    screen: str


@dataclass
class Report:
    deck: str
    seed: int
    steps: int = 0
    deaths: int = 0
    hangs: int = 0
    tracebacks: int = 0
    #: data drove the terminal: retitled, clipboard or cleared
    drove: int = 0
    seconds: float = 0.0
    findings: list[Finding] = field(default_factory=list)

    def line(self) -> str:
        rate = self.steps / self.seconds if self.seconds else 0.0
        return (f"{self.deck}: seed {self.seed}: {self.steps} steps, "
                f"{self.deaths} deaths, {self.hangs} hangs, "
                f"{self.tracebacks} runner tracebacks, "
                f"{self.drove} times data drove the terminal "
                f"({self.seconds:.0f} s, {rate:.1f} steps/s)")


class Session:
    """One sliderepl process in a tmux server of its own."""

    def __init__(self, deck: str, state_home: Path, width: int = 100,
                 height: int = 30) -> None:
        self.socket = f"sliderepl-fuzz-{uuid.uuid4().hex[:10]}"
        self.deck = deck
        self.state_home = state_home
        self.size = (width, height)
        #: the window's size now (``resize``)
        self.current = self.size
        #: what the last data step found: (kind, screen), or None
        self.found: tuple[str, str] | None = None

    def tmux(self, *args: str) -> str:
        done = subprocess.run(["tmux", "-L", self.socket, *args],
                              capture_output=True, text=True, timeout=30)
        return done.stdout

    def start(self) -> None:
        env = (f"XDG_STATE_HOME={self.state_home} TERM=xterm-256color "
               f"PYTHONPATH={ROOT}")
        shell = (f"cd {ROOT} && env {env} {sys.executable} -m sliderepl "
                 f"{self.deck} --start 1; echo EXITED $?; trap '' INT; "
                 "sleep 3600")  # the probe's Ctrl-C must not end the pane
        self.tmux("kill-server")
        # a tmux server of its own each time: the old one may still be
        # shutting down, and a new session on its socket then failed (the
        # restarted session showed nothing: a false hang at the next step)
        self.socket = f"sliderepl-fuzz-{uuid.uuid4().hex[:10]}"
        self.tmux("new-session", "-d", "-x", str(self.size[0]), "-y",
                  str(self.size[1]), shell)
        self.current = self.size
        self.tmux("set-option", "-g", "history-limit", "400")
        # data that clears the screen loses its lines (instead of pushing
        # them into the history); OSC 52 from the program makes a buffer
        self.tmux("set-option", "-g", "scroll-on-clear", "off")
        self.tmux("set-option", "-s", "set-clipboard", "on")

    def close(self) -> None:
        self.tmux("kill-server")

    def diagnose(self) -> str:
        """What the hung REPL is doing: its processes, and the Python
        stack of each where py-spy is installed (a diagnostic only)."""
        pane = self.tmux("display-message", "-p", "-t", ":0",
                         "#{pane_pid}").strip()
        if not pane.isdigit():
            return "no pane"
        listing = subprocess.run(
            ["ps", "-o", "pid,ppid,stat,pcpu,wchan:24,args", "--ppid", pane],
            capture_output=True, text=True).stdout
        report = [listing]
        spy = shutil.which("py-spy")
        for line in listing.splitlines()[1:]:
            pid = line.split()[0]
            if spy and "sliderepl" in line:
                dumped = subprocess.run(
                    [spy, "dump", "--pid", pid], capture_output=True,
                    text=True, timeout=30)
                report.append(dumped.stdout + dumped.stderr)
        return "\n".join(report)

    def keys(self, *keys: str) -> None:
        self.tmux("send-keys", "-t", ":0", *keys)

    def literal(self, text: str) -> None:
        if text:
            self.tmux("send-keys", "-t", ":0", "-l", text)

    def type(self, text: str) -> None:
        self.literal(text)
        self.keys("Enter")

    def screen(self, lines: int = 60) -> str:
        return self.tmux("capture-pane", "-p", "-J", "-t", ":0", "-S",
                         f"-{lines}")

    def clear(self) -> None:
        self.tmux("clear-history", "-t", ":0")

    def resize(self, width: int, height: int) -> None:
        self.tmux("resize-window", "-t", ":0", "-x", str(width), "-y",
                  str(height))
        self.current = (width, height)

    def title(self) -> str:
        """The pane's title (a program sets it with OSC 0 or 2)."""
        return self.tmux("display-message", "-p", "-t", ":0",
                         "#{pane_title}").strip()

    def buffers(self) -> str:
        """tmux's paste buffers (OSC 52 from the program adds one)."""
        return self.tmux("list-buffers")

    def visible(self) -> str:
        """The pane as it shows now, without the history."""
        return self.tmux("capture-pane", "-p", "-J", "-t", ":0")

    def wait_for(self, pattern: str, timeout: float) -> str | None:
        """Poll until ``pattern`` is on screen; the screen, or None."""
        deadline = time.monotonic() + timeout
        delay = 0.01
        while True:
            shown = self.screen()
            if pattern in shown or "EXITED" in shown:
                return shown
            if time.monotonic() > deadline:
                return None
            time.sleep(delay)
            delay = min(delay * 2, 0.2)


def data(session: Session, rng: random.Random) -> str:
    """Type a line that prints a marker, then shows a value (or raises)
    carrying ``HOSTILE``, and a second line that prints an end marker;
    ``session.found`` says if the value drove the terminal: a new
    clipboard buffer, or the first marker gone from the screen by the
    time the end marker shows (cleared).  In a window of at least
    100x30, where both markers and the value fit on screen together.
    The builtins are put back first (``del __builtins__``: the next line
    gets Python's own), or one ``__builtins__ = None`` step would leave
    every later data step proving nothing; an end marker that never
    shows (a pager waiting, the line editor busy) proves nothing."""
    width, height = session.current
    if width < 100 or height < 30:
        session.resize(100, 30)
    a, b = rng.randint(10**5, 10**6), rng.randint(10**5, 10**6)
    mark = rng.randint(10**5, 10**6)
    value = f"(str({a}*{b}) + {HOSTILE} + str({a}*{b}))"
    text = f"print('FZS', {mark}); " + rng.choice(DATA).format(v=value)
    buffers = session.buffers()
    session.keys("C-c")
    if _paging(session.screen()):
        session.keys("q", "Enter", "C-c")
    session.type("del __builtins__")
    session.type(text)
    session.type(f"print('FZE', {mark})")  # runs once the value is shown
    deadline = time.monotonic() + 6.0
    delay = 0.01
    while True:
        shown = session.visible()
        if f"FZE {mark}" in shown:
            break
        if ("EXITED" in shown or f": print('FZE', {mark})" in shown
                or time.monotonic() > deadline):  # ... or it raised
            return f"data {text!r} (no end marker)"
        time.sleep(delay)
        delay = min(delay * 2, 0.2)
    if session.buffers() != buffers:
        session.found = ("clipboard", shown)
    elif f"FZS {mark}" not in shown:
        session.found = ("cleared", shown)
    return f"data {text!r}"


def act(session: Session, rng: random.Random) -> str:
    """Do one random thing; what it was, for the report."""
    session.found = None
    kind = rng.choices(
        ["key", "command", "python", "loop", "ctrl-c", "resize", "paste",
         "control", "enter", "data"],
        weights=[14, 14, 14, 4, 8, 6, 6, 6, 10, 6])[0]
    if kind == "data":
        return data(session, rng)
    if kind == "key":
        keys = [rng.choice(KEYS) for _ in range(rng.randint(1, 4))]
        session.keys(*keys)
        return f"keys {keys}"
    if kind == "command":
        text = rng.choice(COMMANDS)
        session.type(text)
        return f"command {text!r}"
    if kind == "python":
        text = rng.choice(PYTHON)
        session.type(text)
        return f"python {text!r}"
    if kind == "loop":
        text = rng.choice(LOOPS)
        session.type(text)
        time.sleep(rng.random() * 0.5)
        session.keys("C-c")
        return f"loop {text!r} then Ctrl-C"
    if kind == "ctrl-c":
        count = rng.randint(1, 3)
        session.keys(*(["C-c"] * count))
        return f"Ctrl-C x{count}"
    if kind == "resize":
        width, height = rng.choice(SIZES)
        session.resize(width, height)
        return f"resize {width}x{height}"
    if kind == "paste":
        text = rng.choice(PASTES)
        end = rng.random() < 0.7
        session.literal("\x1b[200~" + text + ("\x1b[201~" if end else ""))
        return f"paste {text!r}{'' if end else ' (no end)'}"
    if kind == "control":
        text = "".join(rng.choice(CONTROL) for _ in range(rng.randint(1, 5)))
        session.literal(text)
        return f"control {text!r}"
    session.keys(*(["Enter"] * rng.randint(1, 6)))
    return "Enter"


def probe(session: Session, rng: random.Random,
          timeout: float = 45.0) -> tuple[str, str]:
    """Is the REPL alive and acting on input?  ('ok' | 'death' | 'hang',
    the screen).

    As a person would: press Ctrl-C, type the marker, watch.  Whenever
    the pager waits at ``-- more --`` (a slide taller than a tiny window
    may ask again and again), answer ``q`` and type the marker afresh:
    the pager may have taken it as its answer."""
    a, b = rng.randint(10**5, 10**6), rng.randint(10**5, 10**6)
    want = str(a * b)
    attempts = [["C-c"], ["C-c", "q", "Enter", "C-c"], ["C-c", "C-c"]]
    shown = ""
    for number, keys in enumerate(attempts):
        session.keys(*keys)
        deadline = time.monotonic() + (2.0, 6.0, timeout)[number]
        typed = False
        delay = 0.01
        while True:
            shown = session.screen()
            if "EXITED" in shown:
                return "death", shown
            if typed and want in shown:
                return "ok", shown
            if _paging(shown) and time.monotonic() < deadline:
                session.keys("q", "Enter")
                typed = False
                time.sleep(0.2)
                continue
            if not typed:
                session.keys("C-c")  # an empty line to type on
                session.type(f"{a}*{b}")
                typed = True
            if time.monotonic() > deadline:
                break
            time.sleep(delay)
            delay = min(delay * 2, 0.2)
    return "hang", shown


def _paging(screen: str) -> bool:
    """Is the pager waiting at ``-- more --`` (its last line)?"""
    lines = [line for line in screen.splitlines() if line.strip()]
    return bool(lines) and lines[-1].lstrip().startswith("-- more --")


def run(deck: str, steps: int, seed: int, state_home: Path,
        log=None, deadline: float | None = None) -> Report:  # noqa: ANN001
    """``steps`` random steps on ``deck``; the counts and findings."""
    rng = random.Random(seed)
    report = Report(deck, seed)
    session = Session(deck, state_home)
    started = time.monotonic()
    session.start()
    try:
        if session.wait_for(">>>", 60) is None:
            raise RuntimeError(f"{deck}: no prompt within 60 s")
        session.clear()
        title = session.title()
        recent: deque[str] = deque(maxlen=8)
        for step in range(steps):
            if deadline is not None and time.monotonic() > deadline:
                break
            action = act(session, rng)
            recent.append(action)
            verdict, shown = probe(session, rng)
            report.steps += 1
            drove = session.found
            if drove is None and session.title() != title:
                drove = ("retitled", f"pane title now {session.title()!r}"
                         f" (was {title!r})\n{shown}")
            if drove is not None:
                report.drove += 1
                report.findings.append(
                    Finding(drove[0], seed, step, action, drove[1]))
                if log is not None:
                    log(f"{deck}: data drove the terminal ({drove[0]}) at "
                        f"seed {seed} step {step} after {action}:\n"
                        f"{drove[1][-1500:]}")
                title = session.title()
            if RUNNER_FRAME.search(shown) or RUNNER_ERROR.search(shown):
                report.tracebacks += 1
                report.findings.append(
                    Finding("traceback", seed, step, action, shown))
                if log is not None:
                    log(f"{deck}: runner traceback at seed {seed} step "
                        f"{step} after {action}:\n{shown[-1500:]}")
            if verdict != "ok":
                if verdict == "hang":
                    shown += ("\n--- the steps before ---\n"
                              + "\n".join(recent)
                              + "\n--- diagnosis ---\n" + session.diagnose())
                if verdict == "death":
                    report.deaths += 1
                else:
                    report.hangs += 1
                report.findings.append(
                    Finding(verdict, seed, step, action, shown))
                if log is not None:
                    log(f"{deck}: {verdict} at seed {seed} step {step} "
                        f"after {action}; screen tail:\n{shown[-4000:]}")
                session.start()
                if session.wait_for(">>>", 60) is None:
                    # counted as a death, and this terminal stops here
                    report.deaths += 1
                    report.findings.append(Finding(
                        "death", seed, step, "restart: no prompt in 60 s",
                        session.screen()))
                    break
                title = session.title()
            session.clear()
            if log is not None and (step + 1) % 100 == 0:
                report.seconds = time.monotonic() - started
                log(report.line())
    finally:
        report.seconds = time.monotonic() - started
        session.close()
    return report
