"""Provides `aisle bench card`: scan event -> product card on the kiosk screen, and scan event ->
glasses answer, through a real store (mosquitto, central and hub processes), in one run.

A scan is a real envelope published to the broker by a paho client standing in for the device
(as the edge outbox's publisher sends it). Card: the kiosk app (Textual, under `run_test`) gets
the scan from its MQTT scan feed, asks the hub over HTTP and shows the card; the time runs from
just before the publish to the first frame the app hands to its display (compositor output)
with the card screen showing that product. Headless, the frame is computed but not written to a
terminal. `scan_to_card_ms` starts from a settled home screen (Esc, then no frame for 150 ms); the
`from_card` figure is a scan while another product's card is on screen. Answer: a glasses
device's scan goes through the hub's ingest and answerer and back over the broker. Peer: the
hub's card endpoint alone over HTTP, measured in the same run. Goal: p95 <= 300 ms for both.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import httpx
from rich.console import RenderableType
from textual.pilot import Pilot
from textual.screen import Screen

from aisle.bench.card_store import STORE, Devices, start_store
from aisle.store import PASSWORD_ENV, broker_url
from kiosk.app import KioskApp
from kiosk.config import KioskSettings
from kiosk.hub_client import HubClient
from kiosk.scan_feed import ScanFeed
from kiosk.screens.home import HomeScreen

KIOSK = "kiosk-bench"
GLASSES = "glasses-bench"
GOAL_P95_MS = 300.0
CARD_WAIT_S = 10.0
POLL_S = 0.002
QUIET_S = 0.15
SETTLE_MAX_S = 3.0
REPO = Path(__file__).resolve().parents[2]
CATALOG = REPO / "central" / "data" / "demo_catalog.json"


def build_parser() -> argparse.ArgumentParser:
    """Returns the argument parser of `aisle bench card`."""
    parser = argparse.ArgumentParser(prog="aisle bench card", description=__doc__)
    parser.add_argument("--iterations", type=int, default=40, help="scans measured per path")
    parser.add_argument("--warmup", type=int, default=3, help="scans not measured, per path")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    return parser


def summary(samples_ms: Sequence[float]) -> dict[str, float]:
    """p50, p95 and max of a sample, rounded to 0.1 ms."""
    ordered = sorted(samples_ms)
    p95 = ordered[0] if len(ordered) == 1 else statistics.quantiles(ordered, n=20)[18]
    return {
        "p50": round(statistics.median(ordered), 1),
        "p95": round(p95, 1),
        "max": round(ordered[-1], 1),
        "n": len(ordered),
    }


def demo_gtins(count: int = 12) -> list[str]:
    """GTINs of demo products, to vary the cards asked for."""
    products = json.loads(CATALOG.read_text())["products"]
    return [str(product["gtin"]) for product in products[:count]]


class PaintedKioskApp(KioskApp):
    """The kiosk app, noting when a frame of its card screen first shows each product."""

    def __init__(self, hub: HubClient, feed: ScanFeed, settings: KioskSettings) -> None:
        """Creates the app (as `kiosk.__main__.build_app` does) with an empty frame log."""
        super().__init__(hub, feed, settings)
        self.card_frames_s: dict[str, float] = {}
        self.last_frame_s = time.perf_counter()

    def _display(self, screen: Screen[object], renderable: RenderableType | None) -> None:
        # Textual calls this with every frame the compositor renders for the top screen.
        super()._display(screen, renderable)
        if renderable is not None:
            self.last_frame_s = time.perf_counter()
        shown = self.card_screen.shown_gtin
        if (
            renderable is not None
            and screen is self.card_screen
            and shown
            and not self._batch_count
        ):
            self.card_frames_s.setdefault(shown, time.perf_counter())


async def _card_painted(app: PaintedKioskApp, gtin: str) -> float:
    deadline = time.monotonic() + CARD_WAIT_S
    while gtin not in app.card_frames_s:
        if time.monotonic() > deadline:
            raise RuntimeError(f"no card for {gtin} on screen within {CARD_WAIT_S} s")
        # A bare sleep, not pilot.pause: that waits for the screen to go idle as well.
        await asyncio.sleep(POLL_S)
    return app.card_frames_s[gtin]


async def _settle(pilot: Pilot[None], app: PaintedKioskApp) -> None:
    """Waits until no frame was drawn for `QUIET_S` (at most `SETTLE_MAX_S`), as between scans."""
    deadline = time.monotonic() + SETTLE_MAX_S
    await pilot.pause()
    while time.monotonic() < deadline:
        quiet_for_s = time.perf_counter() - app.last_frame_s
        if quiet_for_s >= QUIET_S:
            return
        await asyncio.sleep(QUIET_S - quiet_for_s)


async def _one_card(
    pilot: Pilot[None], app: PaintedKioskApp, devices: Devices, gtins: tuple[str, str]
) -> tuple[float, float]:
    """Scans `gtins[0]` from the home screen, then `gtins[1]` over its card; both in ms."""
    app.action_home()
    deadline = time.monotonic() + CARD_WAIT_S
    while not isinstance(app.screen, HomeScreen) and time.monotonic() < deadline:
        await pilot.pause(POLL_S)
    await _settle(pilot, app)
    app.card_frames_s.clear()
    _, sent_s = devices.scan(KIOSK, gtins[0])
    from_home_ms = (await _card_painted(app, gtins[0]) - sent_s) * 1000
    await _settle(pilot, app)
    _, sent_s = devices.scan(KIOSK, gtins[1])
    return from_home_ms, (await _card_painted(app, gtins[1]) - sent_s) * 1000


async def _one_answer(devices: Devices, gtin: str) -> float:
    event_id, sent_s = devices.scan(GLASSES, gtin)
    arrived_s, _answer = await asyncio.to_thread(devices.wait_answer, event_id)
    return (arrived_s - sent_s) * 1000


def _card_http_ms(hub_url: str, token: str, gtins: Sequence[str], count: int) -> list[float]:
    samples = []
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=hub_url, timeout=5, headers=headers) as client:
        for index in range(count):
            started = time.perf_counter()
            client.get(f"/api/v1/cards/{gtins[index % len(gtins)]}").raise_for_status()
            samples.append((time.perf_counter() - started) * 1000)
    return samples


async def _measure(
    app: PaintedKioskApp, devices: Devices, args: argparse.Namespace
) -> dict[str, list[float]]:
    gtins = demo_gtins()
    cards: list[float] = []
    over_cards: list[float] = []
    answers: list[float] = []
    async with app.run_test(size=(120, 40)) as pilot:
        deadline = time.monotonic() + CARD_WAIT_S
        while app.scanner_status != "Scanner: ready":
            if time.monotonic() > deadline:
                raise RuntimeError(f"kiosk scan feed not ready: {app.scanner_status}")
            await pilot.pause(0.05)
        for index in range(args.warmup + args.iterations):
            gtin, other = gtins[index % len(gtins)], gtins[(index + 5) % len(gtins)]
            card_ms, over_card_ms = await _one_card(pilot, app, devices, (gtin, other))
            answer_ms = await _one_answer(devices, gtin)
            if index >= args.warmup:
                cards.append(card_ms)
                over_cards.append(over_card_ms)
                answers.append(answer_ms)
    return {"cards": cards, "over_cards": over_cards, "answers": answers}


def run(args: argparse.Namespace, data_dir: Path) -> dict[str, object]:
    """Starts the store, measures both paths and the peer, stops everything."""
    store = start_store(data_dir)
    devices = Devices(store.endpoint, answer_device=GLASSES)
    try:
        devices.announce(GLASSES, "glasses")
        devices.announce(KIOSK, "kiosk")
        settings = KioskSettings(
            store_id=STORE,
            device_id=KIOSK,
            hub_url=store.hub_url,
            broker_url=broker_url(store.endpoint),
            broker_password_env=PASSWORD_ENV,
        )
        token = store.issue_token(KIOSK)
        environ = {PASSWORD_ENV: store.endpoint.password, settings.hub_token_env: token}
        feed = ScanFeed.from_settings(settings, environ)
        app = PaintedKioskApp(HubClient.from_settings(settings, environ), feed, settings)
        samples = asyncio.run(_measure(app, devices, args))
        peer = _card_http_ms(store.hub_url, token, demo_gtins(), args.iterations)
    finally:
        devices.close([GLASSES, KIOSK])
        store.stop()
    return {
        "scan_to_card_ms": summary(samples["cards"]),
        "scan_to_card_from_card_ms": summary(samples["over_cards"]),
        "scan_to_answer_ms": summary(samples["answers"]),
        "hub_card_http_ms": summary(peer),
        "goal_p95_ms": GOAL_P95_MS,
        "broker": "mosquitto",
        "load_avg_1m": round(os.getloadavg()[0], 2),
        "cpus": os.cpu_count(),
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the benchmark; prints JSON (`--json`) or a short table. Returns 0."""
    args = build_parser().parse_args(argv)
    if args.iterations < 1 or args.warmup < 0:
        print("aisle bench card: --iterations >= 1 and --warmup >= 0", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="aisle-bench-card-") as folder:
        result = run(args, Path(folder))
    if args.json:
        print(json.dumps(result))
        return 0
    names = (
        "scan_to_card_ms",
        "scan_to_card_from_card_ms",
        "scan_to_answer_ms",
        "hub_card_http_ms",
    )
    for name in names:
        stats = result[name]
        assert isinstance(stats, dict)
        print(f"{name:<26} p50 {stats['p50']:>7} ms  p95 {stats['p95']:>7} ms  n {stats['n']}")
    print(f"goal: p95 <= {GOAL_P95_MS:.0f} ms")
    return 0
