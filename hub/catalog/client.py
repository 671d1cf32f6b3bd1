"""Provides `CentralClient`, the hub's HTTP client of the central catalog (httpx).

Every answer is parsed into a `contracts.catalog` model at this boundary. Network failures,
timeouts and 5xx answers raise `CatalogUnavailable` (retry later); any other unexpected answer
raises `CatalogProtocolError` (a bug on one side, retrying will not help).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

import httpx
from pydantic import BaseModel, TypeAdapter, ValidationError

from contracts.catalog import ChangePage, ErrorBody, StoreAvailabilityRow
from contracts.envelope import describe_validation_error
from hub.domain.retry import WriteMethod
from hub.errors import CatalogProtocolError, CatalogUnavailable

ModelT = TypeVar("ModelT", bound=BaseModel)
MAX_ERROR_TEXT = 200
MAX_ANSWER_BYTES = 64_000
_AVAILABILITY_ROWS = TypeAdapter(list[StoreAvailabilityRow])


@dataclass(frozen=True, slots=True)
class CentralAnswer:
    """Central's answer to a write (an order, an availability push) that reached it.

    Attributes:
        status_code: the HTTP status (2xx or 4xx; 5xx is raised as `CatalogUnavailable`).
        body: the answer's text, cut at 64 KB.
    """

    status_code: int
    body: str


class CentralClient:
    """Reads central's change feed and sends the hub's writes (orders, availability).

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
        self._endpoint = None if transport is not None else (base_url, timeout_s)

    def endpoint(self) -> tuple[str, float] | None:
        """`(base_url, timeout_s)` for another process to reach the same central, or None when
        this client runs over an injected transport (which another process cannot share)."""
        return self._endpoint

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

    def changes_body(self, cursor: int, *, limit: int) -> bytes:
        """Fetches the changes after `cursor` as the raw `ChangePage` body, for a parser that
        checks it itself (`hub.catalog.wire`).

        Raises:
            CatalogUnavailable: central is unreachable, timed out, or failed (5xx).
            CatalogProtocolError: any other non-200 answer.
        """
        return self._get_body("/v1/changes", {"cursor": cursor, "limit": limit})

    def store_availability(self, store: str) -> list[StoreAvailabilityRow]:
        """Fetches the on-hand counts central holds for `store` (`GET /v1/stores/{store}/...`).

        Raises:
            CatalogUnavailable: central is unreachable, timed out, or failed (5xx).
            CatalogProtocolError: any other non-200 answer, or a body that is not a row list.
        """
        path = f"/v1/stores/{store}/availability"
        try:
            response = self._http.get(path)
        except httpx.HTTPError as exc:
            raise CatalogUnavailable(f"GET {path}: {type(exc).__name__}: {exc}") from exc
        if response.status_code >= 500:
            raise CatalogUnavailable(f"GET {path}: HTTP {response.status_code}")
        if response.status_code != 200:
            raise CatalogProtocolError(f"GET {path}: {_describe_error(response)}")
        try:
            return _AVAILABILITY_ROWS.validate_json(response.content)
        except ValidationError as exc:
            reason = describe_validation_error(exc)
            raise CatalogProtocolError(f"GET {path}: not availability rows: {reason}") from exc

    def send(
        self, method: WriteMethod, path: str, *, body: str, idempotency_key: str
    ) -> CentralAnswer:
        """Sends one JSON write to central with an `Idempotency-Key` header.

        Central answers a repeated key with the first answer, so a retry never makes two orders.

        Args:
            method: POST or PUT.
            path: the path under central's base URL, e.g. `/v1/orders`.
            body: the JSON body.
            idempotency_key: the key of this write (the same on every retry).

        Returns:
            Central's answer for 2xx and 4xx statuses (4xx is the caller's to judge).

        Raises:
            CatalogUnavailable: central is unreachable, timed out, or failed (5xx).
        """
        headers = {"Content-Type": "application/json", "Idempotency-Key": idempotency_key}
        try:
            response = self._http.request(method, path, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise CatalogUnavailable(f"{method} {path}: {type(exc).__name__}: {exc}") from exc
        if response.status_code >= 500:
            raise CatalogUnavailable(f"{method} {path}: HTTP {response.status_code}")
        return CentralAnswer(response.status_code, response.text[:MAX_ANSWER_BYTES])

    def _get_body(self, path: str, params: dict[str, int]) -> bytes:
        try:
            response = self._http.get(path, params=params)
        except httpx.HTTPError as exc:
            raise CatalogUnavailable(f"GET {path}: {type(exc).__name__}: {exc}") from exc
        if response.status_code >= 500:
            raise CatalogUnavailable(f"GET {path}: HTTP {response.status_code}")
        if response.status_code != 200:
            raise CatalogProtocolError(f"GET {path}: {_describe_error(response)}")
        return response.content

    def _get(self, path: str, params: dict[str, int], model: type[ModelT]) -> ModelT:
        body = self._get_body(path, params)
        try:
            return model.model_validate_json(body)
        except ValidationError as exc:
            reason = describe_validation_error(exc)
            raise CatalogProtocolError(f"GET {path}: not a {model.__name__}: {reason}") from exc


def _describe_error(response: httpx.Response) -> str:
    try:
        body = ErrorBody.model_validate_json(response.content)
    except ValidationError:
        return f"HTTP {response.status_code}: {response.text[:MAX_ERROR_TEXT]!r}"
    return f"HTTP {response.status_code} {body.code}: {body.message}"
