"""Provides `HubSettings`, the one configuration model of a store hub, and its TOML loader.

Settings are loaded once in `hub.__main__` and passed down; nothing imports them as a global.
Secrets never live in files: `broker.password_env` names the environment variable that holds the
broker password.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import unquote, urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from contracts.ids import IDENTIFIER_PATTERN
from contracts.index import DEFAULT_CHUNK_BYTES, MAX_CHUNK_BYTES
from hub.errors import ConfigInvalid

DEFAULT_MQTT_PORT = 1883
DEFAULT_MQTTS_PORT = 8883
DEFAULT_PASSWORD_ENV = "AISLE_MQTT_PASSWORD"


class SettingsModel(BaseModel):
    """Base of the hub's config models: unknown keys are errors, values never change."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class BrokerSettings(SettingsModel):
    """How the hub reaches the store's MQTT broker."""

    url: str = Field(
        default="mqtt://127.0.0.1:1883",
        description="broker URL, mqtt://[user[:password]@]host[:port] or mqtts:// for TLS; "
        "a password in the URL is accepted from flags only, never from a file",
    )
    username: str | None = Field(
        default=None, description="broker username; overrides the user part of the URL"
    )
    password_env: str = Field(
        default=DEFAULT_PASSWORD_ENV,
        pattern=r"^[A-Z_][A-Z0-9_]*$",
        description="name of the environment variable holding the broker password",
    )
    keepalive_s: int = Field(default=30, ge=5, le=3600, description="MQTT keepalive, seconds")

    @field_validator("url")
    @classmethod
    def _known_scheme(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("mqtt", "mqtts"):
            raise ValueError(f"scheme must be mqtt or mqtts, got {parts.scheme!r}")
        if not parts.hostname:
            raise ValueError("the URL names no host")
        _ = parts.port  # raises ValueError for a port out of range
        return value


class HttpSettings(SettingsModel):
    """Where the hub serves its API and dashboard."""

    host: str = Field(default="127.0.0.1", description="interface to listen on")
    port: int = Field(default=8000, ge=0, le=65535, description="TCP port; 0 picks a free one")


class IndexSettings(SettingsModel):
    """Photo-search index builds and their distribution to devices."""

    enabled: bool = Field(default=True, description="build and publish photo-search indexes")
    folder: Path | None = Field(
        default=None,
        description="index versions, catalog image cache and reference photos; "
        "None: an `index` folder beside the database",
    )
    models_manifest: Path | None = Field(
        default=None, description="models manifest the indexer loads; None: the repo's"
    )
    model_name: str | None = Field(
        default=None, description="embedding model; None: the indexer's default (INT8)"
    )
    dtype: Literal["int8", "float16", "float32"] = Field(
        default="int8", description="storage type of the index rows"
    )
    chunk_bytes: int = Field(
        default=DEFAULT_CHUNK_BYTES,
        ge=1024,
        le=MAX_CHUNK_BYTES,
        description="bytes per published chunk",
    )
    build_timeout_s: float = Field(
        default=3600.0, gt=0, le=86_400, description="longest an indexer run may take, seconds"
    )
    build_on_start: bool = Field(
        default=False, description="build a version when the hub starts without one"
    )


class TryOnSettings(SettingsModel):
    """Try-on asset builds (from garment photos) and their shipping to kiosks."""

    enabled: bool = Field(default=True, description="build try-on assets and serve them")
    folder: Path | None = Field(
        default=None, description="photos and assets; None: a `tryon` folder beside the database"
    )
    seed_photos_path: Path | None = Field(
        default=None, description="folder of `<style>.jpg|png` garment photos imported at start"
    )
    poll_interval_s: float = Field(
        default=5.0, gt=0, le=3600, description="how often the catalog is checked for changes, s"
    )


class HubSettings(SettingsModel):
    """Everything one store hub needs to run."""

    store_id: str = Field(
        pattern=IDENTIFIER_PATTERN.pattern,
        max_length=60,
        description="this store's id (at most 60 characters: the hub's client id is hub-<store>)",
    )
    db_path: Path = Field(description="the hub's SQLite database file (created if absent)")
    central_url: str = Field(
        default="http://127.0.0.1:8100", description="base URL of the central catalog service"
    )
    central_timeout_s: float = Field(
        default=5.0, gt=0, le=120, description="timeout of one HTTP request to central, seconds"
    )
    catalog_sync_interval_s: float = Field(
        default=10.0, gt=0, le=86_400, description="pause between two catalog syncs, seconds"
    )
    catalog_page_limit: int = Field(
        default=5_000,
        ge=1,
        le=5_000,
        description="changes asked for per change-feed page (central serves at most 5,000)",
    )
    reconcile_interval_s: float = Field(
        default=60.0, gt=0, le=86_400, description="pause between two reconciliation runs, s"
    )
    outbox_retry_base_s: float = Field(
        default=1.0, gt=0, le=3600, description="wait after a first failed send to central, s"
    )
    outbox_retry_max_s: float = Field(
        default=60.0, gt=0, le=86_400, description="cap of the outbox's exponential backoff, s"
    )
    outbox_idle_s: float = Field(
        default=30.0, gt=0, le=3600, description="longest sleep of the outbox sender when idle, s"
    )
    reservation_hold_s: float = Field(
        default=7200.0, gt=0, le=30 * 86_400, description="how long a pickup reservation holds, s"
    )
    reservation_safety_buffer_units: int = Field(
        default=2,
        ge=0,
        le=1000,
        description="units per product kept unreserved while central is unreachable",
    )
    reservation_sweep_interval_s: float = Field(
        default=15.0, gt=0, le=3600, description="pause between two expiry sweeps, s"
    )
    seed_stock_path: Path | None = Field(
        default=None,
        description="JSON file of initial store stock, applied once as receipt movements",
    )
    broker: BrokerSettings = Field(
        default_factory=BrokerSettings, description="the store's MQTT broker"
    )
    http: HttpSettings = Field(default_factory=HttpSettings, description="the hub's HTTP API")
    index: IndexSettings = Field(
        default_factory=IndexSettings, description="photo-search index builds and publishing"
    )
    tryon: TryOnSettings = Field(
        default_factory=TryOnSettings, description="try-on asset builds and shipping"
    )

    @field_validator("central_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"must be an http(s) URL with a host, got {value!r}")
        return value.rstrip("/")


@dataclass(frozen=True, slots=True)
class BrokerAddress:
    """A broker URL resolved to what an MQTT client needs (credentials included)."""

    host: str
    port: int
    tls: bool
    username: str | None
    password: str | None


def resolve_broker(broker: BrokerSettings, environ: Mapping[str, str]) -> BrokerAddress:
    """Resolves the broker settings to a host, port and credentials.

    The password comes from the URL when it carries one (flags only), else from the environment
    variable named by `password_env`.

    Args:
        broker: the broker settings.
        environ: the process environment (`os.environ`).

    Raises:
        ConfigInvalid: if there is a username but no password in the URL or the environment.
    """
    parts = urlsplit(broker.url)
    tls = parts.scheme == "mqtts"
    port = parts.port or (DEFAULT_MQTTS_PORT if tls else DEFAULT_MQTT_PORT)
    username = broker.username or (unquote(parts.username) if parts.username else None)
    password = unquote(parts.password) if parts.password else None
    if password is None:
        password = environ.get(broker.password_env)
    if username is not None and password is None:
        raise ConfigInvalid(
            [
                f"(environment) → broker.password_env → {broker.password_env!r} → "
                "environment variable is not set (the broker password goes there)"
            ]
        )
    return BrokerAddress(str(parts.hostname), port, tls, username, password)


def _redact(value: object) -> object:
    """Hides the password of a URL-like value so error lines never print secrets."""
    if isinstance(value, str) and "@" in value:
        parts = urlsplit(value)
        if parts.password:
            return value.replace(f":{parts.password}@", ":***@")
    return value


def _describe(path: str, exc: ValidationError) -> list[str]:
    problems = []
    for error in exc.errors():
        location = ".".join(str(part) for part in error["loc"]) or "(root)"
        value = "(missing)" if error["type"] == "missing" else repr(_redact(error.get("input")))
        problems.append(f"{path} → {location} → {value} → {error['msg']}")
    return problems


def build_settings(data: Mapping[str, Any], *, source: str) -> HubSettings:
    """Validates a settings mapping.

    Args:
        data: the raw settings (from a TOML file, flags, or both merged).
        source: what to name the origin in error lines (a file path or "flags").

    Raises:
        ConfigInvalid: listing every error as source → key path → value → message.
    """
    try:
        return HubSettings.model_validate(data)
    except ValidationError as exc:
        raise ConfigInvalid(_describe(source, exc)) from exc


def read_settings_file(path: Path) -> dict[str, Any]:
    """Reads a hub TOML file into a mapping, refusing a broker password written in it.

    Raises:
        ConfigInvalid: if the file is missing, is not TOML, or holds a password.
    """
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigInvalid([f"{path} → (file) → {str(path)!r} → cannot read: {exc}"]) from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigInvalid([f"{path} → (file) → TOML → {exc}"]) from exc
    url = data.get("broker", {}).get("url") if isinstance(data.get("broker"), dict) else None
    if isinstance(url, str) and urlsplit(url).password:
        raise ConfigInvalid(
            [f"{path} → broker.url → (redacted) → secrets never go in files: use password_env"]
        )
    return data


def load_settings(path: Path) -> HubSettings:
    """Loads and validates a hub TOML file (see `read_settings_file`, `build_settings`)."""
    return build_settings(read_settings_file(path), source=str(path))


def environment() -> Mapping[str, str]:
    """Returns the process environment (read at the composition root only)."""
    return os.environ
