"""Tests of barcode reads: check digits, GTIN-14, UPC-E, GS1 AIs, Digital Link and consensus."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext

import pytest

from contracts.payloads import ScanPayload, Symbology
from edge.core.barcode import (
    BarcodeRead,
    ConfirmedScan,
    ConsensusConfig,
    InvalidReadError,
    ScanConsensus,
    make_read,
)
from edge.core.gs1 import (
    Gs1Error,
    format_gs1,
    normalise_retail,
    parse_digital_link,
    parse_gs1_elements,
    upca_to_upce,
)

GS = "\x1d"
RAISES_INVALID = pytest.raises(InvalidReadError)


@pytest.mark.parametrize(
    ("raw", "symbology", "expected", "outcome"),
    [
        ("4006381333931", "ean13", ("ean13", "4006381333931", "04006381333931"), nullcontext()),
        ("4006381333932", "ean13", None, RAISES_INVALID),  # wrong check digit
        ("036000291452", "upca", ("upca", "036000291452", "00036000291452"), nullcontext()),
        # ZBar reports UPC-A as a 13-digit EAN starting with 0: same item, same text.
        ("0036000291452", "ean13", ("upca", "036000291452", "00036000291452"), nullcontext()),
        ("036000291453", "upca", None, RAISES_INVALID),
        ("96385074", "ean8", ("ean8", "96385074", "00000096385074"), nullcontext()),
        ("96385075", "ean8", None, RAISES_INVALID),
        ("01234565", "upce", ("upce", "01234565", "00012345000065"), nullcontext()),
        # zxing-cpp 3 and ZBar report UPC-E expanded to GTIN-13.
        ("0012345000065", "upce", ("upce", "01234565", "00012345000065"), nullcontext()),
        ("01234566", "upce", None, RAISES_INVALID),
        ("22345670", "upce", None, RAISES_INVALID),  # number system 2 is not UPC-E
        ("40063813339", "ean13", None, RAISES_INVALID),  # too short
        ("4006381A33931", "ean13", None, RAISES_INVALID),
        ("", "ean13", None, RAISES_INVALID),
        ("   ", "upca", None, RAISES_INVALID),
    ],
)
def test_retail_reads_are_checked_and_normalised(
    raw: str,
    symbology: Symbology,
    expected: tuple[str, str, str] | None,
    outcome: AbstractContextManager[object],
) -> None:
    with outcome:
        read = make_read(raw, symbology, engine="zxing")
        assert expected is not None
        assert (read.symbology, read.text, read.gtin) == expected
        assert read.raw_text == raw


@pytest.mark.parametrize(
    ("upca", "upce"),
    [
        ("012345000065", "01234565"),
        ("001234000057", "00123457"),
        ("041244000098", "04124498"),
        ("001000002346", "00123406"),  # last digit 0: manufacturer xx000
        ("101200000347", "10103427"),  # number system 1; the shortest form wins
        ("036000291452", None),  # has no UPC-E form
        ("21234500006", None),  # wrong length
    ],
)
def test_upca_compresses_to_upce_when_it_has_one(upca: str, upce: str | None) -> None:
    assert upca_to_upce(upca) == upce


@pytest.mark.parametrize(
    ("text", "expected", "outcome"),
    [
        (
            "(01)09506000134352(17)251231(10)AB1",
            {"01": "09506000134352", "17": "251231", "10": "AB1"},
            nullcontext(),
        ),
        (
            f"0109506000134352{GS}10AB1{GS}21SER9",
            {"01": "09506000134352", "10": "AB1", "21": "SER9"},
            nullcontext(),
        ),
        # Fixed-length AIs need no separator; a leading symbology identifier is ignored.
        (
            "]C101095060001343521725123110AB1",
            {"01": "09506000134352", "17": "251231", "10": "AB1"},
            nullcontext(),
        ),
        (f"{GS}0109506000134352", {"01": "09506000134352"}, nullcontext()),
        ("(01)09506000134353", None, pytest.raises(Gs1Error, match="check digit")),
        ("(01)0950600013435", None, pytest.raises(Gs1Error)),  # 13 digits for a GTIN-14
        ("(17)2512", None, pytest.raises(Gs1Error)),
        ("010950600013", None, pytest.raises(Gs1Error, match="truncated")),
        ("(01)09506000134352junk", None, pytest.raises(Gs1Error)),
        ("", None, pytest.raises(Gs1Error)),
        ("(10)", None, pytest.raises(Gs1Error)),
    ],
)
def test_gs1_element_strings_parse_in_both_forms(
    text: str, expected: dict[str, str] | None, outcome: AbstractContextManager[object]
) -> None:
    with outcome:
        assert parse_gs1_elements(text) == expected


def test_gs1_elements_print_in_parenthesised_form() -> None:
    elements = {"01": "09506000134352", "17": "251231", "10": "AB1"}
    assert format_gs1(elements) == "(01)09506000134352(17)251231(10)AB1"
    assert parse_gs1_elements(format_gs1(elements)) == elements


@pytest.mark.parametrize(
    ("url", "expected", "outcome"),
    [
        (
            "https://id.gs1.org/01/09506000134352/10/AB1?17=251231",
            {"01": "09506000134352", "10": "AB1", "17": "251231"},
            nullcontext(),
        ),
        ("https://example.com/shop/01/4006381333931", {"01": "04006381333931"}, nullcontext()),
        ("HTTP://brand.example/gtin/96385074", {"01": "00000096385074"}, nullcontext()),
        ("https://id.gs1.org/01/09506000134353", None, pytest.raises(Gs1Error)),
        ("https://example.com/products/123", None, pytest.raises(Gs1Error)),
        ("ftp://id.gs1.org/01/09506000134352", None, pytest.raises(Gs1Error)),
        ("not a url", None, pytest.raises(Gs1Error)),
    ],
)
def test_digital_link_urls_give_their_gtin(
    url: str, expected: dict[str, str] | None, outcome: AbstractContextManager[object]
) -> None:
    with outcome:
        assert parse_digital_link(url) == expected


@pytest.mark.parametrize(
    ("raw", "symbology", "gs1_flag", "expected"),
    [
        # GS1-128: canonical text in (AI) form, raw text kept, GTIN extracted.
        (
            "01095060001343521725123110AB1",
            "code128",
            True,
            ("gs1_128", "(01)09506000134352(17)251231(10)AB1", "09506000134352"),
        ),
        (
            "(01)09506000134352",
            "code128",
            False,
            ("gs1_128", "(01)09506000134352", "09506000134352"),
        ),
        ("CNK8181G2C", "code128", False, ("code128", "CNK8181G2C", None)),
        # Flagged GS1 but not a valid element string: kept as plain Code 128.
        ("8101054321120021123456", "code128", True, ("gs1_128", "(8101)054321120021123456", None)),
        (
            "https://id.gs1.org/01/09506000134352",
            "qr",
            False,
            ("qr", "https://id.gs1.org/01/09506000134352", "09506000134352"),
        ),
        (
            "https://example.com/01/09506000134353",
            "qr",
            False,
            ("qr", "https://example.com/01/09506000134353", None),
        ),
        (
            "Google モバイル\nhttp://google.jp",
            "qr",
            False,
            ("qr", "Google モバイル\nhttp://google.jp", None),
        ),
    ],
)
def test_code128_and_qr_reads(
    raw: str, symbology: Symbology, gs1_flag: bool, expected: tuple[str, str, str | None]
) -> None:
    read = make_read(raw, symbology, engine="zxing", gs1_flag=gs1_flag)
    assert (read.symbology, read.text, read.gtin) == expected
    assert read.raw_text == raw


def test_gs1_code128_with_a_wrong_gtin_is_rejected() -> None:
    with RAISES_INVALID:
        make_read("(01)09506000134353(10)AB1", "code128", engine="zxing")


def test_gs1_qr_with_a_wrong_gtin_is_rejected() -> None:
    with RAISES_INVALID:
        make_read("0109506000134353", "qr", engine="zxing", gs1_flag=True)


@pytest.mark.parametrize(
    ("kwargs", "outcome"),
    [
        ({}, nullcontext()),
        ({"text": ""}, pytest.raises(ValueError, match="empty")),
        ({"symbology": "pdf417"}, pytest.raises(ValueError, match="symbology")),
        ({"gtin": "4006381333931"}, pytest.raises(ValueError, match="GTIN-14")),
        ({"gtin": "04006381333932"}, pytest.raises(ValueError, match="GTIN-14")),
        ({"quad_xy": ((0.0, 0.0), (1.0, 0.0))}, pytest.raises(ValueError, match="quad")),
    ],
)
def test_barcode_read_validates_its_fields(
    kwargs: dict[str, object], outcome: AbstractContextManager[object]
) -> None:
    fields: dict[str, object] = {
        "text": "4006381333931",
        "symbology": "ean13",
        "engine": "zxing",
        "gtin": "04006381333931",
        "quad_xy": ((0.0, 0.0), (10.0, 0.0), (10.0, 5.0), (0.0, 5.0)),
    }
    fields.update(kwargs)
    with outcome:
        read = BarcodeRead(**fields)  # type: ignore[arg-type]
        assert read.bbox_xyxy == (0.0, 0.0, 10.0, 5.0)


def test_reads_of_the_same_item_share_a_key_across_engines_and_forms() -> None:
    zbar = make_read("0036000291452", "ean13", engine="zbar")
    zxing = make_read("036000291452", "upca", engine="zxing")
    assert zbar.key == zxing.key == "gtin:00036000291452"
    assert make_read("hello", "qr", engine="zxing").key == "qr:hello"


# --- consensus ----------------------------------------------------------------------------


def _read(code: str = "4006381333931", symbology: Symbology = "ean13") -> BarcodeRead:
    return make_read(code, symbology, engine="zxing")


def _feed(
    consensus: ScanConsensus, frames: list[list[BarcodeRead]], *, frame_ms: float = 50.0
) -> list[tuple[int, ConfirmedScan]]:
    events = []
    for index, reads in enumerate(frames):
        for scan in consensus.update(reads, frame_index=index, ts_ms=1000.0 + index * frame_ms):
            events.append((index, scan))
    return events


def test_a_held_item_gives_one_scan_after_n_of_m_frames() -> None:
    item = _read()
    consensus = ScanConsensus(ConsensusConfig(min_frames=3, window_frames=5))
    events = _feed(consensus, [[item], [], [item], [item], [item], [item], [item]])
    assert [index for index, _ in events] == [3]
    scan = events[0][1]
    assert scan.frames_confirmed == 3
    assert scan.first_seen_ms == 1000.0
    assert scan.time_to_scan_ms == pytest.approx(150.0)


def test_reads_spread_wider_than_the_window_never_confirm() -> None:
    item = _read()
    consensus = ScanConsensus(ConsensusConfig(min_frames=2, window_frames=3))
    assert _feed(consensus, [[item], [], [], [item], [], [], [item]]) == []


def test_two_items_in_view_give_two_scans() -> None:
    first, second = _read("4006381333931"), _read("96385074", "ean8")
    consensus = ScanConsensus(ConsensusConfig(min_frames=2, window_frames=4))
    events = _feed(consensus, [[first, second], [first, second], [first, second]])
    assert sorted(scan.read.gtin or "" for _, scan in events) == [
        "00000096385074",
        "04006381333931",
    ]


def test_duplicate_reads_in_one_frame_count_once() -> None:
    item = _read()
    consensus = ScanConsensus(ConsensusConfig(min_frames=2, window_frames=4))
    assert consensus.update([item, item], frame_index=0, ts_ms=0.0) == []


def test_an_item_scans_again_only_after_it_was_away() -> None:
    item = _read()
    consensus = ScanConsensus(ConsensusConfig(min_frames=2, window_frames=3, rearm_absent_frames=3))
    frames = [[item]] * 4 + [[]] * 2 + [[item]] * 2 + [[]] * 3 + [[item]] * 2
    events = _feed(consensus, frames)
    # away for 2 frames (< 3): the same presence; away for 3 frames: a new scan.
    assert [index for index, _ in events] == [1, 12]
    assert events[1][1].time_to_scan_ms == pytest.approx(50.0)


def test_frames_must_move_forward() -> None:
    consensus = ScanConsensus()
    consensus.update([], frame_index=5, ts_ms=0.0)
    with pytest.raises(ValueError, match="increase"):
        consensus.update([], frame_index=5, ts_ms=1.0)
    consensus.reset()
    assert consensus.update([], frame_index=0, ts_ms=0.0) == []


@pytest.mark.parametrize(
    ("kwargs", "outcome"),
    [
        ({"min_frames": 2, "window_frames": 5}, nullcontext()),
        ({"min_frames": 1, "window_frames": 1}, nullcontext()),
        ({"min_frames": 0, "window_frames": 5}, pytest.raises(ValueError)),
        ({"min_frames": 6, "window_frames": 5}, pytest.raises(ValueError)),
        ({"rearm_absent_frames": 0}, pytest.raises(ValueError)),
    ],
)
def test_consensus_config_is_checked(
    kwargs: dict[str, int], outcome: AbstractContextManager[object]
) -> None:
    with outcome:
        ConsensusConfig(**kwargs)


def test_confirmed_scan_becomes_a_valid_wire_payload() -> None:
    read = make_read("01095060001343521725123110AB1", "code128", engine="zxing", gs1_flag=True)
    consensus = ScanConsensus(ConsensusConfig(min_frames=1, window_frames=1))
    (scan,) = consensus.update([read], frame_index=0, ts_ms=10.0)
    payload = scan.to_payload()
    assert isinstance(payload, ScanPayload)
    assert payload.text == "(01)09506000134352(17)251231(10)AB1"
    assert payload.symbology == "gs1_128"
    assert payload.gtin == "09506000134352"
    assert payload.gs1 == {"01": "09506000134352", "17": "251231", "10": "AB1"}
    assert (payload.frames_confirmed, payload.time_to_scan_ms) == (1, 0.0)
    assert ScanPayload.model_validate(payload.model_dump(mode="json")) == payload


def test_normalise_retail_rejects_what_it_cannot_read() -> None:
    with pytest.raises(Gs1Error):
        normalise_retail("12345", "ean13")
