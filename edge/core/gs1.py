"""Provides GS1 parsing: EAN/UPC normalisation to GTIN-14, AIs in barcode text, Digital Link URLs.

Three forms reach us: the human-readable `(01)09506000134352(17)201225(10)ABC`, the raw form where
variable-length fields end with a GS (0x1D) separator (or FNC1 already removed by the decoder), and
GS1 Digital Link URLs such as `https://id.gs1.org/01/09506000134352/10/ABC?17=201225`.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, unquote, urlsplit

from contracts.gtin import is_valid_gtin, to_gtin14, upce_to_upca

GS = "\x1d"

# Total length (AI + data) of the AIs whose length is fixed by their first two digits (GS1 General
# Specifications, figure 5.10.1-2); every other AI is variable and ends with GS or the end.
_PREDEFINED_LENGTHS = {
    "00": 20,
    "01": 16,
    "02": 16,
    "03": 16,
    "04": 18,
    "11": 8,
    "12": 8,
    "13": 8,
    "14": 8,
    "15": 8,
    "16": 8,
    "17": 8,
    "18": 8,
    "19": 8,
    "20": 4,
    "31": 10,
    "32": 10,
    "33": 10,
    "34": 10,
    "35": 10,
    "36": 10,
    "41": 16,
}
_AI_DATA_MAX = 90
_PAREN_AI = re.compile(r"\((\d{2,4})\)([^()]*)")


class Gs1Error(ValueError):
    """A text does not hold a well-formed GS1 element string."""


def ai_length(prefix2: str) -> int:
    """Returns how many digits the AI starting with these two digits has (2, 3 or 4)."""
    if not (len(prefix2) == 2 and prefix2.isdigit()):
        raise Gs1Error(f"AI prefix must be 2 digits, got {prefix2!r}")
    value = int(prefix2)
    if value <= 22 or value in (30, 37) or value >= 90:
        return 2
    if 23 <= value <= 29 or 40 <= value <= 49:
        return 3
    return 4


def parse_gs1_elements(text: str) -> dict[str, str]:
    """Parses a GS1 element string in `(AI)value` form or raw (GS-separated) form.

    Args:
        text: the decoded text; a leading symbology identifier (`]C1`, `]Q3`, ...) or GS is ignored.

    Returns:
        AI -> value, in the order found.

    Raises:
        Gs1Error: if the text is not a complete, well-formed element string, or its GTIN (AI 01)
            has a wrong check digit.
    """
    body = text[3:] if text[:1] == "]" else text
    body = body.lstrip(GS)
    if not body:
        raise Gs1Error("empty GS1 element string")
    elements = _parse_parenthesised(body) if body.startswith("(") else _parse_raw(body)
    for ai in ("01", "02"):
        if ai in elements and not is_valid_gtin(elements[ai]):
            raise Gs1Error(f"AI ({ai}) {elements[ai]!r} is not a GTIN-14 with a valid check digit")
    return elements


def _parse_parenthesised(body: str) -> dict[str, str]:
    elements: dict[str, str] = {}
    position = 0
    for match in _PAREN_AI.finditer(body):
        if match.start() != position:
            raise Gs1Error(f"unexpected text at {position} in {body!r}")
        ai, value = match.group(1), match.group(2)
        _check_element(ai, value)
        elements[ai] = value
        position = match.end()
    if position != len(body):
        raise Gs1Error(f"unexpected text at {position} in {body!r}")
    return elements


def _parse_raw(body: str) -> dict[str, str]:
    elements: dict[str, str] = {}
    position = 0
    while position < len(body):
        prefix = body[position : position + 2]
        ai = body[position : position + ai_length(prefix)]
        fixed = _PREDEFINED_LENGTHS.get(prefix)
        if fixed is not None:
            end = position + fixed
            if end > len(body):
                raise Gs1Error(f"AI ({ai}) is truncated in {body!r}")
            value = body[position + len(ai) : end]
            position = end + (1 if body[end : end + 1] == GS else 0)
        else:
            separator = body.find(GS, position)
            end = len(body) if separator < 0 else separator
            value = body[position + len(ai) : end]
            position = end + 1
        _check_element(ai, value)
        elements[ai] = value
    return elements


def _check_element(ai: str, value: str) -> None:
    if not ai.isdigit() or len(ai) != ai_length(ai[:2]):
        raise Gs1Error(f"malformed AI {ai!r}")
    if not value or len(value) > _AI_DATA_MAX or GS in value:
        raise Gs1Error(f"AI ({ai}) has an empty, too long or malformed value {value!r}")
    fixed = _PREDEFINED_LENGTHS.get(ai[:2])
    if fixed is not None and len(ai) + len(value) != fixed:
        raise Gs1Error(f"AI ({ai}) needs {fixed - len(ai)} characters, got {value!r}")
    if fixed is not None and not value.isdigit():
        raise Gs1Error(f"AI ({ai}) must be digits, got {value!r}")


def format_gs1(elements: dict[str, str]) -> str:
    """Writes AIs in the human-readable `(01)...(17)...` form."""
    return "".join(f"({ai}){value}" for ai, value in elements.items())


def parse_digital_link(url: str) -> dict[str, str]:
    """Extracts the AIs of a GS1 Digital Link URL (path `/01/<gtin>/10/<batch>`, query `?17=...`).

    Args:
        url: an http(s) URL.

    Returns:
        AI -> value with the GTIN under "01" (GTIN-8/12/13 left-padded to 14 digits).

    Raises:
        Gs1Error: if the URL carries no GTIN or the GTIN's check digit is wrong.
    """
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise Gs1Error(f"not an http(s) URL: {url[:80]!r}")
    segments = [unquote(s) for s in parts.path.split("/") if s]
    elements: dict[str, str] = {}
    for index in range(len(segments) - 1):
        key = segments[index]
        if key in ("01", "gtin") and "01" not in elements:
            elements["01"] = segments[index + 1]
            elements.update(_pairs(segments[index + 2 :]))
            break
    if "01" not in elements:
        raise Gs1Error(f"no GTIN path element (/01/...) in {url[:80]!r}")
    gtin = elements["01"]
    if not (gtin.isdigit() and len(gtin) in (8, 12, 13, 14) and is_valid_gtin(gtin)):
        raise Gs1Error(f"Digital Link GTIN {gtin!r} is not a GTIN with a valid check digit")
    elements["01"] = gtin.zfill(14)
    for key, value in parse_qsl(parts.query):
        if key.isdigit() and 2 <= len(key) <= 4 and value:
            elements.setdefault(key, value)
    return elements


def _pairs(segments: list[str]) -> dict[str, str]:
    return {
        segments[i]: segments[i + 1]
        for i in range(0, len(segments) - 1, 2)
        if segments[i].isdigit() and segments[i + 1]
    }


def normalise_retail(digits: str, symbology: str) -> tuple[str, str, str]:
    """Checks an EAN/UPC read and returns (symbology, canonical text, GTIN-14).

    UPC-A arrives as 12 digits or as a 13-digit EAN starting with 0; UPC-E as 8 digits or already
    expanded to 12/13 digits (zxing-cpp 3 and ZBar both expand it). Both are mapped to their usual
    printed form.

    Raises:
        Gs1Error: on a non-digit, a wrong length or a wrong check digit.
    """
    digits = digits.strip()
    if not digits.isdigit():
        raise Gs1Error(f"{symbology} text must be digits, got {digits[:40]!r}")
    try:
        if symbology == "upce":
            return _normalise_upce(digits)
        if symbology == "ean8":
            if len(digits) != 8:
                raise Gs1Error(f"EAN-8 must have 8 digits, got {digits!r}")
            return "ean8", digits, to_gtin14(digits)
        gtin = to_gtin14(digits)
    except ValueError as exc:
        raise Gs1Error(str(exc)) from exc
    if len(digits) not in (12, 13):
        raise Gs1Error(f"{symbology} must have 12 or 13 digits, got {digits!r}")
    if gtin.startswith("00"):
        return "upca", gtin[2:], gtin
    return "ean13", gtin[1:], gtin


def _normalise_upce(digits: str) -> tuple[str, str, str]:
    if len(digits) == 8:
        return "upce", digits, to_gtin14(digits, upce=True)
    gtin = to_gtin14(digits)
    upce = upca_to_upce(gtin[2:]) if gtin.startswith("00") else None
    if upce is None:
        raise Gs1Error(f"UPC-E expansion {digits!r} cannot be compressed back to UPC-E")
    return "upce", upce, gtin


def upca_to_upce(upca: str) -> str | None:
    """Compresses a 12-digit UPC-A to its 8-digit UPC-E, or returns None when it has none."""
    if len(upca) != 12 or not upca.isdigit() or upca[0] not in "01":
        return None
    ns, maker, item, check = upca[0], upca[1:6], upca[6:11], upca[11]
    if maker[3:5] == "00" and maker[2] in "012" and item[:2] == "00":
        body = maker[:2] + item[2:5] + maker[2]
    elif maker[3:5] == "00" and item[:3] == "000":
        body = maker[:3] + item[3:5] + "3"
    elif maker[4] == "0" and item[:4] == "0000":
        body = maker[:4] + item[4] + "4"
    elif item[:4] == "0000" and item[4] in "56789":
        body = maker + item[4]
    else:
        return None
    upce = f"{ns}{body}{check}"
    return upce if upce_to_upca(upce) == upca else None
