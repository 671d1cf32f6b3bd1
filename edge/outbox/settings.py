"""Provides the outbox publisher's settings and counters (`PublisherSettings`, `PublisherStats`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from contracts.payloads import DeviceProfile
from edge.outbox.resend import ResendStats


@dataclass(frozen=True, slots=True)
class PublisherSettings:
    """Connection settings of one device (password read from the environment by the caller)."""

    store_id: str
    device_id: str
    profile: DeviceProfile
    host: str
    port: int
    username: str
    password: str
    tls: bool = False
    tls_ca_path: Path | None = None
    keepalive_s: int = 30
    reconnect_min_s: float = 0.5
    reconnect_max_s: float = 30.0

    def __post_init__(self) -> None:
        if not 0 < self.reconnect_min_s <= self.reconnect_max_s:
            raise ValueError("need 0 < reconnect_min_s <= reconnect_max_s")
        if not 0 < self.port < 65536:
            raise ValueError(f"port must be 1..65535, got {self.port}")

    def __repr__(self) -> str:
        return f"PublisherSettings({self.device_id}@{self.host}:{self.port}, tls={self.tls})"


@dataclass(frozen=True, slots=True)
class PublisherStats:
    """Counters of a publisher.

    Attributes:
        connected: a CONNACK accepted the current connection.
        connects: accepted connections so far.
        connection_failures: attempts that failed (refused, unreachable, lost).
        published: outbox rows handed to paho (re-sends by paho not counted).
        acknowledged: PUBACKs that deleted an outbox row.
        inflight: rows handed to paho and not yet acknowledged.
        callback_errors: exceptions caught inside paho callbacks.
        resend: counters of the resend command handling.
    """

    connected: bool
    connects: int
    connection_failures: int
    published: int
    acknowledged: int
    inflight: int
    callback_errors: int
    resend: ResendStats | None = None
