"""Issue 31: a throwaway PostgreSQL leaves no shared memory in /dev/shm.

``kill -9`` of the process that owned a PostgreSQL still starting left
its dynamic shared-memory segments (``/dev/shm/PostgreSQL.*``) behind,
with no process and no folder: the watchdog removed the folder under a
running ``initdb``, whose backends then died without removing theirs.
The watchdog now waits for every process that names the folder, and the
server keeps its dynamic shared memory in files of its data folder
(``dynamic_shared_memory_type=mmap``), which go with the folder.

A segment counts as left behind when it is new and no process maps it
(other servers on the machine come and go meanwhile).
"""

from __future__ import annotations

import glob
import os
import subprocess
import sys
from pathlib import Path

import pytest

from workshop_db import servers
from workshop_db.base import wait_for

ROOT = Path(__file__).resolve().parent.parent
pytestmark = [pytest.mark.servers,
              pytest.mark.skipif(not os.path.isdir("/dev/shm/")
                                 or not os.path.isdir("/proc/self"),
                                 reason="needs Linux /dev/shm and /proc")]

OWNER = """
import time
from workshop_db.postgresql import PostgreSQLServer

class Announced(PostgreSQLServer):
    def _watch(self):  # the folder exists from here on: say which it is
        super()._watch()
        print(self.directory, flush=True)

Announced().start()
time.sleep(120)
"""


def segments() -> set[str]:
    return set(glob.glob("/dev/shm/PostgreSQL.*"))


def mapped() -> set[str]:
    """Every /dev/shm/PostgreSQL.* segment some process maps."""
    found = set()
    for maps in glob.glob("/proc/[0-9]*/maps"):
        try:
            with open(maps) as lines:
                found.update(line.split()[-1] for line in lines
                             if "/dev/shm/PostgreSQL." in line)
        except OSError:
            pass  # it ended meanwhile
    return found


def maps_of(pid: int) -> str:
    with open(f"/proc/{pid}/maps") as lines:
        return lines.read()


@pytest.fixture
def postgresql() -> None:
    reason = servers.unavailable_reason("postgresql")
    if reason:
        pytest.skip(reason)


@pytest.mark.parametrize("moment", ["data/global/pg_control",
                                    "data/postmaster.pid"])
def test_kill_9_while_starting_leaves_no_segment(
    postgresql: None, moment: str
) -> None:
    """Killed during initdb (pg_control is written early in it) and as
    the server itself starts (its pid file)."""
    before = segments()
    owner = subprocess.Popen(
        [sys.executable, "-c", OWNER], stdout=subprocess.PIPE, text=True,
        cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert owner.stdout is not None
    try:
        directory = owner.stdout.readline().strip()
        assert directory
        wait_for(lambda: os.path.exists(os.path.join(directory, moment)),
                 60, moment)
    finally:
        owner.kill()  # SIGKILL: only the watchdog is left to clean up
        owner.communicate()
    wait_for(lambda: not os.path.exists(directory), 90,
             "the watchdog to remove the folder")

    def none_left() -> bool:
        return not segments() - before - mapped()

    try:
        wait_for(none_left, 30, "no unmapped new segment")
    except Exception:
        left = sorted(segments() - before - mapped())
        raise AssertionError(f"left in /dev/shm: {left}") from None


def test_the_server_keeps_dynamic_shared_memory_in_its_folder(
    postgresql: None,
) -> None:
    from workshop_db.postgresql import PostgreSQLServer

    server = PostgreSQLServer()
    try:
        server.start()
        [(kind,)] = server.execute("SHOW dynamic_shared_memory_type")
        assert kind == "mmap"
        with open(server._pid_file()) as pid_file:
            postmaster = int(pid_file.readline())
        shown = maps_of(postmaster)
        assert "/dev/shm/PostgreSQL." not in shown
        assert os.path.join(server.directory, "data", "pg_dynshmem") in shown
    finally:
        server.stop()
