"""`make bench`: run every benchmark, then regenerate docs/benchmarks.md from bench/results/."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bench import (
    analytics_ingest,
    analytics_summary,
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
    "analytics_summary": analytics_summary.run,
    "web_assets": web_assets.run,
}


def _selected(names: list[str]) -> dict[str, Callable[..., Path]]:
    """The benchmarks named on the command line (a name or a prefix of one; none: all of them)."""
    if not names:
        return dict(BENCHMARKS)
    chosen = {k: v for k, v in BENCHMARKS.items() if any(k.startswith(n) for n in names)}
    unknown = [n for n in names if not any(k.startswith(n) for k in BENCHMARKS)]
    if unknown:
        raise SystemExit(f"unknown benchmark(s) {unknown}; known: {', '.join(BENCHMARKS)}")
    return chosen


def main(argv: list[str] | None = None) -> int:
    selected = _selected(sys.argv[1:] if argv is None else argv)
    if shutil.which("wrk") is None:
        print("installing wrk (Debian package) …", flush=True)
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=False)
    for index, (name, run) in enumerate(selected.items(), 1):
        started = time.monotonic()
        print(f"[{index}/{len(selected)}] {name}", flush=True)
        path = run(progress=lambda line: print(line, flush=True))
        print(
            f"[{index}/{len(selected)}] {name} done in {time.monotonic() - started:.0f} s → {path}",
            flush=True,
        )
    write_doc()
    print(f"wrote {DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
