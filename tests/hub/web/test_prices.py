"""Tests of the price-proposal page: the job, approve (with an edited price) and reject with
field errors, associates see but may not act, the card shows the approved price, the AI audit
names who approved."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlite_utils import Database
from web_harness import ASSOCIATE, MANAGER, SOLD_OUT, FakeClock, log_in, seed_store

from hub.db import pricing, stock
from hub.db.connection import write_transaction
from hub.db.stock import Movement
from hub.domain.pricing import PricingPolicy

_PROPOSAL = re.compile(r'data-proposal="(\d+)"')


@pytest.fixture
def overstocked(staff_db: Database, clock: FakeClock) -> Database:
    """The seeded store with 80 boxes of cereal that do not sell."""
    seed_store(staff_db, clock())
    with write_transaction(staff_db):
        stock.record_movement(staff_db, Movement(SOLD_OUT, "receipt", 80, "delivery:1"), clock())
    return staff_db


def _run_job(client: TestClient, csrf: str) -> int:
    done = client.post("/dashboard/prices/run", data={"csrf_token": csrf})
    assert done.status_code == 200 and "1 new" in done.text, done.text
    found = _PROPOSAL.findall(done.text)
    assert len(found) == 1
    return int(found[0])


def test_manager_runs_the_job_and_approves_an_edited_price(
    client: TestClient, overstocked: Database
) -> None:
    csrf = log_in(client)
    proposal_id = _run_job(client, csrf)
    page = client.get("/dashboard/prices").text
    assert "Crunchy cereal" in page and "2.49 → 2.09" in page and "Overstock: 80 on hand" in page
    url = f"/dashboard/prices/{proposal_id}/approve"
    refused = client.post(url, data={"csrf_token": csrf, "price": "0.99"})
    assert refused.status_code == 422
    assert 'data-field="price">at least 1.50' in refused.text
    approved = client.post(url, data={"csrf_token": csrf, "price": "1.99"})
    assert approved.status_code == 200 and "now sells at 1.99" in approved.text
    card = client.get(f"/api/v1/cards/{SOLD_OUT}").json()
    assert card["store_price_cents"] == 199
    rows = overstocked.execute(
        "SELECT kind, action, subject, approved_by, model_version, output FROM ai_audit"
        " WHERE kind = 'price_proposal'"
    ).fetchall()
    assert [r[:5] for r in rows] == [
        ("price_proposal", "price_change", SOLD_OUT, MANAGER, "pricing-rules-1")
    ]
    assert '"approved_cents":199' in rows[0][5]
    again = client.post(url, data={"csrf_token": csrf})
    assert "already approved" in again.text
    audit_page = client.get("/dashboard/audit").text
    assert "price_proposal" in audit_page


def test_reject_needs_a_reason_and_is_not_proposed_again(
    client: TestClient, overstocked: Database
) -> None:
    csrf = log_in(client)
    proposal_id = _run_job(client, csrf)
    url = f"/dashboard/prices/{proposal_id}/reject"
    missing = client.post(url, data={"csrf_token": csrf, "reason": " "})
    assert missing.status_code == 422 and 'data-field="reason"' in missing.text
    done = client.post(url, data={"csrf_token": csrf, "reason": "promotion next week"})
    assert "Rejected proposal" in done.text
    decided = client.get("/dashboard/prices", params={"tab": "decided"}).text
    assert "rejected by morgan" in decided and "promotion next week" in decided
    rerun = client.post("/dashboard/prices/run", data={"csrf_token": csrf})
    assert "0 new" in rerun.text
    assert pricing.count_by_state(overstocked) == {"rejected": 1}


def test_associates_see_proposals_but_may_not_act(
    client: TestClient, overstocked: Database, clock: FakeClock
) -> None:
    with write_transaction(overstocked):
        pricing.run_pricing(overstocked, now=clock(), policy=PricingPolicy())
    proposal_id = pricing.list_proposals(overstocked)[0].id
    csrf = log_in(client, ASSOCIATE)
    page = client.get("/dashboard/prices").text
    assert "Crunchy cereal" in page and "A manager approves prices." in page
    assert "/approve" not in page
    form = {"csrf_token": csrf}
    assert client.post(f"/dashboard/prices/{proposal_id}/approve", data=form).status_code == 403
    assert client.post("/dashboard/prices/run", data=form).status_code == 403


def test_unknown_proposal_is_a_404_and_a_form_without_csrf_is_refused(
    client: TestClient, overstocked: Database
) -> None:
    csrf = log_in(client, MANAGER)
    missing = client.post("/dashboard/prices/999/approve", data={"csrf_token": csrf})
    assert missing.status_code == 404
    assert client.post("/dashboard/prices/run", data={}).status_code in (400, 403)
