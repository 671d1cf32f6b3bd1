"""Provides the MQTT topic tree: builders for every topic and a parser for device topics.

Tree (store and device ids match `^[A-Za-z0-9_-]{1,64}$`):
    aisle/{store}/dev/{device}/events   device -> hub, QoS 1, envelopes
    aisle/{store}/dev/{device}/state    device -> all, retained, last will `offline`
    aisle/{store}/dev/{device}/cmd      hub -> device, QoS 1
    aisle/{store}/dev/{device}/answer   hub -> device, short answers (glasses HUD)
    aisle/{store}/dev/{device}/index    device -> hub, index manifest/chunk requests
    aisle/{store}/catalog/{name}        hub -> devices, retained manifests and deltas
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from contracts.errors import ContractError
from contracts.ids import check_identifier

ROOT = "aisle"
DeviceChannel = Literal["events", "state", "cmd", "answer", "index"]
DEVICE_CHANNELS: tuple[DeviceChannel, ...] = ("events", "state", "cmd", "answer", "index")


def device_topic(store: str, device: str, channel: DeviceChannel) -> str:
    """Builds `aisle/{store}/dev/{device}/{channel}` after checking both ids."""
    check_identifier("store", store)
    check_identifier("device", device)
    return f"{ROOT}/{store}/dev/{device}/{channel}"


def events_topic(store: str, device: str) -> str:
    """Topic a device publishes its events on (QoS 1)."""
    return device_topic(store, device, "events")


def state_topic(store: str, device: str) -> str:
    """Retained topic holding a device's state; its last will publishes `offline` here."""
    return device_topic(store, device, "state")


def cmd_topic(store: str, device: str) -> str:
    """Topic the hub sends commands to one device on."""
    return device_topic(store, device, "cmd")


def answer_topic(store: str, device: str) -> str:
    """Topic the hub sends short answers on (the glasses' HUD and voice)."""
    return device_topic(store, device, "answer")


def catalog_topic(store: str, name: str) -> str:
    """Topic the hub publishes catalog manifests and deltas on (`name` is one level)."""
    check_identifier("store", store)
    check_identifier("catalog topic name", name)
    return f"{ROOT}/{store}/catalog/{name}"


def store_device_filter(store: str, channel: DeviceChannel) -> str:
    """Subscription filter for one channel of every device of a store."""
    check_identifier("store", store)
    return f"{ROOT}/{store}/dev/+/{channel}"


@dataclass(frozen=True, slots=True)
class DeviceTopic:
    """A parsed device topic."""

    store: str
    device: str
    channel: DeviceChannel


def parse_device_topic(topic: str) -> DeviceTopic:
    """Parses `aisle/{store}/dev/{device}/{channel}`.

    Raises:
        ContractError: if the topic is not a device topic of the tree above.
    """
    parts = topic.split("/")
    if len(parts) != 5 or parts[0] != ROOT or parts[2] != "dev":
        raise ContractError(f"not a device topic: {topic!r}")
    channel = parts[4]
    for known in DEVICE_CHANNELS:
        if channel == known:
            try:
                return DeviceTopic(
                    check_identifier("store", parts[1]), check_identifier("device", parts[3]), known
                )
            except ValueError as exc:
                raise ContractError(str(exc)) from exc
    raise ContractError(f"unknown device channel {channel!r} in {topic!r}")
