"""Provides `photo_from_body`: the photo bytes of an upload, multipart/form-data or a raw image.

Multipart bodies are parsed with the standard library's MIME parser, so the hub needs no
multipart package: the part named `photo` (or else the first part carrying a file) is the photo.
"""

from __future__ import annotations

from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

from hub.index.photos import MAX_PHOTO_BYTES, PhotoRefused

PHOTO_FIELD = "photo"
MAX_BODY_BYTES = MAX_PHOTO_BYTES + 64 * 1024
RAW_TYPES = ("image/", "application/octet-stream")


def _parts(content_type: str, body: bytes) -> list[EmailMessage]:
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1")
    message = BytesParser(policy=policy.HTTP).parsebytes(head + body)
    if not isinstance(message, EmailMessage) or not message.is_multipart():
        raise PhotoRefused("the multipart body has no parts (boundary missing or wrong)")
    return [part for part in message.iter_parts() if isinstance(part, EmailMessage)]


def photo_from_body(content_type: str, body: bytes) -> bytes:
    """Extracts the photo from a request body.

    Args:
        content_type: the request's Content-Type header.
        body: the request body.

    Raises:
        PhotoRefused: the body is too large, of another type, or holds no photo part.
    """
    if len(body) > MAX_BODY_BYTES:
        raise PhotoRefused(f"the upload has {len(body)} bytes; at most {MAX_BODY_BYTES}")
    kind = content_type.split(";")[0].strip().lower()
    if kind.startswith(RAW_TYPES):
        return body
    if kind != "multipart/form-data":
        raise PhotoRefused(
            f"send multipart/form-data with a '{PHOTO_FIELD}' file, or an image body; "
            f"got {kind or 'no Content-Type'}"
        )
    parts = _parts(content_type, body)
    named = [p for p in parts if p.get_param("name", header="content-disposition") == PHOTO_FIELD]
    files = named or [p for p in parts if p.get_filename()]
    if not files:
        raise PhotoRefused(f"the form has no '{PHOTO_FIELD}' file part")
    payload = files[0].get_payload(decode=True)
    if not isinstance(payload, bytes):
        raise PhotoRefused(f"the '{PHOTO_FIELD}' part holds no bytes")
    return payload
