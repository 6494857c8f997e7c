"""`make up` as a user runs it: progress, printed URLs that answer, and `make down` leaving no process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from shared.devstack.process import pid_alive

ROOT = Path(__file__).resolve().parents[2]


def test_make_up_prints_urls_that_answer_and_make_down_stops_everything(devstack_dir: Path) -> None:
    root = devstack_dir / "make-up"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "gen/python"), str(ROOT / "envoy")]),
    }
    up = subprocess.Popen(
        [sys.executable, "-m", "shared.devstack.up", "--dir", str(root), "--free-ports", "--no-demo"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    assert up.stdout is not None
    lines: list[str] = []
    urls: dict[str, str] = {}
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            line = up.stdout.readline()
            if not line:
                break
            lines.append(line.rstrip())
            if line.startswith("Ctrl-C"):
                break
        output = "\n".join(lines)
        assert "SocialProof is up:" in output, output
        # Progress: each part is reported as it starts.
        for part in ("postgres", "redis", "kafka", "mesh", "edge", "billing", "sidecar-billing"):
            assert part in output, part
        for line in lines[lines.index("SocialProof is up:") + 1 :]:
            if line.startswith("  ") and "http" in line:
                label, _, url = line.strip().rpartition(" ")
                urls[label.strip()] = url
        edge = urls["edge (REST + gRPC-Web)"]
        with urllib.request.urlopen(urls["plans (REST example)"], timeout=10) as reply:  # noqa: S310
            assert reply.status == 200
            assert json.loads(reply.read())["plans"]
        with urllib.request.urlopen(f"{edge}/healthz", timeout=10) as reply:  # noqa: S310
            assert reply.status == 200
        recorded = json.loads((root / "platform.json").read_text())
        pids = [recorded["supervisor_pid"], *recorded["children"].values()]
        infra = [json.loads(p.read_text())["pid"] for p in root.glob("*/*.state.json")]
        assert len(infra) >= 3
    finally:
        down = subprocess.run(
            [sys.executable, "-m", "shared.devstack.up", "--dir", str(root), "--down"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        up.wait(timeout=60)
    assert down.returncode == 0, down.stdout + down.stderr
    time.sleep(0.5)
    assert [pid for pid in [*pids, *infra] if pid_alive(pid)] == []
