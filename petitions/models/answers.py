"""An agency's answers to its forwarded petitions, and its requests for more time."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from delegations.models import Agency

from .petition import Petition


class AnswerOutcome(models.TextChoices):
    RESOLVED = "resolved", _("Resolved")
    IN_PROGRESS = "in_progress", _("Being resolved")
    EXPLAINED = "explained", _("Explained / information given")


def answer_attachment_path(instance, filename):
    return f"petitions/answers/{instance.petition_id}/{filename}"


class AnswerReview(models.TextChoices):
    PENDING = "pending", _("Not reviewed yet")
    ACCEPTED = "accepted", _("Accepted")
    UNSATISFACTORY = "unsatisfactory", _("Sent back as unsatisfactory")


class AnswerQuerySet(models.QuerySet):
    def public(self, council):
        """Answers the public lookup may show for a petition of `council`: those the office has
        accepted, or every answer when the council publishes answers as soon as received."""
        if council.publish_answers_on_receipt:
            return self
        return self.filter(review=AnswerReview.ACCEPTED)


class Answer(models.Model):
    """An agency's answer to a forwarded petition: one of the law's three outcomes."""

    petition = models.ForeignKey(Petition, verbose_name=_("petition"), on_delete=models.CASCADE,
                                 related_name="answers")
    agency = models.ForeignKey(Agency, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="answers")
    outcome = models.CharField(_("outcome"), max_length=20, choices=AnswerOutcome.choices)
    text = models.TextField(_("answer"))
    roadmap = models.TextField(_("roadmap"), blank=True)
    promised_on = models.DateField(_("promised date"), null=True, blank=True)
    attachment = models.FileField(_("attachment"), upload_to=answer_attachment_path, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("answered by"), null=True,
                                    on_delete=models.SET_NULL, related_name="+")
    answered_at = models.DateTimeField(_("answered at"), auto_now_add=True)
    review = models.CharField(_("review"), max_length=20, choices=AnswerReview.choices,
                              default=AnswerReview.PENDING)
    review_note = models.TextField(_("review note"), blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("reviewed by"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)

    objects = AnswerQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        ordering = ["-answered_at", "-pk"]

    def __str__(self):
        return f"{self.petition} · {self.get_outcome_display()}"


class ExtensionStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the office")
    GRANTED = "granted", _("Granted")
    REFUSED = "refused", _("Refused")


class ExtensionRequest(models.Model):
    """An agency asks for more time to answer; the office grants or refuses it."""

    petition = models.ForeignKey(Petition, verbose_name=_("petition"), on_delete=models.CASCADE,
                                 related_name="extensions")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("requested by"), null=True,
                                     on_delete=models.SET_NULL, related_name="+")
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    until = models.DateField(_("new date asked for"))
    reason = models.TextField(_("reason"))
    status = models.CharField(_("status"), max_length=20, choices=ExtensionStatus.choices,
                              default=ExtensionStatus.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("extension request")
        verbose_name_plural = _("extension requests")
        ordering = ["-requested_at", "-pk"]

    def __str__(self):
        return f"{self.petition} → {self.until:%d/%m/%Y}"
