"""Provides admin writes that create feed changes (used by tests, the demo and operators).

These endpoints have no authentication: the reference service listens on loopback by default.
A chain's real platform puts its own access control in front of them.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from central.errors import InvalidInput
from central.models import PriceUpdate, ProductInput, ReviewInput, StockUpdate, WarehouseInput
from central.repository import CentralRepository
from central.routes.params import parse_gtin
from contracts.catalog import CatalogProduct, Review
from contracts.ids import IDENTIFIER_PATTERN

WarehouseId = Annotated[str, Path(pattern=IDENTIFIER_PATTERN.pattern, description="warehouse")]


def build_router(repository: CentralRepository) -> APIRouter:
    """Builds the admin router around `repository`."""
    router = APIRouter(prefix="/v1/admin", tags=["admin"])

    @router.put("/products/{gtin}")
    def put_product(gtin: str, product: ProductInput) -> CatalogProduct:
        """Creates or replaces a product's master fields."""
        if parse_gtin(gtin) != product.gtin:
            raise InvalidInput(f"path GTIN {gtin} differs from body GTIN {product.gtin}")
        return repository.upsert_product(product)

    @router.put("/products/{gtin}/price")
    def put_price(gtin: str, update: PriceUpdate) -> CatalogProduct:
        """Changes the base and/or online price of a product."""
        return repository.set_price(parse_gtin(gtin), update)

    @router.put("/products/{gtin}/stock/{warehouse}")
    def put_stock(gtin: str, warehouse: WarehouseId, update: StockUpdate) -> CatalogProduct:
        """Sets the online stock of a product in one warehouse."""
        return repository.set_stock(parse_gtin(gtin), warehouse, update)

    @router.post("/products/{gtin}/reviews", status_code=201)
    def post_review(gtin: str, review: ReviewInput) -> Review:
        """Adds a review to a product."""
        return repository.add_review(parse_gtin(gtin), review)

    @router.put("/warehouses/{warehouse}")
    def put_warehouse(warehouse: WarehouseId, body: WarehouseInput) -> WarehouseInput:
        """Creates or renames a warehouse."""
        if body.id != warehouse:
            raise InvalidInput(f"path warehouse {warehouse} differs from body id {body.id}")
        repository.upsert_warehouse(body)
        return body

    return router
