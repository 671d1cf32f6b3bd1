"""Provides `CentralSettings`, the configuration of one central catalog process."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field


class CentralSettings(BaseModel):
    """Where central keeps its database, where it listens, and what it seeds an empty one with."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    db_path: Path = Field(description="SQLite database file (created when missing)")
    host: str = Field(default="127.0.0.1", description="interface to listen on")
    port: int = Field(default=8100, ge=0, le=65535, description="TCP port (0 picks a free one)")
    seed: str | None = Field(
        default=None, description="`demo` or a seed catalog JSON path, loaded into an empty db"
    )
    log_level: str = Field(default="info", description="uvicorn log level")
