"""Provides the read side of the catalog: health, products, reviews, images and the change feed."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from central.images import LabelSpec, render_png
from central.repository import CentralRepository
from central.routes.params import parse_gtin
from contracts.catalog import CatalogProduct, CentralHealth, ChangePage, ProductPage, Review

MAX_PRODUCT_PAGE = 500
MAX_CHANGE_PAGE = 5000
IMAGE_MAX_AGE_S = 3600


def build_router(repository: CentralRepository) -> APIRouter:
    """Builds the catalog read router around `repository`."""
    router = APIRouter(prefix="/v1", tags=["catalog"])
    _add_product_routes(router, repository)

    @router.get("/health")
    def health() -> CentralHealth:
        """Reports that central answers, with its product count and newest cursor."""
        return repository.health()

    @router.get("/changes", response_model=ChangePage)
    def get_changes(
        cursor: Annotated[int, Query(ge=0, description="last cursor applied; 0 from start")] = 0,
        limit: Annotated[int, Query(ge=1, le=MAX_CHANGE_PAGE)] = 200,
    ) -> Response:
        """Returns the changes after `cursor`, oldest first, with `next_cursor` and `has_more`.

        The body is a `ChangePage` assembled from the stored snapshots (no model round trip:
        a hub's full sync reads every change of the catalog through here).
        """
        return Response(repository.changes_json(cursor, limit), media_type="application/json")

    return router


def _add_product_routes(router: APIRouter, repository: CentralRepository) -> None:
    """Adds the product, review and image routes to `router`."""

    @router.get("/products")
    def list_products(
        cursor: Annotated[str | None, Query(pattern=r"^\d{14}$", description="last GTIN")] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_PRODUCT_PAGE)] = 100,
    ) -> ProductPage:
        """Lists products in GTIN order; pass `next_cursor` back as `cursor` for the next page."""
        return repository.product_page(cursor, limit)

    @router.get("/products/{gtin}")
    def get_product(gtin: str) -> CatalogProduct:
        """Returns one product (any GTIN length; answered as GTIN-14)."""
        return repository.product(parse_gtin(gtin))

    @router.get("/products/{gtin}/reviews")
    def get_reviews(gtin: str, limit: Annotated[int, Query(ge=1, le=100)] = 20) -> list[Review]:
        """Returns a product's reviews, most helpful first."""
        return repository.reviews(parse_gtin(gtin), limit)

    @router.get("/products/{gtin}/image.png", response_class=Response)
    def get_image(gtin: str) -> Response:
        """Returns the product's rendered image (PNG) carrying its barcode."""
        product = repository.product(parse_gtin(gtin))
        detail = str(product.attributes.get("size") or product.subcategory)
        spec = LabelSpec(product.gtin, product.name, product.brand, product.category, detail)
        return Response(
            content=render_png(spec),
            media_type="image/png",
            headers={"Cache-Control": f"public, max-age={IMAGE_MAX_AGE_S}"},
        )
