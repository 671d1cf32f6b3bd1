"""Tests GTIN arithmetic, ULIDs and the topic tree, including that every topic is documented."""

from __future__ import annotations

import re
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

import pytest

from contracts import topics
from contracts.errors import ContractError
from contracts.gtin import display_gtin, is_valid_gtin, to_gtin14, upce_to_upca
from contracts.ids import new_ulid, ulid_time_ms
from contracts.payloads import PAYLOAD_MODELS

DOCS = Path(__file__).resolve().parents[2] / "docs" / "contracts.md"


@pytest.mark.parametrize(
    ("code", "upce", "expected"),
    [
        ("4006381333931", False, nullcontext("04006381333931")),
        ("036000291452", False, nullcontext("00036000291452")),  # UPC-A
        ("96385074", False, nullcontext("00000096385074")),  # EAN-8
        ("01234565", True, nullcontext("00012345000065")),  # UPC-E
        ("00012345000065", False, nullcontext("00012345000065")),
        ("4006381333932", False, pytest.raises(ValueError, match="not a valid GTIN")),
        ("40063813339", False, pytest.raises(ValueError, match="not a valid GTIN")),
        ("40063813339a1", False, pytest.raises(ValueError, match="not a valid GTIN")),
        ("21234565", True, pytest.raises(ValueError, match="UPC-E")),
    ],
)
def test_to_gtin14_table(code: str, upce: bool, expected: AbstractContextManager[Any]) -> None:
    with expected as value:
        assert to_gtin14(code, upce=upce) == value


@pytest.mark.parametrize(
    ("upce", "upca"),
    [
        ("01234565", "012345000065"),
        ("04252614", "042100005264"),
        ("01234133", "012300000413"),
        ("01234145", "012340000015"),
    ],
)
def test_upce_expansion(upce: str, upca: str) -> None:
    assert upce_to_upca(upce) == upca
    assert is_valid_gtin(upca)


def test_display_gtin_drops_one_leading_zero() -> None:
    assert display_gtin("04006381333931") == "4006381333931"
    assert display_gtin("14006381333938") == "14006381333938"


def test_ulid_encodes_its_time_and_sorts_by_it() -> None:
    first = new_ulid(1_700_000_000_000, bytes(10))
    later = new_ulid(1_700_000_000_001, bytes(10))
    assert ulid_time_ms(first) == 1_700_000_000_000
    assert first < later
    assert len({new_ulid(1_700_000_000_000) for _ in range(1000)}) == 1000


def test_device_topics_parse_back() -> None:
    topic = topics.events_topic("demo", "kiosk-1")
    assert topic == "aisle/demo/dev/kiosk-1/events"
    parsed = topics.parse_device_topic(topic)
    assert (parsed.store, parsed.device, parsed.channel) == ("demo", "kiosk-1", "events")


@pytest.mark.parametrize(
    "topic",
    [
        "aisle/demo/dev/kiosk-1",
        "aisle/demo/dev/kiosk-1/telemetry",
        "x/demo/dev/k/events",
        "aisle/de mo/dev/k/events",
        "aisle/demo/dev/k+/events",
    ],
)
def test_bad_device_topics_are_refused(topic: str) -> None:
    with pytest.raises(ContractError):
        topics.parse_device_topic(topic)


@pytest.mark.parametrize("device", ["kiosk/1", "kiosk#", "a" * 65, "", "$SYS"])
def test_identifiers_brokers_mishandle_are_refused(device: str) -> None:
    with pytest.raises(ValueError, match="must match"):
        topics.events_topic("demo", device)


def test_every_topic_and_payload_type_is_documented() -> None:
    documented = DOCS.read_text()
    expected = [f"aisle/{{store}}/dev/{{device}}/{channel}" for channel in topics.DEVICE_CHANNELS]
    expected.append("aisle/{store}/catalog/{name}")
    missing = [topic for topic in expected if f"`{topic}`" not in documented]
    assert not missing, f"topics missing from docs/contracts.md: {missing}"
    undocumented = [t for t in PAYLOAD_MODELS if not re.search(rf"\|\s*`{t}`\s*\|", documented)]
    assert not undocumented, f"payload types missing from docs/contracts.md: {undocumented}"
