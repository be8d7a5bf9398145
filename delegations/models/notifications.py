"""The in-app inbox that every app shares, and each user's choice of how its messages are e-mailed."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class NotificationKind(models.TextChoices):
    """What a message is about: the step of the workflow that put work in the reader's hands."""

    PLAN_SUBMITTED = "plan_submitted", _("Plan submitted for approval")
    PLAN_APPROVED = "plan_approved", _("Plan approved")
    PLAN_SENT_BACK = "plan_sent_back", _("Plan sent back")
    PLAN_ISSUED = "plan_issued", _("Plan issued or published")
    MEETING_SCHEDULED = "meeting_scheduled", _("Meeting scheduled")
    MEETING_MOVED = "meeting_moved", _("Meeting moved")
    MEETING_CANCELLED = "meeting_cancelled", _("Meeting cancelled")
    MINUTES_DUE = "minutes_due", _("Minutes due")
    PETITIONS_SUBMITTED = "petitions_submitted", _("Petitions sent to the office")
    PETITIONS_FORWARDED = "petitions_forwarded", _("Petitions forwarded to the agency")
    ANSWER_RECEIVED = "answer_received", _("Answer received")
    EXTENSION_REQUESTED = "extension_requested", _("More time asked for")
    EXTENSION_DECIDED = "extension_decided", _("More time granted or refused")
    ANSWER_SENT_BACK = "answer_sent_back", _("Answer sent back")
    PETITION_CLOSED = "petition_closed", _("Petition closed")
    REPORT_READY = "report_ready", _("Report ready")
    REMINDER = "reminder", _("Deadline reminder")
    OVERDUE = "overdue", _("Overdue notice")
    ACCOUNT = "account", _("Account security")
    OTHER = "other", _("Other")


# Legal reminders, overdue notices and account-security notices are always e-mailed (at once or in
# the digest): their preference has no "off".
MANDATORY_KINDS = frozenset({NotificationKind.REMINDER, NotificationKind.OVERDUE, NotificationKind.ACCOUNT})


class Delivery(models.TextChoices):
    IMMEDIATE = "immediate", _("E-mail at once")
    DIGEST = "digest", _("In the daily digest")
    OFF = "off", _("No e-mail")


class NotificationQuerySet(models.QuerySet):
    def for_user(self, user):
        if not user.is_authenticated:
            return self.none()
        return self.filter(recipient=user)

    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """A message in a user's in-app inbox (always); e-mailed at once after commit, in the daily
    digest, or not at all, as the recipient chose for its kind (`delivery`, fixed when written)."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recipient"),
                                  on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(_("kind"), max_length=30, choices=NotificationKind.choices,
                            default=NotificationKind.OTHER)
    delivery = models.CharField(_("e-mail"), max_length=10, choices=Delivery.choices, default=Delivery.IMMEDIATE)
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
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_inbox"),
            models.Index(fields=["delivery", "emailed_at"], name="notification_digest",
                         condition=models.Q(delivery="digest", emailed_at__isnull=True)),
        ]

    def __str__(self):
        return self.subject


class NotificationPreferences(models.Model):
    """One user's choices: for each kind, at once, in the daily digest, or off (`deliveries`, kind →
    delivery; a kind not listed is e-mailed at once), and the hour of the digest."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
                                related_name="notification_preferences")
    deliveries = models.JSONField(_("e-mail per kind"), default=dict, blank=True)
    digest_hour = models.PositiveSmallIntegerField(_("hour of the daily digest"), default=7,
                                                   validators=[MinValueValidator(0), MaxValueValidator(23)])

    class Meta:
        verbose_name = _("notification preferences")
        verbose_name_plural = _("notification preferences")

    def __str__(self):
        return str(self.user)

    def delivery_for(self, kind):
        return delivery_for(self, kind)


def delivery_for(preferences, kind):
    """How a message of `kind` reaches this user by e-mail (preferences may be None: at once).
    A mandatory kind is never off: a stored "off" (from before the rule) counts as at once."""
    chosen = (preferences.deliveries or {}).get(str(kind)) if preferences is not None else None
    if chosen not in Delivery.values:
        return Delivery.IMMEDIATE
    if chosen == Delivery.OFF and kind in MANDATORY_KINDS:
        return Delivery.IMMEDIATE
    return chosen
