"""Provides `upsert_model_entry`: add or replace one model in `models/manifest.json`.

Each build tool calls it for the models it builds, so tools owned by different people never clobber
one another's entries. The file is written sorted, with a trailing newline, through a temporary
file and an atomic rename.

Usage: python tools/model_manifest.py --check [--manifest PATH]   (verifies every sha256)
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MANIFEST = REPO_ROOT / "models" / "manifest.json"


def file_sha256(path: Path) -> str:
    """Returns the hex sha256 of a file."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_manifest(manifest_path: Path = DEFAULT_MANIFEST) -> dict[str, Any]:
    """Returns the manifest as a dict (`{"models": {}}` when the file does not exist yet)."""
    if not manifest_path.exists():
        return {"models": {}}
    data: dict[str, Any] = json.loads(manifest_path.read_text(encoding="utf-8"))
    data.setdefault("models", {})
    return data


def upsert_model_entry(
    name: str, entry: dict[str, Any], manifest_path: Path = DEFAULT_MANIFEST
) -> None:
    """Adds or replaces the entry of one model and writes the manifest back, sorted.

    Args:
        name: model name (the key under "models").
        entry: the full entry (see edge/inference/manifest.py for the schema).
        manifest_path: the manifest file; created when missing.
    """
    data = read_manifest(manifest_path)
    data["models"][name] = entry
    text = json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    tmp = manifest_path.with_suffix(".json.tmp")
    manifest_path.parent.mkdir(parents=True, exist_ok=True)
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, manifest_path)


def check_manifest(manifest_path: Path = DEFAULT_MANIFEST) -> list[str]:
    """Returns one message per model whose file is missing or whose sha256 differs."""
    problems = []
    for name, entry in sorted(read_manifest(manifest_path)["models"].items()):
        path = manifest_path.parent / entry["file"]
        if not path.is_file():
            problems.append(f"{name}: missing file {path}")
        elif file_sha256(path) != entry["sha256"]:
            problems.append(f"{name}: sha256 of {path.name} differs from the manifest")
    return problems


def main(argv: list[str] | None = None) -> int:
    """Checks the manifest's hashes; exits 1 on any problem."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="verify every model's sha256")
    parser.add_argument("--manifest", type=Path, default=DEFAULT_MANIFEST, help="manifest path")
    args = parser.parse_args(argv)
    if not args.check:
        parser.print_help()
        return 0
    problems = check_manifest(args.manifest)
    for problem in problems:
        print(problem, file=sys.stderr)
    print(f"{len(read_manifest(args.manifest)['models'])} models, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
