"""Provides `IndexBuilder`: one index build, from the catalog and staff photos to a new version.

Steps: read every product of the hub's catalog copy (with its store on-hand), fetch each catalog
image from central into a cache (`images/<gtin>-<sha of its URL>.img`), add the staff reference
photos, write the image list and every product's searchable text (name, brand, category,
description, price, ages), run the edge indexer as a child process (`python -m edge.indexer`;
the hub never imports edge code), hash the file whole and per chunk, and install it as a new
version (a ULID). A product whose image cannot be fetched is indexed from its photos only, or left
out; the build reports how many. Text rows cover every product, with or without images; the
indexer keeps their embeddings in `text-cache.npz` so a build re-embeds only changed texts.

The indexer never outlives the hub: `IndexBuilder.stop` (the hub's shutdown) terminates a running
indexer and waits for it, and the indexer gets `--parent-pid` so Linux sends it SIGTERM when the
build thread that started it exits, which covers a hub killed with SIGKILL.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import httpx
from sqlite_utils import Database

from contracts.ids import new_ulid
from contracts.index import DEFAULT_CHUNK_BYTES, IndexManifest
from hub.db.cards import image_url
from hub.db.index import IndexProduct, index_products
from hub.db.index_texts import index_texts
from hub.errors import HubError
from hub.index.photos import ReferencePhotos
from hub.index.versions import BuiltIndex, IndexVersions, describe_file

logger = logging.getLogger(__name__)

INDEXER_MODULE = "edge.indexer"
STDERR_TAIL_CHARS = 2000
STOP_GRACE_S = 5.0
FETCH_WORKERS = 4  # catalog image downloads in flight (371 demo images: 13 s one at a time)
# The indexer's numpy work is small matrix products between ONNX Runtime runs; OpenBLAS's own
# threads then only spin against ONNX Runtime's pool (2 cores: 44 -> 28..36 s of CPU for the 371
# demo products, byte-identical file). An operator's own setting in the hub's environment wins.
INDEXER_ENV_DEFAULTS = {"OPENBLAS_NUM_THREADS": "1"}


class IndexBuildFailed(HubError):
    """An index build could not finish; the message says which step and why."""


class IndexBuildStopped(IndexBuildFailed):
    """The build was cut short because the hub is stopping."""


@dataclass(frozen=True, slots=True)
class BuildConfig:
    """How the hub builds indexes.

    Attributes:
        store_id: this store.
        central_url: central's base URL (catalog images).
        models_manifest: models manifest the indexer loads; None uses the indexer's default.
        model_name: embedding model; None uses the indexer's default.
        dtype: row storage type.
        chunk_bytes: chunk size of the published file.
        timeout_s: longest an indexer run may take.
        http_timeout_s: timeout of one image download.
        texts: also ship one MiniLM row per product's text (kiosk text search).
    """

    store_id: str
    central_url: str
    models_manifest: Path | None = None
    model_name: str | None = None
    dtype: str = "int8"
    chunk_bytes: int = DEFAULT_CHUNK_BYTES
    timeout_s: float = 3600.0
    http_timeout_s: float = 10.0
    texts: bool = True


@dataclass(frozen=True, slots=True)
class BuildReport:
    """The outcome of one build.

    Attributes:
        manifest: the installed version.
        products: products in the catalog.
        catalog_images: catalog images used.
        reference_photos: staff photos used.
        missing_images: products whose catalog image could not be fetched.
        skipped: images the indexer could not read.
        texts: text rows shipped (0 without texts).
        texts_embedded: of those, texts embedded anew (the others were unchanged).
    """

    manifest: IndexManifest
    products: int
    catalog_images: int
    reference_photos: int
    missing_images: int
    skipped: tuple[str, ...]
    texts: int = 0
    texts_embedded: int = 0


class IndexBuilder:
    """Builds index versions; `build` runs one at a time (a second caller waits)."""

    def __init__(
        self,
        config: BuildConfig,
        *,
        db: Database,
        versions: IndexVersions,
        photos: ReferencePhotos,
        clock: Callable[[], datetime],
    ) -> None:
        """Wires the builder (its own database connection: it runs on a worker thread)."""
        self._config = config
        self._db = db
        self._versions = versions
        self._photos = photos
        self._clock = clock
        self._lock = threading.Lock()
        self._process_lock = threading.Lock()
        self._process: subprocess.Popen[str] | None = None
        self._stopped = False
        self._images = versions.folder / "images"
        self._work = versions.folder / "work"

    def build(self) -> BuildReport:
        """Builds and installs a new version.

        Raises:
            IndexBuildFailed: no images at all, or the indexer failed.
        """
        with self._lock:
            products = index_products(self._db)
            catalog = self._fetch_catalog_images(products)
            photos = self._photos.all_paths()
            listing = self._image_list(products, catalog, photos)
            if not listing:
                raise IndexBuildFailed("no product has a catalog image or a reference photo")
            built, skipped, texts = self._run_indexer(listing)
            manifest = describe_file(
                self._work / "index.npz",
                built,
                store=self._config.store_id,
                version=new_ulid(int(self._clock().timestamp() * 1000)),
                built_at=self._clock(),
                chunk_bytes=self._config.chunk_bytes,
            )
            self._versions.install(self._work / "index.npz", manifest)
        logger.info(
            "index %s built: %d rows, %d text rows (%d embedded anew)",
            manifest.version,
            manifest.count,
            *texts,
        )
        return BuildReport(
            manifest,
            len(products),
            len(catalog),
            sum(len(p) for gtin, p in photos.items()),
            len(products) - len(catalog),
            skipped,
            *texts,
        )

    def stop(self, grace_s: float = STOP_GRACE_S) -> None:
        """Ends building for good: terminates a running indexer (SIGKILL after `grace_s`), waits.

        A build in progress then raises `IndexBuildStopped`; later builds raise it at once.
        """
        with self._process_lock:
            self._stopped = True
            process = self._process
        if process is None or process.poll() is not None:
            return
        logger.info("stopping the index build: terminating indexer pid %d", process.pid)
        process.terminate()
        try:
            process.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            logger.warning("indexer pid %d ignored SIGTERM; killing it", process.pid)
            process.kill()
            process.wait()

    def _fetch_catalog_images(self, products: list[IndexProduct]) -> dict[str, Path]:
        """Cached or downloaded catalog images by GTIN, `FETCH_WORKERS` downloads at a time."""
        self._images.mkdir(parents=True, exist_ok=True)
        wanted: list[tuple[str, str, Path]] = []
        for product in products:
            url = image_url(self._config.central_url, product.image_path)
            if url is not None:
                key = hashlib.sha256(url.encode()).hexdigest()[:16]
                wanted.append((product.gtin, url, self._images / f"{product.gtin}-{key}.img"))
        with (
            httpx.Client(timeout=self._config.http_timeout_s) as client,
            ThreadPoolExecutor(FETCH_WORKERS, thread_name_prefix="index-fetch") as pool,
        ):
            fetched = pool.map(lambda w: self._fetch_one(client, w[1], w[2]), wanted)
            return {gtin: path for (gtin, _, path), ok in zip(wanted, fetched, strict=True) if ok}

    def _fetch_one(self, client: httpx.Client, url: str, path: Path) -> bool:
        """True once `path` holds the image; False when it cannot, or the hub is stopping (so
        the hub's exit never waits for the downloads still queued)."""
        return path.is_file() or (not self._stopped and self._download(client, url, path))

    @staticmethod
    def _download(client: httpx.Client, url: str, path: Path) -> bool:
        try:
            response = client.get(url)
        except httpx.HTTPError as exc:
            logger.warning("catalog image %s not fetched: %s", url, exc)
            return False
        if response.status_code != 200 or not response.content:
            logger.warning("catalog image %s not fetched: HTTP %d", url, response.status_code)
            return False
        temporary = path.with_suffix(".tmp")
        temporary.write_bytes(response.content)
        temporary.replace(path)
        return True

    @staticmethod
    def _image_list(
        products: list[IndexProduct], catalog: dict[str, Path], photos: dict[str, list[Path]]
    ) -> list[dict[str, object]]:
        listing = []
        for product in products:
            found = catalog.get(product.gtin)
            images = [] if found is None else [{"path": str(found), "role": "catalog"}]
            images += [{"path": str(p), "role": "reference"} for p in photos.get(product.gtin, [])]
            if images:
                listing.append(
                    {"gtin": product.gtin, "in_stock": product.on_hand > 0, "images": images}
                )
        return listing

    def _text_args(self) -> list[str]:
        if not self._config.texts:
            return []
        listing = [
            {
                "gtin": t.gtin,
                "text": t.text,
                "price_cents": t.price_cents,
                "age_min_months": t.age_min_months,
                "age_max_months": t.age_max_months,
                "in_stock": t.in_stock,
            }
            for t in index_texts(self._db)
        ]
        if not listing:
            return []
        path = self._work / "texts.json"
        path.write_text(json.dumps({"products": listing}), encoding="utf-8")
        cache = self._versions.folder / "text-cache.npz"
        return ["--texts", str(path), "--text-cache", str(cache)]

    def _run_indexer(
        self, listing: list[dict[str, object]]
    ) -> tuple[BuiltIndex, tuple[str, ...], tuple[int, int]]:
        self._work.mkdir(parents=True, exist_ok=True)
        list_path = self._work / "images.json"
        list_path.write_text(json.dumps({"products": listing}), encoding="utf-8")
        command = [sys.executable, "-m", INDEXER_MODULE, "--images", str(list_path)]
        command += ["--out", str(self._work / "index.npz"), "--dtype", self._config.dtype]
        command += self._text_args()
        if self._config.models_manifest is not None:
            command += ["--models", str(self._config.models_manifest)]
        if self._config.model_name is not None:
            command += ["--model", self._config.model_name]
        returncode, stdout, stderr = self._run_child(command)
        if returncode != 0:
            tail = stderr[-STDERR_TAIL_CHARS:].strip()
            raise IndexBuildFailed(f"indexer exited with {returncode}: {tail}")
        built, skipped = parse_summary(stdout)
        return built, skipped, parse_text_summary(stdout)

    def _run_child(self, command: list[str]) -> tuple[int, str, str]:
        """Runs the indexer from this (build) thread, which waits for it; `stop` may end it.

        Raises:
            IndexBuildStopped: the builder was stopped before or during the run.
            IndexBuildFailed: the run took longer than the configured timeout.
        """
        command = [*command, "--parent-pid", str(os.getpid())]
        with self._process_lock:
            if self._stopped:
                raise IndexBuildStopped("the hub is stopping: no index build")
            process = subprocess.Popen(
                command,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env={**INDEXER_ENV_DEFAULTS, **os.environ},
            )
            self._process = process
        try:
            stdout, stderr = process.communicate(timeout=self._config.timeout_s)
        except subprocess.TimeoutExpired as exc:
            process.kill()
            process.communicate()
            raise IndexBuildFailed(f"indexer ran over {self._config.timeout_s:.0f} s") from exc
        finally:
            with self._process_lock:
                self._process = None
        if self._stopped:
            raise IndexBuildStopped("the hub is stopping: indexer terminated")
        return process.returncode, stdout, stderr


def parse_text_summary(stdout: str) -> tuple[int, int]:
    """(text rows, texts embedded anew) from the indexer's summary; (0, 0) without texts."""
    lines = [line for line in stdout.splitlines() if line.strip()]
    try:
        data = json.loads(lines[-1])
        return int(data.get("texts", 0)), int(data.get("text_embedded", 0))
    except (IndexError, json.JSONDecodeError, AttributeError, TypeError, ValueError):
        return 0, 0


def parse_summary(stdout: str) -> tuple[BuiltIndex, tuple[str, ...]]:
    """Reads the indexer's JSON summary (its last stdout line).

    Raises:
        IndexBuildFailed: if the summary is missing or malformed.
    """
    lines = [line for line in stdout.splitlines() if line.strip()]
    try:
        data = json.loads(lines[-1])
        built = BuiltIndex(
            model_name=str(data["model_name"]),
            model_sha256=str(data["model_sha256"]),
            dims=int(data["dims"]),
            dtype=data["dtype"],
            count=int(data["count"]),
            products=int(data["products"]),
            file_format=str(data["file_format"]),
        )
        return built, tuple(str(s) for s in data.get("skipped", []))
    except (IndexError, json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise IndexBuildFailed(f"indexer printed no summary: {stdout[-200:]!r}") from exc
