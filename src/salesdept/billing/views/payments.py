"""Pages of payments 回款 (F3): list (filters, sort, export), the record-payment form (allocation
oldest first or by hand over the customer's open invoices), the payment's detail with its
allocations and the allocation of what is left. Thin: reads through selectors.payments, writes
through services.payments."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from salesdept.core.errors import DomainError
from salesdept.core.exports import Column
from salesdept.core.listing import list_page

from ..filters_payments import PaymentFilter
from ..forms_payments import PaymentForm, allocation_rows
from ..models import Invoice, Payment
from ..selectors import payments as selectors
from ..selectors.receivables import customer_open_invoices
from ..services import payments as services

FILTERS = ("q", "customer", "method", "unallocated", "date_from", "date_to")

COLUMNS = [
    Column("number", _("Number")),
    Column("customer.name", _("Customer")),
    Column("received_on", _("Received on")),
    Column("amount", _("Amount")),
    Column("allocated_amount", _("Allocated")),
    Column("unallocated", _("Customer credit")),
    Column("method", _("Method"), lambda p: p.get_method_display()),
    Column("reference", _("Reference")),
    Column("recorded_by", _("Recorded by"), lambda p: str(p.recorded_by)),
]


@login_required
@permission_required("billing.view_payment", raise_exception=True)
def payment_list_view(request):
    return list_page(
        request,
        rows=lambda: selectors.payment_list(user=request.user, filters=request.GET),
        empty=Payment.objects.none(),
        form=PaymentFilter(request.GET or None).form,
        filters=FILTERS,
        columns=COLUMNS,
        export_name="payments",
        export_title=str(_("Payments")),
        template="billing/payment_list.html",
        context={"can_add": request.user.has_perm("billing.add_payment")},
    )


def _customer_invoices(user, customer_id) -> list[Invoice]:
    """The customer's open invoices (oldest due first), for the allocation table."""
    try:
        customer_id = int(customer_id)
    except (TypeError, ValueError):
        return []
    return customer_open_invoices(user=user, customer_id=customer_id)


@login_required
@permission_required("billing.add_payment", raise_exception=True)
def payment_open_invoices_view(request):
    """The allocation table of the chosen customer (htmx partial of the payment form)."""
    return render(
        request,
        "billing/payment_open_invoices.html",
        {"invoices": _customer_invoices(request.user, request.GET.get("customer")), "values": {}},
    )


@login_required
@permission_required("billing.add_payment", raise_exception=True)
def payment_create_view(request):
    if request.method == "POST":
        form = PaymentForm(request.POST, user=request.user)
        invoices = _customer_invoices(request.user, request.POST.get("customer"))
        status = 400
        if form.is_valid():
            d = form.cleaned_data
            data = {
                "customer": d["customer"].pk,
                "amount": d["amount"],
                "received_on": d["received_on"],
                "method": d["method"],
                "reference": d["reference"],
                "notes": d["notes"],
                "allocation": d["allocation"],
                "allocations": allocation_rows(request.POST, invoices),
            }
            try:
                payment = services.payment_record(by=request.user, data=data)
            except DomainError as exc:
                status = exc.status
                messages.error(request, exc.message)
                for name, message in exc.fields.items():
                    form.add_error(name if name in form.fields else None, message)
            else:
                messages.success(request, _("Payment %(number)s was recorded.") % {"number": payment.number})
                return redirect("billing:payment_detail", pk=payment.pk)
        return render(
            request,
            "billing/payment_form.html",
            {"form": form, "invoices": invoices, "values": request.POST},
            status=status,
        )
    initial = {"customer": request.GET.get("customer")} if request.GET.get("customer") else {}
    form = PaymentForm(initial=initial, user=request.user)
    invoices = _customer_invoices(request.user, request.GET.get("customer"))
    return render(request, "billing/payment_form.html", {"form": form, "invoices": invoices, "values": {}})


def _detail(request, payment: Payment, status: int = 200):
    can_allocate = request.user.has_perm("billing.add_allocation") and payment.unallocated > 0
    return render(
        request,
        "billing/payment_detail.html",
        {
            "payment": payment,
            "allocations": selectors.payment_allocations(payment),
            "can_allocate": can_allocate,
            "invoices": _customer_invoices(request.user, payment.customer_id) if can_allocate else [],
            "values": {},
        },
        status=status,
    )


@login_required
@permission_required("billing.view_payment", raise_exception=True)
def payment_detail_view(request, pk: int):
    return _detail(request, selectors.payment_get(user=request.user, payment_id=pk))


@login_required
@require_POST
def payment_allocate_view(request, pk: int):
    payment = selectors.payment_get(user=request.user, payment_id=pk)
    if request.POST.get("allocation") == "manual":
        allocations = allocation_rows(request.POST, _customer_invoices(request.user, payment.customer_id))
    else:
        allocations = "oldest"
    try:
        services.payment_allocate(by=request.user, payment_id=pk, allocations=allocations)
    except DomainError as exc:
        messages.error(request, exc.message)
        for message in exc.fields.values():
            messages.error(request, message)
        return _detail(request, selectors.payment_get(user=request.user, payment_id=pk), status=exc.status)
    messages.success(request, _("The customer's credit was allocated."))
    return redirect("billing:payment_detail", pk=pk)


urlpatterns = [
    path("payments/", payment_list_view, name="payment_list"),
    path("payments/new/", payment_create_view, name="payment_create"),
    path("payments/open-invoices/", payment_open_invoices_view, name="payment_open_invoices"),
    path("payments/<int:pk>/", payment_detail_view, name="payment_detail"),
    path("payments/<int:pk>/allocate/", payment_allocate_view, name="payment_allocate"),
]
