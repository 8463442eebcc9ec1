"""Forms of the stock document pages: the header (kind-aware) and a formset of lines, the
quality inspection, and the note asked before reversing. The forms only shape input; every rule
is checked by services.documents, whose refusals `apply_refusal` puts next to their inputs."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salesdept.accounts.scope import visible
from salesdept.catalog.models import Product
from salesdept.core.errors import DomainError
from salesdept.core.forms import DATE_WIDGET
from salesdept.crm.models import Customer

from .models import DocumentKind, Location, Purpose, Quality, SampleLoan, Warehouse
from .services.documents import PURPOSES

__all__ = [
    "DocumentForm",
    "InspectionForm",
    "LineForm",
    "LineFormSet",
    "NoteForm",
    "apply_refusal",
    "line_choices",
]

MAX_CHOICES = 2000


def line_choices() -> dict:
    """Choices the line inputs offer, read once per page (not once per row)."""
    products = (
        Product.objects.filter(is_active=True)
        .exclude(kind=Product.Kind.SERVICE)
        .order_by("code")
        .values_list("pk", "code", "name")[:MAX_CHOICES]
    )
    locations = (
        Location.objects.filter(is_active=True, warehouse__is_active=True)
        .select_related("warehouse")
        .order_by("warehouse__code", "code")[:MAX_CHOICES]
    )
    loans = (
        SampleLoan.objects.filter(status=SampleLoan.Status.OUT)
        .select_related("product", "holder", "customer")
        .order_by("-issued_on", "-pk")[:MAX_CHOICES]
    )
    empty = [("", "—")]
    return {
        "products": empty + [(pk, f"{code} {name}") for pk, code, name in products],
        "locations": empty
        + [(loc.pk, f"{loc.warehouse.code}/{loc.code} {loc.name}".strip()) for loc in locations],
        "loans": empty
        + [
            (
                loan.pk,
                f"#{loan.pk} {loan.product.code} × {loan.outstanding.normalize()} "
                f"{loan.holder or loan.customer or ''}".strip(),
            )
            for loan in loans
        ],
    }


class DocumentForm(forms.Form):
    purpose = forms.ChoiceField(label=_("Purpose"))
    warehouse = forms.ModelChoiceField(label=_("Warehouse"), queryset=Warehouse.objects.none())
    moved_on = forms.DateField(label=_("Date"), widget=DATE_WIDGET)
    customer = forms.ModelChoiceField(label=_("Customer"), queryset=Customer.objects.none(), required=False)
    supplier = forms.CharField(label=_("Supplier"), max_length=200, required=False)
    holder = forms.ModelChoiceField(
        label=_("Issued to"), queryset=get_user_model().objects.none(), required=False
    )
    reference = forms.CharField(
        label=_("Reference"),
        max_length=100,
        required=False,
        help_text=_("Delivery note, purchase order or other paper this document goes with."),
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args, kind: str, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.fields["purpose"].choices = [(p, Purpose(p).label) for p in PURPOSES[kind]]
        self.fields["warehouse"].queryset = Warehouse.objects.filter(is_active=True).order_by("code")
        self.fields["moved_on"].initial = timezone.localdate()
        self.fields["customer"].queryset = visible(
            Customer.objects.filter(is_active=True, merged_into__isnull=True), user
        ).order_by("name")
        self.fields["holder"].queryset = (
            get_user_model().objects.filter(is_active=True).order_by("display_name", "username")
        )
        if kind in (DocumentKind.TRANSFER, DocumentKind.ADJUSTMENT):
            for name in ("customer", "supplier", "holder"):
                del self.fields[name]
        elif kind == DocumentKind.RECEIPT:  # goods come from a supplier or production
            del self.fields["holder"]
            del self.fields["customer"]

    def data_dict(self) -> dict:
        d = self.cleaned_data
        out = {"purpose": d["purpose"], "warehouse": d["warehouse"].pk, "moved_on": d["moved_on"]}
        for name in ("supplier", "reference", "notes"):
            if name in self.fields:
                out[name] = d.get(name) or ""
        for name in ("customer", "holder"):
            if name in self.fields:
                out[name] = d[name].pk if d.get(name) else None
        return out


class RowForm(forms.Form):
    """A table row: each input is named by its column header for screen readers."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.setdefault("aria-label", str(field.label or ""))


class LineForm(RowForm):
    product = forms.TypedChoiceField(label=_("Product"), coerce=int, required=False, empty_value=None)
    quantity = forms.DecimalField(label=_("Quantity"), max_digits=14, decimal_places=3, required=False)
    location = forms.TypedChoiceField(label=_("Location"), coerce=int, required=False, empty_value=None)
    to_location = forms.TypedChoiceField(label=_("To location"), coerce=int, required=False, empty_value=None)
    lot = forms.CharField(label=_("Lot / serial number"), max_length=60, required=False)
    quality = forms.ChoiceField(label=_("Quality"), required=False)
    unit_cost = forms.DecimalField(label=_("Unit cost"), max_digits=14, decimal_places=2, required=False)
    due_back = forms.DateField(label=_("Expected return"), widget=DATE_WIDGET, required=False)
    loan = forms.TypedChoiceField(label=_("Sample loan"), coerce=int, required=False, empty_value=None)
    notes = forms.CharField(label=_("Notes"), max_length=200, required=False)

    # Which inputs each kind of document shows.
    COLUMNS = {
        DocumentKind.RECEIPT: ("product", "quantity", "location", "lot", "quality", "unit_cost", "notes"),
        DocumentKind.ISSUE: ("product", "quantity", "location", "lot", "quality", "due_back", "notes"),
        DocumentKind.RETURN: (
            "product",
            "quantity",
            "location",
            "lot",
            "quality",
            "unit_cost",
            "loan",
            "notes",
        ),
        DocumentKind.TRANSFER: ("product", "quantity", "location", "to_location", "lot", "quality", "notes"),
        DocumentKind.ADJUSTMENT: ("product", "quantity", "location", "lot", "quality", "unit_cost", "notes"),
    }

    def __init__(self, *args, kind: str, choices: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].choices = choices["products"]
        self.fields["location"].choices = choices["locations"]
        self.fields["to_location"].choices = choices["locations"]
        self.fields["loan"].choices = choices["loans"]
        incoming = kind in (DocumentKind.RECEIPT, DocumentKind.RETURN)
        self.fields["quality"].choices = Quality.choices
        self.fields["quality"].initial = Quality.PENDING if incoming else Quality.ACCEPTED
        if kind == DocumentKind.ADJUSTMENT:
            self.fields["quantity"].help_text = _("+ found, − missing")
        for name in list(self.fields):
            if name not in self.COLUMNS[kind]:
                del self.fields[name]

    def row(self) -> dict | None:
        d = self.cleaned_data
        if not d or not d.get("product"):
            return None
        row = {"product": d["product"], "quantity": d.get("quantity"), "location": d.get("location")}
        for name in ("to_location", "lot", "quality", "unit_cost", "due_back", "loan", "notes"):
            if name in self.fields and d.get(name) not in (None, ""):
                row[name] = d[name]
        return row


class RowFormSet(forms.BaseFormSet):
    def rows(self) -> list[dict]:
        """The filled rows; `row_forms` keeps their forms, so the service's `lines.N` (1-based
        over the filled rows) finds its form again."""
        out, self.row_forms = [], []
        for form in self.forms:
            if (row := form.row()) is not None:
                out.append(row)
                self.row_forms.append(form)
        return out


LineFormSet = forms.formset_factory(LineForm, formset=RowFormSet, extra=1, max_num=500, validate_max=True)


def plain(number) -> str:
    """10.000 → "10", 2.500 → "2.5"."""
    text = format(number, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def line_initial(lines) -> list[dict]:
    """Formset initial data from saved lines."""
    return [
        {
            "product": line.product_id,
            "quantity": plain(line.quantity),
            "location": line.location_id,
            "to_location": line.to_location_id,
            "lot": line.lot,
            "quality": line.quality,
            "unit_cost": line.unit_cost,
            "due_back": line.due_back,
            "loan": line.loan_id,
            "notes": line.notes,
        }
        for line in lines
    ]


class InspectionForm(forms.Form):
    accepted = forms.DecimalField(
        label=_("Accepted stock"), max_digits=14, decimal_places=3, min_value=0, initial=0
    )
    rejected = forms.DecimalField(
        label=_("Rejected stock"), max_digits=14, decimal_places=3, min_value=0, initial=0
    )
    notes = forms.CharField(label=_("Notes"), max_length=300, required=False)


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Comment"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


def apply_refusal(exc: DomainError, form, formsets: dict) -> None:
    """Put a service refusal next to its input: "lines.2.quantity" on the second line's quantity,
    "lines" on the line table, other fields on the header form or at the top."""
    if not exc.fields:
        form.add_error(None, str(exc.message))
        return
    for name, message in exc.fields.items():
        parts = str(name).split(".")
        if parts[0] in formsets:
            formset = formsets[parts[0]]
            forms_ = getattr(formset, "row_forms", None) or formset.forms
            if len(parts) >= 2 and parts[1].isdigit() and 0 < int(parts[1]) <= len(forms_):
                target = forms_[int(parts[1]) - 1]
                field = parts[2] if len(parts) > 2 and parts[2] in target.fields else None
                target.add_error(field, str(message))
            else:
                formset.table_errors = [*getattr(formset, "table_errors", []), str(message)]
        elif parts[0] in form.fields:
            form.add_error(parts[0], str(message))
        else:
            form.add_error(None, str(message))
