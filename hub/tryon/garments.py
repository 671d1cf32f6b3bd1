"""Provides the grouping of catalog products into try-on garments: one per style and colour, with
its sizes as sibling products (pure: no I/O).

A style is the catalog's `style` attribute (sizes of one style share it), else the product alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from contracts.tryon import SizeVariant

# catalog subcategory -> builder category (a key of contracts.tryon.CATEGORY_KINDS)
SUBCATEGORY_CATEGORIES: dict[str, str] = {
    "t-shirts": "t-shirt",
    "hoodies": "longsleeve",
    "outerwear": "outwear",
    "jeans": "pants",
}
SIZE_ORDER = ("XXS", "XS", "S", "M", "L", "XL", "XXL")
COLOURS = (
    "black", "white", "grey", "navy", "blue", "green", "red", "brown", "beige", "yellow",
    "pink", "purple", "orange",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class GarmentProduct:
    """A catalog product that can become a try-on garment (one size of a style)."""

    gtin: str
    name: str
    brand: str
    subcategory: str
    attributes: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Garment:
    """One style in one colour: what one try-on asset shows.

    Attributes:
        style: the style key (also the key of its product photo).
        product_id: the GTIN the asset is named after (the smallest size's).
        category: builder category (see `SUBCATEGORY_CATEGORIES`).
        colour: colour named in the product name, or "photo".
        label: brand and product name without the size, for the shopper.
        variants: sizes and their GTINs, smallest first.
    """

    style: str
    product_id: str
    category: str
    colour: str
    label: str
    variants: tuple[SizeVariant, ...]


def size_rank(size: str) -> tuple[int, float, str]:
    """Sort key: letter sizes in `SIZE_ORDER`, then numbers ascending, then anything else."""
    if size.upper() in SIZE_ORDER:
        return (0, SIZE_ORDER.index(size.upper()), size)
    try:
        return (1, float(size.split("-")[0]), size)
    except ValueError:
        return (2, 0.0, size)


def colour_of(name: str) -> str:
    """The first colour word of a product name, or "photo" (the colour the photo shows)."""
    words = [w.strip(",").lower() for w in name.split()]
    return next((w for w in words if w in COLOURS), "photo")


def _label(product: GarmentProduct) -> str:
    size = str(product.attributes.get("size", ""))
    name = product.name
    if size and name.endswith(size):
        name = name[: -len(size)].rstrip()
    name = name.removesuffix(" W").strip() or product.name
    return f"{product.brand} {name}"


def group_garments(products: list[GarmentProduct]) -> list[Garment]:
    """Groups products into garments (one per style), each with its sizes, sorted by style."""
    styles: dict[str, list[GarmentProduct]] = {}
    for product in products:
        if product.subcategory not in SUBCATEGORY_CATEGORIES:
            continue
        style = str(product.attributes.get("style") or product.gtin)
        styles.setdefault(style, []).append(product)
    garments = []
    for style, members in sorted(styles.items()):
        members.sort(key=lambda p: size_rank(str(p.attributes.get("size", ""))))
        variants = tuple(
            SizeVariant(size=str(p.attributes["size"]), gtin=p.gtin)
            for p in members
            if p.attributes.get("size")
        )
        first = members[0]
        garments.append(
            Garment(
                style=style,
                product_id=first.gtin,
                category=SUBCATEGORY_CATEGORIES[first.subcategory],
                colour=colour_of(first.name),
                label=_label(first),
                variants=variants,
            )
        )
    return garments
