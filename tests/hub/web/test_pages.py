"""Tests every staff page against a seeded hub database: content, filters, actions and their
records, field errors, 404 pages, CSV export."""

from __future__ import annotations

import csv
import io

import pytest
from fastapi.testclient import TestClient
from sqlite_utils import Database
from web_harness import (
    ASSOCIATE,
    OAT_MILK,
    SOLD_OUT,
    UNKNOWN_GTIN,
    FakeClock,
    log_in,
    seed_store,
)

from hub.db import stock
from hub.db.connection import write_transaction
from hub.db.search_signals import SearchSignal, record_search_signal


@pytest.fixture
def seeded(staff_db: Database, clock: FakeClock) -> dict[str, str]:
    """The ids of the seeded store."""
    return seed_store(staff_db, clock())


@pytest.fixture
def manager(client: TestClient, seeded: dict[str, str]) -> str:
    """Logs the client in as a manager; returns the CSRF token."""
    return log_in(client)


def test_overview_counts_today_and_lists_the_feed(client: TestClient, manager: str) -> None:
    page = client.get("/dashboard").text
    assert 'data-tile="scan">\n    <span class="value">3<' in page
    assert 'data-tile="discrepancies"' in page and "Crunchy" not in page
    assert page.count("<tr data-pos=") == 3


@pytest.mark.parametrize(
    ("query", "present", "absent"),
    [
        ({"q": "oat"}, "Oat milk 1 l", "Crunchy cereal"),
        ({"q": "4006381333931"}, "Oat milk 1 l", "Crunchy cereal"),
        ({"category": "breakfast"}, "Crunchy cereal", "Oat milk 1 l"),
        ({"aisle": "A3"}, "Oat milk 1 l", "Crunchy cereal"),
    ],
)
def test_stock_filters(
    client: TestClient, manager: str, query: dict[str, str], present: str, absent: str
) -> None:
    page = client.get("/dashboard/stock", params=query).text
    assert present in page and absent not in page


def test_product_page_shows_ledger_sources_and_holds(
    client: TestClient, manager: str, seeded: dict[str, str]
) -> None:
    page = client.get(f"/dashboard/stock/{OAT_MILK}").text
    assert "initial stock file (test)" in page
    assert f"reservation {seeded['pickup']}" in page
    assert "<strong>10</strong>" in page  # 12 received, 2 held
    assert 'id="central-view"' in page


@pytest.mark.parametrize(
    "path",
    [
        "/dashboard/stock/00000000000000",
        "/dashboard/stock/not-a-gtin",
        "/dashboard/devices/nobody",
        "/dashboard/events/01HZZZZZZZZZZZZZZZZZZZZZZZ",
    ],
)
def test_unknown_ids_give_a_404_page(client: TestClient, manager: str, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert "404 · Not found" in response.text and "Traceback" not in response.text


def test_dismiss_needs_a_reason_then_is_recorded(client: TestClient, manager: str) -> None:
    finding = "seq_gap:1"
    path = f"/dashboard/discrepancies/{finding}/actions"
    bad = client.post(path, data={"csrf_token": manager, "action": "dismiss", "reason": ""})
    assert bad.status_code == 422 and 'data-field="reason"' in bad.text
    wrong = client.post(path, data={"csrf_token": manager, "action": "push_correction"})
    assert wrong.status_code == 422 and 'data-field="action"' in wrong.text
    done = client.post(
        path, data={"csrf_token": manager, "action": "dismiss", "reason": "kiosk rebooted"}
    )
    assert done.status_code == 200 and "Recorded: Dismiss." in done.text
    assert 'data-finding="seq_gap:1"' not in done.text
    resolved = client.get("/dashboard/discrepancies", params={"show": "resolved"}).text
    assert "dismissed: kiosk rebooted" in resolved and "morgan" in resolved


def test_accepting_a_count_writes_an_adjustment(
    client: TestClient, manager: str, staff_db: Database
) -> None:
    path = f"/dashboard/discrepancies/unknown_gtin:{UNKNOWN_GTIN}/actions"
    response = client.post(
        path, data={"csrf_token": manager, "action": "accept_count", "counted_units": "4"}
    )
    assert response.status_code == 200
    assert stock.on_hand(staff_db, UNKNOWN_GTIN) == 4
    row = staff_db.execute(
        "SELECT action, counted_units, actor, movement_id FROM discrepancy_actions"
    ).fetchone()
    assert row[:3] == ("accept_count", 4, "morgan") and row[3] is not None


def test_unknown_finding_is_a_404_and_associates_may_not_act(
    client: TestClient, seeded: dict[str, str]
) -> None:
    token = log_in(client, ASSOCIATE)
    form = {"csrf_token": token, "action": "dismiss", "reason": "not ours"}
    assert client.post("/dashboard/discrepancies/seq_gap:1/actions", data=form).status_code == 403
    page = client.get("/dashboard/discrepancies").text
    assert "A manager resolves discrepancies." in page


def test_manager_unknown_finding_is_404(client: TestClient, manager: str) -> None:
    form = {"csrf_token": manager, "action": "dismiss", "reason": "not ours"}
    response = client.post("/dashboard/discrepancies/nope:1/actions", data=form)
    assert response.status_code == 404


def test_associate_marks_a_pickup_ready_then_picked_up(
    client: TestClient, seeded: dict[str, str], staff_db: Database
) -> None:
    token = log_in(client, ASSOCIATE)
    rid = seeded["reservation"]
    ready = client.post(f"/dashboard/pickups/{rid}/ready", data={"csrf_token": token})
    assert ready.status_code == 200 and "is now ready" in ready.text
    again = client.post(f"/dashboard/pickups/{rid}/cancel", data={"csrf_token": token})
    assert "is now cancelled" in again.text
    late = client.post(f"/dashboard/pickups/{rid}/ready", data={"csrf_token": token})
    assert "cannot become ready" in late.text
    assert stock.on_hand(staff_db, OAT_MILK) == 12
    assert (
        client.post("/dashboard/pickups/nope/ready", data={"csrf_token": token}).status_code == 404
    )
    assert (
        client.post(f"/dashboard/pickups/{rid}/fly", data={"csrf_token": token}).status_code == 404
    )


def test_devices_show_gaps_and_device_page(client: TestClient, manager: str) -> None:
    page = client.get("/dashboard/devices").text
    assert "1 open seq gap(s): events missing" in page
    device = client.get("/dashboard/devices/kiosk-1").text
    assert "open" in device and "Crunchy" not in device


def test_demand_views_sort_and_export_csv(client: TestClient, manager: str) -> None:
    unknown = client.get("/dashboard/demand").text
    assert UNKNOWN_GTIN in unknown
    wanted = client.get("/dashboard/demand", params={"view": "out_of_stock", "sort": "key"}).text
    assert "Crunchy cereal" in wanted and "Oat milk" not in wanted
    export = client.get("/dashboard/demand.csv", params={"view": "out_of_stock"})
    assert export.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(export.text)))
    assert rows[0][:3] == ["key", "label", "count"] and rows[1][:3] == [
        SOLD_OUT,
        "Crunchy cereal",
        "3",
    ]


def test_audit_lists_the_scan_that_drove_a_lookup(
    client: TestClient, manager: str, seeded: dict[str, str]
) -> None:
    page = client.get("/dashboard/audit").text
    assert "scan → card_lookup" in page and "auto:multi-frame consensus" in page
    assert seeded["event"] in page
    filtered = client.get("/dashboard/audit", params={"kind": "price_proposal"}).text
    assert "No AI decision recorded yet." in filtered


def _report(db: Database, started_at: str, findings: list[tuple[str, str, str | None]]) -> int:
    with write_transaction(db):
        run = db.execute(
            "INSERT INTO reconciliation_runs (started_at, finished_at, central_reachable)"
            " VALUES (?, ?, 1)",
            [started_at, started_at],
        ).lastrowid
        for kind, key, gtin in findings:
            db.execute(
                "INSERT INTO reconciliation_findings (run_id, kind, key, gtin, cause, action,"
                " action_taken) VALUES (?, ?, ?, ?, ?, ?, 0)",
                [run, kind, key, gtin, f"central says 7, ledger says 10 ({key})", "push the count"],
            )
    return int(run or 0)


def test_reconciliation_report_findings_replace_live_ones_and_reopen_when_unfixed(
    client: TestClient, manager: str, staff_db: Database, clock: FakeClock
) -> None:
    _report(
        staff_db, "2026-03-02T09:00:00.000000Z", [("availability_mismatch", OAT_MILK, OAT_MILK)]
    )
    page = client.get("/dashboard/discrepancies").text
    assert "central says 7, ledger says 10" in page and "Unknown GTIN" not in page
    path = f"/dashboard/discrepancies/availability_mismatch:{OAT_MILK}/actions"
    pushed = client.post(path, data={"csrf_token": manager, "action": "push_correction"})
    assert pushed.status_code == 200 and "central says 7" not in pushed.text
    row = staff_db.execute("SELECT kind, ref, state FROM central_outbox").fetchone()
    assert row == ("availability", f"availability_mismatch:{OAT_MILK}", "pending")
    _report(
        staff_db, "2026-03-02T10:00:00.000000Z", [("availability_mismatch", OAT_MILK, OAT_MILK)]
    )
    assert "central says 7" in client.get("/dashboard/discrepancies").text


def test_demand_shows_weak_searches_and_merges_searched_out_of_stock(
    client: TestClient, manager: str, staff_db: Database, clock: FakeClock
) -> None:
    with write_transaction(staff_db):
        for event_id, kind, gtin in (
            ("ev-weak", "no_match", OAT_MILK),
            ("ev-oos", "out_of_stock", SOLD_OUT),
        ):
            signal = SearchSignal(event_id, kind, gtin, "glasses-2", 0.41, 0.62, (gtin,))
            record_search_signal(staff_db, signal, now=clock())
    weak = client.get("/dashboard/demand", params={"view": "no_match"}).text
    assert "ev-weak"[-8:] in weak and "0.41 / 0.62" in weak and "Oat milk 1 l" in weak
    export = client.get("/dashboard/demand.csv", params={"view": "out_of_stock"}).text
    row = next(csv.reader(io.StringIO(export.splitlines()[1])))
    assert row[:3] == [SOLD_OUT, "Crunchy cereal", "4"]  # 3 scans + 1 search
    assert "glasses-2" in row[3]
