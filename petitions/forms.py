from django import forms
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from delegations.models import Agency, AgencyLevel, Commune, DelegateGroup
from delegations.params import IdsChoiceField
from delegations.textforms import NormalisedForm
from plans.models import ContactRound

from .models import PetitionField, PetitionSource


class FloorRowForm(NormalisedForm):
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


class ClassifyForm(NormalisedForm):
    """Field(s), level and agency for one petition or many; only what is filled in is set."""

    fields_ = IdsChoiceField(label=_("field"), queryset=PetitionField.objects.none(), required=False,
                                             widget=forms.SelectMultiple(attrs={"size": 4}))
    level = forms.ChoiceField(label=_("competence level"), choices=[("", "—"), *AgencyLevel.choices], required=False)
    agency = forms.ModelChoiceField(label=_("responsible agency"), queryset=Agency.objects.none(), required=False)

    def __init__(self, *args, councils=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fields_"].queryset = PetitionField.objects.filter(council__in=councils)
        self.fields["agency"].queryset = Agency.objects.filter(council__in=councils, is_active=True)

    def menus_from_cache(self, councils):
        """Write the field and agency menus from the councils' cached lists (petitions.menus: the
        same rows, labels and order as the querysets, given `councils` in Council's own order, as a
        queryset of them comes) instead of reading them again on every page of the petition list;
        what is sent is still checked against the querysets. Returns self."""
        from .menus import council_menus

        ids = [council.pk for council in councils]
        menus = council_menus(ids)
        self.fields["fields_"].widget.choices = [option for pk in ids for option in menus[pk]["fields"]]
        self.fields["agency"].widget.choices = [("", self.fields["agency"].empty_label),
                                                *(option for pk in ids for option in menus[pk]["agencies"])]
        return self

    def clean(self):
        cleaned = super().clean()
        if not (cleaned.get("fields_") or cleaned.get("level") or cleaned.get("agency")):
            raise forms.ValidationError(_("Choose a field, a level or an agency to set."))
        return cleaned


class PetitionForm(NormalisedForm):
    """A petition received in writing or typed in from a letter, with up to three voters."""

    source = forms.ChoiceField(label=_("source"), choices=[c for c in PetitionSource.choices
                                                             if c[0] != PetitionSource.MEETING],
                               initial=PetitionSource.LETTER)
    text = forms.CharField(label=_("the petition as said"), widget=forms.Textarea(attrs={"rows": 5}))
    summary = forms.CharField(label=_("summary"), max_length=500, required=False)
    round = forms.ModelChoiceField(label=_("round"), queryset=ContactRound.objects.none(), required=False)
    group = forms.ModelChoiceField(label=_("delegate group"), queryset=DelegateGroup.objects.none(), required=False)
    commune = forms.ModelChoiceField(label=_("commune"), queryset=Commune.objects.none(), required=False)
    fields_ = IdsChoiceField(label=_("field"), queryset=PetitionField.objects.none(), required=False,
                                             widget=forms.SelectMultiple(attrs={"size": 4}))

    def __init__(self, *args, council, **kwargs):
        super().__init__(*args, **kwargs)
        self.council = council
        self.fields["round"].queryset = ContactRound.objects.filter(plan__council=council).order_by("-starts_on")
        self.fields["group"].queryset = DelegateGroup.objects.filter(council=council)
        self.fields["commune"].queryset = Commune.objects.filter(council=council)
        self.fields["fields_"].queryset = PetitionField.objects.filter(council=council)
        for index in range(3):
            self.fields[f"voter_{index}_name"] = forms.CharField(label=_("voter's name"), max_length=150,
                                                                 required=False)
            self.fields[f"voter_{index}_address"] = forms.CharField(label=_("address"), max_length=255,
                                                                    required=False)
            self.fields[f"voter_{index}_phone"] = forms.CharField(label=_("phone"), max_length=30, required=False)

    def voters(self):
        return [{key: self.cleaned_data.get(f"voter_{index}_{key}", "") for key in ("name", "address", "phone")}
                for index in range(3)]

    def voter_rows(self):
        return [[self[f"voter_{index}_{key}"] for key in ("name", "address", "phone")] for index in range(3)]


class LookupForm(NormalisedForm):
    code = forms.CharField(label=_("petition code"), max_length=20,
                           widget=forms.TextInput(attrs={"placeholder": "KN-2026-7QK4M2XH9"}))


# ------------------------------------------------------------------------------------ Agency portal
# (imports kept in this section so that it can be appended without touching the top of the file)
from delegations.dates import PromisedDateField, SensibleDateField  # noqa: E402
from delegations.forms import DateInput  # noqa: E402
from delegations.uploads import validate_upload  # noqa: E402

from .models import AnswerOutcome  # noqa: E402

ANSWER_ATTACHMENT_KINDS = ["pdf", "png", "jpeg"]


class AnswerForm(NormalisedForm):
    """An agency's answer: one of the law's three outcomes, the text, and for "being resolved" the
    roadmap and the promised date (the service enforces those rules)."""

    outcome = forms.ChoiceField(label=_("outcome"), choices=AnswerOutcome.choices, widget=forms.RadioSelect)
    text = forms.CharField(label=_("answer"), widget=forms.Textarea(attrs={"rows": 6}))
    roadmap = forms.CharField(label=_("roadmap"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                              help_text=_("Only for \"being resolved\": the steps and who takes them."))
    promised_on = PromisedDateField(label=_("promised date"), required=False, widget=DateInput(),
                                  help_text=_("Only for \"being resolved\": it becomes the new deadline."))
    attachment = forms.FileField(label=_("attachment (PDF, PNG or JPEG)"), required=False)

    def clean_attachment(self):
        upload = self.cleaned_data.get("attachment")
        if upload:
            validate_upload(upload, ANSWER_ATTACHMENT_KINDS)
        return upload


class ExtensionForm(NormalisedForm):
    """An agency asks the office for more time to answer."""

    until = PromisedDateField(label=_("new date asked for"), widget=DateInput())
    reason = forms.CharField(label=_("reason"), widget=forms.Textarea(attrs={"rows": 3}))


# ------------------------------------------------------------------- parameters from the URL
# (issue 10: every id, number and date a page reads is parsed by a form, never by int())
from delegations.params import IdField, QueryForm  # noqa: E402

from .models import PETITION_STATES, PetitionStatus  # noqa: E402


class PetitionFilterQuery(QueryForm):
    """The list's (and the Excel export's) filters; an invalid one is left out with a message."""

    q = forms.CharField(label=_("search"), max_length=200)
    round = IdField(label=_("round"))
    group = IdField(label=_("delegate group"))
    commune = IdField(label=_("commune"))
    agency = IdField(label=_("responsible agency"))
    field = IdField(label=_("field"))
    level = forms.ChoiceField(label=_("competence level"), choices=AgencyLevel.choices)
    status = forms.ChoiceField(label=_("status"), choices=PetitionStatus.choices)
    overdue = forms.CharField(label=_("overdue"), max_length=10)
    unclassified = forms.CharField(label=_("unclassified"), max_length=10)
    forwarded = forms.ChoiceField(label=_("forwarded"), choices=[("0", "0"), ("1", "1")])
    council = IdField(label=_("council"))
    state = forms.ChoiceField(label=_("state"), choices=[(key, label) for key, (label, _rule) in PETITION_STATES.items()])
    sort = forms.ChoiceField(label=_("order"), choices=[("due", _("due soonest first"))])


class FloorQuery(QueryForm):
    rows = forms.IntegerField(label=_("rows"), min_value=0, max_value=10000)


class SimilarQuery(QueryForm):
    """The similar-petitions fragment's parameters: the text typed, or, from the floor table, the number
    of the row being typed (`row`), whose text comes as that row's own field ("rows-<row>-text")."""

    council = IdField(label=_("council"))
    round = IdField(label=_("round"))
    exclude = IdField(label=_("petition"))
    text = forms.CharField(label=_("the petition as said"), max_length=20000)
    row = forms.IntegerField(label=_("rows"), min_value=0, max_value=10000)

    def clean(self):
        cleaned = super().clean()
        row = cleaned.get("row")
        if row is not None and not cleaned.get("text"):
            try:  # the floor row's text, parsed as `text` is (a text too long is left out)
                cleaned["text"] = self.fields["text"].clean(self.data.get(f"rows-{row}-text", ""))
            except forms.ValidationError:
                cleaned["text"] = None
        return cleaned


class SubmitForm(NormalisedForm):
    """A group leader (or the office) sends a group's petitions of a round to the office: the ids,
    parsed here; the view then finds them among what the user may send (404 otherwise)."""

    group = IdField(label=_("delegate group"), required=True)
    round = IdField(label=_("round"), required=True)


class ReportIssueForm(NormalisedForm):
    """The number (from an outside register, or the next one when empty) and date a report is issued with."""

    number = forms.IntegerField(label=_("number"), min_value=1, max_value=99999, required=False)
    issued_on = SensibleDateField(label=_("issue date"), required=False)
    confirm_order = forms.BooleanField(label=_("issue even though the register's dates would be out of order"),
                                       required=False)


class AgencyInboxQuery(QueryForm):
    """The agency inbox's filters: a search, a status, one of the agency's agencies, and what waits
    (due within the working days of petitions.work.DUE_SOON_WORKING_DAYS, sent back, overdue)."""

    q = forms.CharField(label=_("search"), max_length=200)
    status = forms.ChoiceField(label=_("status"), choices=[(PetitionStatus.FORWARDED, PetitionStatus.FORWARDED.label),
                                                           (PetitionStatus.ANSWERED, PetitionStatus.ANSWERED.label),
                                                           (PetitionStatus.CLOSED, PetitionStatus.CLOSED.label)])
    agency = IdField(label=_("agency"))
    state = forms.ChoiceField(label=_("state"), choices=[("due_soon", _("Due within 5 working days")),
                                                         ("sent_back", _("Sent back to the agency")),
                                                         ("overdue", _("Overdue"))])
