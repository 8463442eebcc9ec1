"""Forms of the complaint pages (C4). They only collect input; the services validate it again
and do the writing, and their refusals are shown next to the fields (`show_refusal`)."""

import datetime

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salesdept.accounts.scope import visible
from salesdept.core.errors import DomainError
from salesdept.core.forms import DATE_WIDGET

from .models import Customer, Feedback
from .selectors.feedback import feedback_customers

__all__ = [
    "ConfirmForm",
    "CustomerPickerMixin",
    "FeedbackForm",
    "ReopenForm",
    "ResolveForm",
    "RouteForm",
    "StartForm",
    "VersionedForm",
    "show_refusal",
]

DEFAULT_DAYS_TO_RESOLVE = 7


def show_refusal(form: forms.Form, exc: DomainError) -> None:
    """Put a service's refusal on the form: each named field next to its input (fields the form
    lacks, and refusals without fields, at the top)."""
    if exc.fields:
        for name, message in exc.fields.items():
            form.add_error(name if name in form.fields else None, str(message))
    else:
        form.add_error(None, str(exc.message))


def active_users():
    return get_user_model().objects.filter(is_active=True).order_by("display_name", "username")


class CustomerPickerMixin:
    """A customer select that lists only a few visible customers (the chosen one first), so a
    form stays small however large the archive; the search box beside it (htmx) fetches more.
    Validation looks the chosen id up among all customers the user may see."""

    def setup_customer(self, user, *, required: bool = True) -> None:
        field = forms.ModelChoiceField(
            label=_("Customer"),
            queryset=visible(Customer.objects.active(), user),
            required=required,
            empty_label=_("— choose a customer —"),
        )
        self.fields = {"customer": field, **self.fields}
        raw = self.data.get("customer") if self.is_bound else self.initial.get("customer")
        raw = getattr(raw, "pk", raw)
        try:
            selected = int(raw) if raw not in (None, "") else None
        except (TypeError, ValueError):
            selected = None
        options = feedback_customers(user=user, selected=selected)
        field.widget.choices = [("", field.empty_label)] + [(c.pk, f"{c.name} ({c.code})") for c in options]


class FeedbackForm(CustomerPickerMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Feedback.Kind.choices, initial=Feedback.Kind.COMPLAINT)
    subject = forms.CharField(label=_("Subject"), max_length=200)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}))
    product_name = forms.CharField(
        label=_("Product"), max_length=200, required=False, help_text=_("Required for quality issues.")
    )
    received_on = forms.DateField(label=_("Received on"), widget=DATE_WIDGET)
    deadline = forms.DateField(label=_("Deadline"), widget=DATE_WIDGET)
    department = forms.ChoiceField(
        label=_("Responsible department"),
        choices=[
            ("", _("— by kind: Quality for quality issues, else Sales —")),
            *Feedback.Department.choices,
        ],
        required=False,
    )
    assignee = forms.ModelChoiceField(
        label=_("Responsible person"),
        queryset=active_users(),
        required=False,
        empty_label=_("— nobody yet —"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["received_on"].initial = today
        self.fields["deadline"].initial = today + datetime.timedelta(days=DEFAULT_DAYS_TO_RESOLVE)
        self.setup_customer(user)
        if not user.has_perm("crm.route_feedback"):
            # Only routers assign complaints to others; a salesperson may take one on themselves.
            self.fields["assignee"].queryset = active_users().filter(pk=user.pk)

    def service_kwargs(self) -> dict:
        d = self.cleaned_data
        return {
            "customer_id": d["customer"].pk,
            "kind": d["kind"],
            "subject": d["subject"],
            "description": d["description"],
            "product_name": d["product_name"],
            "received_on": d["received_on"],
            "deadline": d["deadline"],
            "department": d["department"],
            "assignee_id": d["assignee"].pk if d["assignee"] else None,
        }


class VersionedForm(forms.Form):
    """A form that changes a record carries the version the page was loaded with (hidden), so
    the service refuses it (409 stale_version) when someone else changed the record meanwhile."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def service_kwargs(self) -> dict:
        return {"version": self.cleaned_data.get("version")}


class RouteForm(VersionedForm):
    department = forms.ChoiceField(label=_("Responsible department"), choices=Feedback.Department.choices)
    assignee = forms.ModelChoiceField(
        label=_("Responsible person"),
        queryset=active_users(),
        required=False,
        empty_label=_("— nobody yet —"),
    )
    deadline = forms.DateField(label=_("Deadline"), widget=DATE_WIDGET)
    note = forms.CharField(
        label=_("Comment"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def service_kwargs(self) -> dict:
        d = self.cleaned_data
        return {
            "department": d["department"],
            "assignee_id": d["assignee"].pk if d["assignee"] else None,
            "deadline": d["deadline"],
            "note": d["note"],
            **super().service_kwargs(),
        }


class StartForm(VersionedForm):
    note = forms.CharField(label=_("Comment"), required=False, max_length=2000)

    def service_kwargs(self) -> dict:
        return {"note": self.cleaned_data["note"], **super().service_kwargs()}


class ResolveForm(VersionedForm):
    # Not required here: the service names the missing resolution, as it does for the API.
    resolution = forms.CharField(
        label=_("Resolution"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def service_kwargs(self) -> dict:
        return {"resolution": self.cleaned_data["resolution"], **super().service_kwargs()}


class ConfirmForm(VersionedForm):
    customer_response = forms.CharField(label=_("Customer's response"), required=False, max_length=300)

    def service_kwargs(self) -> dict:
        return {"customer_response": self.cleaned_data["customer_response"], **super().service_kwargs()}


class ReopenForm(VersionedForm):
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def service_kwargs(self) -> dict:
        return {"reason": self.cleaned_data["reason"], **super().service_kwargs()}


ACTION_FORMS = {
    "route": RouteForm,
    "start": StartForm,
    "resolve": ResolveForm,
    "confirm": ConfirmForm,
    "reopen": ReopenForm,
}
