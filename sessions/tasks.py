from celery import shared_task

from delegations.outbox import OutboxAwareTask

from . import services


@shared_task(base=OutboxAwareTask)
def minutes_render(minutes_id):
    """Print the final minutes (BIÊN BẢN); idempotent."""
    return services.minutes_render(minutes_id=minutes_id)


@shared_task(base=OutboxAwareTask)
def invitation_render(session_id):
    """Print a meeting's invitation (GIẤY MỜI); idempotent."""
    return services.invitation_render(session_id=session_id)
