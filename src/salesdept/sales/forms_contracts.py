"""Forms of the contract pages (S3). They only collect input: services.contracts checks it again
and writes. Lines, payment milestones and planned deliveries are formsets edited in one page;
rows are plain inputs in tab order, a new row is added with a button (or Alt+N in the last row),
and an emptied row is dropped."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salesdept.accounts.scope import visible
from salesdept.catalog.models import Channel, Product
from salesdept.core.errors import DomainError
from salesdept.core.forms import DATE_WIDGET
from salesdept.crm.models import Customer

from .models import Contract, PaymentMilestone
from .services.contracts import ALLOWED_ATTACHMENT, ALLOWED_SIGNED_COPY

__all__ = [
    "AttachmentForm",
    "ContractForm",
    "DeliveryFormSet",
    "LineFormSet",
    "MilestoneFormSet",
    "RegisterForm",
    "SignForm",
    "apply_refusal",
    "product_choices",
]

MAX_PRODUCTS = 1000


def product_choices():
    rows = (
        Product.objects.filter(is_active=True)
        .order_by("code")
        .values_list("pk", "code", "name")[:MAX_PRODUCTS]
    )
    return [("", "—")] + [(pk, f"{code} {name}") for pk, code, name in rows]


class ContractForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    customer = forms.ModelChoiceField(label=_("Customer"), queryset=Customer.objects.none())
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial=Channel.DIRECT)
    language = forms.ChoiceField(
        label=_("Print language"), choices=Contract._meta.get_field("language").choices, initial="zh-hans"
    )
    payment_terms = forms.CharField(
        label=_("Payment terms"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )
    delivery_terms = forms.CharField(
        label=_("Delivery terms"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )
    notes = forms.CharField(
        label=_("Other terms"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = visible(
            Customer.objects.filter(is_active=True, merged_into__isnull=True), user
        ).order_by("name")

    def header(self) -> dict:
        d = self.cleaned_data
        return {
            "title": d["title"],
            "customer_id": d["customer"].pk,
            "channel": d["channel"],
            "language": d["language"],
            "payment_terms": d["payment_terms"],
            "delivery_terms": d["delivery_terms"],
            "notes": d["notes"],
        }


class RowForm(forms.Form):
    """A table row: each input is named by its column header for screen readers."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.setdefault("aria-label", str(field.label or ""))


class LineForm(RowForm):
    id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    product = forms.TypedChoiceField(label=_("Product"), coerce=int, required=False, empty_value=None)
    description = forms.CharField(label=_("Note on the line"), max_length=300, required=False)
    quantity = forms.DecimalField(
        label=_("Quantity"), max_digits=14, decimal_places=3, required=False, min_value=0
    )
    discount = forms.DecimalField(label=_("Discount (%)"), max_digits=5, decimal_places=2, required=False)
    unit_price = forms.DecimalField(
        label=_("Unit price"),
        max_digits=14,
        decimal_places=2,
        required=False,
        help_text=_("Leave empty to price by the discount."),
    )

    def __init__(self, *args, products=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].choices = products or product_choices()

    def row(self) -> dict | None:
        d = self.cleaned_data
        if not d or not d.get("product"):
            return None
        row = {
            "product_id": d["product"],
            "quantity": d.get("quantity"),
            "description": d.get("description") or "",
        }
        if d.get("id"):
            row["id"] = d["id"]
        if d.get("unit_price") is not None:
            row["unit_price"] = d["unit_price"]
        else:
            row["discount"] = d.get("discount") or 0
        return row


class MilestoneForm(RowForm):
    label = forms.CharField(label=_("Milestone"), max_length=100, required=False)
    percent = forms.DecimalField(label=_("Share (%)"), max_digits=5, decimal_places=2, required=False)
    trigger = forms.ChoiceField(label=_("Due"), choices=PaymentMilestone.Trigger.choices, required=False)
    days = forms.IntegerField(label=_("Within days"), min_value=0, max_value=3650, required=False)
    due_on = forms.DateField(label=_("Due on"), widget=DATE_WIDGET, required=False)

    def row(self) -> dict | None:
        d = self.cleaned_data
        if not d or d.get("percent") in (None, ""):
            return None
        return {
            "label": d.get("label") or "",
            "percent": d["percent"],
            "trigger": d.get("trigger") or "signing",
            "days": d.get("days") or 0,
            "due_on": d.get("due_on"),
        }


class DeliveryForm(RowForm):
    line = forms.IntegerField(label=_("Line"), min_value=1, required=False)
    planned_on = forms.DateField(label=_("Planned date"), widget=DATE_WIDGET, required=False)
    quantity = forms.DecimalField(label=_("Quantity"), max_digits=14, decimal_places=3, required=False)

    def row(self) -> dict | None:
        d = self.cleaned_data
        if not d or not d.get("line"):
            return None
        return {"line": d["line"], "planned_on": d.get("planned_on"), "quantity": d.get("quantity")}


class RowFormSet(forms.BaseFormSet):
    def rows(self) -> list[dict]:
        return [row for form in self.forms if (row := form.row()) is not None]


LineFormSet = forms.formset_factory(LineForm, formset=RowFormSet, extra=1, max_num=200, validate_max=True)
MilestoneFormSet = forms.formset_factory(
    MilestoneForm, formset=RowFormSet, extra=1, max_num=20, validate_max=True
)
DeliveryFormSet = forms.formset_factory(
    DeliveryForm, formset=RowFormSet, extra=1, max_num=500, validate_max=True
)


def apply_refusal(exc: DomainError, form, formsets: dict) -> None:
    """Put a service refusal next to its input: "lines.2.quantity" on the second line's quantity,
    "milestones" on the milestone table, other fields on the header form or at the top."""
    if not exc.fields:
        form.add_error(None, str(exc.message))
        return
    for name, message in exc.fields.items():
        parts = str(name).split(".")
        if parts[0] in formsets:
            formset = formsets[parts[0]]
            if len(parts) >= 2 and parts[1].isdigit() and 0 < int(parts[1]) <= len(formset.forms):
                target = formset.forms[int(parts[1]) - 1]
                field = parts[2] if len(parts) > 2 and parts[2] in target.fields else None
                target.add_error(field, str(message))
            else:
                formset.table_errors = [*getattr(formset, "table_errors", []), str(message)]
        elif parts[0] in form.fields:
            form.add_error(parts[0], str(message))
        else:
            form.add_error(None, str(message))


class SignForm(forms.Form):
    signed_on = forms.DateField(label=_("Signed on"), widget=DATE_WIDGET)
    signed_copy = forms.FileField(
        label=_("Signed copy"),
        required=False,
        widget=forms.FileInput(attrs={"accept": ",".join(f".{e}" for e in ALLOWED_SIGNED_COPY)}),
    )
    note = forms.CharField(label=_("Comment"), required=False, max_length=2000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["signed_on"].initial = timezone.localdate()
        self.fields["signed_copy"].help_text = _(
            "Required: the scanned signed contract, up to 20 MB (%(types)s)."
        ) % {"types": ", ".join(ALLOWED_SIGNED_COPY)}


class RegisterForm(forms.Form):
    registration_number = forms.CharField(label=_("Registration number"), max_length=40)


class AttachmentForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    file = forms.FileField(
        label=_("File"),
        required=False,
        widget=forms.FileInput(attrs={"accept": ",".join(f".{e}" for e in ALLOWED_ATTACHMENT)}),
    )
