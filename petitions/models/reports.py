"""The reports (BC) on petitions, rendered by a Celery task."""
import datetime

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from delegations.models import Council, CouncilScopedQuerySet
from plans.models import ContactRound


class ReportKind(models.TextChoices):
    ROUND = "round", _("Consolidated report of a round")
    RESULTS = "results", _("Results of the answers")


class ReportStatus(models.TextChoices):
    PENDING = "pending", _("Being prepared")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


class ReportQuerySet(CouncilScopedQuerySet):
    def for_user(self, user):
        """Reports hold every petition of a round, so only the office and the standing committee read
        them: those of their own council, and of the commune councils a province's office oversees."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        from delegations.models import OVERSIGHT_ROLES, Membership
        councils = Membership.objects.filter(user=user, is_active=True,
                                             role__in=OVERSIGHT_ROLES).values("council_id")
        return self.filter(models.Q(council__in=councils) | models.Q(council__parent__in=councils))

    def requestable_by(self, user):
        """Reports a user may ask for, or issue: those of the councils where they are office staff or on
        the standing committee (a province's oversight of its communes reads, it does not write)."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        from delegations.models import OVERSIGHT_ROLES, Membership
        councils = Membership.objects.filter(user=user, is_active=True,
                                             role__in=OVERSIGHT_ROLES).values("council_id")
        return self.filter(council__in=councils)


def report_file_path(instance, filename):
    return f"petitions/reports/{instance.council_id}/{filename}"


class Report(models.Model):
    """A report (BC) on petitions, printed in the Decree 30 layout as PDF and Word with an Excel
    workbook beside it: the consolidated report of a round, or the results of the answers for a
    sitting (or a round). Rendered by a Celery task; a draft has no number until it is issued."""

    TYPE_CODE = "BC"

    council = models.ForeignKey(Council, verbose_name=_("council"), on_delete=models.CASCADE,
                                related_name="petition_reports")
    kind = models.CharField(_("report"), max_length=20, choices=ReportKind.choices)
    round = models.ForeignKey(ContactRound, verbose_name=_("round"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="petition_reports")
    sitting = models.ForeignKey("plans.Sitting", verbose_name=_("sitting"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="petition_reports")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("requested by"), null=True,
                                     blank=True, on_delete=models.SET_NULL, related_name="+")
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    status = models.CharField(_("status"), max_length=20, choices=ReportStatus.choices,
                              default=ReportStatus.PENDING)
    error = models.TextField(_("error"), blank=True)
    # The number is taken from the council's BC register when the report is issued; a draft has none.
    number = models.PositiveIntegerField(_("number"), null=True, blank=True)
    issued_on = models.DateField(_("issue date"), null=True, blank=True)
    # The date the office means to issue it on: a draft prints its month and year (not the month it is
    # rendered in); the issue date defaults to it.
    intended_on = models.DateField(_("intended date"), null=True, blank=True)
    document_symbol = models.CharField(_("document symbol"), max_length=30, blank=True)
    signing_lines = models.TextField(_("signing authority and position"),
                                     default="TM. THƯỜNG TRỰC HĐND\nCHỦ TỊCH",
                                     help_text=_("One line each, printed in capitals above the signature."))
    signer_name = models.CharField(_("signer's name"), max_length=150, blank=True)
    recipients = models.TextField(_("recipients (Nơi nhận)"), blank=True,
                                  help_text=_('One a line; the last one "Lưu: VT."'))
    petition_count = models.PositiveIntegerField(_("petitions listed"), null=True, blank=True, editable=False)
    revision = models.PositiveIntegerField(default=1, editable=False)
    rendered_revision = models.PositiveIntegerField(default=0, editable=False)
    FILE_FORMATS = ("pdf", "docx", "xlsx")  # the files a ready report holds: the fields below, by name
    pdf = models.FileField(_("PDF"), upload_to=report_file_path, blank=True)
    docx = models.FileField(_("Word copy"), upload_to=report_file_path, blank=True)
    xlsx = models.FileField(_("Excel workbook"), upload_to=report_file_path, blank=True)
    rendered_at = models.DateTimeField(_("rendered at"), null=True, blank=True)

    objects = ReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-requested_at", "-pk"]
        indexes = [models.Index(fields=["council", "-requested_at"], name="report_council_requested")]
        constraints = [
            models.CheckConstraint(condition=models.Q(round__isnull=False) | models.Q(sitting__isnull=False),
                                   name="report_has_round_or_sitting"),
        ]

    def __str__(self):
        return f"{self.number_text} · {self.get_kind_display()}"

    def get_absolute_url(self):
        return reverse("petitions:report_detail", args=[self.pk])

    @property
    def number_text(self):
        number = f"{self.number:02d}" if self.number else "…"
        return f"{number}/{self.TYPE_CODE}-{self.council.symbol_for(self.document_symbol)}"

    @property
    def is_ready(self):
        return self.status == ReportStatus.READY and self.rendered_revision == self.revision and bool(self.pdf)

    @property
    def is_pending(self):
        return self.status == ReportStatus.PENDING

    @property
    def is_stuck(self):
        """Being prepared for too long, or its hand-over to the worker failed (delegations/outbox.py):
        the office may prepare it again. One query."""
        if self.status != ReportStatus.PENDING:
            return False
        from delegations.outbox import outbox_stuck

        from ..tasks import report_render

        stuck = outbox_stuck(report_render, report_id=self.pk)
        if stuck is None:  # asked before the outbox existed, or its wish forgotten: stuck once old enough
            waited = datetime.timedelta(seconds=settings.OUTBOX_REDISPATCH_AFTER_SECONDS)
            return self.requested_at <= timezone.now() - waited
        return stuck
