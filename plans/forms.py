from django import forms
from django.forms import inlineformset_factory
from django.utils.translation import gettext_lazy as _

from delegations.dates import SensibleDateField
from delegations.forms import CouncilScopedForm, DateInput, symbol_field_check, symbol_field_limit
from delegations.models import Agency
from delegations.params import QueryForm
from delegations.uploads import validate_upload

from .models import Assignment, ContactPlan, ContactRound, PlanStatus, Sitting

TEXTAREA = {"rows": 4}


class SittingForm(CouncilScopedForm):
    class Meta:
        model = Sitting
        fields = ["council", "term", "number", "kind", "opens_on", "closes_on", "agenda"]
        widgets = {"opens_on": DateInput(), "closes_on": DateInput(), "agenda": forms.Textarea(attrs=TEXTAREA)}
        field_classes = {"opens_on": SensibleDateField, "closes_on": SensibleDateField}

    def clean(self):
        cleaned = super().clean()
        opens, closes = cleaned.get("opens_on"), cleaned.get("closes_on")
        if opens and closes and closes < opens:
            self.add_error("closes_on", _("The sitting cannot close before it opens."))
        term, council = cleaned.get("term"), cleaned.get("council")
        if term and council and term.council_id != council.pk:
            self.add_error("term", _("This term belongs to another council."))
        return cleaned


class PlanForm(CouncilScopedForm):
    class Meta:
        model = ContactPlan
        fields = ["council", "scope", "sitting", "year", "subject", "legal_bases", "purpose", "requirements",
                  "content_before", "content_after", "participants", "timing", "place", "recipients",
                  "signing_authority", "signing_on_behalf", "signer_position", "signer_name", "intended_on",
                  "document_symbol"]
        field_classes = {"intended_on": SensibleDateField}
        widgets = {"intended_on": DateInput(), **{name: forms.Textarea(attrs=TEXTAREA) for name in
                   ["subject", "legal_bases", "purpose", "requirements", "content_before", "content_after",
                    "participants", "timing", "place", "recipients"]}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subject"].widget.attrs["rows"] = 3
        symbol_field_limit(self)

    def clean(self):
        cleaned = super().clean()
        sitting, council, scope = cleaned.get("sitting"), cleaned.get("council"), cleaned.get("scope")
        if sitting and council and sitting.council_id != council.pk:
            self.add_error("sitting", _("This sitting belongs to another council."))
        if scope == "sitting" and not sitting:
            self.add_error("sitting", _("A plan for one sitting needs its sitting."))
        symbol_field_check(self, council)
        return cleaned


class RoundForm(forms.ModelForm):
    class Meta:
        model = ContactRound
        fields = ["kind", "topic", "starts_on", "ends_on"]
        widgets = {"starts_on": DateInput(), "ends_on": DateInput()}
        field_classes = {"starts_on": SensibleDateField, "ends_on": SensibleDateField}

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("starts_on"), cleaned.get("ends_on")
        if start and end and end < start:
            self.add_error("ends_on", _("A round cannot end before it starts."))
        return cleaned


class AssignmentForm(forms.ModelForm):
    class Meta:
        model = Assignment
        fields = ["order", "lead", "text", "responsible_kind", "agency", "due_kind", "due_date_given", "due_days", "round"]
        widgets = {"due_date_given": DateInput(), "text": forms.Textarea(attrs={"rows": 3})}
        field_classes = {"due_date_given": SensibleDateField}

    def __init__(self, *args, user=None, plan=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = Agency.objects.managed_by(user) if user else Agency.objects.none()
        self.fields["round"].queryset = plan.rounds.all() if plan and plan.pk else ContactRound.objects.none()

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("due_kind")
        if kind == "date" and not cleaned.get("due_date_given"):
            self.add_error("due_date_given", _("Give the due date."))
        if kind in ("days_before_round", "working_days_after_round"):
            if cleaned.get("due_days") is None:
                self.add_error("due_days", _("Give the number of days."))
            if not cleaned.get("round"):
                self.add_error("round", _("Choose the round the days count from (save the rounds first)."))
        if cleaned.get("responsible_kind") == "agency" and not cleaned.get("agency"):
            self.add_error("agency", _("Choose the agency."))
        return cleaned


RoundFormSet = inlineformset_factory(ContactPlan, ContactRound, form=RoundForm, extra=1, can_delete=True)
AssignmentFormSet = inlineformset_factory(ContactPlan, Assignment, form=AssignmentForm, extra=1, can_delete=True)


class CopyPlanForm(forms.Form):
    source = forms.ModelChoiceField(label=_("copy from"), queryset=ContactPlan.objects.none())
    sitting = forms.ModelChoiceField(label=_("for the sitting"), queryset=Sitting.objects.none(), required=False)
    year = forms.IntegerField(label=_("or for the year"), min_value=2000, max_value=2100, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].queryset = ContactPlan.objects.for_user(user).select_related("council")
        self.fields["sitting"].queryset = Sitting.objects.managed_by(user)

    def clean(self):
        cleaned = super().clean()
        source, sitting = cleaned.get("source"), cleaned.get("sitting")
        if source and sitting and sitting.council_id != source.council_id:
            self.add_error("sitting", _("The sitting belongs to another council than the plan."))
        if source and source.scope == "sitting" and not sitting:
            self.add_error("sitting", _("Choose the new sitting."))
        return cleaned


class IssueForm(forms.Form):
    issued_on = SensibleDateField(label=_("issue date"), widget=DateInput())
    number = forms.IntegerField(label=_("number from an outside register"), min_value=1, max_value=99999,
                                required=False,
                                help_text=_("Leave empty to take the next number of this council's register."))
    confirm_order = forms.BooleanField(
        label=_("issue even though the register's dates would be out of order"), required=False,
        help_text=_("Only after being told that an earlier number bears a later date (or the reverse)."))


class SendBackForm(forms.Form):
    reason = forms.CharField(label=_("reason"), widget=forms.Textarea(attrs={"rows": 3}))


class SignedScanForm(forms.Form):
    file = forms.FileField(label=_("signed and stamped scan (PDF)"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        validate_upload(upload, ["pdf"])
        return upload


class PlanListQuery(QueryForm):
    """The plan list's filters (from the URL); an invalid one is left out with a message."""

    q = forms.CharField(label=_("search"), max_length=200)
    status = forms.ChoiceField(label=_("status"), choices=PlanStatus.choices)
    year = forms.IntegerField(label=_("year"), min_value=2000, max_value=2100)
