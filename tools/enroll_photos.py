"""Uploads staff reference photos to a hub: one folder per product, named by its GTIN.

    python tools/enroll_photos.py --hub http://127.0.0.1:8000 --token-file T PHOTOS_DIR [--build]

PHOTOS_DIR holds `<gtin>/<any name>.jpg|jpeg|png|webp` (GTIN-8/12/13/14; sent as GTIN-14), or,
with `--gtin G`, the photos of that one product directly. Each photo is posted to
`POST /api/v1/products/{gtin}/reference-photos`; a refused photo is reported with the hub's
reason and the rest go on. `--build` asks the hub for an index build afterwards. Prints a JSON
summary; exits 1 if any photo was refused or failed, 2 for bad arguments.

The hub needs a `service` API token (`aisle hub add-token --role service`): from `--token-file`
or the environment variable `AISLE_HUB_TOKEN`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import httpx

SUFFIXES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".webp": "image/webp"}


def build_parser() -> argparse.ArgumentParser:
    """Returns the tool's argument parser."""
    parser = argparse.ArgumentParser(prog="tools/enroll_photos.py", description=__doc__)
    parser.add_argument("folder", type=Path, help="folder of <gtin>/ sub-folders (or photos)")
    parser.add_argument("--hub", default="http://127.0.0.1:8000", help="hub base URL")
    parser.add_argument("--gtin", help="the folder holds the photos of this one product")
    parser.add_argument("--build", action="store_true", help="start an index build afterwards")
    parser.add_argument("--timeout-s", type=float, default=30.0, help="HTTP timeout, seconds")
    parser.add_argument("--token-file", type=Path, help="hub API token file (else AISLE_HUB_TOKEN)")
    return parser


def hub_token(token_file: Path | None, environ: Mapping[str, str]) -> str:
    """The hub API token from `token_file`, else from `AISLE_HUB_TOKEN`.

    Raises:
        ValueError: neither gives a token.
    """
    token = token_file.read_text().strip() if token_file else environ.get("AISLE_HUB_TOKEN", "")
    if not token.strip():
        raise ValueError("no hub API token: pass --token-file or set AISLE_HUB_TOKEN")
    return token.strip()


def photos_by_gtin(folder: Path, gtin: str | None) -> dict[str, list[Path]]:
    """Maps GTIN-14 -> photo files found under `folder`.

    Raises:
        ValueError: a sub-folder name (or `gtin`) is not 8 to 14 digits.
    """
    groups = {gtin: folder} if gtin else {p.name: p for p in folder.iterdir() if p.is_dir()}
    out: dict[str, list[Path]] = {}
    for name, sub in sorted(groups.items()):
        if not name.isdigit() or not 8 <= len(name) <= 14:
            raise ValueError(f"{sub}: folder name {name!r} is not a GTIN")
        files = sorted(f for f in sub.iterdir() if f.suffix.lower() in SUFFIXES)
        if files:
            out[name.zfill(14)] = files
    return out


def upload(client: httpx.Client, gtin: str, path: Path) -> tuple[int, str]:
    """Posts one photo; returns (HTTP status, the hub's message or photo id)."""
    url = f"/api/v1/products/{gtin}/reference-photos"
    files = {"photo": (path.name, path.read_bytes(), SUFFIXES[path.suffix.lower()])}
    try:
        response = client.post(url, files=files)
    except httpx.HTTPError as exc:
        return 0, f"hub unreachable: {exc}"
    is_json = response.headers.get("content-type", "").startswith("application/json")
    body = response.json() if is_json else {}
    found = body.get("photo_id") or body.get("message") if isinstance(body, dict) else None
    return response.status_code, str(found or response.text[:200])


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the tool; returns the exit code."""
    args = build_parser().parse_args(argv)
    try:
        groups = photos_by_gtin(args.folder, args.gtin)
        headers = {"Authorization": f"Bearer {hub_token(args.token_file, os.environ)}"}
    except (OSError, ValueError) as exc:
        print(f"enroll_photos: {exc}", file=sys.stderr)
        return 2
    counts = {201: 0, 200: 0}
    refused: list[str] = []
    build_started = None
    with httpx.Client(base_url=args.hub, timeout=args.timeout_s, headers=headers) as client:
        for gtin, paths in groups.items():
            for path in paths:
                status, message = upload(client, gtin, path)
                if status in counts:
                    counts[status] += 1
                else:
                    refused.append(f"{path}: {status} {message}")
        if args.build:
            build_started = client.post("/api/v1/index/builds").json().get("started")
    summary = {
        "enrolled": counts[201],
        "already_enrolled": counts[200],
        "refused": refused,
        "build_started": build_started,
    }
    print(json.dumps(summary))
    return 1 if refused else 0


if __name__ == "__main__":
    raise SystemExit(main())
