"""Provides the barcode engines: ZBar (pyzbar) and zxing-cpp behind one `BarcodeEngine` port.

Each adapter turns its library's results into validated `BarcodeRead`s and absorbs its traits:
- zxing-cpp 3 reports UPC-E already expanded to GTIN-13, flags GS1 symbols through
  `content_type`, and with the default text mode rewrites GS1 text to `(01)...`; we ask for plain
  text (FNC1 as GS) and build the `(01)` form ourselves, so both engines agree.
- ZBar reports UPC-A and UPC-E as EAN-13; its QR decoder guesses text encodings and garbles
  Shift-JIS, half-width katakana and some UTF-8 into the wrong CJK characters, so its non-ASCII QR
  text is dropped (zxing-cpp, which honours ECI and Shift-JIS, reads those); its Code 128 decoder
  ignores FNC4 and returns extended Latin-1 as plain ASCII (`ó` as `s`), so the scanner asks
  zxing-cpp first.
Reads that fail a check digit never leave an engine.
"""

from __future__ import annotations

import logging
from typing import Final, Protocol

import numpy as np
import numpy.typing as npt
import zxingcpp
from pyzbar import pyzbar
from pyzbar.pyzbar import ZBarSymbol

from contracts.payloads import Symbology
from edge.core.barcode import BarcodeRead, InvalidReadError, QuadXY, make_read

logger = logging.getLogger(__name__)

_ZBAR_SYMBOLS: Final[dict[str, Symbology]] = {
    "EAN13": "ean13",
    "EAN8": "ean8",
    "UPCA": "upca",
    "UPCE": "upce",
    "CODE128": "code128",
    "QRCODE": "qr",
}
_ZBAR_ENABLED: Final = [
    ZBarSymbol.EAN13,
    ZBarSymbol.EAN8,
    ZBarSymbol.UPCA,
    ZBarSymbol.UPCE,
    ZBarSymbol.CODE128,
    ZBarSymbol.QRCODE,
]
_ZXING_FORMATS: Final[dict[zxingcpp.BarcodeFormat, Symbology]] = {
    zxingcpp.BarcodeFormat.EAN13: "ean13",
    zxingcpp.BarcodeFormat.EAN8: "ean8",
    zxingcpp.BarcodeFormat.UPCA: "upca",
    zxingcpp.BarcodeFormat.UPCE: "upce",
    zxingcpp.BarcodeFormat.Code128: "code128",
    zxingcpp.BarcodeFormat.QRCode: "qr",
    zxingcpp.BarcodeFormat.DataMatrix: "datamatrix",
}
# DataMatrix is read when asked for; it is not in the default set because its detector makes
# zxing-cpp's try-harder pass ~5x slower on textured frames.
DEFAULT_ZXING_FORMATS: Final = ("ean13", "ean8", "upca", "upce", "code128", "qr")
_BINARIZERS: Final = {
    "local": zxingcpp.Binarizer.LocalAverage,
    "global": zxingcpp.Binarizer.GlobalHistogram,
    "fixed": zxingcpp.Binarizer.FixedThreshold,
}
_QR_ONLY: Final = zxingcpp.BarcodeFormats([zxingcpp.BarcodeFormat.QRCode])
_ZXING_GS1_IDS: Final = frozenset({"]C1", "]Q3", "]Q4", "]d2", "]e0"})


class BarcodeEngine(Protocol):
    """A barcode decoder: one grayscale image in, validated reads out (coordinates of `gray`)."""

    name: str

    def decode(self, gray: npt.NDArray[np.uint8]) -> list[BarcodeRead]:
        """Decodes every supported symbol in a 2-D uint8 image."""
        ...


def check_gray(gray: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    """Returns `gray` as a C-contiguous 2-D uint8 array.

    Raises:
        ValueError: if it is not a non-empty 2-D uint8 array.
    """
    if not isinstance(gray, np.ndarray) or gray.dtype != np.uint8 or gray.ndim != 2:
        shape = getattr(gray, "shape", None)
        dtype = getattr(gray, "dtype", type(gray).__name__)
        raise ValueError(f"expected a 2-D uint8 image, got shape {shape} dtype {dtype}")
    if gray.size == 0:
        raise ValueError(f"expected a non-empty image, got shape {gray.shape}")
    return np.ascontiguousarray(gray)


class ZbarEngine:
    """ZBar through pyzbar, restricted to the retail, Code 128 and QR symbologies."""

    name = "zbar"

    def decode(self, gray: npt.NDArray[np.uint8]) -> list[BarcodeRead]:
        """Decodes `gray` with ZBar.

        Raises:
            ValueError: if `gray` is not a non-empty 2-D uint8 image.
        """
        image = check_gray(gray)
        reads: list[BarcodeRead] = []
        for symbol in pyzbar.decode(image, symbols=_ZBAR_ENABLED):
            symbology = _ZBAR_SYMBOLS.get(symbol.type)
            text = _zbar_text(symbol.data, symbology)
            if symbology is None or text is None:
                continue
            quad = tuple((float(p.x), float(p.y)) for p in symbol.polygon)
            read = _try_read(text, symbology, self.name, quad if len(quad) == 4 else ())
            if read is not None:
                reads.append(read)
        return reads


def _zbar_text(data: bytes, symbology: Symbology | None) -> str | None:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if symbology in ("qr", "code128") and not text.isascii():
        return None
    return text


class ZxingEngine:
    """zxing-cpp, restricted to the symbologies aisle handles.

    Args:
        formats: symbologies to look for (default: EAN/UPC, Code 128, QR).
        try_harder: let zxing-cpp also try 90-degree rotation, downscaling and inversion itself.
        binarizer: `local` (zxing-cpp's LocalAverage), `global` (GlobalHistogram) or `fixed`.

    Raises:
        ValueError: on an unknown format or binarizer.
    """

    def __init__(
        self,
        *,
        formats: tuple[str, ...] = DEFAULT_ZXING_FORMATS,
        try_harder: bool = True,
        binarizer: str = "local",
    ) -> None:
        by_name: dict[str, zxingcpp.BarcodeFormat] = {n: f for f, n in _ZXING_FORMATS.items()}
        unknown = [f for f in formats if f not in by_name]
        if unknown or binarizer not in _BINARIZERS:
            raise ValueError(
                f"unknown zxing formats {unknown} or binarizer {binarizer!r}; "
                f"known: {sorted(by_name)}, {sorted(_BINARIZERS)}"
            )
        self.name = "zxing"
        self.label = "zxing" if binarizer == "local" else f"zxing-{binarizer}"
        self._formats = zxingcpp.BarcodeFormats([by_name[f] for f in formats])
        self._try_harder = try_harder
        self._binarizer = _BINARIZERS[binarizer]

    def decode(self, gray: npt.NDArray[np.uint8]) -> list[BarcodeRead]:
        """Decodes `gray` with zxing-cpp.

        Raises:
            ValueError: if `gray` is not a non-empty 2-D uint8 image.
        """
        image = check_gray(gray)
        results = zxingcpp.read_barcodes(
            image,
            formats=self._formats,
            try_rotate=self._try_harder,
            try_downscale=self._try_harder,
            try_invert=self._try_harder,
            text_mode=zxingcpp.TextMode.Plain,
            binarizer=self._binarizer,
        )
        reads: list[BarcodeRead] = []
        for result in results:
            symbology = _ZXING_FORMATS.get(result.format)
            if symbology is None or not result.valid:
                continue
            gs1 = result.content_type == zxingcpp.ContentType.GS1 or (
                result.symbology_identifier in _ZXING_GS1_IDS
            )
            read = _try_read(result.text, symbology, self.name, _zxing_quad(result), gs1_flag=gs1)
            if read is not None:
                reads.append(read)
        return reads

    def find_undecoded_qr(self, gray: npt.NDArray[np.uint8]) -> list[QuadXY]:
        """Corners of QR symbols zxing-cpp located in `gray` but could not decode, largest first.

        Raises:
            ValueError: if `gray` is not a non-empty 2-D uint8 image.
        """
        results = zxingcpp.read_barcodes(
            check_gray(gray),
            formats=_QR_ONLY,
            try_rotate=self._try_harder,
            try_downscale=self._try_harder,
            try_invert=False,
            return_errors=True,
        )
        quads = [_zxing_quad(result) for result in results if not result.valid]
        return sorted(quads, key=_quad_area, reverse=True)

    def decode_pure_qr(self, image: npt.NDArray[np.uint8]) -> BarcodeRead | None:
        """Decodes a clean, axis-aligned QR rendering (zxing-cpp's pure mode), or returns None."""
        results = zxingcpp.read_barcodes(
            check_gray(image),
            formats=_QR_ONLY,
            try_rotate=False,
            try_downscale=False,
            try_invert=False,
            is_pure=True,
            text_mode=zxingcpp.TextMode.Plain,
        )
        for result in results:
            if result.valid and result.text:
                gs1 = result.content_type == zxingcpp.ContentType.GS1
                return _try_read(result.text, "qr", self.name, (), gs1_flag=gs1)
        return None


def _quad_area(quad: QuadXY) -> float:
    xs = [p[0] for p in quad]
    ys = [p[1] for p in quad]
    return 0.5 * abs(sum(xs[i] * ys[i - 1] - xs[i - 1] * ys[i] for i in range(len(quad))))


def _zxing_quad(result: zxingcpp.Barcode) -> QuadXY:
    pos = result.position
    corners = (pos.top_left, pos.top_right, pos.bottom_right, pos.bottom_left)
    return tuple((float(c.x), float(c.y)) for c in corners)


def _try_read(
    text: str, symbology: Symbology, engine: str, quad: QuadXY, *, gs1_flag: bool = False
) -> BarcodeRead | None:
    try:
        return make_read(text, symbology, engine=engine, quad_xy=quad, gs1_flag=gs1_flag)
    except InvalidReadError as exc:
        logger.debug("dropped %s read from %s: %s", symbology, engine, exc)
        return None
