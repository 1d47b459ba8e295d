"""A throwaway PostgreSQL cluster for the tests: initdb + pg_ctl in a temporary folder, listening
on a Unix socket only (no TCP port), stopped at the end of the session.

On Windows (no Unix socket, no root) it listens on 127.0.0.1, on a free port.
PostgreSQL refuses to run as root, and CI runs as root: there the binaries run as the
``postgres`` system user (created by Debian's ``postgresql`` package) through ``runuser``, and the
folder is handed to that user. ``make test`` installs the package (tools/install-sysdeps.sh), so
a missing PostgreSQL is a failure of the machine's setup, not a reason to skip.
"""

from __future__ import annotations

import getpass
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import psycopg


class PostgresMissing(RuntimeError):
    pass


WINDOWS = os.name == "nt"


def _bin_dir() -> Path:
    # the newest first; on Windows (GitHub's runners have PostgreSQL, named by PGBIN) that first
    pattern = (
        r"C:\Program Files\PostgreSQL\*\bin\initdb.exe"
        if WINDOWS
        else "/usr/lib/postgresql/*/bin/initdb"
    )
    found = sorted(glob.glob(pattern), key=_version_key, reverse=True)
    if WINDOWS and os.environ.get("PGBIN"):
        found = glob.glob(os.path.join(os.environ["PGBIN"], "initdb.exe")) + found
    if found:
        return Path(found[0]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    raise PostgresMissing(
        "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): "
        "run `make sysdeps` (tools/install-sysdeps.sh installs the Debian package postgresql)"
    )


def _version_key(path: str) -> int:
    part = Path(path).parent.parent.name
    return int(part) if part.isdigit() else 0


class Cluster:
    """A running cluster; ``url(db)`` is a libpq URL for database ``db`` on its socket."""

    def __init__(self) -> None:
        self.bin = _bin_dir()
        self.root = Path(tempfile.mkdtemp(prefix="dti-pg-"))
        self.data = self.root / "data"
        self.socket = self.root  # the socket lives beside the data folder
        self.port = 5432
        self._prefix: list[str] = []
        self.user = getpass.getuser()
        if WINDOWS:  # no Unix socket: the loopback interface, on a free port
            self.socket = Path("127.0.0.1")
            with socket.socket() as probe:
                probe.bind(("127.0.0.1", 0))
                self.port = probe.getsockname()[1]
        elif os.getuid() == 0:
            import pwd

            try:
                pw = pwd.getpwnam("postgres")
            except KeyError as exc:
                raise PostgresMissing("running as root and there is no `postgres` user") from exc
            os.chown(self.root, pw.pw_uid, pw.pw_gid)
            self._prefix = ["runuser", "-u", "postgres", "--"]
            self.user = "postgres"
        self._count = 0

    def _run(self, *args: str) -> None:
        done = subprocess.run(
            [*self._prefix, *args], capture_output=True, text=True, timeout=60, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(f"{args[0]} failed: {done.stdout}\n{done.stderr}")

    def start(self) -> Cluster:
        self._run(
            str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", self.user,
            "-E", "UTF8", "--locale=C" if WINDOWS else "--locale=C.UTF-8", "--no-sync",
            "--no-instructions",
        )  # fmt: skip
        listen = (
            "-c listen_addresses='127.0.0.1' -c unix_socket_directories=''"
            if WINDOWS
            else f"-c listen_addresses='' -c unix_socket_directories='{self.socket}'"
        )
        options = (
            f"{listen} -c port={self.port} -c fsync=off -c full_page_writes=off "
            "-c max_connections=200"
        )
        self._run(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options, "-w", "-s",
            "-l", str(self.root / "server.log"), "start",
        )  # fmt: skip
        return self

    def stop(self) -> None:
        try:
            self._run(
                str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-s", "stop"
            )
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def url(self, db: str = "postgres") -> str:
        return f"postgresql://{self.user}@/{db}?host={self.socket}&port={self.port}"

    def new_database(self) -> str:
        """A fresh, empty database; its libpq URL."""
        self._count += 1
        name = f"t{os.getpid()}_{self._count}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
        return self.url(name)
