"""Provides the kiosk's HTTP client of the store hub (its other network code: `scan_feed.py`).

`HubClient.get_card` asks the hub for a product card and turns every network failure into a
`KioskError` subclass with a message a shopper may read; `HubClient.get_image` fetches the card's
product image; reservations and delivery orders go through the same client.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, Final, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ValidationError

from contracts.cards import ProductCard, UnknownCode
from contracts.envelope import describe_validation_error
from contracts.orders import DeliveryOrder, Refusal, Reservation
from kiosk.config import KioskSettings
from kiosk.errors import ActionRefused, HubResponseError, HubUnavailable, ImageUnavailable

logger = logging.getLogger(__name__)

CARD_PATH: Final = "/api/v1/cards/{code}"
RESERVATIONS_PATH: Final = "/api/v1/reservations"
ORDERS_PATH: Final = "/api/v1/orders"
MAX_IMAGE_BYTES: Final = 4 * 1024 * 1024
_LOG_BYTES: Final = 200

ModelT = TypeVar("ModelT", bound=BaseModel)


class HubClient:
    """Asks the store hub for product cards (`GET /api/v1/cards/{code}`)."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout_s: float,
        device_id: str | None = None,
        token: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        """Creates the client; no connection is made until the first request.

        Args:
            base_url: the hub's HTTP base URL, e.g. `http://127.0.0.1:8000`.
            timeout_s: timeout of each request, seconds.
            device_id: the kiosk's device id, sent with each lookup (the hub records who asked
                for an unknown code).
            token: the kiosk's hub API token, sent as `Authorization: Bearer` on every API
                request and on images relative to the hub (never to another host).
            transport: an httpx transport to use instead of the network (e.g. `ASGITransport`).
        """
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self._params = {} if device_id is None else {"device": device_id}
        self._device = device_id or "kiosk"
        self._auth = {} if token is None else {"Authorization": f"Bearer {token}"}
        self._client = httpx.AsyncClient(
            base_url=self.base_url, timeout=timeout_s, transport=transport
        )

    @classmethod
    def from_settings(cls, settings: KioskSettings, environ: Mapping[str, str]) -> HubClient:
        """Creates the client from the kiosk settings.

        Raises:
            ConfigError: no hub API token is configured (see `KioskSettings.hub_token`).
        """
        return cls(
            settings.hub_url,
            timeout_s=settings.request_timeout_s,
            device_id=settings.device_id,
            token=settings.hub_token(environ),
        )

    async def get_card(self, code: str) -> ProductCard | UnknownCode:
        """Fetches the card of `code`.

        Args:
            code: a GTIN-14, or the raw text of a code that carries no GTIN.

        Returns:
            The product card, or the hub's `UnknownCode` answer (HTTP 404) for a code it lacks.

        Raises:
            HubUnavailable: the hub cannot be reached, timed out or failed (HTTP 5xx).
            HubResponseError: the hub's answer does not follow the card contract.
        """
        path = CARD_PATH.format(code=quote(code, safe=""))
        return _parse_card_response(await self._request("GET", path, params=self._params))

    async def get_image(self, url: str) -> bytes:
        """Fetches a product image (the card's `image_url`, absolute or relative to the hub).

        Args:
            url: where the image is.

        Returns:
            The encoded image, at most `MAX_IMAGE_BYTES`.

        Raises:
            ImageUnavailable: the image cannot be fetched, is missing, or is too large.
        """
        own = not httpx.URL(url).is_absolute_url  # the token goes to the hub only
        try:
            response = await self._client.get(url, headers=self._auth if own else None)
        except httpx.HTTPError as exc:
            raise ImageUnavailable(f"image {url} cannot be fetched: {exc!r}") from exc
        if response.status_code != 200:
            raise ImageUnavailable(f"image {url} answered HTTP {response.status_code}")
        if len(response.content) > MAX_IMAGE_BYTES:
            raise ImageUnavailable(f"image {url} is {len(response.content)} bytes")
        return response.content

    async def reserve(self, gtin: str, *, quantity: int, key: str) -> Reservation:
        """Reserves units for pickup (`POST /api/v1/reservations`).

        Args:
            gtin: the product.
            quantity: units to hold.
            key: the kiosk-made idempotency key; send the same one on every retry.

        Raises:
            HubUnavailable: the hub cannot be reached (retry with the same key).
            ActionRefused: the hub refused it (not enough stock, unknown product, ...).
            HubResponseError: the answer does not follow the contract.
        """
        body = {"gtin": gtin, "quantity": quantity, "device": self._device}
        return await self._send(RESERVATIONS_PATH, body, key, Reservation)

    async def place_order(self, gtin: str, *, quantity: int, key: str) -> DeliveryOrder:
        """Orders one product for delivery (`POST /api/v1/orders`); see `reserve` for errors."""
        body = {"device": self._device, "lines": [{"gtin": gtin, "quantity": quantity}]}
        return await self._send(ORDERS_PATH, body, key, DeliveryOrder)

    async def get_reservation(self, reservation_id: str) -> Reservation:
        """Reads a reservation again (its state moves on at the hub)."""
        path = f"{RESERVATIONS_PATH}/{quote(reservation_id, safe='')}"
        return _parse_action(await self._request("GET", path), Reservation)

    async def get_order(self, order_id: str) -> DeliveryOrder:
        """Reads a delivery order again (queued -> accepted or failed)."""
        path = f"{ORDERS_PATH}/{quote(order_id, safe='')}"
        return _parse_action(await self._request("GET", path), DeliveryOrder)

    async def _send(self, path: str, body: dict[str, Any], key: str, model: type[ModelT]) -> ModelT:
        response = await self._request("POST", path, body, {"Idempotency-Key": key})
        return _parse_action(response, model)

    async def _request(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        *,
        params: dict[str, str] | None = None,
    ) -> httpx.Response:
        try:
            response = await self._client.request(
                method, path, json=body, headers={**self._auth, **(headers or {})}, params=params
            )
        except httpx.TimeoutException as exc:
            raise HubUnavailable(
                f"The store hub did not answer within {self.timeout_s:g} s."
            ) from exc
        except httpx.HTTPError as exc:
            raise HubUnavailable(f"The store hub at {self.base_url} cannot be reached.") from exc
        if response.status_code == 401:
            logger.warning("hub refused the kiosk's API token: %s", response.text[:_LOG_BYTES])
            raise HubResponseError("The store hub refused this kiosk's API token (HTTP 401).")
        return response

    async def aclose(self) -> None:
        """Closes the connection pool."""
        await self._client.aclose()


def _parse_card_response(response: httpx.Response) -> ProductCard | UnknownCode:
    status = response.status_code
    if status >= 500:
        raise HubUnavailable(f"The store hub failed to answer (HTTP {status}).")
    if status == 200:
        return _validate(ProductCard, response)
    if status == 404:
        return _validate(UnknownCode, response)
    raise HubResponseError(f"The store hub answered HTTP {status}: {response.text[:_LOG_BYTES]!r}")


def _parse_action(response: httpx.Response, model: type[ModelT]) -> ModelT:
    status = response.status_code
    if status >= 500:
        raise HubUnavailable(f"The store hub failed to answer (HTTP {status}).")
    if status in (200, 201, 202):
        return _validate(model, response)
    try:
        refusal = Refusal.model_validate_json(response.content)
    except ValidationError:
        raise HubResponseError(
            f"The store hub answered HTTP {status}: {response.text[:_LOG_BYTES]!r}"
        ) from None
    raise ActionRefused(refusal.code, refusal.message)


def _validate(model: type[ModelT], response: httpx.Response) -> ModelT:
    try:
        body = response.json()
    except ValueError as exc:
        raise HubResponseError(
            f"The store hub sent HTTP {response.status_code} without JSON: "
            f"{response.text[:_LOG_BYTES]!r}"
        ) from exc
    # FastAPI wraps HTTPException bodies in {"detail": ...}; accept both shapes.
    if isinstance(body, dict) and isinstance(body.get("detail"), dict):
        body = body["detail"]
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        raise HubResponseError(
            f"The store hub's HTTP {response.status_code} answer is not a {model.__name__} "
            f"({describe_validation_error(exc)}); is {response.url} the card API?"
        ) from exc
