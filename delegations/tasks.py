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
