"""Provides the device side of `aisle bench ingest`: a process that publishes scan events at QoS 1.

Run by the benchmark as its own process (`python -m aisle.bench.ingest_load ...`) so the devices
do not share the hub's interpreter. Events are spread round-robin over `--devices` devices, each
with its own gap-free seq. With `--rate 0` they go out as fast as the broker acknowledges them
(envelopes built up front); with a rate, each envelope is stamped at its send time, so the hub
can measure device-to-ledger latency from `ts`. The password comes from an environment variable.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from contracts.envelope import ENVELOPE_VERSION, Envelope
from contracts.ids import new_ulid
from contracts.topics import events_topic

PASSWORD_ENV = "AISLE_BENCH_MQTT_PASSWORD"
MAX_INFLIGHT = 1000
DRAIN_TIMEOUT_S = 120.0
SCAN_GTINS = ("04006381333931", "05012345678900", "00036000291452")


def make_event(store: str, device: str, seq: int, now: datetime) -> bytes:
    """One scan envelope (serialised) from `device` with sequence number `seq`."""
    gtin = SCAN_GTINS[seq % len(SCAN_GTINS)]
    envelope = Envelope(
        v=ENVELOPE_VERSION,
        id=new_ulid(int(now.timestamp() * 1000)),
        store=store,
        device=device,
        seq=seq,
        ts=now,
        type="scan",
        payload={
            "text": gtin[1:],
            "symbology": "ean13",
            "gtin": gtin,
            "engine": "zxing",
            "frames_confirmed": 3,
            "time_to_scan_ms": 95.0,
        },
    )
    return envelope.to_json_bytes()


def _connect(args: argparse.Namespace) -> mqtt.Client:
    client = mqtt.Client(
        callback_api_version=CallbackAPIVersion.VERSION2, client_id=f"bench-load-{os.getpid()}"
    )
    client.username_pw_set(args.username, os.environ[PASSWORD_ENV])
    client.max_inflight_messages_set(MAX_INFLIGHT)
    client.max_queued_messages_set(0)
    client.connect(args.host, args.port)
    client.loop_start()
    return client


def publish(args: argparse.Namespace) -> int:
    """Publishes `args.count` events; returns how many the broker acknowledged."""
    client = _connect(args)
    devices = [f"load-{index}" for index in range(args.devices)]
    topics = [events_topic(args.store, device) for device in devices]
    infos: list[mqtt.MQTTMessageInfo] = []
    start_s = time.monotonic()
    prebuilt = []
    if args.rate <= 0:
        now = datetime.now(UTC)
        prebuilt = [
            make_event(args.store, devices[i % args.devices], i // args.devices + 1, now)
            for i in range(args.count)
        ]
    for index in range(args.count):
        device_index, seq = index % args.devices, index // args.devices + 1
        if args.rate > 0:
            delay_s = start_s + index / args.rate - time.monotonic()
            if delay_s > 0:
                time.sleep(delay_s)
            body = make_event(args.store, devices[device_index], seq, datetime.now(UTC))
        else:
            body = prebuilt[index]
        infos.append(client.publish(topics[device_index], body, qos=1))
    deadline_s = time.monotonic() + DRAIN_TIMEOUT_S
    for info in infos:
        info.wait_for_publish(timeout=max(0.0, deadline_s - time.monotonic()))
    acknowledged = sum(1 for info in infos if info.is_published())
    client.disconnect()
    client.loop_stop()
    return acknowledged


def main(argv: Sequence[str] | None = None) -> int:
    """Publishes the load and prints how many events the broker acknowledged.

    Returns:
        0 when every event was acknowledged, 1 otherwise.
    """
    parser = argparse.ArgumentParser(prog="python -m aisle.bench.ingest_load", description=__doc__)
    parser.add_argument("--host", required=True, help="broker host")
    parser.add_argument("--port", type=int, required=True, help="broker port")
    parser.add_argument(
        "--username", required=True, help=f"broker user (password: ${PASSWORD_ENV})"
    )
    parser.add_argument("--store", required=True, help="store id")
    parser.add_argument("--devices", type=int, default=4, help="devices to spread events over")
    parser.add_argument("--count", type=int, required=True, help="events to publish")
    parser.add_argument("--rate", type=float, default=0.0, help="events per second (0: max)")
    args = parser.parse_args(argv)
    acknowledged = publish(args)
    print(acknowledged)
    return 0 if acknowledged == args.count else 1


if __name__ == "__main__":
    sys.exit(main())
