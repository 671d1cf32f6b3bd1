"""Provides `Reconciler`: one reconciliation run with central, and the loop that repeats it.

A run: pulls central's change feed (catalog, prices, online stock), folds the ledger into fresh
snapshots, reads central's view of this store's stock, queues the ledger's on-hand for central
in the hub outbox (idempotency key `availability-<store>-m<last movement id>`: the same ledger
state is never queued twice), then checks every kind of discrepancy and stores the report. When
central is unreachable the run still checks what it can locally and says what it could not.
The hub acts on its own only where it owns the data (`hub.domain.ownership`); everything else is
a proposal for staff.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlite_utils import Database

from contracts.catalog import StoreAvailability, StoreAvailabilityItem
from hub.catalog.client import CentralClient
from hub.catalog.sync import CatalogSync
from hub.db import catalog, pricing, reconciliation, shelf, stock
from hub.db.connection import write_transaction
from hub.domain import reconciliation as checks
from hub.domain import stuck
from hub.domain.ownership import may_write
from hub.domain.reconciliation import AvailabilityInput, Finding
from hub.errors import CatalogProtocolError, CatalogUnavailable
from hub.outbox import store as outbox
from hub.outbox.store import OutboxWrite

logger = logging.getLogger(__name__)

ORDER_STUCK_AFTER = timedelta(minutes=10)
RESERVATION_GRACE = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class RunReport:
    """The result of one run: its id, summary and findings."""

    run_id: int
    summary: reconciliation.RunSummary
    findings: tuple[Finding, ...]


@dataclass(slots=True)
class _Central:
    """What the run learned from central."""

    reachable: bool
    cursor_before: int
    cursor_after: int
    applied: int
    availability: dict[str, int] | None
    errors: list[str]


class Reconciler:
    """Runs reconciliation for one store.

    Args:
        db: the database connection this reconciler owns.
        client: the central client (availability reads).
        sync: the catalog sync to pull the change feed with (its own connection).
        store_id: this hub's store.
        clock: returns the current UTC time.
        on_push: called after an availability push was queued (wakes the outbox sender).
    """

    def __init__(
        self,
        db: Database,
        *,
        client: CentralClient,
        sync: CatalogSync,
        store_id: str,
        clock: Callable[[], datetime],
        on_push: Callable[[], None] = lambda: None,
    ) -> None:
        self._db = db
        self._client = client
        self._sync = sync
        self._store_id = store_id
        self._clock = clock
        self._on_push = on_push

    def run_once(self) -> RunReport:
        """Runs one reconciliation and stores its report."""
        with write_transaction(self._db):
            run_id = reconciliation.start_run(self._db, self._clock())
        central = self._talk_to_central()
        with write_transaction(self._db):
            stock.take_snapshots(self._db, self._clock())
        with write_transaction(self._db):
            earlier_push = reconciliation.latest_push_state(self._db)
            moved = self._ledger_moved()
            push_key, items = self._queue_push(run_id, central.availability)
            findings = self._check(central, push_key, earlier_push, moved)
            summary = reconciliation.RunSummary(
                central.reachable,
                central.cursor_before,
                central.cursor_after,
                central.applied,
                push_key,
                items,
                "; ".join(central.errors) or None,
            )
            reconciliation.finish_run(self._db, run_id, summary, findings, self._clock())
        if push_key is not None:
            self._on_push()
        return RunReport(run_id, summary, tuple(findings))

    def _talk_to_central(self) -> _Central:
        before = catalog.load_sync_state(self._db).cursor
        central = _Central(True, before, before, 0, None, [])
        try:
            report = self._sync.run_once()
            central.cursor_after, central.applied = report.cursor, report.applied
            rows = self._client.store_availability(self._store_id)
            central.availability = {row.gtin: row.on_hand for row in rows}
        except (CatalogUnavailable, CatalogProtocolError) as exc:
            central.reachable = False
            central.errors.append(f"central not reached, availability not compared: {exc}")
            central.cursor_after = catalog.load_sync_state(self._db).cursor
        return central

    def _queue_push(self, run_id: int, central: dict[str, int] | None) -> tuple[str | None, int]:
        if not may_write("store_on_hand", "hub"):
            return None, 0
        ledger = self._known_ledger()
        key = self._ledger_key()
        if outbox.by_key(self._db, key) is not None:
            differs = central is not None and any(
                central.get(gtin) != max(0, units) for gtin, units in ledger.items()
            )
            if not differs or reconciliation.latest_push_state(self._db) == "pending":
                return None, 0
            key = f"{key}-r{run_id}"  # central drifted from a delivered push: correct it
        if not ledger:
            return None, 0
        items = [StoreAvailabilityItem(gtin=g, on_hand=max(0, u)) for g, u in ledger.items()]
        body = StoreAvailability(as_of=self._clock(), items=items)
        path = f"/v1/stores/{self._store_id}/availability"
        write = OutboxWrite("availability", key, "PUT", path, body.model_dump_json(), None)
        outbox.enqueue(self._db, write, now=self._clock())
        return key, len(items)

    def _known_ledger(self) -> dict[str, int]:
        ledger = stock.on_hand_all(self._db)
        known = reconciliation.catalog_prices(self._db, ledger)
        return {gtin: units for gtin, units in ledger.items() if gtin in known}

    def _ledger_moved(self) -> bool:
        return outbox.by_key(self._db, self._ledger_key()) is None

    def _ledger_key(self) -> str:
        return f"availability-{self._store_id}-m{reconciliation.last_movement_id(self._db)}"

    def _check(
        self, central: _Central, push_key: str | None, earlier_push: str | None, moved: bool
    ) -> list[Finding]:
        db, now = self._db, self._clock()
        ledger = stock.on_hand_all(db)
        known = reconciliation.catalog_prices(db, ledger)
        findings: list[Finding] = []
        if central.availability is not None:
            data = AvailabilityInput(
                {g: u for g, u in ledger.items() if g in known},
                central.availability,
                push_key,
                earlier_push,
                moved,
            )
            findings += checks.availability_findings(data)
        prices = shelf.shelf_prices(db)
        central_prices = reconciliation.catalog_prices(db, [p.gtin for p in prices])
        rows = [(p.gtin, p.price_cents, p.source, p.source_event) for p in prices]
        store_prices = pricing.store_prices_of(db, central_prices)
        findings += checks.price_findings(rows, central_prices, store_prices)
        unknown_units = {g: u for g, u in ledger.items() if g not in known}
        findings += checks.unknown_gtin_findings(
            reconciliation.unknown_demand(db), unknown_units, cursor=central.cursor_after
        )
        findings += checks.gap_findings(reconciliation.open_gaps(db))
        findings += self._stuck(now, ledger, reachable=central.reachable)
        return findings

    def _stuck(self, now: datetime, ledger: dict[str, int], *, reachable: bool) -> list[Finding]:
        db = self._db
        flags = [(f.gtin, f.on_hand, f.opened_by, f.opened_at) for f in stock.list_flags(db)]
        seen = [(s.gtin, s.units_seen, s.source_event) for s in shelf.latest_sightings(db)]
        return [
            *stuck.order_findings(
                reconciliation.queued_orders(db),
                now=now,
                stuck_after=ORDER_STUCK_AFTER,
                central_reachable=reachable,
            ),
            *stuck.reservation_findings(
                reconciliation.open_reservations(db), now=now, grace=RESERVATION_GRACE
            ),
            *stuck.negative_findings(flags),
            *stuck.shelf_findings(seen, ledger),
        ]

    def run_forever(self, stop: threading.Event, *, interval_s: float) -> None:
        """Reconciles every `interval_s` until `stop` is set (the body of its thread)."""
        while not stop.is_set():
            try:
                report = self.run_once()
                logger.info(
                    "reconciliation run=%d findings=%d push=%s",
                    report.run_id,
                    len(report.findings),
                    report.summary.availability_key,
                )
            except Exception:
                logger.exception("reconciliation run failed")
            stop.wait(interval_s)
