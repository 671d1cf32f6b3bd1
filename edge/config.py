"""Provides the device config: `DeviceConfig`, its TOML loader and readable validation errors.

One file per device, `firmware_configs/<store>/<device>.toml`, loaded once in `edge.__main__` and
passed down; never mutated (`with_overrides` returns a new, validated copy). Relative paths in a
file resolve against the folder that holds the file, so a config works from any working folder.
Secrets are never in files: `broker.password_env` names the environment variable holding the
broker password, and a known default password is refused unless `dev_mode` is set.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import unquote, urlsplit

from pydantic import (
    AfterValidator,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from contracts.ids import check_identifier
from edge.config_base import ConfigModel, ConfigPath
from edge.errors import ConfigError
from edge.search_config import IndexConfig, PhotoSearchConfig

KNOWN_DEFAULT_PASSWORDS = frozenset(
    {"", "changeme", "change-me", "password", "admin", "secret", "mosquitto", "aisle", "public"}
)
MQTT_DEFAULT_PORTS = {"mqtt": 1883, "mqtts": 8883}
_VALUE_PREVIEW_CHARS = 60


class BrokerConfig(ConfigModel):
    """How the device reaches its store broker."""

    url: str = Field(
        description="mqtt://[user@]host[:port] or mqtts:// (TLS); never a password in the URL"
    )
    username: str | None = Field(
        default=None,
        min_length=1,
        max_length=128,
        description="broker account name (or give it in the URL as mqtt://user@host)",
    )
    password_env: str = Field(
        pattern=r"^[A-Z_][A-Z0-9_]*$",
        description="name of the environment variable holding the broker password",
    )
    tls_ca_path: ConfigPath | None = Field(
        default=None, description="CA bundle for mqtts://; None uses the system CAs"
    )
    keepalive_s: int = Field(default=30, ge=5, le=3600, description="MQTT keepalive, seconds")
    reconnect_min_s: float = Field(
        default=0.5, gt=0, le=60, description="first reconnect delay, seconds (doubles each try)"
    )
    reconnect_max_s: float = Field(
        default=30.0, gt=0, le=600, description="cap of the reconnect delay, seconds"
    )

    @field_validator("url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in MQTT_DEFAULT_PORTS:
            raise ValueError("scheme must be mqtt:// or mqtts://")
        if parts.password is not None:
            raise ValueError(
                "no password in the URL: name its environment variable in password_env"
            )
        if not parts.hostname:
            raise ValueError("URL has no host")
        if parts.path not in ("", "/") or parts.query or parts.fragment:
            raise ValueError("URL must be scheme://host[:port] only")
        _ = parts.port  # raises ValueError for a port out of range
        return value

    @model_validator(mode="after")
    def _consistent(self) -> BrokerConfig:
        if self.reconnect_max_s < self.reconnect_min_s:
            raise ValueError("reconnect_max_s must be >= reconnect_min_s")
        raw_user = urlsplit(self.url).username
        url_user = None if raw_user is None else unquote(raw_user)
        if url_user is None and self.username is None:
            raise ValueError("set broker.username (or give it in the URL as mqtt://user@host)")
        if url_user is not None and self.username is not None and url_user != self.username:
            raise ValueError(f"URL names user {url_user!r} but username is {self.username!r}")
        return self

    @property
    def login_name(self) -> str:
        """The broker account name: from the URL when it names one, else `username`."""
        return unquote(urlsplit(self.url).username or self.username or "")

    @property
    def host(self) -> str:
        """Broker host name or address."""
        return urlsplit(self.url).hostname or ""

    @property
    def port(self) -> int:
        """Broker TCP port (1883 for mqtt://, 8883 for mqtts:// unless given)."""
        parts = urlsplit(self.url)
        return parts.port or MQTT_DEFAULT_PORTS[parts.scheme]

    @property
    def tls(self) -> bool:
        """True for mqtts:// URLs."""
        return urlsplit(self.url).scheme == "mqtts"


class SourceConfig(ConfigModel):
    """Where frames come from: a live camera, a video file or a replay fixture."""

    kind: Literal["camera", "video", "replay"] = Field(description="frame source type")
    camera: int | str | None = Field(
        default=None, description="kind=camera: device index (0, 1, ...) or stream URL"
    )
    path: ConfigPath | None = Field(
        default=None, description="kind=video: video file; kind=replay: fixture folder"
    )
    width_px: int | None = Field(
        default=None, ge=16, le=7680, description="frame width; None keeps the source's width"
    )
    height_px: int | None = Field(
        default=None, ge=16, le=4320, description="frame height; None keeps the source's height"
    )
    fps: float = Field(
        default=15.0, gt=0, le=240, description="frames per second; faster recordings are thinned"
    )
    realtime: bool = Field(
        default=False, description="video/replay: pace frames by their timestamps (else ASAP)"
    )
    loop: bool = Field(default=False, description="video/replay: start again at the end")

    @field_validator("camera")
    @classmethod
    def _index_as_int(cls, value: int | str | None) -> int | str | None:
        # "0" in a file means device 0; OpenCV would read the string as a file name.
        return int(value) if isinstance(value, str) and value.isdigit() else value

    @model_validator(mode="after")
    def _fields_for_kind(self) -> SourceConfig:
        if self.kind == "camera":
            if self.camera is None:
                raise ValueError("kind=camera needs `camera` (an index or a stream URL)")
            if self.path is not None:
                raise ValueError("kind=camera takes `camera`, not `path`")
        elif self.path is None:
            raise ValueError(f"kind={self.kind} needs `path`")
        if (self.width_px is None) != (self.height_px is None):
            raise ValueError("set both width_px and height_px, or neither")
        return self


class ScanConfig(ConfigModel):
    """Multi-frame consensus: how many frames must agree before a scan is emitted."""

    consensus_frames: int = Field(
        default=3, ge=1, le=60, description="agreeing frames needed to confirm a code"
    )
    window_frames: int = Field(
        default=5, ge=1, le=120, description="sliding window, frames, the agreeing reads must be in"
    )
    rearm_after_frames: int = Field(
        default=15,
        ge=1,
        le=10_000,
        description="frames a confirmed code must be absent before it can be emitted again",
    )

    @model_validator(mode="after")
    def _window_holds_consensus(self) -> ScanConfig:
        if self.window_frames < self.consensus_frames:
            raise ValueError("window_frames must be >= consensus_frames")
        return self


class OutboxConfig(ConfigModel):
    """The durable device outbox (SQLite) events are written to before they are published."""

    path: ConfigPath = Field(description="SQLite file of the outbox (created if missing)")
    budget_mb: float = Field(
        gt=0, le=100_000, description="disk budget, megabytes; see firmware_configs/README.md"
    )


def _identifier(kind: str) -> AfterValidator:
    return AfterValidator(lambda value: check_identifier(kind, value))


class DeviceConfig(ConfigModel):
    """Everything one edge device needs to run; one TOML file per device."""

    store_id: Annotated[str, _identifier("store")] = Field(description="store id")
    device_id: Annotated[str, _identifier("device")] = Field(
        description="device id, unique in the store; also the MQTT client id"
    )
    profile: Literal["kiosk", "glasses"] = Field(description="device profile")
    dev_mode: bool = Field(
        default=False, description="development only: accept known default passwords"
    )
    broker: BrokerConfig = Field(description="store broker connection")
    source: SourceConfig = Field(description="frame source")
    scan: ScanConfig = Field(default_factory=ScanConfig, description="barcode consensus")
    outbox: OutboxConfig = Field(description="durable event outbox")
    frame_queue_frames: int = Field(
        default=4, ge=1, le=256, description="frames buffered before decoding; oldest dropped"
    )
    state_interval_s: float = Field(
        default=5.0, gt=0, le=3600, description="period of the retained state message, seconds"
    )
    index: IndexConfig | None = Field(
        default=None, description="photo-search index updates from the hub; None: none"
    )
    search: PhotoSearchConfig | None = Field(
        default=None, description="photo search on this device; None: off"
    )


def format_problem(file: Path | str, key_path: str, value: object, message: str) -> str:
    """Formats one config problem as `file -> key.path -> value -> message`."""
    shown = repr(value)
    if len(shown) > _VALUE_PREVIEW_CHARS:
        shown = shown[: _VALUE_PREVIEW_CHARS - 3] + "..."
    return f"{file} -> {key_path} -> {shown} -> {message}"


def _validation_problems(file: Path, exc: ValidationError) -> list[str]:
    problems = []
    for error in exc.errors():
        key_path = ".".join(str(part) for part in error["loc"]) or "(root)"
        value = "(missing)" if error["type"] == "missing" else error.get("input")
        message = error["msg"].removeprefix("Value error, ")
        problems.append(format_problem(file, key_path, value, message))
    return problems


def broker_password(config: DeviceConfig, environ: Mapping[str, str] | None = None) -> str:
    """Reads the broker password from the environment variable the config names.

    Args:
        config: the device config.
        environ: the environment to read; defaults to `os.environ`.

    Returns:
        The password.

    Raises:
        ConfigError: if the variable is unset, or holds a known default password outside dev mode.
    """
    env = os.environ if environ is None else environ
    name = config.broker.password_env
    key_path = "broker.password_env"
    if name not in env:
        raise ConfigError(
            [format_problem("(environment)", key_path, name, "environment variable is not set")]
        )
    password = env[name]
    if password.strip().lower() in KNOWN_DEFAULT_PASSWORDS and not config.dev_mode:
        message = "holds a known default or empty password; set a real one (or dev_mode = true)"
        raise ConfigError([format_problem("(environment)", key_path, name, message)])
    return password


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(
            [format_problem(path, "(file)", str(path), f"cannot read: {exc}")]
        ) from exc
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([format_problem(path, "(toml)", "-", f"not valid TOML: {exc}")]) from exc


def load_device_config(
    path: Path, *, environ: Mapping[str, str] | None = None, check_secrets: bool = True
) -> DeviceConfig:
    """Loads and validates one device config file.

    Args:
        path: the TOML file; relative paths inside it resolve against its folder.
        environ: environment for the secret check; defaults to `os.environ`.
        check_secrets: also check that the password variable is set and not a default.

    Returns:
        The validated, frozen config.

    Raises:
        ConfigError: listing every problem as `file -> key.path -> value -> message`.
    """
    data = _read_toml(path)
    try:
        config = DeviceConfig.model_validate(data, context={"base_dir": path.resolve().parent})
    except ValidationError as exc:
        raise ConfigError(_validation_problems(path, exc)) from exc
    if check_secrets:
        try:
            broker_password(config, environ)
        except ConfigError as exc:
            problems = [line.replace("(environment)", str(path), 1) for line in exc.problems]
            raise ConfigError(problems) from exc
    return config


def with_overrides(
    config: DeviceConfig,
    *,
    replay_path: Path | None = None,
    realtime: bool | None = None,
    loop: bool | None = None,
    broker_url: str | None = None,
    outbox_path: Path | None = None,
    index_folder: Path | None = None,
) -> DeviceConfig:
    """Returns a validated copy of `config` with command-line overrides applied.

    Args:
        config: the loaded config.
        replay_path: play this replay fixture instead of the configured source.
        realtime: pace video/replay frames by their timestamps (True) or as fast as possible.
        loop: play a video/replay again from the start at its end.
        broker_url: connect to this broker URL instead.
        outbox_path: keep the outbox in this SQLite file instead.
        index_folder: keep index versions in this folder instead (devices with `[index]`).

    Raises:
        ConfigError: if the result is invalid (e.g. a malformed broker URL).
    """
    data = config.model_dump()
    if replay_path is not None:
        data["source"].update(kind="replay", path=replay_path, camera=None)
    if realtime is not None:
        data["source"]["realtime"] = realtime
    if loop is not None:
        data["source"]["loop"] = loop
    if broker_url is not None:
        data["broker"]["url"] = broker_url
        data["broker"]["username"] = None  # the new URL's user, else the file's, wins below
        if urlsplit(broker_url).username is None:
            data["broker"]["username"] = config.broker.login_name
    if outbox_path is not None:
        data["outbox"]["path"] = outbox_path
    if index_folder is not None and data.get("index") is not None:
        data["index"]["folder"] = index_folder
    try:
        return DeviceConfig.model_validate(data, context={"base_dir": Path.cwd()})
    except ValidationError as exc:
        raise ConfigError(_validation_problems(Path("(overrides)"), exc)) from exc


def device_config_schema() -> dict[str, Any]:
    """The JSON Schema of `DeviceConfig` (what `aisle edge --schema` prints)."""
    return DeviceConfig.model_json_schema()
