"""Forms of the account pages. They only check input; the views call the services to act."""

from django import forms
from django.utils.translation import gettext_lazy as _


class TokenCreateForm(forms.Form):
    name = forms.CharField(
        label=_("Token name"),
        max_length=100,
        help_text=_("What the token is for, e.g. the script or spreadsheet that uses it."),
        widget=forms.TextInput(attrs={"placeholder": _("e.g. Monthly Excel report"), "autocomplete": "off"}),
    )
