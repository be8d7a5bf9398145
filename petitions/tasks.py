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


@shared_task(base=OutboxAwareTask)
def petitions_import_task(job_id):
    """Import the petitions sheet of an ImportJob (delegations.imports); idempotent: a job already
    finished is left alone, and the rows commit with the job's end."""
    from delegations.imports import import_job_run

    from .spreadsheets import petitions_import, petitions_sheet_read

    return import_job_run(job_id=job_id, read=petitions_sheet_read, run=lambda job, sheet, progress: petitions_import(
        council=job.council, user=job.user, sheet=sheet, progress=progress))


@shared_task(acks_late=True)
def round_figures_refresh_task():
    """Celery beat, every ROUND_FIGURES_REFRESH_SECONDS: count again the dashboard's kept round
    figures that are stale (petitions.round_figures). Idempotent; returns how many were counted."""
    from .round_figures import round_figures_refresh_stale

    return round_figures_refresh_stale()
