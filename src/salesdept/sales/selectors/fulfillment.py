"""Contract fulfillment overview 合同履行一览表 and its statistics (S5).

Every figure is read from the documents in one query per table, never stored, so it never needs
re-computing by hand:

- contracted: the contract line (quantity, amount);
- ordered: Σ lines of *confirmed* sales orders linked to the contract line. Drafts are not
  ordered yet (they may still change or be dropped) and cancelled orders no longer are;
- shipped and invoiced (per contract line): the order lines' shipped (net of returns) and invoiced
  quantities, moved by shipping and billing when a shipment, return, invoice or credit note is
  approved; amounts at the order line's unit price;
- paid (per payment milestone): what was paid on the contract's invoices, applied to its
  milestones in order; plugged in by billing through FULFILLMENT_SOURCES below.

States. A milestone is *paid* (paid ≥ amount), *overdue* (its due date has passed and it is not
paid in full), *due* (its due date is known and has not passed) or *not yet due* (`due_on` is
null: its trigger — delivery, acceptance — has not happened). A signed or archived contract is
*fulfilled* when every line is shipped in full and every milestone is paid in full; else
*overdue* when a milestone is overdue or a line is late (the quantity of its deliveries planned
before today exceeds what was shipped of it: shipped ≤ ordered, so this also catches what was not
even ordered in time); else *in progress*. Other contracts (draft, in review, approved,
superseded, cancelled) are *not in force*.

Scope (X1): every read starts from `visible(Contract.objects, user)`; lines, milestones and
deliveries are read through their visible contract. A contract outside the scope answers 404.

Statistics (I12): one GROUP BY over the visible signed/archived contracts of the year, by signing
period (month, quarter, year of `signed_on`) × region (the customer's) or salesperson (the
contract's owner). A superseded contract is not counted: its amendment is, in the period of the
amendment's signing. "amount" columns are contract totals (tax included)."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import django_filters
from django import forms
from django.db import connections, transaction
from django.db.models import (
    Case,
    DateField,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models import CharField as CharFieldType
from django.db.models.functions import Cast, Coalesce, Round, Substr
from django.db.models.query import ModelIterable
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salesdept.accounts.models import Region, User
from salesdept.accounts.scope import region_subtree, visible
from salesdept.catalog.models import MONEY, QUANTITY
from salesdept.core.errors import ValidationFailed
from salesdept.core.forms import DATE_WIDGET
from salesdept.core.permissions import require
from salesdept.crm.models import Customer

from ..models import (
    Contract,
    ContractLine,
    ContractStatus,
    DeliverySchedule,
    OrderStatus,
    PaymentMilestone,
    SalesOrderLine,
)

VIEW_PERMISSION = "sales.view_contract"
IN_FORCE = (ContractStatus.SIGNED, ContractStatus.ARCHIVED)
ZERO = Decimal("0")
PERCENT = Decimal("0.1")
CENT = Decimal("0.01")
MILLI = Decimal("0.001")
# SQLite sums decimals as floats (15 significant digits): every figure read is quantized to its
# column's precision here, and the SQL comparisons round before comparing, so 0.7 + 0.1 shipped
# of 0.8 contracted is "shipped in full" on SQLite as on PostgreSQL.
LINE_QUANTITIES = ("ordered_qty", "shipped_qty", "invoiced_qty", "due_qty")
LINE_AMOUNTS = ("ordered_amount", "shipped_amount", "invoiced_amount")
CONTRACT_AMOUNTS = ("ordered_amount", "shipped_amount", "invoiced_amount", "paid_amount")


def quantized(value, step: Decimal) -> Decimal:
    return ZERO.quantize(step) if value is None else Decimal(value).quantize(step, rounding=ROUND_HALF_UP)


def _as_date(value) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, str):  # SQLite may hand a date back as text
        return datetime.date.fromisoformat(value[:10])
    return value


def _quantize(obj, names, step: Decimal) -> None:
    for name in names:
        setattr(obj, name, quantized(getattr(obj, name), step))


def money_field() -> DecimalField:
    return DecimalField(**MONEY)


def quantity_field() -> DecimalField:
    return DecimalField(**QUANTITY)


def zero_money():
    return Value(ZERO, output_field=money_field())


def zero_quantity():
    return Value(ZERO, output_field=quantity_field())


def sum_of(queryset, field_name: str, output_field: DecimalField):
    """Σ `field_name` over `queryset` as a correlated scalar subquery, 0 when there are no rows.
    The queryset refers to the row being annotated with OuterRef("pk"), e.g.

        sum_of(ShipmentLine.objects.filter(order_line__contract_line=OuterRef("pk"),
                                           shipment__status="approved"), "quantity", quantity_field())

    (SUM without GROUP BY: one row per outer row, whatever the filter matches.)"""
    total = (
        queryset.order_by()
        .annotate(_total=Func(F(field_name), function="SUM", output_field=output_field))
        .values("_total")[:1]
    )
    return Coalesce(Subquery(total, output_field=output_field), Value(ZERO), output_field=output_field)


def ordered_lines():
    """Order lines that count as ordered: of confirmed orders."""
    return SalesOrderLine.objects.filter(order__status=OrderStatus.CONFIRMED)


def _order_lines_of_contract_line():
    return ordered_lines().filter(contract_line=OuterRef("pk"))


def shipped_quantity():
    """Σ shipped (net of returns) of the contract line's confirmed order lines (moved by shipping)."""
    return sum_of(_order_lines_of_contract_line(), "shipped_quantity", quantity_field())


def shipped_amount():
    return sum_of(
        _order_lines_of_contract_line().annotate(
            _value=ExpressionWrapper(F("shipped_quantity") * F("unit_price"), output_field=money_field())
        ),
        "_value",
        money_field(),
    )


def invoiced_quantity():
    """Σ invoiced (net of credit notes) of the contract line's confirmed order lines (billing)."""
    return sum_of(_order_lines_of_contract_line(), "invoiced_quantity", quantity_field())


def invoiced_amount():
    return sum_of(
        _order_lines_of_contract_line().annotate(
            _value=ExpressionWrapper(F("invoiced_quantity") * F("unit_price"), output_field=money_field())
        ),
        "_value",
        money_field(),
    )


# --- the registry the fulfillment issue plugs its documents into ------------------------------
#
# Each entry is a function returning an expression evaluated on one row: a ContractLine for
# "line", a PaymentMilestone for "milestone". Shipped and invoiced come from the order lines'
# own counters (kept by shipping and billing under a lock on the order); "paid" is plugged in by
# billing (billing/fulfillment.py, from its AppConfig.ready()), which sales may not import. The
# overview, the list, the statistics, the exports and the statement PDF read these, with nothing
# else to change. Quantities use QUANTITY precision, amounts MONEY precision (never float).
FULFILLMENT_SOURCES: dict[str, dict[str, Callable[[], object]]] = {
    "line": {
        "shipped_qty": shipped_quantity,
        "shipped_amount": shipped_amount,
        "invoiced_qty": invoiced_quantity,
        "invoiced_amount": invoiced_amount,
    },
    "milestone": {
        "paid": zero_money,  # Σ payments on the contract's invoices, applied to milestones in order
    },
}


def _source(kind: str, name: str):
    return FULFILLMENT_SOURCES[kind][name]()


def line_annotations(today: datetime.date) -> dict:
    """Per contract line: ordered, shipped, invoiced (quantity and amount) and the quantity of its
    deliveries planned before `today` (due_qty)."""
    ordered = ordered_lines().filter(contract_line=OuterRef("pk"))
    due = DeliverySchedule.objects.filter(line=OuterRef("pk"), planned_on__lt=today)
    return {
        "ordered_qty": sum_of(ordered, "quantity", quantity_field()),
        "ordered_amount": sum_of(ordered, "amount", money_field()),
        "shipped_qty": _source("line", "shipped_qty"),
        "shipped_amount": _source("line", "shipped_amount"),
        "invoiced_qty": _source("line", "invoiced_qty"),
        "invoiced_amount": _source("line", "invoiced_amount"),
        "due_qty": sum_of(due, "quantity", quantity_field()),
    }


def _lines_of_contract():
    return ContractLine.objects.filter(contract=OuterRef("pk"))


def _milestones_of_contract():
    return PaymentMilestone.objects.filter(contract=OuterRef("pk"))


def state_expressions(today: datetime.date) -> dict:
    """Boolean expressions on a Contract row: is_fulfilled, is_overdue (the same rules as
    `contract_state`, which judges one contract's annotated lines and milestones in Python)."""
    short = (
        _lines_of_contract().annotate(s=Round(_source("line", "shipped_qty"), 3)).filter(s__lt=F("quantity"))
    )
    unpaid = (
        _milestones_of_contract().annotate(p=Round(_source("milestone", "paid"), 2)).filter(p__lt=F("amount"))
    )
    overdue_milestone = (
        _milestones_of_contract()
        .filter(due_on__lt=today)
        .annotate(p=Round(_source("milestone", "paid"), 2))
        .filter(p__lt=F("amount"))
    )
    due = DeliverySchedule.objects.filter(line=OuterRef("pk"), planned_on__lt=today)
    late_line = (
        _lines_of_contract()
        .filter(Exists(due))  # only lines with a passed delivery are summed
        .annotate(
            d=Round(sum_of(due, "quantity", quantity_field()), 3), s=Round(_source("line", "shipped_qty"), 3)
        )
        .filter(d__gt=F("s"))
    )
    # cheapest test first: the database stops at the first false term
    fulfilled = ~Exists(short) & ~Exists(unpaid) & Exists(_lines_of_contract())
    return {
        "is_fulfilled": fulfilled,
        "overdue_milestone": Exists(overdue_milestone),
        "late_line": Exists(late_line),
    }


def state_case(today: datetime.date) -> Case:
    """The state of a signed/archived Contract row as one CASE: fulfilled, else overdue (a
    milestone overdue or a line late), else in progress. Evaluated once per row, stopping at the
    first condition that holds."""
    expr = state_expressions(today)
    return Case(
        When(expr["is_fulfilled"], then=Value(State.FULFILLED)),
        When(expr["overdue_milestone"], then=Value(State.OVERDUE)),
        When(expr["late_line"], then=Value(State.OVERDUE)),
        default=Value(State.IN_PROGRESS),
        output_field=CharFieldType(),
    )


class State:
    FULFILLED = "fulfilled"
    OVERDUE = "overdue"
    IN_PROGRESS = "in_progress"
    NOT_IN_FORCE = "not_in_force"


STATE_LABELS = {
    State.IN_PROGRESS: _("In progress"),
    State.OVERDUE: _("Overdue"),
    State.FULFILLED: _("Fulfilled"),
    State.NOT_IN_FORCE: _("Not in force"),
}
STATE_COLOURS = {
    State.IN_PROGRESS: "primary",
    State.OVERDUE: "danger",
    State.FULFILLED: "success",
    State.NOT_IN_FORCE: "secondary",
}


class MilestoneState:
    PAID = "paid"
    OVERDUE = "overdue"
    DUE = "due"
    NOT_YET_DUE = "not_yet_due"


MILESTONE_STATE_LABELS = {
    MilestoneState.PAID: _("Paid"),
    MilestoneState.OVERDUE: _("Overdue"),
    MilestoneState.DUE: _("Due"),
    MilestoneState.NOT_YET_DUE: _("Not yet due"),
}
MILESTONE_STATE_COLOURS = {
    MilestoneState.PAID: "success",
    MilestoneState.OVERDUE: "danger",
    MilestoneState.DUE: "warning",
    MilestoneState.NOT_YET_DUE: "secondary",
}


def milestone_state(milestone, today: datetime.date) -> str:
    if milestone.paid >= milestone.amount:
        return MilestoneState.PAID
    if milestone.due_on is None:
        return MilestoneState.NOT_YET_DUE
    if milestone.due_on < today:
        return MilestoneState.OVERDUE
    return MilestoneState.DUE


def contract_state(contract, lines, milestones, today: datetime.date) -> str:
    """The contract's state from its annotated lines and milestones (see the module docstring)."""
    if contract.status not in IN_FORCE:
        return State.NOT_IN_FORCE
    shipped = bool(lines) and all(line.shipped_qty >= line.quantity for line in lines)
    paid = all(m.paid >= m.amount for m in milestones)
    if shipped and paid:
        return State.FULFILLED
    if any(m.state == MilestoneState.OVERDUE for m in milestones) or any(
        line.due_qty > line.shipped_qty for line in lines
    ):
        return State.OVERDUE
    return State.IN_PROGRESS


def percent(part: Decimal, whole: Decimal) -> Decimal:
    """part / whole in percent, 0.1 precision; 0 when whole is 0."""
    if not whole:
        return Decimal("0.0")
    return (Decimal(part) * 100 / Decimal(whole)).quantize(PERCENT, rounding=ROUND_HALF_UP)


# --- one contract -------------------------------------------------------------------------------


@dataclass
class Totals:
    contracted_amount: Decimal = ZERO
    ordered_amount: Decimal = ZERO
    shipped_amount: Decimal = ZERO
    invoiced_amount: Decimal = ZERO
    paid_amount: Decimal = ZERO

    @property
    def outstanding_amount(self) -> Decimal:
        return self.contracted_amount - self.paid_amount

    @property
    def uninvoiced_amount(self) -> Decimal:
        return self.shipped_amount - self.invoiced_amount


@dataclass
class Overview:
    contract: Contract
    lines: list
    milestones: list
    deliveries: list
    state: str
    totals: Totals
    today: datetime.date

    @property
    def state_label(self):
        return STATE_LABELS[self.state]

    @property
    def state_colour(self) -> str:
        return STATE_COLOURS[self.state]


def _overview_of(contract: Contract, today: datetime.date) -> Overview:
    lines = list(
        ContractLine.objects.filter(contract=contract)
        .select_related("product")
        .annotate(**line_annotations(today))
        .order_by("position", "pk")
    )
    for line in lines:
        _quantize(line, LINE_QUANTITIES, MILLI)
        _quantize(line, LINE_AMOUNTS, CENT)
        line.ordered_pct = percent(line.ordered_qty, line.quantity)
        line.shipped_pct = percent(line.shipped_qty, line.quantity)
        line.invoiced_pct = percent(line.invoiced_qty, line.quantity)
        line.late = line.due_qty > line.shipped_qty and contract.status in IN_FORCE
    milestones = list(
        PaymentMilestone.objects.filter(contract=contract)
        .annotate(paid=_source("milestone", "paid"))
        .order_by("position", "pk")
    )
    for m in milestones:
        m.paid = quantized(m.paid, CENT)
        m.outstanding = m.amount - m.paid
        m.state = milestone_state(m, today)
        m.state_label = MILESTONE_STATE_LABELS[m.state]
        m.state_colour = MILESTONE_STATE_COLOURS[m.state]
        m.paid_pct = percent(m.paid, m.amount)
    deliveries = list(
        DeliverySchedule.objects.filter(contract=contract).select_related("line").order_by("planned_on", "pk")
    )
    totals = Totals(
        contracted_amount=contract.total_amount,
        ordered_amount=sum((line.ordered_amount for line in lines), ZERO),
        shipped_amount=sum((line.shipped_amount for line in lines), ZERO),
        invoiced_amount=sum((line.invoiced_amount for line in lines), ZERO),
        paid_amount=sum((m.paid for m in milestones), ZERO),
    )
    return Overview(
        contract=contract,
        lines=lines,
        milestones=milestones,
        deliveries=deliveries,
        state=contract_state(contract, lines, milestones, today),
        totals=totals,
        today=today,
    )


def contract_overview(*, user, contract_id: int, today: datetime.date | None = None) -> Overview:
    """One contract's fulfillment: its lines (contracted, ordered, shipped, invoiced), milestones
    (paid, outstanding, state), deliveries and state. Four indexed queries; 404 out of scope."""
    require(user, VIEW_PERMISSION)
    contract = get_object_or_404(
        visible(Contract.objects, user).select_related("customer", "customer__region", "owner"),
        pk=contract_id,
    )
    return _overview_of(contract, today or timezone.localdate())


# --- the list (合同履行一览表) ----------------------------------------------------------------------


def contract_totals(today: datetime.date) -> dict:
    """Per-contract sums for the list and the exports: ordered, shipped, invoiced and paid
    amounts, and outstanding = total − paid."""
    # through the contract's orders (index on order (contract, status)); an order line of a
    # contract order points to a line of that contract (I6)
    ordered = ordered_lines().filter(order__contract=OuterRef("pk"), contract_line__isnull=False)
    lines = _lines_of_contract()
    shipped = lines.annotate(v=_source("line", "shipped_amount"))
    invoiced = lines.annotate(v=_source("line", "invoiced_amount"))
    paid = _milestones_of_contract().annotate(v=_source("milestone", "paid"))
    money = money_field()
    return {
        "ordered_amount": sum_of(ordered, "amount", money),
        "shipped_amount": sum_of(shipped, "v", money),
        "invoiced_amount": sum_of(invoiced, "v", money),
        "paid_amount": sum_of(paid, "v", money),
    }


def with_figures(queryset, today: datetime.date):
    """`queryset` of contracts with their sums (contract_totals) and state (fulfillment_state)."""
    return queryset.annotate(**contract_totals(today), fulfillment_state=state_case(today))


FIGURES = (*CONTRACT_AMOUNTS, "fulfillment_state")
RELATED = ("customer", "customer__region", "owner")


class FulfillmentRows(ModelIterable):
    """Contracts of the list completed with their figures. The list's own query only reads
    the contract table and what its filter and order need; the customer, region, salesperson,
    sums and state of the rows it returns (a page, or an export's chunk) are read by one more
    query per BATCH rows, so page 1 of 100,000 contracts neither joins nor computes the figures
    of all of them. Sums are quantized to the fen and
    outstanding = total − paid computed from them (exact on SQLite too)."""

    BATCH = 500

    def __iter__(self):
        batch = []
        for obj in super().__iter__():
            batch.append(obj)
            if len(batch) >= self.BATCH:
                yield from self._complete(batch)
                batch = []
        yield from self._complete(batch)

    def _complete(self, batch):
        if batch:
            today = _as_date(batch[0].ff_today)
            missing = {o.pk for o in batch if not all(hasattr(o, name) for name in FIGURES)}
            complete = Contract.objects.filter(pk__in=[o.pk for o in batch]).select_related(*RELATED)
            if missing:
                complete = with_figures(complete, today)
            by_pk = {c.pk: c for c in complete.order_by()}
            for obj in batch:
                full = by_pk[obj.pk]
                obj.customer, obj.owner = full.customer, full.owner
                if obj.pk in missing:
                    for name in FIGURES:
                        setattr(obj, name, getattr(full, name))
        for obj in batch:
            _quantize(obj, CONTRACT_AMOUNTS, CENT)
            obj.outstanding_amount = obj.total_amount - obj.paid_amount
            yield obj


def _needs_figures(queryset, *names):
    """`queryset` with the figures annotated when a filter or an order needs one of `names`."""
    if all(name in queryset.query.annotations for name in names):
        return queryset
    today = _as_date(queryset.query.annotations["ff_today"].value)
    queryset = with_figures(queryset, today)
    return queryset.annotate(
        outstanding_sort=ExpressionWrapper(F("total_amount") - F("paid_amount"), output_field=money_field())
    )


STATE_CHOICES = [
    (State.IN_PROGRESS, _("In progress")),
    (State.OVERDUE, _("Overdue")),
    (State.FULFILLED, _("Fulfilled")),
]
SORTS = {
    "signed": ("signed_on", "pk"),
    "-signed": ("-signed_on", "-pk"),
    "number": ("number",),
    "-number": ("-number",),
    "amount": ("total_amount", "pk"),
    "-amount": ("-total_amount", "-pk"),
    "customer": ("customer__name", "pk"),
    "-customer": ("-customer__name", "-pk"),
    "outstanding": ("outstanding_sort", "pk"),
    "-outstanding": ("-outstanding_sort", "-pk"),
    "state": ("fulfillment_state", "pk"),
    "-state": ("-fulfillment_state", "-pk"),
}
DEFAULT_SORT = "-signed"


class PeriodForm(forms.Form):
    def clean(self):
        data = super().clean()
        if data.get("signed_from") and data.get("signed_to") and data["signed_from"] > data["signed_to"]:
            self.add_error("signed_to", _("The end date must not be before the start date."))
        return data


class FulfillmentFilter(django_filters.FilterSet):
    """Filters of the 合同履行一览表 (page, export and API alike):
    q (number, registration number, title or customer name), state, customer (id), owner
    (salesperson id), region (id: the customer's region and every region below it),
    signed_from / signed_to (YYYY-MM-DD, inclusive), sort (see SORTS; default -signed)."""

    q = django_filters.CharFilter(label=_("Search"), method="filter_q", max_length=100)
    state = django_filters.ChoiceFilter(
        label=_("State"), choices=STATE_CHOICES, method="filter_state", empty_label=_("All")
    )
    customer = django_filters.ModelChoiceFilter(
        label=_("Customer"), queryset=Customer.objects.all(), field_name="customer", widget=forms.HiddenInput
    )
    owner = django_filters.ModelChoiceFilter(
        label=_("Salesperson"), field_name="owner", queryset=User.objects.none(), empty_label=_("All")
    )
    region = django_filters.ModelChoiceFilter(
        label=_("Region"), queryset=Region.objects.all(), method="filter_region", empty_label=_("All")
    )
    signed_from = django_filters.DateFilter(
        label=_("Signed from"), field_name="signed_on", lookup_expr="gte", widget=DATE_WIDGET
    )
    signed_to = django_filters.DateFilter(
        label=_("Signed to"), field_name="signed_on", lookup_expr="lte", widget=DATE_WIDGET
    )
    sort = django_filters.ChoiceFilter(choices=[(k, k) for k in SORTS], method="filter_sort")

    class Meta:
        model = Contract
        fields: list[str] = []
        form = PeriodForm

    def __init__(self, data=None, queryset=None, *, user=None, **kwargs):
        super().__init__(data, queryset, **kwargs)
        people = User.objects.filter(is_active=True)
        if user is not None:
            people = visible(people, user)
        self.filters["owner"].queryset = people.order_by("display_name", "username")
        if user is not None:
            self.filters["customer"].queryset = visible(Customer.objects, user)

    def filter_q(self, queryset, name, value):
        q = value.strip()
        if not q:
            return queryset
        return queryset.filter(
            Q(number__icontains=q)
            | Q(registration_number__icontains=q)
            | Q(title__icontains=q)
            | Q(customer__name__icontains=q)
        )

    def filter_region(self, queryset, name, value):
        return queryset.filter(customer__region_id__in=region_subtree(value.pk))

    def filter_state(self, queryset, name, value):
        return _needs_figures(queryset, "fulfillment_state").filter(fulfillment_state=value)

    def filter_sort(self, queryset, name, value):
        if value.lstrip("-") in ("state", "outstanding"):
            queryset = _needs_figures(queryset, "fulfillment_state", "outstanding_sort")
        return queryset.order_by(*SORTS[value])


def fulfillment_list(*, user, filters=None, today: datetime.date | None = None):
    """The 合同履行一览表: signed and archived contracts `user` may see with their totals
    (ordered, shipped, invoiced, paid, outstanding amounts) and state, filtered and sorted
    (FulfillmentFilter). A bad filter raises ValidationFailed (400 naming the field)."""
    require(user, VIEW_PERMISSION)
    today = today or timezone.localdate()
    base = (
        visible(Contract.objects, user)
        .filter(status__in=IN_FORCE)
        .annotate(ff_today=Value(today, output_field=DateField()))
        .order_by(*SORTS[DEFAULT_SORT])
    )
    base._iterable_class = FulfillmentRows
    filterset = FulfillmentFilter(filters if filters is not None else {}, queryset=base, user=user)
    if not filterset.is_valid():
        raise ValidationFailed({name: " ".join(errors) for name, errors in filterset.errors.items()})
    return filterset.qs


def state_label(state: str):
    return STATE_LABELS.get(state, state)


# --- statistics ---------------------------------------------------------------------------------

PERIODS = {"month": _("Month"), "quarter": _("Quarter"), "year": _("Year")}
DIMENSIONS = {"region": _("Region"), "salesperson": _("Salesperson")}


@dataclass
class StatisticsRow:
    key: object
    label: str
    period: datetime.date | None
    period_label: str
    signed: int = 0
    amount: Decimal = ZERO
    fulfilled: int = 0
    fulfilled_amount: Decimal = ZERO
    overdue: int = 0
    overdue_amount: Decimal = ZERO

    @property
    def rate(self) -> Decimal:
        """Fulfillment rate: fulfilled / signed contracts in percent (0.1)."""
        return percent(Decimal(self.fulfilled), Decimal(self.signed))

    @property
    def amount_rate(self) -> Decimal:
        """Fulfilled amount / signed amount in percent (0.1)."""
        return percent(self.fulfilled_amount, self.amount)

    def add(self, other: "StatisticsRow") -> None:
        self.signed += other.signed
        self.amount += other.amount
        self.fulfilled += other.fulfilled
        self.fulfilled_amount += other.fulfilled_amount
        self.overdue += other.overdue
        self.overdue_amount += other.overdue_amount


@dataclass
class Statistics:
    period: str
    dimension: str
    year: int
    rows: list[StatisticsRow] = field(default_factory=list)
    totals: StatisticsRow | None = None


def period_label(period: str, day: datetime.date) -> str:
    if period == "month":
        return f"{day:%Y-%m}"
    if period == "quarter":
        return f"{day.year} Q{(day.month - 1) // 3 + 1}"
    return f"{day.year}"


def period_start(period: str, month: datetime.date) -> datetime.date:
    """The first day of the month, quarter or year `month` lies in."""
    if period == "month":
        return month
    if period == "quarter":
        return datetime.date(month.year, 3 * ((month.month - 1) // 3) + 1, 1)
    return datetime.date(month.year, 1, 1)


def _group(contracts) -> list[tuple]:
    """GROUP BY signing month and dimension key over `contracts` (a values() queryset of ym,
    dim_key, amt, st) taken as a derived table, so each contract's state is computed once, not
    once per aggregate that uses it. Rows: (ym, key, signed, amount, fulfilled, fulfilled amount,
    overdue, overdue amount)."""
    inner, params = contracts.query.sql_with_params()
    f, o = State.FULFILLED, State.OVERDUE
    sql = (
        "SELECT t.ym, t.dim_key, COUNT(*), SUM(t.amt),"
        " SUM(CASE WHEN t.st = %s THEN 1 ELSE 0 END), SUM(CASE WHEN t.st = %s THEN t.amt ELSE 0 END),"
        " SUM(CASE WHEN t.st = %s THEN 1 ELSE 0 END), SUM(CASE WHEN t.st = %s THEN t.amt ELSE 0 END)"
        f" FROM ({inner}) t GROUP BY t.ym, t.dim_key"
    )
    connection = connections[contracts.db]
    with transaction.atomic(using=contracts.db), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The estimated cost of the per-contract subqueries makes PostgreSQL JIT-compile
            # this query: about a second of compiling for ~0.2 s of work.
            cursor.execute("SET LOCAL jit = off")
        cursor.execute(sql, (f, f, o, o, *params))
        return cursor.fetchall()


def _labels(dimension: str, keys) -> dict:
    """Region names (in the reader's language) or salespeople's names of `keys`."""
    keys = [k for k in keys if k is not None]
    if dimension == "region":
        return {r.pk: str(r) for r in Region.objects.filter(pk__in=keys)}
    people = User.objects.filter(pk__in=keys).values_list("pk", "display_name", "username")
    return {pk: display_name or username for pk, display_name, username in people}


def fulfillment_statistics(
    *, user, period: str = "month", year: int, dimension: str = "region", today: datetime.date | None = None
) -> Statistics:
    """Per signing period × region (the customer's) or salesperson (the owner) of the
    signed/archived contracts `user` may see signed in `year`: contracts signed (count), amount,
    fulfilled (count, amount), fulfillment rate, overdue (count, amount); with totals.

    One GROUP BY query (per signing month and dimension, over a derived table of the contracts
    with their state; quarters and the year add months up exactly, in Decimal), plus one small
    query for the names of the regions or people in the rows."""
    require(user, VIEW_PERMISSION)
    errors = {}
    if period not in PERIODS:
        errors["period"] = _("Select a valid choice.")
    if dimension not in DIMENSIONS:
        errors["dimension"] = _("Select a valid choice.")
    if not isinstance(year, int) or not 1900 <= year <= 2999:
        errors["year"] = _("Enter a valid year.")
    if errors:
        raise ValidationFailed(errors)
    return statistics_of(
        visible(Contract.objects, user), period=period, year=year, dimension=dimension, today=today
    )


def statistics_of(
    contracts, *, period: str, year: int, dimension: str, today: datetime.date | None = None
) -> Statistics:
    """fulfillment_statistics over the contracts of `contracts` (already scoped; the invariant
    I12 passes all of them)."""
    today = today or timezone.localdate()
    contracts = (
        contracts.filter(
            status__in=[str(s) for s in IN_FORCE],
            signed_on__gte=datetime.date(year, 1, 1),
            signed_on__lte=datetime.date(year, 12, 31),
        )
        .annotate(
            # "YYYY-MM" of the ISO date: plain SQL on both databases (Trunc is a Python function
            # per row on SQLite)
            ym=Substr(Cast("signed_on", output_field=CharFieldType()), 1, 7),
            dim_key=F("customer__region_id") if dimension == "region" else F("owner_id"),
            amt=F("total_amount"),
            st=state_case(today),
        )
        .values("ym", "dim_key", "amt", "st")
        .order_by()
    )
    result = _group(contracts)
    labels = _labels(dimension, {row[1] for row in result})
    starts: dict = {}
    sums: dict[tuple, list] = {}
    for ym, key, *figures in result:
        if ym not in starts:
            ym_text = str(ym)
            starts[ym] = period_start(period, datetime.date(int(ym_text[:4]), int(ym_text[5:7]), 1))
        cell = sums.setdefault((starts[ym], key), [0, ZERO, 0, ZERO, 0, ZERO])
        for i, value in enumerate(figures):
            if value:
                # SQLite sums decimals as floats: their shortest repr is the exact sum of fen
                cell[i] += (
                    int(value) if i % 2 == 0 else Decimal(repr(value) if isinstance(value, float) else value)
                )
    rows = []
    for (start, key), (signed, amount, fulfilled, fulfilled_amount, overdue, overdue_amount) in sums.items():
        rows.append(
            StatisticsRow(
                key=key,
                label=labels.get(key, str(key)),
                period=start,
                period_label=period_label(period, start),
                signed=signed,
                amount=quantized(amount, CENT),
                fulfilled=fulfilled,
                fulfilled_amount=quantized(fulfilled_amount, CENT),
                overdue=overdue,
                overdue_amount=quantized(overdue_amount, CENT),
            )
        )
    report = Statistics(period=period, dimension=dimension, year=year)
    report.rows = sorted(rows, key=lambda r: (r.period, r.label.lower(), str(r.key)))
    report.totals = StatisticsRow(key=None, label=str(_("Total")), period=None, period_label="")
    for r in report.rows:
        report.totals.add(r)
    return report
