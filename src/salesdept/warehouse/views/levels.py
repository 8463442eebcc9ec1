"""Pages of stock levels (W4): products under their minimum with the quantity to bring them to the
maximum, turnover days per product over a period, and slow-moving stock 呆滞物料 with its value —
each filtered by warehouse, sortable where it helps, exportable (the same rows as the page).
Thin: reads through selectors.levels."""

import datetime
from decimal import Decimal

from django import forms
from django.contrib.auth.decorators import login_required, permission_required
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salesdept.core.errors import ValidationFailed
from salesdept.core.exports import Column
from salesdept.core.forms import DATE_WIDGET
from salesdept.core.listing import list_page

from ..models import StockRule, Warehouse
from ..selectors import levels as selectors
from ..selectors.stock import qty


class LevelsForm(forms.Form):
    """The filters of the three pages (each uses the fields it needs)."""

    warehouse = forms.ModelChoiceField(
        label=_("Warehouse"),
        queryset=Warehouse.objects.filter(is_active=True),
        required=False,
        empty_label=_("All"),
    )
    q = forms.CharField(label=_("Product"), max_length=100, required=False)
    all = forms.BooleanField(label=_("Show every rule"), required=False)
    date_from = forms.DateField(label=_("From"), required=False, widget=DATE_WIDGET)
    date_to = forms.DateField(label=_("To"), required=False, widget=DATE_WIDGET)
    days = forms.IntegerField(
        label=_("No issue for (days)"), min_value=1, max_value=selectors.MAX_PERIOD_DAYS, required=False
    )
    sort = forms.ChoiceField(label=_("Sort"), required=False, choices=[("", "")] + [
        (f"{sign}{key}", f"{sign}{key}")
        for key in sorted({*selectors.TURNOVER_SORTS, *selectors.UNDER_MIN_SORTS, *selectors.SLOW_SORTS})
        for sign in ("", "-")
    ])  # fmt: skip

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date must not be before the start date."))
        return data


def _form(request, **defaults) -> LevelsForm:
    given = {k: v for k, v in request.GET.items() if v not in ("",)}
    return LevelsForm({**defaults, **given})


def _cleaned(form: LevelsForm) -> dict:
    if not form.is_valid():
        raise ValidationFailed({name: " ".join(errors) for name, errors in form.errors.items()})
    data = form.cleaned_data
    data["warehouse_id"] = data["warehouse"].pk if data.get("warehouse") else None
    return data


def _warehouse_code(row) -> str:
    return row.warehouse.code


UNDER_MIN_COLUMNS = [
    Column("warehouse", _("Warehouse"), _warehouse_code),
    Column("product.code", _("Product code")),
    Column("product", _("Product"), lambda r: r.product.name),
    Column("product.uom", _("Unit")),
    Column("min_quantity", _("Minimum")),
    Column("max_quantity", _("Maximum")),
    Column("on_hand", _("Accepted on hand"), lambda r: qty(r.on_hand)),
    Column("to_order", _("To bring to maximum"), lambda r: qty(r.to_order)),
]
TURNOVER_COLUMNS = [
    Column("product.code", _("Product code")),
    Column("product", _("Product"), lambda r: r.product.name),
    Column("product.uom", _("Unit")),
    Column("opening", _("Opening stock")),
    Column("closing", _("Closing stock")),
    Column("average", _("Average stock")),
    Column("issued", _("Issued")),
    Column("daily_issue", _("Average daily issue")),
    Column("turnover_days", _("Turnover days")),
]
SLOW_COLUMNS = [
    Column("product.code", _("Product code")),
    Column("product", _("Product"), lambda r: r.product.name),
    Column("product.uom", _("Unit")),
    Column("quantity", _("Quantity")),
    Column("value", _("Value")),
    Column("last_issue_on", _("Last issue")),
    Column("idle_since", _("Idle since")),
    Column("idle_days", _("Days without issue")),
]


@login_required
@permission_required("warehouse.view_stockrule", raise_exception=True)
def under_min_view(request):
    """Products under their minimum (accepted stock of the warehouse) with the quantity to order."""
    form = _form(request)

    def rows():
        data = _cleaned(form)
        return selectors.under_min(
            user=request.user,
            warehouse_id=data["warehouse_id"],
            q=data["q"],
            include_all=data["all"],
            sort=data.get("sort") or "",
        )

    return list_page(
        request,
        rows=rows,
        empty=StockRule.objects.none(),
        form=form,
        filters=("warehouse", "q", "all"),
        columns=UNDER_MIN_COLUMNS,
        export_name="under-minimum",
        export_title=str(_("Under minimum")),
        template="warehouse/levels_under_min.html",
        context={"tab": "under_min"},
    )


def _period_defaults() -> dict:
    today = timezone.localdate()
    return {"date_from": (today - datetime.timedelta(days=89)).isoformat(), "date_to": today.isoformat()}


@login_required
@permission_required("warehouse.view_stockmove", raise_exception=True)
def turnover_view(request):
    """Turnover days per product over a period (default: the last 90 days)."""
    form = _form(request, **_period_defaults())

    def rows():
        data = _cleaned(form)
        return selectors.turnover(
            user=request.user,
            date_from=data["date_from"],
            date_to=data["date_to"],
            warehouse_id=data["warehouse_id"],
            q=data["q"],
            sort=data.get("sort") or "product",
        )

    return list_page(
        request,
        rows=rows,
        empty=[],
        form=form,
        filters=("warehouse", "q"),
        columns=TURNOVER_COLUMNS,
        export_name="turnover",
        export_title=str(_("Turnover days")),
        template="warehouse/levels_turnover.html",
        context={"tab": "turnover"},
    )


@login_required
@permission_required("warehouse.view_stockmove", raise_exception=True)
def slow_moving_view(request):
    """呆滞物料: stock with no issue for N days (default 90), with its value."""
    form = _form(request, days="90")

    def rows():
        data = _cleaned(form)
        holder["rows"] = selectors.slow_moving(
            user=request.user,
            days=data["days"] or 90,
            warehouse_id=data["warehouse_id"],
            q=data["q"],
            sort=data.get("sort") or "-idle_days",
        )
        return holder["rows"]

    holder: dict = {}
    return list_page(
        request,
        rows=rows,
        empty=[],
        form=form,
        filters=("warehouse", "q"),
        columns=SLOW_COLUMNS,
        export_name="slow-moving",
        export_title=str(_("Slow-moving stock")),
        template="warehouse/levels_slow.html",
        context={"tab": "slow", "totals": _SlowTotals(holder)},
    )


class _SlowTotals:
    """Σ quantity is meaningless across units; Σ value of every slow-moving row (not only the
    page), read when the page shows it."""

    def __init__(self, holder: dict):
        self._holder = holder

    @property
    def value(self):
        return sum((r.value for r in self._holder.get("rows") or []), Decimal("0"))

    @property
    def count(self) -> int:
        return len(self._holder.get("rows") or [])


urlpatterns = [
    path("levels/", under_min_view, name="levels_under_min"),
    path("levels/turnover/", turnover_view, name="levels_turnover"),
    path("levels/slow-moving/", slow_moving_view, name="levels_slow"),
]
