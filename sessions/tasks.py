from celery import shared_task

from . import services


@shared_task(acks_late=True)
def minutes_render(minutes_id):
    """Print the final minutes (BIÊN BẢN); idempotent."""
    return services.minutes_render(minutes_id=minutes_id)


@shared_task(acks_late=True)
def invitation_render(session_id):
    """Print a meeting's invitation (GIẤY MỜI); idempotent."""
    return services.invitation_render(session_id=session_id)
