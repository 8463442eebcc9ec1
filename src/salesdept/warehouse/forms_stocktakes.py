"""Forms of the stocktake pages (W3). They only shape input; the services check it again and
their refusals are shown on the form (crm.forms_feedback.show_refusal)."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salesdept.catalog.models import Product
from salesdept.core.forms import DATE_WIDGET

from .models import Location, Quality, Stocktake, Warehouse


def stock_products():
    return Product.objects.filter(is_active=True).exclude(kind=Product.Kind.SERVICE).order_by("code")


class ProductChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.code} {obj.name}"


class StocktakeCreateForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Stocktake.Kind.choices, initial=Stocktake.Kind.SPOT)
    warehouse = forms.ModelChoiceField(
        label=_("Warehouse"), queryset=Warehouse.objects.filter(is_active=True), empty_label=None
    )
    location = forms.ModelChoiceField(
        label=_("Location"),
        queryset=Location.objects.filter(is_active=True).select_related("warehouse"),
        required=False,
        empty_label=_("— every location —"),
    )
    product = ProductChoiceField(
        label=_("Product"),
        queryset=stock_products(),
        required=False,
        empty_label=_("— choose a product —"),
        help_text=_("Spot check: the one product to count. A cycle count takes this week's proposal."),
    )
    products = forms.ModelMultipleChoiceField(
        queryset=stock_products(), required=False, widget=forms.MultipleHiddenInput
    )
    counted_on = forms.DateField(label=_("Count date"), widget=DATE_WIDGET)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["counted_on"].initial = timezone.localdate()

    def service_kwargs(self) -> dict:
        d = self.cleaned_data
        products = list(d.get("products") or [])
        if d.get("product"):
            products = [d["product"], *products]
        return {
            "kind": d["kind"],
            "warehouse_id": d["warehouse"].pk,
            "location_id": d["location"].pk if d.get("location") else None,
            "product_ids": [p.pk for p in products],
            "counted_on": d["counted_on"],
            "notes": d.get("notes", ""),
        }


class FoundLineForm(forms.Form):
    """Goods found where the book has none."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    product = ProductChoiceField(
        label=_("Product"), queryset=stock_products(), empty_label=_("— choose a product —")
    )
    location = forms.ModelChoiceField(
        label=_("Location"), queryset=Location.objects.none(), empty_label=_("— choose a location —")
    )
    lot = forms.CharField(label=_("Lot / serial number"), max_length=60, required=False)
    quality = forms.ChoiceField(label=_("Quality"), choices=Quality.choices, initial=Quality.ACCEPTED)
    counted_quantity = forms.DecimalField(
        label=_("Counted quantity"), min_value=0, max_digits=14, decimal_places=3
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, stocktake: Stocktake, **kwargs):
        super().__init__(*args, **kwargs)
        locations = Location.objects.filter(warehouse_id=stocktake.warehouse_id, is_active=True)
        if stocktake.location_id:
            locations = locations.filter(pk=stocktake.location_id)
        self.fields["location"].queryset = locations

    def service_kwargs(self) -> dict:
        d = self.cleaned_data
        return {
            "product_id": d["product"].pk,
            "location_id": d["location"].pk,
            "lot": d.get("lot", ""),
            "quality": d["quality"],
            "counted_quantity": d["counted_quantity"],
            "note": d.get("note", ""),
            "version": d.get("version"),
        }


class ProposalForm(forms.Form):
    warehouse = forms.ModelChoiceField(
        label=_("Warehouse"), queryset=Warehouse.objects.filter(is_active=True), empty_label=None
    )
    on = forms.DateField(label=_("Week of"), widget=DATE_WIDGET, required=False)
