"""The history import workload (issue 7, P2): `import_history()` — what `salesdept import sales`
and the page **Import sales history** call — over a generated file of 10,000 past order lines
(2,000 with `SALESDEPT_BENCH_QUICK=1`) into the bench database: 2,500 orders of 4 lines, 300 new
customers, 500 new products in 7 categories, the bench's regions and salespeople. Then the same
file again, which must add nothing (matched by order number and line). Target: 10,000 lines in
under 30 s.

Each call writes new order numbers (a prefix per call), so the facts stay in the database as
posted history and `check_invariants` (I12: totals = facts) runs over them afterwards."""

import csv
import io
import os
import time

FULL_LINES = 10_000
QUICK_LINES = 2_000
WARMUP_LINES = 100
IMPORTER = "director"
HEADER = [
    "Order number", "Line", "Order date", "Ship date", "Customer name", "Region", "Salesperson",
    "Product code", "Product name", "Product category", "Quantity", "Unit price", "Discount", "Margin",
]  # fmt: skip


def _lines() -> int:
    return QUICK_LINES if os.environ.get("SALESDEPT_BENCH_QUICK") == "1" else FULL_LINES


def history_file(prefix: str, lines: int, regions: list[str], people: list[str]) -> bytes:
    """A CSV in the documented template: 4 lines an order over the last three years."""
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for n in range(lines):
        order, customer = n // 4, (n // 4) % 300
        month = f"{2023 + order % 3}-{order % 12 + 1:02d}"
        writer.writerow(
            [
                f"{prefix}-{order:05d}", n % 4 + 1, f"{month}-{order % 28 + 1:02d}",
                "" if order % 5 else f"{month}-28", f"{prefix}历史客户{customer:04d}",
                regions[customer % len(regions)], people[customer % len(people)], f"{prefix}-P{n % 500:04d}",
                f"历史产品{n % 500}", f"历史类别{n % 7}", 1 + n % 5, f"{10 + n % 90}.50",
                "0.1" if n % 3 == 0 else "", f"{n % 9}.00",
            ]
        )  # fmt: skip
    return out.getvalue().encode("utf-8")


def measure_history_import_service(params: dict, n: int) -> dict:
    """One import of the generated file (the warm-up call: 100 lines), then the same file again."""
    from salesdept.accounts.models import Region, User
    from salesdept.core.imports import read_table
    from salesdept.stats.history import import_history

    from .inprocess import WARMUP

    lines = WARMUP_LINES if n <= WARMUP else _lines()
    importer = User.objects.get(username=IMPORTER)
    regions = list(Region.objects.order_by("pk").values_list("code", flat=True)[:4])
    people = list(
        User.objects.filter(is_active=True, username__startswith="sales")
        .order_by("pk")
        .values_list("username", flat=True)[:20]
    ) or [IMPORTER]
    prefix = f"H{time.time_ns() % 10**9:09d}"
    data = history_file(prefix, lines, regions, people)
    started = time.perf_counter()
    result = import_history(by=importer, table=read_table(data, "history.csv"))
    seconds = time.perf_counter() - started
    started = time.perf_counter()
    again = import_history(by=importer, table=read_table(data, "history.csv"))
    again_seconds = time.perf_counter() - started
    errors = len(result.errors) + (result.created != lines) + (again.created != 0) + len(again.errors)
    return {
        "lines": lines,
        "seconds": round(seconds, 2),
        "lines_per_s": round(lines / seconds, 1),
        "again_seconds": round(again_seconds, 2),
        "new_customers": result.new_customers,
        "new_products": result.new_products,
        "errors": errors,
        "requests": 1,
    }


SERVICE_WORKLOADS = [
    (
        "history_import",
        "import_history() 历史销售导入 (salesdept import sales / the page) of 10,000 past order lines "
        "(2,500 orders, 300 new customers, 500 new products), then the same file again (adds "
        "nothing); target < 30 s",
        measure_history_import_service,
    ),
]
