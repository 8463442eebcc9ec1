"""Forms of the plan pages (P1). They only collect input: services check it again and write.
Targets are a formset edited in one table: level, subject, measure, and either a yearly figure
spread evenly or by 12 weights (a seasonal profile), or the 12 monthly values."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.dates import MONTHS_AP
from django.utils.translation import gettext_lazy as _

from salesdept.accounts.models import Region, Team
from salesdept.accounts.scope import visible
from salesdept.catalog.models import Category
from salesdept.core.errors import DomainError

from .models import FIRST_YEAR, LAST_YEAR, Level, Measure
from .services import MONTHS

__all__ = ["PlanForm", "TargetFormSet", "apply_refusal", "subject_choices"]

MAX_CHOICES = 1000
SELLING_ROLES = ("salesperson", "supervisor", "manager", "regional_manager")  # who may carry a target
SPREAD_CHOICES = [
    ("months", _("Monthly values")),
    ("even", _("Spread evenly")),
    ("weights", _("Spread by weights")),
]


def subject_choices(user) -> list:
    """The subjects a target may name, grouped by level; values read "<level>:<id>"."""
    people = (
        visible(get_user_model().objects.filter(is_active=True), user)
        .filter(groups__name__in=SELLING_ROLES)
        .distinct()
        .order_by("display_name", "username")
    )
    return [
        ("", "—"),
        (Level.REGION.label, [(f"region:{r.pk}", str(r)) for r in Region.objects.all()[:MAX_CHOICES]]),
        (Level.TEAM.label, [(f"team:{t.pk}", str(t)) for t in Team.objects.all()[:MAX_CHOICES]]),
        (Level.SALESPERSON.label, [(f"salesperson:{u.pk}", str(u)) for u in people[:MAX_CHOICES]]),
        (Level.CATEGORY.label, [(f"category:{c.pk}", str(c)) for c in Category.objects.all()[:MAX_CHOICES]]),
    ]


class PlanForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=FIRST_YEAR, max_value=LAST_YEAR)
    title = forms.CharField(label=_("Plan title"), max_length=200, required=False)
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)


class TargetForm(forms.Form):
    """A table row: each input is named by its column header for screen readers."""

    level = forms.ChoiceField(label=_("Level"), choices=[("", "—"), *Level.choices], required=False)
    subject = forms.ChoiceField(label=_("Region, team, person or category"), required=False)
    measure = forms.ChoiceField(label=_("Measure"), choices=Measure.choices, required=False)
    year_total = forms.DecimalField(
        label=_("Yearly figure"), max_digits=16, decimal_places=2, min_value=0, required=False
    )
    spread = forms.ChoiceField(label=_("Months from"), choices=SPREAD_CHOICES, required=False)
    weights = forms.CharField(label=_("Weights (12, comma-separated)"), max_length=300, required=False)

    def __init__(self, *args, subjects=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subject"].choices = subjects or [("", "—")]
        for month in MONTHS:
            self.fields[f"m{month}"] = forms.DecimalField(
                label=MONTHS_AP[month], max_digits=16, decimal_places=2, min_value=0, required=False
            )
        for field in self.fields.values():
            field.widget.attrs.setdefault("aria-label", str(field.label or ""))

    def clean(self):
        data = super().clean()
        level, subject = data.get("level"), data.get("subject") or ""
        if level and level != Level.COMPANY and not subject.startswith(f"{level}:"):
            self.add_error("subject", _("Choose a subject of the level chosen."))
        return data

    def row(self) -> dict | None:
        d = self.cleaned_data
        if not d or not d.get("level"):
            return None
        row = {"level": d["level"], "measure": d.get("measure")}
        if d["level"] != Level.COMPANY:
            row["subject"] = (d.get("subject") or ":").split(":", 1)[1]
        mode = d.get("spread") or "months"
        if mode == "months":
            row["months"] = [d.get(f"m{m}") if d.get(f"m{m}") is not None else 0 for m in MONTHS]
        else:
            row["year_total"] = d.get("year_total")
            row["spread"] = mode
            if mode == "weights":
                row["weights"] = [w.strip() for w in (d.get("weights") or "").split(",") if w.strip()]
        return row


class RowFormSet(forms.BaseFormSet):
    def rows(self) -> list[dict]:
        """The filled rows; `row_forms` keeps their forms, so target n of a refusal (counted
        over filled rows, as the service counts) finds its form even after an emptied row."""
        self.row_forms, out = [], []
        for form in self.forms:
            if (row := form.row()) is not None:
                self.row_forms.append(form)
                out.append(row)
        return out


TargetFormSet = forms.formset_factory(TargetForm, formset=RowFormSet, extra=1, max_num=500, validate_max=True)


def apply_refusal(exc: DomainError, form, formset) -> None:
    """Put a service refusal next to its input: "targets.2.year_total" on the second target's
    yearly figure, "targets" on the table, other fields on the header form or at the top."""
    if not exc.fields:
        form.add_error(None, str(exc.message))
        return
    for name, message in exc.fields.items():
        parts = str(name).split(".")
        if parts[0] == "targets":
            forms_ = getattr(formset, "row_forms", formset.forms)
            if len(parts) >= 2 and parts[1].isdigit() and 0 < int(parts[1]) <= len(forms_):
                target = forms_[int(parts[1]) - 1]
                field = parts[2] if len(parts) > 2 else None
                if field == "months" and len(parts) > 3:
                    field = f"m{parts[3]}"
                target.add_error(field if field in target.fields else None, str(message))
            else:
                formset.table_errors = [*getattr(formset, "table_errors", []), str(message)]
        elif parts[0] in form.fields:
            form.add_error(parts[0], str(message))
        else:
            form.add_error(None, str(message))
