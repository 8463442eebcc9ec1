"""What shipping adds to the sales order page (sales/extensions.py): the "Ship" button while
something is open on a confirmed order, and the order's shipments and returns."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from salesdept.accounts.scope import visible
from salesdept.sales.models import OrderStatus

from .models import ReturnAuthorisation, Shipment


def ship_button(order, user) -> list[dict]:
    if order.status != OrderStatus.CONFIRMED or not user.has_perm("shipping.add_shipment"):
        return []
    lines = list(order.lines.all())
    if not any(line.shipped_quantity < line.quantity for line in lines):
        return []
    url = reverse("shipping:shipment_create") + f"?order={order.pk}"
    return [{"label": _("Ship"), "url": url, "testid": "ship-order"}]


def shipments_section(order, user) -> dict | None:
    if not user.has_perm("shipping.view_shipment"):
        return None
    documents = list(visible(Shipment.objects, user).filter(order=order).order_by("pk"))
    if user.has_perm("shipping.view_returnauthorisation"):
        documents += list(visible(ReturnAuthorisation.objects, user).filter(order=order).order_by("pk"))
    if not documents and order.status != OrderStatus.CONFIRMED:
        return None
    return {"title": _("Shipments and returns"), "documents": documents}


def plug_in() -> None:
    from salesdept.sales import extensions

    if ship_button not in extensions.ORDER_ACTIONS:
        extensions.ORDER_ACTIONS.append(ship_button)
        extensions.ORDER_DOCUMENTS.append(shipments_section)
