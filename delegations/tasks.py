from celery import shared_task
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from .models import Notification
from .outbox import OutboxAwareTask


@shared_task(base=OutboxAwareTask)
def notification_email(notification_id):
    """Email one inbox message; idempotent: a message already emailed is not sent again."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update().select_related("recipient")
            .filter(pk=notification_id, emailed_at__isnull=True).first()
        )
        if notification is None:
            return False
        from .notify import email_text

        send_mail(notification.subject, email_text(notification), None, [notification.recipient.email])
        notification.emailed_at = timezone.now()
        notification.save(update_fields=["emailed_at"])
    return True


@shared_task(base=OutboxAwareTask)
def notifications_email(notification_ids):
    """Email a batch of inbox messages (the deadline sweep's); each is sent at most once."""
    # The function itself, not the task: the batch's own outbox row is the one to mark done.
    return sum(bool(notification_email.run(pk)) for pk in notification_ids)


@shared_task(acks_late=True)
def deadlines_sweep_task():
    """Celery beat's sweep (every DEADLINE_SWEEP_MINUTES): today's reminders and escalations.
    Idempotent: a notice already sent is never sent again, by this run or a concurrent one."""
    from .sweep import deadlines_sweep

    return deadlines_sweep()


@shared_task(acks_late=True)
def notifications_digest_task():
    """Celery beat, every hour: the daily digest of the users whose chosen hour it is; each message
    is e-mailed once (delegations/notify.py)."""
    from .notify import notifications_digest_send

    return notifications_digest_send()


@shared_task(acks_late=True)
def outbox_sweep_task():
    """Celery beat's outbox sweep (every OUTBOX_SWEEP_SECONDS): hand again to the broker the work
    that was never handed (the broker was down) or handed long ago and not done (a lost message or
    worker). Idempotent: the tasks it hands are."""
    from .outbox import outbox_redispatch

    return outbox_redispatch()


@shared_task
def records_purge_task():
    """Daily (Celery beat): form tokens and login records past their keeping time."""
    from .services import records_purge

    return records_purge()


@shared_task(base=OutboxAwareTask)
def delegates_import_task(job_id):
    """Import the delegates sheet of an ImportJob (delegations.imports); idempotent: a job already
    finished is left alone, and the rows commit with the job's end."""
    from .imports import import_job_run
    from .services import delegates_import, delegates_sheet_read

    return import_job_run(job_id=job_id, read=delegates_sheet_read, run=lambda job, sheet, progress: delegates_import(
        council=job.council, term=job.term, sheet=sheet, progress=progress))
