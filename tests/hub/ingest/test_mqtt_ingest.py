"""Tests the hub's ingest against a real mosquitto: dedupe, dead letters, seq gaps, state."""

from __future__ import annotations

import json
from pathlib import Path

from hub_builders import OAT_MILK, UNKNOWN_GTIN, make_envelope, scan_payload
from hub_harness import Publisher, RunningIngest, start_ingest
from sqlite_utils import Database

from aisle.broker import BrokerEndpoint
from contracts.topics import events_topic, state_topic
from hub.db import repo, stock

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "payloads"


def test_duplicate_delivery_changes_nothing(
    running_ingest: RunningIngest, publisher: Publisher, hub_db: Database, store_id: str
) -> None:
    first = make_envelope(store_id, "kiosk-1", 1)
    publisher.publish_event(first)
    running_ingest.wait_received(1)
    before = hub_db.execute("SELECT * FROM events").fetchall()

    publisher.publish_event(first)
    # The same event re-serialised with keys in another order is the same event.
    reordered = json.dumps(json.loads(first.to_json_bytes()), sort_keys=False, indent=1)
    publisher.publish(events_topic(store_id, "kiosk-1"), reordered.encode())
    publisher.publish_event(make_envelope(store_id, "kiosk-1", 2))
    running_ingest.wait_received(4)

    rows = hub_db.execute("SELECT id, seq FROM events ORDER BY pos").fetchall()
    assert rows == [(first.id, 1), (rows[1][0], 2)]
    assert hub_db.execute("SELECT * FROM events WHERE id = ?", [first.id]).fetchall() == before
    (device,) = repo.list_devices(hub_db)
    assert (device.events_applied, device.duplicates, device.last_seq) == (2, 2, 2)
    assert running_ingest.processor.counters.duplicates == 2
    assert repo.list_gaps(hub_db) == []


def test_malformed_messages_become_dead_letters_and_the_next_event_applies(
    running_ingest: RunningIngest, publisher: Publisher, hub_db: Database, store_id: str
) -> None:
    topic = events_topic(store_id, "kiosk-1")
    publisher.publish(topic, b"\xff\xfenot json at all")
    bad_payload = make_envelope(store_id, "kiosk-1", 1, payload=scan_payload(text=""))
    publisher.publish(topic, bad_payload.to_json_bytes())
    wrong_device = make_envelope(store_id, "glasses-9", 1)
    publisher.publish(topic, wrong_device.to_json_bytes())
    good = make_envelope(store_id, "kiosk-1", 1)
    publisher.publish_event(good)
    running_ingest.wait_received(4)

    letters = repo.list_dead_letters(hub_db, limit=10)
    reasons = [letter.reason for letter in reversed(letters)]
    assert len(reasons) == 3
    assert reasons[0].startswith("not UTF-8 JSON")
    assert "invalid scan payload: text" in reasons[1]
    assert "envelope device 'glasses-9' != topic device 'kiosk-1'" in reasons[2]
    assert letters[-1].payload == b"\xff\xfenot json at all"
    assert all(letter.topic == topic for letter in letters)
    assert [event.id for event in repo.recent_events(hub_db, limit=5)] == [good.id]


def test_seq_gap_is_recorded_and_filled_by_late_arrivals(
    running_ingest: RunningIngest, publisher: Publisher, hub_db: Database, store_id: str
) -> None:
    for seq in (1, 5):
        publisher.publish_event(make_envelope(store_id, "glasses-1", seq))
    running_ingest.wait_received(2)
    (gap,) = repo.list_gaps(hub_db)
    assert (gap.device, gap.from_seq, gap.to_seq, gap.filled) == ("glasses-1", 2, 4, False)

    publisher.publish_event(make_envelope(store_id, "glasses-1", 3))
    running_ingest.wait_received(3)
    still_open = [(g.from_seq, g.to_seq) for g in repo.list_gaps(hub_db) if not g.filled]
    assert still_open == [(2, 2), (4, 4)]

    for seq in (2, 4):
        publisher.publish_event(make_envelope(store_id, "glasses-1", seq))
    running_ingest.wait_received(5)
    gaps = repo.list_gaps(hub_db)
    assert all(g.filled for g in gaps)
    assert {g.detected_at for g in gaps} == {gap.detected_at}
    (device,) = repo.list_devices(hub_db)
    assert (device.last_seq, device.events_applied, device.open_gaps) == (5, 5, 0)
    assert running_ingest.processor.counters.late_fills == 3


def test_unknown_gtin_scan_records_a_demand_signal(
    running_ingest: RunningIngest, publisher: Publisher, hub_db: Database, store_id: str
) -> None:
    publisher.publish_event(
        make_envelope(store_id, "kiosk-1", 1, payload=scan_payload(UNKNOWN_GTIN))
    )
    publisher.publish_event(
        make_envelope(store_id, "kiosk-1", 2, payload=scan_payload(UNKNOWN_GTIN))
    )
    publisher.publish_event(make_envelope(store_id, "kiosk-1", 3, payload=scan_payload(None)))
    running_ingest.wait_received(3)
    (signal,) = stock.list_demand(hub_db, limit=10)
    assert (signal.code, signal.device, signal.count) == (UNKNOWN_GTIN, "kiosk-1", 2)
    assert OAT_MILK != UNKNOWN_GTIN


def test_retained_device_state_is_stored(
    running_ingest: RunningIngest, publisher: Publisher, hub_db: Database, store_id: str
) -> None:
    state = json.loads((FIXTURES / "state_v1.json").read_text())
    publisher.publish(state_topic(store_id, "kiosk-1"), json.dumps(state).encode(), retain=True)
    publisher.publish(state_topic(store_id, "kiosk-2"), b'{"status": "sleepy"}')
    running_ingest.wait_received(2)
    (device,) = repo.list_devices(hub_db)
    assert (device.id, device.profile, device.status) == ("kiosk-1", "kiosk", "online")
    assert (device.fps, device.models) == (14.8, {"efficientnet_lite0": "1"})
    (letter,) = repo.list_dead_letters(hub_db, limit=5)
    assert letter.reason.startswith("invalid device state")
    publisher.publish(state_topic(store_id, "kiosk-1"), b"", retain=True)


def test_events_published_while_the_hub_is_down_arrive_when_it_returns(
    mqtt_broker: BrokerEndpoint,
    running_ingest: RunningIngest,
    publisher: Publisher,
    hub_db: Database,
    db_path: Path,
    store_id: str,
) -> None:
    publisher.publish_event(make_envelope(store_id, "kiosk-1", 1))
    running_ingest.wait_received(1)
    running_ingest.ingest.stop()

    publisher.publish_event(make_envelope(store_id, "kiosk-1", 2))
    publisher.publish_event(make_envelope(store_id, "kiosk-1", 3))
    restarted = start_ingest(mqtt_broker, db_path, store_id)
    try:
        restarted.wait_received(2)
    finally:
        restarted.ingest.stop()
    assert [e.seq for e in repo.recent_events(hub_db, limit=10)] == [3, 2, 1]
    assert repo.list_gaps(hub_db) == []


def test_every_supported_broker_gets_the_same_accounting(
    any_broker: BrokerEndpoint, db_path: Path, hub_db: Database, store_id: str
) -> None:
    running = start_ingest(any_broker, db_path, store_id)
    publisher = Publisher(any_broker, f"pub-{store_id}")
    try:
        first = make_envelope(store_id, "kiosk-1", 1)
        for envelope in (first, first, make_envelope(store_id, "kiosk-1", 3)):
            publisher.publish_event(envelope)
        publisher.publish(events_topic(store_id, "kiosk-1"), b"[]")
        publisher.publish_event(make_envelope(store_id, "kiosk-1", 2))
        running.wait_received(5)
    finally:
        publisher.close()
        running.ingest.stop()
    assert [e.seq for e in repo.recent_events(hub_db, limit=10)] == [2, 3, 1]
    (device,) = repo.list_devices(hub_db)
    assert (device.duplicates, device.open_gaps, device.last_seq) == (1, 0, 3)
    (letter,) = repo.list_dead_letters(hub_db, limit=5)
    assert letter.reason == "envelope must be a JSON object, got list"


def test_a_reused_event_id_with_other_content_is_a_dead_letter_not_an_overwrite(
    running_ingest: RunningIngest, publisher: Publisher, hub_db: Database, store_id: str
) -> None:
    original = make_envelope(store_id, "kiosk-1", 1)
    publisher.publish_event(original)
    impostor = make_envelope(
        store_id, "kiosk-1", 1, id=original.id, payload=scan_payload(UNKNOWN_GTIN)
    )
    publisher.publish_event(impostor)
    running_ingest.wait_received(2)
    (event,) = repo.recent_events(hub_db, limit=5)
    assert event.payload["gtin"] == OAT_MILK
    (letter,) = repo.list_dead_letters(hub_db, limit=5)
    assert letter.reason == f"event id {original.id} was already applied with different content"
    # The catalog is empty here: only the original's scan counts as demand.
    assert [s.code for s in stock.list_demand(hub_db, limit=5)] == [OAT_MILK]
