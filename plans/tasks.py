from celery import shared_task

from delegations.outbox import OutboxAwareTask

from . import services


@shared_task(base=OutboxAwareTask)
def plan_render(plan_id, revision):
    """Render a plan's PDF and Word copy; idempotent (a revision already rendered is skipped)."""
    return services.plan_render(plan_id=plan_id, revision=revision)
