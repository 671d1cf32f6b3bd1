"""Provides the stored outcome of device photo searches: demand signals and their reads.

One row per search event that signals demand ("searched, no good match" or "searched but out of
stock here"), written in the ingest transaction of its event, so it exists at most once. The
search event itself is in `events` (type `search`) and its AI decision in `ai_audit`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlite_utils import Database

from contracts.envelope import Envelope
from contracts.payloads import SearchPayload
from hub.db import audit, catalog, stock
from hub.db.codec import from_db_time, from_json, to_db_time, to_json
from hub.domain.search import MatchFacts, SearchSignalKind, search_signal

SEARCH_SIGNAL_TABLES = (
    """
    CREATE TABLE search_signals (
        event_id TEXT PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('no_match', 'out_of_stock')),
        gtin TEXT,
        device TEXT NOT NULL,
        top_score REAL NOT NULL,
        threshold REAL NOT NULL,
        candidates TEXT NOT NULL,
        recorded_at TEXT NOT NULL
    )
    """,
    "CREATE INDEX search_signals_kind ON search_signals (kind, recorded_at)",
    "CREATE INDEX search_signals_gtin ON search_signals (gtin, kind)",
)


@dataclass(frozen=True, slots=True)
class SearchSignal:
    """One search that signals demand.

    Attributes:
        event_id: the `search` event.
        kind: "no_match" or "out_of_stock".
        gtin: the matched product (out of stock), or the best candidate (no match), if any.
        device: the device that searched.
        top_score: the search's best score.
        threshold: the threshold it was held against.
        candidates: the GTINs the device returned, best first.
    """

    event_id: str
    kind: SearchSignalKind
    gtin: str | None
    device: str
    top_score: float
    threshold: float
    candidates: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SearchDemand:
    """Searches of one kind about one product (or with no product), summed."""

    kind: SearchSignalKind
    gtin: str | None
    count: int
    devices: str
    last_seen: datetime


def record_search_signal(db: Database, signal: SearchSignal, *, now: datetime) -> bool:
    """Stores a signal (once per event). Returns False when the event already has one."""
    cursor = db.execute(
        "INSERT OR IGNORE INTO search_signals (event_id, kind, gtin, device, top_score,"
        " threshold, candidates, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            signal.event_id, signal.kind, signal.gtin, signal.device, signal.top_score,
            signal.threshold, to_json(list(signal.candidates)), to_db_time(now),
        ],
    )  # fmt: skip
    return cursor.rowcount == 1


def list_search_signals(db: Database, *, kind: str = "", limit: int = 100) -> list[SearchSignal]:
    """Signals newest first, optionally of one kind."""
    rows = db.execute(
        "SELECT event_id, kind, gtin, device, top_score, threshold, candidates"
        " FROM search_signals WHERE (? = '' OR kind = ?) ORDER BY recorded_at DESC, event_id"
        " LIMIT ?",
        [kind, kind, limit],
    ).fetchall()
    return [
        SearchSignal(r[0], r[1], r[2], r[3], float(r[4]), float(r[5]), tuple(from_json(r[6])))
        for r in rows
    ]


def search_demand(db: Database, *, since: datetime, limit: int = 1000) -> list[SearchDemand]:
    """Signals since `since`, summed per kind and product, most frequent first."""
    rows = db.execute(
        "SELECT kind, gtin, COUNT(*), group_concat(DISTINCT device), MAX(recorded_at)"
        " FROM search_signals WHERE recorded_at >= ? GROUP BY kind, gtin"
        " ORDER BY COUNT(*) DESC, MAX(recorded_at) DESC LIMIT ?",
        [to_db_time(since), limit],
    ).fetchall()
    return [SearchDemand(r[0], r[1], int(r[2]), str(r[3]), from_db_time(r[4])) for r in rows]


def match_facts(db: Database, gtin: str) -> MatchFacts | None:
    """The hub's facts about a search's product; None when the catalog does not hold it."""
    record = catalog.get_product(db, gtin)
    if record is None:
        return None
    product = record.product
    return MatchFacts(gtin, product.name, product.price_cents, stock.on_hand(db, gtin))


def _device_profile(db: Database, device: str) -> str | None:
    row = db.execute("SELECT profile FROM devices WHERE id = ?", [device]).fetchone()
    return None if row is None or row[0] is None else str(row[0])


def search_decision(
    envelope: Envelope, body: SearchPayload, *, profile: str | None
) -> audit.AiDecision:
    """The AI audit row of a search: model, input hash, score, threshold, what it drove."""
    best = None if body.abstained or not body.hits else body.hits[0].gtin
    return audit.AiDecision(
        kind="search",
        action="glasses_answer" if profile == "glasses" else "search_results",
        model_name=body.model_name,
        model_version=body.model_version,
        model_sha256=body.model_sha256,
        input_sha256=body.input_sha256,
        approved_by=f"{audit.AUTO_APPROVED}:calibrated threshold",
        subject=best,
        score=body.top_score,
        threshold=body.threshold,
        output={
            "abstained": body.abstained,
            "hits": [[hit.gtin, hit.score] for hit in body.hits[:5]],
            "confidence": body.confidence,
            "index_version": body.index_version,
            "trigger": body.trigger,
            "crop": body.crop,
        },
        device=envelope.device,
        event_id=envelope.id,
    )


def apply_search(db: Database, envelope: Envelope, body: SearchPayload, *, now: datetime) -> None:
    """Records a search's demand signal (if it signals one) and its AI decision.

    Runs inside the ingest transaction of its event.
    """
    best = match_facts(db, body.hits[0].gtin) if body.hits else None
    kind = search_signal(abstained=body.abstained, best=best)
    if kind is not None:
        gtin = body.hits[0].gtin if body.hits else None
        signal = SearchSignal(
            envelope.id,
            kind,
            gtin,
            envelope.device,
            body.top_score,
            body.threshold,
            tuple(hit.gtin for hit in body.hits),
        )
        record_search_signal(db, signal, now=now)
    decision = search_decision(envelope, body, profile=_device_profile(db, envelope.device))
    audit.record_ai_decision(db, decision, now=now)
