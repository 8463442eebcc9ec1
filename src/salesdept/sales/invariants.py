"""What must always be true of the sales documents (../shared/INVARIANTS.md), registered with
core.invariants (`salesdept manage check_invariants` and after every test flow).

- I6: per contract line, Σ quantity of its non-cancelled order lines ≤ the contracted quantity;
  an order line of a contract points to a line of its order's own contract.
- I8: inquiry, quotation, contract and order numbers read PREFIX-YYYY-NNNNNN (a quotation
  revision `<base>-R<n>`, a contract amendment `<original>-A<n>`), are unique per type, and are
  not from a year after the document was created. (Core's I8 rules check the numbered Documents
  — contracts and orders — for the sequence and gaps too.)
- I10: core's generic I10 rules already cover contracts (every concrete Document: never the
  preparer, never an earlier approver of the round, states along TRANSITIONS); here in addition:
  an amendment's lines replace lines of the contract it amends only.

Each rule is a few queries, never one per document."""

import re
from decimal import Decimal

from django.db.models import CharField, Count, F, Q, Sum, Value
from django.db.models.functions import Cast, Coalesce, Concat
from django.utils import timezone

from salesdept.core.invariants import rule
from salesdept.stats.models import Kind, Source
from salesdept.stats.selectors import document_fact_mismatches

from .models import Contract, ContractLine, Inquiry, OrderStatus, Quotation, SalesOrder, SalesOrderLine

LIMIT = 20  # lines reported per rule


@rule("I6")
def ordered_within_contract() -> list[str]:
    """Per contract line: Σ non-cancelled order line quantity ≤ contracted quantity."""
    live = ~Q(order_lines__order__status=OrderStatus.CANCELLED)
    zero = Value(0, output_field=ContractLine._meta.get_field("quantity"))
    rows = (
        ContractLine.objects.annotate(ordered=Coalesce(Sum("order_lines__quantity", filter=live), zero))
        .filter(ordered__gt=F("quantity"))
        .values("pk", "contract__number", "position", "quantity", "ordered")
        .order_by("pk")[:LIMIT]
    )
    return [
        f"contract {r['contract__number']} line {r['position']} (#{r['pk']}): ordered {r['ordered']} "
        f"> contracted {r['quantity']}"
        for r in rows
    ]


@rule("I6")
def order_lines_follow_their_contract() -> list[str]:
    """An order line's contract line belongs to the order's contract; a contract order's lines
    all come from the contract."""
    bad = SalesOrderLine.objects.filter(
        Q(contract_line__isnull=False, order__contract__isnull=True)
        | Q(contract_line__isnull=False) & ~Q(contract_line__contract_id=F("order__contract_id"))
    ).values("pk", "order__number")[:LIMIT]
    return [f"order {r['order__number']} line #{r['pk']} points to a line of another contract" for r in bad]


# --- I8 ------------------------------------------------------------------------------------

YEAR_NUMBER = r"[0-9]{4}-[0-9]{6,}"


def _pattern(prefix: str, suffix: str = "") -> re.Pattern:
    return re.compile(rf"^{re.escape(prefix)}-({YEAR_NUMBER}){suffix}$")


def _check_numbers(model, prefix: str, rows, *, suffix: str = "", label: str) -> list[str]:
    out = []
    pattern = _pattern(prefix, suffix)
    for pk, number, created_at in rows:
        match = pattern.match(number or "")
        if match is None:
            out.append(f"{label} #{pk}: number {number!r} does not read {prefix}-YYYY-NNNNNN")
        elif created_at is not None and int(match.group(1)[:4]) > timezone.localtime(created_at).year:
            out.append(f"{label} #{pk}: number {number} is from a year after its creation")
        if len(out) >= LIMIT:
            break
    dups = model._base_manager.values("number").annotate(n=Count("pk")).filter(n__gt=1).order_by("number")
    out.extend(f"{label}: number {d['number']} is used {d['n']} times" for d in dups[:LIMIT])
    return out


@rule("I8")
def sales_numbers_well_formed() -> list[str]:
    """Inquiries, quotations (revisions -R<n>), contracts (amendments -A<n>) and orders."""
    out = []
    fields = ("pk", "number", "created_at")
    out += _check_numbers(
        Inquiry, Inquiry.NUMBER_PREFIX, Inquiry.objects.values_list(*fields).iterator(), label="inquiry"
    )
    out += _check_numbers(
        Quotation,
        Quotation.NUMBER_PREFIX,
        Quotation.objects.values_list(*fields).iterator(),
        suffix=r"(-R[0-9]+)?",
        label="quotation",
    )
    wrong_revision = (
        Quotation.objects.filter(revision__gt=1)
        .exclude(number=Concat(F("base_number"), Value("-R"), Cast(F("revision"), CharField())))
        .values_list("pk", "number", "revision")[:LIMIT]
    )
    out += [f"quotation #{pk}: number {n} does not end in -R{rev}" for pk, n, rev in wrong_revision]
    out += [
        f"quotation #{pk}: first revision numbered {n}, not its base number"
        for pk, n in Quotation.objects.filter(revision=1)
        .exclude(number=F("base_number"))
        .values_list("pk", "number")[:LIMIT]
    ]
    out += _check_numbers(
        Contract,
        Contract.NUMBER_PREFIX,
        Contract.objects.values_list(*fields).iterator(),
        suffix=r"(-A[0-9]+)?",
        label="contract",
    )
    amendments = Contract.objects.filter(amendment_of__isnull=False).values_list(
        "pk", "number", "amendment_no"
    )
    for pk, number, n in amendments.iterator():
        if not number.endswith(f"-A{n}"):
            out.append(f"contract #{pk}: amendment {n} numbered {number}")
    out += _check_numbers(
        SalesOrder,
        SalesOrder.NUMBER_PREFIX,
        SalesOrder.objects.values_list(*fields).iterator(),
        label="order",
    )
    return out


# --- I10 (contracts) -----------------------------------------------------------------------


@rule("I10")
def amendments_replace_their_original() -> list[str]:
    """A line of an amendment replaces a line of the very contract it amends."""
    rows = (
        ContractLine.objects.filter(replaces__isnull=False)
        .exclude(replaces__contract_id=F("contract__amendment_of_id"))
        .values_list("pk", "contract__number")[:LIMIT]
    )
    return [f"contract {n} line #{pk} replaces a line of another contract" for pk, n in rows]


def _cents(amount) -> Decimal:
    return Decimal(str(amount or 0)).quantize(Decimal("0.01"))


@rule("I12")
def fulfillment_statistics_add_up() -> list[str]:
    """The fulfillment statistics (合同履行统计) equal the contracts they cover: for every year with
    signed contracts and each dimension, every row's count and amount equal a plain GROUP BY of
    the contracts in force signed that year, and nothing is left out or counted twice."""
    from .selectors.fulfillment import IN_FORCE, statistics_of

    in_force = Contract.objects.filter(status__in=[str(s) for s in IN_FORCE], signed_on__isnull=False)
    years = sorted({d.year for d in in_force.dates("signed_on", "year")})
    out = []
    for year in years:
        of_year = in_force.filter(signed_on__year=year)
        for dimension, path in (("region", "customer__region_id"), ("salesperson", "owner_id")):
            # SQLite sums decimals as floats: compare to the cent
            expected = {
                row["key"]: (row["n"], _cents(row["amount"]))
                for row in of_year.values(key=F(path))
                .annotate(n=Count("pk"), amount=Sum("total_amount"))
                .order_by()
            }
            report = statistics_of(Contract.objects, period="year", year=year, dimension=dimension)
            got = {row.key: (row.signed, _cents(row.amount)) for row in report.rows}
            for key in sorted(set(expected) | set(got), key=str):
                n, amount = expected.get(key, (0, _cents(0)))
                if got.get(key) != (n, amount):
                    out.append(
                        f"fulfillment statistics {year} by {dimension} {key}: {got.get(key)} "
                        f"but the contracts give ({n}, {amount})"
                    )
    return out[:LIMIT]


# --- I12 -----------------------------------------------------------------------------------


@rule("I12")
def ordered_facts_equal_the_orders() -> list[str]:
    """The statistics count every confirmed order once, at its total (stats.SalesFact, recorded
    on confirmation), and a cancelled or draft order at nothing (a cancellation takes it back)."""
    zero = Decimal("0.00")
    expected = {
        pk: (number, total if status == OrderStatus.CONFIRMED else zero)
        for pk, number, status, total in SalesOrder.objects.values_list(
            "pk", "number", "status", "total_amount"
        )
    }
    return document_fact_mismatches(source=Source.ORDER, kind=Kind.ORDERED, expected=expected)
