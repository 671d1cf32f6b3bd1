"""Provides product images: a coloured package label with brand, name and the product's barcode.

The barcode is the product's real code drawn by zxing-cpp's writer (EAN-13, UPC-A, EAN-8 or
ITF-14 chosen from the GTIN), so a camera pointed at the image scans the product. Rendering is
deterministic (colours come from the GTIN) and cached in memory.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np
import numpy.typing as npt
import zxingcpp

IMAGE_SIZE_PX = 480
BARCODE_SCALE = 3
_FONT = cv2.FONT_HERSHEY_SIMPLEX
_BOLD = cv2.FONT_HERSHEY_DUPLEX
_PALETTE_BGR = (
    (60, 76, 231),
    (182, 89, 155),
    (219, 152, 52),
    (113, 204, 46),
    (15, 196, 241),
    (34, 126, 230),
    (94, 73, 52),
    (156, 188, 26),
    (133, 160, 22),
    (43, 57, 192),
)


@dataclass(frozen=True, slots=True)
class BarcodeSpec:
    """The barcode a GTIN is printed as.

    Attributes:
        text: the digits encoded (12 for UPC-A, 13 for EAN-13, 8 for EAN-8, 14 for ITF-14).
        symbology: aisle's symbology name (`ean13`, `upca`, `ean8`, `itf14`).
    """

    text: str
    symbology: str

    def __post_init__(self) -> None:
        """Checks the text length matches the symbology."""
        lengths = {"ean13": 13, "upca": 12, "ean8": 8, "itf14": 14}
        if lengths.get(self.symbology) != len(self.text) or not self.text.isdigit():
            raise ValueError(f"{self.symbology} needs {lengths.get(self.symbology)} digits")


@dataclass(frozen=True, slots=True)
class LabelSpec:
    """What a product image shows (hashable: it is the cache key)."""

    gtin: str
    name: str
    brand: str
    category: str
    detail: str = ""


def barcode_for_gtin(gtin14: str) -> BarcodeSpec:
    """Chooses how a GTIN-14 is printed: UPC-A for `00`+12, EAN-8 for 6 zeros+8, else EAN-13.

    Raises:
        ValueError: if `gtin14` is not 14 digits.
    """
    if len(gtin14) != 14 or not gtin14.isdigit():
        raise ValueError(f"expected a GTIN-14, got {gtin14!r}")
    if gtin14.startswith("000000"):
        return BarcodeSpec(gtin14[6:], "ean8")
    if gtin14.startswith("00"):
        return BarcodeSpec(gtin14[2:], "upca")
    if gtin14.startswith("0"):
        return BarcodeSpec(gtin14[1:], "ean13")
    return BarcodeSpec(gtin14, "itf14")


_ZXING_FORMATS = {
    "ean13": zxingcpp.BarcodeFormat.EAN13,
    "upca": zxingcpp.BarcodeFormat.UPCA,
    "ean8": zxingcpp.BarcodeFormat.EAN8,
    "itf14": zxingcpp.BarcodeFormat.ITF14,
}


def barcode_image(spec: BarcodeSpec, *, scale: int = BARCODE_SCALE) -> npt.NDArray[np.uint8]:
    """Draws a barcode with its human-readable digits and quiet zones.

    Returns:
        A greyscale image, shape (height, width), uint8, black bars on white.
    """
    barcode = zxingcpp.create_barcode(spec.text, _ZXING_FORMATS[spec.symbology])
    image = zxingcpp.write_barcode_to_image(barcode, scale=scale, add_hrt=True)
    return np.ascontiguousarray(np.asarray(image, dtype=np.uint8))


def render_label(spec: LabelSpec, *, size_px: int = IMAGE_SIZE_PX) -> npt.NDArray[np.uint8]:
    """Renders a product image.

    Args:
        spec: what to show.
        size_px: side of the square image.

    Returns:
        A BGR image, shape (size_px, size_px, 3), uint8.
    """
    base = IMAGE_SIZE_PX
    canvas = np.full((base, base, 3), 236, dtype=np.uint8)
    colour = _colour(spec.gtin)
    cv2.rectangle(canvas, (24, 16), (base - 24, base - 16), colour, thickness=-1)
    cv2.rectangle(canvas, (24, 16), (base - 24, base - 16), (40, 40, 40), thickness=2)
    _draw_text_block(canvas, spec, colour)
    _paste_barcode(canvas, barcode_image(barcode_for_gtin(spec.gtin)))
    if size_px != base:
        resized = cv2.resize(canvas, (size_px, size_px), interpolation=cv2.INTER_AREA)
        canvas = np.asarray(resized, dtype=np.uint8)
    return canvas


@lru_cache(maxsize=512)
def render_png(spec: LabelSpec) -> bytes:
    """Renders a product image as PNG bytes (cached: same spec, same bytes)."""
    ok, encoded = cv2.imencode(".png", render_label(spec))
    if not ok:
        raise RuntimeError(f"PNG encoding failed for {spec.gtin}")
    return bytes(encoded.tobytes())


def _colour(gtin: str) -> tuple[int, int, int]:
    digest = hashlib.sha256(gtin.encode()).digest()
    return _PALETTE_BGR[digest[0] % len(_PALETTE_BGR)]


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return folded.strip() or "?"


def _wrap(text: str, *, font_scale: float, width_px: int, thickness: int) -> list[str]:
    lines: list[str] = []
    for word in _ascii(text).split():
        candidate = f"{lines[-1]} {word}" if lines else word
        (w, _), _ = cv2.getTextSize(candidate, _FONT, font_scale, thickness)
        if lines and w <= width_px:
            lines[-1] = candidate
        else:
            lines.append(word)
    return lines


def _draw_text_block(
    canvas: npt.NDArray[np.uint8], spec: LabelSpec, colour: tuple[int, int, int]
) -> None:
    dark = sum(colour) < 400
    ink = (255, 255, 255) if dark else (25, 25, 25)
    cv2.putText(canvas, _ascii(spec.brand).upper(), (44, 70), _BOLD, 1.3, ink, 3, cv2.LINE_AA)
    cv2.line(canvas, (44, 86), (436, 86), ink, 2)
    y = 124
    for line in _wrap(spec.name, font_scale=0.9, width_px=392, thickness=2)[:3]:
        cv2.putText(canvas, line, (44, y), _FONT, 0.9, ink, 2, cv2.LINE_AA)
        y += 36
    small = f"{spec.category} {spec.detail}".strip()
    cv2.putText(canvas, _ascii(small), (44, 250), _FONT, 0.6, ink, 1, cv2.LINE_AA)


def _paste_barcode(canvas: npt.NDArray[np.uint8], code: npt.NDArray[np.uint8]) -> None:
    height, width = code.shape
    size = canvas.shape[0]
    if width > size - 60:
        scale = (size - 60) / width
        size_wh = (int(width * scale), int(height * scale))
        code = np.asarray(
            cv2.resize(code, size_wh, interpolation=cv2.INTER_NEAREST), dtype=np.uint8
        )
        height, width = code.shape
    top = size - 40 - height
    left = (size - width) // 2
    cv2.rectangle(
        canvas,
        (left - 10, top - 10),
        (left + width + 10, top + height + 10),
        (255, 255, 255),
        thickness=-1,
    )
    canvas[top : top + height, left : left + width] = code[:, :, None]
