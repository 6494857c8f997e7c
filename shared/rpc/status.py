"""Turns domain errors and unexpected exceptions into gRPC statuses with google.rpc details."""

from __future__ import annotations

from dataclasses import dataclass

import grpc
from google.protobuf import any_pb2, duration_pb2
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status

from shared.errors import ERROR_DOMAIN, DomainError, InvalidArgument, RetryableError

REQUEST_ID_HEADER = "x-request-id"

# Codes that mean "the server (or a dependency) failed" rather than "the request was wrong".
SERVER_FAULT_CODES = frozenset(
    {
        grpc.StatusCode.UNKNOWN,
        grpc.StatusCode.INTERNAL,
        grpc.StatusCode.DATA_LOSS,
        grpc.StatusCode.UNAVAILABLE,
        grpc.StatusCode.DEADLINE_EXCEEDED,
        grpc.StatusCode.UNIMPLEMENTED,
    }
)


def _pack(message: object) -> any_pb2.Any:
    packed = any_pb2.Any()
    packed.Pack(message)
    return packed


def _request_info(request_id: str | None) -> list[any_pb2.Any]:
    if not request_id:
        return []
    return [_pack(error_details_pb2.RequestInfo(request_id=request_id))]


def status_for_domain_error(error: DomainError, request_id: str | None = None) -> grpc.Status:
    """google.rpc.Status with ErrorInfo, BadRequest (for violations) and RetryInfo, as a grpc.Status."""
    details = [
        _pack(error_details_pb2.ErrorInfo(reason=error.reason, domain=ERROR_DOMAIN, metadata=error.metadata))
    ]
    if isinstance(error, InvalidArgument) and error.violations:
        details.append(
            _pack(
                error_details_pb2.BadRequest(
                    field_violations=[
                        error_details_pb2.BadRequest.FieldViolation(field=v.field, description=v.description)
                        for v in error.violations
                    ]
                )
            )
        )
    if isinstance(error, RetryableError) and error.retry_after_seconds is not None:
        delay = duration_pb2.Duration()
        delay.FromNanoseconds(int(error.retry_after_seconds * 1e9))
        details.append(_pack(error_details_pb2.RetryInfo(retry_delay=delay)))
    details.extend(_request_info(request_id))
    status = status_pb2.Status(code=error.code.value[0], message=error.message, details=details)
    return _with_request_id(rpc_status.to_status(status), request_id)


def status_for_unexpected(
    request_id: str | None,
    code: grpc.StatusCode = grpc.StatusCode.INTERNAL,
    reason: str = "INTERNAL",
) -> grpc.Status:
    """A deliberately bland status: the caller learns only the request id to quote to support."""
    if code is grpc.StatusCode.UNAVAILABLE:
        message = "A dependency is unavailable; retry later"
    else:
        message = "Internal error"
    if request_id:
        message = f"{message} (request id {request_id})"
    status = status_pb2.Status(
        code=code.value[0],
        message=message,
        details=[
            _pack(error_details_pb2.ErrorInfo(reason=reason, domain=ERROR_DOMAIN)),
            *_request_info(request_id),
        ],
    )
    return _with_request_id(rpc_status.to_status(status), request_id)


class _Status(grpc.Status):  # type: ignore[misc]  # grpc ships no type stubs
    def __init__(
        self, code: grpc.StatusCode, details: str, trailing_metadata: tuple[tuple[str, str | bytes], ...]
    ) -> None:
        self.code = code
        self.details = details
        self.trailing_metadata = trailing_metadata


def _with_request_id(status: grpc.Status, request_id: str | None) -> grpc.Status:
    metadata = tuple(status.trailing_metadata)
    if request_id:
        metadata = (*metadata, (REQUEST_ID_HEADER, request_id))
    return _Status(status.code, status.details, metadata)


@dataclass(frozen=True)
class ErrorDetails:
    """What a client learns from a failed call's google.rpc.Status: the reason and field violations."""

    reason: str
    violations: tuple[tuple[str, str], ...]

    @property
    def fields(self) -> dict[str, str]:
        return dict(self.violations)

    def describe(self, error: grpc.RpcError) -> str:
        text = f"{error.code().name}: {error.details()}"  # type: ignore[attr-defined]
        return text + "".join(f"; {field}: {why}" for field, why in self.violations)


def error_details(trailing_metadata: object) -> ErrorDetails:
    """Decodes `grpc-status-details-bin` from a failed call's trailing metadata (the one reader used by
    tests, tools and clients of our services)."""
    raw = next(
        (v for k, v in (trailing_metadata or ()) if k == "grpc-status-details-bin"),  # type: ignore[attr-defined]
        None,
    )
    reason = ""
    violations: tuple[tuple[str, str], ...] = ()
    if raw is None:
        return ErrorDetails(reason, violations)
    status = status_pb2.Status.FromString(raw if isinstance(raw, bytes) else raw.encode())
    for detail in status.details:
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            reason = info.reason
        elif detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            violations = tuple((v.field, v.description) for v in bad.field_violations)
    return ErrorDetails(reason, violations)


__all__ = [
    "REQUEST_ID_HEADER",
    "SERVER_FAULT_CODES",
    "ErrorDetails",
    "error_details",
    "status_for_domain_error",
    "status_for_unexpected",
]
