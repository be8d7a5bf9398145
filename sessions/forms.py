from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from delegations.dates import SensibleDateField, SensibleDateTimeField
from delegations.forms import DateInput
from delegations.models import Commune, Delegate
from delegations.params import IdsChoiceField
from delegations.textforms import NormalisedForm, NormalisedModelForm
from delegations.uploads import validate_upload
from plans.models import ContactRound, PlanStatus

from . import services
from .models import ContactSession, MeetingStatus, Minutes
from .services import schedulable_groups


def add_service_errors(form, error):
    """A service's ValidationError shown on the form's fields (or above them)."""
    for field, messages in error.message_dict.items():
        for message in messages:
            form.add_error(field if field in form.fields else None, message)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


class SessionForm(NormalisedModelForm):
    online_link = forms.URLField(label=_("online link"), required=False, assume_scheme="https")

    class Meta:
        model = ContactSession
        fields = ["round", "group", "commune", "starts_at", "ends_at", "venue", "format", "online_link", "kind", "topic",
                  "content", "delegates", "invited", "expected_voters", "outside_window_reason"]
        widgets = {"starts_at": DateTimeInput(), "ends_at": DateTimeInput(),
                   "content": forms.Textarea(attrs={"rows": 3}), "invited": forms.Textarea(attrs={"rows": 3}),
                   "delegates": forms.SelectMultiple(attrs={"size": 8})}
        field_classes = {"starts_at": SensibleDateTimeField, "ends_at": SensibleDateTimeField}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        groups = schedulable_groups(user)
        self.fields["group"].queryset = groups
        councils = groups.values("council_id")
        self.fields["round"].queryset = ContactRound.objects.filter(plan__council_id__in=councils).exclude(
            plan__status=PlanStatus.DRAFT).select_related("plan")
        self.fields["commune"].queryset = Commune.objects.filter(delegate_groups__in=groups).distinct()
        self.fields["delegates"].queryset = Delegate.objects.filter(council_id__in=councils)
        for name in ("starts_at", "ends_at"):
            self.fields[name].input_formats = ["%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M"]
        only_group = list(groups[:2])
        if not self.instance.pk and len(only_group) == 1:
            self.fields["group"].initial = only_group[0]

    def clean(self):
        cleaned = super().clean()
        group, rnd = cleaned.get("group"), cleaned.get("round")
        if group and rnd and rnd.plan.council_id != group.council_id:
            self.add_error("round", _("This round belongs to another council's plan."))
        if cleaned.get("kind") == "thematic" and not (cleaned.get("topic") or "").strip():
            self.add_error("topic", _("A thematic meeting needs its topic."))
        if cleaned.get("format") in ("online", "hybrid") and not cleaned.get("online_link"):
            self.add_error("online_link", _("An online meeting needs its link."))
        delegates = cleaned.get("delegates") or []
        if group and any(d.council_id != group.council_id for d in delegates):
            self.add_error("delegates", _("This belongs to another council."))
        if self.errors or not (group and rnd and cleaned.get("starts_at")):
            return cleaned
        candidate = self.instance
        for name in ("round", "group", "commune", "starts_at", "ends_at", "outside_window_reason"):
            setattr(candidate, name, cleaned.get(name) if name != "outside_window_reason" else cleaned.get(name) or "")
        try:
            services.session_validate(session=candidate, delegates=list(delegates))
        except ValidationError as error:
            add_service_errors(self, error)
        return cleaned


class OutcomeForm(NormalisedForm):
    status = forms.ChoiceField(label=_("outcome"), choices=[(MeetingStatus.HELD, MeetingStatus.HELD.label),
                                                            (MeetingStatus.POSTPONED, MeetingStatus.POSTPONED.label),
                                                            (MeetingStatus.CANCELLED, MeetingStatus.CANCELLED.label)])
    delegates_present = IdsChoiceField(label=_("delegates present"), queryset=Delegate.objects.none(),
                                                       required=False)
    voters_present = forms.IntegerField(label=_("voters present"), min_value=0, max_value=1_000_000, required=False)
    chair = forms.CharField(label=_("chair"), max_length=255, required=False)
    secretary = forms.CharField(label=_("secretary"), max_length=255, required=False)
    postponed_to = SensibleDateTimeField(label=_("postponed to"), widget=DateTimeInput(), required=False,
                                       input_formats=["%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M"])
    cancel_reason = forms.CharField(label=_("reason for cancelling"), max_length=255, required=False)

    def __init__(self, *args, session, **kwargs):
        super().__init__(*args, **kwargs)
        self.session = session
        # One row per delegate: those booked for the meeting and the group's members (an OR of two
        # querysets joined the bookings and listed a delegate once per row joined).
        self.fields["delegates_present"].queryset = Delegate.objects.filter(
            Q(pk__in=session.delegates.values("pk")) | Q(group=session.group)).order_by("full_name", "pk")



class MinutesForm(NormalisedModelForm):
    class Meta:
        model = Minutes
        fields = ["opening", "delegates_report", "voters_speak", "officials_answer", "delegates_respond", "closing",
                  "closed_at"]
        widgets = {name: forms.Textarea(attrs={"rows": 4}) for name in
                   ["opening", "delegates_report", "voters_speak", "officials_answer", "delegates_respond", "closing"]}
        widgets["closed_at"] = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class FinaliseForm(NormalisedForm):
    """The date the final minutes bear in the BB register (default today), and the confirmation asked
    when an earlier number of the register bears a later date."""

    issued_on = SensibleDateField(label=_("issue date"), required=False, widget=DateInput())
    symbol = forms.CharField(label=_("document symbol"), max_length=30, required=False,
                             help_text=_("Empty: the council's first symbol."))
    confirm_order = forms.BooleanField(label=_("issue even though the register's dates would be out of order"),
                                       required=False)


class InvitationIssueForm(NormalisedForm):
    dated = SensibleDateField(label=_("invitation date"), required=False, widget=DateInput(),
                              help_text=_("Empty: today, or the day before the meeting if today is not before it."))
    symbol = forms.CharField(label=_("document symbol"), max_length=30, required=False)
    confirm_late = forms.BooleanField(label=_("date it on or after the meeting's day anyway"), required=False)
    confirm_order = forms.BooleanField(label=_("issue even though the register's dates would be out of order"),
                                       required=False)


class ReopenForm(NormalisedForm):
    reason = forms.CharField(label=_("what is to be corrected"), max_length=500,
                             widget=forms.Textarea(attrs={"rows": 2}))


class ScanForm(NormalisedForm):
    file = forms.FileField(label=_("signed scan (PDF, JPEG or PNG)"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        validate_upload(upload, ["pdf", "jpeg", "png"])
        return upload
