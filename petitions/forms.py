from django import forms
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from .models import PetitionField


class FloorRowForm(forms.Form):
    """One line of the petitions-from-the-floor table; an empty line is skipped."""

    voter_name = forms.CharField(label=_("voter's name"), max_length=150, required=False)
    voter_address = forms.CharField(label=_("address"), max_length=255, required=False)
    text = forms.CharField(label=_("what the voter raised"), required=False,
                           widget=forms.Textarea(attrs={"rows": 1}))
    field = forms.ModelChoiceField(label=_("field"), queryset=PetitionField.objects.none(), required=False)

    def __init__(self, *args, council=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["field"].queryset = PetitionField.objects.filter(council=council)

    def clean(self):
        cleaned = super().clean()
        if (cleaned.get("voter_name") or cleaned.get("voter_address") or cleaned.get("field")) and \
                not (cleaned.get("text") or "").strip():
            self.add_error("text", _("Write what the voter raised, or clear the line."))
        return cleaned


FloorFormSet = formset_factory(FloorRowForm, extra=0)


class LookupForm(forms.Form):
    code = forms.CharField(label=_("petition code"), max_length=20,
                           widget=forms.TextInput(attrs={"placeholder": "KN-2026-000123"}))
