"""Domain errors that services raise; the shared interceptor maps each one to a gRPC status."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sized
from contextlib import contextmanager
from dataclasses import dataclass
from typing import ClassVar

import grpc

ERROR_DOMAIN = "socialproof.io"

_REASON = re.compile(r"^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$")


@dataclass(frozen=True, slots=True)
class FieldViolation:
    """One bad field of a request; `field` is a proto field path such as `campaign.display_rules.gap`."""

    field: str
    description: str


class DomainError(Exception):
    """Base of every error a service raises on purpose.

    `message` is shown to the caller, so it must not contain secrets or PII. `reason` is a stable
    UPPER_SNAKE identifier clients can branch on (it becomes google.rpc.ErrorInfo.reason) and
    `metadata` adds machine-readable context (ErrorInfo.metadata).
    """

    code: ClassVar[grpc.StatusCode] = grpc.StatusCode.UNKNOWN
    default_reason: ClassVar[str] = "UNKNOWN"

    def __init__(
        self,
        message: str,
        *,
        reason: str | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.reason = reason or self.default_reason
        # A malformed reason is a programming error; failing here keeps the public contract tidy.
        if not _REASON.match(self.reason):
            raise ValueError(f"error reason must be UPPER_SNAKE, got {self.reason!r}")
        self.metadata: dict[str, str] = {str(k): str(v) for k, v in (metadata or {}).items()}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, reason={self.reason!r})"


class InvalidArgument(DomainError):
    """The request is malformed; `violations` lists every bad field at once."""

    code = grpc.StatusCode.INVALID_ARGUMENT
    default_reason = "INVALID_ARGUMENT"

    def __init__(
        self,
        message: str,
        *,
        violations: list[FieldViolation] | None = None,
        reason: str | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message, reason=reason, metadata=metadata)
        self.violations: list[FieldViolation] = list(violations or [])


class NotFound(DomainError):
    """The named resource does not exist (or the caller may not know that it does)."""

    code = grpc.StatusCode.NOT_FOUND
    default_reason = "NOT_FOUND"


class AlreadyExists(DomainError):
    """A resource with the same identity already exists."""

    code = grpc.StatusCode.ALREADY_EXISTS
    default_reason = "ALREADY_EXISTS"


class PermissionDenied(DomainError):
    """The caller is known but may not do this."""

    code = grpc.StatusCode.PERMISSION_DENIED
    default_reason = "PERMISSION_DENIED"


class Unauthenticated(DomainError):
    """The caller is not identified (no or invalid credentials)."""

    code = grpc.StatusCode.UNAUTHENTICATED
    default_reason = "UNAUTHENTICATED"


class FailedPrecondition(DomainError):
    """The system is not in a state that allows this (e.g. publishing an archived campaign)."""

    code = grpc.StatusCode.FAILED_PRECONDITION
    default_reason = "FAILED_PRECONDITION"


class RetryableError(DomainError):
    """An error the caller may retry, optionally after `retry_after_seconds` (sent as RetryInfo)."""

    def __init__(
        self,
        message: str,
        *,
        retry_after_seconds: float | None = None,
        reason: str | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message, reason=reason, metadata=metadata)
        self.retry_after_seconds = retry_after_seconds


class ResourceExhausted(RetryableError):
    """A quota or rate limit is used up."""

    code = grpc.StatusCode.RESOURCE_EXHAUSTED
    default_reason = "RESOURCE_EXHAUSTED"


class Aborted(RetryableError):
    """A concurrency conflict (stale etag, lost race); retrying the whole read-modify-write may work."""

    code = grpc.StatusCode.ABORTED
    default_reason = "ABORTED"


class Conflict(Aborted):
    """Aborted because another writer changed the resource first."""

    default_reason = "CONFLICT"


class Unavailable(RetryableError):
    """A dependency is down for now; the call can be retried."""

    code = grpc.StatusCode.UNAVAILABLE
    default_reason = "UNAVAILABLE"


class Unimplemented(DomainError):
    """The RPC exists in the contract but is not built yet."""

    code = grpc.StatusCode.UNIMPLEMENTED
    default_reason = "UNIMPLEMENTED"


class Violations:
    """Collects field violations so a request is rejected once, with every problem listed.

    Usage::

        with validate("Invalid campaign") as v:
            v.check(gap >= 0, "campaign.display_rules.gap", "must not be negative")
    """

    def __init__(self) -> None:
        self._items: list[FieldViolation] = []

    def add(self, field: str, description: str) -> None:
        self._items.append(FieldViolation(field, description))

    def check(self, ok: bool, field: str, description: str) -> bool:
        """Records a violation when `ok` is false; returns `ok` so callers can skip dependent checks."""
        if not ok:
            self.add(field, description)
        return ok

    def require(self, value: object, field: str) -> bool:
        """Records `field` as missing when `value` is empty (None, "", 0-length)."""
        missing = value is None or (isinstance(value, Sized) and len(value) == 0)
        return self.check(not missing, field, "is required")

    @property
    def items(self) -> list[FieldViolation]:
        return list(self._items)

    def __bool__(self) -> bool:
        return bool(self._items)

    def raise_if_any(
        self, message: str = "The request has invalid fields", *, reason: str | None = None
    ) -> None:
        if self._items:
            raise InvalidArgument(message, violations=self.items, reason=reason)


@contextmanager
def validate(
    message: str = "The request has invalid fields", *, reason: str | None = None
) -> Iterator[Violations]:
    """Yields a `Violations` collector and raises InvalidArgument on exit if anything was recorded."""
    violations = Violations()
    yield violations
    violations.raise_if_any(message, reason=reason)
