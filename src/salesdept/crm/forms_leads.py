"""Forms of the lead pages (C2). They only collect and type-check input; `to_data()` hands the
services a plain dict and the services decide (views never save a form)."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salesdept.accounts.models import Region, User
from salesdept.accounts.scope import visible
from salesdept.core.forms import DATE_WIDGET

from .models import LeadStage, Source, Tier
from .selectors.leads import GROUP_BY, PERIODS, stage_list

DATETIME_WIDGET = forms.DateTimeInput(format="%Y-%m-%dT%H:%M", attrs={"type": "datetime-local"})


def people_choices(user):
    """Active people `user` may assign work to (the scope rule applied to users)."""
    return visible(User.objects.filter(is_active=True), user).order_by("display_name", "username")


class LeadForm(forms.Form):
    name = forms.CharField(
        label=_("Prospect"), max_length=200, widget=forms.TextInput(attrs={"autofocus": True})
    )
    contact_name = forms.CharField(label=_("Contact person"), max_length=100, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=50, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    source = forms.ChoiceField(label=_("Source"), choices=Source.choices, initial=Source.OTHER)
    stage = forms.ModelChoiceField(
        label=_("Stage"),
        queryset=LeadStage.objects.none(),
        to_field_name="code",
        required=False,
        empty_label=None,
    )
    expected_amount = forms.DecimalField(
        label=_("Expected amount"), max_digits=14, decimal_places=2, min_value=0, required=False
    )
    expected_on = forms.DateField(label=_("Expected closing date"), required=False, widget=DATE_WIDGET)
    owner = forms.ModelChoiceField(label=_("Salesperson"), queryset=User.objects.none(), required=False)
    region = forms.ModelChoiceField(
        label=_("Region"),
        queryset=Region.objects.all(),
        required=False,
        help_text=_("Leave empty for the salesperson's region."),
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, user, lead=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.lead = lead
        self.fields["owner"].queryset = people_choices(user)
        self.fields["owner"].empty_label = _("Me")
        if lead is None:
            self.fields["stage"].queryset = LeadStage.objects.filter(
                is_active=True, outcome=LeadStage.Outcome.OPEN
            ).order_by("sort_order", "pk")
        else:
            del self.fields["stage"]  # a lead's stage changes only by a recorded move

    def to_data(self) -> dict:
        data = {
            k: v for k, v in self.cleaned_data.items() if k not in ("owner", "region", "stage", "version")
        }
        if self.cleaned_data.get("owner"):
            data["owner_id"] = self.cleaned_data["owner"].pk
        if self.cleaned_data.get("region"):
            data["region_id"] = self.cleaned_data["region"].pk
        elif self.lead is None:
            data["region_id"] = None  # the owner's region
        if self.lead is None and self.cleaned_data.get("stage"):
            data["stage"] = self.cleaned_data["stage"].code
        return data


class LeadMoveForm(forms.Form):
    """Move to another stage; a lost reason for a lost stage, a note when reopening."""

    stage = forms.ChoiceField(label=_("Move to"))
    lost_reason = forms.CharField(
        label=_("Lost reason"),
        max_length=300,
        required=False,
        help_text=_("Required when the lead is lost."),
    )
    note = forms.CharField(
        label=_("Comment"),
        max_length=300,
        required=False,
        help_text=_("Required when a won or lost lead is reopened."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, lead, **kwargs):
        super().__init__(*args, **kwargs)
        stages = stage_list()
        self.fields["stage"].choices = [
            (s.code, str(s)) for s in stages if s.pk != lead.stage_id and s.outcome != LeadStage.Outcome.WON
        ]
        # Preselect the next open stage in the funnel, so a careless click moves the lead forward,
        # never back to the start.
        current = next((s for s in stages if s.pk == lead.stage_id), None)
        ahead = [s for s in stages if current is not None and s.sort_order > current.sort_order]
        later = [s for s in ahead if s.outcome == LeadStage.Outcome.OPEN]
        if later and "stage" not in self.initial:
            self.initial["stage"] = later[0].code
        self.fields["version"].initial = lead.version


class LeadWinForm(forms.Form):
    """Win a lead: create a customer from its data (edited here), or link one the user sees."""

    MODES = [("create", _("Create a new customer")), ("link", _("Link an existing customer"))]

    mode = forms.ChoiceField(
        label=_("Customer"),
        choices=MODES,
        initial="create",
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    # chosen from the lookalikes the page lists (radio buttons); the service checks the scope
    customer = forms.IntegerField(label=_("Existing customer"), required=False, min_value=1)
    customer_code = forms.CharField(
        label=_("Customer number"),
        max_length=32,
        required=False,
        help_text=_("Or type the number of a customer you can see, e.g. CUS-2026-000123."),
    )
    name = forms.CharField(label=_("Customer name"), max_length=200, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=50, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    industry = forms.CharField(label=_("Industry"), max_length=100, required=False)
    tier = forms.ModelChoiceField(label=_("Tier"), queryset=Tier.objects.all(), required=False)
    region = forms.ModelChoiceField(label=_("Region"), queryset=Region.objects.all(), required=False)
    allow_duplicate = forms.BooleanField(
        label=_("Create it anyway: it is not one of the customers listed above"), required=False
    )
    note = forms.CharField(label=_("Comment"), max_length=300, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        if data.get("mode") == "link" and not data.get("customer") and not data.get("customer_code"):
            self.add_error("customer_code", _("Choose a customer or type its number."))
        if data.get("mode") == "create" and not data.get("name"):
            self.add_error("name", _("This field is required."))
        return data

    def customer_data(self) -> dict:
        data = {k: self.cleaned_data.get(k) or "" for k in ("name", "phone", "email", "address", "industry")}
        if self.cleaned_data.get("region"):
            data["region_id"] = self.cleaned_data["region"].pk
        if self.cleaned_data.get("tier"):
            data["tier_id"] = self.cleaned_data["tier"].pk
        return data


class VisitForm(forms.Form):
    visited_at = forms.DateTimeField(
        label=_("Visited at"), widget=DATETIME_WIDGET, input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
    )
    visitor_name = forms.CharField(
        label=_("Visitor"), max_length=100, widget=forms.TextInput(attrs={"autofocus": True})
    )
    company = forms.CharField(label=_("Company"), max_length=200, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=50, required=False)
    people = forms.IntegerField(label=_("Number of visitors"), min_value=1, max_value=10_000, initial=1)
    purpose = forms.CharField(label=_("What they wanted"), max_length=300)
    received_by = forms.ModelChoiceField(label=_("Received by"), queryset=User.objects.none(), required=False)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    create_lead = forms.BooleanField(label=_("Create a lead from this visit"), required=False)
    lead_region = forms.ModelChoiceField(
        label=_("Region of the lead"),
        queryset=Region.objects.all(),
        required=False,
        help_text=_("Leave empty for the receiver's region."),
    )

    def __init__(self, *args, user, visit=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["received_by"].queryset = people_choices(user)
        self.fields["received_by"].empty_label = _("Me")
        if visit is None:
            self.fields["visited_at"].initial = timezone.localtime().replace(second=0, microsecond=0)
        elif visit.lead_id:
            del self.fields["create_lead"], self.fields["lead_region"]

    def to_data(self) -> dict:
        data = {
            k: self.cleaned_data[k]
            for k in ("visited_at", "visitor_name", "company", "phone", "people", "purpose", "notes")
        }
        if self.cleaned_data.get("received_by"):
            data["received_by_id"] = self.cleaned_data["received_by"].pk
        if self.cleaned_data.get("lead_region"):
            data["lead_region_id"] = self.cleaned_data["lead_region"].pk
        return data


def _year_start() -> datetime.date:
    return timezone.localdate().replace(month=1, day=1)


class ConversionForm(forms.Form):
    group_by = forms.ChoiceField(label=_("Group by"), choices=list(GROUP_BY.items()), required=False)
    period = forms.ChoiceField(label=_("Period"), choices=list(PERIODS.items()), required=False)
    start = forms.DateField(label=_("From"), widget=DATE_WIDGET, required=False)
    end = forms.DateField(label=_("To"), widget=DATE_WIDGET, required=False)

    @staticmethod
    def defaults() -> dict:
        """This year up to today, by salesperson and month (as the page's inputs show them)."""
        today = timezone.localdate()
        return {
            "group_by": "owner",
            "period": "month",
            "start": f"{_year_start():%Y-%m-%d}",
            "end": f"{today:%Y-%m-%d}",
        }

    def params(self) -> dict:
        """The report's parameters, defaults filled in: this year up to today, by salesperson
        and month."""
        data = self.cleaned_data
        return {
            "group_by": data.get("group_by") or "owner",
            "period": data.get("period") or "month",
            "start": data.get("start") or _year_start(),
            "end": data.get("end") or timezone.localdate(),
        }
