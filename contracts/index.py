"""Provides the wire contract of photo-search index distribution: manifest, chunks and requests.

The hub builds a versioned index file, cuts it into chunks and ships it to devices over MQTT:

    aisle/{store}/catalog/index-manifest   hub -> devices, QoS 1, retained: `IndexManifest` (JSON)
    aisle/{store}/catalog/index-chunk      hub -> devices, QoS 1: one binary chunk (`encode_chunk`)
    aisle/{store}/dev/{device}/index       device -> hub, QoS 1: `IndexRequest` (JSON)

The transfer is pulled by the device, so it resumes wherever it stopped: on every connect the
device asks for the manifest (never relying on the retained copy alone), compares it with what it
runs and with the chunks it already holds (persisted), and asks for the missing chunks a window at
a time. The hub answers each request by publishing those chunks on the shared chunk topic (every
device fetching the same version takes them). Each chunk is checked against its sha256 in the
manifest and the whole file against `sha256`; a corrupt chunk is refused, reported in the next
request's `corrupt` list and asked for again.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from contracts.envelope import describe_validation_error
from contracts.errors import ContractError
from contracts.ids import IDENTIFIER_PATTERN, ULID_PATTERN
from contracts.topics import catalog_topic, device_topic, store_device_filter

INDEX_SCHEMA_VERSION = 1
MANIFEST_TOPIC_NAME = "index-manifest"
CHUNK_TOPIC_NAME = "index-chunk"
MAX_MESSAGE_BYTES = 256 * 1024  # every index message stays within this, header included
CHUNK_MAGIC = b"AIXC"
CHUNK_HEADER_VERSION = 1
# magic, header version, index version (26 ASCII chars, a ULID), chunk index, data length
_CHUNK_HEADER = struct.Struct(">4sB26sII")
CHUNK_HEADER_BYTES = _CHUNK_HEADER.size
MAX_CHUNK_BYTES = MAX_MESSAGE_BYTES - CHUNK_HEADER_BYTES
DEFAULT_CHUNK_BYTES = 240 * 1024
MAX_CHUNKS = 3000  # keeps the manifest (66 bytes per chunk hash) well under MAX_MESSAGE_BYTES
MAX_REQUESTED_CHUNKS = 64
SHA256_PATTERN = r"^[0-9a-f]{64}$"
IndexDtype = Literal["int8", "float16", "float32"]
RequestKind = Literal["manifest", "chunks"]
_M = TypeVar("_M", bound="IndexWireModel")


def manifest_topic(store: str) -> str:
    """Retained topic of the store's current `IndexManifest`."""
    return catalog_topic(store, MANIFEST_TOPIC_NAME)


def chunk_topic(store: str) -> str:
    """Topic the hub publishes index chunks on (binary, not retained)."""
    return catalog_topic(store, CHUNK_TOPIC_NAME)


def request_topic(store: str, device: str) -> str:
    """Topic a device asks the hub for the manifest or for chunks on."""
    return device_topic(store, device, "index")


def request_filter(store: str) -> str:
    """The hub's subscription to every device's index requests."""
    return store_device_filter(store, "index")


class IndexWireModel(BaseModel):
    """Base of the index wire models: frozen, unknown fields ignored (forward compatible)."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class IndexManifest(IndexWireModel):
    """One index version as the hub publishes it (retained on `manifest_topic`).

    `chunk_sha256[i]` is the sha256 of bytes `[i * chunk_bytes, (i + 1) * chunk_bytes)` of the
    file; the last chunk may be shorter.
    """

    schema_version: int = Field(default=INDEX_SCHEMA_VERSION, description="manifest schema")
    store: str = Field(pattern=IDENTIFIER_PATTERN.pattern, description="store id")
    version: str = Field(
        pattern=ULID_PATTERN.pattern, description="ULID; a later build sorts after an earlier one"
    )
    built_at: datetime = Field(description="UTC time the hub finished the build")
    file_format: str = Field(min_length=1, max_length=64, description="index file format id")
    model_name: str = Field(min_length=1, max_length=128, description="embedding model name")
    model_sha256: str = Field(pattern=SHA256_PATTERN, description="sha256 of the model file")
    dims: int = Field(ge=1, le=65_536, description="embedding dimensions d")
    dtype: IndexDtype = Field(description="storage type of the embedding rows")
    count: int = Field(ge=0, description="embedding rows in the index")
    products: int = Field(ge=0, description="distinct products in the index")
    total_bytes: int = Field(ge=1, description="size of the index file")
    sha256: str = Field(pattern=SHA256_PATTERN, description="sha256 of the whole index file")
    chunk_bytes: int = Field(ge=1024, le=MAX_CHUNK_BYTES, description="bytes per chunk")
    chunk_count: int = Field(ge=1, le=MAX_CHUNKS, description="number of chunks")
    chunk_sha256: list[str] = Field(description="sha256 of each chunk, in order")

    @field_validator("built_at")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("built_at must carry a UTC offset")
        return value.astimezone(UTC)

    @model_validator(mode="after")
    def _consistent(self) -> IndexManifest:
        if self.schema_version not in (INDEX_SCHEMA_VERSION, INDEX_SCHEMA_VERSION - 1):
            raise ValueError(f"schema_version {self.schema_version} is not supported")
        expected = -(-self.total_bytes // self.chunk_bytes)
        if self.chunk_count != expected:
            raise ValueError(
                f"chunk_count {self.chunk_count} != ceil(total_bytes / chunk_bytes) = {expected}"
            )
        if len(self.chunk_sha256) != self.chunk_count:
            raise ValueError(f"{len(self.chunk_sha256)} chunk hashes for {self.chunk_count}")
        bad = [h for h in self.chunk_sha256 if len(h) != 64 or h.strip("0123456789abcdef")]
        if bad:
            raise ValueError(f"chunk_sha256 holds non-sha256 values, e.g. {bad[0]!r}")
        return self

    def chunk_size(self, index: int) -> int:
        """Length in bytes of chunk `index` (the last one may be short).

        Raises:
            ValueError: if `index` is not in `[0, chunk_count)`.
        """
        if not 0 <= index < self.chunk_count:
            raise ValueError(f"chunk {index} is out of [0, {self.chunk_count})")
        return min(self.chunk_bytes, self.total_bytes - index * self.chunk_bytes)

    def to_json_bytes(self) -> bytes:
        """Compact UTF-8 JSON, as published."""
        return self.model_dump_json().encode()


class IndexRequest(IndexWireModel):
    """A device asking the hub for the current manifest or for chunks of one version.

    Attributes:
        kind: `manifest` (sent on every connect) or `chunks`.
        version: the version the chunks belong to (`chunks` only).
        chunks: chunk indexes wanted (`chunks` only), at most `MAX_REQUESTED_CHUNKS`.
        corrupt: chunks that arrived with a wrong sha256 since the last request (reported).
        running: the version the device runs, if any (for the hub's view of the fleet).
    """

    v: int = Field(default=1, description="request schema version")
    device: str = Field(pattern=IDENTIFIER_PATTERN.pattern, description="requesting device")
    kind: RequestKind = Field(description="manifest or chunks")
    version: str | None = Field(
        default=None, pattern=ULID_PATTERN.pattern, description="version of the chunks asked for"
    )
    chunks: list[int] = Field(
        default_factory=list, max_length=MAX_REQUESTED_CHUNKS, description="chunk indexes wanted"
    )
    corrupt: list[int] = Field(
        default_factory=list, max_length=MAX_CHUNKS, description="chunks refused as corrupt"
    )
    running: str | None = Field(default=None, description="index version the device runs")

    @model_validator(mode="after")
    def _shape(self) -> IndexRequest:
        if self.kind == "chunks" and (self.version is None or not self.chunks):
            raise ValueError("a chunks request names its version and at least one chunk")
        if any(index < 0 for index in (*self.chunks, *self.corrupt)):
            raise ValueError("chunk indexes are >= 0")
        return self

    def to_json_bytes(self) -> bytes:
        """Compact UTF-8 JSON, as published."""
        return self.model_dump_json(exclude_none=True).encode()


def _parse_json_model(raw: bytes, model: type[_M], what: str) -> _M:
    if len(raw) > MAX_MESSAGE_BYTES:
        raise ContractError(f"{what} of {len(raw)} bytes exceeds {MAX_MESSAGE_BYTES}")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ContractError(f"{what} is not UTF-8 JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise ContractError(f"{what} must be a JSON object, got {type(data).__name__}")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ContractError(f"invalid {what}: {describe_validation_error(exc)}") from exc


def parse_manifest(raw: bytes) -> IndexManifest:
    """Parses a manifest message.

    Raises:
        ContractError: with a one-line reason.
    """
    return _parse_json_model(raw, IndexManifest, "index manifest")


def parse_request(raw: bytes) -> IndexRequest:
    """Parses a device's index request.

    Raises:
        ContractError: with a one-line reason.
    """
    return _parse_json_model(raw, IndexRequest, "index request")


@dataclass(frozen=True, slots=True)
class IndexChunk:
    """One decoded chunk message.

    Attributes:
        version: the index version (ULID) the chunk belongs to.
        index: chunk number, from 0.
        data: the chunk's bytes.
    """

    version: str
    index: int
    data: bytes


def encode_chunk(version: str, index: int, data: bytes) -> bytes:
    """Encodes one chunk: a 39-byte big-endian header, then the data.

    Header: `AIXC`, header version (u8), index version (26 ASCII bytes), chunk index (u32),
    data length (u32).

    Raises:
        ValueError: if the version is not a ULID, the index is negative or the data too long.
    """
    if not ULID_PATTERN.match(version):
        raise ValueError(f"version must be a ULID, got {version!r}")
    if index < 0 or len(data) > MAX_CHUNK_BYTES:
        raise ValueError(f"chunk {index} of {len(data)} bytes (max {MAX_CHUNK_BYTES})")
    header = _CHUNK_HEADER.pack(
        CHUNK_MAGIC, CHUNK_HEADER_VERSION, version.encode("ascii"), index, len(data)
    )
    return header + data


def decode_chunk(raw: bytes) -> IndexChunk:
    """Decodes a chunk message (the data is not checked against any hash here).

    Raises:
        ContractError: if the header is missing, unknown or disagrees with the data length.
    """
    if len(raw) < CHUNK_HEADER_BYTES or len(raw) > MAX_MESSAGE_BYTES:
        raise ContractError(f"chunk message of {len(raw)} bytes is not a chunk")
    magic, header_version, version, index, length = _CHUNK_HEADER.unpack_from(raw)
    if magic != CHUNK_MAGIC or header_version != CHUNK_HEADER_VERSION:
        raise ContractError(f"unknown chunk header {magic!r} v{header_version}")
    text = version.decode("ascii", errors="replace")
    if not ULID_PATTERN.match(text):
        raise ContractError(f"chunk version {text!r} is not a ULID")
    if len(raw) - CHUNK_HEADER_BYTES != length:
        raise ContractError(
            f"chunk {index} says {length} bytes but carries {len(raw) - CHUNK_HEADER_BYTES}"
        )
    return IndexChunk(text, index, bytes(raw[CHUNK_HEADER_BYTES:]))
