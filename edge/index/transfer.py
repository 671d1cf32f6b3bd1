"""Provides `IndexTransfer`: the device side of the index protocol, without the MQTT client.

Fed with manifests, chunks and clock ticks, it returns the `IndexRequest`s to publish, writes
chunks through a `PartialTransfer`, and installs a complete, verified version: atomic rename into
`index-<version>.npz`, `current.json` (its manifest) replaced atomically, then the in-memory swap
in `ActiveIndex`. Used by one thread (the receiver's worker).

Rules: a manifest older than the running version, for another store, or built with another
embedding model than the device's is refused; a chunk of another version is ignored; a corrupt
chunk is refused (WARNING, counter, listed in the next request's `corrupt`) and asked for again,
and a version whose chunk arrives corrupt more than `max_chunk_retries` times is given up until
the hub publishes another version. Chunks not arriving within `chunk_timeout_s` are asked for
again, for as long as it takes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from contracts.errors import ContractError
from contracts.index import MAX_REQUESTED_CHUNKS, IndexChunk, IndexManifest, IndexRequest
from contracts.index import parse_manifest as parse_manifest_bytes
from edge.index.active import ActiveIndex, LoadedIndex
from edge.index.file import IndexFileError, read_index_file
from edge.index.partial import ChunkOutcome, PartialTransfer, file_sha256

logger = logging.getLogger(__name__)

CURRENT_FILE = "current.json"
Loader = Callable[[Path, IndexManifest], LoadedIndex]


def load_index(path: Path, manifest: IndexManifest) -> LoadedIndex:
    """Loads an installed index file as the version `manifest` names.

    Raises:
        IndexFileError: if the file is unreadable or disagrees with the manifest.
    """
    data = read_index_file(path)
    if data.index.dim != manifest.dims or len(data.index.codes) != manifest.count:
        raise IndexFileError(
            f"{path.name}: {len(data.index.codes)}x{data.index.dim} rows, manifest says "
            f"{manifest.count}x{manifest.dims}"
        )
    return LoadedIndex(manifest.version, data)


def installed_path(folder: Path, version: str) -> Path:
    """Where version `version` lives once installed."""
    return folder / f"index-{version}.npz"


def load_installed(folder: Path, loader: Loader = load_index) -> LoadedIndex | None:
    """Loads the version `current.json` names, after checking its sha256; None if none is usable."""
    current = folder / CURRENT_FILE
    if not current.is_file():
        return None
    try:
        manifest = parse_manifest_bytes(current.read_bytes())
        path = installed_path(folder, manifest.version)
        if file_sha256(path) != manifest.sha256:
            raise IndexFileError(f"{path.name} does not match its sha256")
        return loader(path, manifest)
    except (OSError, ContractError, IndexFileError) as exc:
        logger.warning("installed index in %s is unusable (%s); waiting for the hub", folder, exc)
        return None


@dataclass(frozen=True, slots=True)
class TransferSettings:
    """How the device fetches index versions.

    Attributes:
        store_id: the device's store.
        device_id: the device.
        folder: where partial and installed index files live.
        window_chunks: chunks asked for and not yet received, at most.
        chunk_timeout_s: a chunk asked for and not received in this time is asked for again.
        max_chunk_retries: corrupt arrivals of one chunk before the version is given up.
        model_sha256: the device's embedding model; None accepts any.
    """

    store_id: str
    device_id: str
    folder: Path
    window_chunks: int = 32
    chunk_timeout_s: float = 10.0
    max_chunk_retries: int = 5
    model_sha256: str | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.window_chunks <= 1024 or self.chunk_timeout_s <= 0:
            raise ValueError("need 1 <= window_chunks <= 1024 and chunk_timeout_s > 0")


@dataclass(frozen=True, slots=True)
class TransferStats:
    """Counters of the index transfer (see `IndexTransfer.stats`)."""

    running: str | None
    target: str | None
    chunks_have: int
    chunks_total: int
    stored: int
    duplicates: int
    corrupt: int
    ignored: int
    timeouts: int
    requests: int
    switches: int
    refused: tuple[str, ...]


class IndexTransfer:
    """State machine of one device's index transfers (one thread)."""

    def __init__(
        self, settings: TransferSettings, active: ActiveIndex, *, loader: Loader = load_index
    ) -> None:
        """Starts idle; `active` holds whatever version was installed before."""
        self._settings = settings
        self._active = active
        self._loader = loader
        self._partial: PartialTransfer | None = None
        self._outstanding: dict[int, float] = {}  # chunk -> when asked (monotonic s)
        self._retries: dict[int, int] = {}
        self._corrupt_unreported: list[int] = []
        self._given_up: dict[str, str] = {}  # version -> reason
        self._counts = dict.fromkeys(
            ("stored", "duplicates", "corrupt", "ignored", "timeouts", "requests", "switches"), 0
        )

    def stats(self) -> TransferStats:
        """A snapshot of the counters (call from the owning thread, or accept a torn read)."""
        partial = self._partial
        return TransferStats(
            running=self._active.version,
            target=None if partial is None else partial.manifest.version,
            chunks_have=0 if partial is None else partial.have_count,
            chunks_total=0 if partial is None else partial.manifest.chunk_count,
            refused=tuple(f"index {v}: {why}" for v, why in list(self._given_up.items())),
            **self._counts,
        )

    def on_connect(self) -> list[IndexRequest]:
        """A new connection: chunks asked for on the old one are lost; ask for the manifest."""
        self._outstanding.clear()
        return [self._request("manifest")]

    def on_manifest(self, manifest: IndexManifest, now_s: float) -> list[IndexRequest]:
        """Starts or resumes fetching `manifest`'s version when the device should run it."""
        reason = self._refusal(manifest)
        if reason is not None:
            if reason:
                logger.warning(
                    "device %s refuses index %s: %s",
                    self._settings.device_id,
                    manifest.version,
                    reason,
                )
            return []
        partial = self._partial
        if partial is None or partial.manifest.version != manifest.version:
            self._partial = PartialTransfer.open(self._settings.folder, manifest)
            self._retries.clear()
            logger.info(
                "device %s fetches index %s: %d of %d chunks already held",
                self._settings.device_id,
                manifest.version,
                self._partial.have_count,
                manifest.chunk_count,
            )
        self._outstanding.clear()  # a manifest also follows a reconnect: ask again
        return self._advance(now_s)

    def _refusal(self, manifest: IndexManifest) -> str | None:
        """None to fetch it; "" to ignore it quietly; else why it is refused."""
        running = self._active.version
        if manifest.version == running or manifest.version in self._given_up:
            return ""
        if manifest.store != self._settings.store_id:
            return f"it is for store {manifest.store!r}"
        if running is not None and manifest.version < running:
            return f"it is older than the running version {running}"
        wanted = self._settings.model_sha256
        if wanted is not None and manifest.model_sha256 != wanted:
            reason = (
                f"built with model sha256 {manifest.model_sha256[:12]}, device runs {wanted[:12]}"
            )
            self._given_up[manifest.version] = reason
            return reason
        return None

    def on_chunk(self, chunk: IndexChunk, now_s: float) -> list[IndexRequest]:
        """Checks and stores one chunk; installs the version when it is complete."""
        partial = self._partial
        if partial is None or chunk.version != partial.manifest.version:
            self._counts["ignored"] += 1
            return []
        outcome = partial.accept(chunk.index, chunk.data)
        if outcome is ChunkOutcome.DUPLICATE:
            self._counts["duplicates"] += 1
            return []
        self._outstanding.pop(chunk.index, None)
        if outcome is ChunkOutcome.CORRUPT:
            return self._refuse_chunk(partial, chunk, now_s)
        self._counts["stored"] += 1
        return self._advance(now_s)

    def _refuse_chunk(
        self, partial: PartialTransfer, chunk: IndexChunk, now_s: float
    ) -> list[IndexRequest]:
        self._counts["corrupt"] += 1
        tries = self._retries.get(chunk.index, 0) + 1
        self._retries[chunk.index] = tries
        version = partial.manifest.version
        logger.warning(
            "device %s refused corrupt chunk %d of index %s (%d bytes; arrival %d)",
            self._settings.device_id,
            chunk.index,
            version,
            len(chunk.data),
            tries,
        )
        self._corrupt_unreported.append(chunk.index)
        if tries > self._settings.max_chunk_retries:
            self._given_up[version] = f"chunk {chunk.index} arrived corrupt {tries} times"
            logger.warning("device %s gives up index %s", self._settings.device_id, version)
            self._partial = None
            self._outstanding.clear()
            return [self._request("manifest")]  # reports the corrupt chunks to the hub
        return self._advance(now_s)  # asks for it again, reporting it as corrupt

    def on_tick(self, now_s: float) -> list[IndexRequest]:
        """Asks again for chunks that timed out, and for reported-corrupt ones."""
        if self._partial is None:
            return []
        timeout_s = self._settings.chunk_timeout_s
        late = [i for i, asked in self._outstanding.items() if now_s - asked >= timeout_s]
        for index in late:
            del self._outstanding[index]
        self._counts["timeouts"] += len(late)
        if late or self._corrupt_unreported:
            return self._advance(now_s)
        return []

    def _advance(self, now_s: float) -> list[IndexRequest]:
        partial = self._partial
        if partial is None:
            return []
        if partial.complete():
            return self._install(partial, now_s)
        room = self._settings.window_chunks - len(self._outstanding)
        wanted = [i for i in partial.missing() if i not in self._outstanding][: max(room, 0)]
        requests = []
        for start in range(0, len(wanted), MAX_REQUESTED_CHUNKS):
            batch = wanted[start : start + MAX_REQUESTED_CHUNKS]
            requests.append(self._request("chunks", partial.manifest.version, batch))
        for index in wanted:
            self._outstanding[index] = now_s
        return requests

    def _install(self, partial: PartialTransfer, now_s: float) -> list[IndexRequest]:
        manifest = partial.manifest
        folder = self._settings.folder
        path = installed_path(folder, manifest.version)
        bad = partial.finish(path)
        if bad:
            self._outstanding.clear()
            return self._advance(now_s)
        try:
            loaded = self._loader(path, manifest)
        except IndexFileError as exc:
            self._given_up[manifest.version] = f"cannot load: {exc}"
            logger.warning(
                "device %s cannot load index %s: %s", self._settings.device_id, path, exc
            )
            self._partial = None
            return []
        self._write_current(manifest)
        old = self._active.swap(loaded)
        self._partial = None
        self._counts["switches"] += 1
        self._remove_old(keep=path)
        logger.info(
            "device %s runs index %s (%d rows), was %s",
            self._settings.device_id,
            manifest.version,
            manifest.count,
            None if old is None else old.version,
        )
        return [self._request("manifest")]  # tells the hub what it runs now

    def _write_current(self, manifest: IndexManifest) -> None:
        current = self._settings.folder / CURRENT_FILE
        temporary = current.with_suffix(".tmp")
        temporary.write_bytes(manifest.to_json_bytes())
        temporary.replace(current)

    def _remove_old(self, *, keep: Path) -> None:
        for old in self._settings.folder.glob("index-*.npz"):
            if old != keep:
                old.unlink(missing_ok=True)

    def _request(
        self, kind: str, version: str | None = None, chunks: list[int] | None = None
    ) -> IndexRequest:
        corrupt, self._corrupt_unreported = self._corrupt_unreported, []
        self._counts["requests"] += 1
        return IndexRequest.model_validate(
            {
                "device": self._settings.device_id,
                "kind": kind,
                "version": version,
                "chunks": chunks or [],
                "corrupt": corrupt,
                "running": self._active.version,
            }
        )
