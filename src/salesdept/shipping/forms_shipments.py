"""Forms of the shipment pages: the header, the lines (one row per order line and source — a
location and lot/serial — plus rows to split a line further), the gifts 随车赠品, and the
delivery confirmation. The forms only shape input; every rule is checked by
services.shipments, whose refusals `apply_refusal` puts next to their inputs."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from salesdept.catalog.models import Product
from salesdept.core.errors import DomainError
from salesdept.core.forms import DATE_WIDGET
from salesdept.warehouse.models import Location, Warehouse

from .models import ShippingMethod

__all__ = [
    "DeliverForm",
    "GiftFormSet",
    "LineFormSet",
    "ShipmentForm",
    "apply_refusal",
    "line_choices",
    "plain",
]

MAX_CHOICES = 2000


def plain(number) -> str:
    """10.000 → "10", 2.500 → "2.5"."""
    text = format(number, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def line_choices(order_rows: list[dict]) -> dict:
    """Choices of the line inputs, read once per page: the order's lines, locations, gift products."""
    locations = (
        Location.objects.filter(is_active=True, warehouse__is_active=True)
        .exclude(kind=Location.Kind.QUARANTINE)
        .select_related("warehouse")
        .order_by("warehouse__code", "code")[:MAX_CHOICES]
    )
    products = (
        Product.objects.filter(is_active=True)
        .exclude(kind=Product.Kind.SERVICE)
        .order_by("code")
        .values_list("pk", "code", "name")[:MAX_CHOICES]
    )
    empty = [("", "—")]
    return {
        "order_lines": empty
        + [
            (r["order_line"], f"{r['position']}. {r['product_code']} {r['product_name']}") for r in order_rows
        ],
        "locations": empty
        + [(loc.pk, f"{loc.warehouse.code}/{loc.code} {loc.name}".strip()) for loc in locations],
        "products": empty + [(pk, f"{code} {name}") for pk, code, name in products],
    }


class ShipmentForm(forms.Form):
    warehouse = forms.ModelChoiceField(label=_("Warehouse"), queryset=Warehouse.objects.none())
    method = forms.ChoiceField(label=_("Shipping method"), choices=ShippingMethod.choices)
    promised_on = forms.DateField(label=_("Promised date"), widget=DATE_WIDGET)
    carrier = forms.CharField(
        label=_("Carrier"), max_length=100, required=False, help_text=_("Required when a carrier delivers.")
    )
    tracking_number = forms.CharField(label=_("Tracking number"), max_length=100, required=False)
    ship_to = forms.CharField(label=_("Delivery address"), max_length=300, required=False)
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["warehouse"].queryset = Warehouse.objects.filter(is_active=True).order_by("code")

    def data_dict(self) -> dict:
        d = self.cleaned_data
        out = {"warehouse": d["warehouse"].pk, "method": d["method"], "promised_on": d["promised_on"]}
        for name in ("carrier", "tracking_number", "ship_to", "notes"):
            out[name] = d.get(name) or ""
        return out


class RowForm(forms.Form):
    """A table row: each input is named by its column header for screen readers."""

    def __init__(self, *args, choices: dict, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.widget.attrs.setdefault("aria-label", str(field.label or ""))
            if name in choices:
                field.choices = choices[name]


class LineForm(RowForm):
    order_line = forms.TypedChoiceField(label=_("Order line"), coerce=int, required=False, empty_value=None)
    quantity = forms.DecimalField(label=_("Quantity"), max_digits=14, decimal_places=3, required=False)
    location = forms.TypedChoiceField(label=_("Location"), coerce=int, required=False, empty_value=None)
    lot = forms.CharField(label=_("Lot / serial number"), max_length=60, required=False)

    def __init__(self, *args, choices: dict, **kwargs):
        super().__init__(
            *args,
            choices={"order_line": choices["order_lines"], "location": choices["locations"]},
            **kwargs,
        )

    def row(self) -> dict | None:
        d = self.cleaned_data
        if not d or not d.get("order_line"):
            return None
        row = {"order_line": d["order_line"], "quantity": d.get("quantity"), "location": d.get("location")}
        if d.get("lot"):
            row["lot"] = d["lot"]
        return row


class GiftForm(RowForm):
    product = forms.TypedChoiceField(
        label=_("Gift or material"), coerce=int, required=False, empty_value=None
    )
    quantity = forms.DecimalField(label=_("Quantity"), max_digits=14, decimal_places=3, required=False)
    location = forms.TypedChoiceField(label=_("Location"), coerce=int, required=False, empty_value=None)
    lot = forms.CharField(label=_("Lot / serial number"), max_length=60, required=False)

    def __init__(self, *args, choices: dict, **kwargs):
        super().__init__(
            *args, choices={"product": choices["products"], "location": choices["locations"]}, **kwargs
        )

    def row(self) -> dict | None:
        d = self.cleaned_data
        if not d or not d.get("product"):
            return None
        row = {
            "is_gift": True,
            "product": d["product"],
            "quantity": d.get("quantity"),
            "location": d.get("location"),
        }
        if d.get("lot"):
            row["lot"] = d["lot"]
        return row


class RowFormSet(forms.BaseFormSet):
    def rows(self) -> list[dict]:
        """The filled rows; `row_forms` keeps their forms (in the same order)."""
        out, self.row_forms = [], []
        for form in self.forms:
            if (row := form.row()) is not None:
                out.append(row)
                self.row_forms.append(form)
        return out


LineFormSet = forms.formset_factory(LineForm, formset=RowFormSet, extra=2, max_num=500, validate_max=True)
GiftFormSet = forms.formset_factory(GiftForm, formset=RowFormSet, extra=2, max_num=100, validate_max=True)


class DeliverForm(forms.Form):
    delivered_on = forms.DateField(label=_("Delivered on"), widget=DATE_WIDGET)
    received_by = forms.CharField(label=pgettext_lazy("delivery", "Received by"), max_length=100)
    note = forms.CharField(label=_("Comment (optional)"), max_length=2000, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["delivered_on"].initial = timezone.localdate()


def apply_refusal(exc: DomainError, form, lines, gifts) -> None:
    """Put a service refusal next to its input. The service numbers the lines 1-based over the
    order lines first and then the gifts, as the view sends them: `lines.N.field` finds its row
    form again; other fields go to the header form or to the top."""
    if not exc.fields:
        form.add_error(None, str(exc.message))
        return
    row_forms = list(getattr(lines, "row_forms", [])) + list(getattr(gifts, "row_forms", []))
    for name, message in exc.fields.items():
        parts = str(name).split(".")
        if parts[0] == "lines":
            if len(parts) >= 2 and parts[1].isdigit() and 0 < int(parts[1]) <= len(row_forms):
                target = row_forms[int(parts[1]) - 1]
                field = parts[2] if len(parts) > 2 and parts[2] in target.fields else None
                target.add_error(field, str(message))
            else:
                lines.table_errors = [*getattr(lines, "table_errors", []), str(message)]
        elif parts[0] in form.fields:
            form.add_error(parts[0], str(message))
        else:
            form.add_error(None, str(message))
