"""A throwaway PostgreSQL server for the tests: `initdb` + `pg_ctl` on a free port in a temp dir.

Debian's `postgresql` package provides the binaries (`.ci/run` installs it when they are missing).
`initdb` refuses to run as root, so as root the cluster runs as an unprivileged user
(`postgres` when it exists, else `nobody`) that owns the temp dir. The server listens on
127.0.0.1 only, trusts local connections (it lives for one test session and holds only test
data) and runs with fsync off.
"""
from __future__ import annotations

import atexit
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest


def server_binaries() -> Path | None:
    """The directory holding `initdb` and `pg_ctl`, or None when PostgreSQL is not installed."""
    candidates = []
    on_path = shutil.which("initdb")
    if on_path and shutil.which("pg_ctl"):
        candidates.append(Path(os.path.realpath(on_path)).parent)
    candidates += [Path(p) for p in sorted(glob.glob("/usr/lib/postgresql/*/bin"),
                                           key=lambda p: int(Path(p).parent.name)
                                           if Path(p).parent.name.isdigit() else 0, reverse=True)]
    for d in candidates:
        if (d / "initdb").exists() and (d / "pg_ctl").exists():
            return d
    return None


MISSING = ("PostgreSQL server binaries (initdb, pg_ctl) NOT FOUND: every PostgreSQL variant of the "
           "API and loader tests is SKIPPED. Install Debian's `postgresql` (`.ci/run` does).")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    def __init__(self, bindir: Path):
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="tidemark-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self.user = None
        if os.geteuid() == 0:
            self.user = "postgres" if _user_exists("postgres") else "nobody"
            pw = pwd.getpwnam(self.user)
            os.chown(self.root, pw.pw_uid, pw.pw_gid)
        self._count = 0

    def _run(self, *args: str) -> None:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if self.user:
            cmd = ["runuser", "-u", self.user, "--", *cmd]
        done = subprocess.run(cmd, cwd=self.root, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            log = self.root / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}\n{tail}")

    def start(self) -> "Cluster":
        self._run("initdb", "-D", str(self.data), "-U", "tidemark", "-A", "trust", "-E", "UTF8",
                  "--locale=C", "--no-sync")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"), "-w", "-t", "60",
                  "-o", f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} -F", "start")
        atexit.register(self.stop)  # also when the session ends without its fixture teardown
        return self

    def stop(self) -> None:
        if not self.data.exists():
            return
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://tidemark@127.0.0.1:{self.port}/{database}"

    def new_database(self, prefix: str = "t") -> str:
        """An empty database of its own; returns its SQLAlchemy URL."""
        import psycopg

        self._count += 1
        name = f"{prefix}_{self._count}"
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=tidemark dbname=postgres",
                             autocommit=True) as con:
            con.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


def start_or_skip() -> Cluster:
    bindir = server_binaries()
    if bindir is None:
        pytest.skip(MISSING)
    return Cluster(bindir).start()
