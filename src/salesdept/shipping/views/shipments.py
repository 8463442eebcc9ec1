"""Pages of shipments 发货单 (F1): the list (filters, sort, badges, export), the late shipments,
the form of a new shipment from a confirmed order (?order=ID: its open lines pre-filled from the
stock free in the chosen warehouse, location and lot/serial per line, gifts 随车赠品), editing a
draft, and the detail with lines, the review history and the actions the user may take (submit,
approve, send back with a reason, cancel after confirming, confirm delivery). Thin: reads through
selectors.shipments, writes through services.shipments."""

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.db.models import F, Sum
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_POST

from salesdept.core.errors import DomainError
from salesdept.core.exports import Column
from salesdept.core.listing import list_page
from salesdept.sales.models import OrderStatus
from salesdept.warehouse.models import Quality, StockLot, Warehouse

from ..filters_shipments import ShipmentFilter
from ..forms_shipments import (
    DeliverForm,
    GiftFormSet,
    LineFormSet,
    ShipmentForm,
    apply_refusal,
    line_choices,
    plain,
)
from ..models import Shipment, ShipmentStatus
from ..selectors import shipments as selectors
from ..services import shipments as services

FILTERS = ("q", "status", "method", "warehouse", "customer", "order", "date_from", "date_to", "late")

COLUMNS = [
    Column("number", _("Number")),
    Column("order.number", _("Sales order")),
    Column("customer.name", _("Customer")),
    Column("warehouse", _("Warehouse"), lambda s: s.warehouse.code),
    Column("method", _("Shipping method"), lambda s: s.get_method_display()),
    Column("promised_on", _("Promised date")),
    Column("shipped_on", _("Shipped on")),
    Column("delivered_on", _("Delivered on")),
    Column("carrier", _("Carrier")),
    Column("tracking_number", _("Tracking number")),
    Column("amount", _("Amount")),
    Column("status", _("Status"), lambda s: s.get_status_display()),
]

DONE = {
    "submit": _("%(number)s was submitted for review; its stock is reserved."),
    "approve": _("%(number)s was approved."),
    "reject": _("%(number)s was sent back."),
    "cancel": _("%(number)s was cancelled."),
    "deliver": _("The delivery of %(number)s was confirmed."),
}
BUTTONS = {
    "submit": (pgettext_lazy("document action", "Submit for review"), "btn-primary"),
    "approve": (pgettext_lazy("document action", "Approve and ship"), "btn-success"),
    "reject": (pgettext_lazy("document action", "Send back"), "btn-outline-danger"),
    "cancel": (pgettext_lazy("document action", "Cancel document"), "btn-outline-secondary"),
}
CONFIRM = {
    "cancel": _("Cancel this shipment? Its reserved stock is released. This cannot be undone."),
    "approve": _(
        "Approve this shipment? The stock is issued at once and the order's shipped quantity moves."
    ),
}


def _list(request, *, rows, template: str, export_name: str, title, late: bool = False):
    return list_page(
        request,
        rows=rows,
        empty=Shipment.objects.none(),
        form=ShipmentFilter(request.GET or None).form,
        filters=FILTERS,
        columns=COLUMNS,
        export_name=export_name,
        export_title=str(title),
        template=template,
        context={"late_page": late, "title": title},
    )


@login_required
@permission_required("shipping.view_shipment", raise_exception=True)
def shipment_list_view(request):
    return _list(
        request,
        rows=lambda: selectors.shipment_list(user=request.user, filters=request.GET),
        template="shipping/shipment_list.html",
        export_name="shipments",
        title=_("Shipments"),
    )


@login_required
@permission_required("shipping.view_shipment", raise_exception=True)
def late_list_view(request):
    return _list(
        request,
        rows=lambda: selectors.late_shipments(user=request.user, filters=request.GET),
        template="shipping/shipment_list.html",
        export_name="late-shipments",
        title=_("Late shipments"),
        late=True,
    )


def _buttons(actions: list[str]) -> list[dict]:
    return [
        {
            "name": name,
            "label": BUTTONS[name][0],
            "style": BUTTONS[name][1],
            "confirm": CONFIRM.get(name, ""),
            "needs_reason": name == "reject",
            "optional_note": name == "approve",
        }
        for name in actions
        if name in BUTTONS
    ]


def _detail(request, shipment: Shipment, *, status: int = 200, deliver_form=None):
    actions = services.shipment_allowed_actions(shipment, request.user)
    lines = selectors.shipment_lines(shipment)
    return render(
        request,
        "shipping/shipment_detail.html",
        {
            "shipment": shipment,
            "lines": [line for line in lines if not line.is_gift],
            "gifts": [line for line in lines if line.is_gift],
            "actions": actions,
            "buttons": _buttons(actions),
            "can_edit": "edit" in actions,
            "deliver_form": (deliver_form or DeliverForm()) if "deliver" in actions else None,
            "show_cost": shipment.status in (ShipmentStatus.SHIPPED, ShipmentStatus.DELIVERED),
            # 退货: goods of a shipped shipment may come back (a return, reviewed by a second person)
            "can_return": shipment.status in (ShipmentStatus.SHIPPED, ShipmentStatus.DELIVERED)
            and request.user.has_perm("shipping.add_returnauthorisation")
            and any(line.returned_quantity < line.quantity for line in lines),
        },
        status=status,
    )


@login_required
@permission_required("shipping.view_shipment", raise_exception=True)
def shipment_detail_view(request, pk: int):
    return _detail(request, selectors.shipment_get(user=request.user, shipment_id=pk))


@login_required
@require_POST
def shipment_action_view(request, pk: int, action: str):
    if action not in BUTTONS:
        raise Http404
    shipment = selectors.shipment_get(user=request.user, shipment_id=pk)
    func = getattr(services, f"shipment_{action}")
    try:
        func(by=request.user, shipment_id=pk, note=request.POST.get("note", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
        return _detail(request, selectors.shipment_get(user=request.user, shipment_id=pk), status=exc.status)
    messages.success(request, DONE[action] % {"number": shipment.number})
    return redirect("shipping:shipment_detail", pk=pk)


@login_required
@require_POST
def shipment_deliver_view(request, pk: int):
    shipment = selectors.shipment_get(user=request.user, shipment_id=pk)
    form = DeliverForm(request.POST)
    if not form.is_valid():
        return _detail(request, shipment, status=400, deliver_form=form)
    try:
        services.shipment_deliver(
            by=request.user,
            shipment_id=pk,
            delivered_on=form.cleaned_data["delivered_on"],
            received_by=form.cleaned_data["received_by"],
            note=form.cleaned_data["note"],
        )
    except DomainError as exc:
        for name, message in exc.fields.items():
            form.add_error(name if name in form.fields else None, str(message))
        if not exc.fields:
            form.add_error(None, str(exc.message))
            messages.error(request, exc.message)
        shipment = selectors.shipment_get(user=request.user, shipment_id=pk)
        return _detail(request, shipment, status=exc.status, deliver_form=form)
    messages.success(request, DONE["deliver"] % {"number": shipment.number})
    return redirect("shipping:shipment_detail", pk=pk)


# --- the form --------------------------------------------------------------------------------


def _default_warehouse(request, rows: list[dict]):
    """?warehouse=, else the active warehouse holding the most free accepted stock of the open
    products, else the first active one."""
    wanted = request.GET.get("warehouse")
    active = Warehouse.objects.filter(is_active=True)
    if wanted and str(wanted).isdigit():
        found = active.filter(pk=int(wanted)).first()
        if found is not None:
            return found
    products = [r["product_id"] for r in rows if r["open"] > 0]
    best = (
        StockLot.objects.filter(
            product_id__in=products, quality=Quality.ACCEPTED, location__warehouse__is_active=True
        )
        .values("location__warehouse_id")
        .annotate(free=Sum(F("quantity") - F("reserved")))
        .order_by("-free", "location__warehouse_id")
        .first()
    )
    if best and best["free"] and best["free"] > 0:
        return active.filter(pk=best["location__warehouse_id"]).first()
    return active.order_by("code").first()


def _suggested_rows(warehouse, rows: list[dict]) -> list[dict]:
    initial, taken = [], {}
    for r in rows:
        if r["open"] <= 0 or r["product_kind"] == "service":
            continue
        product = r["line"].product
        sources = services.suggest_sources(warehouse.pk, product, r["open"], taken) if warehouse else []
        for location_id, lot, quantity in sources:
            initial.append(
                {
                    "order_line": r["order_line"],
                    "quantity": plain(quantity),
                    "location": location_id,
                    "lot": lot,
                }
            )
        rest = r["open"] - sum((q for _l, _t, q in sources), Decimal("0"))
        if rest > 0:
            initial.append({"order_line": r["order_line"], "quantity": plain(rest)})
    return initial


def _form_page(request, *, order, rows, form, lines, gifts, shipment=None, status=200):
    return render(
        request,
        "shipping/shipment_form.html",
        {
            "order": order,
            "open_rows": rows,
            "form": form,
            "lines": lines,
            "gifts": gifts,
            "shipment": shipment,
            "warehouses": Warehouse.objects.filter(is_active=True).order_by("code"),
        },
        status=status,
    )


@login_required
@permission_required("shipping.add_shipment", raise_exception=True)
def shipment_create_view(request):
    order_id = request.GET.get("order") or request.POST.get("order")
    if not order_id or not str(order_id).isdigit():
        messages.info(
            request, _("A shipment is prepared from a confirmed order: open the order and choose Ship.")
        )
        return redirect("shipping:shipment_list")
    order, rows = selectors.open_lines(user=request.user, order_id=int(order_id))
    if order.status != OrderStatus.CONFIRMED:
        messages.error(request, _("Only a confirmed order is shipped."))
        return redirect(order.get_absolute_url())
    choices = line_choices(rows)
    if request.method == "POST":
        form = ShipmentForm(request.POST)
        lines = LineFormSet(request.POST, prefix="lines", form_kwargs={"choices": choices})
        gifts = GiftFormSet(request.POST, prefix="gifts", form_kwargs={"choices": choices})
        if form.is_valid() and lines.is_valid() and gifts.is_valid():
            try:
                shipment = services.shipment_create(
                    by=request.user,
                    order_id=order.pk,
                    data={**form.data_dict(), "lines": lines.rows() + gifts.rows()},
                )
            except DomainError as exc:
                apply_refusal(exc, form, lines, gifts)
                return _form_page(
                    request, order=order, rows=rows, form=form, lines=lines, gifts=gifts, status=exc.status
                )
            messages.success(request, _("Shipment %(number)s was created.") % {"number": shipment.number})
            return redirect("shipping:shipment_detail", pk=shipment.pk)
        return _form_page(request, order=order, rows=rows, form=form, lines=lines, gifts=gifts, status=400)
    warehouse = _default_warehouse(request, rows)
    form = ShipmentForm(
        initial={
            "warehouse": warehouse.pk if warehouse else None,
            "method": "own",
            "promised_on": order.wanted_on or timezone.localdate(),
            "ship_to": order.customer.address,
        }
    )
    lines = LineFormSet(
        prefix="lines", initial=_suggested_rows(warehouse, rows), form_kwargs={"choices": choices}
    )
    gifts = GiftFormSet(prefix="gifts", form_kwargs={"choices": choices})
    return _form_page(request, order=order, rows=rows, form=form, lines=lines, gifts=gifts)


@login_required
@permission_required("shipping.change_shipment", raise_exception=True)
def shipment_edit_view(request, pk: int):
    shipment = selectors.shipment_get(user=request.user, shipment_id=pk)
    if shipment.status != ShipmentStatus.DRAFT:
        messages.info(request, _("Only a draft can be changed."))
        return redirect("shipping:shipment_detail", pk=pk)
    order, rows = selectors.open_lines(user=request.user, order_id=shipment.order_id, exclude_shipment=pk)
    choices = line_choices(rows)
    if request.method == "POST":
        form = ShipmentForm(request.POST)
        lines = LineFormSet(request.POST, prefix="lines", form_kwargs={"choices": choices})
        gifts = GiftFormSet(request.POST, prefix="gifts", form_kwargs={"choices": choices})
        if form.is_valid() and lines.is_valid() and gifts.is_valid():
            try:
                services.shipment_update(
                    by=request.user,
                    shipment_id=pk,
                    version=form.cleaned_data.get("version"),
                    data={**form.data_dict(), "lines": lines.rows() + gifts.rows()},
                )
            except DomainError as exc:
                apply_refusal(exc, form, lines, gifts)
                status = exc.status
            else:
                messages.success(request, _("%(number)s was saved.") % {"number": shipment.number})
                return redirect("shipping:shipment_detail", pk=pk)
        else:
            status = 400
        return _form_page(
            request,
            order=order,
            rows=rows,
            form=form,
            lines=lines,
            gifts=gifts,
            shipment=shipment,
            status=status,
        )
    current = selectors.shipment_lines(shipment)
    form = ShipmentForm(
        initial={
            "warehouse": shipment.warehouse_id,
            "method": shipment.method,
            "promised_on": shipment.promised_on,
            "carrier": shipment.carrier,
            "tracking_number": shipment.tracking_number,
            "ship_to": shipment.ship_to,
            "notes": shipment.notes,
            "version": shipment.version,
        }
    )
    lines = LineFormSet(
        prefix="lines",
        initial=[
            {
                "order_line": x.order_line_id,
                "quantity": plain(x.quantity),
                "location": x.location_id,
                "lot": x.lot,
            }
            for x in current
            if not x.is_gift
        ],
        form_kwargs={"choices": choices},
    )
    gifts = GiftFormSet(
        prefix="gifts",
        initial=[
            {"product": x.product_id, "quantity": plain(x.quantity), "location": x.location_id, "lot": x.lot}
            for x in current
            if x.is_gift
        ],
        form_kwargs={"choices": choices},
    )
    return _form_page(request, order=order, rows=rows, form=form, lines=lines, gifts=gifts, shipment=shipment)


urlpatterns = [
    path("shipments/", shipment_list_view, name="shipment_list"),
    path("shipments/late/", late_list_view, name="late_list"),
    path("shipments/new/", shipment_create_view, name="shipment_create"),
    path("shipments/<int:pk>/", shipment_detail_view, name="shipment_detail"),
    path("shipments/<int:pk>/edit/", shipment_edit_view, name="shipment_edit"),
    path("shipments/<int:pk>/deliver/", shipment_deliver_view, name="shipment_deliver"),
    path("shipments/<int:pk>/<str:action>/", shipment_action_view, name="shipment_action"),
]
