"""A throwaway MariaDB server (see :mod:`workshop_db.servers`).

Everything is read from a ``my.cnf`` in the server's folder, passed as the
FIRST option (``--defaults-file``), so the system's /etc/mysql settings
never apply.  As root the server runs as the ``mysql`` user.  Its two
accounts, root@localhost (socket) and root@127.0.0.1 (TCP), need the
server's password; the socket sits in the owner-only folder.
"""

from __future__ import annotations

import importlib
import os
import shutil
import signal
import socket
import subprocess
from typing import Any

from .base import (
    CONNECT_TIMEOUT,
    OWNER_ONLY_UMASK,
    READ_TIMEOUT,
    Server,
    ServerError,
    install_hint,
    run,
    running_as_root,
    wait_for,
)

#: Run once, by the first start, before the server takes a client: the
#: users mariadb-install-db made with no password (root@HOSTNAME,
#: root@::1, anonymous ones) go, and the two roots we use get the
#: server's password, with no unix_socket alternative.  One statement a
#: line, as ``--init-file`` wants.
_NOT_OURS = ("User = '' OR (User = 'root'"
             " AND Host NOT IN ('localhost', '127.0.0.1'))")
_SET_PASSWORD = (" IDENTIFIED VIA mysql_native_password"
                 " USING PASSWORD('{password}');")
SECURE_SQL = "".join(line + "\n" for line in (
    f"DELETE FROM mysql.global_priv WHERE {_NOT_OURS};",
    f"DELETE FROM mysql.proxies_priv WHERE {_NOT_OURS};",
    "FLUSH PRIVILEGES;",
    "ALTER USER root@localhost" + _SET_PASSWORD,
    "ALTER USER root@'127.0.0.1'" + _SET_PASSWORD,
))

def _owner_only_env() -> dict[str, str]:
    # mariadbd sets its own umask from these (default: files 0660).
    return {**os.environ, "UMASK": "0600", "UMASK_DIR": "0700"}


INSTALL = install_hint("mariadb-server", "mariadb", "MariaDB.Server")

MY_CNF = """\
[mysqld]
datadir={data}
socket={dir}/mysqld.sock
pid-file={dir}/mysqld.pid
log-error={dir}/error.log
port={port}
bind-address=127.0.0.1
{user}
skip-name-resolve
character-set-server=utf8mb4
collation-server=utf8mb4_general_ci
# A throwaway: small, and no waiting for the disk.
innodb_buffer_pool_size=32M
innodb_log_file_size=16M
innodb_flush_log_at_trx_commit=2
innodb_doublewrite=0
innodb_buffer_pool_dump_at_shutdown=0
innodb_buffer_pool_load_at_startup=0
performance_schema=0
"""


def _tool(*names: str) -> str | None:
    for name in names:
        found = shutil.which(name) or (
            f"/usr/sbin/{name}" if os.path.exists(f"/usr/sbin/{name}")
            else None
        )
        if found:
            return found
    return None


def unavailable_reason() -> str | None:
    """None if a server can be started here; else what to install."""
    if _tool("mariadbd") is None or _tool("mariadb-install-db") is None:
        return f"MariaDB server not installed: {INSTALL}"
    if running_as_root():
        try:
            import pwd

            pwd.getpwnam("mysql")
        except KeyError:
            return f"no 'mysql' user to run MariaDB as: {INSTALL}"
    try:
        importlib.import_module("pymysql")
    except ImportError:
        return ("PyMySQL not installed: pip install PyMySQL (or, in the "
                "tutorial's clone, pip install -e '.[servers]')")
    return None


class MariaDBServer(Server):
    """MariaDB: ``mariadb-install-db`` once, ``mariadbd`` as our child."""

    kind = "mariadb"
    driver = "mariadb+pymysql"  # the MariaDB dialect, not mysql's
    user = "root"
    # PyMySQL builds a TLS context per connect (~25 ms) unless told not to.
    # The timeouts: a server that is gone, or never answers, fails a
    # connect in seconds (workshop_db.urls says why both).
    query = ("?charset=utf8mb4&ssl_disabled=true"
             f"&connect_timeout={CONNECT_TIMEOUT}&read_timeout={READ_TIMEOUT}")

    def __init__(self) -> None:
        super().__init__()
        self._process: subprocess.Popen[bytes] | None = None
        self._init_file = ""  # SECURE_SQL, for the first launch only

    @property
    def _cnf(self) -> str:
        return os.path.join(self.directory, "my.cnf")

    def _pid_file(self) -> str:
        return os.path.join(self.directory, "mysqld.pid")

    def _admin_database(self) -> str:
        return "mysql"

    def _admin_connect_args(self) -> dict[str, Any]:
        # The default lock_wait_timeout is a day: DROP DATABASE behind a
        # prepared XA transaction would look like a hang.
        return {
            "init_command": "SET SESSION lock_wait_timeout = 30",
            "connect_timeout": 10,
        }

    def _write_cnf(self) -> None:
        user = "user=mysql" if running_as_root() else ""
        fd = os.open(self._cnf, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as cnf:
            cnf.write(MY_CNF.format(
                data=os.path.join(self.directory, "data"),
                dir=self.directory, port=self.port, user=user,
            ))

    def _initialize(self) -> None:
        if running_as_root():
            import pwd

            owner = pwd.getpwnam("mysql")
            os.chown(self.directory, owner.pw_uid, owner.pw_gid)
        self._write_cnf()
        try:
            self._install_db()
        except ServerError as exc:
            # Its own message only says to look in the log: show it.
            log = os.path.join(self.directory, "error.log")
            raise ServerError(f"{exc}\n{self._log_tail(log)}") from None
        self._init_file = self._secret_file(
            "secure.sql", SECURE_SQL.format(password=self.password), "mysql"
        )

    def _install_db(self) -> None:
        run(
            [
                _tool("mariadb-install-db") or "mariadb-install-db",
                f"--defaults-file={self._cnf}",
                # Without it root may log in only over the unix socket.
                "--auth-root-authentication-method=normal",
                "--skip-test-db",
            ],
            "mariadb-install-db",
            env=_owner_only_env(),
        )

    def _launch(self) -> None:
        self._write_cnf()  # the port may have changed since install-db
        log = os.path.join(self.directory, "error.log")
        server = _tool("mariadbd") or "mariadbd"
        argv = [server, f"--defaults-file={self._cnf}"]
        if self._init_file:
            argv.append(f"--init-file={self._init_file}")
        console = os.path.join(self.directory, "console.log")
        fd = os.open(console, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "ab") as out:
            self._process = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL, stdout=out, stderr=out,
                start_new_session=True,  # Ctrl-C is ours to handle
                umask=OWNER_ONLY_UMASK, env=_owner_only_env(),
            )
        process = self._process
        socket_path = os.path.join(self.directory, "mysqld.sock")

        def ready() -> bool:
            if process.poll() is not None:
                raise ServerError(
                    f"mariadbd exited ({process.returncode}) on port "
                    f"{self.port}:\n{self._log_tail(log)}"
                )
            # Poll our own socket, never the TCP port: another server
            # could own that port.  The socket opens after the TCP bind.
            return _answers(socket_path, self.port)

        try:
            wait_for(ready, 60, "mariadbd to accept connections")
        except ServerError:
            self._halt(crash=True)
            raise
        if self._init_file:
            # The server ran it before greeting anyone: the secret's file
            # has done its job.
            os.remove(self._init_file)
            self._init_file = ""

    def _halt(self, crash: bool) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGKILL if crash else signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def kill_sessions(self, session_id: int | None = None) -> int:
        only = "" if session_id is None else f"AND ID = {int(session_id)}"
        ids = [
            ident for (ident,) in self.execute(
                "SELECT ID FROM information_schema.PROCESSLIST "
                "WHERE ID <> CONNECTION_ID() AND COMMAND <> 'Daemon' "
                f"AND USER NOT IN ('system user', 'event_scheduler') {only}"
            )
        ]
        return self._kill(ids)

    def _kill(self, ids: list[int]) -> int:
        from sqlalchemy.exc import OperationalError

        killed = []
        for ident in ids:
            try:
                self.execute(f"KILL CONNECTION {int(ident)}")
                killed.append(int(ident))
            except OperationalError:  # 1094: it ended by itself meanwhile
                pass
        if killed:
            listed = ", ".join(map(str, killed))

            # KILL only flags the thread: wait until it is really gone.
            def gone() -> bool:
                return not self.execute(
                    "SELECT ID FROM information_schema.PROCESSLIST "
                    f"WHERE ID IN ({listed})"
                )

            wait_for(gone, 10, "killed MariaDB sessions to end")
        return len(killed)

    def drop_database(self, name: str, rollback_prepared: bool = True) -> None:
        self._check_name(name)
        # Sessions using it (a leaked connection in a transaction) hold
        # metadata locks that make DROP DATABASE wait.
        self._kill([
            ident for (ident,) in self.execute(
                "SELECT ID FROM information_schema.PROCESSLIST "
                f"WHERE DB = '{name}' AND ID <> CONNECTION_ID()"
            )
        ])
        if rollback_prepared:
            # XA RECOVER does not say which database a transaction wrote
            # to: roll back every prepared one.  Fine for a test server,
            # where nothing else is running between two tests.
            for row in self.execute("XA RECOVER FORMAT='SQL'"):
                self.execute(f"XA ROLLBACK {row[3]}")
        self.execute(f"DROP DATABASE IF EXISTS {name}")


def _answers(socket_path: str, port: int = 0) -> bool:
    """True if a MariaDB server greets a client on ``socket_path``.

    Where there are no unix sockets (older Windows Pythons), the TCP
    ``port`` is polled instead.
    """
    family = getattr(socket, "AF_UNIX", None)
    address: Any = socket_path
    if family is None:
        family, address = socket.AF_INET, ("127.0.0.1", port)
    with socket.socket(family, socket.SOCK_STREAM) as client:
        client.settimeout(2)
        try:
            client.connect(address)
            greeting = client.recv(64)
        except OSError:
            return False
    # A handshake packet: 3 length bytes, a sequence byte, protocol 10.
    return len(greeting) > 4 and greeting[4] == 10
