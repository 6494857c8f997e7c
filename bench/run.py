"""`make bench`: run every benchmark, then regenerate docs/benchmarks.md from bench/results/."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time

from bench import (
    analytics_ingest,
    edge_auth,
    edge_rest,
    entitlements,
    notifications_feed,
    web_assets,
    webhooks,
)
from bench.harness import DOC, write_doc

BENCHMARKS = {
    "edge_rest_roundtrip": edge_rest.run,
    "edge_auth_jwt_vs_anonymous": edge_auth.run,
    "notifications_widget_feed": notifications_feed.run,
    "billing_entitlement_check": entitlements.run,
    "integrations_webhooks": webhooks.run,
    "analytics_ingest": analytics_ingest.run,
    "web_assets": web_assets.run,
}


def main() -> int:
    if shutil.which("wrk") is None:
        print("installing wrk (Debian package) …", flush=True)
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=False)
    for index, (name, run) in enumerate(BENCHMARKS.items(), 1):
        started = time.monotonic()
        print(f"[{index}/{len(BENCHMARKS)}] {name}", flush=True)
        path = run(progress=lambda line: print(line, flush=True))
        print(
            f"[{index}/{len(BENCHMARKS)}] {name} done in {time.monotonic() - started:.0f} s → {path}",
            flush=True,
        )
    write_doc()
    print(f"wrote {DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
