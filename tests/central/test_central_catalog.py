"""Tests central's catalog reads: products, reviews, images, health, and bad-input answers."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import zxingcpp
from central_seed import CEREAL, KETTLE, NOT_IN_CATALOG, OAT_MILK
from fastapi.testclient import TestClient

from contracts.catalog import CatalogProduct, CentralHealth, ProductPage


def test_health_counts_products_and_cursor(client: TestClient) -> None:
    health = CentralHealth.model_validate(client.get("/v1/health").json())
    assert health.products == 3
    assert health.last_cursor >= 3


@pytest.mark.parametrize("code", [OAT_MILK, OAT_MILK[1:]])
def test_product_by_gtin14_or_ean13(client: TestClient, code: str) -> None:
    response = client.get(f"/v1/products/{code}")
    assert response.status_code == 200
    product = CatalogProduct.model_validate(response.json())
    assert product.gtin == OAT_MILK
    assert product.price_cents == 249
    assert product.online_price_cents == 229
    assert product.complements == [CEREAL]
    assert [level.warehouse for level in product.online_stock] == ["wh-north", "wh-south"]
    assert product.online_quantity == 45
    assert product.rating_count == 2
    assert product.rating_average == 4.0
    assert product.image_url == f"/v1/products/{OAT_MILK}/image.png"


def test_upca_product_by_12_digits(client: TestClient) -> None:
    assert client.get(f"/v1/products/{KETTLE[2:]}").json()["gtin"] == KETTLE


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        (f"/v1/products/{NOT_IN_CATALOG}", 404, "unknown_gtin"),
        ("/v1/products/4006381333932", 422, "invalid_request"),  # wrong check digit
        ("/v1/products/abc", 422, "invalid_request"),
        (f"/v1/products/{NOT_IN_CATALOG}/image.png", 404, "unknown_gtin"),
        (f"/v1/products/{NOT_IN_CATALOG}/reviews", 404, "unknown_gtin"),
        ("/v1/products?limit=0", 422, "invalid_request"),
        ("/v1/products?cursor=12", 422, "invalid_request"),
        ("/v1/changes?cursor=-1", 422, "invalid_request"),
        ("/v1/changes?limit=100000", 422, "invalid_request"),
        ("/v1/orders/ord_missing", 404, "unknown_order"),
    ],
)
def test_bad_reads_get_clear_errors(client: TestClient, path: str, status: int, code: str) -> None:
    response = client.get(path)
    assert response.status_code == status
    body = response.json()
    assert body["code"] == code
    assert body["message"]


def test_validation_message_names_the_field(client: TestClient) -> None:
    body = client.get("/v1/changes?limit=0").json()
    assert "query.limit" in body["message"]


def test_product_pages_cover_the_catalog_once(client: TestClient) -> None:
    seen: list[str] = []
    cursor: str | None = None
    for _ in range(10):
        params: dict[str, str | int] = {"limit": 2}
        if cursor is not None:
            params["cursor"] = cursor
        page = ProductPage.model_validate(client.get("/v1/products", params=params).json())
        seen += [product.gtin for product in page.products]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == sorted([OAT_MILK, CEREAL, KETTLE])


def test_reviews_most_helpful_first(client: TestClient) -> None:
    reviews = client.get(f"/v1/products/{OAT_MILK}/reviews").json()
    assert [review["helpful_votes"] for review in reviews] == [7, 1]


@pytest.mark.parametrize(
    ("gtin", "decoded"),
    [(OAT_MILK, "4006381333931"), (KETTLE, "0036000291452")],  # zxing reads UPC-A as EAN-13
)
def test_image_carries_the_scannable_barcode(client: TestClient, gtin: str, decoded: str) -> None:
    response = client.get(f"/v1/products/{gtin}/image.png")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    image = cv2.imdecode(np.frombuffer(response.content, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None
    assert image.shape == (480, 480, 3)
    assert [result.text for result in zxingcpp.read_barcodes(image)] == [decoded]


def test_image_is_deterministic(client: TestClient) -> None:
    first = client.get(f"/v1/products/{CEREAL}/image.png").content
    second = client.get(f"/v1/products/{CEREAL}/image.png").content
    assert first == second
