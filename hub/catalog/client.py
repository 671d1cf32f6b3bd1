"""Provides `CentralClient`, the hub's HTTP client of the central catalog (httpx).

Every answer is parsed into a `contracts.catalog` model at this boundary. Network failures,
timeouts and 5xx answers raise `CatalogUnavailable` (retry later); any other unexpected answer
raises `CatalogProtocolError` (a bug on one side, retrying will not help).
"""

from __future__ import annotations

from typing import TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from contracts.catalog import ChangePage, ErrorBody
from contracts.envelope import describe_validation_error
from hub.errors import CatalogProtocolError, CatalogUnavailable

ModelT = TypeVar("ModelT", bound=BaseModel)
MAX_ERROR_TEXT = 200


class CentralClient:
    """Reads central's change feed.

    Args:
        base_url: central's base URL, e.g. `http://127.0.0.1:8100`.
        timeout_s: timeout of one request.
        transport: an httpx transport to use instead of the network (e.g. `ASGITransport`).
    """

    def __init__(
        self,
        base_url: str,
        *,
        timeout_s: float,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._http = httpx.Client(base_url=base_url, timeout=timeout_s, transport=transport)

    def close(self) -> None:
        """Closes the connection pool."""
        self._http.close()

    def changes(self, cursor: int, *, limit: int) -> ChangePage:
        """Fetches the changes after `cursor` (`GET /v1/changes`).

        Raises:
            CatalogUnavailable: central is unreachable, timed out, or failed (5xx).
            CatalogProtocolError: any other non-200 answer, or a body that is not a ChangePage.
        """
        return self._get("/v1/changes", {"cursor": cursor, "limit": limit}, ChangePage)

    def _get(self, path: str, params: dict[str, int], model: type[ModelT]) -> ModelT:
        try:
            response = self._http.get(path, params=params)
        except httpx.HTTPError as exc:
            raise CatalogUnavailable(f"GET {path}: {type(exc).__name__}: {exc}") from exc
        if response.status_code >= 500:
            raise CatalogUnavailable(f"GET {path}: HTTP {response.status_code}")
        if response.status_code != 200:
            raise CatalogProtocolError(f"GET {path}: {_describe_error(response)}")
        try:
            return model.model_validate_json(response.content)
        except ValidationError as exc:
            reason = describe_validation_error(exc)
            raise CatalogProtocolError(f"GET {path}: not a {model.__name__}: {reason}") from exc


def _describe_error(response: httpx.Response) -> str:
    try:
        body = ErrorBody.model_validate_json(response.content)
    except ValidationError:
        return f"HTTP {response.status_code}: {response.text[:MAX_ERROR_TEXT]!r}"
    return f"HTTP {response.status_code} {body.code}: {body.message}"
