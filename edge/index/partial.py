"""Provides `PartialTransfer`: one index version being received into a partial file, resumable.

Files in the device's index folder, for version V:

    V.part         the file being filled, preallocated to its final size
    V.part.json    {"sha256": <whole-file sha256>, "chunk_bytes": .., "have": "<hex bitmap>"}

A chunk is written at its offset and only then marked in the bitmap, which is saved (write to a
temporary file, then an atomic rename) after every chunk, so a restart resumes with the chunks it
has. The bitmap is not fsynced per chunk: after a power cut it may name a chunk whose bytes did
not reach the disk; `finish` checks the whole file, and on a mismatch re-checks every chunk,
forgets the bad ones and reports them missing again, so nothing wrong is ever installed.
"""

from __future__ import annotations

import enum
import hashlib
import json
import logging
import os
from pathlib import Path

from contracts.index import IndexManifest

logger = logging.getLogger(__name__)

_READ_BYTES = 1 << 20


class ChunkOutcome(enum.Enum):
    """What `PartialTransfer.accept` did with a chunk."""

    STORED = "stored"
    DUPLICATE = "duplicate"
    CORRUPT = "corrupt"


def file_sha256(path: Path) -> str:
    """The hex sha256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(_READ_BYTES), b""):
            digest.update(block)
    return digest.hexdigest()


class PartialTransfer:
    """The chunks of one version received so far (used by one thread)."""

    def __init__(self, folder: Path, manifest: IndexManifest, have: set[int]) -> None:
        """Use `open`; this constructor trusts its arguments."""
        self.manifest = manifest
        self._folder = folder
        self._have = have
        self.part_path = folder / f"{manifest.version}.part"
        self._state_path = folder / f"{manifest.version}.part.json"

    @classmethod
    def open(cls, folder: Path, manifest: IndexManifest) -> PartialTransfer:
        """Resumes the transfer of `manifest`'s version, or starts it; drops other partials.

        A saved state is resumed only when it is for the same file (same sha256 and chunking).
        """
        folder.mkdir(parents=True, exist_ok=True)
        have = cls._saved_chunks(folder, manifest)
        for stale in folder.glob("*.part*"):
            if not stale.name.startswith(f"{manifest.version}.part"):
                stale.unlink(missing_ok=True)
        transfer = cls(folder, manifest, have)
        if not transfer.part_path.exists() or not have:
            with transfer.part_path.open("wb") as handle:
                handle.truncate(manifest.total_bytes)
            transfer._have = set()
            transfer._save()
        return transfer

    @staticmethod
    def _saved_chunks(folder: Path, manifest: IndexManifest) -> set[int]:
        state_path = folder / f"{manifest.version}.part.json"
        part_path = folder / f"{manifest.version}.part"
        if not state_path.is_file() or not part_path.is_file():
            return set()
        try:
            state = json.loads(state_path.read_text(encoding="utf-8"))
            saved = (str(state["sha256"]), int(state["chunk_bytes"]))
            bitmap = int(state["have"], 16) if state["have"] else 0
        except (OSError, ValueError, KeyError, TypeError) as exc:
            logger.warning("index partial state %s unreadable (%s); starting over", state_path, exc)
            return set()
        same = saved == (manifest.sha256, manifest.chunk_bytes)
        if not same or part_path.stat().st_size != manifest.total_bytes:
            return set()
        return {i for i in range(manifest.chunk_count) if bitmap >> i & 1}

    def _save(self) -> None:
        bitmap = 0
        for index in self._have:
            bitmap |= 1 << index
        state = {
            "sha256": self.manifest.sha256,
            "chunk_bytes": self.manifest.chunk_bytes,
            "have": f"{bitmap:x}",
        }
        temporary = self._state_path.with_suffix(".tmp")
        temporary.write_text(json.dumps(state), encoding="utf-8")
        temporary.replace(self._state_path)

    @property
    def have_count(self) -> int:
        """Chunks written so far."""
        return len(self._have)

    def has(self, index: int) -> bool:
        """Whether chunk `index` is already written."""
        return index in self._have

    def missing(self) -> list[int]:
        """Chunk indexes still to receive, in order."""
        return [i for i in range(self.manifest.chunk_count) if i not in self._have]

    def complete(self) -> bool:
        """Whether every chunk is written."""
        return len(self._have) == self.manifest.chunk_count

    def accept(self, index: int, data: bytes) -> ChunkOutcome:
        """Checks chunk `index` against its size and sha256 and writes it if it matches.

        Returns:
            STORED, DUPLICATE (already held; not written again) or CORRUPT (refused).
        """
        if not 0 <= index < self.manifest.chunk_count:
            return ChunkOutcome.CORRUPT
        if index in self._have:
            return ChunkOutcome.DUPLICATE
        if len(data) != self.manifest.chunk_size(index):
            return ChunkOutcome.CORRUPT
        if hashlib.sha256(data).hexdigest() != self.manifest.chunk_sha256[index]:
            return ChunkOutcome.CORRUPT
        fd = os.open(self.part_path, os.O_WRONLY)
        try:
            os.pwrite(fd, data, index * self.manifest.chunk_bytes)
        finally:
            os.close(fd)
        self._have.add(index)
        self._save()
        return ChunkOutcome.STORED

    def finish(self, destination: Path) -> list[int]:
        """Checks the whole file and moves it to `destination` atomically when it matches.

        Returns:
            An empty list when installed; else the chunks that failed their re-check (forgotten,
            so `missing()` names them again).
        """
        if file_sha256(self.part_path) != self.manifest.sha256:
            bad = self._recheck()
            logger.warning(
                "index %s: whole-file sha256 mismatch; chunks %s fail their re-check",
                self.manifest.version,
                bad[:20],
            )
            return bad or list(range(self.manifest.chunk_count))
        with self.part_path.open("rb+") as handle:
            os.fsync(handle.fileno())
        self.part_path.replace(destination)
        self._state_path.unlink(missing_ok=True)
        return []

    def _recheck(self) -> list[int]:
        bad = []
        with self.part_path.open("rb") as handle:
            for index in range(self.manifest.chunk_count):
                handle.seek(index * self.manifest.chunk_bytes)
                data = handle.read(self.manifest.chunk_size(index))
                if hashlib.sha256(data).hexdigest() != self.manifest.chunk_sha256[index]:
                    bad.append(index)
        if not bad:  # every chunk matches but the whole does not: start over
            bad = list(range(self.manifest.chunk_count))
        self._have.difference_update(bad)
        self._save()
        return bad
