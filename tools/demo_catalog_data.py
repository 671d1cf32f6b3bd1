"""Provides the tables the demo catalog is generated from: brands, complement links, words.

Each `Line` is a family of products sharing a subcategory: its name templates, brands, price
range and variants (sizes, colours, flavours). Brands carry a GS1 company prefix so their codes
look like real EAN-13 / UPC-A codes (all brands are invented).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Brand:
    """An invented brand and the GS1 company prefix its codes start with.

    Attributes:
        name: brand name.
        prefix: 7 digits (EAN-13, 5 digits item reference follow) or 6 digits starting with 0
            (UPC-A: 5 digits item reference follow).
    """

    name: str
    prefix: str


@dataclass(frozen=True, slots=True)
class Line:
    """A family of products (one subcategory) and how to make its members.

    Attributes:
        names: name templates; `{v}` is replaced by each variant.
        variants: variant values (sizes, flavours...), one product per name x variant.
        variant_key: attribute the variant is stored under (`size`, `flavour`, ...).
        price_cents: inclusive range of base prices.
        attributes: fixed attributes of every member.
        age_months: age range for kids items.
        bulky: ships a day slower.
    """

    category: str
    subcategory: str
    names: tuple[str, ...]
    brands: tuple[str, ...]
    price_cents: tuple[int, int]
    variants: tuple[str, ...] = ("",)
    variant_key: str = ""
    attributes: dict[str, str | int] = field(default_factory=dict)
    age_months: tuple[int, int] | None = None
    bulky: bool = False


BRANDS = {
    b.name: b
    for b in (
        Brand("Northfield", "4012734"),
        Brand("Morning Mill", "5014521"),
        Brand("Casa Verde", "8003465"),
        Brand("Blue Harbour", "8714329"),
        Brand("Alpenhof", "7613208"),
        Brand("Golden Grain", "041573"),
        Brand("Maple & Co", "068532"),
        Brand("Le Petit Marche", "3258642"),
        Brand("Fjordland", "7039456"),
        Brand("Urban Thread", "4059183"),
        Brand("Coastline", "019872"),
        Brand("Trailmark", "4066217"),
        Brand("Little Sprout", "5013098"),
        Brand("Brickwise", "5704736"),
        Brand("Story Owl", "9781847"),
        Brand("Voltix", "4260581"),
        Brand("Pulse Audio", "084725"),
        Brand("Lumen", "8719327"),
        Brand("Hearth & Home", "5011862"),
        Brand("Kitchenry", "4009215"),
        Brand("Softloom", "5056294"),
        Brand("Clearwell", "073416"),
    )
}

# subcategory -> subcategories whose products complement it
COMPLEMENTS: dict[str, tuple[str, ...]] = {
    "plant milk": ("cereal", "coffee & tea"),
    "milk & yoghurt": ("cereal", "bakery"),
    "cereal": ("plant milk", "milk & yoghurt"),
    "coffee & tea": ("plant milk", "tableware", "kitchen appliances"),
    "pasta & rice": ("sauces & oils", "cheese"),
    "sauces & oils": ("pasta & rice", "cheese"),
    "snacks": ("drinks",),
    "drinks": ("snacks",),
    "bakery": ("cheese", "milk & yoghurt"),
    "cheese": ("bakery", "pasta & rice"),
    "t-shirts": ("jeans", "socks"),
    "jeans": ("t-shirts", "accessories"),
    "hoodies": ("t-shirts", "jeans"),
    "socks": ("shoes",),
    "shoes": ("socks",),
    "outerwear": ("accessories", "hoodies"),
    "accessories": ("outerwear", "jeans"),
    "building toys": ("puzzles & games", "books"),
    "puzzles & games": ("building toys", "books"),
    "baby": ("nappies", "plush"),
    "nappies": ("baby",),
    "kids clothing": ("plush", "books"),
    "books": ("plush", "puzzles & games"),
    "plush": ("books", "baby"),
    "headphones": ("cables", "chargers & power"),
    "cables": ("chargers & power",),
    "chargers & power": ("cables", "phone accessories"),
    "batteries": ("smart home",),
    "computer accessories": ("cables",),
    "smart home": ("lighting", "batteries"),
    "phone accessories": ("chargers & power", "cables"),
    "kitchen appliances": ("coffee & tea", "tableware"),
    "cookware": ("sauces & oils", "kitchen appliances"),
    "tableware": ("coffee & tea",),
    "textiles": ("storage & decor",),
    "lighting": ("smart home", "storage & decor"),
    "cleaning": ("cookware",),
    "storage & decor": ("textiles", "lighting"),
}

CATEGORY_BLURBS = {
    "grocery": "Stocked fresh in store and available for home delivery.",
    "apparel": "True to size; free returns in any store within 30 days.",
    "kids": "Tested to EU toy and child-product safety standards.",
    "electronics": "Two-year warranty; recycle old electronics at the customer desk.",
    "home": "Designed for everyday use and easy care.",
}

REVIEW_TITLES = {
    5: ("Love it", "Excellent", "Buying again", "Best I have tried", "Five stars"),
    4: ("Very good", "Great value", "Does the job well", "Happy with it"),
    3: ("Okay", "Average", "Fine for the price", "Mixed feelings"),
    2: ("Disappointing", "Not great", "Expected more"),
    1: ("Would not buy again", "Poor quality", "Returned it"),
}

# review bodies by rating, for food ("grocery") and for durable goods (everything else)
REVIEW_TEXTS: dict[str, dict[int, tuple[str, ...]]] = {
    "grocery": {
        5: (
            "Tastes great and the whole family likes it.",
            "My weekly staple, never disappoints.",
            "Better than the big brands and cheaper too.",
            "Fresh, good quality, will buy again.",
        ),
        4: (
            "Good taste, a little pricey.",
            "Nice flavour; I would buy it again on offer.",
            "Solid everyday choice.",
        ),
        3: (
            "Fine, nothing special.",
            "Okay taste but the pack is small for the price.",
            "Decent, though I prefer the organic one.",
        ),
        2: ("Too sweet for me.", "Texture was not what I expected."),
        1: ("Tasted stale, took it back.", "Not for me at all."),
    },
    "goods": {
        5: (
            "Exactly what I wanted and the quality is excellent.",
            "We use it every day and it still feels like new.",
            "Great product, easy to set up, would recommend.",
        ),
        4: (
            "Good quality for the price, one small niggle.",
            "Works well and looks good.",
            "Solid choice, does what it says.",
        ),
        3: (
            "It is fine, nothing special.",
            "Does the job but I have had better.",
            "Decent, though the packaging could be smaller.",
        ),
        2: ("Did not last as long as I hoped.", "Smaller than it looked in the picture."),
        1: ("Broke after a week.", "Not as described, took it back to the store."),
    },
}

WAREHOUSES = (
    ("wh-north", "North fulfilment centre", 1),
    ("wh-central", "Central warehouse", 2),
    ("wh-south", "South depot", 3),
)

SHELF_AISLES = {
    "grocery": (1, 6),
    "home": (7, 9),
    "electronics": (10, 12),
    "kids": (13, 15),
    "apparel": (16, 19),
}
