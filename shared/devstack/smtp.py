"""A real local SMTP sink (aiosmtpd) that keeps every message it receives, for tests and `make up`."""

from __future__ import annotations

import email
import email.policy
import threading
import time
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from shared.devstack.process import free_port


class _Collector:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.changed = threading.Condition()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.changed:
            self.messages.append(message)  # type: ignore[arg-type]
            self.changed.notify_all()
        return "250 Message accepted for delivery"


class SmtpSink:
    """An SMTP server on 127.0.0.1 in a background thread; `url` goes into a service's SMTP setting."""

    def __init__(self, port: int | None = None) -> None:
        self._collector = _Collector()
        self.port = port or free_port()
        self._controller = Controller(self._collector, hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    @property
    def messages(self) -> list[EmailMessage]:
        with self._collector.changed:
            return list(self._collector.messages)

    def start(self) -> SmtpSink:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def clear(self) -> None:
        with self._collector.changed:
            self._collector.messages.clear()

    def wait_for(self, count: int = 1, timeout: float = 10.0, to: str | None = None) -> list[EmailMessage]:
        """The received messages (to `to`, if given) once there are at least `count`; fails after timeout."""
        deadline = time.monotonic() + timeout
        with self._collector.changed:
            while True:
                found = [m for m in self._collector.messages if to is None or to in str(m["To"])]
                if len(found) >= count:
                    return found
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(
                        f"expected {count} email(s){' to ' + to if to else ''}, got {len(found)}"
                    )
                self._collector.changed.wait(remaining)
