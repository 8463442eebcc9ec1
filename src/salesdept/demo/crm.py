"""The demo company's customers and relationships (C1–C5).

About 200 customers over the three regions, owned by sales1 … sales6 (each in their own region),
for the three kinds of business the department serves: companies buying the factory's products,
car buyers and fleet companies, and private apartment buyers. Around them: contacts, invoicing
data (some files left incomplete), documents with expiry dates, leads in every stage with their
history over the last twelve months, visitor receptions, a year of follow-ups (planned ones due
today, overdue and ahead for every salesperson), the clerk's phone log, complaints in every
status and the correspondence register.

Everything is created through the crm services, as the person who would do it. History cannot be
created in the past through a service (a service stamps `now()`), so after creating a record the
loader back-dates its timestamps with a queryset `.update()` — only here, only for demo history.

The name vocabulary at the top is shared with the bench seeder (bench/crm.py)."""

import datetime
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.files.base import ContentFile
from django.utils import timezone

from salesdept.crm.models import (
    Activity,
    Customer,
    CustomerDocument,
    Feedback,
    FeedbackStep,
    Lead,
    LeadStageChange,
    Letter,
)
from salesdept.crm.services import activities as activity_services
from salesdept.crm.services import customers as customer_services
from salesdept.crm.services import feedback as feedback_services
from salesdept.crm.services import leads as lead_services
from salesdept.crm.services import letters as letter_services

# ------------------------------------------------------------------------------ vocabulary

# Cities by leaf region code: (Chinese, English).
CITIES = {
    "east-sh": [("上海", "Shanghai")],
    "east-js": [("南京", "Nanjing"), ("苏州", "Suzhou"), ("无锡", "Wuxi"), ("常州", "Changzhou")],
    "south-gd": [("广州", "Guangzhou"), ("深圳", "Shenzhen"), ("佛山", "Foshan"), ("东莞", "Dongguan")],
    "north-bj": [("北京", "Beijing")],
}

# Trade names (字号): (Chinese, English).
BRANDS = [
    tuple(pair.split(":"))
    for pair in (
        "华强:Huaqiang 恒通:Hengtong 宏达:Hongda 鑫源:Xinyuan 金泰:Jintai "
        "瑞丰:Ruifeng 永安:Yong'an 天成:Tiancheng 博远:Boyuan 中联:Zhonglian "
        "新兴:Xinxing 东方:Dongfang 联创:Lianchuang 盛世:Shengshi 华美:Huamei "
        "汇丰:Huifeng 正泰:Zhengtai 德力:Deli 海川:Haichuan 凯达:Kaida 明辉:Minghui "
        "锦程:Jincheng 方圆:Fangyuan 伟业:Weiye 信诚:Xincheng 嘉禾:Jiahe "
        "振华:Zhenhua 远航:Yuanhang 力通:Litong 富康:Fukang 百川:Baichuan "
        "安泰:Antai 合众:Hezhong 立信:Lixin 腾飞:Tengfei 广源:Guangyuan "
        "同创:Tongchuang 银河:Yinhe 星光:Xingguang 中科:Zhongke"
    ).split()
]

# Characters the bench combines into many more trade names (2 × 30 → 900 brands).
BRAND_FIRST = "华恒宏鑫金瑞永天博中新东联盛汇正德海凯明锦方伟信嘉振远力富百"
BRAND_SECOND = "强通达源泰丰安成远联兴方创世美辉程圆业诚禾华航康川腾光科信利"

# Industries by kind of business: (industry, word in the company name, English word).
MANUFACTURING = [
    ("机械制造", "机械", "Machinery"),
    ("电子电器", "电子", "Electronics"),
    ("化工", "化工", "Chemical"),
    ("建材", "建材", "Building Materials"),
    ("汽车零部件", "汽车配件", "Auto Parts"),
    ("纺织服装", "纺织", "Textile"),
    ("食品饮料", "食品", "Food"),
    ("医疗器械", "医疗器械", "Medical Devices"),
    ("包装印刷", "包装", "Packaging"),
    ("五金工具", "五金", "Hardware"),
    ("精密仪器", "精密仪器", "Precision Instruments"),
    ("新能源", "新能源", "New Energy"),
]
FLEET = [
    ("物流运输", "物流", "Logistics"),
    ("出租汽车", "出租汽车", "Taxi"),
    ("汽车租赁", "汽车租赁", "Car Rental"),
    ("客运", "客运", "Passenger Transport"),
    ("快递配送", "快递", "Express Delivery"),
]
APARTMENT_BUYER = "个人购房"  # the industry of a private apartment buyer (a person customer)
CAR_BUYER = "个人购车"
SUFFIXES = [("有限公司", "Co., Ltd."), ("股份有限公司", "Corp., Ltd."), ("有限责任公司", "Co., Ltd.")]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = (
    "伟 芳 娜 敏 静 丽 强 磊 军 洋 勇 艳 杰 娟 涛 明 超 "
    "秀英 霞 平 刚 桂英 建华 志强 海燕 晓东 文博 子轩 雨涵 浩然 欣怡 宇航 思远 佳怡 俊杰"
).split()
TITLES = "总经理 采购经理 采购员 财务主管 车队队长 行政主管 技术总监 董事长 办公室主任".split()
BANKS = ["中国工商银行", "中国建设银行", "中国银行", "中国农业银行", "招商银行", "交通银行", "浦发银行"]
ROADS = ["人民路", "中山路", "解放路", "建设路", "和平路", "工业大道", "科技路", "长江路", "新华路", "南京路"]


def person_name(rng) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def mobile(rng) -> str:
    return f"1{rng.choice('3589')}{rng.randrange(10)}{rng.randrange(10**8):08d}"


def tax_id(rng) -> str:
    """An 18-character unified social credit code (统一社会信用代码) shape: 91 + area + body."""
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    return "91" + f"{rng.randrange(110000, 660000):06d}" + "".join(rng.choice(alphabet) for _ in range(10))


AREA_CODES = {
    "上海": "021", "南京": "025", "苏州": "0512", "无锡": "0510", "常州": "0519",
    "广州": "020", "深圳": "0755", "佛山": "0757", "东莞": "0769", "北京": "010",
}  # fmt: skip
DISTRICTS = {
    "上海": ["浦东新区", "闵行区", "嘉定区", "松江区"],
    "南京": ["江宁区", "栖霞区"],
    "苏州": ["工业园区", "吴中区"],
    "无锡": ["新吴区", "滨湖区"],
    "常州": ["武进区", "新北区"],
    "广州": ["黄埔区", "番禺区", "白云区"],
    "深圳": ["南山区", "宝安区", "龙岗区"],
    "佛山": ["顺德区", "南海区"],
    "东莞": ["长安镇", "松山湖"],
    "北京": ["朝阳区", "海淀区", "大兴区", "顺义区"],
}
RESIDENCES = ["锦绣华庭", "滨江花园", "翠湖天地", "阳光新城", "世纪名苑", "金色家园", "湖畔雅居"]

# What the salespeople write when they log a follow-up, by kind of business.
RESULTS = {
    "company": [
        ("确认了下季度的采购计划，约 %(n)s 万元", "下月初发送正式报价"),
        ("客户对新报价基本满意，要求账期 60 天", "请示经理后答复账期"),
        ("拜访采购经理，介绍了新产品线", "寄送样品两件"),
        ("客户反映上批货交期偏长，已解释并协调生产", "跟进下批交期"),
        ("催收上月货款，客户承诺本周内付款", "周五确认到账"),
        ("年度框架协议条款已基本谈妥", "准备合同文本"),
        ("客户暂无新需求，保持联系", ""),
    ],
    "fleet": [
        ("车队计划更新 %(n)s 台车辆，询问团购价格", "准备车型配置和报价"),
        ("客户试驾了新款车型，反馈良好", "安排第二次试驾"),
        ("讨论了分期付款和保养套餐", "发送金融方案"),
        ("客户比较了竞品价格，我方需要让利", "申请特别折扣"),
        ("交车验收顺利，客户满意", "一个月后回访使用情况"),
    ],
    "person": [
        ("客户看了样板间，关注户型和朝向", "约周末带家人再看"),
        ("介绍了首付和贷款方案", "发送贷款计算明细"),
        ("客户已交定金，准备签约", "准备合同和按揭材料"),
        ("客户仍在比较其他楼盘", "两周后再联系"),
        ("回访入住情况，客户反映物业服务好", ""),
    ],
}
SUBJECTS = {
    "call": "电话回访",
    "visit": "上门拜访",
    "message": "微信沟通",
    "meeting": "洽谈会议",
}
LOST_REASONS = [
    "价格高于竞争对手",
    "客户预算取消",
    "交期无法满足客户要求",
    "客户选择了其他品牌",
    "项目延期至明年，暂不采购",
]
PURPOSES = [
    ("了解新产品和价格", "company"),
    ("洽谈年度采购合作", "company"),
    ("考察工厂生产线", "company"),
    ("咨询车队采购优惠", "fleet"),
    ("试驾新款车型", "fleet"),
    ("看样板间，咨询户型", "person"),
    ("咨询购房贷款", "person"),
]
CALL_TOPICS = [
    ("询问订单发货时间", "已告知预计发货日期"),
    ("要求重新开具发票", "转交业务员处理"),
    ("咨询新产品报价", "记录需求，转业务员回电"),
    ("投诉送货延误", "已登记，转业务员跟进"),
    ("预约下周来访", "已确认来访时间"),
    ("询问售后维修", "转售后服务部"),
    ("推销广告服务", "已婉拒"),
]
COMPLAINTS = [
    ("quality", "产品表面划伤", "收到的一批货中有部分产品表面有划痕，客户要求更换。", "精密轴承 6205"),
    ("complaint", "送货延误三天", "约定的交货日期延误了三天，影响了客户的生产安排。", ""),
    ("feedback", "希望增加电子发票", "客户建议今后统一开具电子发票，便于报销。", ""),
    ("quality", "包装破损", "运输过程中外包装破损，部分产品受潮。", "工业包装箱 B 型"),
    ("complaint", "发票信息错误", "发票抬头与开票信息不符，需要重开。", ""),
    ("complaint", "售后响应慢", "客户报修两天后仍无人联系。", ""),
    ("quality", "车辆异响", "新车行驶 500 公里后底盘有异响。", "商务车 MPV-7"),
    ("feedback", "交房时间咨询", "客户希望了解交房的具体时间和流程。", ""),
    ("complaint", "报价与合同不一致", "合同单价比报价单高出 2%，客户要求解释。", ""),
    ("quality", "尺寸偏差", "部分零件尺寸超出公差，客户已暂停使用该批次。", "齿轮组件 G-40"),
]
RESOLUTIONS = [
    "已补发合格产品，并对包装流程进行了改进。",
    "已与物流公司协调，今后提前两天发货，并赠送运费。",
    "已重新开具发票并快递给客户。",
    "已安排技术人员上门检查并处理。",
]
LETTERS = [
    ("in", "letter", "关于年度采购计划的函", "请于月底前回复报价"),
    ("in", "fax", "订单确认传真", ""),
    ("out", "letter", "关于产品价格调整的通知", ""),
    ("in", "email", "询价函：工业零件一批", "三个工作日内报价"),
    ("out", "parcel", "寄送样品及产品目录", ""),
    ("in", "document", "营业执照变更通知", "更新客户档案"),
    ("out", "letter", "对账函", "请客户盖章回传"),
    ("in", "letter", "质量问题整改要求", "两周内提交整改报告"),
    ("out", "email", "年度合作协议草案", ""),
    ("in", "parcel", "退回不合格产品", "质检部确认"),
    ("out", "fax", "发货通知", ""),
    ("in", "email", "招标邀请函", "按时提交投标文件"),
    ("out", "document", "开票资料确认函", ""),
    ("in", "letter", "催款函回复", "财务部核对"),
    ("out", "letter", "春节放假安排通知", ""),
    ("in", "fax", "补充订单", ""),
]

# ------------------------------------------------------------------------------ the loader

SELLERS = ["sales1", "sales2", "sales3", "sales4", "sales5", "sales6"]
MANAGER_OF = {"east": "manager1", "south": "manager2", "north": "manager3"}
CUSTOMERS_PER_SELLER = 32  # + the customers won from leads: about 200 in all
OPEN_STAGES = ["new", "contacted", "qualified", "quoted", "negotiating"]


@dataclass
class _World:
    """What the steps share: the people, the day, the records made so far."""

    rng: object
    org: object
    today: datetime.date
    now: datetime.datetime
    customers: dict = field(default_factory=dict)  # username → [(customer, business)]
    phones: set = field(default_factory=set)
    names: set = field(default_factory=set)
    since: dict = field(default_factory=dict)  # customer id → the day it became a customer
    back_dated: list = field(default_factory=list)  # (model, pk, {field: value})

    def at(self, day: datetime.date, hour: int = 10, minute: int = 0) -> datetime.datetime:
        """An aware time on `day`, never later than now (a demo record is never in the future)."""
        moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))
        return min(moment, self.now - datetime.timedelta(minutes=5))

    def days_ago(self, low: int, high: int) -> datetime.date:
        return self.today - datetime.timedelta(days=self.rng.randint(low, high))

    def mobile(self) -> str:
        while (number := mobile(self.rng)) in self.phones:
            pass
        self.phones.add(number)
        return number

    def landline(self, city: str) -> str:
        while True:
            number = f"{AREA_CODES[city]}-{self.rng.randint(5000, 8999)} {self.rng.randint(1000, 9999)}"
            if number not in self.phones:
                self.phones.add(number)
                return number


def load(ctx) -> None:
    """Load the customers and everything around them, unless customers exist already (a second
    `load_demo` changes nothing)."""
    # One draw from the shared random source whether or not anything is loaded, so the loaders
    # after this one see the same sequence on a first and on a repeated load.
    rng = random.Random(ctx.rng.random())
    if Customer.objects.exists():
        ctx.say("Customers exist already: the customer demo data is not loaded again.")
        return
    now = timezone.now()
    world = _World(rng=rng, org=ctx.org, today=timezone.localdate(now), now=now)
    _customers(world)
    _documents(world)
    _leads(world)
    _visits(world)
    _follow_ups(world)
    _phone_calls(world)
    _complaints(world)
    _letters(world)
    _back_date(world)
    ctx.counts.update(
        customers=Customer.objects.count(),
        leads=Lead.objects.count(),
        follow_ups=Activity.objects.count(),
        complaints=Feedback.objects.count(),
        letters=Letter.objects.count(),
    )
    ctx.say(
        "Customers and relationships: {customers} customers, {leads} leads, {follow_ups} follow-ups, "
        "{complaints} complaints, {letters} letters.".format(**ctx.counts)
    )


# --- customers ---------------------------------------------------------------------------------


def _company_name(world: _World, city: str, words: list) -> tuple[str, str, str, str]:
    """A new company name in `city`: (Chinese, English, industry, business) from `words`."""
    rng = world.rng
    while True:
        brand, brand_en = rng.choice(BRANDS)
        industry, word, word_en, business = rng.choice(words)
        suffix, suffix_en = rng.choice(SUFFIXES)
        city_en = next(en for cs in CITIES.values() for zh, en in cs if zh == city)
        name = f"{city}{brand}{word}{suffix}"
        key = f"{brand}{word}"
        if key not in world.names:
            world.names.add(key)
            return name, f"{city_en} {brand_en} {word_en} {suffix_en}", industry, business


def _unique_person(world: _World) -> str:
    """A person's name no customer has yet (the duplicate check compares names)."""
    while (name := person_name(world.rng)) in world.names:
        pass
    world.names.add(name)
    return name


def _flat(rng) -> str:
    return f"{rng.choice(RESIDENCES)}{rng.randint(1, 30)}栋{rng.randint(101, 2801)}室"


def _customer_data(world: _World, seller, business: str) -> dict:
    """The fields of one customer of `business` (company / fleet / person) in the seller's region;
    about one file in six is left incomplete (no bank details, address or industry)."""
    rng = world.rng
    region = seller.region.code
    city, _city_en = rng.choice(CITIES[region])
    district = rng.choice(DISTRICTS[city])
    tier = rng.choices(["A", "B", "C"], weights=[2, 4, 4])[0]
    source = rng.choice(["visit", "phone", "referral", "exhibition", "website", "advertising", "dealer"])
    if business == "person":
        name = _unique_person(world)
        industry = rng.choice([APARTMENT_BUYER, APARTMENT_BUYER, CAR_BUYER])
        return {
            "kind": "person",
            "name": name,
            "tier": tier,
            "region": region,
            "industry": industry,
            "source": source,
            "phone": world.mobile(),
            "address": "" if rng.random() < 0.15 else f"{city}市{district}{_flat(rng)}",
        }
    words = (
        [(*w, "company") for w in MANUFACTURING] if business == "company" else [(*w, "fleet") for w in FLEET]
    )
    name, name_en, industry, _business = _company_name(world, city, words)
    incomplete = rng.random() < 0.18
    road = rng.choice(ROADS)
    address = f"{city}市{district}{road}{rng.randint(1, 999)}号"
    bank = rng.choice(BANKS)
    data = {
        "kind": "company",
        "name": name,
        "name_en": name_en if rng.random() < 0.45 else "",
        "tier": tier,
        "region": region,
        "industry": "" if incomplete and rng.random() < 0.3 else industry,
        "source": source,
        "phone": world.landline(city),
        "email": f"info@{name_en.split()[1].lower().replace(chr(39), '')}{rng.randint(10, 99)}.example",
        "address": address,
        "website": "",
        "tax_id": tax_id(rng),
        "invoice_name": name,
        "bank_name": f"{bank}{city}{district}支行",
        "bank_account": f"{rng.randint(10**15, 10**16 - 1)}{rng.randint(100, 999)}",
        "invoice_address": address,
        "invoice_phone": world.landline(city),
    }
    if incomplete:  # 开票信息 not yet collected: shows in the incomplete-files list
        for key in rng.sample(["bank_name", "bank_account", "tax_id", "invoice_name"], k=rng.randint(1, 3)):
            data[key] = ""
    return data


def _customers(world: _World) -> None:
    """32 customers per salesperson: two thirds companies buying the factory's products, one
    sixth fleet companies and car buyers, one sixth private apartment and car buyers; companies
    get one to three contacts. Created over the last three years (back-dated)."""
    rng = world.rng
    for username in SELLERS:
        seller = world.org.people[username]
        world.customers[username] = []
        for i in range(CUSTOMERS_PER_SELLER):
            business = "company" if i % 6 < 4 else ("fleet" if i % 6 == 4 else "person")
            customer = customer_services.customer_create(
                by=seller, data=_customer_data(world, seller, business)
            )
            created = world.since[customer.pk] = world.days_ago(30, 1000)
            world.back_dated.append((Customer, customer.pk, {"created_at": world.at(created, 9)}))
            if customer.kind == Customer.Kind.COMPANY and rng.random() < 0.93:
                for k in range(rng.choice([1, 1, 2, 2, 3])):
                    customer_services.contact_create(
                        by=seller,
                        customer_id=customer.pk,
                        data={
                            "name": person_name(rng),
                            "title": TITLES[k] if k < 2 else rng.choice(TITLES),
                            "phone": world.mobile(),
                            "email": "",
                            "is_primary": k == 0,
                        },
                    )
            world.customers[username].append((customer, business))


# --- documents ---------------------------------------------------------------------------------


def _pdf(title: str, lines: list[str]) -> bytes:
    """A small one-page PDF (ASCII text) standing in for a scan."""
    text = (
        "BT /F1 14 Tf 72 760 Td ("
        + title
        + ") Tj ET "
        + " ".join(f"BT /F1 11 Tf 72 {730 - 18 * i} Td ({line}) Tj ET" for i, line in enumerate(lines))
    )
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        "/Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(text)} >>\nstream\n{text}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = "%PDF-1.4\n", []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n{body}\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n"
    out += "".join(f"{o:010d} 00000 n \n" for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
    return out.encode("ascii")


def _documents(world: _World) -> None:
    """Business licences (one expired, three expiring within 30 days, the rest later), invoicing
    sheets and contract scans for some companies; the clerk has verified about half of them."""
    rng, clerk = world.rng, world.org.people["clerk"]
    companies = [
        (username, c)
        for username in SELLERS
        for c, business in world.customers[username][:8]
        if c.kind == Customer.Kind.COMPANY
    ]
    expiries = [-12, 9, 18, 27] + [rng.randint(120, 1500) for _ in range(len(companies))]
    for n, (username, customer) in enumerate(companies[:24]):
        seller = world.org.people[username]
        kind = "licence" if n < 14 else ("invoicing" if n < 19 else "contract_scan")
        number = customer.tax_id or f"DOC{rng.randint(100000, 999999)}"
        expires = world.today + datetime.timedelta(days=expiries[n]) if kind == "licence" else None
        title = {"licence": "Business licence", "invoicing": "Invoicing data", "contract_scan": "Contract"}[
            kind
        ]
        doc = customer_services.document_upload(
            by=seller,
            customer_id=customer.pk,
            kind=kind,
            file=ContentFile(
                _pdf(
                    title, [f"Customer {customer.code}", f"Number {number}", f"Valid until {expires or '-'}"]
                ),
                name=f"{kind}-{customer.code}.pdf",
            ),
            number=number if kind != "contract_scan" else f"HT-{world.today.year - 1}-{n + 1:03d}",
            expires_on=expires,
        )
        uploaded = world.days_ago(40, 400)
        dates = {"uploaded_at": world.at(uploaded, 14)}
        if n % 2 == 0 or n < 2:
            customer_services.document_verify(by=clerk, document_id=doc.pk)
            dates["verified_at"] = world.at(uploaded + datetime.timedelta(days=rng.randint(1, 5)), 11)
        world.back_dated.append((CustomerDocument, doc.pk, dates))


# --- leads and visitor receptions ----------------------------------------------------------------

# The final stage of each salesperson's ten leads: every stage is present for everyone.
LEAD_PLAN = [
    "new",
    "contacted",
    "contacted",
    "qualified",
    "quoted",
    "negotiating",
    "won",
    "won",
    "lost",
    "lost",
]


def _amount(rng, business: str) -> Decimal:
    low, high = {"company": (50, 2000), "fleet": (300, 5000), "person": (150, 800)}[business]
    return (
        Decimal(rng.randint(low, high) * 10_000)
        if business != "person"
        else Decimal(rng.randint(low, high) * 10_000)
    )


def _lead_data(world: _World, seller, business: str) -> dict:
    rng = world.rng
    city, _ = rng.choice(CITIES[seller.region.code])
    if business == "person":
        contact = _unique_person(world)  # becomes the customer's name if the lead is won
        name = f"{contact}（{rng.choice(['购房', '购车'])}意向）"
    else:
        words = (
            [(*w, "company") for w in MANUFACTURING]
            if business == "company"
            else [(*w, "fleet") for w in FLEET]
        )
        name = _company_name(world, city, words)[0]
        contact = person_name(rng)
    return {
        "name": name,
        "contact_name": contact,
        "phone": world.mobile(),
        "source": rng.choice(["visit", "phone", "referral", "exhibition", "website", "advertising"]),
        "expected_amount": _amount(rng, business),
        "expected_on": world.today + datetime.timedelta(days=rng.randint(-30, 120)),
    }


def _moments(world: _World, start: datetime.date, steps: int) -> list[datetime.datetime]:
    """`steps` increasing times from `start`, a few days to three weeks apart, all in the past."""
    rng, out, day = world.rng, [], start
    for _ in range(steps):
        day = min(day + datetime.timedelta(days=rng.randint(3, 21)), world.today - datetime.timedelta(days=1))
        out.append(world.at(day, rng.randint(9, 17), rng.randint(0, 59)))
    return sorted(out)


def _leads(world: _World) -> None:
    """Ten leads per salesperson created over the last twelve months and moved through the
    stages (history back-dated through the services' `at`): every stage is represented; won
    leads created a new customer or were linked to an existing one; lost ones say why."""
    rng = world.rng
    for username in SELLERS:
        seller = world.org.people[username]
        for i, final in enumerate(LEAD_PLAN):
            business = rng.choice(["company", "company", "fleet", "person"])
            path = ["new", *OPEN_STAGES[1 : (OPEN_STAGES.index(final) + 1) if final in OPEN_STAGES else 5]]
            if final in ("won", "lost"):
                path = path[: rng.randint(3, 5)]  # closed from some open stage
            start = world.days_ago(20, 360)
            times = [world.at(start, 10), *_moments(world, start, len(path) - 1 + (final in ("won", "lost")))]
            lead = lead_services.lead_create(by=seller, data=_lead_data(world, seller, business), at=times[0])
            for stage, moment in zip(path[1:], times[1:], strict=False):
                lead = lead_services.lead_move(by=seller, lead_id=lead.pk, stage_code=stage, at=moment)
            if final == "lost":
                lead_services.lead_move(
                    by=seller,
                    lead_id=lead.pk,
                    stage_code="lost",
                    lost_reason=rng.choice(LOST_REASONS),
                    at=times[-1],
                )
            elif final == "won" and i % 2 == 0:
                # a new customer comes from the lead (created "then": back-dated below)
                lead = lead_services.lead_win(
                    by=seller,
                    lead_id=lead.pk,
                    customer_data=(
                        {"kind": "person", "name": lead.contact_name, "tier": "B"}
                        if business == "person"
                        else {"kind": "company", "tier": "B"}
                    ),
                    note="签订合同",
                    at=times[-1],
                )
                world.back_dated.append((Customer, lead.customer_id, {"created_at": times[-1]}))
                world.since[lead.customer_id] = timezone.localdate(times[-1])
                world.customers[username].append((Customer.objects.get(pk=lead.customer_id), business))
            elif final == "won":
                existing = rng.choice(world.customers[username][:CUSTOMERS_PER_SELLER])[0]
                lead_services.lead_win(
                    by=seller, lead_id=lead.pk, customer_id=existing.pk, note="老客户追加订单", at=times[-1]
                )


def _visits(world: _World) -> None:
    """Three visitor receptions per salesperson over the last six months; one in three created a
    lead (its creation back-dated to the visit)."""
    rng = world.rng
    for username in SELLERS:
        seller = world.org.people[username]
        for i in range(3):
            purpose, business = rng.choice(PURPOSES)
            known = world.customers[username][rng.randrange(CUSTOMERS_PER_SELLER)][0] if i == 0 else None
            visited = world.at(world.days_ago(1, 180), rng.randint(9, 16), rng.choice([0, 15, 30, 45]))
            city, _ = rng.choice(CITIES[seller.region.code])
            company = known.name if known else ""
            if not known and business != "person":
                words = (
                    [(*w, "company") for w in MANUFACTURING]
                    if business == "company"
                    else [(*w, "fleet") for w in FLEET]
                )
                company = _company_name(world, city, words)[0]
            visit = lead_services.visit_create(
                by=seller,
                data={
                    "visited_at": visited,
                    "visitor_name": person_name(rng),
                    "company": company,
                    "phone": world.mobile(),
                    "people": rng.choice([1, 1, 2, 3]),
                    "purpose": purpose,
                    "customer_id": known.pk if known else None,
                },
                create_lead=i == 2,
            )
            if visit.lead_id:
                # the lead was created "at the desk": its creation and first stage date from the visit
                world.back_dated.append(
                    (Lead, visit.lead_id, {"created_at": visited, "stage_changed_at": visited})
                )
                LeadStageChange.objects.filter(lead_id=visit.lead_id).update(at=visited)


# --- follow-ups and the phone log ---------------------------------------------------------------


def _log(world: _World, seller, activity, business: str, day: datetime.date, next_due: datetime.date):
    """Log `activity` as done on `day` (in the past) and plan the next one on `next_due`."""
    rng = world.rng
    result, next_step = rng.choice(RESULTS[business])
    done = activity_services.activity_log(
        by=seller,
        activity_id=activity.pk,
        result=result % {"n": rng.randint(5, 80)} if "%(n)s" in result else result,
        next_step=next_step,
        next_due_on=next_due,
        kind=rng.choice(["call", "call", "visit", "message", "meeting"]),
        done_at=world.at(day, rng.randint(9, 17), rng.randint(0, 59)),
    )
    world.back_dated.append((Activity, activity.pk, {"created_at": world.at(activity.due_on, 8)}))
    return done.next_follow_up


def _follow_ups(world: _World) -> None:
    """A year of follow-ups per customer at its tier's rhythm (A about monthly, B every two
    months, C quarterly), each logged with a result and the next one planned. The last one of
    each customer stays planned: for every salesperson two fall due today and three are overdue,
    the rest lie ahead. Open leads get a planned follow-up too."""
    rng = world.rng
    for username in SELLERS:
        seller = world.org.people[username]
        for n, (customer, business) in enumerate(world.customers[username]):
            step = customer.tier.revisit_days if customer.tier_id else 90
            start = max(world.since[customer.pk], world.today - datetime.timedelta(days=365))
            day = min(
                start + datetime.timedelta(days=rng.randint(1, 45)), world.today - datetime.timedelta(days=1)
            )
            activity = activity_services.activity_plan(
                by=seller,
                data={"customer_id": customer.pk, "kind": "call", "subject": SUBJECTS["call"], "due_on": day},
            )
            while True:
                # people keep the tier's rhythm only roughly, and rather late than early
                following = day + datetime.timedelta(days=step + rng.randint(-5, 20))
                if following < world.today:
                    activity = _log(world, seller, activity, business, day, following)
                    day = following
                    continue
                if n < 2:  # due today
                    last_due = world.today
                elif n < 5:  # overdue: planned for a day that has passed
                    last_due = max(day, world.today - datetime.timedelta(days=rng.randint(2, 20)))
                else:
                    last_due = following
                _log(world, seller, activity, business, day, last_due)
                break
        for lead in Lead.objects.filter(owner=seller, stage__outcome="open").order_by("pk"):
            activity_services.activity_plan(
                by=seller,
                data={
                    "lead_id": lead.pk,
                    "kind": rng.choice(["call", "visit"]),
                    "subject": f"跟进线索：{lead.name}"[:200],
                    "due_on": world.today + datetime.timedelta(days=rng.randint(-3, 21)),
                },
            )


def _phone_calls(world: _World) -> None:
    """The clerk's phone log over the last two months: customers recognised by their number,
    strangers, calls handed to the salespeople."""
    rng, clerk = world.rng, world.org.people["clerk"]
    for i in range(30):
        username = rng.choice(SELLERS)
        customer = rng.choice(world.customers[username])[0] if i % 3 else None
        topic, result = rng.choice(CALL_TOPICS)
        activity_services.phone_call_create(
            by=clerk,
            data={
                "called_at": world.at(world.days_ago(0, 60), rng.randint(8, 17), rng.randint(0, 59)),
                "caller": person_name(rng) + rng.choice(["先生", "女士", ""]),
                "number": customer.phone if customer else world.mobile(),
                "topic": topic,
                "result": result,
                "handed_to_id": world.org.people[username].pk
                if result.startswith("转") or customer
                else None,
            },
        )


# --- complaints and correspondence ---------------------------------------------------------------

# The status each complaint ends in: a few in every status; the first in-progress one is past
# its deadline.
FEEDBACK_PLAN = ["open"] * 2 + ["in_progress"] * 3 + ["resolved"] * 2 + ["confirmed"] * 3


def _complaints(world: _World) -> None:
    """Ten pieces of feedback from customers, logged by their salesperson, routed by the team's
    manager, worked on, resolved and confirmed with the customer (dates back-dated)."""
    rng = world.rng
    for n, final in enumerate(FEEDBACK_PLAN):
        username = SELLERS[n % len(SELLERS)]
        seller = world.org.people[username]
        manager = world.org.people[MANAGER_OF[seller.team.code]]
        customer = world.customers[username][n + 3][0]
        kind, subject, description, product = COMPLAINTS[n]
        received = world.days_ago(3, 14) if final in ("open", "in_progress") else world.days_ago(20, 200)
        past_deadline = final == "in_progress" and n == 2
        deadline = (
            world.today - datetime.timedelta(days=2)
            if past_deadline
            else received + datetime.timedelta(days=rng.randint(7, 30))
        )
        feedback = feedback_services.feedback_create(
            by=seller,
            customer_id=customer.pk,
            kind=kind,
            subject=subject,
            description=description,
            received_on=received,
            deadline=max(deadline, received),
            product_name=product,
        )
        steps = [world.at(received, 9)]
        if final != "open" or n == 1:
            department = "quality" if kind == "quality" else rng.choice(["sales", "logistics", "service"])
            feedback = feedback_services.feedback_route(
                by=manager,
                feedback_id=feedback.pk,
                department=department,
                deadline=max(deadline, received),
                assignee_id=seller.pk if department == "sales" else manager.pk,
                note="请尽快处理",
            )
            steps.append(world.at(received, 11))
        handler = (
            world.org.people[MANAGER_OF[seller.team.code]] if feedback.assignee_id == manager.pk else seller
        )
        if final in ("in_progress", "resolved", "confirmed"):
            feedback_services.feedback_start(by=handler, feedback_id=feedback.pk, note="已联系客户了解情况")
            steps.append(world.at(received + datetime.timedelta(days=1), 10))
        if final in ("resolved", "confirmed"):
            feedback_services.feedback_resolve(
                by=handler, feedback_id=feedback.pk, resolution=rng.choice(RESOLUTIONS)
            )
            steps.append(world.at(received + datetime.timedelta(days=rng.randint(3, 8)), 15))
        if final == "confirmed":
            feedback_services.feedback_confirm(
                by=seller, feedback_id=feedback.pk, customer_response="客户表示满意"
            )
            steps.append(world.at(received + datetime.timedelta(days=rng.randint(9, 12)), 16))
        for step, moment in zip(
            FeedbackStep.objects.filter(feedback=feedback).order_by("pk"), steps, strict=True
        ):
            world.back_dated.append((FeedbackStep, step.pk, {"at": moment}))
        dates = {"created_at": steps[0]}
        if final in ("resolved", "confirmed"):
            dates["resolved_at"] = steps[3]
        if final == "confirmed":
            dates["confirmed_at"] = steps[4]
        world.back_dated.append((Feedback, feedback.pk, dates))


def _letters(world: _World) -> None:
    """Sixteen letters, faxes, e-mails and parcels in and out over the last four months,
    registered by the clerk and handled by the salespeople; some with a scan attached, some done,
    some waiting with a follow-up date (one of them overdue)."""
    rng, clerk = world.rng, world.org.people["clerk"]
    for n, (direction, kind, subject, follow) in enumerate(LETTERS):
        username = SELLERS[n % len(SELLERS)]
        handler = world.org.people[username]
        customer = world.customers[username][n + 10][0]
        day = world.days_ago(2, 120)
        attachment = None
        if n % 3 == 0:
            attachment = ContentFile(
                _pdf("Letter", [f"Register {n + 1}", f"Date {day}"]), name=f"letter-{n + 1}.pdf"
            )
        follow_up = None
        if follow:
            follow_up = (
                world.today - datetime.timedelta(days=3)
                if n == 3
                else day + datetime.timedelta(days=rng.randint(10, 40))
            )
        letter = letter_services.letter_create(
            by=clerk,
            direction=direction,
            kind=kind,
            date=day,
            counterpart=customer.name,
            subject=subject,
            customer_id=customer.pk,
            reference=f"{customer.code[-4:]}-{rng.randint(100, 999)}" if direction == "in" else "",
            handler_id=handler.pk,
            follow_up_on=max(follow_up, day) if follow_up else None,
            attachment=attachment,
        )
        dates = {"created_at": world.at(day, 9)}
        if n != 3 and (not follow or (follow_up and follow_up < world.today - datetime.timedelta(days=7))):
            letter_services.letter_done(by=handler, letter_id=letter.pk, outcome="已处理完毕并归档")
            dates["done_at"] = world.at(min(follow_up or day, world.today), 16)
        world.back_dated.append((Letter, letter.pk, dates))


# --- history -----------------------------------------------------------------------------------


def _back_date(world: _World) -> None:
    """Give the records their real dates. The services stamp `now()` on what they create; the
    demo history happened over the last year, so its timestamps are set afterwards with one
    queryset .update() per record (demo data only; no service is bypassed for a business
    change)."""
    for model, pk, values in world.back_dated:
        model.objects.filter(pk=pk).update(**values)
