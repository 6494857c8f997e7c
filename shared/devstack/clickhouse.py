"""Local ClickHouse server (Debian's clickhouse-server 18.16) with its own config in the data dir."""

from __future__ import annotations

import os
import shutil
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path
from xml.sax.saxutils import escape

from shared.devstack.process import DevstackError, LocalServer, free_port, port_is_free

_SEARCH = ("/usr/bin/clickhouse-server", "/usr/sbin/clickhouse-server", "/usr/bin/clickhouse")


def find_binary() -> Path | None:
    """The clickhouse-server binary, or None when the package is not installed."""
    found = shutil.which("clickhouse-server")
    for candidate in ([found] if found else []) + list(_SEARCH):
        path = Path(candidate)
        if path.is_file() and os.access(path, os.X_OK):
            return path
    return None


def available() -> bool:
    """Whether a clickhouse-server binary is installed (CI installs Debian's package)."""
    return find_binary() is not None


_CONFIG = """<?xml version="1.0"?>
<yandex>
    <logger>
        <level>warning</level>
        <console>1</console>
    </logger>
    <listen_host>{host}</listen_host>
    <tcp_port>{tcp_port}</tcp_port>
    <http_port>{http_port}</http_port>
    <path>{path}/</path>
    <tmp_path>{path}/tmp/</tmp_path>
    <user_files_path>{path}/user_files/</user_files_path>
    <format_schema_path>{path}/format_schemas/</format_schema_path>
    <users_config>users.xml</users_config>
    <default_profile>default</default_profile>
    <default_database>default</default_database>
    <timezone>UTC</timezone>
    <mlock_executable>false</mlock_executable>
    <max_concurrent_queries>100</max_concurrent_queries>
    <!-- Small caches: the dev/test server shares a 2-core box with everything else. -->
    <uncompressed_cache_size>268435456</uncompressed_cache_size>
    <mark_cache_size>268435456</mark_cache_size>
</yandex>
"""

_USERS = """<?xml version="1.0"?>
<yandex>
    <profiles>
        <default>
            <max_memory_usage>4000000000</max_memory_usage>
        </default>
    </profiles>
    <users>
        <default>
            <password></password>
            <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
            <profile>default</profile>
            <quota>default</quota>
        </default>
    </users>
    <quotas>
        <default>
            <interval>
                <duration>3600</duration>
                <queries>0</queries>
                <errors>0</errors>
                <result_rows>0</result_rows>
                <read_rows>0</read_rows>
                <execution_time>0</execution_time>
            </interval>
        </default>
    </quotas>
</yandex>
"""


class ClickHouseServer(LocalServer):
    """clickhouse-server on 127.0.0.1 (native tcp port + http port), data in data_dir/data."""

    name = "clickhouse"
    start_timeout = 60.0
    stop_timeout = 20.0

    def __init__(
        self, data_dir: str | os.PathLike[str], port: int | None = None, *, http_port: int | None = None
    ) -> None:
        super().__init__(data_dir, port)
        self._requested_http_port = http_port
        self.http_port = http_port or 0

    @property
    def tcp_port(self) -> int:
        return self.port

    @property
    def url(self) -> str:
        """clickhouse-driver URL of the default database."""
        return self.url_for("default")

    def url_for(self, database: str) -> str:
        return f"clickhouse://default@{self.host}:{self.port}/{database}"

    @property
    def http_url(self) -> str:
        return f"http://{self.host}:{self.http_port}/"

    @property
    def config_path(self) -> Path:
        return self.data_dir / "config.xml"

    def extra_ports(self) -> dict[str, int]:
        return {"http_port": self.http_port}

    def set_extra_ports(self, ports: Mapping[str, int]) -> None:
        self.http_port = ports.get("http_port", self.http_port)

    def prepare(self) -> None:
        if self._requested_http_port:
            self.http_port = self._requested_http_port
        elif not self.http_port or not port_is_free(self.http_port):
            self.http_port = free_port()
        data = self.data_dir / "data"
        for sub in ("", "tmp", "user_files", "format_schemas"):
            (data / sub).mkdir(parents=True, exist_ok=True)
        # Rewritten on every start: ports may change, the data under data/ is what persists.
        self.config_path.write_text(
            _CONFIG.format(
                host=self.host, tcp_port=self.port, http_port=self.http_port, path=escape(str(data))
            )
        )
        (self.data_dir / "users.xml").write_text(_USERS)

    def command(self) -> Sequence[str]:
        binary = find_binary()
        if binary is None:
            raise DevstackError("clickhouse-server is not installed (apt-get install clickhouse-server)")
        return [str(binary), f"--config-file={self.config_path}"]

    def is_ready(self) -> bool:
        probe = self.http_url + "?query=SELECT%201"
        with urllib.request.urlopen(probe, timeout=1) as response:  # noqa: S310 - loopback http
            return bool(response.read().strip() == b"1")
