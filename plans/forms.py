import datetime
import re

from django import forms
from django.forms import inlineformset_factory
from django.utils.translation import gettext_lazy as _

from delegations.dates import SensibleDateField
from delegations.forms import CouncilScopedForm, DateInput, symbol_field_check, symbol_field_limit
from delegations.models import Agency
from delegations.params import IdField, QueryForm
from delegations.textforms import NormalisedForm, NormalisedModelForm
from delegations.uploads import validate_upload

from .models import (
    ROUND_KINDS,
    Assignment,
    ContactPlan,
    ContactRound,
    DueKind,
    DueUnit,
    PlanStatus,
    RoundKind,
    SectionBlock,
    Sitting,
)
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
    """A round: its sitting (a year plan names the sitting of each periodic round) and its window,
    derived from the sitting by the council's rules when the dates are left empty, kept as typed
    otherwise."""

    class Meta:
        model = ContactRound
        fields = ["kind", "sitting", "topic", "starts_on", "ends_on"]
        widgets = {"starts_on": DateInput(), "ends_on": DateInput()}
        field_classes = {"starts_on": SensibleDateField, "ends_on": SensibleDateField}
        help_texts = {"starts_on": _("Empty: from the sitting's dates by the council's rules.")}

    def __init__(self, *args, user=None, plan=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["starts_on"].required = self.fields["ends_on"].required = False
        sittings = Sitting.objects.managed_by(user) if user else Sitting.objects.none()
        if plan is not None and plan.council_id:
            sittings = sittings.filter(council_id=plan.council_id)
        self.fields["sitting"].queryset = sittings.order_by("opens_on")
        self.plan = plan

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("starts_on"), cleaned.get("ends_on")
        kind, sitting = cleaned.get("kind"), cleaned.get("sitting")
        if start and end and end < start:
            self.add_error("ends_on", _("A round cannot end before it starts."))
        if bool(start) != bool(end):
            self.add_error("ends_on" if start else "starts_on", _("Give both dates, or neither."))
        if not start and not end and not (sitting and kind in (RoundKind.BEFORE_SITTING, RoundKind.AFTER_SITTING)):
            self.add_error("starts_on", _("Give the dates, or choose the sitting of a before- or after-sitting "
                                          "round to take them from it."))
        plan = self.plan
        if sitting and plan is not None and plan.council_id and sitting.council_id != plan.council_id:
            self.add_error("sitting", _("This sitting belongs to another council."))
        return cleaned

    def save(self, commit=True):
        from .services import round_window_apply

        rnd = super().save(commit=False)
        round_window_apply(rnd=rnd, typed=bool(self.cleaned_data.get("starts_on")))
        if commit:
            rnd.save()
        return rnd


class DueForm(NormalisedForm):
    """One due date rule, as typed on the plan's page or in the plan's form."""

    kind = forms.ChoiceField(label=_("due"), choices=[("", _("No due date")), *DueKind.choices], required=False)
    amount = forms.IntegerField(label=_("days"), min_value=0, max_value=365, required=False)
    unit = forms.ChoiceField(label=_("counted in"), choices=DueUnit.choices, required=False, initial=DueUnit.DAYS)
    round = forms.ModelChoiceField(label=_("round"), queryset=ContactRound.objects.none(), required=False,
                                   help_text=_("For each meeting: empty means every round of the plan."))
    date = SensibleDateField(label=_("due date"), widget=DateInput(), required=False)

    def __init__(self, *args, plan=None, **kwargs):
        super().__init__(*args, **kwargs)
        if plan is not None and plan.pk:
            self.fields["round"].queryset = plan.rounds.select_related("sitting")

    def clean(self):
        cleaned = super().clean()
        due_rule_check(self, cleaned, round_field="round")
        return cleaned


def due_rule_check(form, cleaned, *, round_field, prefix=""):
    """The rule's parts that its kind needs: the date of a fixed date, the days of the others, and
    the round of a round-relative one."""
    kind = cleaned.get(f"{prefix}kind")
    if kind == DueKind.DATE and not cleaned.get(f"{prefix}date"):
        form.add_error(f"{prefix}date", _("Give the due date."))
    if kind and kind != DueKind.DATE and cleaned.get(f"{prefix}amount") is None:
        form.add_error(f"{prefix}amount", _("Give the number of days."))
    if kind in ROUND_KINDS and not cleaned.get(round_field):
        form.add_error(round_field, _("Choose the round the days count from."))
    if not cleaned.get(f"{prefix}unit"):
        cleaned[f"{prefix}unit"] = DueUnit.DAYS


class AssignmentForm(NormalisedModelForm):
    """An assignment in the plan's form, with its first due date rule. Its round is chosen by its
    number among the rounds of the same form, so that a deadline relative to a round is accepted
    before the plan and its rounds are first saved."""

    due_kind = forms.ChoiceField(label=_("due"), choices=[("", _("No due date")), *DueKind.choices], required=False)
    due_amount = forms.IntegerField(label=_("days"), min_value=0, max_value=365, required=False)
    due_unit = forms.ChoiceField(label=_("counted in"), choices=DueUnit.choices, required=False, initial=DueUnit.DAYS)
    due_round = forms.TypedChoiceField(label=_("round"), coerce=int, required=False, empty_value=None, choices=[])
    due_date = SensibleDateField(label=_("due date"), widget=DateInput(), required=False)

    class Meta:
        model = Assignment
        fields = ["lead", "text", "responsible_kind", "agency"]
        widgets = {"text": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user=None, plan=None, round_choices=(), round_positions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = Agency.objects.managed_by(user) if user else Agency.objects.none()
        self.fields["due_round"].choices = [("", "---------"), *round_choices]
        first = self.instance.dues.first() if self.instance.pk else None
        if first is not None and not self.is_bound:
            positions = round_positions or {}
            self.initial.update(due_kind=first.kind, due_amount=first.amount, due_unit=first.unit,
                                due_date=first.date, due_round=positions.get(first.round_id))

    def clean(self):
        cleaned = super().clean()
        due_rule_check(self, cleaned, round_field="due_round", prefix="due_")
        if cleaned.get("responsible_kind") == "agency" and not cleaned.get("agency"):
            self.add_error("agency", _("Choose the agency."))
        return cleaned


# Bounded: each assignment form lists every round of the form, so a forged TOTAL_FORMS of thousands
# would build millions of options (Django's own cap is 2,000 forms). A year plan has a handful of rounds
# and a few dozen assignments.
MAX_ROUNDS, MAX_ASSIGNMENTS = 40, 150
RoundFormSet = inlineformset_factory(ContactPlan, ContactRound, form=RoundForm, extra=1, can_delete=True,
                                     max_num=MAX_ROUNDS, absolute_max=MAX_ROUNDS, validate_max=True)
AssignmentFormSet = inlineformset_factory(ContactPlan, Assignment, form=AssignmentForm, extra=1, can_delete=True,
                                          max_num=MAX_ASSIGNMENTS, absolute_max=MAX_ASSIGNMENTS, validate_max=True)


class AssignmentPartForm(NormalisedModelForm):
    """An assignment added on the plan's page (with its first due date rule in a DueForm)."""

    class Meta:
        model = Assignment
        fields = ["lead", "text", "responsible_kind", "agency"]
        widgets = {"text": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = Agency.objects.managed_by(user) if user else Agency.objects.none()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("responsible_kind") == "agency" and not cleaned.get("agency"):
            self.add_error("agency", _("Choose the agency."))
        return cleaned


class BulkForm(NormalisedForm):
    """Several rounds or assignments typed or pasted at once, one a line (columns separated by "|"
    or a tab, as pasted from a spreadsheet)."""

    lines = forms.CharField(label=_("one a line"), widget=forms.Textarea(attrs={"rows": 5}), max_length=20000)


class MoveForm(NormalisedForm):
    direction = forms.ChoiceField(choices=[("up", "up"), ("down", "down")])


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


# ------------------------------------------------------------------------------------ bulk add

ROUND_WORDS = {"before": RoundKind.BEFORE_SITTING, "trước": RoundKind.BEFORE_SITTING,
               "after": RoundKind.AFTER_SITTING, "sau": RoundKind.AFTER_SITTING,
               "thematic": RoundKind.THEMATIC, "chuyên đề": RoundKind.THEMATIC}
RESPONSIBLE_WORDS = {"agency": "agency", "cơ quan": "agency", "front": "front", "mặt trận": "front", "mttq": "front",
                     "groups": "groups", "tổ": "groups", "tổ đại biểu": "groups", "office": "office",
                     "văn phòng": "office", "communes": "communes", "xã": "communes", "ubnd xã": "communes",
                     "other": "other", "khác": "other"}
DUE_RULE = re.compile(
    r"^(?P<n>\d{1,3})\s*(?P<unit>ngày làm việc|working days?|ngày|days?)\s+(?P<side>trước|before|sau|after)\s+"
    r"(?P<what>mỗi buổi|each meeting|đợt|round)(?:\s*(?P<round>\d{1,3}))?$", re.IGNORECASE)


def _cells(line):
    return [cell.strip() for cell in re.split(r"\t|\|", line)]


def _date(text):
    try:
        return datetime.datetime.strptime(text.strip(), "%d/%m/%Y").date()
    except ValueError:
        return None


def rounds_parse(text, *, plan, sittings):
    """"kind | sitting number | from | to | topic", one round a line; the dates may be left empty
    for a before- or after-sitting round of a sitting. Returns (unsaved rounds, errors)."""
    from .services import round_window_apply

    by_number = {s.number: s for s in sittings}
    rounds, errors = [], []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        cells = _cells(line) + [""] * 5
        kind = ROUND_WORDS.get(cells[0].lower())
        sitting = by_number.get(int(cells[1])) if cells[1].isdigit() else None
        start, end = _date(cells[2]) if cells[2] else None, _date(cells[3]) if cells[3] else None
        problem = None
        if kind is None:
            problem = _("the kind must be before, after or thematic (trước, sau, chuyên đề)")
        elif cells[1] and sitting is None:
            problem = _("no sitting numbered %(n)s") % {"n": cells[1]}
        elif (cells[2] and start is None) or (cells[3] and end is None) or bool(start) != bool(end):
            problem = _("give both dates as dd/mm/yyyy, or neither")
        elif start and end < start:
            problem = _("the round ends before it starts")
        if problem is None:
            rnd = ContactRound(plan=plan, kind=kind, sitting=sitting, topic=cells[4][:255], starts_on=start, ends_on=end)
            try:
                round_window_apply(rnd=rnd, typed=bool(start))
            except forms.ValidationError as error:
                problem = " ".join(error.messages)
            else:
                rounds.append(rnd)
        if problem:
            errors.append(_("Line %(n)s: %(problem)s.") % {"n": number, "problem": problem})
    return rounds, errors


def due_parse(text, *, rounds):
    """One due rule as typed: "15/03/2026", "5 ngày trước mỗi buổi", "5 ngày làm việc sau mỗi buổi",
    "3 working days after round 1" (a round by its number on the plan's page). Returns the
    AssignmentDue values, or None."""
    text = " ".join(text.split())
    date = _date(text)
    if date:
        return {"kind": DueKind.DATE, "date": date}
    match = DUE_RULE.match(text)
    if not match:
        return None
    unit = DueUnit.WORKING_DAYS if match["unit"].lower().startswith(("ngày làm", "working")) else DueUnit.DAYS
    before = match["side"].lower() in ("trước", "before")
    per_meeting = match["what"].lower() in ("mỗi buổi", "each meeting")
    rnd = None
    if match["round"]:
        index = int(match["round"])
        if not 1 <= index <= len(rounds):
            return None
        rnd = rounds[index - 1]
    if not per_meeting and rnd is None:
        return None
    kind = {(True, True): DueKind.BEFORE_EACH_MEETING, (False, True): DueKind.AFTER_EACH_MEETING,
            (True, False): DueKind.BEFORE_ROUND, (False, False): DueKind.AFTER_ROUND}[(before, per_meeting)]
    return {"kind": kind, "amount": int(match["n"]), "unit": unit, "round": rnd}


def assignments_parse(text, *, rounds, agencies):
    """"opening words | what it must do | due date(s), separated by ";" | responsible body", one
    assignment a line. Returns ([(unsaved Assignment, [due values])], errors)."""
    by_name = {a.name.lower(): a for a in agencies}
    items, errors = [], []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        cells = _cells(line) + [""] * 4
        lead, body, dues_text, who = cells[0], cells[1], cells[2], cells[3].lower()
        problem, dues = None, []
        for part in [p for p in dues_text.split(";") if p.strip()]:
            values = due_parse(part, rounds=rounds)
            if values is None:
                problem = _('"%(due)s" is no due date: write dd/mm/yyyy or e.g. "5 ngày trước mỗi buổi", '
                            '"5 ngày làm việc sau mỗi buổi", "3 ngày làm việc sau đợt 1"') % {"due": part.strip()}
                break
            dues.append(values)
        agency = by_name.get(who)
        responsible = "agency" if agency else RESPONSIBLE_WORDS.get(who or "other")
        if not lead or not body:
            problem = problem or _("give the opening words and what must be done")
        elif responsible is None:
            problem = problem or _('"%(who)s" is neither a kind of body nor an agency') % {"who": cells[3]}
        if problem:
            errors.append(_("Line %(n)s: %(problem)s.") % {"n": number, "problem": problem})
            continue
        items.append((Assignment(lead=lead[:255], text=body, responsible_kind=responsible, agency=agency), dues))
    return items, errors
