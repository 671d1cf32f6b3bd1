"""Provides the edge side of try-on assets: load and verify a PNG + JSON pair from the hub.

Anything wrong (metadata not matching the contract, PNG bytes not matching their sha256, an image
without alpha or of another size than declared, an empty cut-out) is refused with `AssetRefused`
and a message saying what is wrong, before any pixel is warped.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

from contracts.errors import ContractError
from contracts.tryon import TryOnAsset, parse_tryon_asset
from edge.errors import EdgeError


class AssetRefused(EdgeError):
    """A try-on asset is corrupt or does not match its metadata; it is not used."""


@dataclass(frozen=True, slots=True)
class GarmentAsset:
    """A verified try-on asset in memory.

    Attributes:
        meta: its metadata (anchors, kind, version).
        bgra: (H, W, 4) uint8 pixels, alpha = garment coverage.
    """

    meta: TryOnAsset
    bgra: npt.NDArray[np.uint8]

    def __post_init__(self) -> None:
        w, h = self.meta.size_wh
        if self.bgra.shape != (h, w, 4) or self.bgra.dtype != np.uint8:
            raise ValueError(f"bgra must be ({h}, {w}, 4) uint8, got {self.bgra.shape}")


def load_asset(png: bytes, meta_json: bytes | str) -> GarmentAsset:
    """Verifies and decodes an asset.

    Args:
        png: the PNG file's bytes.
        meta_json: the JSON metadata's bytes.

    Raises:
        AssetRefused: the metadata is invalid, or the PNG does not match it.
    """
    try:
        meta = parse_tryon_asset(meta_json)
    except ContractError as exc:
        raise AssetRefused(f"try-on asset refused: {exc}") from exc
    digest = hashlib.sha256(png).hexdigest()
    if digest != meta.image_sha256:
        raise AssetRefused(
            f"try-on asset {meta.asset_id} refused: PNG sha256 {digest[:12]}... does not match "
            f"its metadata ({meta.image_sha256[:12]}...)"
        )
    image = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_UNCHANGED)
    if image is None or image.ndim != 3 or image.shape[2] != 4:
        shape = None if image is None else image.shape
        raise AssetRefused(f"try-on asset {meta.asset_id} refused: not an RGBA PNG ({shape})")
    w, h = meta.size_wh
    if image.shape[:2] != (h, w):
        raise AssetRefused(
            f"try-on asset {meta.asset_id} refused: image is {image.shape[1]}x{image.shape[0]}, "
            f"metadata says {w}x{h}"
        )
    if int(image[:, :, 3].max()) == 0:
        raise AssetRefused(f"try-on asset {meta.asset_id} refused: the cut-out is empty")
    return GarmentAsset(meta=meta, bgra=np.ascontiguousarray(image, dtype=np.uint8))


def load_asset_files(json_path: Path) -> GarmentAsset:
    """Loads `<asset_id>.json` and the `.png` beside it (see `load_asset`).

    Raises:
        AssetRefused: a file is missing or the pair does not verify.
    """
    try:
        meta_json = json_path.read_bytes()
        png = json_path.with_suffix(".png").read_bytes()
    except OSError as exc:
        raise AssetRefused(f"try-on asset refused: cannot read {json_path}: {exc}") from exc
    return load_asset(png, meta_json)
