"""Tests the photo-search contracts: the `search` payload round-trips and refuses bad input with
a reason; `DeviceCommand` parses `what_is_this` and refuses anything else."""

from __future__ import annotations

import json
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

import pytest

from contracts.envelope import parse_envelope
from contracts.errors import ContractError
from contracts.payloads import DeviceCommand, SearchPayload, parse_command, parse_payload

PAYLOADS = Path(__file__).resolve().parents[1] / "fixtures" / "payloads"


def _golden() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((PAYLOADS / "search_v1.json").read_text())
    return data


def test_golden_search_envelope_round_trips() -> None:
    raw = (PAYLOADS / "search_v1.json").read_bytes().strip()
    envelope = parse_envelope(raw)
    payload = parse_payload(envelope)
    assert isinstance(payload, SearchPayload) and payload.hits[0].gtin == "04012734004359"
    assert json.loads(envelope.to_json_bytes()) == json.loads(raw)


@pytest.mark.parametrize(
    ("change", "expectation"),
    [
        ({}, nullcontext()),
        ({"hits": [], "abstained": True}, nullcontext()),  # no index hit: abstains, no candidates
        ({"confidence": None, "command_id": None}, nullcontext()),
        ({"hits": [], "abstained": False}, pytest.raises(ContractError, match="at least one hit")),
        ({"input_sha256": "abc"}, pytest.raises(ContractError, match="input_sha256")),
        ({"trigger": "shake"}, pytest.raises(ContractError, match="trigger")),
        ({"crop": "full"}, pytest.raises(ContractError, match="crop")),
        ({"hits": [{"gtin": "123", "score": 0.5, "in_stock": True}]}, pytest.raises(ContractError)),
        ({"confidence": 1.5}, pytest.raises(ContractError, match="confidence")),
        ({"latency_ms": -1}, pytest.raises(ContractError, match="latency_ms")),
        ({"pixels": "AAAA"}, nullcontext()),  # unknown fields are ignored, never stored as data
    ],
)
def test_search_payload_rules(
    change: dict[str, Any], expectation: AbstractContextManager[object]
) -> None:
    data = _golden()
    data["payload"].update(change)
    with expectation:
        payload = parse_payload(parse_envelope(json.dumps(data).encode()))
        assert isinstance(payload, SearchPayload)
        assert "pixels" not in payload.model_dump()


@pytest.mark.parametrize(
    ("raw", "expectation"),
    [
        (b'{"v": 1, "id": "c1", "command": "what_is_this"}', nullcontext()),
        (b'{"id": "c1", "command": "what_is_this", "extra": 1}', nullcontext()),
        (
            b'{"v": 1, "id": "c1", "command": "reboot"}',
            pytest.raises(ContractError, match="command"),
        ),
        (b'{"v": 1, "command": "what_is_this"}', pytest.raises(ContractError, match="id")),
        (b"not json", pytest.raises(ContractError, match="invalid command")),
    ],
)
def test_device_command_parsing(raw: bytes, expectation: AbstractContextManager[object]) -> None:
    with expectation:
        assert parse_command(raw) == DeviceCommand(id="c1", command="what_is_this")
