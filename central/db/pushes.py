"""Provides the statements of availability pushes made with an `Idempotency-Key`.

The first push with a key stores its body hash and the receipt central answered; a repeat with
the same body gets that receipt again (nothing re-applied), a repeat with another body is refused.
"""

from __future__ import annotations

from central.db.connection import Row, Tx

PUSHES_DDL = """
CREATE TABLE IF NOT EXISTS availability_pushes (
    idempotency_key TEXT PRIMARY KEY,
    store TEXT NOT NULL,
    request_sha256 TEXT NOT NULL,
    receipt_json TEXT NOT NULL,
    created_at TEXT NOT NULL
);
"""


def push_by_key(tx: Tx, idempotency_key: str) -> Row | None:
    """Returns `{store, request_sha256, receipt_json}` of the push made with this key, if any."""
    return tx.one(
        "SELECT store, request_sha256, receipt_json FROM availability_pushes"
        " WHERE idempotency_key = :key",
        {"key": idempotency_key},
    )


def insert_push(
    tx: Tx, idempotency_key: str, *, store: str, request_sha256: str, receipt_json: str, now: str
) -> None:
    """Keeps the answer given to a push with a key."""
    tx.execute(
        "INSERT INTO availability_pushes (idempotency_key, store, request_sha256, receipt_json,"
        " created_at) VALUES (:key, :store, :sha, :receipt, :now)",
        {
            "key": idempotency_key,
            "store": store,
            "sha": request_sha256,
            "receipt": receipt_json,
            "now": now,
        },
    )
