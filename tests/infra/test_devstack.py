"""Launchers: a second start reuses the data dir or adopts the server; stop by PID; clear failures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import redis

from shared.devstack import DevstackError, RedisServer, pid_alive, stop_all
from shared.devstack.redis_server import find_binary


def test_second_start_reuses_data_dir_and_port(tmp_path: Path) -> None:
    first = RedisServer(tmp_path / "redis", persist=True).start()
    port = first.port
    client = redis.Redis(host=first.host, port=port)
    client.set("campaign:1", "live")
    client.close()
    first.stop()  # SIGTERM: Redis writes its snapshot on the way out
    again = RedisServer(tmp_path / "redis", persist=True).start()
    try:
        assert again.port == port  # URLs printed by the previous `make up` stay valid
        client = redis.Redis(host=again.host, port=again.port)
        assert client.get("campaign:1") == b"live"
        client.close()
    finally:
        again.stop()


def test_start_adopts_a_running_server_and_stop_all_stops_it_by_pid(tmp_path: Path) -> None:
    server = RedisServer(tmp_path / "stack" / "redis").start()
    pid = server.pid
    assert pid is not None
    state = json.loads(server.state_path.read_text())
    assert state["pid"] == pid and state["url"] == server.url
    assert server.pid_path.read_text().strip() == str(pid)

    twin = RedisServer(tmp_path / "stack" / "redis").start()
    assert twin.adopted and twin.pid == pid and twin.port == server.port

    assert stop_all(tmp_path / "stack") == ["redis"]
    assert not pid_alive(pid)
    assert not server.pid_path.exists()


def test_port_in_use_is_reported(tmp_path: Path) -> None:
    running = RedisServer(tmp_path / "a").start()
    try:
        with pytest.raises(DevstackError, match="already in use"):
            RedisServer(tmp_path / "b", port=running.port).start()
    finally:
        running.stop()


def test_server_dying_at_start_shows_its_log(tmp_path: Path) -> None:
    broken = RedisServer(tmp_path / "r", binary=find_binary())
    broken.databases = -1  # redis-server refuses this and exits
    with pytest.raises(DevstackError, match="exited during start-up(.|\n)*databases"):
        broken.start(timeout=10)
    assert broken.pid is None
