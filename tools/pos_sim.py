"""Provides the POS simulator: a till that rings up deterministic sales and sends them to the hub
as `sale` events over MQTT, through the same durable outbox a kiosk uses.

Each sale is written to the till's outbox (SQLite, gap-free seq, kept until PUBACK) before it is
published, so a till killed mid-send delivers the rest when it starts again. Sales are drawn
from a store stock file (`hub/data/demo_store_stock.json` by default) with prices from the demo
catalog, from a seeded random generator: the same seed gives the same sales. `--expected` writes
the units sold per GTIN, which is what the hub's ledger must show as `sale` movements.

    AISLE_MQTT_PASSWORD=... python tools/pos_sim.py --broker-url mqtt://aisle@127.0.0.1:1883 \\
        --store demo --sales 50 --rate 5
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from contracts.gtin import to_gtin14  # noqa: E402
from contracts.payloads import SaleLine, SalePayload, payload_dict  # noqa: E402
from edge.outbox.publisher import OutboxPublisher, PublisherSettings  # noqa: E402
from edge.outbox.store import OutboxStore  # noqa: E402

DEFAULT_STOCK = REPO_ROOT / "hub" / "data" / "demo_store_stock.json"
DEFAULT_CATALOG = REPO_ROOT / "central" / "data" / "demo_catalog.json"
PASSWORD_ENV = "AISLE_MQTT_PASSWORD"
OUTBOX_BUDGET_BYTES = 50_000_000
DRAIN_TIMEOUT_S = 60.0


@dataclass(frozen=True, slots=True)
class Item:
    """A product the till can sell, with its price in minor units (None when unknown)."""

    gtin: str
    price_cents: int | None


def load_items(stock_path: Path, catalog_path: Path | None) -> list[Item]:
    """Reads the GTINs of a store stock file, priced from a catalog file when it has them.

    Raises:
        ValueError: if the stock file has no items.
    """
    stock = json.loads(stock_path.read_text(encoding="utf-8"))
    prices: dict[str, int] = {}
    if catalog_path is not None and catalog_path.is_file():
        catalog = json.loads(catalog_path.read_text(encoding="utf-8"))
        prices = {to_gtin14(p["gtin"]): int(p["price_cents"]) for p in catalog.get("products", [])}
    gtins = sorted({to_gtin14(str(item["gtin"])) for item in stock.get("items", [])})
    if not gtins:
        raise ValueError(f"{stock_path} lists no items")
    return [Item(gtin, prices.get(gtin)) for gtin in gtins]


def plan_sales(
    items: Sequence[Item],
    *,
    count: int,
    register: str,
    seed: int,
    max_lines: int = 3,
    max_units: int = 2,
) -> list[SalePayload]:
    """Draws `count` sales (1..max_lines lines of 1..max_units units) from `items`."""
    rng = random.Random(seed)
    sales = []
    for number in range(1, count + 1):
        lines = [
            SaleLine(
                gtin=item.gtin,
                quantity=rng.randint(1, max_units),
                unit_price_cents=item.price_cents,
            )
            for item in rng.sample(list(items), k=min(len(items), rng.randint(1, max_lines)))
        ]
        receipt = f"{seed}-{number:06d}"
        sales.append(SalePayload(till=register, receipt=receipt, lines=lines))
    return sales


def units_sold(sales: Sequence[SalePayload]) -> dict[str, int]:
    """Units sold per GTIN over `sales` (the ledger's expected `sale` totals, as positives)."""
    totals: dict[str, int] = {}
    for sale in sales:
        for line in sale.lines:
            totals[line.gtin] = totals.get(line.gtin, 0) + line.quantity
    return dict(sorted(totals.items()))


def publisher_settings(url: str, *, store: str, register: str, password: str) -> PublisherSettings:
    """Publisher settings for a till from `mqtt://[user@]host[:port]`."""
    parts = urlsplit(url)
    return PublisherSettings(
        store_id=store,
        device_id=register,
        profile="pos",
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 1883,
        username=unquote(parts.username or "aisle"),
        password=password,
        reconnect_min_s=0.2,
        reconnect_max_s=2.0,
    )


def ring_up(
    sales: Sequence[SalePayload],
    outbox: OutboxStore,
    publisher: OutboxPublisher,
    *,
    rate_per_s: float,
    stop: threading.Event,
) -> int:
    """Writes each sale to the outbox (paced at `rate_per_s`; 0: at once) and wakes the publisher.

    Returns:
        How many sales were written before `stop` was set.
    """
    written = 0
    for sale in sales:
        if stop.is_set():
            break
        outbox.append("sale", payload_dict(sale))
        publisher.notify()
        written += 1
        if rate_per_s > 0:
            stop.wait(1.0 / rate_per_s)
    return written


def build_parser() -> argparse.ArgumentParser:
    """The simulator's command line."""
    parser = argparse.ArgumentParser(prog="pos_sim.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--broker-url", required=True, help="mqtt://[user@]host[:port]")
    parser.add_argument("--store", required=True, help="store id")
    parser.add_argument("--register", default="pos-1", help="till id (the device id)")
    parser.add_argument("--outbox", type=Path, help="outbox file (default var/pos/<register>.db)")
    parser.add_argument("--stock-file", type=Path, default=DEFAULT_STOCK, help="store stock JSON")
    parser.add_argument("--catalog-file", type=Path, default=DEFAULT_CATALOG, help="prices")
    parser.add_argument("--sales", type=int, default=20, help="sales to ring up")
    parser.add_argument("--rate", type=float, default=0.0, help="sales per second (0: at once)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (same seed, same sales)")
    parser.add_argument("--expected", type=Path, help="write units sold per GTIN to this JSON")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the till until every sale is acknowledged by the broker.

    Returns:
        0 when every sale was delivered, 1 when some stay in the outbox, 2 for bad input.
    """
    args = build_parser().parse_args(argv)
    password = os.environ.get(PASSWORD_ENV)
    if not password:
        print(f"pos_sim: set {PASSWORD_ENV} to the broker password", file=sys.stderr)
        return 2
    try:
        items = load_items(args.stock_file, args.catalog_file)
    except (OSError, ValueError, KeyError) as exc:
        print(f"pos_sim: {exc}", file=sys.stderr)
        return 2
    sales = plan_sales(items, count=args.sales, register=args.register, seed=args.seed)
    if args.expected is not None:
        args.expected.write_text(json.dumps(units_sold(sales), indent=1))
    path = args.outbox or Path("var") / "pos" / f"{args.register}.db"
    outbox = OutboxStore(
        path, store_id=args.store, device_id=args.register, budget_bytes=OUTBOX_BUDGET_BYTES
    )
    settings = publisher_settings(
        args.broker_url, store=args.store, register=args.register, password=password
    )
    publisher = OutboxPublisher(outbox, settings)
    stop = threading.Event()
    thread = threading.Thread(target=publisher.run, args=(stop,), name="pos-publisher")
    thread.start()
    try:
        ring_up(sales, outbox, publisher, rate_per_s=args.rate, stop=stop)
        delivered = publisher.wait_drained(DRAIN_TIMEOUT_S)
    finally:
        stop.set()
        thread.join(DRAIN_TIMEOUT_S)
        depth = outbox.stats().depth
        outbox.close()
    print(json.dumps({"register": args.register, "sales": len(sales), "undelivered": depth}))
    return 0 if delivered and depth == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
