"""The tutorial as a wheel: its size, its files, and how long building
and installing it take.

Builds the wheel from a copy of the checkout (as tests/test_wheel.py
does, with the same helpers), then installs it with its dependencies
into a fresh virtual environment and times each step: ``pip wheel``,
``python -m venv``, ``pip install`` (pip's cache as it is: run twice for
a warm cache), and a first ``sliderepl --version`` from an empty folder.
Prints the wheel's size in KB, its file count, and the share of each
top-level folder in it.

Run: python benchmarks/wheel.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
import zipfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.test_wheel import BIN, build_wheel, clean_env  # noqa: E402


def timed(args: list[str], **kwargs: object) -> float:
    start = time.perf_counter()
    subprocess.run(args, check=True, stdin=subprocess.DEVNULL,
                   capture_output=True, timeout=900, **kwargs)  # type: ignore[call-overload]
    return time.perf_counter() - start


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        start = time.perf_counter()
        wheel = build_wheel(ROOT, work)
        build = time.perf_counter() - start
        venv, empty = work / "venv", work / "empty"
        empty.mkdir()
        env = clean_env(venv, work / "state")
        make = timed([sys.executable, "-m", "venv", str(venv)])
        install = timed([str(venv / BIN / "python"), "-m", "pip", "install",
                         "-q", str(wheel)], cwd=empty, env=env)
        first = timed([str(venv / BIN / "sliderepl"), "--version"],
                      cwd=empty, env=env)
        with zipfile.ZipFile(wheel) as archive:
            infos = archive.infolist()
        sizes: Counter[str] = Counter()
        for info in infos:
            sizes[info.filename.split("/")[0]] += info.compress_size
        print(f"wheel: {wheel.name}")
        print(f"  size {wheel.stat().st_size / 1024:.0f} KB, "
              f"{len(infos)} files")
        for top, size in sizes.most_common():
            print(f"    {top:<45} {size / 1024:7.0f} KB compressed")
        print(f"pip wheel (copy + build):  {build:6.1f} s")
        print(f"python -m venv:            {make:6.1f} s")
        print(f"pip install (with deps):   {install:6.1f} s")
        print(f"first sliderepl --version: {first:6.2f} s")
        print(f"build + install:           {build + make + install:6.1f} s")


if __name__ == "__main__":
    main()
