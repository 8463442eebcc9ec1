"""The demo company's products and price lists (S1).

The department sells for three kinds of business, on one product model: a manufacturer's goods
(pumps, valves, motors, spare parts, counted by quantity), car models tracked per vehicle by VIN
(serial-tracked) and apartment units and shops of a housing project (unique units: building,
floor, number, area; quantity always 1), plus a few services. Goods and cars carry 13 % VAT,
real estate 9 %, services 6 %. Floor prices sit a little under the list prices, so discounts
beyond a salesperson's 5 % or under the floor show the price policy (事前请示) at work.

Three price lists: the dealer channel (this year), the 华南 region (from this year, open-ended)
and a 华南 dealer promotion for this quarter. Everything is created through the catalog services
as the back-office clerk."""

import datetime
import random
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from salesdept.catalog.models import Category, PriceList, PriceListItem, Product
from salesdept.catalog.services import products as services

__all__ = ["CATEGORIES", "load"]

CENT = Decimal("0.01")

# code, Chinese, English, parent code
CATEGORIES = [
    ("MFG", "工业产品", "Industrial products", None),
    ("MFG-PUMP", "泵", "Pumps", "MFG"),
    ("MFG-VALVE", "阀门", "Valves", "MFG"),
    ("MFG-MOTOR", "电机", "Motors", "MFG"),
    ("MFG-PART", "备品备件", "Spare parts", "MFG"),
    ("CAR", "汽车", "Cars", None),
    ("CAR-SEDAN", "轿车", "Sedans", "CAR"),
    ("CAR-SUV", "SUV", "SUVs", "CAR"),
    ("CAR-NEV", "新能源汽车", "New-energy vehicles", "CAR"),
    ("RE", "房产", "Real estate", None),
    ("RE-APT", "住宅", "Apartments", "RE"),
    ("RE-SHOP", "商铺", "Shops", "RE"),
    ("SVC", "服务", "Services", None),
]

# code, Chinese, English, category, unit, specification, list price, floor share of list
GOODS = [
    (
        "PUMP-IS80",
        "单级离心泵 IS80-65-160",
        "Centrifugal pump IS80-65-160",
        "MFG-PUMP",
        "台",
        "流量 50 m³/h, 扬程 32 m, 7.5 kW",
        "6800.00",
        "0.88",
    ),
    (
        "PUMP-IS100",
        "单级离心泵 IS100-80-200",
        "Centrifugal pump IS100-80-200",
        "MFG-PUMP",
        "台",
        "流量 100 m³/h, 扬程 50 m, 22 kW",
        "12600.00",
        "0.88",
    ),
    (
        "PUMP-D46",
        "多级离心泵 D46-50×5",
        "Multistage pump D46-50×5",
        "MFG-PUMP",
        "台",
        "流量 46 m³/h, 扬程 250 m, 55 kW",
        "38500.00",
        "0.90",
    ),
    (
        "PUMP-QW50",
        "潜水排污泵 50QW15-25",
        "Submersible sewage pump 50QW15-25",
        "MFG-PUMP",
        "台",
        "流量 15 m³/h, 扬程 25 m, 2.2 kW",
        "2950.00",
        "0.85",
    ),
    (
        "PUMP-ISG65",
        "立式管道泵 ISG65-160",
        "Inline pump ISG65-160",
        "MFG-PUMP",
        "台",
        "流量 25 m³/h, 扬程 32 m, 4 kW",
        "3980.00",
        "0.86",
    ),
    (
        "VALVE-Z41-50",
        "闸阀 Z41H-16C DN50",
        "Gate valve Z41H-16C DN50",
        "MFG-VALVE",
        "只",
        "PN16, 铸钢",
        "860.00",
        "0.85",
    ),
    (
        "VALVE-Z41-100",
        "闸阀 Z41H-16C DN100",
        "Gate valve Z41H-16C DN100",
        "MFG-VALVE",
        "只",
        "PN16, 铸钢",
        "1680.00",
        "0.85",
    ),
    (
        "VALVE-Q41-25",
        "球阀 Q41F-16P DN25",
        "Ball valve Q41F-16P DN25",
        "MFG-VALVE",
        "只",
        "PN16, 不锈钢 304",
        "420.00",
        "0.85",
    ),
    (
        "VALVE-D71-150",
        "对夹蝶阀 D71X-16 DN150",
        "Wafer butterfly valve D71X-16 DN150",
        "MFG-VALVE",
        "只",
        "PN16, 球墨铸铁",
        "980.00",
        "0.85",
    ),
    (
        "VALVE-H44-80",
        "旋启式止回阀 H44H-25 DN80",
        "Swing check valve H44H-25 DN80",
        "MFG-VALVE",
        "只",
        "PN25, 碳钢",
        "1350.00",
        "0.86",
    ),
    (
        "MOTOR-Y2-5.5",
        "三相异步电机 Y2-132S-4 5.5kW",
        "Induction motor Y2-132S-4 5.5 kW",
        "MFG-MOTOR",
        "台",
        "380 V, 1440 r/min, IP55",
        "2680.00",
        "0.88",
    ),
    (
        "MOTOR-Y2-11",
        "三相异步电机 Y2-160M-4 11kW",
        "Induction motor Y2-160M-4 11 kW",
        "MFG-MOTOR",
        "台",
        "380 V, 1460 r/min, IP55",
        "4860.00",
        "0.88",
    ),
    (
        "MOTOR-YE3-22",
        "高效电机 YE3-180L-4 22kW",
        "Premium-efficiency motor YE3-180L-4 22 kW",
        "MFG-MOTOR",
        "台",
        "IE3, 380 V, IP55",
        "9200.00",
        "0.90",
    ),
    (
        "MOTOR-YVF-15",
        "变频电机 YVF2-160L-4 15kW",
        "Inverter-duty motor YVF2-160L-4 15 kW",
        "MFG-MOTOR",
        "台",
        "5–100 Hz, 独立风机",
        "7650.00",
        "0.90",
    ),
    (
        "PART-SEAL-35",
        "机械密封 M7N-35",
        "Mechanical seal M7N-35",
        "MFG-PART",
        "套",
        "碳化硅/石墨, 轴径 35 mm",
        "380.00",
        "0.80",
    ),
    (
        "PART-BRG-6308",
        "深沟球轴承 6308-2Z",
        "Deep-groove ball bearing 6308-2Z",
        "MFG-PART",
        "个",
        "40×90×23 mm",
        "95.00",
        "0.80",
    ),
]

# code, Chinese, English, category, specification, list price, floor share (serial: per VIN)
CARS = [
    (
        "CAR-HC-H5-18T",
        "华驰 H5 1.8T 豪华型",
        "Huachi H5 1.8T Luxury",
        "CAR-SEDAN",
        "1.8T 7DCT, 中型轿车",
        "169800.00",
    ),
    (
        "CAR-HC-H5-20T",
        "华驰 H5 2.0T 旗舰型",
        "Huachi H5 2.0T Flagship",
        "CAR-SEDAN",
        "2.0T 8AT, 中型轿车",
        "199800.00",
    ),
    (
        "CAR-HC-H7-20T",
        "华驰 H7 2.0T 尊享型",
        "Huachi H7 2.0T Prestige",
        "CAR-SEDAN",
        "2.0T 8AT, 中大型轿车",
        "259800.00",
    ),
    (
        "CAR-YH-X6-15T",
        "远航 X6 1.5T 精英型",
        "Yuanhang X6 1.5T Elite",
        "CAR-SUV",
        "1.5T 7DCT, 紧凑型 SUV",
        "129900.00",
    ),
    (
        "CAR-YH-X8-20T",
        "远航 X8 2.0T 四驱旗舰型",
        "Yuanhang X8 2.0T AWD Flagship",
        "CAR-SUV",
        "2.0T 8AT 四驱, 中型 SUV",
        "219900.00",
    ),
    (
        "CAR-ZT-HAN-EV",
        "智途 瀚 EV 长续航版",
        "Zhitu Han EV Long Range",
        "CAR-NEV",
        "纯电 715 km, 中大型轿车",
        "229800.00",
    ),
    (
        "CAR-ZT-HAN-DMI",
        "智途 瀚 DM-i 尊贵型",
        "Zhitu Han DM-i Premium",
        "CAR-NEV",
        "插电混动 242 km, 中大型轿车",
        "209800.00",
    ),
    (
        "CAR-ZT-QIN-EV",
        "智途 勤 EV 领先型",
        "Zhitu Qin EV Leading",
        "CAR-NEV",
        "纯电 510 km, 紧凑型轿车",
        "129800.00",
    ),
    (
        "CAR-ZT-SONG-DMI",
        "智途 松 DM-i 旗舰型",
        "Zhitu Song DM-i Flagship",
        "CAR-NEV",
        "插电混动 110 km, 中型 SUV",
        "169800.00",
    ),
]

# building, floor, unit number, area m², price per m² (apartments of 锦程花园 Jincheng Garden)
APARTMENTS = [
    ("1号楼", "6", "0601", "89.50", "18600"),
    ("1号楼", "8", "0802", "89.50", "18800"),
    ("1号楼", "12", "1203", "89.50", "19200"),
    ("1号楼", "18", "1801", "118.20", "19800"),
    ("2号楼", "3", "0302", "76.80", "17900"),
    ("2号楼", "10", "1004", "102.40", "19000"),
    ("2号楼", "15", "1502", "128.60", "19600"),
    ("3号楼", "5", "0501", "143.90", "20500"),
    ("3号楼", "11", "1102", "143.90", "21200"),
    ("3号楼", "22", "2201", "168.30", "22800"),
]
SHOPS = [
    ("商业街", "1", "S-101", "56.00", "32000"),
    ("商业街", "1", "S-106", "88.50", "30500"),
]

SERVICES = [
    (
        "SVC-INSTALL",
        "安装调试服务",
        "Installation and commissioning",
        "项",
        "含现场安装、调试与培训",
        "3500.00",
        "0.80",
    ),
    (
        "SVC-MAINT-Y",
        "年度维保服务",
        "Annual maintenance contract",
        "年",
        "每季度巡检一次, 24 小时响应",
        "12000.00",
        "0.85",
    ),
]


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, ROUND_HALF_UP)


def _unit_name_en(building_en: str, floor: str, kind: str, number: str) -> str:
    if building_en.isdigit():
        return f"Jincheng Garden bldg {building_en}, floor {floor}, {kind} {number}"
    return f"Jincheng Garden retail street, {kind} {number}"


def _categories(clerk) -> dict[str, Category]:
    made: dict[str, Category] = {}
    for order, (code, zh, en, parent) in enumerate(CATEGORIES, start=1):
        made[code] = services.category_create(
            by=clerk,
            code=code,
            name=zh,
            name_en=en,
            parent_id=made[parent].pk if parent else None,
            sort_order=order,
        )
    return made


def _products(clerk, categories: dict[str, Category], rng: random.Random) -> list[Product]:
    out: list[Product] = []
    for code, zh, en, cat, uom, spec, price, floor_share in GOODS:
        list_price = Decimal(price)
        out.append(
            services.product_create(
                by=clerk, code=code, name=zh, name_en=en, kind=Product.Kind.GOODS,
                category_id=categories[cat].pk, uom=uom, spec=spec, list_price=list_price,
                floor_price=_money(list_price * Decimal(floor_share)), tax_rate=Decimal("13.00"),
            )
        )  # fmt: skip
    for code, zh, en, cat, spec, price in CARS:
        list_price = Decimal(price)
        # dealers keep 6–9 % of margin: the floor leaves room for that and no more
        floor_share = Decimal("0.90") + Decimal(rng.randint(0, 3)) / 100
        out.append(
            services.product_create(
                by=clerk, code=code, name=zh, name_en=en, kind=Product.Kind.SERIAL,
                category_id=categories[cat].pk, uom="辆", spec=spec, list_price=list_price,
                floor_price=_money(list_price * floor_share), tax_rate=Decimal("13.00"),
                notes="按车架号 (VIN) 逐台管理 · tracked per vehicle by VIN",
            )
        )  # fmt: skip
    for rows, category, zh_kind, en_kind in (
        (APARTMENTS, "RE-APT", "住宅", "apartment"),
        (SHOPS, "RE-SHOP", "商铺", "shop"),
    ):
        for building, floor, number, area, per_m2 in rows:
            area_d = Decimal(area)
            list_price = _money(area_d * Decimal(per_m2))
            building_en = building.replace("号楼", "").replace("商业街", "Retail street")
            code = f"JC-{building_en if building_en.isdigit() else 'S'}-{number}"
            out.append(
                services.product_create(
                    by=clerk, code=code,
                    name=f"锦程花园 {building} {floor}层 {number}室" if category == "RE-APT"
                    else f"锦程花园 {building} {number} 商铺",
                    name_en=_unit_name_en(building_en, floor, en_kind, number),
                    kind=Product.Kind.UNIT, category_id=categories[category].pk, uom="套",
                    spec=f"{zh_kind} · 建筑面积 {area} m²", list_price=list_price,
                    floor_price=_money(list_price * Decimal("0.95")), tax_rate=Decimal("9.00"),
                    building=building, floor=floor, unit_number=number, area=area_d,
                )
            )  # fmt: skip
    for code, zh, en, uom, spec, price, floor_share in SERVICES:
        list_price = Decimal(price)
        out.append(
            services.product_create(
                by=clerk, code=code, name=zh, name_en=en, kind=Product.Kind.SERVICE,
                category_id=categories["SVC"].pk, uom=uom, spec=spec, list_price=list_price,
                floor_price=_money(list_price * Decimal(floor_share)), tax_rate=Decimal("6.00"),
            )
        )  # fmt: skip
    return out


def _price_lists(clerk, org, products: list[Product], today: datetime.date) -> list[PriceList]:
    year_start = datetime.date(today.year, 1, 1)
    year_end = datetime.date(today.year, 12, 31)
    quarter = (today.month - 1) // 3
    quarter_start = datetime.date(today.year, quarter * 3 + 1, 1)
    quarter_end = (
        datetime.date(today.year + 1, 1, 1) if quarter == 3 else datetime.date(today.year, quarter * 3 + 4, 1)
    ) - datetime.timedelta(days=1)
    south = org.regions["south"]
    dealer = services.price_list_create(
        by=clerk, code=f"DEALER-{today.year}", name=f"{today.year} 年经销商价",
        name_en=f"Dealer prices {today.year}", channel="dealer", valid_from=year_start, valid_to=year_end,
    )  # fmt: skip
    region = services.price_list_create(
        by=clerk, code="SOUTH", name="华南区域价", name_en="South region prices",
        region_id=south.pk, valid_from=year_start,
    )  # fmt: skip
    promo = services.price_list_create(
        by=clerk, code=f"SOUTH-DLR-Q{quarter + 1}", name=f"华南经销商季度促销价 Q{quarter + 1}",
        name_en=f"South dealer promotion Q{quarter + 1}", channel="dealer", region_id=south.pk,
        valid_from=quarter_start, valid_to=quarter_end,
    )  # fmt: skip
    for product in products:
        floor = product.floor_price or Decimal("0")
        if product.kind in (Product.Kind.GOODS, Product.Kind.SERIAL):
            price = max(_money(product.list_price * Decimal("0.95")), floor)
            services.price_list_item_set(
                by=clerk, price_list_id=dealer.pk, product_id=product.pk, price=price
            )
        if product.kind in (Product.Kind.GOODS, Product.Kind.SERVICE):
            price = max(_money(product.list_price * Decimal("0.97")), floor)
            services.price_list_item_set(
                by=clerk, price_list_id=region.pk, product_id=product.pk, price=price
            )
        if product.kind == Product.Kind.SERIAL:
            price = max(_money(product.list_price * Decimal("0.93")), floor)
            services.price_list_item_set(by=clerk, price_list_id=promo.pk, product_id=product.pk, price=price)
    return [dealer, region, promo]


def load(ctx) -> None:
    """Categories, about 40 products for the three industries and three price lists, unless
    products exist already (a second load changes nothing)."""
    # One draw from the shared random source whether or not anything is loaded, so the loaders
    # after this one see the same sequence on a first and on a repeated load.
    rng = random.Random(ctx.rng.random())
    if Product.objects.exists():
        ctx.say("Products exist already: the catalog demo data is not loaded again.")
        return
    clerk = ctx.org.clerk
    categories = _categories(clerk)
    products = _products(clerk, categories, rng)
    lists = _price_lists(clerk, ctx.org, products, timezone.localdate())
    ctx.counts.update(
        products=len(products),
        price_lists=len(lists),
        price_list_items=PriceListItem.objects.count(),
    )
    ctx.say(
        "Products and prices: {products} products in {categories} categories, "
        "{price_lists} price lists.".format(categories=len(categories), **ctx.counts)
    )
