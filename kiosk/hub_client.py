"""Provides the kiosk's only network code: the hub's card API over HTTP and scans over MQTT.

`HubClient.get_card` asks the hub for a product card and turns every network failure into a
`KioskError` subclass with a message a shopper may read; `HubClient.get_image` fetches the card's
product image. `ScanFeed` subscribes to the kiosk's own
device events topic, where its edge agent publishes confirmed scans, and hands each new scan to a
callback (the app posts it to itself as a message, which is thread-safe).
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any, Final, TypeVar
from urllib.parse import quote

import httpx
import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from pydantic import BaseModel, ValidationError

from contracts.cards import ProductCard, UnknownCode
from contracts.envelope import Envelope, describe_validation_error, parse_envelope
from contracts.errors import ContractError
from contracts.orders import DeliveryOrder, Refusal, Reservation
from contracts.payloads import ScanPayload, parse_payload
from contracts.topics import events_topic
from kiosk.config import BrokerLogin, KioskSettings
from kiosk.errors import ActionRefused, HubResponseError, HubUnavailable, ImageUnavailable

logger = logging.getLogger(__name__)

CARD_PATH: Final = "/api/v1/cards/{code}"
RESERVATIONS_PATH: Final = "/api/v1/reservations"
ORDERS_PATH: Final = "/api/v1/orders"
MAX_IMAGE_BYTES: Final = 4 * 1024 * 1024
KEEPALIVE_S: Final = 30
RECONNECT_MIN_DELAY_S: Final = 1
RECONNECT_MAX_DELAY_S: Final = 30
SEEN_EVENT_IDS_MAX: Final = 512
_LOG_BYTES: Final = 200

ModelT = TypeVar("ModelT", bound=BaseModel)
ScanHandler = Callable[[ScanPayload], None]
FeedStatusHandler = Callable[[bool, str], None]


class HubClient:
    """Asks the store hub for product cards (`GET /api/v1/cards/{code}`)."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout_s: float,
        device_id: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        """Creates the client; no connection is made until the first request.

        Args:
            base_url: the hub's HTTP base URL, e.g. `http://127.0.0.1:8000`.
            timeout_s: timeout of each request, seconds.
            device_id: the kiosk's device id, sent with each lookup (the hub records who asked
                for an unknown code).
            transport: an httpx transport to use instead of the network (e.g. `ASGITransport`).
        """
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self._params = {} if device_id is None else {"device": device_id}
        self._device = device_id or "kiosk"
        self._client = httpx.AsyncClient(
            base_url=self.base_url, timeout=timeout_s, transport=transport
        )

    @classmethod
    def from_settings(cls, settings: KioskSettings) -> HubClient:
        """Creates the client from the kiosk settings."""
        return cls(
            settings.hub_url, timeout_s=settings.request_timeout_s, device_id=settings.device_id
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
        try:
            response = await self._client.get(url)
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
            return await self._client.request(
                method, path, json=body, headers=headers, params=params
            )
        except httpx.TimeoutException as exc:
            raise HubUnavailable(
                f"The store hub did not answer within {self.timeout_s:g} s."
            ) from exc
        except httpx.HTTPError as exc:
            raise HubUnavailable(f"The store hub at {self.base_url} cannot be reached.") from exc

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


def parse_scan_message(
    raw: bytes, *, store_id: str, device_id: str
) -> tuple[Envelope, ScanPayload | None]:
    """Parses one message from the events topic.

    Args:
        raw: the MQTT payload.
        store_id: the store the kiosk belongs to.
        device_id: the kiosk's device id.

    Returns:
        The envelope and its scan; the scan is None for other event types (not the kiosk's).

    Raises:
        ContractError: the message is not a valid envelope of this device, or its payload is bad.
    """
    envelope = parse_envelope(raw)
    if envelope.store != store_id or envelope.device != device_id:
        raise ContractError(
            f"envelope from {envelope.store}/{envelope.device} on the topic of "
            f"{store_id}/{device_id}"
        )
    if envelope.type != "scan":
        return envelope, None
    payload = parse_payload(envelope)
    if not isinstance(payload, ScanPayload):
        raise ContractError(f"scan payload parsed as {type(payload).__name__}")
    return envelope, payload


class ScanFeed:
    """Delivers the scans the kiosk's edge agent publishes on its own events topic.

    paho runs the network loop in its own thread and reconnects by itself (between
    `RECONNECT_MIN_DELAY_S` and `RECONNECT_MAX_DELAY_S`); the subscription is renewed on every
    connect. Each event id is delivered once; a bad message is logged and counted, never raised.
    """

    def __init__(
        self,
        login: BrokerLogin,
        *,
        store_id: str,
        device_id: str,
        client_id: str | None = None,
    ) -> None:
        """Prepares the feed; nothing connects until `start`.

        Args:
            login: the broker address and credentials.
            store_id: the kiosk's store.
            device_id: the kiosk's device (the edge agent's id).
            client_id: MQTT client id; defaults to `{device_id}-ui`, cut to 64 characters.
        """
        self.login = login
        self.store_id = store_id
        self.device_id = device_id
        self.topic = events_topic(store_id, device_id)
        self.client_id = client_id or f"{device_id}-ui"[-64:]
        self.received = 0
        self.rejected = 0
        self.duplicates = 0
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()
        self._on_scan: ScanHandler | None = None
        self._on_status: FeedStatusHandler | None = None
        self._client: mqtt.Client | None = None

    @classmethod
    def from_settings(cls, settings: KioskSettings, environ: Mapping[str, str]) -> ScanFeed:
        """Creates the feed from the kiosk settings (password read from `environ`).

        Raises:
            ConfigError: the broker password variable is not set.
        """
        login = settings.broker_login(environ)
        return cls(login, store_id=settings.store_id, device_id=settings.device_id)

    @property
    def description(self) -> str:
        """Where the feed listens, without the password (for status lines and logs)."""
        user = f"{self.login.username}@" if self.login.username else ""
        scheme = "mqtts" if self.login.tls else "mqtt"
        return f"{scheme}://{user}{self.login.host}:{self.login.port} {self.topic}"

    def start(self, on_scan: ScanHandler, on_status: FeedStatusHandler | None = None) -> None:
        """Connects in the background and calls `on_scan` (from paho's thread) for each new scan.

        Args:
            on_scan: receives each scan once; must be thread-safe (e.g. `App.post_message`).
            on_status: receives (True, reason) once subscribed, (False, reason) on every failure
                or disconnect; called from paho's thread.

        Raises:
            RuntimeError: the feed was already started.
        """
        if self._client is not None:
            raise RuntimeError("the scan feed is already started")
        self._on_scan, self._on_status = on_scan, on_status
        client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=self.client_id,
            clean_session=True,
            protocol=mqtt.MQTTv311,
        )
        if self.login.username is not None:
            client.username_pw_set(self.login.username, self.login.password)
        if self.login.tls:
            client.tls_set()
        client.reconnect_delay_set(RECONNECT_MIN_DELAY_S, RECONNECT_MAX_DELAY_S)
        client.on_connect = self._on_connect
        client.on_connect_fail = self._on_connect_fail
        client.on_disconnect = self._on_disconnect
        client.on_subscribe = self._on_subscribe
        client.on_message = self._on_message
        self._client = client
        client.connect_async(self.login.host, self.login.port, keepalive=KEEPALIVE_S)
        client.loop_start()

    def stop(self) -> None:
        """Disconnects and stops the network thread; safe to call twice."""
        client, self._client = self._client, None
        if client is None:
            return
        client.disconnect()
        client.loop_stop()

    def handle_message(self, topic: str, raw: bytes) -> ScanPayload | None:
        """Parses one message; returns the scan to deliver, or None (not a new scan, or bad).

        Bad messages are logged at WARNING with the topic, reason and first 200 bytes.
        """
        if topic != self.topic:
            logger.warning("scan feed: dropped message on unsubscribed topic %s", topic)
            self.rejected += 1
            return None
        try:
            envelope, payload = parse_scan_message(
                raw, store_id=self.store_id, device_id=self.device_id
            )
        except ContractError as exc:
            self.rejected += 1
            logger.warning(
                "scan feed: rejected message topic=%s reason=%s raw=%r",
                topic,
                exc,
                raw[:_LOG_BYTES],
            )
            return None
        if payload is None:
            return None  # other event types (e.g. photo search) are not the kiosk's business
        return payload if self._first_sight(envelope.id) else None

    def _first_sight(self, event_id: str) -> bool:
        with self._lock:
            if event_id in self._seen:
                self.duplicates += 1
                return False
            self._seen[event_id] = None
            while len(self._seen) > SEEN_EVENT_IDS_MAX:
                self._seen.popitem(last=False)
            self.received += 1
            return True

    def _report(self, connected: bool, reason: str) -> None:
        if self._on_status is not None:
            self._on_status(connected, reason)

    def _on_connect(
        self, client: mqtt.Client, _userdata: Any, _flags: Any, reason: Any, _props: Any
    ) -> None:
        if reason.is_failure:
            logger.warning("scan feed: broker refused %s: %s", self.client_id, reason)
            self._report(False, f"broker refused the connection: {reason}")
            return
        client.subscribe(self.topic, qos=1)

    def _on_subscribe(
        self, _client: mqtt.Client, _userdata: Any, _mid: int, reasons: list[Any], _props: Any
    ) -> None:
        if any(reason.is_failure for reason in reasons):
            logger.warning("scan feed: broker refused the subscription to %s", self.topic)
            self._report(False, f"broker refused the subscription to {self.topic}")
            return
        logger.info("scan feed: subscribed to %s", self.topic)
        self._report(True, "subscribed")

    def _on_connect_fail(self, _client: mqtt.Client, _userdata: Any) -> None:
        self._report(False, f"cannot reach the broker at {self.login.host}:{self.login.port}")

    def _on_disconnect(
        self, _client: mqtt.Client, _userdata: Any, _flags: Any, reason: Any, _props: Any
    ) -> None:
        self._report(False, f"disconnected: {reason}")

    def _on_message(self, _client: mqtt.Client, _userdata: Any, message: mqtt.MQTTMessage) -> None:
        try:
            scan = self.handle_message(message.topic, bytes(message.payload))
            if scan is not None and self._on_scan is not None:
                self._on_scan(scan)
        except Exception:  # top of paho's callback loop: one bad message never stops the feed
            self.rejected += 1
            logger.exception("scan feed: failed to deliver a message on %s", message.topic)
