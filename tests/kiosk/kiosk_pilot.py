"""Provides Pilot helpers for the kiosk tests: the app, waits with deadlines, widget text."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

import pytest
from kiosk_builders import HUB_AS_OF, HUB_STORE, KIOSK_DEVICE, WAIT_S
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Static

from kiosk.app import KioskApp, SourceSwitcher
from kiosk.config import KioskSettings
from kiosk.hub_client import HubClient

SETTINGS = KioskSettings(store_id=HUB_STORE, device_id=KIOSK_DEVICE)
NOW = HUB_AS_OF + timedelta(hours=2)
SIZE = (110, 40)
ScreenT = TypeVar("ScreenT", bound=Screen[None])


def fixed_clock() -> datetime:
    """The kiosk's clock: two hours after the hub's catalog copy."""
    return NOW


def kiosk(
    client: HubClient,
    settings: KioskSettings = SETTINGS,
    *,
    on_switch_source: SourceSwitcher | None = None,
) -> KioskApp:
    """The kiosk app without a scan feed (scans are delivered directly), on `fixed_clock`."""
    return KioskApp(client, None, settings, on_switch_source=on_switch_source, clock=fixed_clock)


async def wait_for_screen(pilot: Pilot[None], kind: type[ScreenT]) -> ScreenT:
    """Waits until the app shows a screen of `kind`; fails after `WAIT_S`."""
    deadline = time.monotonic() + WAIT_S
    while not isinstance(pilot.app.screen, kind):
        if time.monotonic() > deadline:
            pytest.fail(f"screen is {type(pilot.app.screen).__name__}, not {kind.__name__}")
        await pilot.pause(0.02)
    await pilot.pause()
    return pilot.app.screen


async def wait_for_text(
    pilot: Pilot[None],
    selector: str,
    predicate: Callable[[str], bool],
    *,
    timeout_s: float = WAIT_S,
) -> str:
    """Waits until the `Static` at `selector` on the current screen satisfies `predicate`."""
    deadline = time.monotonic() + timeout_s
    while True:
        found = pilot.app.screen.query(selector).results(Static)
        current = [str(widget.content) for widget in found]
        if current and predicate(current[0]):
            return current[0]
        if time.monotonic() > deadline:
            pytest.fail(f"{selector} is {current!r} after {timeout_s} s")
        await pilot.pause(0.05)


def text(screen: Screen[Any], selector: str) -> str:
    """The text of one `Static` on `screen`."""
    return str(screen.query_one(selector, Static).content)


def texts(screen: Screen[Any], selector: str) -> list[str]:
    """The texts of every `Static` matching `selector` on `screen`."""
    return [str(widget.content) for widget in screen.query(selector).results(Static)]


async def wait_until(pilot: Pilot[None], predicate: Callable[[], bool]) -> None:
    """Waits until `predicate` holds while the app runs; fails after `WAIT_S`."""
    deadline = time.monotonic() + WAIT_S
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"condition not met within {WAIT_S} s")
        await pilot.pause(0.02)


def lines(screen: Screen[Any], selector: str) -> list[str]:
    """The lines of one card section (a `Static` holding several lines)."""
    return text(screen, selector).split("\n")
