"""How long ``sliderepl export DECK --to ipynb`` takes next to a plain
headless run, how big the notebook is, and how long a Jupyter kernel
takes to run it top to bottom.

For each deck: the wall time of ``python -m sliderepl --run-all DECK``
(its transcript to /dev/null) and of the export (each a fresh process,
the median of N runs), their ratio, the notebook's size in KiB and its
cell count, then the time nbclient takes to execute it in a kernel of
this Python (a kernelspec made in a temporary folder, as the tests do).
Both runs use SQLite (``TUTORIAL_DB`` unset).  Needs the ``test`` extra
(nbformat, nbclient, ipykernel).

Run: python benchmarks/notebook_export.py [-n 3] [--no-execute] [DECK ...]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _env() -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("TUTORIAL_DB", None)
    return env


def timed(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   check=True)
    return time.perf_counter() - start


def execute(notebook: Path, folder: Path, jupyter: Path) -> float:
    """Seconds nbclient takes to run ``notebook`` in a fresh kernel."""
    import nbformat
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    nb = nbformat.read(notebook, as_version=4)
    os.environ["JUPYTER_PATH"] = str(jupyter / "share" / "jupyter")
    os.environ["JUPYTER_PLATFORM_DIRS"] = "1"
    os.environ.pop("TUTORIAL_DB", None)
    sockets = str(folder / "kernel")

    class IpcKernelManager(KernelManager):
        """Unix sockets in the run's folder, not TCP ports on loopback."""

        def __init__(self, **kwargs: object) -> None:
            super().__init__(**{"transport": "ipc", "ip": sockets, **kwargs})

    client = NotebookClient(nb, timeout=600, kernel_name="bench-python",
                            allow_errors=False,
                            kernel_manager_class=IpcKernelManager,
                            resources={"metadata": {"path": str(folder)}})
    start = time.perf_counter()
    client.execute()
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", type=int, default=3, help="runs per timing")
    parser.add_argument("--no-execute", action="store_true",
                        help="leave out the kernel run")
    parser.add_argument("decks", nargs="*", type=Path)
    args = parser.parse_args()
    decks = args.decks or sorted(ROOT.glob("part*.py"))
    env = _env()
    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if not args.no_execute:
            subprocess.run([py, "-m", "ipykernel", "install", "--prefix",
                            str(folder), "--name", "bench-python"],
                           check=True, capture_output=True)
        print(f"{'deck':10} {'--run-all':>10} {'ipynb':>8} {'ratio':>6}"
              f" {'KiB':>6} {'cells':>6} {'kernel':>8}")
        for deck in decks:
            out = folder / f"{deck.stem}.ipynb"
            plain = statistics.median(
                timed([py, "-m", "sliderepl", "--run-all", str(deck)], env)
                for _ in range(args.n))
            export = statistics.median(
                timed([py, "-m", "sliderepl", "export", str(deck), "--to",
                       "ipynb", "-o", str(out)], env)
                for _ in range(args.n))
            cells = len(json.loads(out.read_text())["cells"])
            kib = out.stat().st_size / 1024
            kernel = ("" if args.no_execute else
                      f"{execute(out, deck.resolve().parent, folder):7.1f}s")
            print(f"{deck.name:10} {plain:9.2f}s {export:7.2f}s"
                  f" {export / plain:5.2f}x {kib:6.0f} {cells:6} {kernel:>8}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
