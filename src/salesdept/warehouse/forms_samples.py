"""Forms of the sample pages (W5): consuming part of a loan, registering a received sample."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salesdept.crm.forms_feedback import CustomerPickerMixin

from .forms_stocktakes import DATE_WIDGET, ProductChoiceField, stock_products
from .models import Location


class LoanConsumeForm(forms.Form):
    quantity = forms.DecimalField(label=_("Quantity consumed"), min_value=0, max_digits=14, decimal_places=3)
    note = forms.CharField(
        label=_("Note"), max_length=300, required=False, help_text=_("Given to whom, used for what.")
    )


class LocationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.warehouse.code}/{obj.code} {obj.name}".strip()


class ReceivedSampleForm(CustomerPickerMixin, forms.Form):
    received_on = forms.DateField(label=_("Received on"), widget=DATE_WIDGET)
    sender = forms.CharField(label=_("Sender"), max_length=200)
    description = forms.CharField(label=_("Description"), max_length=300)
    quantity = forms.DecimalField(label=_("Quantity"), max_digits=14, decimal_places=3)
    product = ProductChoiceField(
        label=_("Product"), queryset=stock_products(), required=False, empty_label=_("— none —")
    )
    location = LocationChoiceField(
        label=_("Kept at"),
        queryset=Location.objects.filter(is_active=True).select_related("warehouse"),
        required=False,
        empty_label=_("— not stored yet —"),
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["received_on"].initial = timezone.localdate()
        self.setup_customer(user, required=False)

    def service_data(self) -> dict:
        d = self.cleaned_data
        return {
            "received_on": d["received_on"],
            "sender": d["sender"],
            "description": d["description"],
            "quantity": d["quantity"],
            "customer": d["customer"].pk if d.get("customer") else None,
            "product": d["product"].pk if d.get("product") else None,
            "location": d["location"].pk if d.get("location") else None,
            "notes": d.get("notes", ""),
        }


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Note"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
