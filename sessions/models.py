"""Contact meetings (hội nghị tiếp xúc cử tri): scheduled inside a round, announced publicly,
held and minuted."""
import datetime

from django.db import models
from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from delegations.models import Commune, Council, CouncilScopedQuerySet, Delegate, DelegateGroup
from plans.models import ContactRound

# How long a meeting without an end time is taken to last, to find a delegate booked twice.
DEFAULT_DURATION = datetime.timedelta(hours=3)


class MeetingFormat(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    ONLINE = "online", _("Online")
    HYBRID = "hybrid", _("In person and online")


class MeetingKind(models.TextChoices):
    PERIODIC = "periodic", _("Periodic")
    THEMATIC = "thematic", _("Thematic")
    WORKPLACE = "workplace", _("At a workplace")
    DIALOGUE = "dialogue", _("Dialogue")


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    HELD = "held", _("Held")
    POSTPONED = "postponed", _("Postponed")
    CANCELLED = "cancelled", _("Cancelled")


# The derived statuses of a meeting, defined once (issue 11): the meeting list and its progress
# table, the dashboard, the reports and the pages all count with these. A cancelled meeting is not
# planned; a postponed one still is (at its new date).

def planned_q(prefix=""):
    """Meetings planned: every meeting but the cancelled ones."""
    return ~Q(**{f"{prefix}status": MeetingStatus.CANCELLED})


def held_q(prefix=""):
    return Q(**{f"{prefix}status": MeetingStatus.HELD})


def cancelled_q(prefix=""):
    return Q(**{f"{prefix}status": MeetingStatus.CANCELLED})


def minutes_final_q():
    return Q(minutes__status=MinutesStatus.FINAL)


def minutes_overdue_q(today):
    """Held meetings whose minutes are still not final past their due date, as of `today` (a local
    date): the late minutes someone must still file."""
    return held_q() & Q(minutes_due_on__isnull=False) & ~minutes_final_q() & Q(minutes_due_on__lt=today)


def minutes_late_q(today):
    """Held meetings whose minutes are late as of `today` (a local date): not final and past their
    due date (minutes_overdue_q), or made final after it (the day of finalising in local time)."""
    return minutes_overdue_q(today) | (
        held_q() & Q(minutes_due_on__isnull=False) & minutes_final_q()
        & Q(minutes__finalised_at__date__gt=F("minutes_due_on")))


def minutes_to_file_q():
    """Held meetings without final minutes (late or not): the group leader writes and finalises them."""
    return held_q() & ~minutes_final_q()


WAITING_STATUSES = (MeetingStatus.PLANNED, MeetingStatus.POSTPONED)


def to_hold_q(now):
    """Meetings still to hold: planned or postponed, not over yet (started at most DEFAULT_DURATION
    before `now`)."""
    return Q(status__in=WAITING_STATUSES, starts_at__gte=now - DEFAULT_DURATION)


def outcome_due_q(now):
    """Meetings whose time has passed (DEFAULT_DURATION after they started) with no outcome recorded:
    still planned or postponed. The group leader records whether they were held."""
    return Q(status__in=WAITING_STATUSES, starts_at__lt=now - DEFAULT_DURATION)


def attended_by_q(user):
    """The user's meetings ("my meetings"): those they attend as a delegate, and those of the
    delegate groups they lead."""
    from delegations.models import Membership, Role
    groups = Membership.objects.filter(user=user, is_active=True, role=Role.GROUP_LEADER,
                                       group__isnull=False).values("group_id")
    attending = ContactSession.delegates.through.objects.filter(delegate__user=user).values("contactsession_id")
    return Q(pk__in=attending) | Q(group__in=groups)


# The meeting list's "state" filter and the home page's counts: (label, rule of (now, today)).
SESSION_STATES = {
    "planned": (_("Planned (not cancelled)"), lambda now, today: planned_q()),
    "held": (_("Held"), lambda now, today: held_q()),
    "minutes_on_time": (_("Minutes in on time"), lambda now, today: minutes_on_time_q()),
    "to_hold": (_("To hold"), lambda now, today: to_hold_q(now)),
    "outcome_due": (_("Outcome to record"), lambda now, today: outcome_due_q(now)),
    "minutes_to_file": (_("Minutes to file"), lambda now, today: minutes_to_file_q()),
    "minutes_overdue": (_("Minutes overdue"), lambda now, today: minutes_overdue_q(today)),
    "minutes_late": (_("Minutes late (overdue or filed late)"), lambda now, today: minutes_late_q(today)),
}


def session_state_q(state, now=None, today=None):
    now = now or timezone.now()
    return SESSION_STATES[state][1](now, today or timezone.localdate(now))


def minutes_on_time_q():
    """Held meetings whose minutes were made final on or before their due date (a meeting without
    a due date is never late)."""
    return held_q() & minutes_final_q() & (
        Q(minutes_due_on__isnull=True) | Q(minutes__finalised_at__date__lte=F("minutes_due_on")))


class ContactSessionQuerySet(CouncilScopedQuerySet):
    def planned(self):
        return self.filter(planned_q())

    def held(self):
        return self.filter(held_q())

    def minutes_late(self, today=None):
        return self.filter(minutes_late_q(today or timezone.localdate()))

    def progress_counts(self, today=None):
        """The counts every progress figure reads, as aggregate expressions: planned, held,
        cancelled, minutes in (final), minutes late, minutes on time."""
        today = today or timezone.localdate()
        return {
            "planned": Count("pk", filter=planned_q()), "held": Count("pk", filter=held_q()),
            "cancelled": Count("pk", filter=cancelled_q()),
            "minutes_in": Count("pk", filter=held_q() & minutes_final_q()),
            "minutes_late": Count("pk", filter=minutes_late_q(today)),
            "minutes_on_time": Count("pk", filter=minutes_on_time_q()),
        }

    def public(self):
        """What the public announcement shows: meetings of rounds whose plan has been issued."""
        return self.filter(round__plan__status__in=["issued", "published"])

    def upcoming(self, now):
        return self.filter(starts_at__gte=now - DEFAULT_DURATION).exclude(status=MeetingStatus.CANCELLED)


class ContactSession(models.Model):
    council = models.ForeignKey(Council, verbose_name=_("council"), on_delete=models.CASCADE,
                                related_name="contact_sessions")
    round = models.ForeignKey(ContactRound, verbose_name=_("round"), on_delete=models.PROTECT, related_name="sessions")
    group = models.ForeignKey(DelegateGroup, verbose_name=_("delegate group"), on_delete=models.PROTECT,
                              related_name="sessions")
    commune = models.ForeignKey(Commune, verbose_name=_("commune"), on_delete=models.PROTECT, related_name="sessions")
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)
    venue = models.CharField(_("venue"), max_length=255, help_text=_('e.g. "Nhà văn hóa thôn Kiêm Tân"'))
    format = models.CharField(_("format"), max_length=20, choices=MeetingFormat.choices, default=MeetingFormat.IN_PERSON)
    online_link = models.URLField(_("online link"), blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=MeetingKind.choices, default=MeetingKind.PERIODIC)
    topic = models.CharField(_("topic"), max_length=255, blank=True)
    content = models.TextField(_("content"), blank=True, help_text=_("What the meeting is about; shown publicly."))
    delegates = models.ManyToManyField(Delegate, verbose_name=_("delegates attending"), blank=True,
                                       related_name="sessions")
    invited = models.TextField(_("invited bodies"), blank=True,
                               help_text=_("The Front, the People's Committee, departments, press; one a line."))
    expected_voters = models.PositiveIntegerField(_("expected voters"), null=True, blank=True)
    outside_window_reason = models.CharField(_("reason for a date outside the round"), max_length=255, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=MeetingStatus.choices, default=MeetingStatus.PLANNED)
    # The outcome, recorded by the group leader after the meeting.
    postponed_to = models.DateTimeField(_("postponed to"), null=True, blank=True)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=255, blank=True)
    delegates_present = models.ManyToManyField(Delegate, verbose_name=_("delegates present"), blank=True,
                                               related_name="sessions_attended")
    voters_present = models.PositiveIntegerField(_("voters present"), null=True, blank=True)
    chair = models.CharField(_("chair"), max_length=255, blank=True,
                             help_text=_("The Fatherland Front's representative who chaired, with their position."))
    secretary = models.CharField(_("secretary"), max_length=255, blank=True)
    minutes_due_on = models.DateField(_("minutes due on"), null=True, blank=True)
    invitation_number = models.PositiveIntegerField(_("invitation number"), null=True, blank=True)
    invitation_date = models.DateField(_("invitation date"), null=True, blank=True)
    invitation_symbol = models.CharField(_("invitation's document symbol"), max_length=30, blank=True)
    invitation_pdf = models.FileField(_("invitation"), upload_to="meetings/invitations/", blank=True)

    objects = ContactSessionQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=[delegates], excluded_fields=["invitation_pdf"])

    class Meta:
        verbose_name = _("contact meeting")
        verbose_name_plural = _("contact meetings")
        ordering = ["starts_at", "pk"]
        indexes = [models.Index(fields=["council", "starts_at"], name="session_council_time")]

    def __str__(self):
        return f"{timezone.localtime(self.starts_at):%d/%m/%Y} · {self.commune} · {self.venue}"

    def get_absolute_url(self):
        return reverse("contact_sessions:session_detail", args=[self.pk])

    @property
    def end(self):
        return self.ends_at or self.starts_at + DEFAULT_DURATION

    @property
    def invitation_pending(self):
        """Numbered, its PDF not printed yet: the page polls (sessions/_files.html)."""
        return self.invitation_number is not None and not self.invitation_pdf

    @property
    def invitation_stuck(self):
        """Pending too long, or its hand-over to the worker failed (delegations/outbox.py): those who run
        the meeting print it again. One query."""
        if not self.invitation_pending:
            return False
        from delegations.outbox import outbox_stuck

        from .tasks import invitation_render

        return outbox_stuck(invitation_render, session_id=self.pk) is not False


class MinutesStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    FINAL = "final", _("Final")


class Minutes(models.Model):
    """The minutes (biên bản) of a meeting, in the order the law gives."""

    session = models.OneToOneField(ContactSession, verbose_name=_("meeting"), on_delete=models.CASCADE,
                                   related_name="minutes")
    opening = models.TextField(_("the chair opens"), blank=True)
    delegates_report = models.TextField(_("the delegates report"), blank=True)
    voters_speak = models.TextField(_("the voters speak"), blank=True)
    officials_answer = models.TextField(_("officials answer on the spot"), blank=True)
    delegates_respond = models.TextField(_("the delegates respond"), blank=True)
    closing = models.TextField(_("the chair closes"), blank=True)
    closed_at = models.TimeField(_("closing time"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=MinutesStatus.choices, default=MinutesStatus.DRAFT)
    number = models.PositiveIntegerField(_("number"), null=True, blank=True)
    issued_on = models.DateField(_("issue date"), null=True, blank=True)
    document_symbol = models.CharField(_("document symbol"), max_length=30, blank=True)
    finalised_at = models.DateTimeField(_("finalised at"), null=True, blank=True)
    signed_scan = models.FileField(_("signed scan"), upload_to="minutes/signed/", blank=True)
    pdf = models.FileField(_("PDF"), upload_to="minutes/pdf/", blank=True)

    history = HistoricalRecords(excluded_fields=["pdf"])

    class Meta:
        verbose_name = _("minutes")
        verbose_name_plural = _("minutes")

    def __str__(self):
        return str(self.session)

    @property
    def document_pending(self):
        """Final, the BIÊN BẢN not printed yet: the page polls (sessions/_files.html)."""
        return self.status == MinutesStatus.FINAL and not self.pdf

    @property
    def document_stuck(self):
        """Pending too long, or its hand-over to the worker failed: it may be prepared again. One query."""
        if not self.document_pending:
            return False
        from delegations.outbox import outbox_stuck

        from .tasks import minutes_render

        return outbox_stuck(minutes_render, minutes_id=self.pk) is not False

    def is_late(self, today=None):
        """As minutes_late_q(), for one row (the meeting page)."""
        today = today or timezone.localdate()
        due = self.session.minutes_due_on
        if due is None or self.session.status != MeetingStatus.HELD:
            return False
        if self.status == MinutesStatus.FINAL and self.finalised_at:
            return timezone.localdate(self.finalised_at) > due
        return today > due
