"""The log of who saw voters' personal data (Decree 13/2023/NĐ-CP): the office staff of a council
read their council's entries, filtered by user, dates and petition code."""
import datetime

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from delegations.access import require_office
from delegations.models import Council, Membership
from delegations.pagination import paginate
from delegations.textforms import NormalisedForm

from ..models import VoterDataAccess, VoterDataSurface

PAGE_SIZE = 50
# Dates outside this span are refused by the filter form (never a far year that breaks a query).
FIRST_YEAR = 2000


class VoterAccessLogFilterForm(NormalisedForm):
    """The log's filters, from the URL; an invalid value is shown as an error and not applied."""

    user = forms.ModelChoiceField(label=_("user"), queryset=get_user_model().objects.none(), required=False)
    surface = forms.ChoiceField(label=_("where"), choices=[("", "—"), *VoterDataSurface.choices], required=False)
    date_from = forms.DateField(label=_("from"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("to"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    code = forms.CharField(label=_("petition code"), max_length=30, required=False)

    def __init__(self, *args, councils, **kwargs):
        super().__init__(*args, **kwargs)
        # The council's users (present or past members), for the choice of whose accesses to see.
        self.fields["user"].queryset = (get_user_model().objects
                                        .filter(pk__in=Membership.objects.filter(council__in=councils)
                                                .values("user_id")).order_by("username"))

    def clean(self):
        cleaned = super().clean()
        for name in ("date_from", "date_to"):
            value = cleaned.get(name)
            if value and not (FIRST_YEAR <= value.year <= timezone.localdate().year + 1):
                self.add_error(name, _("Enter a date between %(first)s and next year.") % {"first": FIRST_YEAR})
        if cleaned.get("date_from") and cleaned.get("date_to") and cleaned["date_from"] > cleaned["date_to"]:
            self.add_error("date_to", _("The end date is before the start date."))
        return cleaned

    def apply(self, rows):
        """`rows` narrowed by the valid filters (an invalid form narrows by none)."""
        if not self.is_valid():
            return rows
        data = self.cleaned_data
        if data["user"]:
            rows = rows.filter(user=data["user"])
        if data["surface"]:
            rows = rows.filter(surface=data["surface"])
        zone = timezone.get_current_timezone()
        if data["date_from"]:
            rows = rows.filter(at__gte=datetime.datetime.combine(data["date_from"], datetime.time.min, zone))
        if data["date_to"]:
            end = data["date_to"] + datetime.timedelta(days=1)
            rows = rows.filter(at__lt=datetime.datetime.combine(end, datetime.time.min, zone))
        code = data["code"].strip().upper()
        if code:
            rows = rows.filter(petition_codes__contains=f" {code} ")
        return rows


@login_required
def voter_access_log(request):
    """Who displayed or exported voters' data of the user's councils, newest first: office staff
    only (of their own councils; the province's office does not read a commune's log)."""
    require_office(request.user)
    councils = Council.objects.managed_by(request.user)
    form = VoterAccessLogFilterForm(request.GET or None, councils=councils)
    rows = form.apply(VoterDataAccess.objects.managed_by(request.user).select_related("council", "user"))
    page_obj, querystring = paginate(request, rows.order_by("-at", "-pk"), PAGE_SIZE)
    return render(request, "petitions/voter_access_log.html", {
        "form": form, "page_obj": page_obj, "querystring": querystring,
        "retention_days": settings.VOTER_ACCESS_LOG_RETENTION_DAYS,
    }, status=400 if form.is_bound and not form.is_valid() else 200)

