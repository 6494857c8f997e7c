"""Settings fail fast and name each missing or bad variable."""

from __future__ import annotations

import pytest

from shared.settings import ServiceSettings, SettingsError, load_settings


class NotificationsSettings(ServiceSettings):
    service_name: str = "notifications"
    grpc_port: int = 7002
    database_url: str  # required for this service


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "SP_SERVICE_NAME",
        "SP_GRPC_PORT",
        "SP_DATABASE_URL",
        "SP_ENV",
        "SP_MESH_TOKEN",
        "SP_LOG_LEVEL",
    ):
        monkeypatch.delenv(name, raising=False)


def test_reads_prefixed_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SP_DATABASE_URL", "postgresql+psycopg://app@127.0.0.1:5432/sp")
    monkeypatch.setenv("SP_MESH_TOKEN", "m3sh")
    monkeypatch.setenv("SP_LOG_LEVEL", "debug")
    settings = load_settings(NotificationsSettings)
    assert settings.grpc_port == 7002
    assert settings.log_level == "DEBUG"
    assert settings.mesh_token.get_secret_value() == "m3sh"
    assert "m3sh" not in repr(settings)
    assert settings.max_receive_message_bytes == 8 * 1024 * 1024


def test_message_names_every_missing_and_bad_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SP_GRPC_PORT", "seventy")
    monkeypatch.setenv("SP_SIDECAR_OUTBOUND", "nowhere")
    with pytest.raises(SettingsError) as raised:
        load_settings(NotificationsSettings)
    message = str(raised.value)
    assert message.startswith("Invalid configuration for NotificationsSettings:")
    assert "SP_DATABASE_URL: is required but not set" in message
    assert "SP_GRPC_PORT:" in message
    assert "SP_SIDECAR_OUTBOUND: must be host:port" in message


def test_base_settings_require_name_and_port() -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings(ServiceSettings)
    assert "SP_SERVICE_NAME: is required" in str(raised.value)
    assert "SP_GRPC_PORT: is required" in str(raised.value)


def test_production_refuses_to_start_without_mesh_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SP_DATABASE_URL", "postgresql://x")
    monkeypatch.setenv("SP_ENV", "prod")
    with pytest.raises(SettingsError, match="SP_MESH_TOKEN must be set when SP_ENV=prod"):
        load_settings(NotificationsSettings)


def test_exit_on_error_prints_and_exits_nonzero(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        load_settings(NotificationsSettings, exit_on_error=True)
    assert raised.value.code == 2
    assert "SP_DATABASE_URL: is required but not set" in capsys.readouterr().err
