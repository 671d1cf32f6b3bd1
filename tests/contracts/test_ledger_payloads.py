"""Tests the ledger payload contracts (`sale`, `stock`): golden payloads round-trip, bad input
is refused with a reason."""

from __future__ import annotations

import json
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

import pytest

from contracts.envelope import parse_envelope
from contracts.errors import ContractError
from contracts.payloads import SalePayload, StockPayload, parse_payload

PAYLOADS = Path(__file__).resolve().parents[1] / "fixtures" / "payloads"


@pytest.mark.parametrize(
    ("name", "model"), [("sale_v1.json", SalePayload), ("stock_sighting_v1.json", StockPayload)]
)
def test_golden_ledger_envelopes_round_trip(name: str, model: type[Any]) -> None:
    raw = (PAYLOADS / name).read_bytes().strip()
    envelope = parse_envelope(raw)
    assert isinstance(parse_payload(envelope), model)
    assert json.loads(envelope.to_json_bytes()) == json.loads(raw)


def _envelope(kind: str, payload: dict[str, Any]) -> bytes:
    data = json.loads((PAYLOADS / "sale_v1.json").read_text())
    data.update(type=kind, payload=payload)
    return json.dumps(data).encode()


_LINE = {"gtin": "04006381333931", "quantity": 1}


@pytest.mark.parametrize(
    ("kind", "payload", "expectation"),
    [
        ("sale", {"till": "pos-1", "receipt": "1", "lines": [_LINE]}, nullcontext()),
        ("sale", {"till": "pos-1", "receipt": "1", "lines": []}, pytest.raises(ContractError)),
        (
            "sale",
            {"till": "pos/1", "receipt": "1", "lines": [_LINE]},
            pytest.raises(ContractError, match="till"),
        ),
        (
            "sale",
            {"till": "p", "receipt": "1", "lines": [{**_LINE, "quantity": 0}]},
            pytest.raises(ContractError, match="quantity"),
        ),
        (
            "sale",
            {"till": "p", "receipt": "1", "lines": [{**_LINE, "quantity": 10**12}]},
            pytest.raises(ContractError, match="quantity"),
        ),
        (
            "sale",
            {"till": "p", "receipt": "1", "lines": [{**_LINE, "gtin": "04006381333932"}]},
            pytest.raises(ContractError, match="check digit"),
        ),
        ("stock", {"kind": "count", "gtin": "04006381333931", "quantity": 0}, nullcontext()),
        (
            "stock",
            {"kind": "receipt", "gtin": "04006381333931", "quantity": 0},
            pytest.raises(ContractError, match="receipt needs quantity"),
        ),
        (
            "stock",
            {"kind": "theft", "gtin": "04006381333931", "quantity": 1},
            pytest.raises(ContractError, match="kind"),
        ),
    ],
)
def test_ledger_payloads_are_checked(
    kind: str, payload: dict[str, Any], expectation: AbstractContextManager[object]
) -> None:
    with expectation:
        parse_payload(parse_envelope(_envelope(kind, payload)))
