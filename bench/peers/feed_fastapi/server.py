"""Starts the feed peer (uvicorn, uvloop + httptools, N workers) on a free loopback port; stops it by PID."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import IO

import asyncpg
import psycopg

from bench.peers.feed_fastapi import data
from shared.devstack.process import free_port

ROOT = Path(__file__).resolve().parents[3]


def create_database(admin_dsn: str, name: str) -> str:
    """A fresh database `name` on the Postgres of admin_dsn (postgresql://user@host:port/db); its DSN."""
    dsn = admin_dsn.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return dsn.rsplit("/", 1)[0] + f"/{name}"


async def prepare(dsn: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await data.create_schema(conn)
    finally:
        await conn.close()


class FeedPeer:
    """The peer process: `with FeedPeer(dsn, redis_url) as peer: peer.url`."""

    def __init__(
        self,
        database_url: str,
        redis_url: str,
        *,
        workers: int = 2,
        cache_ttl_seconds: int = 10,
        log_path: Path | None = None,
    ) -> None:
        self.database_url = database_url
        self.redis_url = redis_url
        self.workers = workers
        self.cache_ttl_seconds = cache_ttl_seconds
        self.log_path = log_path
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> FeedPeer:
        asyncio.run(prepare(self.database_url))
        self.port = free_port()
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "gen" / "python"), str(ROOT / "envoy")]),
            "PEER_DATABASE_URL": self.database_url,
            "PEER_REDIS_URL": self.redis_url,
            "PEER_CACHE_TTL_SECONDS": str(self.cache_ttl_seconds),
        }
        argv = [
            sys.executable, "-m", "uvicorn", "--factory", "bench.peers.feed_fastapi.app:create_app",
            "--host", "127.0.0.1", "--port", str(self.port), "--workers", str(self.workers),
            "--loop", "uvloop", "--http", "httptools", "--no-access-log", "--log-level", "warning",
        ]  # fmt: skip
        self._log = open(self.log_path, "ab") if self.log_path else None  # noqa: SIM115
        # Its own session: stop() signals the process group it leads (the uvicorn supervisor and its
        # workers), and nothing else.
        self.process = subprocess.Popen(
            argv,
            cwd=ROOT,
            env=env,
            stdout=self._log or subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if (code := self.process.poll()) is not None:
                self.stop()
                raise RuntimeError(f"feed peer exited with {code} (log: {self.log_path})")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=1) as reply:  # noqa: S310
                    if reply.status == 200:
                        return self
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"feed peer did not answer /healthz within {timeout} s")

    def stop(self, timeout: float = 10.0) -> None:
        process, self.process = self.process, None
        try:
            if process is None or process.poll() is not None:
                return
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(5)
        finally:
            if self._log is not None:
                self._log.close()
                self._log = None

    def __enter__(self) -> FeedPeer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
