"""Provides the try-on garment asset's wire format: a PNG (RGBA cut-out) plus this JSON metadata.

The hub builds one asset per product and colour (`hub/tryon/assets.py`) and ships both files to
kiosks with the catalog; the edge verifies the PNG against `image_sha256` and the anchors against
the image size before it warps anything (`edge/tryon/assets.py`). Anchor coordinates are pixels of
the PNG, named from the wearer's side: the wearer's left shoulder is on the image's right when the
garment faces the camera, exactly like a shopper facing the kiosk.
"""

from __future__ import annotations

import json
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from contracts.errors import ContractError

TRYON_ASSET_SCHEMA_VERSION = 1
GarmentKind = Literal["top", "dress", "bottom", "hat", "glasses"]

# Anchors every asset of a kind must carry (further anchors, e.g. sleeves, are optional).
REQUIRED_ANCHORS: dict[str, tuple[str, ...]] = {
    "top": ("neck", "left_shoulder", "right_shoulder", "left_hem", "right_hem"),
    "dress": ("neck", "left_shoulder", "right_shoulder", "left_hem", "right_hem"),
    "bottom": ("left_waist", "right_waist", "left_hem", "right_hem"),
    "hat": ("crown", "left_brim", "right_brim"),
    "glasses": ("bridge", "left_temple", "right_temple"),
}
OPTIONAL_ANCHORS: tuple[str, ...] = ("left_sleeve", "right_sleeve")
# Which garment categories of the catalog become which kind of asset.
CATEGORY_KINDS: dict[str, GarmentKind] = {
    "t-shirt": "top",
    "shirt": "top",
    "longsleeve": "top",
    "outwear": "top",
    "dress": "dress",
    "pants": "bottom",
    "shorts": "bottom",
    "skirt": "bottom",
    "hat": "hat",
    "glasses": "glasses",
}


class TryOnAsset(BaseModel):
    """Metadata of one try-on asset (the JSON file beside the PNG).

    Attributes:
        asset_id: `<product>-<colour>-v<version>`, also the files' stem.
        anchors: anchor name -> (x, y) in PNG pixels.
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    schema_version: int = Field(description="wire schema version of this JSON")
    asset_id: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,128}$", description="asset and file stem")
    product_id: str = Field(min_length=1, description="the product (GTIN or catalog id)")
    colour: str = Field(min_length=1, description="colour name of this variant")
    version: int = Field(ge=1, description="asset version, bumped on every rebuild")
    kind: GarmentKind = Field(description="how the garment is worn")
    category: str = Field(description="catalog category the asset was built for")
    size_wh: tuple[int, int] = Field(description="PNG width and height in pixels")
    image_sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="sha256 of the PNG file")
    source_sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="sha256 of the product photo")
    builder_version: str = Field(description="version of the hub's asset builder")
    anchors: dict[str, tuple[float, float]] = Field(description="anchor -> (x, y) in PNG px")
    mask_area_fraction: float = Field(gt=0, le=1, description="garment pixels / PNG pixels")

    @model_validator(mode="after")
    def _check(self) -> TryOnAsset:
        if self.schema_version not in (TRYON_ASSET_SCHEMA_VERSION, TRYON_ASSET_SCHEMA_VERSION - 1):
            raise ValueError(f"schema_version {self.schema_version} is not supported")
        w, h = self.size_wh
        if w < 8 or h < 8:
            raise ValueError(f"size_wh must be at least 8x8, got {self.size_wh}")
        missing = [n for n in REQUIRED_ANCHORS[self.kind] if n not in self.anchors]
        if missing:
            raise ValueError(f"{self.kind} asset lacks anchors {missing}")
        for name, (x, y) in self.anchors.items():
            if not (0 <= x <= w and 0 <= y <= h):
                raise ValueError(f"anchor {name} ({x}, {y}) lies outside the {w}x{h} image")
        return self


def parse_tryon_asset(raw: bytes | str) -> TryOnAsset:
    """Parses an asset's JSON metadata.

    Raises:
        ContractError: not JSON, or not a valid asset (the message says which field and why).
    """
    try:
        return TryOnAsset.model_validate(json.loads(raw))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ContractError(f"try-on asset metadata is not JSON: {exc}") from exc
    except ValidationError as exc:
        raise ContractError(f"invalid try-on asset metadata: {exc}") from exc


# -- shipping assets hub -> kiosk (`GET /api/v1/tryon/catalog`, then each file) --------------

TRYON_CATALOG_SCHEMA_VERSION = 1
FILE_NAME_PATTERN = r"^[A-Za-z0-9_.-]{1,128}\.(png|json)$"


class AssetFile(BaseModel):
    """One file of a shipped asset, checked by the kiosk before it is used."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    name: str = Field(pattern=FILE_NAME_PATTERN, description="file name on the hub and kiosk")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="sha256 of the file's bytes")
    size_bytes: int = Field(ge=1, description="file length in bytes")


class SizeVariant(BaseModel):
    """One size of a garment: its own product (GTIN, stock and price)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    size: str = Field(min_length=1, max_length=16, description="size label, e.g. M or 32")
    gtin: str = Field(pattern=r"^\d{14}$", description="GTIN-14 of this size")


class ShippedAsset(BaseModel):
    """An asset in the try-on catalog: its files and the sizes it can be bought in."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    asset_id: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,128}$", description="asset and file stem")
    product_id: str = Field(min_length=1, description="the product the asset shows")
    colour: str = Field(min_length=1, description="colour name")
    label: str = Field(min_length=1, max_length=120, description="short name for the shopper")
    variants: tuple[SizeVariant, ...] = Field(default=(), description="sizes, smallest first")
    meta: AssetFile = Field(description="the asset's JSON metadata file")
    image: AssetFile = Field(description="the asset's RGBA PNG")


class TryOnCatalog(BaseModel):
    """What the hub ships to kiosks: one version of the store's try-on assets."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    schema_version: int = Field(description="wire schema version of this JSON")
    store: str = Field(min_length=1, description="the store the assets are for")
    version: int = Field(ge=0, description="catalog version; bumped whenever anything changes")
    assets: tuple[ShippedAsset, ...] = Field(description="every asset shipped")

    @model_validator(mode="after")
    def _check(self) -> TryOnCatalog:
        if self.schema_version not in (TRYON_CATALOG_SCHEMA_VERSION,):
            raise ValueError(f"schema_version {self.schema_version} is not supported")
        names = [f.name for a in self.assets for f in (a.meta, a.image)]
        if len(set(names)) != len(names):
            raise ValueError("two assets share a file name")
        return self


class AssetReport(BaseModel):
    """A kiosk's report of an asset it refused (`POST /api/v1/tryon/reports`)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    device: str = Field(min_length=1, max_length=64, description="the reporting device")
    version: int = Field(ge=0, description="the catalog version being installed")
    asset_id: str = Field(min_length=1, max_length=128, description="the refused asset")
    reason: str = Field(min_length=1, max_length=500, description="why it was refused")


def parse_tryon_catalog(raw: bytes | str) -> TryOnCatalog:
    """Parses a try-on catalog.

    Raises:
        ContractError: not JSON, or not a valid catalog.
    """
    try:
        return TryOnCatalog.model_validate(json.loads(raw))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ContractError(f"try-on catalog is not JSON: {exc}") from exc
    except ValidationError as exc:
        raise ContractError(f"invalid try-on catalog: {exc}") from exc
