"""The organisation a deployment serves: councils, terms, communes, electoral units, delegate
groups, delegates, agencies and the users' memberships; plus the council's own calendar days and
the in-app inbox that every app shares."""
import datetime

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .text import fold


class Role(models.TextChoices):
    OFFICE = "office", _("Office staff")
    STANDING = "standing", _("Standing committee")
    GROUP_LEADER = "group_leader", _("Delegate group leader")
    DELEGATE = "delegate", _("Delegate")
    AGENCY = "agency", _("Agency responder")


# Roles that read the organisation of their council; agencies only see what is forwarded to them.
COUNCIL_STAFF_ROLES = (Role.OFFICE, Role.STANDING, Role.GROUP_LEADER, Role.DELEGATE)
# Roles of a province council that also read (never write) their commune councils' rows.
OVERSIGHT_ROLES = (Role.OFFICE, Role.STANDING)


class CouncilLevel(models.TextChoices):
    PROVINCE = "province", _("Province")
    COMMUNE = "commune", _("Commune")


class FoldedSearchQuerySet(models.QuerySet):
    def search(self, query):
        """Every word of the query, accent-folded, in the row's folded search text."""
        qs = self
        # A NUL cannot reach PostgreSQL (it refuses it in text): a word never holds one.
        for word in fold(str(query).replace("\x00", " ")).split():
            qs = qs.filter(search_text__contains=word)
        return qs


class CouncilQuerySet(FoldedSearchQuerySet):
    def for_user(self, user):
        """The councils a user may read: their own, and the communes under a province they oversee."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        memberships = Membership.objects.filter(user=user, is_active=True)
        own = memberships.filter(role__in=COUNCIL_STAFF_ROLES).values("council_id")
        overseen = memberships.filter(role__in=OVERSIGHT_ROLES).values("council_id")
        return self.filter(Q(pk__in=own) | Q(parent_id__in=overseen))

    def managed_by(self, user):
        """The councils whose organisation a user may change: those where they are office staff."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        return self.filter(
            pk__in=Membership.objects.filter(user=user, is_active=True, role=Role.OFFICE).values("council_id")
        )


class CouncilScopedQuerySet(FoldedSearchQuerySet):
    """The one scoping method of every council-owned model: rows of the councils the user may read.
    `search` applies to the models that keep a folded `search_text`."""

    council_path = "council"

    def for_user(self, user):
        return self.filter(**{f"{self.council_path}__in": Council.objects.for_user(user)})

    def managed_by(self, user):
        return self.filter(**{f"{self.council_path}__in": Council.objects.managed_by(user)})


class Searchable(models.Model):
    search_text = models.TextField(editable=False, blank=True, default="")

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.search_text = fold(" ".join(str(p) for p in self.search_parts() if p))
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_text"}
        super().save(*args, **kwargs)

    def search_parts(self):
        return [str(self)]


class Council(Searchable):
    name = models.CharField(_("name"), max_length=200)
    level = models.CharField(_("level"), max_length=20, choices=CouncilLevel.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent council"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="children",
    )
    place_name = models.CharField(
        _("place name on documents"), max_length=100,
        help_text=_('Printed before the date line, e.g. "Bắc Ninh".'),
    )
    issuing_body_lines = models.TextField(
        _("issuing body lines"),
        help_text=_("One line each, printed in capitals at the top left of documents, "
                    'e.g. "HỘI ĐỒNG NHÂN DÂN" and "TỈNH BẮC NINH".'),
    )
    document_symbol = models.CharField(
        _("document symbol suffix"), max_length=30, default="HĐND",
        help_text=_('The part after the type in document numbers, e.g. "HĐND" in "05/KH-HĐND".'),
    )
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    # The public petition lookup shows an agency's answer once the office has accepted it (or closed
    # the petition); a council may choose to publish answers as soon as they are received.
    publish_answers_on_receipt = models.BooleanField(
        _("publish agencies' answers as soon as received"), default=False,
        help_text=_("Off: the public lookup shows an answer only after the office has accepted it."))

    objects = CouncilQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("council")
        verbose_name_plural = _("councils")
        ordering = ["level", "name"]
        constraints = [
            models.UniqueConstraint(fields=["name"], name="council_unique_name"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("delegations:council_update", args=[self.pk])

    def search_parts(self):
        return [self.name, self.place_name]

    def clean(self):
        if self.level == CouncilLevel.PROVINCE and self.parent_id:
            raise ValidationError({"parent": _("A province council has no parent council.")})
        if self.level == CouncilLevel.COMMUNE:
            if not self.parent_id:
                raise ValidationError({"parent": _("A commune council belongs to a province council.")})
            if self.parent.level != CouncilLevel.PROVINCE:
                raise ValidationError({"parent": _("The parent of a commune council must be a province council.")})

    @property
    def issuing_body(self):
        return [line.strip() for line in self.issuing_body_lines.splitlines() if line.strip()]



class Term(models.Model):
    council = models.ForeignKey(Council, verbose_name=_("council"), on_delete=models.CASCADE, related_name="terms")
    name = models.CharField(_("name"), max_length=100, help_text=_('e.g. "Khóa XX"'))
    start_year = models.PositiveSmallIntegerField(_("first year"))
    end_year = models.PositiveSmallIntegerField(_("last year"))
    is_current = models.BooleanField(_("current term"), default=False)

    objects = CouncilScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("term")
        verbose_name_plural = _("terms")
        ordering = ["council", "-start_year"]
        constraints = [
            models.UniqueConstraint(fields=["council", "name"], name="term_unique_name"),
            models.UniqueConstraint(
                fields=["council"], condition=Q(is_current=True), name="term_one_current_per_council"
            ),
        ]

    def __str__(self):
        return f"{self.name}, {self.start_year}-{self.end_year}"

    def clean(self):
        if self.start_year and self.end_year and self.end_year < self.start_year:
            raise ValidationError({"end_year": _("The last year cannot be before the first year.")})


class CommuneKind(models.TextChoices):
    COMMUNE = "xa", _("Commune (xã)")
    WARD = "phuong", _("Ward (phường)")
    SPECIAL_ZONE = "dac_khu", _("Special zone (đặc khu)")


class Commune(Searchable):
    """An administrative commune of the province; its own council, when it has one, points here."""

    council = models.ForeignKey(
        Council, verbose_name=_("council"), on_delete=models.CASCADE, related_name="communes",
        help_text=_("The council that keeps this record (the province council for its communes)."),
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=CommuneKind.choices, default=CommuneKind.COMMUNE)
    code = models.CharField(_("code"), max_length=20, blank=True)
    own_council = models.OneToOneField(
        Council, verbose_name=_("commune council"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="commune",
    )

    objects = CouncilScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("commune")
        verbose_name_plural = _("communes")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["council", "name"], name="commune_unique_name")]

    def __str__(self):
        return self.name

    def search_parts(self):
        return [self.name, self.code]


class ElectoralUnit(Searchable):
    council = models.ForeignKey(Council, verbose_name=_("council"), on_delete=models.CASCADE,
                                related_name="electoral_units")
    term = models.ForeignKey(Term, verbose_name=_("term"), on_delete=models.PROTECT, related_name="electoral_units")
    number = models.PositiveSmallIntegerField(_("number"))
    name = models.CharField(_("name"), max_length=200)
    seats = models.PositiveSmallIntegerField(_("seats"), default=1)
    communes = models.ManyToManyField(Commune, verbose_name=_("communes"), blank=True, related_name="electoral_units")

    objects = CouncilScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("electoral unit")
        verbose_name_plural = _("electoral units")
        ordering = ["council", "term", "number"]
        constraints = [
            models.UniqueConstraint(fields=["council", "term", "number"], name="electoral_unit_unique_number"),
        ]

    def __str__(self):
        return f"{self.number:02d}. {self.name}"

    def search_parts(self):
        return [self.name, self.number]


class DelegateGroup(Searchable):
    council = models.ForeignKey(Council, verbose_name=_("council"), on_delete=models.CASCADE,
                                related_name="delegate_groups")
    term = models.ForeignKey(Term, verbose_name=_("term"), on_delete=models.PROTECT, related_name="delegate_groups")
    name = models.CharField(_("name"), max_length=200)
    leader = models.ForeignKey(
        "Delegate", verbose_name=_("leader"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    deputy = models.ForeignKey(
        "Delegate", verbose_name=_("deputy leader"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    communes = models.ManyToManyField(Commune, verbose_name=_("communes covered"), blank=True,
                                      related_name="delegate_groups")

    objects = CouncilScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("delegate group")
        verbose_name_plural = _("delegate groups")
        ordering = ["council", "name"]
        constraints = [models.UniqueConstraint(fields=["council", "term", "name"], name="group_unique_name")]

    def __str__(self):
        return self.name

    def clean(self):
        for field in ("leader", "deputy"):
            delegate = getattr(self, field)
            if delegate and delegate.group_id and self.pk and delegate.group_id != self.pk:
                raise ValidationError({field: _("This delegate belongs to another group.")})
            if delegate and self.council_id and delegate.council_id != self.council_id:
                raise ValidationError({field: _("This delegate belongs to another council.")})
        if self.leader_id and self.leader_id == self.deputy_id:
            raise ValidationError({"deputy": _("The deputy cannot be the leader.")})


class DelegateKind(models.TextChoices):
    FULL_TIME = "full_time", _("Full-time")
    PART_TIME = "part_time", _("Part-time")


class Delegate(Searchable):
    council = models.ForeignKey(Council, verbose_name=_("council"), on_delete=models.CASCADE,
                                related_name="delegates")
    term = models.ForeignKey(Term, verbose_name=_("term"), on_delete=models.PROTECT, related_name="delegates")
    full_name = models.CharField(_("full name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=DelegateKind.choices, default=DelegateKind.PART_TIME)
    position = models.CharField(_("position"), max_length=255, blank=True)
    organisation = models.CharField(_("organisation"), max_length=255, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("email"), blank=True)
    electoral_unit = models.ForeignKey(
        ElectoralUnit, verbose_name=_("electoral unit"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="delegates",
    )
    group = models.ForeignKey(
        DelegateGroup, verbose_name=_("delegate group"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="members",
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user account"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="delegate",
    )

    objects = CouncilScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("delegate")
        verbose_name_plural = _("delegates")
        ordering = ["council", "full_name"]
        constraints = [
            models.UniqueConstraint(fields=["council", "term", "full_name", "phone"], name="delegate_unique_person"),
        ]

    def __str__(self):
        return self.full_name

    def search_parts(self):
        return [self.full_name, self.position, self.organisation, self.phone, self.email]

    def clean(self):
        for field in ("group", "electoral_unit"):
            related = getattr(self, field)
            if related and self.council_id and related.council_id != self.council_id:
                raise ValidationError({field: _("This belongs to another council.")})


class AgencyLevel(models.TextChoices):
    COMMUNE = "commune", _("Commune")
    PROVINCE = "province", _("Province")
    CENTRAL = "central", _("Central")


class Agency(Searchable):
    """A body that answers petitions: a People's Committee, a department, a ministry."""

    council = models.ForeignKey(
        Council, verbose_name=_("council"), on_delete=models.CASCADE, related_name="agencies",
        help_text=_("The council that forwards petitions to this agency."),
    )
    name = models.CharField(_("name"), max_length=255)
    short_name = models.CharField(_("short name"), max_length=100, blank=True)
    level = models.CharField(_("level"), max_length=20, choices=AgencyLevel.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent agency"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="children",
    )
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    objects = CouncilScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering = ["council", "level", "name"]
        constraints = [models.UniqueConstraint(fields=["council", "name"], name="agency_unique_name")]

    def __str__(self):
        return self.short_name or self.name

    def search_parts(self):
        return [self.name, self.short_name]


class Membership(Searchable):
    """A user's place in a council: one role, and the group or agency it applies to."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
                             related_name="memberships")
    council = models.ForeignKey(Council, verbose_name=_("council"), on_delete=models.CASCADE,
                                related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    group = models.ForeignKey(DelegateGroup, verbose_name=_("delegate group"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="memberships")
    agency = models.ForeignKey(Agency, verbose_name=_("agency"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="memberships")
    is_active = models.BooleanField(_("active"), default=True)

    objects = CouncilScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["council", "user__username"]
        constraints = [models.UniqueConstraint(fields=["user", "council"], name="membership_one_per_council")]

    def __str__(self):
        return f"{self.user} · {self.council} · {self.get_role_display()}"

    def search_parts(self):
        return [self.user.username, self.user.get_full_name(), self.user.email]

    def clean(self):
        if self.role == Role.GROUP_LEADER and not self.group_id:
            raise ValidationError({"group": _("A group leader must be linked to their delegate group.")})
        if self.role == Role.AGENCY and not self.agency_id:
            raise ValidationError({"agency": _("An agency responder must be linked to their agency.")})
        if self.group_id and self.council_id and self.group.council_id != self.council_id:
            raise ValidationError({"group": _("This group belongs to another council.")})
        if self.agency_id and self.council_id and self.agency.council_id != self.council_id:
            raise ValidationError({"agency": _("This agency belongs to another council.")})


class CalendarDayKind(models.TextChoices):
    DAY_OFF = "day_off", _("Day off")
    WORKING_DAY = "working_day", _("Working day")


class CalendarDayQuerySet(CouncilScopedQuerySet):
    """Bulk writes go row by row through CalendarDay.save()/delete(), so that an admin's "delete
    selected", an import's bulk_create or a shell's update() move open deadlines too."""

    def delete(self):
        count = 0
        for day in self.order_by("pk"):
            day.delete()
            count += 1
        return count, {self.model._meta.label: count}

    delete.queryset_only = True

    def update(self, **values):
        count = 0
        for day in self.order_by("pk"):
            for name, value in values.items():
                setattr(day, name, value)
            day.save()
            count += 1
        return count

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        for day in objs:
            day.save()
        return objs


class CalendarDay(models.Model):
    """A council's own exception to the national calendar: an extra day off or a make-up working day."""

    council = models.ForeignKey(Council, verbose_name=_("council"), on_delete=models.CASCADE,
                                related_name="calendar_days")
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=20, choices=CalendarDayKind.choices)
    reason = models.CharField(_("reason"), max_length=255)

    objects = CalendarDayQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["council", "date"], name="calendar_day_unique")]

    def __str__(self):
        return f"{self.date:%d/%m/%Y} · {self.get_kind_display()}"

    # Every path that adds, changes or removes a council's own day (the calendar page, the Django
    # admin, an import, the shell) goes through save() or delete(): the open deadlines the day
    # touches are computed again there, in the same transaction, and each move is recorded with
    # who changed the calendar. A model method, called explicitly, not a signal. The moved
    # deadlines are left on the instance (`deadlines_moved`, `deadlines_batch`) for the page to
    # report. A queryset's bulk update()/delete() bypasses this: use the rows' own methods.

    def save(self, *args, **kwargs):
        from django.db import transaction

        from .deadlines import calendar_day_changed

        with transaction.atomic():
            before = (CalendarDay.objects.select_for_update().filter(pk=self.pk).first()
                      if self.pk else None)
            super().save(*args, **kwargs)
            self.deadlines_moved, self.deadlines_batch = calendar_day_changed(
                day=self, before=before, user=self._acting_user())

    def delete(self, *args, **kwargs):
        from django.db import transaction

        from .deadlines import calendar_day_changed

        with transaction.atomic():
            result = super().delete(*args, **kwargs)
            self.deadlines_moved, self.deadlines_batch = calendar_day_changed(
                day=self, deleted=True, user=self._acting_user())
        return result

    def _acting_user(self):
        """Who changed the calendar: the user set on the instance as django-simple-history reads it
        (`_history_user`), else the user of the request being served (simple-history's request
        middleware, which the admin and every page go through); None from the shell."""
        user = getattr(self, "_history_user", None)
        if user is None:
            request = getattr(HistoricalRecords.context, "request", None)
            user = getattr(request, "user", None)
        return user if user is not None and user.is_authenticated else None


class NotificationQuerySet(models.QuerySet):
    def for_user(self, user):
        if not user.is_authenticated:
            return self.none()
        return self.filter(recipient=user)

    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """A message in a user's in-app inbox; also sent by email by a task after commit."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recipient"),
                                  on_delete=models.CASCADE, related_name="notifications")
    subject = models.CharField(_("subject"), max_length=255)
    body = models.TextField(_("message"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("emailed"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_inbox")]

    def __str__(self):
        return self.subject


def parse_reminder_days(value):
    """"3,1" → [3, 1]: distinct whole numbers of working days, largest first."""
    days = set()
    for part in (value or "").replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        if not (part.isascii() and part.isdigit()) or not 1 <= int(part) <= 60:  # "²".isdigit() too
            raise ValidationError(_('"%(value)s" is not a number of working days from 1 to 60.') % {"value": part})
        days.add(int(part))
    return sorted(days, reverse=True)


def validate_reminder_days(value):
    parse_reminder_days(value)


class DeadlineRules(models.Model):
    """A council's deadline rules (docs/domain.md, "Deadlines"): data a council edits, with the defaults here."""

    council = models.OneToOneField(Council, verbose_name=_("council"), on_delete=models.CASCADE,
                                   related_name="deadline_rules")
    before_round_starts_days = models.PositiveSmallIntegerField(
        _("before-sitting contact starts (days before the sitting opens)"), default=35)
    before_round_ends_days = models.PositiveSmallIntegerField(
        _("before-sitting contact ends (days before the sitting opens)"), default=7)
    after_round_days = models.PositiveSmallIntegerField(
        _("after-sitting contact completed within (days after the sitting closes)"), default=15)
    briefing_days_before_round = models.PositiveSmallIntegerField(
        _("briefing documents to delegates (days before contact)"), default=5)
    forward_working_days = models.PositiveSmallIntegerField(
        _("province/central petitions forwarded within (working days after the round ends)"), default=3)
    minutes_due_days = models.PositiveSmallIntegerField(_("minutes due (days after the meeting)"), default=5)
    answer_due_days = models.PositiveSmallIntegerField(_("agency answer due (days after receipt)"), default=60)
    # Reminders and escalations of every deadline of the council (delegations/deadlines.py). The office
    # is always told when a deadline is overdue; the standing committee after the number of days below.
    reminder_working_days = models.CharField(
        _("reminders (working days before the due date)"), max_length=30, default="3,1", blank=True,
        validators=[validate_reminder_days],
        help_text=_('Working days before a due date on which the people responsible are reminded, '
                    'separated by commas, e.g. "3,1"; empty for none.'))
    remind_on_due_day = models.BooleanField(_("remind on the due date"), default=True)
    escalate_standing_after_working_days = models.PositiveSmallIntegerField(
        _("tell the standing committee after (working days overdue)"), default=5,
        help_text=_("0: never; the office is always told on the first working day after the due date."))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("deadline rules")
        verbose_name_plural = _("deadline rules")

    def __str__(self):
        return str(self.council)

    @classmethod
    def for_council(cls, council):
        rules, _created = cls.objects.get_or_create(council=council)
        return rules

    def reminder_days(self):
        return parse_reminder_days(self.reminder_working_days)


# ----------------------------------------------------------------------------------- deadlines
# Every clock of every app (an assignment, minutes due, a petition to forward, an answer due, a
# promised date) is a row here; delegations/deadlines.py opens, moves, closes and sweeps them.

class DeadlineUnit(models.TextChoices):
    WORKING_DAYS = "working_days", _("working days")
    DAYS = "days", _("days")
    DATE = "date", _("a given date")


class DeadlineState(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


# `notify_on` of a deadline that has nothing left to send for its due date.
NOTHING_LEFT = datetime.date(9999, 12, 31)


class DeadlineQuerySet(CouncilScopedQuerySet):
    def open(self):
        return self.filter(state=DeadlineState.OPEN)

    def for_subject(self, subject):
        return self.filter(content_type=ContentType.objects.get_for_model(subject), object_id=subject.pk)

    def for_subjects(self, model, ids):
        """The deadlines of these rows of `model` (e.g. a plan's assignments)."""
        return self.filter(content_type=ContentType.objects.get_for_model(model), object_id__in=list(ids))

    def with_history(self):
        """For the "deadline history" shown on a subject's page: each deadline's moves with who
        made them, in two queries."""
        return self.prefetch_related(models.Prefetch(
            "changes", queryset=DeadlineChange.objects.select_related("changed_by").order_by("changed_at", "pk")))


class Deadline(models.Model):
    """One clock: what it is for (a kind and a subject row of another app), its due date, how that
    date was computed and the rule to compute it again, and its state."""

    council = models.ForeignKey(Council, verbose_name=_("council"), on_delete=models.CASCADE,
                                related_name="deadlines")
    kind = models.CharField(_("kind"), max_length=40)
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("content_type", "object_id")
    title = models.CharField(_("what"), max_length=255)
    url = models.CharField(_("link"), max_length=500, blank=True)
    # The rule: `amount` working days or days after `start_on`, or a date given as it is.
    start_on = models.DateField(_("counted from"), null=True, blank=True)
    amount = models.PositiveSmallIntegerField(_("amount"), null=True, blank=True)
    unit = models.CharField(_("unit"), max_length=20, choices=DeadlineUnit.choices)
    due_on = models.DateField(_("due on"))
    explanation = models.CharField(_("how the due date was computed"), max_length=500, blank=True)
    state = models.CharField(_("state"), max_length=20, choices=DeadlineState.choices, default=DeadlineState.OPEN)
    done_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # The next day the sweep has something to do for this row: NULL while not yet computed (the
    # sweep then looks at it once its due date is near), NOTHING_LEFT when every notice is sent.
    notify_on = models.DateField(_("next notice on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = DeadlineQuerySet.as_manager()

    class Meta:
        verbose_name = _("deadline")
        verbose_name_plural = _("deadlines")
        ordering = ["due_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["content_type", "object_id", "kind"], name="deadline_one_per_subject_kind"),
        ]
        indexes = [
            models.Index(fields=["state", "due_on"], name="deadline_state_due"),
            # The sweep: open rows whose next notice day has come, and those not yet scheduled (by
            # due date). Rows done with (long overdue, all sent) are in neither range.
            models.Index(fields=["state", "notify_on"], name="deadline_sweep"),
            models.Index(fields=["due_on"], condition=Q(state="open", notify_on__isnull=True),
                         name="deadline_unscheduled"),
            models.Index(fields=["council", "state", "due_on"], name="deadline_council_state_due"),
        ]

    def __str__(self):
        return f"{self.title} · {self.due_on:%d/%m/%Y}"

    def is_overdue(self, today=None):
        """Open and past its due date as of `today`, a local date (Asia/Ho_Chi_Minh) by default."""
        return self.state == DeadlineState.OPEN and self.due_on < (today or timezone.localdate())

    @property
    def kind_label(self):
        from .deadlines import kind_label

        return kind_label(self.kind)


class DeadlineChangeCause(models.TextChoices):
    CALENDAR = "calendar", _("working-day calendar changed")
    RULES = "rules", _("deadline rules changed")
    OTHER = "other", _("date set again")


class DeadlineChangeQuerySet(models.QuerySet):
    def moves(self):
        """The moves of one change of a calendar or of the rules, grouped: one row per batch with
        its reason, who, when and how many deadlines it moved, newest first."""
        return (self.exclude(batch="").values("batch", "reason", "cause", "changed_by__username",
                                              "changed_by__first_name", "changed_by__last_name")
                .annotate(count=models.Count("pk"), at=models.Max("changed_at")).order_by("-at"))


class DeadlineChange(models.Model):
    """A due date moved: by a new rule result (a council day off added, the council's deadline
    rules changed), an extension, a send-back. The moves of one calendar or rules change share a
    `batch`, so that the page of that change can list them."""

    deadline = models.ForeignKey(Deadline, verbose_name=_("deadline"), on_delete=models.CASCADE,
                                 related_name="changes")
    old_due_on = models.DateField(_("was due on"), null=True, blank=True)
    new_due_on = models.DateField(_("now due on"))
    reason = models.CharField(_("why"), max_length=255)
    explanation = models.CharField(_("how the new date was computed"), max_length=500, blank=True)
    changed_at = models.DateTimeField(_("changed at"), auto_now_add=True)
    cause = models.CharField(_("cause"), max_length=20, choices=DeadlineChangeCause.choices,
                             default=DeadlineChangeCause.OTHER)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("changed by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    batch = models.CharField(_("change"), max_length=32, blank=True, db_index=True)

    objects = DeadlineChangeQuerySet.as_manager()

    class Meta:
        verbose_name = _("deadline change")
        verbose_name_plural = _("deadline changes")
        ordering = ["changed_at", "pk"]

    def __str__(self):
        old = f"{self.old_due_on:%d/%m/%Y}" if self.old_due_on else "—"
        return f"{old} → {self.new_due_on:%d/%m/%Y}: {self.reason}"


class DeadlineNotice(models.Model):
    """A reminder or escalation sent for a deadline's due date: one row per (deadline, stage, due
    date), claimed by the sweep that inserts it, so that nothing is sent twice. A moved or reopened
    deadline is reminded again for its new date."""

    deadline = models.ForeignKey(Deadline, verbose_name=_("deadline"), on_delete=models.CASCADE,
                                 related_name="notices")
    stage = models.CharField(_("stage"), max_length=40)
    due_on = models.DateField(_("for the due date"))
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)
    sweep = models.CharField(_("sweep"), max_length=32, editable=False)
    recipients = models.PositiveIntegerField(_("recipients"), default=0)

    class Meta:
        verbose_name = _("deadline notice")
        verbose_name_plural = _("deadline notices")
        ordering = ["sent_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["deadline", "stage", "due_on"], name="deadline_notice_once"),
        ]

    def __str__(self):
        return f"{self.deadline_id} · {self.stage} · {self.due_on:%d/%m/%Y}"


class OutboxTaskQuerySet(models.QuerySet):
    def waiting(self):
        """Wishes not done yet (whether handed to the broker or not)."""
        return self.filter(done_at__isnull=True)

    def for_call(self, task, **kwargs):
        """The row of one task call, e.g. `for_call(plan_render, plan_id=3, revision=4)`."""
        from .outbox import outbox_key

        return self.filter(key=outbox_key(task, kwargs))


class OutboxTask(models.Model):
    """A wish to run a Celery task (render a document, send an email), written in the same
    transaction as the change that makes it, then handed to the broker after commit. If the broker
    is down, or the message or the worker is lost, the row stays waiting and the outbox sweep hands
    it again (delegations/outbox.py); the task marks it done. One row per distinct call (`key`, a
    hash of the task name and its arguments): asking again for the same call re-arms the row."""

    name = models.CharField(_("task"), max_length=200)
    kwargs = models.JSONField(_("arguments"), default=dict)
    key = models.CharField(max_length=64, unique=True, editable=False)
    # Bumped each time the wish is re-armed: a run started for an earlier wish does not mark a later one done.
    generation = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    dispatched_at = models.DateTimeField(_("handed to the broker"), null=True, blank=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)

    objects = OutboxTaskQuerySet.as_manager()

    class Meta:
        verbose_name = _("background task")
        verbose_name_plural = _("background tasks")
        ordering = ["-requested_at", "-pk"]
        # The sweep reads the waiting rows only.
        indexes = [models.Index(fields=["requested_at"], name="outbox_waiting",
                                condition=Q(done_at__isnull=True))]

    def __str__(self):
        return f"{self.name}({self.kwargs})"

    @property
    def is_done(self):
        return self.done_at is not None


class SubmittedForm(models.Model):
    """A form sent once: each form page carries a random token (a hidden field, see
    `delegations.once`); the first POST with it inserts this row in the same transaction as what it
    creates, and a second POST with the same token (a double click, a resent page) finds the row and
    is sent to what the first one made instead of making it again. The unique token is the guard
    under concurrency: the second insert waits for the first transaction and then fails."""

    token = models.UUIDField(_("form token"), unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), null=True, on_delete=models.CASCADE,
                             related_name="+")
    submitted_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    url = models.CharField(_("what it made"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("form sent")
        verbose_name_plural = _("forms sent")
        ordering = ["-submitted_at", "-pk"]

    def __str__(self):
        return str(self.token)
