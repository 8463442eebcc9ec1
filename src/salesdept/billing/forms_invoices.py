"""Forms of the invoice pages (F2); services.invoices checks everything again. The lines are
plain inputs per order line (qty-<id>, price-<id>) or per invoice line for a credit note
(qty-<id>, amount-<id>), read by the views."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salesdept.core.forms import DATE_WIDGET

__all__ = ["ApproveForm", "CreditNoteForm", "InvoiceForm"]


class InvoiceForm(forms.Form):
    invoiced_on = forms.DateField(label=_("Invoice date"), widget=DATE_WIDGET)
    due_on = forms.DateField(
        label=_("Due date"),
        widget=DATE_WIDGET,
        required=False,
        help_text=_("Empty: from the contract's payment terms."),
    )
    invoice_no = forms.CharField(
        label=_("Invoice number (发票号码)"),
        max_length=40,
        required=False,
        help_text=_("Can be entered when the invoice is approved."),
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["invoiced_on"].initial = timezone.localdate()

    def header(self) -> dict:
        d = self.cleaned_data
        out = {
            "invoiced_on": d["invoiced_on"],
            "notes": d.get("notes", ""),
            "invoice_no": d.get("invoice_no", ""),
        }
        if d.get("due_on"):
            out["due_on"] = d["due_on"]
        return out


class CreditNoteForm(forms.Form):
    invoiced_on = forms.DateField(label=_("Credit note date"), widget=DATE_WIDGET)
    invoice_no = forms.CharField(
        label=_("Invoice number (发票号码)"),
        max_length=40,
        required=False,
        help_text=_("The red-letter invoice's number; can be entered when it is approved."),
    )
    notes = forms.CharField(
        label=_("Reason for the correction"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["invoiced_on"].initial = timezone.localdate()

    def header(self) -> dict:
        d = self.cleaned_data
        return {
            "invoiced_on": d["invoiced_on"],
            "notes": d.get("notes", ""),
            "invoice_no": d.get("invoice_no", ""),
        }


class ApproveForm(forms.Form):
    invoice_no = forms.CharField(label=_("Invoice number (发票号码)"), max_length=40, required=False)
    note = forms.CharField(
        label=_("Comment"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
