"""Provides the device side of `aisle bench ingest`: a process that publishes scan events at QoS 1.

Run by the benchmark as its own process (`python -m aisle.bench.ingest_load ...`) so the devices
do not share the hub's interpreter. It speaks MQTT 3.1.1 over a plain socket (CONNECT, PUBLISH
QoS 1, PUBACK) rather than through paho: a Python client tops out near the hub's own rate, and
the benchmark measures the hub, not the load generator. At most `WINDOW` messages are
unacknowledged at a time. Events are spread round-robin over `--devices` devices, each with its
own gap-free seq. With `--rate 0` they go out as fast as the broker takes them (envelopes built
up front); with a rate, each envelope is stamped at its send time, so the hub can measure
device-to-ledger latency from `ts`. The password comes from an environment variable.
"""

from __future__ import annotations

import argparse
import os
import socket
import struct
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime

from contracts.envelope import ENVELOPE_VERSION, Envelope
from contracts.ids import new_ulid
from contracts.topics import events_topic

PASSWORD_ENV = "AISLE_BENCH_MQTT_PASSWORD"
WINDOW = 1000  # unacknowledged PUBLISH packets at most
ACK_TIMEOUT_S = 120.0
KEEPALIVE_S = 60
SCAN_GTINS = ("04006381333931", "05012345678900", "00036000291452")
PUBACK_SIZE = 4


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


def _length(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value % 128, value // 128
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _string(text: str) -> bytes:
    data = text.encode()
    return struct.pack("!H", len(data)) + data


def connect_packet(client_id: str, username: str, password: str) -> bytes:
    """An MQTT 3.1.1 CONNECT with clean session, username and password."""
    body = _string("MQTT") + bytes([4, 0xC2]) + struct.pack("!H", KEEPALIVE_S)
    body += _string(client_id) + _string(username) + _string(password)
    return b"\x10" + _length(len(body)) + body


def publish_packet(topic: str, packet_id: int, payload: bytes) -> bytes:
    """An MQTT PUBLISH at QoS 1."""
    body = _string(topic) + struct.pack("!H", packet_id) + payload
    return b"\x32" + _length(len(body)) + body


class RawPublisher:
    """One MQTT connection that publishes at QoS 1 and counts PUBACKs in a reader thread."""

    def __init__(self, host: str, port: int, *, username: str, password: str) -> None:
        self._sock = socket.create_connection((host, port))
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._sock.sendall(connect_packet(f"bench-load-{os.getpid()}", username, password))
        connack = self._sock.recv(4)
        if len(connack) != 4 or connack[0] != 0x20 or connack[3] != 0:
            raise ConnectionError(f"broker refused the load client: {connack!r}")
        self._window = threading.Semaphore(WINDOW)
        self.acked = 0
        self._done = threading.Event()
        self._expected = 0
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        pending = b""
        while True:
            try:
                chunk = self._sock.recv(65536)
            except OSError:
                return  # closed by send_all
            if not chunk:
                return
            pending += chunk
            count, rest = divmod(len(pending), PUBACK_SIZE)
            pending = pending[len(pending) - rest :]
            self.acked += count
            for _ in range(count):
                self._window.release()
            if self.acked >= self._expected:
                self._done.set()

    def send_all(self, packets: Iterator[bytes], count: int) -> int:
        """Sends `count` packets from `packets`; returns how many the broker acknowledged."""
        self._expected = count
        for packet in packets:
            self._window.acquire()
            self._sock.sendall(packet)
        self._done.wait(ACK_TIMEOUT_S)
        self._sock.sendall(b"\xe0\x00")  # DISCONNECT
        self._sock.close()
        return self.acked


def _packets(args: argparse.Namespace) -> Iterator[bytes]:
    devices = [f"load-{index}" for index in range(args.devices)]
    topics = [events_topic(args.store, device) for device in devices]
    start_s = time.monotonic()
    now = datetime.now(UTC)
    for index in range(args.count):
        device, seq = index % args.devices, index // args.devices + 1
        if args.rate > 0:
            delay_s = start_s + index / args.rate - time.monotonic()
            if delay_s > 0:
                time.sleep(delay_s)
            now = datetime.now(UTC)
        body = make_event(args.store, devices[device], seq, now)
        yield publish_packet(topics[device], index % 65535 + 1, body)


def publish(args: argparse.Namespace) -> int:
    """Publishes `args.count` events; returns how many the broker acknowledged."""
    publisher = RawPublisher(
        args.host, args.port, username=args.username, password=os.environ[PASSWORD_ENV]
    )
    packets: Iterator[bytes] = _packets(args)
    if args.rate <= 0:
        packets = iter(list(packets))  # built up front: the send loop only writes
    return publisher.send_all(packets, args.count)


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
