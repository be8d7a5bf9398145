"""Records of work the system keeps for itself: the outbox of background tasks and the forms already sent."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboxTaskQuerySet(models.QuerySet):
    def waiting(self):
        """Wishes not done yet (whether handed to the broker or not)."""
        return self.filter(done_at__isnull=True)

    def for_call(self, task, **kwargs):
        """The row of one task call, e.g. `for_call(plan_render, plan_id=3, revision=4)`."""
        from ..outbox import outbox_key

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
