"""Domain errors: codes, reasons and the collect-then-raise validation helper."""

from __future__ import annotations

import grpc
import pytest

from shared import errors


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (errors.InvalidArgument("x"), grpc.StatusCode.INVALID_ARGUMENT),
        (errors.NotFound("x"), grpc.StatusCode.NOT_FOUND),
        (errors.AlreadyExists("x"), grpc.StatusCode.ALREADY_EXISTS),
        (errors.PermissionDenied("x"), grpc.StatusCode.PERMISSION_DENIED),
        (errors.Unauthenticated("x"), grpc.StatusCode.UNAUTHENTICATED),
        (errors.FailedPrecondition("x"), grpc.StatusCode.FAILED_PRECONDITION),
        (errors.ResourceExhausted("x"), grpc.StatusCode.RESOURCE_EXHAUSTED),
        (errors.Aborted("x"), grpc.StatusCode.ABORTED),
        (errors.Conflict("x"), grpc.StatusCode.ABORTED),
        (errors.Unavailable("x"), grpc.StatusCode.UNAVAILABLE),
        (errors.Unimplemented("x"), grpc.StatusCode.UNIMPLEMENTED),
    ],
)
def test_each_error_maps_to_one_code(error: errors.DomainError, code: grpc.StatusCode) -> None:
    assert error.code is code
    assert error.reason == code.name or isinstance(error, errors.Conflict)


def test_reason_must_be_upper_snake() -> None:
    assert errors.NotFound("x", reason="SITE_NOT_FOUND").reason == "SITE_NOT_FOUND"
    with pytest.raises(ValueError, match="UPPER_SNAKE"):
        errors.NotFound("x", reason="site-not-found")


def test_validate_collects_every_violation_then_raises_once() -> None:
    with pytest.raises(errors.InvalidArgument) as raised, errors.validate("Invalid site") as v:
        v.require("", "site.domain")
        v.require(None, "site.name")
        v.require("ok", "site.timezone")
        v.check(False, "site.settings.max_per_page", "must be between 1 and 10")
    assert [(f.field, f.description) for f in raised.value.violations] == [
        ("site.domain", "is required"),
        ("site.name", "is required"),
        ("site.settings.max_per_page", "must be between 1 and 10"),
    ]
    assert raised.value.message == "Invalid site"


def test_validate_passes_clean_input() -> None:
    with errors.validate() as v:
        v.check(True, "a", "b")
    assert not v
