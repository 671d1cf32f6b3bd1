"""Provides `IndexVersions`: the hub's built index versions on disk and the one it publishes.

Layout under the index folder:

    versions/<version>/index.npz       the index file (opaque bytes to the hub)
    versions/<version>/manifest.json   its `IndexManifest`
    current                            the published version's id (replaced atomically)

`install` moves a finished file in, writes its manifest, then points `current` at it; the two
newest versions are kept so a device fetching the previous one can be told about the new one
without its file vanishing under a read.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from contracts.errors import ContractError
from contracts.index import (
    DEFAULT_CHUNK_BYTES,
    MAX_CHUNK_BYTES,
    MAX_CHUNKS,
    IndexDtype,
    IndexManifest,
    parse_manifest,
)
from hub.errors import HubError

logger = logging.getLogger(__name__)

KEEP_VERSIONS = 2
_READ_BYTES = 1 << 20


class IndexUnavailable(HubError):
    """The index version asked for is not on disk."""


@dataclass(frozen=True, slots=True)
class BuiltIndex:
    """What the indexer reports about a file it wrote.

    Attributes:
        model_name: embedding model name.
        model_sha256: sha256 of the model file.
        dims: embedding dimensions.
        dtype: row storage type.
        count: rows.
        products: distinct products.
        file_format: index file format id.
    """

    model_name: str
    model_sha256: str
    dims: int
    dtype: IndexDtype
    count: int
    products: int
    file_format: str


def chunk_size_for(total_bytes: int, chunk_bytes: int = DEFAULT_CHUNK_BYTES) -> int:
    """The chunk size to use: `chunk_bytes`, grown if the file would need over `MAX_CHUNKS`.

    Raises:
        ValueError: if the file cannot fit in `MAX_CHUNKS` chunks of the largest size.
    """
    size = max(chunk_bytes, -(-total_bytes // MAX_CHUNKS))
    if size > MAX_CHUNK_BYTES:
        raise ValueError(f"an index of {total_bytes} bytes exceeds {MAX_CHUNKS} chunks")
    return size


def describe_file(
    path: Path,
    built: BuiltIndex,
    *,
    store: str,
    version: str,
    built_at: datetime,
    chunk_bytes: int = DEFAULT_CHUNK_BYTES,
) -> IndexManifest:
    """Hashes an index file whole and per chunk and returns its manifest."""
    total = path.stat().st_size
    size = chunk_size_for(total, chunk_bytes)
    whole = hashlib.sha256()
    chunks = []
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(size), b""):
            whole.update(block)
            chunks.append(hashlib.sha256(block).hexdigest())
    return IndexManifest(
        store=store,
        version=version,
        built_at=built_at,
        file_format=built.file_format,
        model_name=built.model_name,
        model_sha256=built.model_sha256,
        dims=built.dims,
        dtype=built.dtype,
        count=built.count,
        products=built.products,
        total_bytes=total,
        sha256=whole.hexdigest(),
        chunk_bytes=size,
        chunk_count=len(chunks),
        chunk_sha256=chunks,
    )


class IndexVersions:
    """The index versions in one folder; safe to use from several threads."""

    def __init__(self, folder: Path) -> None:
        """Uses (and creates) `folder`."""
        self.folder = folder
        self._versions = folder / "versions"
        self._versions.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._current: IndexManifest | None = None
        self._loaded = False

    def install(self, built_file: Path, manifest: IndexManifest) -> None:
        """Moves `built_file` in as `manifest.version` and makes it the current version."""
        target = self._versions / manifest.version
        target.mkdir(parents=True, exist_ok=True)
        built_file.replace(target / "index.npz")
        (target / "manifest.json").write_bytes(manifest.to_json_bytes())
        pointer = self.folder / "current.tmp"
        pointer.write_text(manifest.version, encoding="ascii")
        pointer.replace(self.folder / "current")
        with self._lock:
            self._current, self._loaded = manifest, True
        self._prune(keep=manifest.version)

    def _prune(self, *, keep: str) -> None:
        names = sorted(p.name for p in self._versions.iterdir() if p.is_dir())
        for name in names[:-KEEP_VERSIONS]:
            if name != keep:
                shutil.rmtree(self._versions / name, ignore_errors=True)

    def current(self) -> IndexManifest | None:
        """The published version's manifest, or None before the first build."""
        with self._lock:
            if self._loaded:
                return self._current
        manifest = self._read_current()
        with self._lock:
            self._current, self._loaded = manifest, True
        return manifest

    def _read_current(self) -> IndexManifest | None:
        pointer = self.folder / "current"
        if not pointer.is_file():
            return None
        version = pointer.read_text(encoding="ascii").strip()
        try:
            return parse_manifest((self._versions / version / "manifest.json").read_bytes())
        except (OSError, ContractError) as exc:
            logger.warning("index version %s on disk is unusable: %s", version, exc)
            return None

    def read_chunks(self, manifest: IndexManifest, indexes: list[int]) -> list[tuple[int, bytes]]:
        """Reads chunks of `manifest`'s version (indexes out of range are skipped).

        Raises:
            IndexUnavailable: if the version's file is gone.
        """
        path = self._versions / manifest.version / "index.npz"
        out = []
        try:
            with path.open("rb") as handle:
                for index in indexes:
                    if 0 <= index < manifest.chunk_count:
                        handle.seek(index * manifest.chunk_bytes)
                        out.append((index, handle.read(manifest.chunk_size(index))))
        except FileNotFoundError as exc:
            raise IndexUnavailable(f"index {manifest.version} is not on disk") from exc
        return out
