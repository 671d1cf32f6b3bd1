"""Fixtures for central's tests: a repository on a real SQLite file and the app over it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from central_seed import StepClock, small_seed
from fastapi.testclient import TestClient

from central.app import create_app
from central.repository import CentralRepository


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """A fresh SQLite file path."""
    return tmp_path / "central.db"


@pytest.fixture
def repository(db_path: Path) -> CentralRepository:
    """A repository over a real SQLite file, seeded with `small_seed()`."""
    repo = CentralRepository.from_path(db_path, clock=StepClock())
    repo.load_seed(small_seed())
    return repo


@pytest.fixture
def client(repository: CentralRepository) -> Iterator[TestClient]:
    """The real central app behind TestClient."""
    with TestClient(create_app(repository)) as test_client:
        yield test_client
