"""Forms of the warehouse master-data pages (warehouses, locations, stock level rules). They
shape input only; services.setup checks every rule and names the field at fault."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from salesdept.accounts.models import Region
from salesdept.catalog.models import Product

from .models import Location, Warehouse

__all__ = ["LocationForm", "StockRuleForm", "WarehouseForm", "put_errors"]


class WarehouseForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=20)
    name = forms.CharField(label=_("Name (Chinese)"), max_length=100)
    name_en = forms.CharField(label=_("Name (English)"), max_length=100, required=False)
    region = forms.ModelChoiceField(
        label=_("Region"), queryset=Region.objects.order_by("code"), required=False
    )
    keeper = forms.ModelChoiceField(
        label=_("Warehouse keeper"), queryset=get_user_model().objects.none(), required=False
    )
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    cycle_days = forms.IntegerField(
        label=_("Cycle count period (days)"),
        min_value=1,
        max_value=3660,
        initial=90,
        help_text=_("Every product with stock here is counted at least once within this many days."),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, creating: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["keeper"].queryset = (
            get_user_model().objects.filter(is_active=True).order_by("display_name", "username")
        )
        if creating:
            del self.fields["is_active"]

    def data_dict(self) -> dict:
        d = dict(self.cleaned_data)
        for name in ("region", "keeper"):
            d[name] = d[name].pk if d.get(name) else None
        return d

    @staticmethod
    def initial_of(warehouse: Warehouse) -> dict:
        return {
            "code": warehouse.code,
            "name": warehouse.name,
            "name_en": warehouse.name_en,
            "region": warehouse.region_id,
            "keeper": warehouse.keeper_id,
            "address": warehouse.address,
            "cycle_days": warehouse.cycle_days,
            "is_active": warehouse.is_active,
        }


class LocationForm(forms.Form):
    code = forms.CharField(
        label=_("Code"), max_length=30, help_text=_("Aisle, rack and shelf, e.g. A-01-03 (定置管理).")
    )
    name = forms.CharField(label=_("Name"), max_length=100, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=Location.Kind.choices, initial=Location.Kind.STORAGE)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, creating: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if creating:
            del self.fields["is_active"]


class StockRuleForm(forms.Form):
    warehouse = forms.ModelChoiceField(label=_("Warehouse"), queryset=Warehouse.objects.none())
    product = forms.ModelChoiceField(label=_("Product"), queryset=Product.objects.none())
    min_quantity = forms.DecimalField(label=_("Minimum"), max_digits=14, decimal_places=3, min_value=0)
    max_quantity = forms.DecimalField(label=_("Maximum"), max_digits=14, decimal_places=3, min_value=0)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["warehouse"].queryset = Warehouse.objects.filter(is_active=True).order_by("code")
        self.fields["product"].queryset = (
            Product.objects.filter(is_active=True).exclude(kind=Product.Kind.SERVICE).order_by("code")
        )

    def data_dict(self) -> dict:
        d = self.cleaned_data
        return {
            "warehouse": d["warehouse"].pk,
            "product": d["product"].pk,
            "min_quantity": d["min_quantity"],
            "max_quantity": d["max_quantity"],
        }


def put_errors(form, exc) -> None:
    """A service refusal next to its field (or at the top)."""
    if not exc.fields:
        form.add_error(None, str(exc.message))
    for name, message in exc.fields.items():
        form.add_error(name if name in form.fields else None, str(message))
