"""CPU budget of the analytics ingest path: the whole local platform, widget batches through the edge at
a fixed moderate rate from the same load process as the benchmark, and the CPU time every process spent
(from /proc) from the start of the load until every accepted event is stored, per request and per event.

Not part of `make bench` (it has no goal to compare with); it answers "what would 20 000 events/s need"
and measures code changes as CPU time per unit of work, which a shared box does not distort the way it
distorts throughput. The visibility check counts rows in ClickHouse directly (not through QueryMetrics,
whose polling is the benchmark's cost, not ingest's).

Usage: python -m bench.analytics_cpu [EVENTS_PER_SECOND] [SECONDS] [WORKERS]   (4000 20 2)
"""

# ruff: noqa: S608 - diagnostic SQL built from ids this tool made

from __future__ import annotations

import json
import os
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.analytics_e2e import (
    E2E_EVENTS_PER_REQUEST,
    _explain_unseen,
    _load,
    ingest_platform,
    seed_ingest_site,
)
from shared.devstack.platform import Platform

TICK_MS = 1000 / os.sysconf("SC_CLK_TCK")
#: The idle window measured before the load (its CPU rate is subtracted from the load's).
IDLE_S = 8.0


def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, CPU ms of user + system time, all threads) of a live process."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return int(fields[1]), (int(fields[11]) + int(fields[12])) * TICK_MS


def _tree_cpu(root_pid: int) -> float:
    """CPU ms of a process and its live descendants (Postgres backends, ClickHouse helpers)."""
    parents: dict[int, int] = {}
    cpu: dict[int, float] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            found = _stat(int(entry))
            if found is not None:
                parents[int(entry)], cpu[int(entry)] = found
    total, wanted = 0.0, {root_pid}
    changed = True
    while changed:
        changed = False
        for pid, parent in parents.items():
            if parent in wanted and pid not in wanted:
                wanted.add(pid)
                changed = True
    for pid in wanted:
        total += cpu.get(pid, 0.0)
    return total


def _threads(pid: int) -> dict[str, float]:
    """CPU ms per thread name of a process (librdkafka, gRPC, executor and the event loop's thread)."""
    out: dict[str, float] = {}
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tids:
        try:
            text = Path(f"/proc/{pid}/task/{tid}/stat").read_text()
        except OSError:
            continue
        name = text[text.index("(") + 1 : text.rindex(")")].rstrip("0123456789")
        fields = text.rsplit(")", 1)[1].split()
        out[name] = out.get(name, 0.0) + (int(fields[11]) + int(fields[12])) * TICK_MS
    return out


def _groups(platform: Platform) -> dict[str, list[int]]:
    """Process groups to account for: the analytics path one by one, everything else summed."""
    groups: dict[str, list[int]] = {}
    assert platform.infra is not None
    for server in platform.infra.servers:
        if server.pid is not None:
            groups[server.name] = [server.pid]
    for name, child in platform.children.items():
        if child.pid is not None:
            groups[name] = [child.pid]
    return groups


def _snapshot(groups: dict[str, list[int]]) -> dict[str, float]:
    return {name: sum(_tree_cpu(pid) for pid in pids) for name, pids in groups.items()}


def _stored_counter(platform: Platform, site_id: str) -> Callable[[], int]:
    from clickhouse_driver import Client

    assert platform.infra is not None
    client = Client.from_url(platform.infra.clickhouse_url)
    db = client.connection.database

    def count() -> int:
        return int(
            client.execute(f"SELECT count() FROM {db}.widget_events WHERE site_id = '{site_id}'")[0][0]
        )

    return count


def measure(
    events_per_second: int, seconds: float, workers: str, progress: Callable[[str], None]
) -> dict[str, Any]:
    root = Path(tempfile.mkdtemp(prefix="sp-analytics-cpu-"))
    root.chmod(0o755)
    platform = ingest_platform(root, workers, progress)
    if len(platform.topology.service("analytics").process_ports) < 2:
        raise SystemExit("counting rows needs the ClickHouse server: use 2 or more analytics processes")
    platform.start()
    try:
        return _run(platform, root, events_per_second, seconds, progress)
    finally:
        platform.stop()
        shutil.rmtree(root, ignore_errors=True)


def _run(
    platform: Platform, root: Path, events_per_second: int, seconds: float, progress: Callable[[str], None]
) -> dict[str, Any]:
    seeded = seed_ingest_site(platform, "cpu", "Cpu Shop", "cpu.example")
    site, campaign_id, url = seeded.site, seeded.campaign_id, seeded.events_url
    count = _stored_counter(platform, site.name.rsplit("/", 1)[-1])

    warm = _load(root, url, campaign_id, seconds=3, events_per_second=500, name="warm-up")
    warm_accepted = sum(r[4] for r in warm)
    deadline = time.monotonic() + 60
    while count() < warm_accepted and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(1.0)  # let the warm-up's background work (usage events, merges) settle
    groups = _groups(platform)
    # What the platform spends with no load (health checks, consumers' polls, timers), per second:
    # subtracted below, so the table shows what the load costs.
    idle_from = _snapshot(groups)
    idle_started = time.monotonic()
    time.sleep(IDLE_S)
    before = _snapshot(groups)
    analytics_pids = {n: p[0] for n, p in groups.items() if n.startswith("analytics")}
    threads_before = {n: _threads(p) for n, p in analytics_pids.items()}
    idle_rate = {k: (before[k] - idle_from[k]) / (time.monotonic() - idle_started) for k in groups}
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    requests = _load(
        root, url, campaign_id, seconds=seconds, events_per_second=events_per_second, name="load"
    )
    children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    load_done = time.monotonic()
    accepted = sum(r[4] for r in requests)
    target = warm_accepted + accepted
    deadline = time.monotonic() + 60
    stored = count()
    while stored < target and time.monotonic() < deadline:
        time.sleep(0.1)
        stored = count()
    all_stored = time.monotonic()
    after = _snapshot(groups)
    if stored < target:
        published = sum(1 for r in [*warm, *requests] if r[4])
        where = _explain_unseen(platform, site.name, published)
        progress(f"  {target - stored} accepted events not stored: {where}")
    threads: dict[str, float] = {}
    for process, pid in analytics_pids.items():
        for thread, ms in _threads(pid).items():
            threads[thread] = threads.get(thread, 0.0) + ms - threads_before[process].get(thread, 0.0)
    n = len(requests)
    load_cpu = (
        children_after.ru_utime
        + children_after.ru_stime
        - children_before.ru_utime
        - children_before.ru_stime
    ) * 1000
    window = all_stored - started
    idle = {name: idle_rate[name] * window for name in groups}
    cpu = {name: after[name] - before[name] - idle[name] for name in groups}
    cpu["load generator (aiohttp)"] = load_cpu
    latencies = sorted((r[1] - r[0]) * 1000 for r in requests)
    result = {
        "events_per_second": events_per_second,
        "seconds": seconds,
        "requests": n,
        "failed": sum(1 for r in requests if r[2] != 200),
        "accepted": accepted,
        "stored": stored - warm_accepted,
        "load_wall_s": round(load_done - started, 2),
        "drain_after_load_s": round(all_stored - load_done, 2),
        "request_p50_ms": round(latencies[len(latencies) // 2], 1),
        "request_p99_ms": round(latencies[int(0.99 * (len(latencies) - 1))], 1),
        "loadavg": os.getloadavg(),
        "idle_cpu_ms_per_s": {k: round(v, 1) for k, v in idle_rate.items() if v >= 1},
        "cpu_ms": {k: round(v, 1) for k, v in sorted(cpu.items(), key=lambda kv: -kv[1])},
        "cpu_ms_per_request": {k: round(v / n, 3) for k, v in sorted(cpu.items(), key=lambda kv: -kv[1])},
    }
    result["analytics_threads_ms_per_request"] = {
        k: round(v / n, 3) for k, v in sorted(threads.items(), key=lambda kv: -kv[1]) if v >= 10
    }
    total = sum(cpu.values())
    result["total_ms_per_request"] = round(total / n, 3)
    result["cores_needed_at_20k"] = round(total / n * 20_000 / E2E_EVENTS_PER_REQUEST / 1000, 2)
    return result


def main() -> None:
    rate = int(sys.argv[1]) if len(sys.argv) > 1 else 4000
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 20.0
    workers = sys.argv[3] if len(sys.argv) > 3 else "2"
    result = measure(rate, seconds, workers, lambda line: print(line, file=sys.stderr, flush=True))
    n = result["requests"]
    print(f"{'process':<34} {'CPU ms':>9} {'ms/request':>10} {'µs/event':>9} {'cores @20k':>10}")
    for name, ms in result["cpu_ms"].items():
        print(
            f"{name:<34} {ms:>9.0f} {ms / n:>10.3f} {ms / n / E2E_EVENTS_PER_REQUEST * 1000:>9.1f} "
            f"{ms / n * 800 / 1000:>10.2f}"
        )
    print("analytics processes by thread (ms/request):", result["analytics_threads_ms_per_request"])
    print(json.dumps(result))


if __name__ == "__main__":
    main()
