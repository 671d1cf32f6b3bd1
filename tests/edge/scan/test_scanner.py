"""Tests of the barcode scanner on generated, degraded frames and on real photos."""

from __future__ import annotations

import csv
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
import pytest
import zxingcpp

from edge.core.barcode import BarcodeRead, make_read
from edge.scan.ballot import Ballot, BallotConfig
from edge.scan.engines import ZbarEngine, ZxingEngine
from edge.scan.qr_rescue import RescueConfig, rescue_qr
from edge.scan.scanner import BarcodeScanner, ScannerConfig, to_gray

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "barcodes"
FRAME_WH = (640, 480)
Gray = npt.NDArray[np.uint8]

SCANNER = BarcodeScanner()
FORMATS = {
    "ean13": zxingcpp.BarcodeFormat.EAN13,
    "ean8": zxingcpp.BarcodeFormat.EAN8,
    "upca": zxingcpp.BarcodeFormat.UPCA,
    "upce": zxingcpp.BarcodeFormat.UPCE,
    "code128": zxingcpp.BarcodeFormat.Code128,
    "qr": zxingcpp.BarcodeFormat.QRCode,
}


def symbol(content: str, fmt: str, *, scale: int = 2, gs1: bool = False) -> Gray:
    """A clean barcode image with its quiet zone, made by zxing-cpp."""
    if gs1:
        barcode = zxingcpp.create_barcode(content, FORMATS[fmt], gs1=True)
    else:
        barcode = zxingcpp.create_barcode(content, FORMATS[fmt])
    image = np.array(barcode.to_image(scale=scale), dtype=np.uint8)
    if fmt != "qr":
        image = cv2.resize(image, (image.shape[1], max(image.shape[0], 40 * scale)))
    return image


def in_frame(image: Gray, *, at_xy: tuple[int, int] | None = None, background: int = 200) -> Gray:
    """Pastes `image` into a grey 640x480 frame (centred unless `at_xy` gives its top-left)."""
    frame = np.full((FRAME_WH[1], FRAME_WH[0]), background, dtype=np.uint8)
    height, width = image.shape
    left, top = at_xy or ((FRAME_WH[0] - width) // 2, (FRAME_WH[1] - height) // 2)
    frame[top : top + height, left : left + width] = image
    return frame


def blurred(frame: Gray) -> Gray:
    return np.asarray(cv2.GaussianBlur(frame, (0, 0), 1.2), dtype=np.uint8)


def noisy(frame: Gray) -> Gray:
    rng = np.random.default_rng(7)
    noise = rng.normal(0.0, 18.0, frame.shape)
    return np.clip(frame.astype(np.float64) + noise, 0, 255).astype(np.uint8)


def dim(frame: Gray) -> Gray:
    """Low light: contrast squeezed into 40..90 grey levels."""
    return (40 + frame.astype(np.float64) * 50 / 255).astype(np.uint8)


def tilted(frame: Gray, angle_deg: float = 20.0) -> Gray:
    matrix = cv2.getRotationMatrix2D((FRAME_WH[0] / 2, FRAME_WH[1] / 2), angle_deg, 1.0)
    warped = cv2.warpAffine(frame, matrix, FRAME_WH, borderMode=cv2.BORDER_REPLICATE)
    return np.asarray(warped, dtype=np.uint8)


def perspective(frame: Gray) -> Gray:
    w, h = FRAME_WH
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    dst = np.float32([[40, 30], [w - 10, 0], [w - 60, h - 20], [0, h]])
    matrix = cv2.getPerspectiveTransform(src, dst)
    warped = cv2.warpPerspective(frame, matrix, FRAME_WH, borderMode=cv2.BORDER_REPLICATE)
    return np.asarray(warped, dtype=np.uint8)


def values(reads: list[BarcodeRead]) -> set[str]:
    return {read.gtin or read.raw_text for read in reads}


CODES = [
    ("4006381333931", "ean13", "04006381333931"),
    ("96385074", "ean8", "00000096385074"),
    ("036000291452", "upca", "00036000291452"),
    ("01234565", "upce", "00012345000065"),
    ("CNK8181G2C", "code128", "CNK8181G2C"),
    ("https://id.gs1.org/01/09506000134352/10/AB1", "qr", "09506000134352"),
]


@pytest.mark.parametrize(("content", "fmt", "expected"), CODES)
@pytest.mark.parametrize("degrade", [None, blurred, noisy, dim, tilted, perspective])
def test_generated_codes_read_through_common_degradations(
    content: str, fmt: str, expected: str, degrade: object
) -> None:
    # QR modules get 3 pixels: at 2, a 1.2-pixel blur leaves nothing any decoder can read.
    frame = in_frame(symbol(content, fmt, scale=3 if fmt == "qr" else 2))
    if callable(degrade):
        frame = degrade(frame)
    assert values(SCANNER.scan(frame)) == {expected}


def test_a_far_away_code_is_read() -> None:
    # 1 pixel per module, off-centre in a 640x480 frame, slightly out of focus.
    frame = in_frame(symbol("4006381333931", "ean13", scale=1), at_xy=(420, 60))
    (read,) = SCANNER.scan(np.asarray(cv2.GaussianBlur(frame, (0, 0), 0.7), np.uint8))
    assert read.gtin == "04006381333931"


def test_gs1_128_reads_with_its_application_identifiers() -> None:
    content = "(01)09506000134352(17)251231(10)AB1"
    (read,) = SCANNER.scan(in_frame(symbol(content, "code128", gs1=True)))
    assert read.symbology == "gs1_128"
    assert read.text == content
    assert read.gtin == "09506000134352"
    assert read.gs1 == {"01": "09506000134352", "17": "251231", "10": "AB1"}


def test_two_codes_in_view_give_two_reads_at_their_places() -> None:
    frame = np.full((FRAME_WH[1], FRAME_WH[0]), 200, dtype=np.uint8)
    left, right = symbol("4006381333931", "ean13"), symbol("96385074", "ean8")
    frame[40 : 40 + left.shape[0], 20 : 20 + left.shape[1]] = left
    frame[300 : 300 + right.shape[0], 400 : 400 + right.shape[1]] = right
    reads = {read.gtin: read for read in SCANNER.scan(frame)}
    assert set(reads) == {"04006381333931", "00000096385074"}
    box = reads["00000096385074"].bbox_xyxy
    assert box is not None
    assert 400 <= box[0] < box[2] <= 400 + right.shape[1]
    assert 300 <= box[1] <= box[3] <= 300 + right.shape[0]


@pytest.mark.parametrize(
    ("image", "outcome"),
    [
        (np.full((480, 640), 200, np.uint8), nullcontext([])),
        (np.random.default_rng(1).integers(0, 256, (480, 640), dtype=np.uint8), nullcontext([])),
        (np.full((1, 1), 0, np.uint8), nullcontext([])),
        (np.full((480, 640, 3), 200, np.uint8), nullcontext([])),
        (np.full((480, 640, 4), 200, np.uint8), nullcontext([])),
        (np.full((48, 64, 1), 200, np.uint8), nullcontext([])),
        (np.zeros((480, 640), np.float32), pytest.raises(ValueError, match="uint8")),
        (np.zeros((0, 640), np.uint8), pytest.raises(ValueError, match="non-empty")),
        (np.zeros((4, 4, 4, 4), np.uint8), pytest.raises(ValueError)),
        (np.zeros((48, 64, 2), np.uint8), pytest.raises(ValueError, match="channels")),
        ([[0, 255], [255, 0]], pytest.raises(ValueError, match="numpy")),
    ],
)
def test_frames_without_codes_and_bad_input(
    image: object, outcome: AbstractContextManager[list[BarcodeRead]]
) -> None:
    with outcome as expected:
        assert SCANNER.scan(image) == expected  # type: ignore[arg-type]


def test_colour_frames_read_like_grey_ones() -> None:
    grey = in_frame(symbol("4006381333931", "ean13"))
    bgr = cv2.cvtColor(grey, cv2.COLOR_GRAY2BGR)
    assert values(SCANNER.scan(np.asarray(bgr, np.uint8))) == {"04006381333931"}
    np.testing.assert_array_equal(to_gray(np.asarray(bgr, np.uint8)), grey)


@pytest.mark.parametrize("engine", [ZbarEngine(), ZxingEngine()])
@pytest.mark.parametrize("bad", [np.zeros((4, 4), np.int16), np.zeros((4, 4, 3), np.uint8)])
def test_engines_refuse_anything_but_grey_uint8(engine: object, bad: Gray) -> None:
    with pytest.raises(ValueError, match="2-D uint8"):
        engine.decode(bad)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("kwargs", "outcome"),
    [
        ({}, nullcontext()),
        ({"budget_px": -1}, pytest.raises(ValueError)),
        ({"max_upscale": 0.5}, pytest.raises(ValueError)),
        ({"zbar_cost": 0.0}, pytest.raises(ValueError)),
        ({"ballot": BallotConfig(min_votes=1)}, nullcontext()),
    ],
)
def test_scanner_config_is_checked(
    kwargs: dict[str, object], outcome: AbstractContextManager[object]
) -> None:
    with outcome:
        BarcodeScanner(ScannerConfig(**kwargs))  # type: ignore[arg-type]


def test_ballot_refuses_an_ean_value_contradicted_at_the_same_place() -> None:
    quad = ((10.0, 10.0), (110.0, 10.0), (110.0, 60.0), (10.0, 60.0))
    right = make_read("4006381333931", "ean13", engine="zxing", quad_xy=quad)
    wrong = make_read("9780804816632", "ean13", engine="zxing", quad_xy=quad)
    ballot = Ballot()
    ballot.add([right], view="zxing:@1+", grid="1")
    ballot.add([right, wrong], view="zxing:@2+", grid="2")
    ballot.add([wrong], view="zxing:@1.5+", grid="1.5")
    assert ballot.accepted() == []  # 2 votes against 2
    ballot.add([right], view="zxing:@1+clahe", grid="1")
    ballot.add([right], view="zxing:@1+sharp", grid="1")
    assert [read.gtin for read in ballot.accepted()] == ["04006381333931"]


def test_zbar_alone_needs_unanimous_reads_on_two_grids() -> None:
    read = make_read("4006381333931", "ean13", engine="zbar")
    ballot = Ballot()
    ballot.add([read], view="zbar:@1+", grid="1")
    ballot.add([read], view="zbar:@1+clahe", grid="1")
    ballot.add([read], view="zbar:@1+sharp", grid="1")
    assert ballot.accepted() == []  # one sampling grid only
    ballot.add([read], view="zbar:@2+", grid="2")
    assert [r.gtin for r in ballot.accepted()] == ["04006381333931"]


# --- real photos (zxing-cpp samples, Apache-2.0, see tests/fixtures/barcodes) ----------------


def _photo_rows() -> list[dict[str, str]]:
    with (FIXTURES / "manifest.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _expected(row: dict[str, str]) -> str:
    text = row["expected_text"]
    if row["format"] in ("ean13", "upca", "upce", "ean8"):
        return text.strip().zfill(14)
    return text


@pytest.mark.parametrize("row", _photo_rows(), ids=lambda row: row["file"])
def test_real_photos_read_right_or_not_at_all(row: dict[str, str]) -> None:
    image = cv2.imread(str(FIXTURES / row["file"]), cv2.IMREAD_COLOR)
    assert image is not None, row["file"]
    reads = SCANNER.scan(np.asarray(image, np.uint8))
    if row["format"] == "none":
        assert reads == []
        return
    got = {(read.gtin or read.raw_text).replace("\r\n", "\n") for read in reads}
    assert got == {_expected(row)}


def _photo(name: str) -> Gray:
    return np.asarray(cv2.imread(str(FIXTURES / name), cv2.IMREAD_GRAYSCALE), np.uint8)


def test_zbar_garbles_shift_jis_so_its_non_ascii_qr_text_is_dropped() -> None:
    photo = _photo("qrcode-2__18.webp")
    assert ZbarEngine().decode(photo) == []
    (read,) = ZxingEngine().decode(photo)
    assert read.text.startswith("*ﾃﾞｻﾞｲﾝQR*")


def test_zbar_ignores_fnc4_so_zxing_reads_code128_first() -> None:
    photo = _photo("code128-1__6.png")
    assert [r.text for r in ZbarEngine().decode(photo)] == ["ssss1234ssabszz"]
    assert [r.text for r in SCANNER.scan(photo)] == ["óóóó1234óóabózz"]


def test_a_qr_on_a_bent_card_is_rescued_by_resampling() -> None:
    photo = _photo("qrcode-4__30.webp")
    assert ZxingEngine().decode(photo) == []
    assert ZxingEngine().find_undecoded_qr(photo)
    (read,) = SCANNER.scan(photo)
    assert read.text == "http://code.google.com"
    assert len(read.quad_xy) == 4


def test_a_qr_on_a_creased_card_gets_the_larger_rescue_budget() -> None:
    photo = _photo("qrcode-4__33.webp")
    quad = ZxingEngine(try_harder=True).find_undecoded_qr(photo)[0]
    engine = ZxingEngine()
    assert rescue_qr(photo, quad, engine.decode_pure_qr, RescueConfig(confident_tries=36)) is None
    read = rescue_qr(photo, quad, engine.decode_pure_qr)
    assert read is not None and read.text == "http://code.google.com"


def test_a_quad_without_qr_patterns_is_not_resampled() -> None:
    noise = np.random.default_rng(0).integers(0, 256, (240, 240), dtype=np.uint8)
    calls: list[Gray] = []

    def decode(image: Gray) -> BarcodeRead | None:
        calls.append(image)
        return None

    quad = ((40.0, 40.0), (200.0, 40.0), (200.0, 200.0), (40.0, 200.0))
    assert rescue_qr(noise, quad, decode) is None
    assert calls == []


@pytest.mark.parametrize(
    "settings", [{"max_tries": -1}, {"jitter_px": ()}, {"jitter_px": (1.0, 0.0)}]
)
def test_rescue_config_is_checked(settings: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="RescueConfig"):
        RescueConfig(**settings)  # type: ignore[arg-type]


def _creased_qr(text: str, rng: np.random.Generator) -> Gray:
    """A QR code photographed on a creased card: a soft step along a random line, a bend,
    a tilt, blur and noise."""
    code = zxingcpp.create_barcode(text, FORMATS["qr"], ec_level="M")
    module_px = rng.uniform(3.0, 5.0)
    clean = np.array(code.to_image(scale=1, add_quiet_zones=True), dtype=np.float32)
    image = cv2.resize(clean, None, fx=module_px, fy=module_px, interpolation=cv2.INTER_NEAREST)
    image = cv2.copyMakeBorder(image, 40, 40, 40, 40, cv2.BORDER_CONSTANT, value=200)
    height, width = image.shape
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    angle = rng.uniform(0, np.pi)
    nx, ny = np.cos(angle), np.sin(angle)
    across = (xs - width / 2) * nx + (ys - height / 2) * ny - rng.uniform(-width / 4, width / 4)
    step = rng.uniform(0.5, 1.6) * module_px / (1 + np.exp(-across / rng.uniform(2, 6)))
    bend = rng.uniform(-1, 1) * module_px * np.sin(np.pi * xs / width) * np.sin(np.pi * ys / height)
    map_x = (xs + step * nx + bend * 0.5).astype(np.float32)
    map_y = (ys + step * ny + bend).astype(np.float32)
    image = cv2.remap(image, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    corners = np.float32([[0, 0], [width, 0], [width, height], [0, height]])
    tilted = corners + rng.normal(0, width * 0.04, (4, 2)).astype(np.float32)
    tilt = cv2.getPerspectiveTransform(corners, tilted)
    image = cv2.warpPerspective(image, tilt, (width, height), borderMode=cv2.BORDER_REPLICATE)
    image = cv2.GaussianBlur(image, (0, 0), rng.uniform(0.6, 1.4))
    image = image + rng.normal(0, 6, image.shape)
    return np.clip(image, 0, 255).astype(np.uint8)


def test_creased_qr_codes_are_rescued_right_or_not_at_all() -> None:
    rng = np.random.default_rng(3)
    finder, engine = ZxingEngine(try_harder=True), ZxingEngine()
    rescued = located = 0
    for index in range(40):
        text = f"https://example.com/p/{index:03d}-{rng.integers(10**6):06d}"
        photo = _creased_qr(text, rng)
        if finder.decode(photo):
            continue
        quads = finder.find_undecoded_qr(photo)
        if not quads:
            continue
        located += 1
        read = rescue_qr(photo, quads[0], engine.decode_pure_qr)
        if read is not None:
            assert read.text == text
            rescued += 1
        if located == 6:
            break
    assert located == 6 and rescued >= 4  # 5 of 6 with these defaults (4 with the old ones)
