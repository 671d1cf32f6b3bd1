"""Provides seed catalog loading: `--seed demo` (the committed demo catalog) or a JSON file."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from central.errors import SeedError
from central.models import SeedCatalog
from contracts.envelope import describe_validation_error

DEMO_CATALOG_PATH = Path(__file__).parent / "data" / "demo_catalog.json"


def resolve_seed(seed: str) -> Path:
    """Maps `demo` to the committed demo catalog; any other value is a file path."""
    return DEMO_CATALOG_PATH if seed == "demo" else Path(seed)


def read_seed(path: Path) -> SeedCatalog:
    """Reads and validates a seed catalog file.

    Raises:
        SeedError: naming the file and what is wrong with it.
    """
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SeedError(f"cannot read seed catalog {path}: {exc.strerror}") from exc
    try:
        return SeedCatalog.model_validate_json(raw)
    except ValidationError as exc:
        raise SeedError(f"{path}: {describe_validation_error(exc)[:2000]}") from exc
