"""Forms of the correspondence register pages (C5). They only collect input; services.letters
checks it again (attachment type and size included) and writes."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .forms_feedback import DATE_WIDGET, CustomerPickerMixin, VersionedForm, active_users
from .models import Letter
from .services.letters import ALLOWED_EXTENSIONS

__all__ = ["LetterDoneForm", "LetterForm", "LetterReopenForm"]


class LetterForm(CustomerPickerMixin, VersionedForm):
    direction = forms.ChoiceField(
        label=_("Direction"), choices=Letter.Direction.choices, initial=Letter.Direction.INCOMING
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=Letter.Kind.choices, initial=Letter.Kind.LETTER)
    date = forms.DateField(label=_("Date"), widget=DATE_WIDGET)
    counterpart = forms.CharField(label=_("From / to"), max_length=200)
    reference = forms.CharField(label=_("Their reference"), max_length=100, required=False)
    subject = forms.CharField(label=_("Subject"), max_length=300)
    handler = forms.ModelChoiceField(
        label=_("Handler"), queryset=active_users(), required=False, empty_label=_("— me —")
    )
    follow_up_on = forms.DateField(label=_("Follow up by"), widget=DATE_WIDGET, required=False)
    attachment = forms.FileField(
        label=_("Attachment"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(f".{e}" for e in ALLOWED_EXTENSIONS)}),
    )
    remove_attachment = forms.BooleanField(label=_("Remove the current attachment"), required=False)

    def __init__(self, *args, user, letter: Letter | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["date"].initial = timezone.localdate()
        # Formatted here, in the request's language (a lazy text formatted at import stays English).
        self.fields["attachment"].help_text = _("Up to 10 MB: %(types)s.") % {
            "types": ", ".join(ALLOWED_EXTENSIONS)
        }
        self.fields["attachment"].widget = forms.FileInput(attrs=self.fields["attachment"].widget.attrs)
        self.setup_customer(user, required=False)
        self.fields["customer"].empty_label = _("— no customer —")
        self.fields["customer"].widget.choices[0] = ("", _("— no customer —"))
        if letter is not None:
            # An edit keeps a handler: an empty choice would silently hand the letter to the editor.
            self.fields["handler"].required = True
        if letter is None or not letter.attachment:
            del self.fields["remove_attachment"]
        if letter is None:
            del self.fields["version"]  # a new letter has nothing to be stale against

    def service_kwargs(self) -> dict:
        d = self.cleaned_data
        kwargs = {
            "direction": d["direction"],
            "kind": d["kind"],
            "date": d["date"],
            "counterpart": d["counterpart"],
            "reference": d["reference"],
            "subject": d["subject"],
            "customer_id": d["customer"].pk if d.get("customer") else None,
            "handler_id": d["handler"].pk if d["handler"] else None,
            "follow_up_on": d["follow_up_on"],
        }
        if d.get("attachment"):
            kwargs["attachment"] = d["attachment"]
        if d.get("remove_attachment"):
            kwargs["remove_attachment"] = True
        if "version" in self.fields:
            kwargs["version"] = d.get("version")
        return kwargs


class LetterDoneForm(VersionedForm):
    # Not required here: the service names the missing outcome, as it does for the API.
    outcome = forms.CharField(
        label=_("Outcome"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def service_kwargs(self) -> dict:
        return {"outcome": self.cleaned_data.get("outcome", ""), **super().service_kwargs()}


class LetterReopenForm(VersionedForm):
    """Only the version shown: reopening needs no input."""
