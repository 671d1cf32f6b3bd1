"""Provides staff password hashing with scrypt (stdlib `hashlib.scrypt`), a memory-hard KDF.

A stored hash is self-describing: `scrypt$<log2 n>$<r>$<p>$<salt b64>$<key b64>`, so the cost can
be raised later without breaking existing hashes (`needs_rehash` tells when to re-hash at login).
Pure: no I/O besides the OS random source for salts.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

SCHEME = "scrypt"
SALT_BYTES = 16
KEY_BYTES = 32
# n = 2**15, r = 8: 32 MiB and ~0.15 s per hash on the 2-core hub (2**17 took ~0.7 s).
DEFAULT_LOG2_N = 15
DEFAULT_R = 8
DEFAULT_P = 1
MAX_MEMORY_BYTES = 512 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class ScryptCost:
    """scrypt cost parameters.

    Attributes:
        log2_n: CPU/memory cost as a power of two (n = 2**log2_n).
        r: block size.
        p: parallelism.
    """

    log2_n: int = DEFAULT_LOG2_N
    r: int = DEFAULT_R
    p: int = DEFAULT_P

    def __post_init__(self) -> None:
        if not 10 <= self.log2_n <= 22:
            raise ValueError(f"log2_n must be 10..22, got {self.log2_n}")
        if not 1 <= self.r <= 32 or not 1 <= self.p <= 16:
            raise ValueError(f"r must be 1..32 and p 1..16, got r={self.r} p={self.p}")


def _derive(password: str, salt: bytes, cost: ScryptCost) -> bytes:
    return hashlib.scrypt(
        password.encode("utf-8"),
        salt=salt,
        n=2**cost.log2_n,
        r=cost.r,
        p=cost.p,
        maxmem=MAX_MEMORY_BYTES,
        dklen=KEY_BYTES,
    )


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_password(password: str, *, cost: ScryptCost | None = None) -> str:
    """Hashes a password with a fresh random salt.

    Args:
        password: the plain password (any length; the caller validates policy).
        cost: scrypt parameters (defaults to `ScryptCost()`).

    Returns:
        The encoded hash to store.
    """
    chosen = cost or ScryptCost()
    salt = secrets.token_bytes(SALT_BYTES)
    key = _derive(password, salt, chosen)
    return f"{SCHEME}${chosen.log2_n}${chosen.r}${chosen.p}${_b64(salt)}${_b64(key)}"


def _parse(encoded: str) -> tuple[ScryptCost, bytes, bytes]:
    parts = encoded.split("$")
    if len(parts) != 6 or parts[0] != SCHEME:
        raise ValueError("not an aisle scrypt hash")
    cost = ScryptCost(int(parts[1]), int(parts[2]), int(parts[3]))
    return cost, base64.b64decode(parts[4]), base64.b64decode(parts[5])


def verify_password(password: str, encoded: str) -> bool:
    """True when `password` matches the stored hash (constant-time comparison).

    A malformed stored hash never matches.
    """
    try:
        cost, salt, key = _parse(encoded)
    except ValueError:
        return False
    return hmac.compare_digest(_derive(password, salt, cost), key)


def needs_rehash(encoded: str, *, cost: ScryptCost | None = None) -> bool:
    """True when a stored hash uses other parameters than `cost` (re-hash after a good login)."""
    try:
        stored, _, _ = _parse(encoded)
    except ValueError:
        return True
    return stored != (cost or ScryptCost())
