"""Provides the kiosk settings (`KioskSettings`) and the broker login they resolve to.

Settings are loaded once in `__main__` (or by the runner that composes the kiosk) and passed down.
Secrets never sit in the settings: the broker password is read from the environment variable
that `broker_password_env` names, and the hub API token from the file `hub_token_file` or the
environment variable `hub_token_env` names (`aisle hub add-token --role kiosk` makes one).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final
from urllib.parse import unquote, urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator

from contracts.ids import IDENTIFIER_PATTERN
from kiosk.errors import ConfigError

MQTT_PORT: Final = 1883
MQTTS_PORT: Final = 8883


@dataclass(frozen=True, slots=True)
class BrokerLogin:
    """Where the broker is and how to log in (the password never shows in a repr)."""

    host: str
    port: int
    username: str | None
    password: str | None = field(default=None, repr=False)
    tls: bool = False

    def __post_init__(self) -> None:
        if not self.host:
            raise ValueError("broker host must not be empty")
        if not 0 < self.port < 65536:
            raise ValueError(f"broker port must be in 1..65535, got {self.port}")


class KioskSettings(BaseModel):
    """Everything the kiosk UI needs to know about its store, its device and its peers."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    store_id: str = Field(
        pattern=IDENTIFIER_PATTERN.pattern, description="id of the store this kiosk stands in"
    )
    device_id: str = Field(
        pattern=IDENTIFIER_PATTERN.pattern,
        description="id of this kiosk's device; its edge agent publishes scans under it",
    )
    hub_url: str = Field(
        default="http://127.0.0.1:8000",
        description="base URL of the store hub's HTTP API (http:// or https://)",
    )
    broker_url: str = Field(
        default="mqtt://127.0.0.1:1883",
        description="store broker, mqtt://[user@]host:port or mqtts:// for TLS; no password",
    )
    broker_username: str | None = Field(
        default=None, description="broker username; overrides the one in broker_url"
    )
    broker_password_env: str = Field(
        default="AISLE_BROKER_PASSWORD",
        description="name of the environment variable that holds the broker password",
    )
    hub_token_file: Path | None = Field(
        default=None,
        description="file holding this kiosk's hub API token (aisle hub add-token --token-file)",
    )
    hub_token_env: str = Field(
        default="AISLE_HUB_TOKEN",
        description="environment variable holding the hub API token when no file is set",
    )
    request_timeout_s: float = Field(
        default=2.0, gt=0, le=60, description="timeout of one HTTP request to the hub, seconds"
    )
    idle_reset_s: float = Field(
        default=120.0,
        gt=0,
        description="seconds without a scan or key press after which the kiosk ends the session",
    )
    walk_away_s: float = Field(
        default=15.0,
        gt=0,
        description="seconds with nobody in front of the try-on camera before the session ends",
    )

    @field_validator("hub_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"hub_url must be http(s)://host[:port][/path], got {value!r}")
        return value.rstrip("/")

    @field_validator("broker_url")
    @classmethod
    def _mqtt_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("mqtt", "mqtts") or not parts.hostname:
            raise ValueError(f"broker_url must be mqtt(s)://[user@]host[:port], got {value!r}")
        if parts.password is not None:
            raise ValueError(
                "broker_url must not carry a password; put it in the environment variable "
                "named by broker_password_env"
            )
        _ = parts.port  # raises ValueError on a port that is not a number in range
        return value

    def hub_token(self, environ: Mapping[str, str]) -> str:
        """The kiosk's hub API token: from `hub_token_file` if set, else from `hub_token_env`.

        Raises:
            ConfigError: the file cannot be read or is empty, or no token is configured.
        """
        if self.hub_token_file is not None:
            try:
                token = self.hub_token_file.read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise ConfigError(
                    f"hub_token_file {self.hub_token_file} cannot be read: {exc.strerror}"
                ) from exc
            if not token:
                raise ConfigError(f"hub_token_file {self.hub_token_file} is empty")
            return token
        token = environ.get(self.hub_token_env, "").strip()
        if not token:
            raise ConfigError(
                f"no hub API token: export {self.hub_token_env}=... or set hub_token_file "
                f"(make one with: aisle hub add-token --device {self.device_id} --role kiosk)"
            )
        return token

    def broker_login(self, environ: Mapping[str, str]) -> BrokerLogin:
        """Resolves the broker address and credentials.

        Args:
            environ: the environment to read the password variable from (e.g. `os.environ`).

        Returns:
            The login; the password is None when no username is configured.

        Raises:
            ConfigError: a username is configured but the password variable is not set.
        """
        parts = urlsplit(self.broker_url)
        tls = parts.scheme == "mqtts"
        username = self.broker_username or (unquote(parts.username) if parts.username else None)
        password: str | None = None
        if username is not None:
            password = environ.get(self.broker_password_env)
            if password is None:
                raise ConfigError(
                    f"the broker password for user {username!r} is not set: "
                    f"export {self.broker_password_env}=..."
                )
        port = parts.port or (MQTTS_PORT if tls else MQTT_PORT)
        return BrokerLogin(str(parts.hostname), port, username, password, tls=tls)
