"""Excel imports run by the worker: the uploaded file, who asked, how far the task is, and its report."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .org import Council, CouncilScopedQuerySet, Term


class ImportKind(models.TextChoices):
    PETITIONS = "petitions", _("Petitions")
    DELEGATES = "delegates", _("Delegates")


class ImportState(models.TextChoices):
    QUEUED = "queued", _("Waiting for the background service")
    RUNNING = "running", _("Running")
    DONE = "done", _("Imported")
    REFUSED = "refused", _("Nothing imported")
    FAILED = "failed", _("Failed")


FINISHED_STATES = (ImportState.DONE, ImportState.REFUSED, ImportState.FAILED)


def import_file_path(instance, filename):
    return f"imports/{instance.council_id}/{filename}"


class ImportJobQuerySet(CouncilScopedQuerySet):
    def of_uploader(self, user):
        """The imports `user` uploaded, in the councils they still manage (office staff): the only
        ones whose progress and report they see."""
        if not user.is_authenticated:
            return self.none()
        return self.managed_by(user).filter(user=user)


class ImportJob(models.Model):
    """One upload of an Excel sheet, stored (private storage) and read by a Celery task dispatched
    through the outbox; the page of the import polls its counts and ends on its report. All rows are
    written in one transaction, with the job's final state and report, or none."""

    kind = models.CharField(_("kind"), max_length=20, choices=ImportKind.choices)
    council = models.ForeignKey(Council, verbose_name=_("council"), on_delete=models.CASCADE,
                                related_name="import_jobs")
    term = models.ForeignKey(Term, verbose_name=_("term"), null=True, blank=True, on_delete=models.CASCADE,
                             related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.CASCADE,
                             related_name="+")
    # Deleted once the import is done or refused (delegations.imports): it holds voters' personal data.
    file = models.FileField(_("file"), upload_to=import_file_path, blank=True)
    state = models.CharField(_("state"), max_length=20, choices=ImportState.choices, default=ImportState.QUEUED)
    rows_read = models.PositiveIntegerField(_("rows read"), default=0)
    rows_checked = models.PositiveIntegerField(_("rows checked"), default=0)
    rows_written = models.PositiveIntegerField(_("rows written"), default=0)
    rows_total = models.PositiveIntegerField(_("rows in the sheet"), null=True, blank=True)
    report = models.JSONField(_("report"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        verbose_name = _("Excel import")
        verbose_name_plural = _("Excel imports")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def finished(self):
        return self.state in FINISHED_STATES
