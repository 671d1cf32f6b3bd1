"""Tests of the kiosk settings and the broker login they resolve to."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from typing import Any

import pytest
from pydantic import ValidationError

from kiosk.config import BrokerLogin, KioskSettings
from kiosk.errors import ConfigError

BASE = {"store_id": "store-1", "device_id": "kiosk-1"}


def test_defaults_and_every_field_described() -> None:
    settings = KioskSettings.model_validate(BASE)
    assert settings.hub_url == "http://127.0.0.1:8000"
    assert settings.request_timeout_s == 2.0
    for name, field in KioskSettings.model_fields.items():
        assert field.description, f"{name} has no description"


@pytest.mark.parametrize(
    ("overrides", "raises"),
    [
        ({"hub_url": "http://hub:8080/"}, nullcontext()),
        ({"broker_url": "mqtts://kiosk@broker.local"}, nullcontext()),
        ({"colour": "blue"}, pytest.raises(ValidationError, match="Extra inputs")),
        ({"device_id": "kiosk/1"}, pytest.raises(ValidationError, match="device_id")),
        ({"hub_url": "ftp://hub"}, pytest.raises(ValidationError, match="hub_url must be")),
        ({"broker_url": "tcp://b:1883"}, pytest.raises(ValidationError, match="broker_url must")),
        (
            {"broker_url": "mqtt://u:secret@b:1883"},
            pytest.raises(ValidationError, match="must not carry a password"),
        ),
        ({"broker_url": "mqtt://b:99999"}, pytest.raises(ValidationError, match=r"(?i)port")),
        ({"request_timeout_s": 0}, pytest.raises(ValidationError, match="request_timeout_s")),
    ],
)
def test_settings_validation(
    overrides: dict[str, Any], raises: AbstractContextManager[object]
) -> None:
    with raises:
        KioskSettings.model_validate({**BASE, **overrides})


def test_settings_are_frozen() -> None:
    settings = KioskSettings.model_validate(BASE)
    with pytest.raises(ValidationError, match="frozen"):
        settings.hub_url = "http://elsewhere"  # type: ignore[misc]


def test_hub_url_loses_its_trailing_slash() -> None:
    settings = KioskSettings.model_validate({**BASE, "hub_url": "http://hub:8080/"})
    assert settings.hub_url == "http://hub:8080"


def test_broker_login_reads_the_password_from_the_environment() -> None:
    settings = KioskSettings.model_validate(
        {**BASE, "broker_url": "mqtt://aisle@10.0.0.2:1884", "broker_password_env": "PW"}
    )
    login = settings.broker_login({"PW": "s3cret"})
    assert login == BrokerLogin("10.0.0.2", 1884, "aisle", "s3cret", tls=False)
    assert "s3cret" not in repr(login)


def test_broker_login_without_password_variable_is_refused() -> None:
    settings = KioskSettings.model_validate({**BASE, "broker_username": "aisle"})
    with pytest.raises(ConfigError, match="export AISLE_BROKER_PASSWORD="):
        settings.broker_login({})


def test_anonymous_tls_broker_uses_port_8883() -> None:
    settings = KioskSettings.model_validate({**BASE, "broker_url": "mqtts://broker.local"})
    assert settings.broker_login({}) == BrokerLogin("broker.local", 8883, None, None, tls=True)


@pytest.mark.parametrize(("host", "port"), [("", 1883), ("h", 0), ("h", 70000)])
def test_broker_login_checks_its_fields(host: str, port: int) -> None:
    with pytest.raises(ValueError, match="broker"):
        BrokerLogin(host, port, None)


def test_hub_token_from_file_or_environment(tmp_path: Any) -> None:
    token_file = tmp_path / "kiosk-1.token"
    token_file.write_text("file-token\n")
    from_file = KioskSettings.model_validate({**BASE, "hub_token_file": str(token_file)})
    assert from_file.hub_token({"AISLE_HUB_TOKEN": "env-token"}) == "file-token"
    settings = KioskSettings.model_validate(BASE)
    assert settings.hub_token({"AISLE_HUB_TOKEN": " env-token "}) == "env-token"
    other = KioskSettings.model_validate({**BASE, "hub_token_env": "MY_TOKEN"})
    assert other.hub_token({"MY_TOKEN": "mine"}) == "mine"


def test_a_missing_hub_token_is_a_clear_config_error(tmp_path: Any) -> None:
    with pytest.raises(ConfigError, match=r"no hub API token: export AISLE_HUB_TOKEN.*add-token"):
        KioskSettings.model_validate(BASE).hub_token({"AISLE_HUB_TOKEN": ""})
    missing = KioskSettings.model_validate({**BASE, "hub_token_file": str(tmp_path / "none")})
    with pytest.raises(ConfigError, match="cannot be read"):
        missing.hub_token({})
    (tmp_path / "empty").write_text("\n")
    empty = KioskSettings.model_validate({**BASE, "hub_token_file": str(tmp_path / "empty")})
    with pytest.raises(ConfigError, match="is empty"):
        empty.hub_token({})
