"""The ClickHouse connection: one interface, two backends (chdb in-process, clickhouse-driver to a server)."""

# ruff: noqa: S608 - SQL is built here on purpose: every value goes through literal() escaping,
# because chdb and 18.16 have no shared server-side parameter syntax.

from __future__ import annotations

import asyncio
import json
import math
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

Row = tuple[Any, ...]


def literal(value: Any) -> str:
    """A ClickHouse SQL literal that parses the same on 18.16 and on current engines."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("non-finite floats are not stored")
        return repr(value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("datetimes must be timezone-aware")
        # Epoch seconds keep the value independent of the server's or session's time zone.
        return f"toDateTime({int(value.timestamp())})"
    if isinstance(value, str):
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    if isinstance(value, list | tuple | set | frozenset):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    raise TypeError(f"no ClickHouse literal for {type(value).__name__}")


class ClickHouse(Protocol):
    """What the store needs from ClickHouse; both backends run the same SQL."""

    database: str

    async def execute(self, sql: str) -> None: ...

    async def query(self, sql: str) -> list[Row]: ...

    async def insert(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None: ...

    async def close(self) -> None: ...


def _coerce(kind: str, value: Any) -> Any:
    if value is None:
        return None
    base = kind.removeprefix("Nullable(").rstrip(")")
    if base.startswith(("UInt", "Int")):
        return int(value)
    if base.startswith("Float"):
        return float(value)
    return value


class ChdbClickHouse:
    """chdb (ClickHouse in this process). chdb is blocking and allows one data directory per
    process, so every call goes through one worker thread and tables live in `database`."""

    def __init__(self, path: Path, database: str = "analytics") -> None:
        self.path = path
        self.database = database
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chdb")
        self._session: Any = None

    def _open(self) -> Any:
        if self._session is None:
            from chdb import session

            self.path.mkdir(parents=True, exist_ok=True)
            self._session = session.Session(str(self.path))
            self._session.query(f"CREATE DATABASE IF NOT EXISTS {self.database}")
        return self._session

    def _run(self, sql: str, fmt: str = "CSV") -> Any:
        return self._open().query(sql, fmt)

    async def _call(self, fn: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    async def execute(self, sql: str) -> None:
        await self._call(self._run, sql)

    def _query_blocking(self, sql: str) -> list[Row]:
        raw = self._run(sql, "JSONCompact").bytes()
        if not raw:
            return []
        body = json.loads(raw)
        kinds = [m["type"] for m in body["meta"]]
        return [tuple(_coerce(k, v) for k, v in zip(kinds, row, strict=True)) for row in body["data"]]

    async def query(self, sql: str) -> list[Row]:
        rows: list[Row] = await self._call(self._query_blocking, sql)
        return rows

    def _insert_blocking(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        import pyarrow as pa

        arrays, select = {}, []
        # Columnar through Arrow and chdb's Python() table function: rendering every value as a SQL
        # literal (and ClickHouse parsing it back) was most of the consumer's time per event.
        for name, values in zip(columns, zip(*rows, strict=True), strict=True):
            if isinstance(values[0], datetime):
                # Epoch seconds keep the value independent of the server's or session's time zone.
                arrays[name] = pa.array([int(v.timestamp()) for v in values], pa.int64())
                select.append(f"toDateTime({name})")
            else:
                arrays[name] = pa.array(values)
                select.append(name)
        rows_table = pa.table(arrays)  # noqa: F841 - read by name: chdb resolves Python(rows_table)
        self._open().query(
            f"INSERT INTO {self.database}.{table} ({', '.join(columns)}) "
            f"SELECT {', '.join(select)} FROM Python(rows_table)"
        )

    async def insert(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        await self._call(self._insert_blocking, table, columns, rows)

    def _close_blocking(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None

    async def close(self) -> None:
        await self._call(self._close_blocking)
        self._executor.shutdown(wait=True)


class DriverClickHouse:
    """A ClickHouse server through clickhouse-driver (native protocol; works with 18.16). The client
    is blocking and not thread-safe: one worker thread per connection."""

    def __init__(self, url: str) -> None:
        from clickhouse_driver import Client

        parts = urlsplit(url)
        self.database = parts.path.strip("/") or "default"
        self._client = Client.from_url(url)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="clickhouse")

    async def _call(self, fn: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    async def execute(self, sql: str) -> None:
        await self._call(self._client.execute, sql)

    async def query(self, sql: str) -> list[Row]:
        rows = await self._call(self._client.execute, sql)
        return [tuple(r) for r in rows]

    async def insert(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        # Native columnar insert. Datetimes go as epoch seconds, which the driver writes as they are
        # (independent of the server's time zone, like the chdb path): converting each to naive UTC
        # and the driver converting it back cost ~15 % of the consumer's CPU.
        data = [
            [_native(v) for v in values] if isinstance(values[0], datetime | bool) else list(values)
            for values in zip(*rows, strict=True)
        ]
        await self._call(
            partial(self._client.execute, columnar=True),
            f"INSERT INTO {self.database}.{table} ({', '.join(columns)}) VALUES",
            data,
        )

    async def close(self) -> None:
        await self._call(self._client.disconnect)
        self._executor.shutdown(wait=True)


def _native(value: Any) -> Any:
    if isinstance(value, datetime):
        return int(value.timestamp())
    if isinstance(value, bool):
        return int(value)
    return value


def open_clickhouse(url: str | None, default_chdb_path: Path) -> ClickHouse:
    """`clickhouse://user@host:port/db` → a server; `chdb:///abs/path?database=x` or unset → chdb."""
    if url and url.startswith("clickhouse://"):
        return DriverClickHouse(url)
    if url and not url.startswith("chdb://"):
        raise ValueError("SP_CLICKHOUSE_URL must start with clickhouse:// or chdb://")
    path = default_chdb_path
    database = "analytics"
    if url:
        parts = urlsplit(url)
        path = Path(parts.path) if parts.path else default_chdb_path
        database = (parse_qs(parts.query).get("database") or [database])[0]
    return ChdbClickHouse(path, database)


def in_list(values: Iterable[Any]) -> str:
    """`(v1, v2, ...)` for IN clauses."""
    return "(" + ", ".join(literal(v) for v in values) + ")"
