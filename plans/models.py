"""Sittings, contact plans with their rounds and assignments, and document numbering."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from delegations.models import Agency, Council, CouncilScopedQuerySet, Term


class SittingKind(models.TextChoices):
    REGULAR_MID_YEAR = "regular_mid_year", _("Regular mid-year sitting")
    REGULAR_YEAR_END = "regular_year_end", _("Regular year-end sitting")
    THEMATIC = "thematic", _("Thematic sitting")
    EXTRAORDINARY = "extraordinary", _("Extraordinary sitting")


class Sitting(models.Model):
    """A sitting (kỳ họp) of a council."""

    council = models.ForeignKey(Council, verbose_name=_("council"), on_delete=models.CASCADE, related_name="sittings")
    term = models.ForeignKey(Term, verbose_name=_("term"), on_delete=models.PROTECT, related_name="sittings")
    number = models.PositiveSmallIntegerField(_("number"), help_text=_("The sitting's number in the term."))
    kind = models.CharField(_("kind"), max_length=30, choices=SittingKind.choices)
    opens_on = models.DateField(_("opening date"))
    closes_on = models.DateField(_("closing date"))
    agenda = models.TextField(_("planned agenda"), blank=True, help_text=_("One item a line."))

    objects = CouncilScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("sitting")
        verbose_name_plural = _("sittings")
        ordering = ["-opens_on"]
        constraints = [
            models.UniqueConstraint(fields=["council", "term", "number"], name="sitting_unique_number"),
            models.CheckConstraint(condition=models.Q(closes_on__gte=models.F("opens_on")), name="sitting_closes_after_opening"),
        ]

    def __str__(self):
        return _("Sitting %(number)s (%(kind)s), %(opens)s") % {
            "number": self.number, "kind": self.get_kind_display().lower(), "opens": self.opens_on.strftime("%d/%m/%Y"),
        }


class DocumentNumber(models.Model):
    """A number taken in a council's register of one document type and year: unique, so that two
    issues at the same instant cannot take the same number."""

    council = models.ForeignKey(Council, on_delete=models.PROTECT, related_name="document_numbers")
    year = models.PositiveSmallIntegerField()
    type_code = models.CharField(max_length=10)
    number = models.PositiveIntegerField()
    # The date the document bears: within a register, dates never go backwards against the numbers.
    dated = models.DateField(null=True, blank=True)
    taken_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("document number")
        verbose_name_plural = _("document numbers")
        constraints = [
            models.UniqueConstraint(fields=["council", "year", "type_code", "number"], name="document_number_unique"),
        ]

    def __str__(self):
        return f"{self.number:02d}/{self.type_code} ({self.year})"


class PlanScope(models.TextChoices):
    SITTING = "sitting", _("Before and after one sitting")
    YEAR = "year", _("A whole year")


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    ISSUED = "issued", _("Issued")
    PUBLISHED = "published", _("Published")


class PlanQuerySet(CouncilScopedQuerySet):
    def published(self):
        return self.filter(status=PlanStatus.PUBLISHED)


class ContactPlan(models.Model):
    """A voter-contact plan (Kế hoạch TXCT, "Số: 05/KH-HĐND"), structured as printed."""

    TYPE_CODE = "KH"

    council = models.ForeignKey(Council, verbose_name=_("council"), on_delete=models.CASCADE, related_name="contact_plans")
    scope = models.CharField(_("scope"), max_length=20, choices=PlanScope.choices, default=PlanScope.SITTING)
    sitting = models.ForeignKey(Sitting, verbose_name=_("sitting"), null=True, blank=True, on_delete=models.PROTECT,
                                related_name="contact_plans")
    year = models.PositiveSmallIntegerField(_("year"))
    subject = models.TextField(_("subject line"), help_text=_("Printed under the title; one line each."))
    legal_bases = models.TextField(_("legal bases"), blank=True, help_text=_('"Căn cứ …" / "Thực hiện …"; one paragraph a line.'))
    # The body (I., II., III. …) is the plan's outline: its PlanSection rows.
    contact_person = models.CharField(_("contact person"), max_length=150, blank=True,
                                      help_text=_("Printed by the outline's contact line block."))
    contact_phone = models.CharField(_("contact phone"), max_length=50, blank=True)
    closing = models.TextField(_("closing paragraph"), blank=True,
                               help_text=_("Printed by the outline's closing paragraph block."))
    recipients = models.TextField(_("recipients (Nơi nhận)"), blank=True,
                                  help_text=_('One a line; the last is usually "Lưu: VT, …".'))
    signing_authority = models.CharField(_("signing authority"), max_length=100, blank=True,
                                         default="TM. THƯỜNG TRỰC HĐND", help_text=_('e.g. "TM. THƯỜNG TRỰC HĐND"'))
    signing_on_behalf = models.CharField(_("signing for"), max_length=100, blank=True,
                                         help_text=_('e.g. "KT. CHỦ TỊCH"; empty when the head signs'))
    signer_position = models.CharField(_("signer's position"), max_length=100, default="CHỦ TỊCH")
    signer_name = models.CharField(_("signer's name"), max_length=150, blank=True)

    status = models.CharField(_("status"), max_length=20, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    number = models.PositiveIntegerField(_("number"), null=True, blank=True)
    issued_on = models.DateField(_("issue date"), null=True, blank=True)
    # The date the office means to issue it on: a draft prints its month and year; defaults to today.
    intended_on = models.DateField(_("intended date"), null=True, blank=True,
                                   help_text=_("A draft prints its month and year; the issue date defaults to it."))
    document_symbol = models.CharField(_("document symbol"), max_length=30, blank=True)
    returned_reason = models.TextField(_("reason sent back"), blank=True)
    pdf = models.FileField(_("PDF"), upload_to="plans/pdf/", blank=True)
    docx = models.FileField(_("Word copy"), upload_to="plans/docx/", blank=True)
    rendered_revision = models.PositiveIntegerField(default=0, editable=False)
    revision = models.PositiveIntegerField(default=1, editable=False)
    signed_scan = models.FileField(_("signed scan"), upload_to="plans/signed/", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PlanQuerySet.as_manager()
    # The rendered files and their revision counters are bookkeeping, not changes a person made.
    history = HistoricalRecords(excluded_fields=["rendered_revision", "revision", "pdf", "docx"])

    class Meta:
        verbose_name = _("contact plan")
        verbose_name_plural = _("contact plans")
        ordering = ["-year", "-created_at"]
        # Numbers are unique per year of issue in DocumentNumber (a plan may cover the next year).

    def __str__(self):
        first_line = self.subject.splitlines()[0] if self.subject else ""
        if self.number:
            return f"{self.number:02d}/{self.TYPE_CODE}-{self.symbol} · {first_line}"
        return first_line

    def get_absolute_url(self):
        return reverse("plans:plan_detail", args=[self.pk])

    @property
    def symbol(self):
        return self.council.symbol_for(self.document_symbol)

    @property
    def is_editable(self):
        return self.status in (PlanStatus.DRAFT,)

    @property
    def pdf_is_current(self):
        return bool(self.pdf) and self.rendered_revision == self.revision

    @property
    def document_pending(self):
        """The current revision's files are not rendered yet: pages show "being prepared" and serve
        no file (an issued plan's draft files are dropped when it is issued)."""
        return not self.pdf_is_current

    @property
    def document_stuck(self):
        """Pending too long, or its hand-over to the worker failed: office staff may prepare it
        again (delegations/outbox.py). One query."""
        if self.pdf_is_current:
            return False
        from delegations.outbox import outbox_stuck

        from .tasks import plan_render

        # No wish at all for the current revision (lost before the outbox existed): stuck too.
        return outbox_stuck(plan_render, plan_id=self.pk, revision=self.revision) is not False

    @property
    def issued_pdf_ready(self):
        """Whether the PDF on file is the issued one (numbered and dated): issuing raises the revision,
        so until the worker renders it again the file on hand is the draft, which is never public."""
        return self.number is not None and self.status in (PlanStatus.ISSUED, PlanStatus.PUBLISHED) \
            and self.pdf_is_current


class SectionBlock(models.TextChoices):
    """What a section prints from the plan's data, after its own text."""

    NONE = "", _("Text only")
    ROUNDS = "rounds", _("The rounds (kind, window, sitting)")
    ASSIGNMENTS = "assignments", _("The assignments, as written")
    ASSIGNMENTS_DUE = "assignments_due", _("The assignments with their due dates")
    SCHEDULE = "schedule", _("The groups' meeting schedule (Phụ lục)")
    CONTACT = "contact", _("The contact line")
    CLOSING = "closing", _("The closing paragraph")


class PlanSection(models.Model):
    """One section of a plan's outline, at any depth: its title (numbered when printed: I., 1., 1.1.,
    a), -), its rich text (sanitised HTML) and, optionally, a block generated from the plan's data.
    A section with no text and nothing printed below it is not printed."""

    plan = models.ForeignKey(ContactPlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="sections")
    parent = models.ForeignKey("self", verbose_name=_("parent section"), null=True, blank=True,
                               on_delete=models.CASCADE, related_name="children")
    position = models.PositiveSmallIntegerField(_("position"), default=1)
    title = models.CharField(_("title"), max_length=500, blank=True,
                             help_text=_("Without its number: the number is given when printing. Empty: "
                                         "the text is printed without a heading."))
    body_html = models.TextField(_("text"), blank=True)
    block = models.CharField(_("generated block"), max_length=20, choices=SectionBlock.choices, blank=True,
                             default=SectionBlock.NONE)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("plan section")
        verbose_name_plural = _("plan sections")
        ordering = ["plan", "parent_id", "position", "pk"]
        indexes = [models.Index(fields=["plan", "parent", "position"], name="plan_section_order")]

    def __str__(self):
        return self.title or _("(untitled section)")


class PlanPartQuerySet(CouncilScopedQuerySet):
    """Rounds and assignments are scoped through their plan's council."""

    council_path = "plan__council"


class RoundKind(models.TextChoices):
    BEFORE_SITTING = "before", _("Before the sitting")
    AFTER_SITTING = "after", _("After the sitting")
    THEMATIC = "thematic", _("Thematic")


class ContactRound(models.Model):
    """One window of a plan in which delegate groups meet voters."""

    plan = models.ForeignKey(ContactPlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="rounds")
    sitting = models.ForeignKey(Sitting, verbose_name=_("sitting"), null=True, blank=True, on_delete=models.PROTECT,
                                related_name="rounds")
    kind = models.CharField(_("kind"), max_length=20, choices=RoundKind.choices)
    topic = models.CharField(_("topic"), max_length=255, blank=True)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to"))
    # Typed by hand: kept as typed when the sitting moves (and flagged if the sitting moves past it);
    # otherwise derived from the sitting's dates by the council's rules, and following them.
    window_manual = models.BooleanField(_("window typed by hand"), default=False)

    objects = PlanPartQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("contact round")
        verbose_name_plural = _("contact rounds")
        ordering = ["starts_on"]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_on__gte=models.F("starts_on")), name="round_ends_after_start"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.starts_on:%d/%m/%Y} – {self.ends_on:%d/%m/%Y}"

    def window_conflict(self):
        """Why this window no longer fits its sitting (the sitting moved past a window typed by
        hand), or "": a before-sitting round must end before the sitting opens, an after-sitting
        round start after it closes."""
        sitting = self.sitting
        if sitting is None:
            return ""
        values = {"opens": sitting.opens_on.strftime("%d/%m/%Y"), "closes": sitting.closes_on.strftime("%d/%m/%Y")}
        if self.kind == RoundKind.BEFORE_SITTING and self.ends_on >= sitting.opens_on:
            return _("This round ends on or after the sitting opens (%(opens)s).") % values
        if self.kind == RoundKind.AFTER_SITTING and self.starts_on <= sitting.closes_on:
            return _("This round starts before the sitting closes (%(closes)s).") % values
        return ""

    def label_vi(self):
        """The round as the plan's text names it: "đợt tiếp xúc cử tri trước Kỳ họp thứ 5"."""
        where = {RoundKind.BEFORE_SITTING: "trước kỳ họp", RoundKind.AFTER_SITTING: "sau kỳ họp",
                 RoundKind.THEMATIC: "chuyên đề"}.get(self.kind, "")
        if self.sitting_id and self.kind != RoundKind.THEMATIC:
            where += f" thứ {self.sitting.number}"
        if self.kind == RoundKind.THEMATIC and self.topic:
            where += f" {self.topic}"
        return f"đợt tiếp xúc cử tri {where}".strip()


class ResponsibleKind(models.TextChoices):
    AGENCY = "agency", _("An agency")
    FRONT = "front", _("The Fatherland Front")
    GROUPS = "groups", _("The delegate groups")
    OFFICE = "office", _("The council office")
    COMMUNES = "communes", _("The commune authorities")
    OTHER = "other", _("Other")


class DueKind(models.TextChoices):
    DATE = "date", _("A date")
    BEFORE_ROUND = "before_round", _("Days before the round starts")
    AFTER_ROUND = "after_round", _("Days after the round ends")
    BEFORE_EACH_MEETING = "before_each_meeting", _("Days before each meeting")
    AFTER_EACH_MEETING = "after_each_meeting", _("Days after each meeting")


PER_MEETING_KINDS = (DueKind.BEFORE_EACH_MEETING, DueKind.AFTER_EACH_MEETING)
ROUND_KINDS = (DueKind.BEFORE_ROUND, DueKind.AFTER_ROUND)


class DueUnit(models.TextChoices):
    DAYS = "days", _("days")
    WORKING_DAYS = "working_days", _("working days")


class AssignmentStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")


RUNNING_PLAN_STATUSES = ("issued", "published")


def assignment_overdue_q(today):
    """Open assignments of a running (issued or published) plan past their due date, as of `today`
    in local time (Asia/Ho_Chi_Minh): the one definition lists, pages and counts use."""
    return models.Q(status=AssignmentStatus.OPEN, due_on__lt=today, plan__status__in=RUNNING_PLAN_STATUSES)


class AssignmentQuerySet(PlanPartQuerySet):
    def overdue(self, today=None):
        """assignment_overdue_q as of `today` (local date)."""
        return self.filter(assignment_overdue_q(today or timezone.localdate()))


class Assignment(models.Model):
    """A task the plan's organisation part gives to a body, with its due date."""

    plan = models.ForeignKey(ContactPlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="assignments")
    order = models.PositiveSmallIntegerField(_("order"), default=1)
    lead = models.CharField(_("opening words"), max_length=255,
                            help_text=_('Printed in bold, e.g. "Đề nghị UBND tỉnh" or "Giao Văn phòng Đoàn ĐBQH và HĐND tỉnh".'))
    text = models.TextField(_("what it must do"), help_text=_('The rest of the paragraph; further paragraphs on new lines ("- …", "+ …").'))
    responsible_kind = models.CharField(_("responsible body"), max_length=20, choices=ResponsibleKind.choices)
    agency = models.ForeignKey(Agency, verbose_name=_("agency"), null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="plan_assignments")
    # The first due date of its due rules (AssignmentDue) and how it was computed: for lists and sorting.
    due_on = models.DateField(_("due on"), null=True, blank=True, editable=False)
    due_explanation = models.CharField(_("how the due date was computed"), max_length=500, blank=True, editable=False)
    status = models.CharField(_("status"), max_length=10, choices=AssignmentStatus.choices, default=AssignmentStatus.OPEN)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    objects = AssignmentQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["plan", "order", "pk"]
        indexes = [models.Index(fields=["status", "due_on"], name="assignment_open_due")]

    def __str__(self):
        return f"{self.lead} {self.text[:60]}"

    def is_overdue(self, today=None):
        """As AssignmentQuerySet.overdue(), for one row: open, of a running plan, past its due date
        in local time (not the server's date: 00:30 in Hà Nội is still the previous day in UTC)."""
        today = today or timezone.localdate()
        return (self.status == AssignmentStatus.OPEN and self.due_on is not None and self.due_on < today
                and self.plan.status in RUNNING_PLAN_STATUSES)

    def due_label(self):
        """Its due rules as the printed plan says them, in Vietnamese: "Chậm nhất 05 ngày trước mỗi
        buổi tiếp xúc cử tri; trong 05 ngày làm việc sau mỗi buổi tiếp xúc cử tri"."""
        labels = [due.label_vi() for due in self.dues.all()]
        text = "; ".join(label for label in labels if label)
        return text[:1].upper() + text[1:]


def _vi_date(day):
    """A date in running text as Decree 30 writes it: day < 10 and months 1–2 with a leading zero
    ("05/01/2026", "15/3/2026")."""
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return f"{day.day:02d}/{month}/{day.year}"


class AssignmentDueQuerySet(CouncilScopedQuerySet):
    council_path = "assignment__plan__council"


class AssignmentDue(models.Model):
    """One due date rule of an assignment: a fixed date; N (working) days before or after a round;
    N (working) days before or after each meeting of a round (of every round when none is named),
    one deadline per meeting for the group that holds it. An assignment may have several."""

    assignment = models.ForeignKey(Assignment, verbose_name=_("assignment"), on_delete=models.CASCADE,
                                   related_name="dues")
    kind = models.CharField(_("due"), max_length=30, choices=DueKind.choices, default=DueKind.DATE)
    amount = models.PositiveSmallIntegerField(_("days"), null=True, blank=True)
    unit = models.CharField(_("counted in"), max_length=20, choices=DueUnit.choices, default=DueUnit.DAYS)
    round = models.ForeignKey(ContactRound, verbose_name=_("round"), null=True, blank=True, on_delete=models.CASCADE,
                              related_name="assignment_dues")
    date = models.DateField(_("due date"), null=True, blank=True)

    objects = AssignmentDueQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("due date rule")
        verbose_name_plural = _("due date rules")
        ordering = ["assignment", "pk"]

    def __str__(self):
        return self.label_vi()

    def label_vi(self):
        if self.kind == DueKind.DATE:
            return f"trước ngày {_vi_date(self.date)}" if self.date else ""
        if self.amount is None:
            return ""
        days = f"{self.amount:02d} ngày" + (" làm việc" if self.unit == DueUnit.WORKING_DAYS else "")
        of_round = f" của {self.round.label_vi()}" if self.round_id else ""
        if self.kind == DueKind.BEFORE_ROUND:
            return f"chậm nhất {days} trước khi bắt đầu {self.round.label_vi() if self.round_id else 'đợt tiếp xúc cử tri'}"
        if self.kind == DueKind.AFTER_ROUND:
            return f"trong {days} sau khi kết thúc {self.round.label_vi() if self.round_id else 'đợt tiếp xúc cử tri'}"
        if self.kind == DueKind.BEFORE_EACH_MEETING:
            return f"chậm nhất {days} trước mỗi buổi tiếp xúc cử tri{of_round}"
        if self.kind == DueKind.AFTER_EACH_MEETING:
            return f"trong {days} sau mỗi buổi tiếp xúc cử tri{of_round}"
        return ""


class DueOccurrence(models.Model):
    """One due date a rule gives: the rule's only one, or one per meeting (for the group that holds
    it). Each is the subject of one tracked deadline (delegations.Deadline) once the plan is issued."""

    due = models.ForeignKey(AssignmentDue, verbose_name=_("due date rule"), on_delete=models.CASCADE,
                            related_name="occurrences")
    # The meeting (contact_sessions.ContactSession) it counts from; an id, not a key: meetings live
    # in an app to the right of this one, which keeps these rows up to date (plans.services).
    session_id = models.PositiveBigIntegerField(_("meeting"), null=True, blank=True, db_index=True)
    group = models.ForeignKey("delegations.DelegateGroup", verbose_name=_("delegate group"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    counted_from = models.DateField(_("counted from"), null=True, blank=True)
    due_on = models.DateField(_("due on"))
    explanation = models.CharField(_("how the due date was computed"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("due date")
        verbose_name_plural = _("due dates")
        ordering = ["due_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["due", "session_id"], name="due_occurrence_per_meeting"),
            models.UniqueConstraint(fields=["due"], condition=models.Q(session_id__isnull=True),
                                    name="due_occurrence_single"),
        ]

    def __str__(self):
        return f"{self.due_on:%d/%m/%Y}"


class PlanEvent(models.Model):
    """One step of a plan's workflow, for its timeline."""

    plan = models.ForeignKey(ContactPlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="events")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.SET_NULL,
                           related_name="+")
    at = models.DateTimeField(_("at"), auto_now_add=True)
    from_status = models.CharField(_("from"), max_length=20, choices=PlanStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=PlanStatus.choices)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("plan event")
        verbose_name_plural = _("plan events")
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.plan_id}: {self.from_status} → {self.to_status}"
