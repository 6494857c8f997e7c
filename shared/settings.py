"""Typed process settings read from SP_* environment variables, validated once at start."""

from __future__ import annotations

import sys
from typing import Any, Literal, TypeVar

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "SP_"

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]


class SettingsError(Exception):
    """The environment does not describe a runnable process; the message names every bad variable."""


class ServiceSettings(BaseSettings):
    """Settings every service has; a service subclasses this and adds (or re-defaults) its own.

    Every field is read from `SP_<FIELD_NAME>` (e.g. `SP_GRPC_PORT`).
    """

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        case_sensitive=False,
        extra="ignore",
        frozen=True,
    )

    service_name: str = Field(min_length=1, description="Name used in logs, metrics and traces.")
    env: Literal["dev", "test", "prod"] = "dev"

    grpc_host: str = "127.0.0.1"
    # Required: a silently random port would make the sidecar route to nothing.
    grpc_port: int = Field(ge=0, le=65535, description="0 picks a free port (tests).")
    max_receive_message_bytes: int = Field(default=8 * 1024 * 1024, ge=1024)
    drain_seconds: float = Field(default=20.0, ge=0)
    # Time between reporting NOT_SERVING and refusing new calls, so health-checking peers
    # (Envoy, kubelet) stop routing here before the listener closes.
    drain_notice_seconds: float = Field(default=0.0, ge=0)

    metrics_host: str = "127.0.0.1"
    metrics_port: int = Field(default=0, ge=0, le=65535, description="0 disables /metrics.")
    log_level: LogLevel = "INFO"

    # False in serving workers of a service that has background workers (Topology.background_ports):
    # consumers, relays and schedulers then run only there. Services honour it where it pays (analytics).
    run_background: bool = True

    mesh_token: SecretStr = SecretStr("")
    sidecar_outbound: str = Field(
        default="127.0.0.1:15001", description="host:port of the local sidecar's egress."
    )

    database_url: str | None = None
    redis_url: str | None = None
    kafka_bootstrap_servers: str | None = None
    clickhouse_url: str | None = None
    otel_endpoint: str | None = None
    pii_keys: SecretStr = SecretStr("")

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @field_validator("sidecar_outbound")
    @classmethod
    def _host_port(cls, value: str) -> str:
        host, sep, port = value.rpartition(":")
        if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError("must be host:port, e.g. 127.0.0.1:15001")
        return value

    @model_validator(mode="after")
    def _production_is_locked_down(self) -> ServiceSettings:
        # Without a mesh token every caller is anonymous; in production that is a broken
        # deployment, not a safe one, so refuse to start instead of failing every request.
        if self.env == "prod" and not self.mesh_token.get_secret_value():
            raise ValueError("SP_MESH_TOKEN must be set when SP_ENV=prod")
        return self


S = TypeVar("S", bound=ServiceSettings)


def env_var_name(cls: type[ServiceSettings], field: str) -> str:
    """The environment variable a field is read from."""
    prefix = str(cls.model_config.get("env_prefix") or "")
    info = cls.model_fields.get(field)
    name = info.alias if info is not None and info.alias else field
    return f"{prefix}{name}".upper()


def _describe(cls: type[ServiceSettings], error: ValidationError) -> str:
    lines = [f"Invalid configuration for {cls.__name__}:"]
    for problem in error.errors(include_url=False, include_input=False):
        loc = problem.get("loc") or ()
        var = env_var_name(cls, str(loc[0])) if loc else "(settings)"
        if problem.get("type") == "missing":
            text = "is required but not set"
        else:
            # Pydantic prefixes model-level messages with "Value error, "; drop the noise.
            text = str(problem.get("msg", "is invalid")).removeprefix("Value error, ")
        lines.append(f"  {var}: {text}")
    return "\n".join(lines)


def load_settings(cls: type[S], *, exit_on_error: bool = False, **overrides: Any) -> S:
    """Reads and validates `cls` from the environment (keyword overrides win).

    Raises SettingsError with one line per missing or bad variable; with `exit_on_error` the
    message goes to stderr and the process exits with status 2 (for `__main__` entry points).
    """
    try:
        return cls(**overrides)
    except ValidationError as error:
        message = _describe(cls, error)
        if exit_on_error:
            print(message, file=sys.stderr)
            raise SystemExit(2) from None
        raise SettingsError(message) from None
