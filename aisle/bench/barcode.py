"""Provides `aisle bench barcode`: decode rate, wrong reads and speed of aisle vs ZBar vs zxing-cpp.

Reads a manifest CSV (`file, format, expected_text, ...`; files relative to the manifest) and runs
three decoders on every image in the same process, one thread: pyzbar alone and zxing-cpp alone
(both at their library defaults), and aisle's `BarcodeScanner`. EAN/UPC values are compared as
GTIN-14, everything else byte for byte. Rows of format `none` hold no barcode: any read there is a
false positive.
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
import zxingcpp
from pyzbar import pyzbar

from contracts.gtin import to_gtin14, upce_to_upca
from edge.scan.scanner import BarcodeScanner, to_gray

RETAIL_FORMATS = frozenset({"ean13", "ean8", "upca", "upce"})
SYSTEMS = ("aisle", "zbar", "zxing")
Gray = npt.NDArray[np.uint8]
# A decoder returns (family, comparable value, alternative value) per read.
Reading = tuple[str, str, str]
Decoder = Callable[[Gray], list[Reading]]


@dataclass(frozen=True, slots=True)
class Sample:
    """One manifest row: file as written, image path, format and expected text (empty: `none`)."""

    file: str
    path: Path
    format: str
    expected: str


@dataclass(slots=True)
class Tally:
    """Counts and timings of one decoder on one format."""

    n: int = 0
    decoded: int = 0
    wrong: int = 0
    false_positives: int = 0
    extra: int = 0
    times_ms: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)

    def as_dict(self) -> dict[str, float | int]:
        """Summarises as the JSON object of the benchmark."""
        return {
            "rate": round(self.decoded / self.n, 4) if self.n else 0.0,
            "decoded": self.decoded,
            "wrong": self.wrong,
            "extra": self.extra,
            "false_positives": self.false_positives,
            "median_ms": _percentile(self.times_ms, 0.5),
            "p95_ms": _percentile(self.times_ms, 0.95),
            "cpu_median_ms": _percentile(self.cpu_ms, 0.5),
            "cpu_p95_ms": _percentile(self.cpu_ms, 0.95),
        }


def _percentile(values: list[float], fraction: float) -> float:
    if not values:
        return 0.0
    if fraction == 0.5:
        return round(statistics.median(values), 2)
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))], 2)


def family(fmt: str) -> str:
    """Groups formats whose reads compete for the same image (EAN/UPC are one family)."""
    if fmt in RETAIL_FORMATS:
        return "retail"
    if fmt in ("code128", "gs1_128"):
        return "code128"
    if fmt in ("qr", "qrcode"):
        return "qr"
    return fmt


def canonical_retail(digits: str, *, upce: bool = False) -> str:
    """GTIN-14 of an EAN/UPC text (12/13-digit UPC in the manifest, 8-digit UPC-E); else itself."""
    digits = digits.strip()
    try:
        if upce and len(digits) == 8:
            return to_gtin14(upce_to_upca(digits))
        return to_gtin14(digits)
    except ValueError:
        return digits


def same_lines(text: str) -> str:
    """Text with CR LF and CR line ends as LF: corpora kept as text files lose their CRs."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def expected_value(sample: Sample) -> str:
    """The manifest's expected text in comparable form."""
    if sample.format in RETAIL_FORMATS:
        return canonical_retail(sample.expected, upce=sample.format == "upce")
    return same_lines(sample.expected)


def load_manifest(path: Path, *, limit: int | None = None) -> list[Sample]:
    """Reads the manifest CSV; `limit` keeps the first rows of each format (for quick runs).

    Raises:
        ValueError: if a required column is missing.
    """
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = {"file", "format", "expected_text"} - set(reader.fieldnames or [])
        if missing:
            raise ValueError(f"{path}: missing columns {sorted(missing)}")
        rows = list(reader)
    samples: list[Sample] = []
    per_format: dict[str, int] = {}
    for row in rows:
        fmt = row["format"].strip().lower()
        if limit is not None and per_format.get(fmt, 0) >= limit:
            continue
        per_format[fmt] = per_format.get(fmt, 0) + 1
        expected = "" if fmt == "none" else row["expected_text"]
        samples.append(Sample(row["file"], path.parent / row["file"], fmt, expected))
    return samples


_ZBAR_FAMILY = {"EAN13": "ean13", "EAN8": "ean8", "UPCA": "upca", "UPCE": "upce", "QRCODE": "qr"}


def zbar_decoder(gray: Gray) -> list[Reading]:
    """pyzbar at its defaults (every symbology ZBar knows)."""
    readings: list[Reading] = []
    for symbol in pyzbar.decode(gray):
        fmt = _ZBAR_FAMILY.get(symbol.type, symbol.type.lower())
        text = symbol.data.decode("utf-8", errors="replace")
        value = canonical_retail(text, upce=fmt == "upce") if fmt in RETAIL_FORMATS else text
        value = same_lines(value)
        readings.append((family(fmt), value, value))
    return readings


_ZXING_FAMILY = {
    zxingcpp.BarcodeFormat.EAN13: "ean13",
    zxingcpp.BarcodeFormat.EAN8: "ean8",
    zxingcpp.BarcodeFormat.UPCA: "upca",
    zxingcpp.BarcodeFormat.UPCE: "upce",
    zxingcpp.BarcodeFormat.Code128: "code128",
    zxingcpp.BarcodeFormat.QRCode: "qr",
}


def zxing_decoder(gray: Gray) -> list[Reading]:
    """zxing-cpp at its defaults (every format, try harder), text as plain as the corpus stores it.

    The default text mode (HRI) rewrites GS1 data to `(01)...` and control characters to `<GS>`;
    plain text keeps what the symbol encodes, which is what corpora record.
    """
    readings: list[Reading] = []
    for result in zxingcpp.read_barcodes(gray, text_mode=zxingcpp.TextMode.Plain):
        fmt = _ZXING_FAMILY.get(result.format, str(result.format).lower())
        text = result.text
        value = canonical_retail(text, upce=fmt == "upce") if fmt in RETAIL_FORMATS else text
        value = same_lines(value)
        readings.append((family(fmt), value, value))
    return readings


def aisle_decoder(scanner: BarcodeScanner) -> Decoder:
    """aisle's full pipeline; a GS1 read matches either its raw or its `(AI)` text."""

    def decode(gray: Gray) -> list[Reading]:
        readings: list[Reading] = []
        for read in scanner.scan(gray):
            if read.symbology in RETAIL_FORMATS and read.gtin is not None:
                readings.append(("retail", read.gtin, read.gtin))
            else:
                raw, text = same_lines(read.raw_text), same_lines(read.text)
                readings.append((family(read.symbology), raw, text))
        return readings

    return decode


def score(
    tally: Tally, sample: Sample, readings: list[Reading], elapsed_ms: tuple[float, float]
) -> bool:
    """Adds one image's outcome and (wall, CPU) milliseconds to `tally`; returns whether it hit.

    A miss with reads of the expected family is a wrong read; a hit with other values of the
    family as well counts as `extra` (another code in view, or a misread beside the right one).
    """
    tally.n += 1
    tally.times_ms.append(elapsed_ms[0])
    tally.cpu_ms.append(elapsed_ms[1])
    if sample.format == "none":
        # For `none`, the rate is the share of images correctly left without a read.
        tally.false_positives += 1 if readings else 0
        tally.decoded += 0 if readings else 1
        return not readings
    want_family, want = family(sample.format), expected_value(sample)
    same_family = [r for r in readings if r[0] == want_family]
    hit = any(want in (r[1], r[2]) for r in same_family)
    tally.decoded += 1 if hit else 0
    tally.wrong += 1 if same_family and not hit else 0
    others = {r[1] for r in same_family if want not in (r[1], r[2])}
    tally.extra += 1 if hit and others else 0
    return hit


def run(
    samples: Sequence[Sample],
    decoders: dict[str, Decoder],
    *,
    misses: list[str] | None = None,
    unreadable: list[str] | None = None,
) -> dict[str, dict[str, Tally]]:
    """Runs every decoder on every image; returns format -> system -> tally.

    Args:
        samples: the images.
        decoders: system name -> decoder.
        misses: when given, receives one line per image a decoder got wrong or missed.
        unreadable: when given, receives the manifest name of each image OpenCV cannot load
            (such images are left out of every count).
    """
    tallies: dict[str, dict[str, Tally]] = {}
    for sample in samples:
        image = cv2.imread(str(sample.path), cv2.IMREAD_COLOR)
        if image is None:
            if unreadable is not None:
                unreadable.append(sample.file)
            continue
        gray = to_gray(np.asarray(image, dtype=np.uint8))
        per_system = tallies.setdefault(sample.format, {name: Tally() for name in decoders})
        for name, decoder in decoders.items():
            start, cpu_start = time.perf_counter(), time.thread_time()
            readings = decoder(gray)
            elapsed_ms = (
                (time.perf_counter() - start) * 1000.0,
                (time.thread_time() - cpu_start) * 1000.0,
            )
            hit = score(per_system[name], sample, readings, elapsed_ms)
            if not hit and misses is not None:
                misses.append(f"{name} {sample.format} {sample.path.name} {readings}")
    return tallies


def report(tallies: dict[str, dict[str, Tally]], unreadable: list[str]) -> dict[str, object]:
    """Builds the benchmark's JSON object."""
    formats: dict[str, object] = {}
    for fmt, per_system in sorted(tallies.items()):
        entry: dict[str, object] = {"n": next(iter(per_system.values())).n}
        entry.update({name: tally.as_dict() for name, tally in per_system.items()})
        formats[fmt] = entry
    return {"formats": formats, "unreadable": unreadable, "threads": 1}


def format_table(result: dict[str, object]) -> str:
    """Renders the JSON object as a plain-text table."""
    header = f"{'format':<9}{'n':>5}  " + "  ".join(
        f"{name + ' rate':>11}{'wrong':>6}{'fp':>4}{'med ms':>8}{'p95 ms':>8}{'cpu med':>8}"
        for name in SYSTEMS
    )
    lines = [header]
    formats = result["formats"]
    assert isinstance(formats, dict)
    for fmt, entry in formats.items():
        cells = [f"{fmt:<9}{entry['n']:>5}  "]
        for name in SYSTEMS:
            t = entry[name]
            cells.append(
                f"{t['rate'] * 100:>10.1f}%{t['wrong']:>6}{t['false_positives']:>4}"
                f"{t['median_ms']:>8.2f}{t['p95_ms']:>8.2f}{t['cpu_median_ms']:>8.2f}  "
            )
        lines.append("".join(cells).rstrip())
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the barcode benchmark.

    Args:
        argv: command-line options (see `--help`).

    Returns:
        0 on success, 2 when the manifest cannot be read.
    """
    parser = argparse.ArgumentParser(prog="aisle bench barcode", description=__doc__)
    parser.add_argument("--manifest", type=Path, required=True, help="manifest CSV of the corpus")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--limit", type=int, default=None, help="at most this many images per format"
    )
    parser.add_argument("--verbose", action="store_true", help="list every miss on stderr")
    args = parser.parse_args(argv)
    try:
        samples = load_manifest(args.manifest, limit=args.limit)
    except (OSError, ValueError) as exc:
        print(f"aisle bench barcode: {exc}", file=sys.stderr)
        return 2
    cv2.setNumThreads(1)
    decoders: dict[str, Decoder] = {
        "aisle": aisle_decoder(BarcodeScanner()),
        "zbar": zbar_decoder,
        "zxing": zxing_decoder,
    }
    misses: list[str] = []
    unreadable: list[str] = []
    result = report(run(samples, decoders, misses=misses, unreadable=unreadable), unreadable)
    for name in unreadable:
        print(f"aisle bench barcode: cannot read {name}; left out", file=sys.stderr)
    if args.verbose:
        print("\n".join(misses), file=sys.stderr)
    print(json.dumps(result, ensure_ascii=False) if args.json else format_table(result))
    return 0
