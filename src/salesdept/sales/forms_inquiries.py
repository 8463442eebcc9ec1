"""Forms of the inquiry pages (S2): the header and an inline formset of lines (a product or a
description, and a quantity). services.inquiries checks everything again and writes."""

import datetime

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salesdept.catalog.models import Channel
from salesdept.crm.forms_feedback import DATE_WIDGET, CustomerPickerMixin, VersionedForm

from .forms_quotations import ProductChoiceField, active_products
from .services.inquiries import DEFAULT_RESPONSE_DAYS

__all__ = ["InquiryCloseForm", "InquiryForm", "InquiryLineFormSet", "InquiryQuoteForm"]


class InquiryLineForm(forms.Form):
    product = ProductChoiceField(
        label=_("Product"),
        queryset=active_products(),
        required=False,
        empty_label=_("— not in the catalog —"),
    )
    description = forms.CharField(label=_("What is asked for"), max_length=300, required=False)
    quantity = forms.DecimalField(label=_("Quantity"), max_digits=14, decimal_places=3, min_value=0)

    def clean(self):
        data = super().clean()
        if not data.get("product") and not (data.get("description") or "").strip() and not data.get("DELETE"):
            self.add_error("description", _("Choose a product or describe what is asked for."))
        return data

    def line(self) -> dict:
        data = self.cleaned_data
        return {
            "product_id": data["product"].pk if data.get("product") else None,
            "description": data.get("description", ""),
            "quantity": data["quantity"],
        }


InquiryLineFormSet = forms.formset_factory(
    InquiryLineForm, extra=0, can_delete=True, min_num=1, validate_min=True
)


class InquiryForm(CustomerPickerMixin, VersionedForm):
    contact_name = forms.CharField(label=_("Contact person"), max_length=100, required=False)
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial=Channel.DIRECT)
    received_on = forms.DateField(label=_("Received on"), widget=DATE_WIDGET)
    respond_by = forms.DateField(label=_("Respond by"), widget=DATE_WIDGET)
    wanted_on = forms.DateField(label=_("Wanted by"), widget=DATE_WIDGET, required=False)
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    owner = forms.ModelChoiceField(
        label=_("Salesperson"),
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label=_("— default —"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["received_on"].initial = today
        self.fields["respond_by"].initial = today + datetime.timedelta(days=DEFAULT_RESPONSE_DAYS)
        self.setup_customer(user)
        from salesdept.accounts.scope import Scope, scope_of

        if scope_of(user) <= Scope.OWN:
            del self.fields["owner"]
        else:
            self.fields["owner"].queryset = (
                get_user_model().objects.filter(is_active=True).order_by("display_name", "username")
            )

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        kwargs = {
            "version": data.get("version"),
            "customer_id": data["customer"].pk,
            **{
                k: data[k]
                for k in ("contact_name", "channel", "received_on", "respond_by", "wanted_on", "notes")
            },
        }
        if data.get("owner"):
            kwargs["owner_id"] = data["owner"].pk
        return kwargs


class InquiryCloseForm(VersionedForm):
    reason = forms.CharField(label=_("Reason"), max_length=300)

    def service_kwargs(self) -> dict:
        return {"version": self.cleaned_data.get("version"), "reason": self.cleaned_data["reason"]}


class InquiryQuoteForm(VersionedForm):
    pass
