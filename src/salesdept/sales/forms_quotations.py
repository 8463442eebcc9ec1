"""Forms of the quotation pages (S2): the header and an inline formset of lines (rows added and
removed in the page). They only collect input; services.quotations checks it again, prices the
lines from the catalog and writes."""

import datetime

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salesdept.catalog.models import Channel, Product
from salesdept.crm.forms_feedback import DATE_WIDGET, CustomerPickerMixin, VersionedForm

from .services.quotations import DEFAULT_VALIDITY_DAYS

__all__ = ["QuotationForm", "QuotationLineForm", "QuotationLineFormSet", "VersionForm", "active_products"]


def active_products():
    return Product.objects.filter(is_active=True).order_by("code")


class ProductChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.code} {obj.name}" + (f" / {obj.name_en}" if obj.name_en else "")


class QuotationLineForm(forms.Form):
    product = ProductChoiceField(
        label=_("Product"), queryset=active_products(), empty_label=_("— choose a product —")
    )
    quantity = forms.DecimalField(label=_("Quantity"), max_digits=14, decimal_places=3, min_value=0)
    discount = forms.DecimalField(
        label=_("Discount (%)"), max_digits=5, decimal_places=2, min_value=0, max_value=100, required=False
    )
    unit_price = forms.DecimalField(
        label=_("Unit price"),
        max_digits=14,
        decimal_places=2,
        min_value=0,
        required=False,
        help_text=_("Leave empty to derive it from the discount."),
    )
    description = forms.CharField(label=_("Note"), max_length=300, required=False)

    def line(self) -> dict:
        data = self.cleaned_data
        line = {
            "product_id": data["product"].pk,
            "quantity": data["quantity"],
            "description": data.get("description", ""),
        }
        if data.get("unit_price") is not None:
            line["unit_price"] = data["unit_price"]
        else:
            line["discount"] = data.get("discount") or 0
        return line


QuotationLineFormSet = forms.formset_factory(
    QuotationLineForm, extra=0, can_delete=True, min_num=1, validate_min=True
)


class QuotationForm(CustomerPickerMixin, VersionedForm):
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial=Channel.DIRECT)
    quoted_on = forms.DateField(label=_("Date"), widget=DATE_WIDGET)
    valid_until = forms.DateField(label=_("Valid until"), widget=DATE_WIDGET)
    language = forms.ChoiceField(label=_("Print language"), choices=[("zh-hans", "中文"), ("en", "English")])
    payment_terms = forms.CharField(
        label=_("Payment terms"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    delivery_terms = forms.CharField(
        label=_("Delivery terms"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    terms = forms.CharField(label=_("Other terms"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
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
        self.fields["quoted_on"].initial = today
        self.fields["valid_until"].initial = today + datetime.timedelta(days=DEFAULT_VALIDITY_DAYS)
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
                for k in (
                    "channel",
                    "quoted_on",
                    "valid_until",
                    "language",
                    "payment_terms",
                    "delivery_terms",
                    "terms",
                    "notes",
                )
            },
        }
        if data.get("owner"):
            kwargs["owner_id"] = data["owner"].pk
        return kwargs


class VersionForm(VersionedForm):
    pass
