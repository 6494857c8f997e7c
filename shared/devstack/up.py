"""`make up` / `make down`: run the whole platform in the foreground and print its URLs."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import time
from pathlib import Path

import grpc

from shared.devstack.demo import seed_demo
from shared.devstack.platform import Platform, stop_recorded
from shared.devstack.process import DevstackError

EXTERNAL = (
    "DATABASE_URL",
    "REDIS_URL",
    "KAFKA_BOOTSTRAP_SERVERS",
    "CLICKHOUSE_URL",
    "STRIPE_API_BASE",
    "SMTP_URL",
)


def _progress(line: str) -> None:
    print(f"  {time.strftime('%H:%M:%S')}  {line}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make up", description=__doc__)
    parser.add_argument("--dir", type=Path, default=Path(".devstack"), help="data, certs, configs and logs")
    parser.add_argument("--down", action="store_true", help="stop what a previous `make up` started")
    parser.add_argument("--no-demo", action="store_true", help="do not seed the demo organization")
    parser.add_argument("--free-ports", action="store_true", help="pick free ports instead of 8080, 500xx, …")
    parser.add_argument(
        "--workers",
        default=os.environ.get("SP_WORKERS", ""),
        help="worker processes per service, e.g. integrations=2,analytics=2+1 (+N: background workers "
        "that run the consumers and jobs; default: SP_WORKERS, else one each); more than one analytics "
        "process runs a ClickHouse server instead of chdb",
    )
    args = parser.parse_args(argv)
    root: Path = args.dir.absolute()

    if args.down:
        stopped = stop_recorded(root)
        print("stopped: " + (", ".join(stopped) if stopped else "nothing was running"))
        return 0

    from meshconfig import default_topology, with_free_ports
    from meshconfig.topology import parse_workers, with_workers

    try:
        workers, background = parse_workers(args.workers)
    except ValueError as exc:
        parser.error(str(exc))

    external = {name: os.environ[name] for name in EXTERNAL if os.environ.get(name)}
    print(f"SocialProof: starting the platform in {root}", flush=True)
    topology = with_free_ports(default_topology()) if args.free_ports else default_topology()
    topology = with_workers(topology, workers, background)
    platform = Platform(root, topology, durable=True, external=external, progress=_progress)
    done = threading.Event()

    def on_signal(signum: int, _frame: object) -> None:
        done.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        platform.start()
        demo = None if args.no_demo else seed_demo(platform, progress=_progress)
        if demo:
            platform.show_demo(demo["site_key"])
    except (DevstackError, OSError, grpc.RpcError) as exc:
        print(f"\nmake up failed: {exc}", file=sys.stderr)
        platform.stop()
        return 1
    print("\nSocialProof is up:")
    urls = platform.urls()
    if demo:
        urls["widget feed (REST)"] = f"{platform.edge_url}/v1/widget/sites/{demo['site_key']}/feed"
        urls["demo login"] = f"{demo['email']} / password in {root / 'demo.json'}"
    for label, url in urls.items():
        print(f"  {label:<24} {url}")
    print("\nCtrl-C (or `make down` elsewhere) stops everything.", flush=True)
    done.wait()
    print("\nstopping…", flush=True)
    platform.stop()
    print("stopped.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
