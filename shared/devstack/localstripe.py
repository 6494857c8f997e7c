"""Local Stripe-compatible API server (localstripe) on 127.0.0.1 with its own state file."""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from shared.devstack.process import LocalServer

_PROJECT_ROOT = Path(__file__).resolve().parents[2]


def available() -> bool:
    try:
        import localstripe  # noqa: F401
    except ImportError:
        return False
    return True


class LocalStripeServer(LocalServer):
    """localstripe on 127.0.0.1:port; its data is pickled to data_dir/localstripe.pickle."""

    name = "localstripe"
    start_timeout = 30.0

    def __init__(
        self, data_dir: str | os.PathLike[str], port: int | None = None, *, from_scratch: bool = False
    ) -> None:
        super().__init__(data_dir, port)
        self.from_scratch = from_scratch

    @property
    def url(self) -> str:
        """Base address for the Stripe client (StripeClient(key, base_addresses={"api": url}))."""
        return f"http://{self.host}:{self.port}"

    @property
    def state_file(self) -> Path:
        return self.data_dir / "localstripe.pickle"

    def command(self) -> Sequence[str]:
        argv = [
            sys.executable,
            "-m",
            "shared.devstack._localstripe_main",
            "--port",
            str(self.port),
            "--state",
            str(self.state_file),
        ]
        if self.from_scratch:
            argv.append("--from-scratch")
        return argv

    def popen_kwargs(self) -> dict[str, Any]:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(_PROJECT_ROOT), env.get("PYTHONPATH", "")) if p)
        return {"env": env, "cwd": str(self.data_dir)}

    def is_ready(self) -> bool:
        # Any HTTP answer (localstripe says 401 without a key) proves the app is serving.
        request = urllib.request.Request(self.url + "/v1/customers", method="GET")  # noqa: S310 - loopback http
        try:
            with urllib.request.urlopen(request, timeout=1):  # noqa: S310 - loopback http
                return True
        except urllib.error.HTTPError:
            return True
