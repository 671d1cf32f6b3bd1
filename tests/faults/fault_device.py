"""A till process for the fault tests: rings up `--count` one-unit sales through the real device
outbox and publisher, resuming where its outbox left off when it is started again.

Sale number `seq` sells one unit of `GTINS[seq % len(GTINS)]`, so the hub's ledger can be
checked exactly. The outbox's last seq says how far an earlier (killed) run got: a restart never
rings up a sale twice, and the rows the killed run stored but had not seen acknowledged are
published again (the hub dedupes them). `--clock-offset-s` skews the device clock. With
`--serve`, the till stays connected after delivering (answering the hub's resend commands from
its sent archive) until SIGTERM. The broker password comes from `AISLE_MQTT_PASSWORD`.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT))

from edge.outbox.publisher import OutboxPublisher, PublisherSettings  # noqa: E402
from edge.outbox.store import OutboxStore, wall_clock_ms  # noqa: E402

GTINS = ("04012734004359", "05014521002622", "04066217008815")
DRAIN_S = 60.0


def sale(device: str, seq: int) -> dict[str, object]:
    """The payload of sale number `seq` of `device`."""
    line = {"gtin": GTINS[seq % len(GTINS)], "quantity": 1, "unit_price_cents": 249}
    return {"till": device, "receipt": f"{device}-{seq}", "lines": [line]}


def expected_units(count: int) -> dict[str, int]:
    """Units per GTIN that sales 1..count sell."""
    units: dict[str, int] = {}
    for seq in range(1, count + 1):
        gtin = GTINS[seq % len(GTINS)]
        units[gtin] = units.get(gtin, 0) + 1
    return units


def parse_args() -> argparse.Namespace:
    """The till's command line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--username", required=True)
    parser.add_argument("--store", required=True)
    parser.add_argument("--device", required=True)
    parser.add_argument("--outbox", type=Path, required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--rate", type=float, default=200.0, help="sales per second")
    parser.add_argument("--clock-offset-s", type=float, default=0.0)
    parser.add_argument("--serve", action="store_true", help="stay connected until SIGTERM")
    return parser.parse_args()


def open_till(args: argparse.Namespace) -> tuple[OutboxStore, OutboxPublisher]:
    """The till's outbox (its clock skewed as asked) and its publisher."""
    offset_ms = int(args.clock_offset_s * 1000)
    outbox = OutboxStore(
        args.outbox,
        store_id=args.store,
        device_id=args.device,
        budget_bytes=50_000_000,
        clock_ms=lambda: wall_clock_ms() + offset_ms,
    )
    settings = PublisherSettings(
        store_id=args.store,
        device_id=args.device,
        profile="pos",
        host=args.host,
        port=args.port,
        username=args.username,
        password=os.environ["AISLE_MQTT_PASSWORD"],
        reconnect_min_s=0.1,
        reconnect_max_s=0.5,
    )
    return outbox, OutboxPublisher(outbox, settings)


def main() -> int:
    """Rings up the sales still missing from the outbox, then waits until all are delivered."""
    args = parse_args()
    outbox, publisher = open_till(args)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    thread = threading.Thread(target=publisher.run, args=(stop,), daemon=True)
    thread.start()
    start_s = time.monotonic()
    first = outbox.stats().last_seq + 1
    for index, seq in enumerate(range(first, args.count + 1)):
        outbox.append("sale", sale(args.device, seq))
        publisher.notify()
        delay_s = start_s + (index + 1) / args.rate - time.monotonic()
        if delay_s > 0:
            time.sleep(delay_s)
    delivered = publisher.wait_drained(DRAIN_S)
    print(f"device {args.device}: delivered={delivered}", flush=True)
    if args.serve:
        stop.wait()
    resend = publisher.stats().resend
    if resend is not None:
        print(f"resend_commands_seen={resend.commands} resent={resend.resent}", flush=True)
    stop.set()
    thread.join(DRAIN_S)
    print(f"device {args.device}: last_seq={outbox.stats().last_seq} delivered={delivered}")
    outbox.close()
    return 0 if delivered else 1


if __name__ == "__main__":
    sys.exit(main())
