"""The accounts postings use, by code (企业会计准则 numbering). Seeded by migration 0002."""

from django.utils.translation import gettext_lazy as _

BANK = "1002"  # 银行存款
RECEIVABLE = "1122"  # 应收账款
INVENTORY = "1405"  # 库存商品
STOCK_DIFFERENCES = "1901"  # 待处理财产损溢: stocktake variances, corrections, scrap
PAYABLE = "2202"  # 应付账款: goods received from suppliers and production
CUSTOMER_ADVANCES = "2203"  # 预收账款: what customers paid beyond their invoices (their credit)
OUTPUT_VAT = "2221"  # 应交税费—应交增值税（销项税额）
OPENING_BALANCES = "4001"  # 实收资本 / 期初: the stock value found when the ledger started
REVENUE = "6001"  # 主营业务收入
COST_OF_SALES = "6401"  # 主营业务成本
SELLING_EXPENSES = "6601"  # 销售费用: gifts 随车赠品, samples, internal use

# code, English name, Chinese name, kind
CHART = [
    (BANK, _("Bank deposits"), "银行存款", "asset"),
    (RECEIVABLE, _("Accounts receivable"), "应收账款", "asset"),
    (INVENTORY, _("Inventory"), "库存商品", "asset"),
    (STOCK_DIFFERENCES, _("Stock gains and losses"), "待处理财产损溢", "asset"),
    (PAYABLE, _("Accounts payable"), "应付账款", "liability"),
    (CUSTOMER_ADVANCES, _("Customer advances and credits"), "预收账款", "liability"),
    (OUTPUT_VAT, _("Output VAT payable"), "应交税费—销项税额", "liability"),
    (OPENING_BALANCES, _("Opening balances"), "期初余额", "equity"),
    (REVENUE, _("Sales revenue"), "主营业务收入", "revenue"),
    (COST_OF_SALES, _("Cost of goods sold"), "主营业务成本", "expense"),
    (SELLING_EXPENSES, _("Selling expenses"), "销售费用", "expense"),
]
