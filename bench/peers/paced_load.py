"""Open-loop HTTP/1.1 load at a fixed rate (wrk has no rate control), timed from each request's scheduled
send time so a slow answer cannot hide the requests queued behind it (no coordinated omission).

`python -m bench.peers.paced_load URL --rate 1000 --seconds 10` prints one JSON object: achieved rate,
p50/p99/max latency, statuses, errors, the share of answers carrying an `age` header (served from an
HTTP cache) and the generator's own dispatch lag (its error bar). Run it as its own process.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, cast
from urllib.parse import urlsplit


@dataclass
class Tally:
    latencies_ms: list[float] = field(default_factory=list)
    service_ms: list[float] = field(default_factory=list)
    lags_ms: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    errors: int = 0
    with_age: int = 0
    bytes: int = 0
    last_answer: float = 0.0


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class _Connection(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection that parses the head and only counts body bytes (the feed's
    bodies are hundreds of KB: copying them through a StreamReader would take CPU from the server under
    test, which shares the 2 cores)."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.reply: asyncio.Future[tuple[int, bool, int]] | None = None
        self.closed = False
        self._head = bytearray()
        self._in_body = False
        self._remaining = 0
        self._chunked: bytearray | None = None
        self._status = 0
        self._age = False
        self._size = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports implement asyncio.Transport without subclassing it.
        self.transport = cast(asyncio.Transport, transport)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.reply is not None and not self.reply.done():
            self.reply.set_exception(ConnectionError("connection closed mid-response"))

    def send(self, request: bytes) -> asyncio.Future[tuple[int, bool, int]]:
        if self.transport is None or self.closed:
            raise ConnectionError("not connected")
        self.reply = asyncio.get_running_loop().create_future()
        self.transport.write(request)
        return self.reply

    def data_received(self, data: bytes) -> None:
        if not self._in_body:
            self._head += data
            end = self._head.find(b"\r\n\r\n")
            if end < 0:
                return
            lines = self._head[:end].decode("latin-1").split("\r\n")
            data = bytes(self._head[end + 4 :])
            self._head.clear()
            headers = {}
            for line in lines[1:]:
                key, _, value = line.partition(":")
                headers[key.strip().lower()] = value.strip()
            self._status = int(lines[0].split(" ", 2)[1])
            self._age = "age" in headers
            self._in_body = True
            if "content-length" in headers:
                self._remaining = self._size = int(headers["content-length"])
                self._chunked = None
            elif headers.get("transfer-encoding", "").lower() == "chunked":
                self._chunked, self._size = bytearray(), 0
            else:
                self._fail(ValueError("response without Content-Length or chunked encoding"))
                return
        if self._chunked is None:
            self._remaining -= len(data)
            if self._remaining <= 0:
                self._done()
            return
        self._chunked += data
        while True:  # <size hex>[;ext]\r\n<data>\r\n ... 0\r\n\r\n
            line_end = self._chunked.find(b"\r\n")
            if line_end < 0:
                return
            size = int(bytes(self._chunked[:line_end]).split(b";")[0], 16)
            if len(self._chunked) < line_end + 2 + size + 2:
                return
            del self._chunked[: line_end + 2 + size + 2]
            self._size += size
            if size == 0:
                self._done()
                return

    def _done(self) -> None:
        self._in_body = False
        if self.reply is not None and not self.reply.done():
            self.reply.set_result((self._status, self._age, self._size))

    def _fail(self, error: Exception) -> None:
        if self.reply is not None and not self.reply.done():
            self.reply.set_exception(error)
        if self.transport is not None:
            self.transport.close()


async def run(url: str, *, rate: float, seconds: float, warmup: float, connections: int) -> dict[str, Any]:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    # as a browser's fetch would (the edge stores the feed gzipped once; the peer gzips per answer)
    request = (
        f"GET {target} HTTP/1.1\r\nHost: {host}:{port}\r\nUser-Agent: sp-paced-load\r\n"
        "Accept-Encoding: gzip, deflate, br\r\n\r\n"
    ).encode()
    # perf_counter, not loop.time(): uvloop's clock has millisecond resolution.
    clock = time.perf_counter
    queue: asyncio.Queue[float | None] = asyncio.Queue()
    tally = Tally()
    start = clock() + 0.2
    measured_from = start + warmup
    outstanding: set[float] = set()  # scheduled times of measured requests not answered yet

    async def connection() -> None:
        loop = asyncio.get_running_loop()
        conn: _Connection | None = None
        while (scheduled := await queue.get()) is not None:
            try:
                if conn is None or conn.closed:
                    _, conn = await loop.create_connection(_Connection, host, port)
                sent = clock()
                status, age, size = await conn.send(request)
            except (OSError, ValueError):
                if scheduled >= measured_from:
                    outstanding.discard(scheduled)
                    tally.errors += 1
                if conn is not None and conn.transport is not None:
                    conn.transport.close()
                conn = None
                continue
            if scheduled >= measured_from:
                now = clock()
                outstanding.discard(scheduled)
                tally.last_answer = now
                tally.latencies_ms.append((now - scheduled) * 1000)
                tally.service_ms.append((now - sent) * 1000)
                tally.statuses[status] += 1
                tally.with_age += age
                tally.bytes += size
        if conn is not None and conn.transport is not None:
            conn.transport.close()

    workers = [asyncio.create_task(connection()) for _ in range(connections)]
    total = int(rate * (warmup + seconds))
    for k in range(total):
        scheduled = start + k / rate
        delay = scheduled - clock()
        if delay > 0:
            await asyncio.sleep(delay)
        if scheduled >= measured_from:
            tally.lags_ms.append((clock() - scheduled) * 1000)
            outstanding.add(scheduled)
        queue.put_nowait(scheduled)
    for _ in workers:
        queue.put_nowait(None)
    # Bounded: what has not been answered 10 s after the last send is given up on. Those requests
    # count as errors and enter the percentiles with the time they had waited by then (a lower bound),
    # so an overloaded target cannot look fast by answering little.
    done, pending = await asyncio.wait(workers, timeout=10)
    for task in pending:
        task.cancel()
    finished = clock()
    answered = len(tally.latencies_ms)
    waited = [(finished - s) * 1000 for s in outstanding]
    latencies = tally.latencies_ms + waited
    # Answers over the time they took: the target rate when it keeps up, its throughput when not.
    window = max(seconds, tally.last_answer - measured_from)
    return {
        "target_rate": rate,
        "achieved_rate": round(answered / window, 1),
        "seconds": seconds,
        "connections": connections,
        "requests": answered,
        "p50_ms": round(_percentile(latencies, 0.50), 3),
        "p90_ms": round(_percentile(latencies, 0.90), 3),
        "p99_ms": round(_percentile(latencies, 0.99), 3),
        "max_ms": round(max(latencies, default=0.0), 3),
        "non_2xx": sum(n for s, n in tally.statuses.items() if not 200 <= s < 300),
        "statuses": {str(s): n for s, n in sorted(tally.statuses.items())},
        "errors": tally.errors + len(waited),
        "unanswered": len(waited),
        "age_header_share": round(tally.with_age / answered, 3) if answered else 0.0,
        "mean_body_bytes": round(tally.bytes / answered) if answered else 0,
        # From the actual write instead of the schedule (what a closed-loop tool would report).
        "from_send_p50_ms": round(_percentile(tally.service_ms, 0.50), 3),
        "from_send_p99_ms": round(_percentile(tally.service_ms, 0.99), 3),
        "dispatch_lag_p50_ms": round(_percentile(tally.lags_ms, 0.50), 3),
        "dispatch_lag_p99_ms": round(_percentile(tally.lags_ms, 0.99), 3),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("url")
    parser.add_argument("--rate", type=float, default=1000.0, help="requests per second")
    parser.add_argument("--seconds", type=float, default=10.0, help="measured seconds")
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds at the same rate, not measured")
    parser.add_argument("--connections", type=int, default=32, help="keep-alive connections")
    args = parser.parse_args(argv)
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    started = time.monotonic()
    result = asyncio.run(
        run(args.url, rate=args.rate, seconds=args.seconds, warmup=args.warmup, connections=args.connections)
    )
    result["wall_seconds"] = round(time.monotonic() - started, 1)
    json.dump(result, sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
