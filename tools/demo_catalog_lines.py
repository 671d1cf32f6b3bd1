"""Provides the product lines of the demo catalog: one `Line` per subcategory of each category.

A data table, kept compact by hand (`fmt: off`): each line lists its name templates (`{v}` takes
each variant), brands, price range in cents and variants. The generator makes one product per
name x variant x brand.
"""

from __future__ import annotations

from tools.demo_catalog_data import Line

# fmt: off
GROCERY = (
    Line("grocery", "plant milk", ("Barista oat drink 1 l", "Organic oat drink 1 l",
         "Almond drink unsweetened 1 l", "Soya drink 1 l", "Oat drink chocolate 1 l"),
         ("Northfield", "Alpenhof"), (179, 299), attributes={"volume_ml": 1000}),
    Line("grocery", "milk & yoghurt", ("Whole milk 1 l", "Semi-skimmed milk 1 l",
         "Greek style yoghurt 500 g", "Skyr natural 450 g", "Kefir 500 ml"),
         ("Alpenhof", "Fjordland"), (99, 329)),
    Line("grocery", "cereal", ("Crunchy oat granola {v}", "Bircher muesli {v}",
         "Corn flakes {v}", "Porridge oats {v}"), ("Morning Mill", "Golden Grain"),
         (199, 499), ("500 g", "1 kg"), "size"),
    Line("grocery", "coffee & tea", ("Espresso beans {v}", "Ground coffee medium roast {v}",
         "Earl grey tea 40 bags", "Green tea sencha 20 bags", "Chamomile tea 20 bags"),
         ("Casa Verde", "Maple & Co", "Blue Harbour"), (249, 1299), ("250 g", "1 kg"), "size"),
    Line("grocery", "pasta & rice", ("Spaghetti 500 g", "Penne rigate 500 g", "Fusilli 500 g",
         "Basmati rice 1 kg", "Arborio risotto rice 1 kg", "Whole wheat linguine 500 g"),
         ("Casa Verde", "Golden Grain"), (89, 349)),
    Line("grocery", "sauces & oils", ("Tomato and basil sauce 400 g", "Arrabbiata sauce 400 g",
         "Extra virgin olive oil 750 ml", "Pesto genovese 190 g", "Balsamic vinegar 500 ml"),
         ("Casa Verde", "Le Petit Marche"), (149, 899)),
    Line("grocery", "snacks", ("Sea salt crisps {v}", "Salted peanuts {v}",
         "Dark chocolate 70% {v}", "Milk chocolate hazelnut {v}", "Oat biscuits {v}"),
         ("Maple & Co", "Le Petit Marche", "Fjordland"), (99, 399), ("150 g", "300 g"), "size"),
    Line("grocery", "drinks", ("Sparkling mineral water 6 x 1.5 l", "Orange juice 1 l",
         "Apple juice cloudy 1 l", "Lemonade 750 ml", "Cold brew coffee 250 ml"),
         ("Blue Harbour", "Clearwell"), (119, 549)),
    Line("grocery", "bakery", ("Sourdough loaf 800 g", "Wholemeal bread 750 g",
         "Butter croissants 4 pack", "Rye crispbread 250 g"),
         ("Le Petit Marche", "Fjordland"), (129, 399)),
    Line("grocery", "cheese", ("Mature cheddar 400 g", "Gouda young 300 g",
         "Mozzarella 125 g", "Parmesan wedge 200 g"), ("Alpenhof", "Blue Harbour"), (149, 599)),
)

APPAREL = (
    Line("apparel", "t-shirts", ("Crew neck t-shirt navy {v}", "Crew neck t-shirt white {v}",
         "Organic cotton t-shirt black {v}"), ("Urban Thread",), (999, 1999),
         ("S", "M", "L", "XL"), "size", {"material": "cotton"}),
    Line("apparel", "jeans", ("Slim fit jeans dark wash W{v}", "Straight jeans mid blue W{v}"),
         ("Urban Thread", "Coastline"), (3999, 6999), ("30", "32", "34", "36"), "size",
         {"material": "denim"}),
    Line("apparel", "hoodies", ("Zip hoodie grey {v}", "Pullover hoodie forest green {v}"),
         ("Coastline", "Trailmark"), (2999, 4999), ("S", "M", "L", "XL"), "size"),
    Line("apparel", "socks", ("Everyday socks 5 pack {v}", "Merino hiking socks {v}"),
         ("Trailmark", "Urban Thread"), (799, 1799), ("39-42", "43-46"), "size"),
    Line("apparel", "shoes", ("Canvas sneakers white EU {v}", "Trail running shoes EU {v}"),
         ("Trailmark",), (4999, 9999), ("40", "41", "42", "43", "44", "45"), "size"),
    Line("apparel", "outerwear", ("Packable rain jacket {v}", "Quilted vest black {v}"),
         ("Trailmark", "Coastline"), (3999, 8999), ("S", "M", "L", "XL"), "size"),
    Line("apparel", "accessories", ("Knitted beanie", "Leather belt brown", "Wool scarf grey",
         "Baseball cap navy"), ("Coastline", "Urban Thread"), (999, 2999)),
)

KIDS = (
    Line("kids", "building toys", ("Starter brick box 300 pieces", "Space station set",
         "Fire station set", "Creative bricks bucket 500 pieces", "Marble run starter"),
         ("Brickwise",), (1499, 5999), age_months=(48, 144)),
    Line("kids", "puzzles & games", ("Jigsaw puzzle 100 pieces farm", "Memory card game",
         "Jigsaw puzzle 500 pieces world map", "First board game colours"),
         ("Brickwise", "Story Owl"), (799, 2499), age_months=(36, 120)),
    Line("kids", "baby", ("Anti-colic baby bottle 260 ml", "Silicone teether",
         "Soft bath book", "Baby spoon set 4 pack", "Muslin cloths 3 pack"),
         ("Little Sprout",), (499, 1699), age_months=(0, 18)),
    Line("kids", "nappies", ("Nappies size {v}",), ("Little Sprout",), (899, 1499),
         ("2 (4-8 kg) 44 pack", "3 (6-10 kg) 40 pack", "4 (9-14 kg) 36 pack",
          "5 (11-16 kg) 32 pack"), "size", age_months=(1, 36)),
    Line("kids", "kids clothing", ("Kids rain boots EU {v}", "Kids fleece jacket {v}",
         "Kids pyjamas dinosaur {v}"), ("Little Sprout", "Coastline"), (1299, 2999),
         ("98", "110", "122"), "size", age_months=(24, 96)),
    Line("kids", "books", ("Picture book The sleepy owl", "Picture book Counting stars",
         "First words board book", "Bedtime stories collection"), ("Story Owl",),
         (599, 1499), age_months=(12, 84)),
    Line("kids", "plush", ("Plush fox 30 cm", "Plush bear 25 cm", "Plush whale 40 cm"),
         ("Little Sprout", "Story Owl"), (999, 2499), age_months=(0, 120)),
)

ELECTRONICS = (
    Line("electronics", "headphones", ("Wireless over-ear headphones {v}",
         "True wireless earbuds {v}", "Sports earbuds {v}"), ("Pulse Audio",), (2999, 14999),
         ("black", "white"), "colour"),
    Line("electronics", "cables", ("USB-C to USB-C cable {v}", "USB-C to Lightning cable {v}",
         "HDMI 2.1 cable {v}"), ("Voltix",), (799, 2499), ("1 m", "2 m"), "length"),
    Line("electronics", "chargers & power", ("USB-C charger 30 W", "USB-C charger 65 W",
         "Power bank 10000 mAh", "Power bank 20000 mAh", "Wireless charging pad 15 W"),
         ("Voltix",), (1499, 4999)),
    Line("electronics", "batteries", ("Alkaline batteries AA {v}", "Alkaline batteries AAA {v}",
         "Rechargeable batteries AA {v}"), ("Voltix", "Lumen"), (399, 1999),
         ("4 pack", "12 pack"), "size"),
    Line("electronics", "computer accessories", ("Wireless mouse", "Compact keyboard",
         "USB-C hub 6 in 1", "Laptop stand aluminium", "Webcam 1080p"),
         ("Voltix", "Pulse Audio"), (1499, 5999)),
    Line("electronics", "smart home", ("Smart speaker mini", "Smart plug 2 pack",
         "Smart LED bulb E27 colour", "Indoor camera 2K"), ("Lumen", "Pulse Audio"),
         (1299, 7999)),
    Line("electronics", "phone accessories", ("Phone case clear {v}", "Screen protector {v}"),
         ("Voltix",), (999, 2499), ("6.1 inch", "6.7 inch"), "size"),
)

HOME = (
    Line("home", "kitchen appliances", ("Electric kettle 1.7 l", "Toaster 2 slice",
         "Hand blender", "Cafetiere 8 cup", "Milk frother"), ("Kitchenry", "Hearth & Home"),
         (1499, 5999), bulky=True),
    Line("home", "cookware", ("Non-stick frying pan {v}", "Stainless saucepan {v}",
         "Cast iron casserole {v}"), ("Kitchenry",), (1999, 7999), ("20 cm", "28 cm"),
         "size", bulky=True),
    Line("home", "tableware", ("Stoneware mug {v}", "Porcelain plates 4 pack {v}",
         "Glass tumblers 6 pack"), ("Hearth & Home",), (599, 2999), ("white", "sage"),
         "colour"),
    Line("home", "textiles", ("Bath towel {v}", "Cotton bed linen set double {v}",
         "Throw blanket {v}"), ("Softloom",), (999, 4999), ("grey", "sand", "navy"), "colour"),
    Line("home", "lighting", ("LED bulb E27 806 lm 2 pack", "LED bulb GU10 3 pack",
         "Desk lamp LED", "Fairy lights 10 m"), ("Lumen",), (499, 3499)),
    Line("home", "cleaning", ("Dish soap lemon 500 ml", "All-purpose cleaner 750 ml",
         "Microfibre cloths 6 pack", "Laundry liquid 40 washes", "Sponges 10 pack"),
         ("Clearwell",), (149, 1299)),
    Line("home", "storage & decor", ("Storage box with lid 20 l", "Scented candle cedar",
         "Photo frame 20 x 25 cm", "Wicker basket medium"), ("Hearth & Home", "Softloom"),
         (699, 2999)),
)
# fmt: on

LINES: tuple[Line, ...] = GROCERY + APPAREL + KIDS + ELECTRONICS + HOME
