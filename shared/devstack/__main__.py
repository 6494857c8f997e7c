"""Command line for the local stack: `python -m shared.devstack up|down|status [--dir DIR]`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from shared.devstack import clickhouse
from shared.devstack.clickhouse import ClickHouseServer
from shared.devstack.localstripe import LocalStripeServer
from shared.devstack.postgres import PostgresServer
from shared.devstack.process import DevstackError, LocalServer, pid_alive, stop_all
from shared.devstack.redis_server import RedisServer
from shared.devstack.tansu import TansuServer

PARTS = ("postgres", "redis", "tansu", "clickhouse", "localstripe")


def build(name: str, root: Path) -> LocalServer:
    """The launcher for one part of the stack, with the settings a persistent dev stack wants."""
    data = root / name
    if name == "postgres":
        return PostgresServer(data, durable=True)
    if name == "redis":
        return RedisServer(data, persist=True)
    if name == "tansu":
        return TansuServer(data)
    if name == "clickhouse":
        return ClickHouseServer(data)
    if name == "localstripe":
        return LocalStripeServer(data)
    raise ValueError(f"unknown part {name!r}; choose from {', '.join(PARTS)}")


ENV_NAMES = {
    "postgres": "DATABASE_URL",
    "redis": "REDIS_URL",
    "tansu": "KAFKA_BOOTSTRAP_SERVERS",
    "clickhouse": "CLICKHOUSE_URL",
    "localstripe": "STRIPE_API_BASE",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shared.devstack", description=__doc__)
    parser.add_argument("action", choices=("up", "down", "status"))
    parser.add_argument("--dir", type=Path, default=Path(".devstack"), help="root of the stack's data")
    parser.add_argument("--only", default=",".join(PARTS), help="comma-separated parts to start")
    args = parser.parse_args(argv)
    root: Path = args.dir.absolute()

    if args.action == "down":
        for name in stop_all(root):
            print(f"stopped {name}")
        return 0

    if args.action == "status":
        for state_file in sorted(root.glob("*/*.state.json")):
            state = json.loads(state_file.read_text())
            pid = state.get("pid")
            up = isinstance(pid, int) and pid_alive(pid)
            print(f"{state['name']:<12} {'running' if up else 'stopped':<8} pid={pid} {state.get('url', '')}")
        return 0

    for name in [part.strip() for part in args.only.split(",") if part.strip()]:
        if name == "clickhouse" and not clickhouse.available():
            print(
                "clickhouse   skipped: clickhouse-server not installed (analytics uses chdb)", file=sys.stderr
            )
            continue
        server = build(name, root)
        try:
            server.start()
        except DevstackError as exc:
            print(f"{name}: {exc}", file=sys.stderr)
            return 1
        how = "already running" if server.adopted else "started"
        print(f"{name:<12} {how} pid={server.pid}", file=sys.stderr)
        # stdout is a sourceable env file, e.g. `python -m shared.devstack up > .devstack/env`.
        print(f"{ENV_NAMES[name]}={server.url}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
