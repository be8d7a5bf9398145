from celery import shared_task
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from .models import Notification


@shared_task(acks_late=True)
def notification_email(notification_id):
    """Email one inbox message; idempotent: a message already emailed is not sent again."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update().select_related("recipient")
            .filter(pk=notification_id, emailed_at__isnull=True).first()
        )
        if notification is None:
            return False
        send_mail(notification.subject, notification.body, None, [notification.recipient.email])
        notification.emailed_at = timezone.now()
        notification.save(update_fields=["emailed_at"])
    return True


@shared_task(acks_late=True)
def notifications_email(notification_ids):
    """Email a batch of inbox messages (the deadline sweep's); each is sent at most once."""
    return sum(bool(notification_email(pk)) for pk in notification_ids)


@shared_task(acks_late=True)
def deadlines_sweep_task():
    """Celery beat's sweep (every DEADLINE_SWEEP_MINUTES): today's reminders and escalations.
    Idempotent: a notice already sent is never sent again, by this run or a concurrent one."""
    from .deadlines import deadlines_sweep

    return deadlines_sweep()
