from celery import shared_task

from delegations.outbox import OutboxAwareTask

from . import reports


@shared_task(base=OutboxAwareTask)
def report_render(report_id):
    """Render a report's PDF, Word copy and Excel workbook; idempotent (a revision already rendered,
    or replaced by a newer one meanwhile, is skipped)."""
    return reports.report_render(report_id=report_id)


@shared_task(acks_late=True)
def voter_access_log_purge_task():
    """Celery beat, daily: delete the voter-data access log entries older than
    VOTER_ACCESS_LOG_RETENTION_DAYS. Idempotent."""
    from .privacy import voter_access_log_purge

    return voter_access_log_purge()
