"""Provides `aisle broker`: runs the store's MQTT broker in the foreground until stopped."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from pathlib import Path

from aisle.broker import BrokerError, BrokerSpec, start_broker

DEFAULT_PASSWORD_ENV = "AISLE_MQTT_PASSWORD"


def build_parser() -> argparse.ArgumentParser:
    """Returns the argument parser of `aisle broker`."""
    parser = argparse.ArgumentParser(prog="aisle broker", description=__doc__)
    parser.add_argument("--kind", choices=["auto", "mosquitto", "amqtt"], default="auto")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=1883, help="TCP port (0 picks a free one)")
    parser.add_argument("--data-dir", type=Path, default=Path("var/broker"))
    parser.add_argument("--username", default="aisle")
    parser.add_argument(
        "--password-env",
        default=DEFAULT_PASSWORD_ENV,
        help="environment variable holding the password clients use",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Runs the broker until SIGINT or SIGTERM.

    Returns:
        0 after a clean stop, 2 when the password variable is unset, 1 when the broker fails.
    """
    args = build_parser().parse_args(argv)
    password = os.environ.get(args.password_env)
    if not password:
        print(f"aisle broker: set {args.password_env} to the broker password", file=sys.stderr)
        return 2
    spec = BrokerSpec(args.data_dir, args.username, password, host=args.host, port=args.port)
    try:
        broker = start_broker(spec, kind=args.kind)
    except BrokerError as exc:
        print(f"aisle broker: {exc}", file=sys.stderr)
        return 1
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    print(f"{broker.endpoint.kind} listening at {broker.endpoint.url_without_password}", flush=True)
    stop.wait()
    broker.stop()
    return 0
