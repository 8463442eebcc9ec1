"""Forms of the catalog pages (S1). They only collect input; the services validate it again and
write, and their refusals are shown next to the fields (show_refusal)."""

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from salesdept.accounts.models import Region
from salesdept.core.errors import DomainError
from salesdept.core.forms import DATE_WIDGET

from .models import Category, Channel, PriceApproval, PriceList, Product

__all__ = [
    "CategoryForm",
    "DecideForm",
    "DiscountAuthorityForm",
    "PriceRequestForm",
    "PriceListForm",
    "PriceListItemForm",
    "ProductFilterForm",
    "ProductForm",
    "show_refusal",
]

MONEY = {"max_digits": 14, "decimal_places": 2, "min_value": 0}
ACTIVE_CHOICES = [("", _("All")), ("true", _("Active")), ("false", _("Inactive"))]


def show_refusal(form: forms.Form, exc: DomainError) -> None:
    """A service's refusal on the form: each named field next to its input, the rest on top."""
    if exc.fields:
        for name, message in exc.fields.items():
            target = name if name in form.fields else (name[:-3] if name.endswith("_id") else None)
            form.add_error(target if target in form.fields else None, str(message))
    else:
        form.add_error(None, str(exc.message))


class ProductFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), max_length=100, required=False)
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=Category.objects.all(), required=False, empty_label=_("All")
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=[("", _("All")), *Product.Kind.choices], required=False)
    active = forms.ChoiceField(label=_("Status"), choices=ACTIVE_CHOICES, required=False)


class ProductForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    code = forms.CharField(label=_("Product code"), max_length=40)
    name = forms.CharField(label=_("Name (Chinese)"), max_length=200)
    name_en = forms.CharField(label=_("Name (English)"), max_length=200, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=Product.Kind.choices, initial=Product.Kind.GOODS)
    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.all())
    uom = forms.CharField(
        label=_("Unit"), max_length=20, required=False, help_text=_("Empty: 件, 台, 套 or 项 by kind.")
    )
    spec = forms.CharField(label=_("Specification"), max_length=300, required=False)
    list_price = forms.DecimalField(label=_("List price"), **MONEY)
    floor_price = forms.DecimalField(label=_("Floor price"), required=False, **MONEY)
    tax_rate = forms.DecimalField(
        label=_("Tax rate (%)"),
        max_digits=5,
        decimal_places=2,
        min_value=0,
        max_value=100,
        required=False,
        help_text=_("Empty: 9 % for a unique unit, 13 % otherwise."),
    )
    building = forms.CharField(label=_("Building"), max_length=50, required=False)
    floor = forms.CharField(label=_("Floor"), max_length=20, required=False)
    unit_number = forms.CharField(label=_("Unit number"), max_length=50, required=False)
    area = forms.DecimalField(
        label=_("Area (m²)"), max_digits=10, decimal_places=2, min_value=0, required=False
    )
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    UNIT_FIELDS = ("building", "floor", "unit_number", "area")

    def __init__(self, *args, product: Product | None = None, **kwargs):
        if product is not None and "initial" not in kwargs and not args:
            kwargs["initial"] = {
                "version": product.version,
                "code": product.code,
                "name": product.name,
                "name_en": product.name_en,
                "kind": product.kind,
                "category": product.category_id,
                "uom": product.uom,
                "spec": product.spec,
                "list_price": product.list_price,
                "floor_price": product.floor_price,
                "tax_rate": product.tax_rate,
                "building": product.building,
                "floor": product.floor,
                "unit_number": product.unit_number,
                "area": product.area,
                "notes": product.notes,
            }
        super().__init__(*args, **kwargs)
        if product is None:
            del self.fields["version"]
        # Choosing the kind shows or hides the unique-unit fields (htmx; without it they show).
        self.fields["kind"].widget.attrs.update(
            {
                "hx-get": reverse("catalog:product_unit_fields"),
                "hx-trigger": "change",
                "hx-target": "#unit-fields",
                "hx-swap": "outerHTML",
                "hx-include": "#unit-fields",
            }
        )

    def service_kwargs(self) -> dict:
        d = dict(self.cleaned_data)
        category = d.pop("category")
        d["category_id"] = category.pk if category else None
        return d


class CategoryForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=20)
    name = forms.CharField(label=_("Name (Chinese)"), max_length=100)
    name_en = forms.CharField(label=_("Name (English)"), max_length=100, required=False)
    parent = forms.ModelChoiceField(
        label=_("Parent"), queryset=Category.objects.all(), required=False, empty_label=_("— none —")
    )
    sort_order = forms.IntegerField(label=_("Order"), min_value=0, initial=0, required=False)

    def service_kwargs(self) -> dict:
        d = dict(self.cleaned_data)
        parent = d.pop("parent")
        d["parent_id"] = parent.pk if parent else None
        d["sort_order"] = d.get("sort_order") or 0
        return d


class PriceListForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=20)
    name = forms.CharField(label=_("Name (Chinese)"), max_length=100)
    name_en = forms.CharField(label=_("Name (English)"), max_length=100, required=False)
    channel = forms.ChoiceField(
        label=_("Channel"), choices=[("", _("— any —")), *Channel.choices], required=False
    )
    region = forms.ModelChoiceField(
        label=_("Region"), queryset=Region.objects.all(), required=False, empty_label=_("— any —")
    )
    valid_from = forms.DateField(label=_("Valid from"), widget=DATE_WIDGET)
    valid_to = forms.DateField(label=_("Valid to"), widget=DATE_WIDGET, required=False)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    @classmethod
    def initial_of(cls, price_list: PriceList) -> dict:
        return {
            "code": price_list.code,
            "name": price_list.name,
            "name_en": price_list.name_en,
            "channel": price_list.channel,
            "region": price_list.region_id,
            "valid_from": price_list.valid_from,
            "valid_to": price_list.valid_to,
            "is_active": price_list.is_active,
        }

    def service_kwargs(self) -> dict:
        d = dict(self.cleaned_data)
        region = d.pop("region")
        d["region_id"] = region.pk if region else None
        return d


class PriceListItemForm(forms.Form):
    product = forms.ModelChoiceField(
        label=_("Product"), queryset=Product.objects.filter(is_active=True).order_by("code")
    )
    price = forms.DecimalField(label=_("Price"), **MONEY)


class DiscountAuthorityForm(forms.Form):
    role = forms.CharField(widget=forms.HiddenInput)
    max_discount = forms.DecimalField(
        label=_("Maximum discount (%)"), max_digits=5, decimal_places=2, min_value=0, max_value=100
    )
    below_floor = forms.BooleanField(label=_("May approve prices under the floor"), required=False)


class PriceRequestForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why this price: the customer, the competition, the volume …"),
    )  # fmt: skip
    discount = forms.DecimalField(
        label=_("Discount asked (%)"), max_digits=5, decimal_places=2, min_value=0, max_value=100,
        required=False, help_text=_("Empty: the highest discount of the lines over your authority."),
    )  # fmt: skip
    below_floor = forms.BooleanField(label=_("Under the floor price"), required=False)


class DecideForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("reject", _("Reject"))])
    note = forms.CharField(
        label=_("Note"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "reject" and not (data.get("note") or "").strip():
            self.add_error("note", _("Please give a reason for the rejection."))
        return data


STATUS_COLOURS = {
    PriceApproval.Status.PENDING: "warning",
    PriceApproval.Status.APPROVED: "success",
    PriceApproval.Status.REJECTED: "danger",
    PriceApproval.Status.WITHDRAWN: "secondary",
}
