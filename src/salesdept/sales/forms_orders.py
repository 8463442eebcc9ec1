"""Forms of the sales order pages (S4); services.orders checks everything again."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salesdept.accounts.scope import visible
from salesdept.catalog.models import Channel
from salesdept.core.forms import DATE_WIDGET
from salesdept.crm.models import Customer

__all__ = ["OrderForm"]


class OrderForm(forms.Form):
    customer = forms.ModelChoiceField(label=_("Customer"), queryset=Customer.objects.none())
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial=Channel.DIRECT)
    ordered_on = forms.DateField(label=_("Order date"), widget=DATE_WIDGET)
    wanted_on = forms.DateField(label=_("Delivery date"), widget=DATE_WIDGET, required=False)
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args, user, contract_order: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ordered_on"].initial = timezone.localdate()
        self.fields["customer"].queryset = visible(
            Customer.objects.filter(is_active=True, merged_into__isnull=True), user
        ).order_by("name")
        if contract_order:
            # the contract fixes customer and channel
            del self.fields["customer"]
            del self.fields["channel"]

    def header(self) -> dict:
        d = self.cleaned_data
        out = {"ordered_on": d["ordered_on"], "wanted_on": d.get("wanted_on"), "notes": d.get("notes", "")}
        if "channel" in self.fields:
            out["channel"] = d["channel"]
        return out
