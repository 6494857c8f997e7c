"""Front-end cost: widget and dashboard bytes (raw/gzip/brotli) and first load on the live edge."""

from __future__ import annotations

import gzip
import json
import statistics
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

from bench.harness import ROOT, write_result
from meshconfig import default_topology, with_free_ports
from shared.devstack.demo import seed_demo
from shared.devstack.platform import DASHBOARD_DIST, WIDGET_DIST, Platform

NAME = "web_assets"
RUNS = 5
#: Peers' published script sizes (gzipped), from PRODUCT.md: Fomo 12-19.5 KB, Holler Box 9.4 KB.
PEER_WIDGET_GZIP_BYTES = 9_400


def _sizes(files: list[Path]) -> dict[str, int]:
    raw = sum(f.stat().st_size for f in files)
    # what the edge serves: the build's pre-compressed .gz where there is one (the widget's is zopfli)
    gz = sum(
        f.with_name(f.name + ".gz").stat().st_size
        if f.with_name(f.name + ".gz").exists()
        else len(gzip.compress(f.read_bytes(), 9))
        for f in files
    )
    br = sum(
        f.with_name(f.name + ".br").stat().st_size for f in files if f.with_name(f.name + ".br").exists()
    )
    return {"raw": raw, "gzip": gz, "brotli": br}


def run(progress: Callable[[str], None] = print) -> Path:
    widget = json.loads((WIDGET_DIST / "manifest.json").read_text())["file"]
    widget_sizes = _sizes([WIDGET_DIST / widget])
    index = (DASHBOARD_DIST / "index.html").read_text()
    first_load = [DASHBOARD_DIST / "index.html"] + [
        DASHBOARD_DIST / name
        for name in {p.split('"')[0] for p in index.split("/app/")[1:]}
        if (DASHBOARD_DIST / name).is_file()
    ]
    dashboard_first = _sizes(first_load)
    dashboard_all = _sizes([p for p in DASHBOARD_DIST.iterdir() if p.suffix in (".js", ".css", ".html")])
    progress(f"  widget {widget_sizes}, dashboard first load {dashboard_first}")

    root = Path(tempfile.mkdtemp(prefix="sp-bench-web-"))
    root.chmod(0o755)
    platform = Platform(
        root, with_free_ports(default_topology()), durable=False, progress=lambda s: progress(f"  {s}")
    )
    platform.start()
    try:
        demo = seed_demo(platform, progress=lambda s: progress(f"  {s}"))
        platform.show_demo(demo["site_key"])
        progress(f"  {RUNS} cold loads of /app/ and /demo/ in Chromium")
        out = subprocess.run(
            ["node", str(ROOT / "bench" / "web_first_load.mjs"), platform.edge_url, str(RUNS)],
            capture_output=True, text=True, timeout=300, check=True, cwd=ROOT,
        )  # fmt: skip
        timings = json.loads(out.stdout.strip().splitlines()[-1])
    finally:
        platform.stop()
    metrics = {
        "widget_gzip_bytes": widget_sizes["gzip"],
        "widget_brotli_bytes": widget_sizes["brotli"],
        "dashboard_first_load_gzip_bytes": dashboard_first["gzip"],
        "dashboard_all_js_css_gzip_bytes": dashboard_all["gzip"],
        "dashboard_dom_ready_ms_p50": statistics.median(timings["dashboard_dcl_ms"]),
        "dashboard_first_screen_ms_p50": statistics.median(timings["dashboard_ready_ms"]),
        "demo_first_notification_ms_p50": statistics.median(timings["demo_first_notification_ms"]),
        # The whole demo page's trace (page + widget), worst of the runs: the widget must add no long
        # task over 50 ms and no layout shift.
        "demo_long_tasks_max": max(timings["demo_long_tasks"]),
        "demo_longest_task_ms_max": max(timings["demo_longest_task_ms"]),
        "demo_cls_max": round(max(timings["demo_cls"]), 4),
    }
    baseline = {"widget_gzip_bytes": PEER_WIDGET_GZIP_BYTES}
    notes = (
        "Sizes of the production builds (`make web`). First loads: cold Chromium contexts on loopback "
        "against the live edge (pre-compressed assets). The demo page's first notification includes the "
        "widget's first delay (3 s, the default from PRODUCT.md). Baseline: the smallest "
        "peer widget in PRODUCT.md (Holler Box, 9.4 KB gzipped); ratio = our widget / that."
    )
    return write_result(
        NAME, {"runs": RUNS, "widget": widget}, metrics, baseline,
        widget_sizes["gzip"] / PEER_WIDGET_GZIP_BYTES, notes,
    )  # fmt: skip
