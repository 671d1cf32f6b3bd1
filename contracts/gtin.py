"""Provides GTIN arithmetic: GS1 check digits and normalisation of EAN/UPC codes to GTIN-14."""

from __future__ import annotations

GTIN_LENGTHS = (8, 12, 13, 14)


def gs1_check_digit(body: str) -> int:
    """Computes the GS1 mod-10 check digit for the digits before it.

    Args:
        body: the digits of a GTIN without its last (check) digit.

    Raises:
        ValueError: if `body` is empty or holds a non-digit.
    """
    if not body or not body.isdigit():
        raise ValueError(f"GTIN body must be digits, got {body!r}")
    total = 0
    for index, char in enumerate(reversed(body)):
        total += int(char) * (3 if index % 2 == 0 else 1)
    return (10 - total % 10) % 10


def is_valid_gtin(code: str) -> bool:
    """Tells whether `code` is an 8, 12, 13 or 14 digit GTIN with a correct check digit."""
    if len(code) not in GTIN_LENGTHS or not code.isdigit():
        return False
    return gs1_check_digit(code[:-1]) == int(code[-1])


def upce_to_upca(upce: str) -> str:
    """Expands an 8-digit UPC-E (number system, 6 digits, check) to its 12-digit UPC-A.

    Raises:
        ValueError: if `upce` is not 8 digits with number system 0 or 1.
    """
    if len(upce) != 8 or not upce.isdigit() or upce[0] not in "01":
        raise ValueError(f"UPC-E must be 8 digits starting 0 or 1, got {upce!r}")
    ns, d, check = upce[0], upce[1:7], upce[7]
    last = d[5]
    if last in "012":
        body = f"{d[0]}{d[1]}{last}0000{d[2]}{d[3]}{d[4]}"
    elif last == "3":
        body = f"{d[0]}{d[1]}{d[2]}00000{d[3]}{d[4]}"
    elif last == "4":
        body = f"{d[0]}{d[1]}{d[2]}{d[3]}00000{d[4]}"
    else:
        body = f"{d[0]}{d[1]}{d[2]}{d[3]}{d[4]}0000{last}"
    return f"{ns}{body}{check}"


def to_gtin14(code: str, *, upce: bool = False) -> str:
    """Normalises an EAN-8, UPC-A, EAN-13, GTIN-14 or (with `upce=True`) UPC-E code to GTIN-14.

    Args:
        code: the decoded digits, check digit included.
        upce: treat an 8-digit code as UPC-E rather than EAN-8.

    Returns:
        The 14-digit GTIN, left-padded with zeros.

    Raises:
        ValueError: if the code is not digits of a GTIN length or its check digit is wrong.
    """
    if upce:
        code = upce_to_upca(code)
    if not is_valid_gtin(code):
        raise ValueError(f"not a valid GTIN (length 8/12/13/14 with check digit): {code!r}")
    return code.zfill(14)


def display_gtin(gtin14: str) -> str:
    """Returns the shortest common form of a GTIN-14: GTIN-13 when it has a leading zero."""
    return gtin14[1:] if len(gtin14) == 14 and gtin14.startswith("0") else gtin14
