"""Provides `aisle hub propose-prices`: runs the price-proposal job over a hub database.

Proposals wait on the dashboard's Prices page (`/dashboard/prices`) for a manager; nothing here
changes a price. Prints a JSON summary: products checked, new, kept and superseded proposals.
Schedule it (cron, a systemd timer) or press "Check every product now" on the page.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from hub.db import pricing
from hub.db.connection import open_database
from hub.domain.pricing import PricingPolicy

EXIT_OK = 0


def propose_prices_main(argv: Sequence[str]) -> int:
    """Runs `aisle hub propose-prices --db DB [--window-days N]`; returns 0."""
    parser = argparse.ArgumentParser(prog="aisle hub propose-prices", description=__doc__)
    parser.add_argument("--db", type=Path, required=True, help="hub database file")
    parser.add_argument(
        "--window-days", type=int, default=PricingPolicy().window_days, help="sales window, days"
    )
    args = parser.parse_args(list(argv))
    policy = PricingPolicy(window_days=args.window_days)
    open_database(args.db).close()  # creates / migrates the file
    run = pricing.run_pricing_job(args.db, now=datetime.now(UTC), policy=policy)
    db = open_database(args.db, run_migrations=False)
    try:
        counts = pricing.count_by_state(db)
    finally:
        db.close()
    summary = {
        "products": run.products,
        "proposed": run.proposed,
        "kept": run.kept,
        "superseded": run.superseded,
        "open": counts.get("open", 0),
    }
    print(json.dumps(summary))
    return EXIT_OK
