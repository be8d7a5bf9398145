from django import forms
from django.forms import inlineformset_factory
from django.utils.translation import gettext_lazy as _

from delegations.dates import SensibleDateField
from delegations.forms import CouncilScopedForm, DateInput, symbol_field_check, symbol_field_limit
from delegations.models import Agency
from delegations.params import IdField, QueryForm
from delegations.textforms import NormalisedForm, NormalisedModelForm
from delegations.uploads import validate_upload

from .models import Assignment, ContactPlan, ContactRound, PlanStatus, SectionBlock, Sitting
from .outline_services import MOVES
from .presets import COPY, PRESETS, preset_choices

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
        # The body (I., II., III. …) is edited as an outline on its own page (plans:plan_outline).
        fields = ["council", "scope", "sitting", "year", "subject", "legal_bases", "recipients",
                  "signing_authority", "signing_on_behalf", "signer_position", "signer_name", "intended_on",
                  "document_symbol", "contact_person", "contact_phone", "closing"]
        field_classes = {"intended_on": SensibleDateField}
        widgets = {"intended_on": DateInput(),
                   **{name: forms.Textarea(attrs=TEXTAREA) for name in ["subject", "legal_bases", "recipients", "closing"]}}

    preset = forms.ChoiceField(label=_("outline to start from"), required=False, initial="current",
                               choices=[(key, label) for key, (label, _tree) in PRESETS.items()],
                               help_text=_("The sections of the plan's body; shaped after saving, on the outline page."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subject"].widget.attrs["rows"] = 3
        if self.instance.pk:
            del self.fields["preset"]
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


class RoundForm(NormalisedModelForm):
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


class AssignmentForm(NormalisedModelForm):
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


class CopyPlanForm(NormalisedForm):
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


class IssueForm(NormalisedForm):
    issued_on = SensibleDateField(label=_("issue date"), widget=DateInput())
    number = forms.IntegerField(label=_("number from an outside register"), min_value=1, max_value=99999,
                                required=False,
                                help_text=_("Leave empty to take the next number of this council's register."))
    confirm_order = forms.BooleanField(
        label=_("issue even though the register's dates would be out of order"), required=False,
        help_text=_("Only after being told that an earlier number bears a later date (or the reverse)."))


class SendBackForm(NormalisedForm):
    reason = forms.CharField(label=_("reason"), widget=forms.Textarea(attrs={"rows": 3}))


class SignedScanForm(NormalisedForm):
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
    council = IdField(label=_("council"))


class AssignmentListQuery(QueryForm):
    """The assignment list's filters: a council, and only the overdue ones."""

    council = IdField(label=_("council"))
    due = forms.ChoiceField(label=_("due"), choices=[("overdue", _("overdue"))])


class OutlineForm(NormalisedForm):
    """The outline page's one form: every section's title, text and block (``s<id>-title``,
    ``s<id>-body``, ``s<id>-block``), saved first; then the button pressed (``op``): "save", "add"
    (a top-level section), "add-after-<id>", "add-child-<id>", "up-<id>", "down-<id>", "in-<id>",
    "out-<id>", "remove-<id>", or "preset" with ``preset`` (and ``source`` for a copy)."""

    op = forms.CharField(max_length=40)
    preset = forms.ChoiceField(label=_("start again from"), required=False, choices=[("", "—"), *preset_choices()])
    source = forms.ModelChoiceField(label=_("earlier plan"), required=False, queryset=ContactPlan.objects.none())

    OPS = ("save", "add", "preset")
    SECTION_OPS = ("add-after", "add-child", *MOVES, "remove")

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.plan = plan
        self.sections = {s.pk: s for s in plan.sections.all()}
        self.fields["source"].queryset = (ContactPlan.objects.filter(council_id=plan.council_id)
                                          .exclude(pk=plan.pk).order_by("-year", "-pk"))

    def clean_op(self):
        op = self.cleaned_data["op"]
        if op in self.OPS:
            return (op, None)
        name, _sep, pk = op.rpartition("-")
        section = self.sections.get(int(pk)) if pk.isdigit() and len(pk) < 10 else None
        if name not in self.SECTION_OPS or section is None:
            raise forms.ValidationError(_("Unknown action."))
        return (name, section)

    def clean(self):
        cleaned = super().clean()
        op = cleaned.get("op")
        if op and op[0] == "preset":
            if not cleaned.get("preset"):
                self.add_error("preset", _("Choose the outline to start from."))
            elif cleaned["preset"] == COPY and not cleaned.get("source"):
                self.add_error("source", _("Choose the earlier plan to copy."))
        return cleaned

    def section_values(self):
        """{section id: {"title", "body_html", "block"}} for the sections of this plan sent."""
        values = {}
        for pk in self.sections:
            prefix = f"s{pk}-"
            if prefix + "title" not in self.data:
                continue
            block = self.data.get(prefix + "block", "")
            values[pk] = {"title": str(self.data.get(prefix + "title", ""))[:500],
                          "body_html": str(self.data.get(prefix + "body", ""))[:200_000],
                          "block": block if block in SectionBlock.values else ""}
        return values
