"""What billing adds to the sales order page (sales/extensions.py): the "Invoice" button while
something on a confirmed order can be invoiced, and the order's invoices and credit notes."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from salesdept.accounts.scope import visible
from salesdept.sales.models import OrderStatus

from .models import Invoice
from .selectors.invoices import invoiceable, on_order


def invoice_button(order, user) -> list[dict]:
    if order.status != OrderStatus.CONFIRMED or not user.has_perm("billing.add_invoice"):
        return []
    by_order = on_order(order)
    if not any(invoiceable(line, by_order=by_order) > 0 for line in order.lines.all()):
        return []
    url = reverse("billing:invoice_create") + f"?order={order.pk}"
    return [{"label": _("Invoice"), "url": url, "testid": "invoice-order"}]


def invoices_section(order, user) -> dict | None:
    if not user.has_perm("billing.view_invoice"):
        return None
    documents = list(visible(Invoice.objects, user).filter(order=order).order_by("pk"))
    if not documents and order.status != OrderStatus.CONFIRMED:
        return None
    return {"title": _("Invoices and credit notes"), "documents": documents}


def plug_in() -> None:
    from salesdept.sales import extensions

    if invoice_button not in extensions.ORDER_ACTIONS:
        extensions.ORDER_ACTIONS.append(invoice_button)
        extensions.ORDER_DOCUMENTS.append(invoices_section)
