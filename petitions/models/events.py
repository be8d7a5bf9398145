"""A petition's timeline: one row per step."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .petition import Petition


class EventKind(models.TextChoices):
    RECEIVED = "received", _("Received")
    CLASSIFIED = "classified", _("Classified")
    SUBMITTED = "submitted", _("Sent to the office")
    MERGED = "merged", _("Merged")
    UNMERGED = "unmerged", _("Merge undone")
    FORWARDED = "forwarded", _("Forwarded")
    ANSWERED = "answered", _("Answered")
    EXTENSION_REQUESTED = "extension_requested", _("More time asked for")
    EXTENSION_GRANTED = "extension_granted", _("More time granted")
    EXTENSION_REFUSED = "extension_refused", _("More time refused")
    SENT_BACK = "sent_back", _("Answer sent back as unsatisfactory")
    CLOSED = "closed", _("Closed")
    RAISED_AGAIN = "raised_again", _("Raised again")
    IMPORTED = "imported", _("Changed by an Excel import")


class PetitionEvent(models.Model):
    """One step on a petition's timeline: what happened, who did it, when."""

    petition = models.ForeignKey(Petition, verbose_name=_("petition"), on_delete=models.CASCADE,
                                 related_name="events")
    kind = models.CharField(_("step"), max_length=30, choices=EventKind.choices)
    at = models.DateTimeField(_("at"), auto_now_add=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True,
                           on_delete=models.SET_NULL, related_name="+")
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("timeline step")
        verbose_name_plural = _("timeline steps")
        ordering = ["at", "pk"]

    def __str__(self):
        return self.get_kind_display()
