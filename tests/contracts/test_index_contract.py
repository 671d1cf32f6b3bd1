"""Tests the index distribution contract: golden manifest, request and chunk round-trip; bad
input is refused with a reason."""

from __future__ import annotations

import hashlib
import json
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

import pytest

from contracts import index as contract
from contracts.errors import ContractError
from contracts.index import (
    CHUNK_HEADER_BYTES,
    MAX_CHUNK_BYTES,
    IndexManifest,
    decode_chunk,
    encode_chunk,
    parse_manifest,
    parse_request,
)
from contracts.topics import parse_device_topic

PAYLOADS = Path(__file__).resolve().parents[1] / "fixtures" / "payloads"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "contracts.md"
VERSION = "01JD5ZQ7M3X0Y4N8R2T6V9W1AB"


def _manifest_data() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((PAYLOADS / "index_manifest_v1.json").read_text())
    return data


def test_golden_manifest_round_trips() -> None:
    raw = (PAYLOADS / "index_manifest_v1.json").read_bytes().strip()
    manifest = parse_manifest(raw)
    assert manifest.chunk_count == 3
    assert [manifest.chunk_size(i) for i in range(3)] == [1024, 1024, 512]
    assert json.loads(manifest.to_json_bytes()) == json.loads(raw)


def test_golden_request_round_trips() -> None:
    raw = (PAYLOADS / "index_request_v1.json").read_bytes().strip()
    request = parse_request(raw)
    assert (request.kind, request.chunks, request.corrupt) == ("chunks", [1, 2], [1])
    assert json.loads(request.to_json_bytes()) == json.loads(raw)


def test_golden_chunk_round_trips_and_matches_the_manifest() -> None:
    raw = (PAYLOADS / "index_chunk_v1.bin").read_bytes()
    chunk = decode_chunk(raw)
    manifest = parse_manifest((PAYLOADS / "index_manifest_v1.json").read_bytes())
    assert (chunk.version, chunk.index) == (manifest.version, 2)
    assert hashlib.sha256(chunk.data).hexdigest() == manifest.chunk_sha256[2]
    assert encode_chunk(chunk.version, chunk.index, chunk.data) == raw
    assert raw[:CHUNK_HEADER_BYTES].startswith(b"AIXC\x01" + VERSION.encode())


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, nullcontext()),
        ({"chunk_count": 4}, pytest.raises(ContractError, match="chunk_count 4")),
        ({"chunk_sha256": ["00" * 32] * 2}, pytest.raises(ContractError, match="2 chunk hashes")),
        ({"chunk_sha256": ["XY" * 32] * 3}, pytest.raises(ContractError, match="non-sha256")),
        ({"version": "not-a-ulid"}, pytest.raises(ContractError, match="version")),
        ({"built_at": "2026-11-21T10:15:30"}, pytest.raises(ContractError, match="UTC")),
        ({"dtype": "int4"}, pytest.raises(ContractError, match="dtype")),
        ({"chunk_bytes": MAX_CHUNK_BYTES + 1}, pytest.raises(ContractError, match="chunk_bytes")),
        ({"schema_version": 9}, pytest.raises(ContractError, match="schema_version 9")),
        ({"extra_field": 1}, nullcontext()),
    ],
)
def test_manifest_checks(changes: dict[str, Any], expected: AbstractContextManager[Any]) -> None:
    data = _manifest_data() | changes
    with expected:
        parse_manifest(json.dumps(data).encode())


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b'{"device":"k1","kind":"manifest"}', nullcontext()),
        (
            b'{"device":"k1","kind":"chunks","chunks":[1]}',
            pytest.raises(ContractError, match="version"),
        ),
        (b'{"device":"k/1","kind":"manifest"}', pytest.raises(ContractError, match="device")),
        (
            json.dumps(
                {"device": "k1", "kind": "chunks", "version": VERSION, "chunks": list(range(65))}
            ).encode(),
            pytest.raises(ContractError, match="chunks"),
        ),
        (b"\xff", pytest.raises(ContractError, match="UTF-8")),
        (b"[1]", pytest.raises(ContractError, match="JSON object")),
    ],
)
def test_request_checks(raw: bytes, expected: AbstractContextManager[Any]) -> None:
    with expected:
        parse_request(raw)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"AIXC", "not a chunk"),
        (b"NOPE\x01" + VERSION.encode() + bytes(8), "unknown chunk header"),
        (b"AIXC\x01" + b"x" * 26 + bytes(8), "not a ULID"),
        (encode_chunk(VERSION, 0, b"abcd")[:-1], "says 4 bytes but carries 3"),
    ],
)
def test_bad_chunks_are_refused(raw: bytes, reason: str) -> None:
    with pytest.raises(ContractError, match=reason):
        decode_chunk(raw)


def test_encode_refuses_oversized_chunks() -> None:
    with pytest.raises(ValueError, match="max"):
        encode_chunk(VERSION, 0, bytes(MAX_CHUNK_BYTES + 1))
    assert len(encode_chunk(VERSION, 0, bytes(MAX_CHUNK_BYTES))) == contract.MAX_MESSAGE_BYTES


def test_chunk_size_refuses_out_of_range() -> None:
    manifest = IndexManifest.model_validate(_manifest_data())
    with pytest.raises(ValueError, match="out of"):
        manifest.chunk_size(3)


def test_topics_are_in_the_tree_and_documented() -> None:
    assert contract.manifest_topic("demo") == "aisle/demo/catalog/index-manifest"
    assert contract.chunk_topic("demo") == "aisle/demo/catalog/index-chunk"
    topic = contract.request_topic("demo", "kiosk-1")
    assert parse_device_topic(topic).channel == "index"
    assert contract.request_filter("demo") == "aisle/demo/dev/+/index"
    documented = DOCS.read_text()
    for name in ("index-manifest", "index-chunk", "IndexManifest", "IndexRequest"):
        assert name in documented
