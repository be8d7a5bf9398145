"""Deadline rules, tracked deadlines, their change history and the notices sent for them."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .org import Council, CouncilScopedQuerySet


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
    # Reminders and escalations of every deadline of the council (delegations/sweep.py). The office
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
# promised date) is a row here; delegations/deadlines.py opens, moves and closes them, delegations/sweep.py
# sweeps them.

class DeadlineUnit(models.TextChoices):
    WORKING_DAYS = "working_days", _("working days")
    DAYS = "days", _("days")
    DATE = "date", _("a given date")


class DeadlineState(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


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

    # No index of their own: (council, state, due_on) and the unique (content_type, object_id, kind)
    # begin with them.
    council = models.ForeignKey(Council, verbose_name=_("council"), on_delete=models.CASCADE,
                                related_name="deadlines", db_index=False)
    kind = models.CharField(_("kind"), max_length=40)
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+", db_index=False)
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
    # Whether the sweep has computed the notice days of the current due date (its next one is a
    # DeadlineAlarm; none when every notice is sent). False for a new or moved clock: the sweep then
    # looks at it once its due date is near.
    scheduled = models.BooleanField(_("notices scheduled"), default=False)
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
        # Every index costs each write of a row: only indexes a query uses. (A `(state, due_on)`
        # index was dropped in 0012: every read of deadlines by date is of one council's, or one
        # subject's.) The sweep writes no deadline row: its next notice days are DeadlineAlarm rows.
        indexes = [
            # The sweep: open rows not yet scheduled, by due date.
            models.Index(fields=["due_on"], condition=Q(state="open", scheduled=False),
                         name="deadline_not_scheduled"),
            models.Index(fields=["council", "state", "due_on"], name="deadline_council_state_due"),
        ]

    def __str__(self):
        return f"{self.title} · {self.due_on:%d/%m/%Y}"

    def is_overdue(self, today=None):
        """Open and past its due date as of `today`, a local date (Asia/Ho_Chi_Minh) by default."""
        return self.state == DeadlineState.OPEN and self.due_on < (today or timezone.localdate())

    @property
    def kind_label(self):
        from ..deadlines import kind_label

        return kind_label(self.kind)


class DeadlineAlarm(models.Model):
    """A day on which the sweep looks at a deadline again: the next day one of its notices falls
    on, written by the sweep when it computes the schedule of the current due date.

    A queue, not a column of the deadline: each morning the sweep deletes the alarms that have come
    and inserts the next ones, rows of two dates and an id whose only index is their key, in the
    order of their day. Updating a next-notice-day column instead rewrote 10,000 wide deadline rows
    and four of their indexes each morning (issue 15). An alarm left behind (the deadline closed,
    moved or deleted since) only makes the sweep look once more: it computes from the deadline as
    it is then, and each notice is sent once (DeadlineNotice). No foreign-key constraint either:
    its check would lock the deadline row of every alarm inserted."""

    pk = models.CompositePrimaryKey("on_day", "deadline_id")
    on_day = models.DateField(_("look on"))
    deadline = models.ForeignKey(Deadline, verbose_name=_("deadline"), on_delete=models.DO_NOTHING,
                                 db_constraint=False, db_index=False, related_name="+")

    class Meta:
        verbose_name = _("deadline alarm")
        verbose_name_plural = _("deadline alarms")

    def __str__(self):
        return f"{self.deadline_id} · {self.on_day:%d/%m/%Y}"


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

    # The unique constraint begins with it (no index of its own). No foreign-key constraint: its check,
    # at commit, locked the deadline row of each notice (FOR KEY SHARE), so the morning sweep wrote
    # 10,000 deadline rows after all (issue 15). Django still deletes the notices of a deleted deadline.
    deadline = models.ForeignKey(Deadline, verbose_name=_("deadline"), on_delete=models.CASCADE,
                                 related_name="notices", db_index=False, db_constraint=False)
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
