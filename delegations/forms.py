from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.utils.translation import gettext_lazy as _

from .dates import SensibleDateField
from .models import (
    Agency,
    CalendarDay,
    Commune,
    Council,
    CouncilLevel,
    DeadlineRules,
    Delegate,
    DelegateGroup,
    ElectoralUnit,
    Membership,
    Term,
)
from .textforms import NormalisedForm, NormalisedModelForm


class DateInput(forms.DateInput):
    """The browser's date picker; it submits ISO dates whatever the display language."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class CouncilScopedForm(NormalisedModelForm):
    """A form whose council and related rows are limited to the councils the user manages."""

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        for field in self.fields.values():
            queryset = getattr(field, "queryset", None)
            if queryset is None:
                continue
            if queryset.model is Council:
                field.queryset = self.council_choices(queryset)
            elif hasattr(queryset, "managed_by"):
                field.queryset = queryset.managed_by(user)
        council_field = self.fields.get("council")
        if council_field is not None and not self.instance.pk:
            managed = list(council_field.queryset[:2])
            if len(managed) == 1:
                council_field.initial = managed[0]

    def council_choices(self, queryset):
        return queryset.managed_by(self.user)

    def clean(self):
        """Every related row chosen must belong to the council chosen (a user who manages two
        councils could otherwise mix them)."""
        cleaned = super().clean()
        council = cleaned.get("council")
        if council is None:
            return cleaned
        for name, value in list(cleaned.items()):
            if name == "council" or value is None:
                continue
            rows = value if hasattr(value, "model") and hasattr(value, "filter") else [value]
            if any(getattr(row, "council_id", council.pk) != council.pk for row in rows):
                self.add_error(name, _("This belongs to another council."))
        return cleaned


def symbol_field_limit(form, name="document_symbol"):
    """A document's symbol field: empty takes its council's first symbol; the others are offered."""
    field = form.fields.get(name)
    if field is not None:
        field.required = False
        field.help_text = _('Empty: the council\'s first symbol (e.g. "HĐND"); or another of its symbols, '
                            'e.g. "TT.HĐND".')


def symbol_field_check(form, council, name="document_symbol"):
    """The symbol chosen must be one of the council's symbols."""
    symbol = (form.cleaned_data.get(name) or "").strip()
    form.cleaned_data[name] = symbol
    if symbol and council is not None and symbol not in council.document_symbols:
        form.add_error(name, _("Choose one of the council's symbols: %(symbols)s.")
                       % {"symbols": ", ".join(council.document_symbols)})


class CouncilForm(CouncilScopedForm):
    class Meta:
        model = Council
        fields = ["name", "level", "parent", "place_name", "issuing_body_lines", "document_symbol",
                  "other_document_symbols", "email", "phone", "address", "publish_answers_on_receipt"]
        widgets = {"issuing_body_lines": forms.Textarea(attrs={"rows": 3}),
                   "other_document_symbols": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        council = self.instance
        if council.pk and council.parent_id and not self.fields["parent"].queryset.filter(pk=council.parent_id).exists():
            # A commune office editing its own council: its province is not theirs to manage, so the
            # parent (and the level) stay as they are, shown but fixed.
            for name in ("parent", "level"):
                self.fields[name].disabled = True
            self.fields["parent"].queryset = Council.objects.filter(pk=council.parent_id)

    def council_choices(self, queryset):
        # A parent is a province council the user manages.
        return queryset.managed_by(self.user).filter(level=CouncilLevel.PROVINCE)

    def clean(self):
        cleaned = super().clean()
        # The office creates its province's commune councils; a new province council is the
        # system administrator's to create.
        if cleaned.get("level") == CouncilLevel.PROVINCE and not self.user.is_superuser:
            own_province = self.instance.pk and self.instance.level == CouncilLevel.PROVINCE
            if not own_province:
                self.add_error("level", _("Only the system administrator can create a province council."))
        return cleaned


class TermForm(CouncilScopedForm):
    class Meta:
        model = Term
        fields = ["council", "name", "start_year", "end_year", "is_current"]

    def clean(self):
        cleaned = super().clean()
        council = cleaned.get("council")
        if cleaned.get("is_current") and council:
            others = Term.objects.filter(council=council, is_current=True).exclude(pk=self.instance.pk)
            if others.exists():
                self.add_error("is_current", _("This council already has a current term: %(term)s.")
                               % {"term": others.first()})
        return cleaned


class CommuneForm(CouncilScopedForm):
    class Meta:
        model = Commune
        fields = ["council", "name", "kind", "code", "own_council"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["own_council"].queryset = Council.objects.for_user(self.user).filter(level=CouncilLevel.COMMUNE)


class ElectoralUnitForm(CouncilScopedForm):
    class Meta:
        model = ElectoralUnit
        fields = ["council", "term", "number", "name", "seats", "communes"]
        widgets = {"communes": forms.SelectMultiple(attrs={"size": 8})}


class DelegateGroupForm(CouncilScopedForm):
    class Meta:
        model = DelegateGroup
        fields = ["council", "term", "name", "leader", "deputy", "communes"]
        widgets = {"communes": forms.SelectMultiple(attrs={"size": 8})}


class DelegateForm(CouncilScopedForm):
    class Meta:
        model = Delegate
        fields = ["council", "term", "full_name", "kind", "position", "organisation", "phone", "email",
                  "electoral_unit", "group"]


class AgencyForm(CouncilScopedForm):
    class Meta:
        model = Agency
        fields = ["council", "name", "short_name", "level", "parent", "email", "phone", "is_active"]


class CalendarDayForm(CouncilScopedForm):
    class Meta:
        model = CalendarDay
        fields = ["council", "date", "kind", "reason"]
        widgets = {"date": DateInput()}
        field_classes = {"date": SensibleDateField}

    def clean(self):
        cleaned = super().clean()
        council, date = cleaned.get("council"), cleaned.get("date")
        if council and date:
            clash = CalendarDay.objects.filter(council=council, date=date).exclude(pk=self.instance.pk)
            if clash.exists():
                self.add_error("date", _("This council already has an entry for %(date)s.")
                               % {"date": date.strftime("%d/%m/%Y")})
        return cleaned


class DeadlineRulesForm(NormalisedModelForm):
    """A council's deadline rules, edited by its office (the council is given by the page)."""

    class Meta:
        model = DeadlineRules
        fields = ["forward_working_days", "answer_due_days", "minutes_due_days", "reminder_working_days",
                  "remind_on_due_day", "escalate_standing_after_working_days", "before_round_starts_days",
                  "before_round_ends_days", "after_round_days", "briefing_days_before_round"]

    def clean_forward_working_days(self):
        return self._at_least_one("forward_working_days")

    def clean_answer_due_days(self):
        return self._at_least_one("answer_due_days")

    def clean_minutes_due_days(self):
        return self._at_least_one("minutes_due_days")

    def _at_least_one(self, name):
        value = self.cleaned_data[name]
        if value is not None and not 1 <= value <= 365:
            raise forms.ValidationError(_("Give a number of days from 1 to 365."))
        return value


class MembershipForm(CouncilScopedForm):
    """A user's account and their role in one council, edited together."""

    username = forms.CharField(label=_("username"), max_length=150)
    full_name = forms.CharField(label=_("full name"), max_length=150)
    email = forms.EmailField(label=_("email"), required=False)
    password = forms.CharField(
        label=_("password"), required=False, widget=forms.PasswordInput(render_value=False),
        help_text=_("Required for a new user; leave empty to keep the current password."),
    )

    class Meta:
        model = Membership
        fields = ["council", "role", "group", "agency", "is_active"]

    field_order = ["username", "full_name", "email", "password", "council", "role", "group", "agency", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            account = self.instance.user
            self.fields["username"].initial = account.username
            self.fields["full_name"].initial = account.get_full_name()
            self.fields["email"].initial = account.email

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        users = get_user_model().objects.filter(username__iexact=username)
        if self.instance.pk:
            users = users.exclude(pk=self.instance.user_id)
        if users.exists():
            raise forms.ValidationError(_("This username is already taken."))
        return username

    def account_is_shared(self):
        """The account also belongs to a council this user does not manage, or is an administrator's:
        its login, email and password are then not this office's to change."""
        if not self.instance.pk:
            return False
        account = self.instance.user
        managed = Council.objects.managed_by(self.user)
        return account.is_superuser or account.memberships.exclude(council__in=managed).exists()

    def clean(self):
        cleaned = super().clean()
        if self.account_is_shared():
            account = self.instance.user
            changed = (cleaned.get("password") or cleaned.get("username", account.username) != account.username
                       or (cleaned.get("email") or "") != account.email)
            if changed:
                raise forms.ValidationError(_("This account also belongs to another council: only its role here "
                                              "can be changed; ask the system administrator to change its login."))
        password = cleaned.get("password")
        if not self.instance.pk and not password:
            self.add_error("password", _("Enter a password for the new user."))
        if password:
            try:
                # With the account, so that its current password and its name are refused too.
                password_validation.validate_password(password, self.instance.user if self.instance.pk else None)
            except forms.ValidationError as error:
                self.add_error("password", error)
        return cleaned

    def save(self, commit=True):
        from .services import membership_save

        return membership_save(
            membership=self.instance,
            username=self.cleaned_data["username"],
            full_name=self.cleaned_data["full_name"],
            email=self.cleaned_data["email"],
            password=self.cleaned_data.get("password") or None,
        )


class ImportForm(NormalisedForm):
    council = forms.ModelChoiceField(label=_("council"), queryset=Council.objects.none())
    term = forms.ModelChoiceField(label=_("term"), queryset=Term.objects.none())
    file = forms.FileField(label=_("Excel file (.xlsx)"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["council"].queryset = Council.objects.managed_by(user)
        self.fields["term"].queryset = Term.objects.managed_by(user)
        councils = list(self.fields["council"].queryset[:2])
        if len(councils) == 1:
            self.fields["council"].initial = councils[0]
            current = Term.objects.filter(council=councils[0], is_current=True).first()
            self.fields["term"].initial = current

    def clean(self):
        cleaned = super().clean()
        council, term = cleaned.get("council"), cleaned.get("term")
        if council and term and term.council_id != council.pk:
            self.add_error("term", _("This term belongs to another council."))
        return cleaned


class WorkingDaysForm(NormalisedForm):
    start = SensibleDateField(label=_("from"), widget=DateInput())
    days = forms.IntegerField(label=_("working days"), min_value=-366, max_value=366, initial=3)



class InboxFilterForm(NormalisedForm):
    """The inbox's parameters: a kind of message, unread only."""

    kind = forms.ChoiceField(label=_("kind"), required=False)
    unread = forms.BooleanField(label=_("unread only"), required=False)

    def __init__(self, *args, **kwargs):
        from .models import NotificationKind

        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("All kinds")), *NotificationKind.choices]


class NotificationPreferencesForm(NormalisedForm):
    """For each kind of message: e-mailed at once, in the daily digest, or not at all (mandatory
    kinds offer no "off", and refuse it); and the hour of the digest."""

    digest_hour = forms.TypedChoiceField(label=_("hour of the daily digest"), coerce=int,
                                         choices=[(h, f"{h:02d}:00") for h in range(24)])

    def __init__(self, *args, preferences, **kwargs):
        from .models import MANDATORY_KINDS, Delivery, NotificationKind, delivery_for

        super().__init__(*args, **kwargs)
        self.preferences = preferences
        self.fields["digest_hour"].initial = preferences.digest_hour
        self.kind_names = []
        for kind in NotificationKind:
            choices = [c for c in Delivery.choices if not (kind in MANDATORY_KINDS and c[0] == Delivery.OFF)]
            name = f"kind_{kind.value}"
            self.fields[name] = forms.ChoiceField(
                label=kind.label, choices=choices, initial=delivery_for(preferences, kind),
                help_text=_("Always e-mailed: it cannot be turned off.") if kind in MANDATORY_KINDS else "")
            self.kind_names.append(name)

    def kind_fields(self):
        return [self[name] for name in self.kind_names]

    def save(self):
        self.preferences.deliveries = {name.removeprefix("kind_"): self.cleaned_data[name] for name in self.kind_names}
        self.preferences.digest_hour = self.cleaned_data["digest_hour"]
        self.preferences.save()
        return self.preferences
