"""Provides `CentralRepository`, the catalog's unit-of-work API used by the routes and the seeder.

Every write that changes what a hub sees (product master, price, online stock, review) appends a
change to the feed in the same transaction, so the feed and the tables never disagree.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from central.db import feed, orders, products, pushes
from central.db.connection import SqlDatabase, Tx, iso_utc
from central.db.schema import migrate
from central.errors import IdempotencyKeyReused, UnknownProduct, UnknownWarehouse
from central.models import (
    PriceUpdate,
    ProductInput,
    ReviewInput,
    SeedCatalog,
    SeedProduct,
    StockUpdate,
    WarehouseInput,
)
from central.ordering import place_order
from contracts.catalog import (
    AvailabilityReceipt,
    CatalogProduct,
    CentralHealth,
    ChangeKind,
    ChangePage,
    Order,
    OrderRequest,
    ProductPage,
    Review,
    StoreAvailability,
    StoreAvailabilityRow,
)

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """Returns the current UTC time (central's default clock)."""
    return datetime.now(UTC)


class CentralRepository:
    """Central's catalog, feed, orders and store availability over one SQL database."""

    def __init__(self, database: SqlDatabase, *, clock: Clock = utc_now) -> None:
        """Migrates the database and keeps the clock used to stamp changes.

        Args:
            database: the database to use.
            clock: returns the current UTC time (tests pass a fixed clock).
        """
        self.database = database
        self._clock = clock
        migrate(database)

    @classmethod
    def from_path(cls, path: Path, *, clock: Clock = utc_now) -> CentralRepository:
        """Opens (and creates or migrates) the SQLite database at `path`."""
        return cls(SqlDatabase(path), clock=clock)

    def now(self) -> datetime:
        """Returns the repository clock's current UTC time."""
        return self._clock().astimezone(UTC)

    def health(self) -> CentralHealth:
        """Counts products and reports the newest cursor."""
        with self.database.read() as tx:
            count = int(tx.scalar("SELECT COUNT(*) FROM products") or 0)
            cursor = feed.last_cursor(tx)
        return CentralHealth(status="ok", products=count, last_cursor=cursor, as_of=self.now())

    def product(self, gtin: str) -> CatalogProduct:
        """Returns one product.

        Raises:
            UnknownProduct: if no product has this GTIN-14.
        """
        with self.database.read() as tx:
            found = products.snapshot(tx, gtin)
        if found is None:
            raise UnknownProduct(f"no product with GTIN {gtin}")
        return found

    def product_page(self, after: str | None, limit: int) -> ProductPage:
        """Returns up to `limit` products with a GTIN greater than `after`."""
        with self.database.read() as tx:
            gtins = products.page_gtins(tx, after, limit + 1)
            page = [p for g in gtins[:limit] if (p := products.snapshot(tx, g)) is not None]
        more = len(gtins) > limit
        return ProductPage(products=page, next_cursor=page[-1].gtin if more and page else None)

    def reviews(self, gtin: str, limit: int) -> list[Review]:
        """Returns a product's reviews, most helpful first.

        Raises:
            UnknownProduct: if no product has this GTIN-14.
        """
        with self.database.read() as tx:
            if products.product_row(tx, gtin) is None:
                raise UnknownProduct(f"no product with GTIN {gtin}")
            return products.reviews_of(tx, gtin, limit)

    def changes(self, cursor: int, limit: int) -> ChangePage:
        """Returns the changes after `cursor` (at most `limit`) and where to continue."""
        with self.database.read() as tx:
            page = feed.changes_after(tx, cursor, limit + 1)
        more = len(page) > limit
        page = page[:limit]
        next_cursor = page[-1].cursor if page else cursor
        return ChangePage(changes=page, next_cursor=next_cursor, has_more=more, as_of=self.now())

    def changes_json(self, cursor: int, limit: int) -> bytes:
        """The same page as `changes`, as ChangePage JSON assembled from the stored snapshots."""
        with self.database.read() as tx:
            rows = feed.changes_after_json(tx, cursor, limit + 1)
        more = len(rows) > limit
        rows = rows[:limit]
        next_cursor = rows[-1][0] if rows else cursor
        body = ",".join(change for _, change in rows)
        as_of = json.dumps(iso_utc(self.now()))
        more_text = "true" if more else "false"
        return (
            f'{{"changes":[{body}],"next_cursor":{next_cursor},"has_more":{more_text},'
            f'"as_of":{as_of}}}'
        ).encode()

    def upsert_warehouse(self, warehouse: WarehouseInput) -> None:
        """Creates or renames a warehouse (not a feed change: names travel with stock)."""
        with self.database.write() as tx:
            tx.execute(
                """
                INSERT INTO warehouses (id, name) VALUES (:id, :name)
                ON CONFLICT (id) DO UPDATE SET name = excluded.name
                """,
                warehouse.model_dump(),
            )

    def upsert_product(self, product: ProductInput) -> CatalogProduct:
        """Creates or replaces a product's master fields; appends a `product` change if any."""
        with self.database.write() as tx:
            before = products.snapshot(tx, product.gtin)
            products.upsert_product(tx, product)
            return self._record(tx, "product", product.gtin, before)

    def set_price(self, gtin: str, update: PriceUpdate) -> CatalogProduct:
        """Changes a product's base and/or online price; appends a `price` change if any.

        Raises:
            UnknownProduct: if no product has this GTIN-14.
        """
        with self.database.write() as tx:
            before = self._require(tx, gtin)
            fields = update.model_fields_set
            price = update.price_cents if "price_cents" in fields else before.price_cents
            online = (
                update.online_price_cents
                if "online_price_cents" in fields
                else before.online_price_cents
            )
            products.set_prices(tx, gtin, price if price is not None else 0, online)
            return self._record(tx, "price", gtin, before)

    def set_stock(self, gtin: str, warehouse: str, update: StockUpdate) -> CatalogProduct:
        """Sets a product's online stock in one warehouse; appends a `stock` change if any.

        Raises:
            UnknownProduct: if no product has this GTIN-14.
            UnknownWarehouse: if no warehouse has this id.
        """
        with self.database.write() as tx:
            before = self._require(tx, gtin)
            if tx.one("SELECT id FROM warehouses WHERE id = :id", {"id": warehouse}) is None:
                raise UnknownWarehouse(f"no warehouse with id {warehouse!r}")
            current = {level.warehouse: level for level in before.online_stock}.get(warehouse)
            days = update.delivery_days
            if days is None:
                days = current.delivery_days if current is not None else 3
            products.upsert_stock(tx, gtin, warehouse, update.quantity, days)
            return self._record(tx, "stock", gtin, before)

    def add_review(self, gtin: str, review: ReviewInput) -> Review:
        """Stores a review and appends a `review` change carrying it.

        Raises:
            UnknownProduct: if no product has this GTIN-14.
        """
        with self.database.write() as tx:
            self._require(tx, gtin)
            created = review.created_at or self.now()
            stored = products.insert_review(tx, gtin, review, iso_utc(created))
            self._record(tx, "review", gtin, None, review=stored)
            return stored

    def create_order(self, idempotency_key: str, request: OrderRequest) -> tuple[Order, bool]:
        """Places a delivery order once per idempotency key.

        Returns:
            The order and True when it was created now, False when the key was seen before
            with the same body.

        Raises:
            IdempotencyKeyReused: the key was used with a different body.
            InvalidInput: a line names an unknown GTIN.
            NotSoldOnline, InsufficientStock: a line cannot be fulfilled.
        """
        body = json.dumps(request.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        digest = hashlib.sha256(body.encode()).hexdigest()
        with self.database.write() as tx:
            return place_order(
                tx,
                idempotency_key,
                request,
                request_sha256=digest,
                now=self.now(),
                record=lambda gtin, before: self._record(tx, "stock", gtin, before),
            )

    def order(self, order_id: str) -> Order | None:
        """Returns an order by id, or None."""
        with self.database.read() as tx:
            return orders.order_by_id(tx, order_id)

    def put_availability(
        self, store: str, push: StoreAvailability, *, idempotency_key: str | None = None
    ) -> AvailabilityReceipt:
        """Upserts a store's availability rows; older or repeated rows change nothing.

        With an idempotency key, a repeat with the same body returns the first receipt.

        Raises:
            IdempotencyKeyReused: the key was used before with another body or store.
        """
        with self.database.write() as tx:
            if idempotency_key is None:
                return self._apply_availability(tx, store, push)
            body = {"store": store, "push": push.model_dump(mode="json")}
            digest = hashlib.sha256(
                json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
            ).hexdigest()
            seen = pushes.push_by_key(tx, idempotency_key)
            if seen is not None:
                if seen["request_sha256"] != digest:
                    raise IdempotencyKeyReused(
                        f"Idempotency-Key {idempotency_key!r} was already used for another "
                        "availability push; use a new key for a new push"
                    )
                return AvailabilityReceipt.model_validate_json(seen["receipt_json"])
            receipt = self._apply_availability(tx, store, push)
            pushes.insert_push(
                tx,
                idempotency_key,
                store=store,
                request_sha256=digest,
                receipt_json=receipt.model_dump_json(),
                now=iso_utc(self.now()),
            )
            return receipt

    def _apply_availability(
        self, tx: Tx, store: str, push: StoreAvailability
    ) -> AvailabilityReceipt:
        as_of = iso_utc(push.as_of)
        gtins = [item.gtin for item in push.items]
        known = products.existing_gtins(tx, gtins)
        applied = sum(
            orders.upsert_availability(tx, store, item, as_of)
            for item in push.items
            if item.gtin in known
        )
        unknown = sorted({gtin for gtin in gtins if gtin not in known})
        unchanged = len(gtins) - len(unknown) - applied
        return AvailabilityReceipt(
            store=store, applied=applied, unchanged=unchanged, unknown_gtins=unknown
        )

    def availability(self, store: str) -> list[StoreAvailabilityRow]:
        """Returns the availability a store last pushed."""
        with self.database.read() as tx:
            return orders.availability_of(tx, store)

    def load_seed(self, catalog: SeedCatalog) -> int:
        """Loads a seed catalog in one transaction, appending its changes to the feed.

        Returns:
            The number of products loaded (0 when the catalog already holds products: seeding
            an existing database changes nothing).
        """
        with self.database.write() as tx:
            if int(tx.scalar("SELECT COUNT(*) FROM products") or 0) > 0:
                return 0
            for warehouse in catalog.warehouses:
                tx.execute(
                    "INSERT INTO warehouses (id, name) VALUES (:id, :name)", warehouse.model_dump()
                )
            for product in catalog.products:
                self._seed_product(tx, product)
        return len(catalog.products)

    def _seed_product(self, tx: Tx, product: SeedProduct) -> None:
        products.upsert_product(tx, product)
        for level in product.online_stock:
            products.upsert_stock(
                tx, product.gtin, level.warehouse, level.quantity, level.delivery_days
            )
        created = self.now()
        stored = [
            products.insert_review(
                tx,
                product.gtin,
                review,
                iso_utc(review.created_at or created),
            )
            for review in product.reviews
        ]
        self._record(tx, "product", product.gtin, None)
        for review in stored:
            self._record(tx, "review", product.gtin, None, review=review)

    def _require(self, tx: Tx, gtin: str) -> CatalogProduct:
        found = products.snapshot(tx, gtin)
        if found is None:
            raise UnknownProduct(f"no product with GTIN {gtin}")
        return found

    def _record(
        self,
        tx: Tx,
        kind: ChangeKind,
        gtin: str,
        before: CatalogProduct | None,
        *,
        review: Review | None = None,
    ) -> CatalogProduct:
        """Appends a change when the product differs from `before` (or for every review)."""
        after = products.snapshot(tx, gtin)
        if after is None:
            raise UnknownProduct(f"no product with GTIN {gtin}")
        if review is None and before is not None and _same(before, after):
            return before
        moment = self.now()
        cursor = feed.append_change(tx, kind, after, at=moment, review=review)
        products.mark_version(tx, gtin, cursor, iso_utc(moment))
        return after.model_copy(update={"version": cursor, "updated_at": moment})


def _same(before: CatalogProduct, after: CatalogProduct) -> bool:
    ignore = {"version", "updated_at"}
    return before.model_dump(exclude=ignore) == after.model_dump(exclude=ignore)
