"""Provides the decode check of replay fixtures: which GTINs pyzbar (ZBar) and zxing-cpp read in
each whole frame, so a fixture's expected scans are known to be achievable.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
import zxingcpp
from pyzbar import pyzbar

from contracts.gtin import to_gtin14

MIN_DECODED_FRAMES = 3
_ZXING_FORMATS = zxingcpp.barcode_formats_from_str("EAN13,EAN8,UPCA,UPCE")


@dataclass(frozen=True, slots=True)
class DecodeReport:
    """Per-engine counts of frames in which each GTIN was read.

    Attributes:
        frames: frames checked.
        zxing / zbar: GTIN-14 -> number of frames that engine read it in.
    """

    frames: int
    zxing: dict[str, int] = field(default_factory=dict)
    zbar: dict[str, int] = field(default_factory=dict)

    def best(self, gtin: str) -> int:
        """Frames in which the better engine read `gtin`."""
        return max(self.zxing.get(gtin, 0), self.zbar.get(gtin, 0))

    def problems(self, expected: list[str], min_frames: int = MIN_DECODED_FRAMES) -> list[str]:
        """Lists expected GTINs read too rarely and any GTIN read that was not expected."""
        found = [
            f"{g} decoded in only {self.best(g)} frames"
            for g in expected
            if self.best(g) < min_frames
        ]
        strays = (set(self.zxing) | set(self.zbar)) - set(expected)
        return found + [f"unexpected code {g} decoded" for g in sorted(strays)]


def _gtin(text: str) -> str | None:
    try:
        return to_gtin14(text)
    except ValueError:
        return None


def decode_frame(frame: npt.NDArray[np.uint8]) -> tuple[set[str], set[str]]:
    """Reads one BGR frame whole with both engines; returns (zxing GTINs, zbar GTINs)."""
    grey = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    zxing = {_gtin(r.text) for r in zxingcpp.read_barcodes(grey, formats=_ZXING_FORMATS)}
    zbar = {_gtin(r.data.decode("ascii", "replace")) for r in pyzbar.decode(grey)}
    return {g for g in zxing if g}, {g for g in zbar if g}


def check_frames(frames: list[npt.NDArray[np.uint8]]) -> DecodeReport:
    """Decodes every frame and counts the frames each GTIN was read in, per engine."""
    zxing: Counter[str] = Counter()
    zbar: Counter[str] = Counter()
    for frame in frames:
        by_zxing, by_zbar = decode_frame(frame)
        zxing.update(by_zxing)
        zbar.update(by_zbar)
    return DecodeReport(frames=len(frames), zxing=dict(zxing), zbar=dict(zbar))


def check_fixture(folder: Path) -> tuple[DecodeReport, list[str]]:
    """Decodes a fixture folder's frames as written (JPEG) and compares with expected.json.

    Returns:
        The report and its problems (empty when every expected scan is achievable).
    """
    timestamps = json.loads((folder / "timestamps.json").read_text(encoding="utf-8"))
    expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    frames = []
    for entry in timestamps["frames"]:
        image = cv2.imread(str(folder / entry["file"]), cv2.IMREAD_COLOR)
        if image is None:
            raise FileNotFoundError(f"cannot read frame {folder / entry['file']}")
        frames.append(np.asarray(image, dtype=np.uint8))
    report = check_frames(frames)
    gtins = [scan["gtin"] for scan in expected["scans"] if scan["gtin"]]
    return report, report.problems(gtins)
