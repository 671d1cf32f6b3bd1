"""Tests the envelope and payload contracts: golden payloads round-trip, bad input is refused."""

from __future__ import annotations

import json
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

import pytest

from contracts.envelope import Envelope, parse_envelope
from contracts.errors import ContractError
from contracts.payloads import DeviceState, ScanPayload, parse_payload

PAYLOADS = Path(__file__).resolve().parents[1] / "fixtures" / "payloads"


@pytest.mark.parametrize("name", ["scan_v1.json", "scan_gs1_128_v1.json"])
def test_golden_scan_envelopes_round_trip(name: str) -> None:
    raw = (PAYLOADS / name).read_bytes().strip()
    envelope = parse_envelope(raw)
    assert isinstance(parse_payload(envelope), ScanPayload)
    assert json.loads(envelope.to_json_bytes()) == json.loads(raw)


def test_golden_device_state_round_trips() -> None:
    data = json.loads((PAYLOADS / "state_v1.json").read_text())
    state = DeviceState.model_validate(data)
    dumped = state.model_dump(mode="json")
    dumped["ts"] = dumped["ts"].replace("+00:00", "Z").replace("Z", ".000Z", 1)
    assert dumped == data


def _golden() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((PAYLOADS / "scan_v1.json").read_text())
    return data


def _with(**changes: Any) -> bytes:
    data = _golden()
    data.update(changes)
    return json.dumps(data).encode()


@pytest.mark.parametrize(
    ("raw", "expectation"),
    [
        (_with(), nullcontext()),
        (_with(v=2), pytest.raises(ContractError, match="unsupported envelope version 2")),
        (_with(v=0), pytest.raises(ContractError, match="unsupported envelope version")),
        (_with(id="not-a-ulid"), pytest.raises(ContractError, match="id")),
        (_with(seq=0), pytest.raises(ContractError, match="seq")),
        (_with(device="kiosk/1"), pytest.raises(ContractError, match="device")),
        (_with(ts="2026-11-21T10:15:30"), pytest.raises(ContractError, match="UTC offset")),
        (b"\xff\xfe", pytest.raises(ContractError, match="not UTF-8 JSON")),
        (b"{not json", pytest.raises(ContractError, match="not UTF-8 JSON")),
        (b"[1, 2]", pytest.raises(ContractError, match="JSON object")),
        (b"x" * 300_000, pytest.raises(ContractError, match="exceeds")),
    ],
)
def test_parse_envelope_table(raw: bytes, expectation: AbstractContextManager[Any]) -> None:
    with expectation:
        assert isinstance(parse_envelope(raw), Envelope)


@pytest.mark.parametrize(
    ("payload_changes", "expectation"),
    [
        ({}, nullcontext()),
        ({"gtin": "04006381333932"}, pytest.raises(ContractError, match="check digit")),
        ({"symbology": "aztec"}, pytest.raises(ContractError, match="symbology")),
        ({"frames_confirmed": 0}, pytest.raises(ContractError, match="frames_confirmed")),
        ({"text": ""}, pytest.raises(ContractError, match="text")),
    ],
)
def test_parse_scan_payload_table(
    payload_changes: dict[str, Any], expectation: AbstractContextManager[Any]
) -> None:
    data = _golden()
    data["payload"] = {**data["payload"], **payload_changes}
    envelope = parse_envelope(json.dumps(data).encode())
    with expectation:
        parse_payload(envelope)


def test_unknown_event_type_is_refused_with_the_known_types() -> None:
    envelope = parse_envelope(_with(type="teleport"))
    with pytest.raises(ContractError, match=r"unknown event type 'teleport'.*scan"):
        parse_payload(envelope)


def test_ts_is_normalised_to_utc() -> None:
    envelope = parse_envelope(_with(ts="2026-11-21T12:15:30.123+02:00"))
    assert envelope.to_json_bytes().count(b'"ts":"2026-11-21T10:15:30.123Z"') == 1
