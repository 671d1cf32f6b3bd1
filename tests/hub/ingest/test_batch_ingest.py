"""Tests batched ingest: one transaction per batch, dedupe and seq inside a batch, a failing
message isolated from its batch, and back-pressure while the database is busy."""

from __future__ import annotations

from pathlib import Path

import pytest
from hub_builders import make_envelope, scan_payload
from hub_harness import Publisher, broker_address, utc_now, wait_until
from sqlite_utils import Database

from aisle.broker import BrokerEndpoint
from contracts.envelope import Envelope
from contracts.payloads import ScanPayload, WireModel
from contracts.topics import events_topic
from hub.db import repo
from hub.db.connection import open_database
from hub.ingest.effects import DEFAULT_EFFECTS, EffectContext
from hub.ingest.mqtt_ingest import MqttIngest
from hub.ingest.processor import EventProcessor


def _message(envelope: Envelope) -> tuple[str, bytes]:
    return events_topic(envelope.store, envelope.device), envelope.to_json_bytes()


def test_a_batch_dedupes_and_tracks_seq_within_itself(hub_db: Database, store_id: str) -> None:
    processor = EventProcessor(hub_db, store_id=store_id, clock=utc_now)
    one, three, two = (make_envelope(store_id, "kiosk-1", seq) for seq in (1, 3, 2))
    batch = [_message(e) for e in (one, one, three, two)] + [("aisle/x/dev/y/events", b"{")]

    outcomes = processor.handle_batch(batch)

    results = [(o.result, o.seq_outcome) for o in outcomes]
    assert results == [
        ("applied", "in_order"),
        ("duplicate", None),
        ("applied", "gap"),
        ("applied", "late_fill"),
        ("dead_letter", None),
    ]
    assert [e.seq for e in repo.recent_events(hub_db, limit=10)] == [2, 3, 1]
    (device,) = repo.list_devices(hub_db)
    assert (device.last_seq, device.events_applied, device.duplicates) == (3, 3, 1)
    (gap,) = repo.list_gaps(hub_db)
    assert (gap.from_seq, gap.to_seq, gap.filled) == (2, 2, True)
    assert processor.counters.batches == 1


def _fragile_scan(ctx: EffectContext, envelope: Envelope, body: WireModel) -> None:
    if isinstance(body, ScanPayload) and body.text == "explode":
        raise RuntimeError("effect bug")
    DEFAULT_EFFECTS["scan"](ctx, envelope, body)


@pytest.mark.allow_error_log
def test_a_message_failing_inside_a_batch_is_isolated_and_the_rest_applies(
    mqtt_broker: BrokerEndpoint, db_path: Path, hub_db: Database, store_id: str
) -> None:
    processor = EventProcessor(
        open_database(db_path, run_migrations=False),
        store_id=store_id,
        clock=utc_now,
        effects={"scan": _fragile_scan},
    )
    ingest = MqttIngest(broker_address(mqtt_broker), store_id=store_id, processor=processor)
    publisher = Publisher(mqtt_broker, f"pub-{store_id}")
    ingest.start()
    try:
        assert ingest.wait_subscribed(10)
        for seq in range(1, 21):
            text = "explode" if seq == 7 else "4006381333931"
            publisher.publish_event(
                make_envelope(store_id, "kiosk-1", seq, payload=scan_payload(text=text))
            )
        wait_until(lambda: processor.counters.processed >= 20)
    finally:
        publisher.close()
        ingest.stop()
    assert len(repo.recent_events(hub_db, limit=50)) == 19
    (letter,) = repo.list_dead_letters(hub_db, limit=5)
    assert letter.reason == "internal error: RuntimeError: effect bug"
    (gap,) = repo.list_gaps(hub_db)
    assert (gap.from_seq, gap.to_seq) == (7, 7)


def test_a_busy_database_holds_ingest_back_and_loses_nothing(
    mqtt_broker: BrokerEndpoint, db_path: Path, hub_db: Database, store_id: str
) -> None:
    processor = EventProcessor(
        open_database(db_path, run_migrations=False), store_id=store_id, clock=utc_now
    )
    ingest = MqttIngest(
        broker_address(mqtt_broker),
        store_id=store_id,
        processor=processor,
        max_batch=5,
        queue_max=5,
    )
    publisher = Publisher(mqtt_broker, f"pub-{store_id}")
    blocker = open_database(db_path, run_migrations=False)
    ingest.start()
    try:
        assert ingest.wait_subscribed(10)
        blocker.execute("BEGIN IMMEDIATE")  # another writer holds the lock
        for seq in range(1, 61):
            publisher.publish_event(make_envelope(store_id, "glasses-1", seq))
        wait_until(lambda: processor.counters.backpressure_waits > 0)
        assert ingest.queue_depth() <= 5
        blocker.execute("ROLLBACK")
        wait_until(lambda: processor.counters.applied >= 60)
    finally:
        blocker.close()
        publisher.close()
        ingest.stop()
    assert [e.seq for e in repo.recent_events(hub_db, limit=100)] == list(range(60, 0, -1))
    assert repo.list_gaps(hub_db) == []
