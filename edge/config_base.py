"""Provides the base of every device config model and the path type that resolves against the
config file's folder (`context["base_dir"]` when validating).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationInfo


def _resolve_path(value: Path, info: ValidationInfo) -> Path:
    """Resolves a relative path against `context["base_dir"]` (the config file's folder)."""
    base_dir = (info.context or {}).get("base_dir")
    if base_dir is not None and not value.is_absolute():
        return (Path(base_dir) / value).resolve()
    return value


ConfigPath = Annotated[Path, AfterValidator(_resolve_path)]


class ConfigModel(BaseModel):
    """Base of every config model: unknown keys are errors, values never change after loading."""

    model_config = ConfigDict(extra="forbid", frozen=True)
