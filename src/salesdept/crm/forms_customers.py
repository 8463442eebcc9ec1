"""Forms of the customer pages (C1). They only collect input; the services validate and save."""

from django import forms
from django.utils.translation import gettext_lazy as _

from salesdept.accounts.models import Region
from salesdept.core.forms import DATE_WIDGET

from .models import Contact, Customer, CustomerDocument, Tier
from .services import customers as services

CUSTOMER_FIELDS = [
    "kind", "name", "name_en", "tier", "region", "owner", "industry", "source", "phone", "email",
    "address", "website", "tax_id", "invoice_name", "bank_name", "bank_account", "invoice_address",
    "invoice_phone", "notes",
]  # fmt: skip


class CustomerForm(forms.ModelForm):
    """Create or edit a customer. On edit the owner is not shown (a transfer changes it) and the
    version loaded travels in a hidden field."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    allow_duplicate = forms.BooleanField(
        label=_("Create anyway: this is a different customer"), required=False
    )

    class Meta:
        model = Customer
        fields = CUSTOMER_FIELDS
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tier"].queryset = Tier.objects.all()
        self.fields["region"].queryset = Region.objects.order_by("code")
        self.fields["name"].widget.attrs["autofocus"] = True
        for name in ("phone", "invoice_phone"):
            self.fields[name].widget.attrs.update({"inputmode": "tel", "autocomplete": "tel"})
        if self.instance.pk:
            del self.fields["owner"]
            self.fields["version"].initial = self.instance.version
        else:
            self.fields["owner"].queryset = services.Lookups(user).owners()
            self.fields["owner"].initial = user.pk
        # The service decides what is required; these marks only help the person typing.
        for name in ("name", "region"):
            self.fields[name].required = True

    def _post_clean(self):
        # The model's own full_clean would check fields the service fills itself (code, owner on
        # edit); the service validates everything and answers ValidationFailed per field.
        pass

    def service_data(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k not in ("version", "allow_duplicate")}


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = ["name", "title", "phone", "email", "is_primary", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].widget.attrs["autofocus"] = True
        self.fields["phone"].widget.attrs.update({"inputmode": "tel", "autocomplete": "tel"})

    def _post_clean(self):
        pass


class DocumentForm(forms.ModelForm):
    """Upload a document; on replace the file may stay as it is."""

    class Meta:
        model = CustomerDocument
        fields = ["kind", "number", "expires_on", "file", "notes"]
        widgets = {"expires_on": DATE_WIDGET}

    def __init__(self, *args, replace: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].widget.attrs["autofocus"] = True
        self.fields["file"].widget = forms.FileInput()
        self.fields["file"].required = not replace
        if replace:
            self.fields["file"].help_text = _("Leave empty to keep the current file.")

    def _post_clean(self):
        pass


class TransferForm(forms.Form):
    to_owner = forms.ModelChoiceField(label=_("New salesperson"), queryset=None)
    reason = forms.CharField(label=_("Reason"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, user, customer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_owner"].queryset = services.transfer_candidates(by=user).exclude(pk=customer.owner_id)
        self.fields["to_owner"].widget.attrs["autofocus"] = True
        self.fields["version"].initial = customer.version


class MergeForm(forms.Form):
    code = forms.CharField(
        label=_("Number of the duplicate to merge into this customer"),
        max_length=32,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off"}),
    )
