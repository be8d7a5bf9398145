"""A group's petitions sent to the office (Submission), and a batch of petitions forwarded to one
agency (Forwarding)."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from delegations.models import Agency, Council, CouncilScopedQuerySet, DelegateGroup
from plans.models import ContactRound


class Submission(models.Model):
    """A group leader sends the group's consolidated petitions of a round to the office."""

    council = models.ForeignKey(Council, verbose_name=_("council"), on_delete=models.CASCADE,
                                related_name="petition_submissions")
    round = models.ForeignKey(ContactRound, verbose_name=_("round"), on_delete=models.PROTECT,
                              related_name="petition_submissions")
    group = models.ForeignKey(DelegateGroup, verbose_name=_("delegate group"), on_delete=models.PROTECT,
                              related_name="petition_submissions")
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("sent by"), null=True,
                                on_delete=models.SET_NULL, related_name="+")
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    note = models.TextField(_("note"), blank=True)

    objects = CouncilScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("submission to the office")
        verbose_name_plural = _("submissions to the office")
        ordering = ["-sent_at"]

    def __str__(self):
        return f"{self.group} · {self.round}"


class Forwarding(models.Model):
    """A batch of petitions the office forwards to one agency, with the clocks that start then."""

    council = models.ForeignKey(Council, verbose_name=_("council"), on_delete=models.CASCADE,
                                related_name="forwardings")
    agency = models.ForeignKey(Agency, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="forwardings")
    forwarded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("forwarded by"), null=True,
                                     on_delete=models.SET_NULL, related_name="+")
    forwarded_at = models.DateTimeField(_("forwarded at"))
    note = models.TextField(_("note"), blank=True)
    forward_due_on = models.DateField(_("to be forwarded by"), null=True, blank=True)
    forward_due_explanation = models.CharField(_("how the forwarding date was computed"), max_length=255,
                                               blank=True)
    answer_due_on = models.DateField(_("to be answered by"))
    answer_due_explanation = models.CharField(_("how the answer date was computed"), max_length=255)

    objects = CouncilScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("forwarding")
        verbose_name_plural = _("forwardings")
        ordering = ["-forwarded_at", "-pk"]

    def __str__(self):
        from django.utils import timezone
        # The local day (Asia/Ho_Chi_Minh): a batch made at 00:31 on 01/12 is of 01/12, not 30/11 (UTC).
        return f"{self.agency} · {timezone.localtime(self.forwarded_at):%d/%m/%Y}"

    @property
    def on_time(self):
        from django.utils import timezone
        return self.forward_due_on is None or timezone.localdate(self.forwarded_at) <= self.forward_due_on
