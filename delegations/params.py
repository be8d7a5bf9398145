"""Parameters read from a page's URL (filters, a chosen council, a date) go through a small form:
a value that does not parse is never an error page. Pages read their filters with a QueryForm, which
drops what is invalid and says so in a message; a write (POST) uses an ordinary form and answers 400.

Ids are bounded to PostgreSQL's bigint, so "?council=99999999999999999999" is simply invalid.
"""
from django import forms
from django.contrib import messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .dates import SensibleDateField
from .textforms import NormalisedForm

BIGINT_MAX = 2**63 - 1


class IdField(forms.IntegerField):
    """A row's id from the URL or a form: a positive integer that fits a bigint column."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", BIGINT_MAX)
        kwargs.setdefault("widget", forms.HiddenInput)
        super().__init__(**kwargs)


def parse_id(value):
    """`value` (a string from the URL, a form or a path) as an id, or None when it is not one."""
    field = IdField()
    try:
        return field.clean(value)
    except forms.ValidationError:
        return None


class QueryForm(NormalisedForm):
    """The filters of a page, read from request.GET. Every field is optional; `values` holds each
    field's parsed value, or None when it was missing or invalid (invalid ones are listed in
    `ignored`, and `warn` tells the user they were left out)."""

    legacy_check = False  # a search reads what is typed

    def __init__(self, data, **kwargs):
        super().__init__(data, **kwargs)
        for field in self.fields.values():
            field.required = False
        self.is_valid()
        self.values = {name: (None if name in self.errors else self.cleaned_data.get(name)) for name in self.fields}
        self.ignored = [name for name in self.fields if name in self.errors]

    def get(self, name):
        return self.values.get(name)

    def warn(self, request):
        """A message naming the parameters that were left out (none when all parsed)."""
        if self.ignored:
            messages.warning(request, _("Some values in the address were not valid and were ignored: %(names)s.")
                             % {"names": ", ".join(str(self.fields[name].label or name) for name in self.ignored)})


class SearchQuery(QueryForm):
    """A list's search box (a NUL character or a text longer than a search needs is left out)."""

    q = forms.CharField(label=gettext_lazy("search"), max_length=200)


class CouncilQuery(QueryForm):
    council = IdField(label=gettext_lazy("council"))


class CalendarQuery(QueryForm):
    date = SensibleDateField(label=gettext_lazy("date"))
    council = IdField(label=gettext_lazy("council"))
    group = IdField(label=gettext_lazy("delegate group"))


class IdsChoiceField(forms.ModelMultipleChoiceField):
    """Several rows chosen by id (a multi-select): a value that is not an id fitting a bigint is
    refused as an invalid choice before any query, where the database would fail on it."""

    def _check_values(self, value):
        for pk in value:
            if parse_id(pk) is None:
                raise forms.ValidationError(self.error_messages["invalid_pk_value"], code="invalid_pk_value",
                                            params={"pk": pk})
        return super()._check_values(value)
