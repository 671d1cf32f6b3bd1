"""Provides event identifiers: ULIDs made on the device, sortable by creation time."""

from __future__ import annotations

import os
import re

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
ULID_PATTERN = re.compile(r"^[0-7][0-9A-HJKMNP-TV-Z]{25}$")
IDENTIFIER_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def new_ulid(now_ms: int, randomness: bytes | None = None) -> str:
    """Makes a ULID: 48 bits of milliseconds since the epoch and 80 random bits, base32.

    Args:
        now_ms: creation time in milliseconds since the Unix epoch (the caller owns the clock).
        randomness: 10 bytes to use instead of `os.urandom(10)` (for deterministic tests).

    Returns:
        A 26-character Crockford base32 string.

    Raises:
        ValueError: if `now_ms` is out of the 48-bit range or `randomness` is not 10 bytes.
    """
    if not 0 <= now_ms < 2**48:
        raise ValueError(f"now_ms must be in [0, 2**48), got {now_ms}")
    rand = os.urandom(10) if randomness is None else randomness
    if len(rand) != 10:
        raise ValueError(f"randomness must be 10 bytes, got {len(rand)}")
    value = (now_ms << 80) | int.from_bytes(rand, "big")
    chars = []
    for _ in range(26):
        chars.append(_CROCKFORD[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def ulid_time_ms(ulid: str) -> int:
    """Returns the creation time, in milliseconds since the epoch, stored in a ULID.

    Raises:
        ValueError: if `ulid` is not a canonical ULID string.
    """
    if not ULID_PATTERN.match(ulid):
        raise ValueError(f"not a ULID: {ulid!r}")
    value = 0
    for char in ulid[:10]:
        value = value * 32 + _CROCKFORD.index(char)
    return value


def check_identifier(kind: str, value: str) -> str:
    """Checks a store, device or client id against `^[A-Za-z0-9_-]{1,64}$`.

    Brokers differ in what they accept (rumqttd stops accepting connections after an id with
    '/'), so aisle allows only the characters every broker handles.

    Raises:
        ValueError: naming the kind, the value and the allowed pattern.
    """
    if not IDENTIFIER_PATTERN.match(value):
        raise ValueError(f"{kind} id {value!r} must match {IDENTIFIER_PATTERN.pattern}")
    return value
