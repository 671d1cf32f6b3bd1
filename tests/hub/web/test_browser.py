"""Drives the staff dashboard in Debian's Chromium (Playwright): log in, see a replayed edge
event arrive live, resolve a discrepancy, mark a pickup ready, approve a price proposal, see a
wrong password refused.

The hub is real: ingest on the session mosquitto, the app under uvicorn on a loopback port, and
an edge agent replaying `kiosk_oat_milk` in this process. Screenshots of every page land in
`test-artifacts/dashboard/`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from browser_harness import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    LiveHub,
    live_hub,
    replaying_kiosk,
    require_chromium,
)
from hub_builders import make_envelope, unique_store
from hub_harness import Publisher
from playwright.sync_api import Browser, Page, Route, expect, sync_playwright
from web_harness import ASSOCIATE, BARISTA_OAT, MANAGER, OAT_MILK, PASSWORD, add_staff, seed_store

from aisle.broker import BrokerEndpoint
from hub.db import stock
from hub.db.connection import open_database, write_transaction
from hub.db.stock import Movement

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]
SEEDED_DEVICE = "glasses-7"
WAIT_MS = 30_000


@pytest.fixture(scope="module")
def hub(mqtt_broker: BrokerEndpoint, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveHub]:
    """A seeded hub with a manager and an associate, live on the session broker."""
    require_chromium()
    db_path = tmp_path_factory.mktemp("dashboard") / "hub.db"
    db = open_database(db_path)
    now = datetime.now(UTC)
    add_staff(db, MANAGER, role="manager", now=now)
    add_staff(db, ASSOCIATE, role="associate", now=now)
    seed_store(db, now, device=SEEDED_DEVICE)
    with write_transaction(db):  # 80 that do not sell: the prices page proposes a markdown
        stock.record_movement(db, Movement(BARISTA_OAT, "receipt", 80, "delivery:browser"), now)
    db.close()
    with live_hub(mqtt_broker, db_path, unique_store()) as running:
        yield running


@pytest.fixture(scope="module")
def browser(hub: LiveHub) -> Iterator[Browser]:
    """Headless Chromium (Debian's build, not Playwright's download)."""
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser, hub: LiveHub) -> Iterator[Page]:
    """A fresh browser context (no cookies) that fails the test on a script or CSP error."""
    context = browser.new_context(base_url=hub.url, viewport={"width": 1280, "height": 860})
    tab = context.new_page()
    errors: list[str] = []
    # A 401/403/404 page is a "failed resource" to Chrome; script and CSP errors are not.
    tab.on(
        "console",
        lambda msg: (
            errors.append(msg.text)
            if msg.type == "error" and not msg.text.startswith("Failed to load resource")
            else None
        ),
    )
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    yield tab
    context.close()
    assert not errors, f"browser console errors: {errors}"


@pytest.fixture
def device_publisher(mqtt_broker: BrokerEndpoint) -> Iterator[Callable[[], Publisher]]:
    """Makes a device-side MQTT publisher on the session broker (closed after the test)."""
    made: list[Publisher] = []

    def make() -> Publisher:
        made.append(Publisher(mqtt_broker, f"pub-{unique_store()}"))
        return made[-1]

    yield make
    for publisher in made:
        publisher.close()


def shot(page: Page, name: str) -> Path:
    """Saves a full-page screenshot as a test artifact."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def log_in(page: Page, username: str = MANAGER, password: str = PASSWORD) -> None:
    """Logs in through the form."""
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")


def test_a_wrong_password_is_refused(page: Page) -> None:
    log_in(page, password="not my password")
    expect(page.locator("#login-error")).to_have_text("Wrong username or password.")
    expect(page).to_have_url(re.compile(r"/login"))
    shot(page, "login-refused")
    page.goto("/dashboard")
    expect(page.locator("h1")).to_have_text("Staff log in")


def test_a_replayed_scan_appears_live_on_the_overview(
    page: Page, hub: LiveHub, mqtt_broker: BrokerEndpoint, tmp_path: Path
) -> None:
    log_in(page)
    expect(page.locator("h1")).to_contain_text("Overview")
    expect(page.locator("#live-status")).to_have_attribute("data-state", "on")
    page.evaluate("window.loadedOnce = true")
    with replaying_kiosk(
        mqtt_broker, store_id=hub.store_id, fixture="kiosk_oat_milk", outbox=tmp_path / "ob.db"
    ):
        row = page.locator("#feed tbody tr.fresh", has_text=BARISTA_OAT[1:])
        expect(row.first).to_be_visible(timeout=WAIT_MS)
    assert page.evaluate("window.loadedOnce") is True, "the page reloaded instead of streaming"
    expect(page.locator('[data-tile="scan"] .value')).not_to_have_text("0")
    shot(page, "overview")


def test_a_manager_resolves_a_discrepancy(page: Page) -> None:
    log_in(page)
    page.goto("/dashboard/discrepancies")
    shot(page, "discrepancies")
    card = page.locator('[data-finding="seq_gap:1"]')
    card.locator("select[name=action]").select_option("dismiss")
    card.locator("button[type=submit]").click()
    card = page.locator('[data-finding="seq_gap:1"]')
    expect(card.locator('.field-error[data-field="reason"]')).to_be_visible()
    card.locator("input[name=reason]").fill("glasses rebooted during a firmware update")
    card.locator("button[type=submit]").click()
    expect(page.locator(".flash")).to_have_text("Recorded: Dismiss.")
    expect(page.locator('[data-finding="seq_gap:1"]')).to_have_count(0)
    page.goto("/dashboard/discrepancies?show=resolved")
    expect(page.locator('[data-finding="seq_gap:1"] .history')).to_contain_text(
        "dismissed: glasses rebooted"
    )
    shot(page, "discrepancies-resolved")


def test_an_associate_marks_a_pickup_ready(page: Page) -> None:
    log_in(page, ASSOCIATE)
    page.goto("/dashboard/pickups")
    row = page.locator("#reservations tbody tr", has_text="Oat milk 1 l")
    expect(row).to_have_attribute("data-state", "new")
    row.locator('button[data-move="ready"]').click()
    expect(page.locator(".flash")).to_contain_text("is now ready")
    expect(page.locator("#reservations tbody tr", has_text="Oat milk 1 l")).to_have_attribute(
        "data-state", "ready"
    )
    shot(page, "pickups")
    page.goto("/dashboard/users")
    expect(page.locator("h1")).to_contain_text("403")


def test_a_manager_approves_a_price_proposal(page: Page) -> None:
    log_in(page)
    page.goto("/dashboard/prices")
    page.locator("#run-proposals button").click()
    expect(page.locator(".flash")).to_contain_text("new")
    proposal = page.locator("article[data-proposal]", has_text="Barista oat drink 1 l")
    expect(proposal).to_contain_text("Overstock: 80 on hand")
    shot(page, "prices")
    proposal.locator("input[name=price]").fill("0.50")
    proposal.locator('button[data-action="approve"]').click()
    proposal = page.locator("article[data-proposal]", has_text="Barista oat drink 1 l")
    expect(proposal.locator('.field-error[data-field="price"]')).to_contain_text("at least")
    proposal.locator("input[name=price]").fill("1.99")
    proposal.locator('button[data-action="approve"]').click()
    expect(page.locator(".flash")).to_contain_text("now sells at 1.99")
    card = page.request.get(f"/api/v1/cards/{BARISTA_OAT}")
    assert card.ok and card.json()["store_price_cents"] == 199
    page.goto("/dashboard/prices?tab=decided")
    expect(page.locator("article[data-proposal]", has_text="Barista")).to_contain_text(
        f"approved at 1.99 by {MANAGER}"
    )
    shot(page, "prices-approved")


@pytest.mark.parametrize(
    ("name", "path", "heading"),
    [
        ("stock", "/dashboard/stock", "Stock"),
        ("product", f"/dashboard/stock/{OAT_MILK}", "Oat milk 1 l"),
        ("devices", "/dashboard/devices", "Devices"),
        ("device", f"/dashboard/devices/{SEEDED_DEVICE}", SEEDED_DEVICE),
        ("demand", "/dashboard/demand?view=out_of_stock", "Demand"),
        ("audit", "/dashboard/audit", "AI audit"),
        ("users", "/dashboard/users", "Staff accounts"),
        ("not-found", "/dashboard/stock/00000000000000", "404"),
    ],
)
def test_every_page_renders(page: Page, name: str, path: str, heading: str) -> None:
    log_in(page)
    page.goto(path)
    expect(page.locator("h1")).to_contain_text(heading)
    shot(page, name)


def test_the_live_stream_reconnects_after_a_drop(
    page: Page, hub: LiveHub, device_publisher: Callable[[], Publisher]
) -> None:
    attempts: list[str] = []

    def drop_first(route: Route) -> None:
        attempts.append(route.request.url)
        if len(attempts) == 1:
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route("**/dashboard/live*", drop_first)
    log_in(page)
    expect(page.locator("#live-status")).to_have_attribute("data-state", "on", timeout=WAIT_MS)
    assert len(attempts) >= 2, "the page never retried the stream"
    device_publisher().publish_event(make_envelope(hub.store_id, "kiosk-5", 1))
    expect(page.locator("#feed tbody tr.fresh", has_text="kiosk-5").first).to_be_visible(
        timeout=WAIT_MS
    )
