"""Forms of the payment and receivables pages (F3); services.payments checks everything again."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salesdept.accounts.scope import visible
from salesdept.core.forms import DATE_WIDGET
from salesdept.crm.models import Customer

from .models import PaymentMethod

__all__ = ["AgingForm", "CollectionsForm", "PaymentForm", "StatementForm", "allocation_rows"]

ALLOCATION_CHOICES = [
    ("oldest", _("Oldest due first")),
    ("manual", _("By hand")),
    ("none", _("Keep as customer credit")),
]


class PaymentForm(forms.Form):
    customer = forms.ModelChoiceField(label=_("Customer"), queryset=Customer.objects.none())
    amount = forms.DecimalField(label=_("Amount"), max_digits=14, decimal_places=2, min_value=0.01)
    received_on = forms.DateField(label=_("Received on"), widget=DATE_WIDGET)
    method = forms.ChoiceField(label=_("Method"), choices=PaymentMethod.choices, initial=PaymentMethod.BANK)
    reference = forms.CharField(
        label=_("Reference"),
        max_length=100,
        required=False,
        help_text=_("The bank's reference: the same reference of one customer is recorded once."),
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )
    allocation = forms.ChoiceField(
        label=_("Allocate to invoices"),
        choices=ALLOCATION_CHOICES,
        initial="oldest",
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["received_on"].initial = timezone.localdate()
        self.fields["customer"].queryset = visible(
            Customer.objects.filter(is_active=True, merged_into__isnull=True), user
        ).order_by("name")
        self.fields["customer"].widget.attrs["data-testid"] = "payment-customer"


def allocation_rows(data, invoices) -> list[dict]:
    """The amounts typed per open invoice (inputs named alloc-<invoice id>) as service rows."""
    rows = []
    for inv in invoices:
        value = (data.get(f"alloc-{inv.pk}") or "").strip()
        if value and value not in ("0", "0.00"):
            rows.append({"invoice_id": inv.pk, "amount": value})
    return rows


class AgingForm(forms.Form):
    by = forms.ChoiceField(
        label=_("Group by"),
        choices=[("customer", _("Customer")), ("salesperson", _("Salesperson")), ("region", _("Region"))],
        required=False,
    )
    as_of = forms.DateField(label=_("As of"), widget=DATE_WIDGET, required=False)


class CollectionsForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100, required=False)
    by = forms.ChoiceField(
        label=_("Group by"),
        choices=[("region", _("Region")), ("salesperson", _("Salesperson"))],
        required=False,
    )


class StatementForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=DATE_WIDGET, required=False)
    end = forms.DateField(label=_("To"), widget=DATE_WIDGET, required=False)
