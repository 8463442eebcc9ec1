"""Forms of the follow-up pages and the phone log. They only check what a person typed; the
services (crm/services/activities.py) decide, and their field errors come back onto these forms."""

import datetime

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salesdept.accounts.scope import visible
from salesdept.core.forms import DATE_WIDGET

from .models import Activity, Customer, Lead

DATETIME_WIDGET = forms.DateTimeInput(format="%Y-%m-%dT%H:%M", attrs={"type": "datetime-local"})
# A salesperson's own customers fit a drop-down; others are planned from the customer's page.
MAX_CHOICES = 1000
# Service field name → form field name, so a service's error lands next to its field.
SERVICE_FIELDS = {
    "customer_id": "customer",
    "lead_id": "lead",
    "owner_id": "owner",
    "handed_to_id": "handed_to",
}


def add_service_errors(form: forms.Form, exc) -> None:
    """Put a ValidationFailed's field messages next to the form's fields (others on top)."""
    for name, message in exc.fields.items():
        field = SERVICE_FIELDS.get(name, name)
        form.add_error(field if field in form.fields else None, message)
    if not exc.fields:
        form.add_error(None, exc.message)


def _label(obj) -> str:
    return f"{obj.name} ({obj.code})"


def colleague_choices(user) -> list[tuple]:
    users = visible(get_user_model().objects.filter(is_active=True), user).order_by(
        "display_name", "username"
    )
    return [(u.pk, str(u)) for u in users]


class ActivityPlanForm(forms.Form):
    customer = forms.TypedChoiceField(label=_("Customer"), coerce=int, required=False, empty_value=None)
    lead = forms.TypedChoiceField(label=_("Lead"), coerce=int, required=False, empty_value=None)
    kind = forms.ChoiceField(label=_("Kind"), choices=Activity.Kind.choices, initial=Activity.Kind.CALL)
    due_on = forms.DateField(label=_("Due date"), widget=DATE_WIDGET)
    subject = forms.CharField(
        label=_("Subject"),
        max_length=200,
        required=False,
        help_text=_("Left empty: the kind and the customer's name."),
    )
    owner = forms.TypedChoiceField(
        label=_("Salesperson"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text=_("Left empty: the customer's salesperson."),
    )

    def __init__(self, *args, user, customer: Customer | None = None, lead: Lead | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        customers = visible(Customer.objects.active(), user).filter(owner=user).order_by("name", "pk")
        choices = [(c.pk, _label(c)) for c in customers.only("pk", "name", "code")[:MAX_CHOICES]]
        if customer is not None and customer.pk not in {pk for pk, _n in choices}:
            choices.insert(0, (customer.pk, _label(customer)))
        self.fields["customer"].choices = [("", "—"), *choices]
        leads = visible(Lead.objects, user).filter(owner=user, stage__outcome="open", customer__isnull=True)
        lead_choices = [
            (x.pk, _label(x)) for x in leads.order_by("name", "pk").only("pk", "name", "code")[:MAX_CHOICES]
        ]
        if lead is not None and lead.pk not in {pk for pk, _n in lead_choices}:
            lead_choices.insert(0, (lead.pk, _label(lead)))
        self.fields["lead"].choices = [("", "—"), *lead_choices]
        self.fields["owner"].choices = [("", "—"), *colleague_choices(user)]
        self.show_owner = len(self.fields["owner"].choices) > 2
        if not self.is_bound:
            self.initial.setdefault("due_on", timezone.localdate())
            if customer is not None:
                self.initial["customer"] = customer.pk
            if lead is not None:
                self.initial["lead"] = lead.pk

    def clean(self):
        data = super().clean()
        if not data.get("customer") and not data.get("lead") and not self.has_error("customer"):
            self.add_error("customer", _("Choose the customer or the lead to follow up."))
        return data

    def service_data(self) -> dict:
        d = self.cleaned_data
        return {
            "customer_id": d.get("customer"),
            "lead_id": d.get("lead"),
            "kind": d["kind"],
            "due_on": d["due_on"],
            "subject": d.get("subject", ""),
            "owner_id": d.get("owner"),
        }


class ActivityEditForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Activity.Kind.choices)
    due_on = forms.DateField(label=_("Due date"), widget=DATE_WIDGET)
    subject = forms.CharField(label=_("Subject"), max_length=200)
    owner = forms.TypedChoiceField(label=_("Salesperson"), coerce=int)

    def __init__(self, *args, user, activity: Activity, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "kind": activity.kind,
                "due_on": activity.due_on,
                "subject": activity.subject,
                "owner": activity.owner_id,
            },
        )
        super().__init__(*args, **kwargs)
        choices = colleague_choices(user)
        if activity.owner_id not in {pk for pk, _n in choices}:
            choices.insert(0, (activity.owner_id, str(activity.owner)))
        self.fields["owner"].choices = choices

    def service_data(self) -> dict:
        d = self.cleaned_data
        return {"kind": d["kind"], "due_on": d["due_on"], "subject": d["subject"], "owner_id": d["owner"]}


class ActivityLogForm(forms.Form):
    result = forms.CharField(
        label=_("Result"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What was discussed or agreed."),
    )
    next_step = forms.CharField(label=_("Next step"), max_length=300, required=False)
    next_due_on = forms.DateField(
        label=_("Next follow-up on"),
        required=False,
        widget=DATE_WIDGET,
        help_text=_("Left empty: by the customer's revisit rule."),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=Activity.Kind.choices)

    def __init__(self, *args, activity: Activity, **kwargs):
        kwargs.setdefault("initial", {"kind": activity.kind})
        super().__init__(*args, **kwargs)
        self.activity = activity


class ActivityCancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))


class PhoneCallForm(forms.Form):
    called_at = forms.DateTimeField(label=_("Time of call"), widget=DATETIME_WIDGET, required=False)
    caller = forms.CharField(label=_("Caller"), max_length=100)
    number = forms.CharField(label=_("Phone number"), max_length=50, required=False)
    customer = forms.CharField(
        label=_("Customer number"),
        max_length=32,
        required=False,
        help_text=_("Left empty: found by the phone number when it is a known customer's."),
    )
    topic = forms.CharField(label=_("Topic"), max_length=300)
    result = forms.CharField(label=_("Result"), max_length=300, required=False)
    handed_to = forms.TypedChoiceField(label=_("Handed to"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        users = get_user_model().objects.filter(is_active=True).order_by("display_name", "username")
        self.fields["handed_to"].choices = [("", "—"), *((u.pk, str(u)) for u in users)]
        if not self.is_bound and "called_at" not in self.initial:
            self.initial["called_at"] = timezone.localtime().replace(second=0, microsecond=0)

    def clean_called_at(self):
        value = self.cleaned_data.get("called_at")
        return value or None

    def clean_customer(self):
        code = self.cleaned_data.get("customer", "").strip()
        if not code:
            return None
        customer = visible(Customer.objects.active(), self.user).filter(code__iexact=code).first()
        if customer is None:
            raise forms.ValidationError(_("No customer you can see has this number."))
        return customer

    def service_data(self, *, partial_customer: bool = False) -> dict:
        d = self.cleaned_data
        data = {
            "called_at": d.get("called_at") or timezone.now(),
            "caller": d["caller"],
            "number": d.get("number", ""),
            "topic": d["topic"],
            "result": d.get("result", ""),
            "handed_to_id": d.get("handed_to"),
        }
        if d.get("customer") is not None or partial_customer:
            data["customer_id"] = d["customer"].pk if d.get("customer") else None
        return data


def initial_call(call) -> dict:
    return {
        "called_at": timezone.localtime(call.called_at).replace(tzinfo=None) if call.called_at else None,
        "caller": call.caller,
        "number": call.number,
        "customer": call.customer.code if call.customer_id else "",
        "topic": call.topic,
        "result": call.result,
        "handed_to": call.handed_to_id,
    }


def day_or_none(value) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value) if value else None
    except ValueError:
        return None
