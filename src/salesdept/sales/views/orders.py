"""Pages of sales orders (S4): list (filters, sort, export), detail with confirm / cancel, the
form of a direct order, and editing a draft (contract orders: the quantity per line). Thin:
reads through selectors.orders, writes through services.orders."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from salesdept.core.errors import DomainError
from salesdept.core.exports import Column
from salesdept.core.listing import list_page

from ..extensions import order_actions, order_documents
from ..filters_orders import OrderFilter
from ..forms_contracts import LineFormSet, apply_refusal, product_choices
from ..forms_orders import OrderForm
from ..models import OrderStatus, SalesOrder
from ..selectors import orders as selectors
from ..services import orders as services

FILTERS = ("q", "status", "kind", "contract", "customer", "owner", "date_from", "date_to")

COLUMNS = [
    Column("number", _("Number")),
    Column("customer.name", _("Customer")),
    Column("contract", _("Contract"), lambda o: o.contract.number if o.contract_id else ""),
    Column("owner", _("Salesperson"), lambda o: str(o.owner)),
    Column("channel", _("Channel"), lambda o: o.get_channel_display()),
    Column("ordered_on", _("Order date")),
    Column("wanted_on", _("Delivery date")),
    Column("total_amount", _("Total")),
    Column("status", _("Status"), lambda o: o.get_status_display()),
]


@login_required
@permission_required("sales.view_salesorder", raise_exception=True)
def order_list_view(request):
    return list_page(
        request,
        rows=lambda: selectors.order_list(user=request.user, filters=request.GET),
        empty=SalesOrder.objects.none(),
        form=OrderFilter(request.GET or None).form,
        filters=FILTERS,
        columns=COLUMNS,
        export_name="orders",
        export_title=str(_("Sales orders")),
        template="sales/order_list.html",
        context={"can_add": request.user.has_perm("sales.add_salesorder")},
    )


def _detail(request, order: SalesOrder, status: int = 200):
    return render(
        request,
        "sales/order_detail.html",
        {
            "order": order,
            "lines": list(order.lines.select_related("product", "contract_line", "delivery")),
            "actions": services.order_allowed_actions(order, request.user),
            "follow_ups": order_actions(order, request.user),
            "related": order_documents(order, request.user),
        },
        status=status,
    )


@login_required
@permission_required("sales.view_salesorder", raise_exception=True)
def order_detail_view(request, pk: int):
    return _detail(request, selectors.order_get(user=request.user, order_id=pk))


@login_required
@require_POST
def order_action_view(request, pk: int, action: str):
    funcs = {"confirm": services.order_confirm, "cancel": services.order_cancel}
    if action not in funcs:
        raise Http404
    try:
        funcs[action](by=request.user, order_id=pk, note=request.POST.get("note", ""))
    except PermissionDenied:
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
        return _detail(request, selectors.order_get(user=request.user, order_id=pk), status=exc.status)
    messages.success(
        request, _("The order was confirmed.") if action == "confirm" else _("The order was cancelled.")
    )
    return redirect("sales:order_detail", pk=pk)


@login_required
@permission_required("sales.add_salesorder", raise_exception=True)
def order_create_view(request):
    """A direct order for a small sale (orders from a contract start on the contract's page)."""
    products = product_choices()
    if request.method == "POST":
        form = OrderForm(request.POST, user=request.user)
        lines = LineFormSet(request.POST, prefix="lines", form_kwargs={"products": products})
        if form.is_valid() and lines.is_valid():
            try:
                order = services.order_create(
                    by=request.user,
                    customer_id=form.cleaned_data["customer"].pk,
                    lines=lines.rows(),
                    **form.header(),
                )
            except DomainError as exc:
                apply_refusal(exc, form, {"lines": lines})
                return render(
                    request, "sales/order_form.html", {"form": form, "lines": lines}, status=exc.status
                )
            messages.success(request, _("Order %(number)s was created.") % {"number": order.number})
            return redirect("sales:order_detail", pk=order.pk)
        return render(request, "sales/order_form.html", {"form": form, "lines": lines}, status=400)
    form = OrderForm(user=request.user)
    lines = LineFormSet(prefix="lines", form_kwargs={"products": products})
    return render(request, "sales/order_form.html", {"form": form, "lines": lines})


@login_required
@permission_required("sales.change_salesorder", raise_exception=True)
def order_edit_view(request, pk: int):
    """Change a draft: dates and notes; the lines (direct orders) or the quantity of each line
    (contract orders)."""
    order = selectors.order_get(user=request.user, order_id=pk)
    if order.status != OrderStatus.DRAFT:
        messages.info(request, _("Only a draft can be changed."))
        return redirect("sales:order_detail", pk=pk)
    contract_order = order.contract_id is not None
    current = list(order.lines.select_related("product"))
    if request.method == "POST":
        form = OrderForm(request.POST, user=request.user, contract_order=contract_order)
        lines = None
        if not contract_order:
            lines = LineFormSet(request.POST, prefix="lines", form_kwargs={"products": product_choices()})
        if form.is_valid() and (lines is None or lines.is_valid()):
            if contract_order:
                rows = [
                    {
                        "contract_line_id": line.contract_line_id,
                        "delivery_id": line.delivery_id,
                        "quantity": request.POST.get(f"qty-{line.pk}"),
                    }
                    for line in current
                    if request.POST.get(f"qty-{line.pk}") not in (None, "", "0")
                ]
            else:
                rows = lines.rows()
            try:
                services.order_update(
                    by=request.user,
                    order_id=pk,
                    version=form.cleaned_data.get("version"),
                    lines=rows,
                    **form.header(),
                )
            except DomainError as exc:
                apply_refusal(exc, form, {"lines": lines} if lines is not None else {})
                status = exc.status
            else:
                messages.success(request, _("The order was saved."))
                return redirect("sales:order_detail", pk=pk)
        else:
            status = 400
        return render(
            request,
            "sales/order_form.html",
            {"form": form, "lines": lines, "order": order, "current": current},
            status=status,
        )
    initial = {
        "customer": order.customer_id,
        "channel": order.channel,
        "ordered_on": order.ordered_on,
        "wanted_on": order.wanted_on,
        "notes": order.notes,
        "version": order.version,
    }
    form = OrderForm(initial=initial, user=request.user, contract_order=contract_order)
    lines = None
    if not contract_order:
        lines = LineFormSet(
            prefix="lines",
            initial=[
                {"id": x.pk, "product": x.product_id, "description": x.description, "quantity": x.quantity,
                 "discount": x.discount}
                for x in current
            ],
            form_kwargs={"products": product_choices()},
        )  # fmt: skip
    return render(
        request, "sales/order_form.html", {"form": form, "lines": lines, "order": order, "current": current}
    )


@login_required
@permission_required("sales.add_salesorder", raise_exception=True)
def order_from_quotation_view(request, quotation_id: int):
    """GET: confirm; POST: a direct order from an accepted quotation."""
    from django.shortcuts import get_object_or_404

    from salesdept.accounts.scope import visible

    from ..models import Quotation

    quotation = get_object_or_404(
        visible(Quotation.objects, request.user).select_related("customer"), pk=quotation_id
    )
    if request.method != "POST":
        return render(
            request,
            "sales/contract_from_quotation.html",
            {
                "quotation": quotation,
                "heading": _("Create an order from quotation %(number)s") % {"number": quotation.number},
                "lines": quotation.lines.select_related("product"),
            },
        )
    try:
        order = services.order_create_from_quotation(by=request.user, quotation_id=quotation_id)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("sales:quotation_detail", pk=quotation_id)
    messages.success(request, _("Order %(number)s was created.") % {"number": order.number})
    return redirect("sales:order_detail", pk=order.pk)


urlpatterns = [
    path("orders/", order_list_view, name="order_list"),
    path("orders/new/", order_create_view, name="order_create"),
    path("orders/from-quotation/<int:quotation_id>/", order_from_quotation_view, name="order_from_quotation"),
    path("orders/<int:pk>/", order_detail_view, name="order_detail"),
    path("orders/<int:pk>/edit/", order_edit_view, name="order_edit"),
    path("orders/<int:pk>/<str:action>/", order_action_view, name="order_action"),
]
