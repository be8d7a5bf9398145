"""Excel imports as background work (issue 14): the upload is checked and stored, an `ImportJob` row
is written with the wish to run its task (the outbox: handed to the broker after commit, handed
again by the sweep when the broker was down), and the page polls the job's counts.

The app that owns the rows (petitions, delegations) gives the task the function that imports
(`import_job_run`'s `run`), so this module imports none of them. All the rows are written in one
transaction together with the job's final state and report, so that running the task twice writes
once; the counts reach the page through their own connection (`ImportProgress`) since the rows'
transaction is not visible until it commits."""
import logging
import time
from dataclasses import asdict, is_dataclass

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import ImportJob, ImportState
from .outbox import outbox_enqueue

logger = logging.getLogger(__name__)

# The counts are written at most this often (seconds) while the task runs.
PROGRESS_EVERY = 0.25


@transaction.atomic
def import_job_start(*, kind, council, user, upload, task, term=None, rows_expected=None):
    """Store the (already checked) upload and ask the worker to import it: returns the ImportJob.
    `task` is the Celery task (or its name) that takes `job_id`; `rows_expected`, the rows the sheet
    declares, scales the progress bar until the rows are read."""
    upload.seek(0)
    job = ImportJob(kind=kind, council=council, term=term, user=user, rows_total=rows_expected)
    job.file.save("import.xlsx", ContentFile(upload.read()), save=False)
    job.save()
    outbox_enqueue(task, job_id=job.pk)
    return job


class ImportProgress:
    """Tells the job's row how far the task is: read, checked, written. Inside the import's
    transaction the counts go through a connection of their own (autocommit), so that the page sees
    them before the rows commit; on SQLite, whose writer holds the whole file, they are kept for the
    end instead (the page then shows the counts at each phase's end)."""

    def __init__(self, job_id):
        self.job_id = job_id
        self.counts = {}
        self.sent_at = 0.0
        self.side = None

    def __call__(self, read=None, checked=None, written=None, force=False):
        for name, value in (("rows_read", read), ("rows_checked", checked), ("rows_written", written)):
            if value is not None:
                self.counts[name] = value
        now = time.monotonic()
        if not force and now - self.sent_at < PROGRESS_EVERY:
            return
        self.sent_at = now
        self.write()

    def write(self):
        if not self.counts:
            return
        if not connection.in_atomic_block:
            ImportJob.objects.filter(pk=self.job_id).update(**self.counts)
            return
        if connection.vendor != "postgresql":
            return
        try:
            if self.side is None:
                self.side = connections.create_connection("default")
            sets = ", ".join(f"{name} = %s" for name in self.counts)
            with self.side.cursor() as cursor:
                cursor.execute(f"UPDATE {ImportJob._meta.db_table} SET {sets} WHERE id = %s",  # noqa: S608
                               [*self.counts.values(), self.job_id])
        except Exception:  # the counts are a courtesy: never stop the import for them
            logger.exception("import %s: could not write the progress", self.job_id)

    def close(self):
        if self.side is not None:
            self.side.close()
            self.side = None


def report_json(report):
    """A report dataclass as JSON (tuples become lists)."""
    data = asdict(report) if is_dataclass(report) else dict(report)
    data["ok"] = not data.get("errors")
    return data


def import_job_run(*, job_id, run, read=None):
    """Run the import of job `job_id` once: `read(upload, progress)`, when given, reads the stored
    file before the transaction (its counts reach the page on every database); `run(job, read or
    upload, progress)` checks and writes, and returns the report (a dataclass with `errors`); the rows
    it writes, the job's state and report commit together. A job already finished is left alone (the
    task ran before). Returns the state."""
    claimed = ImportJob.objects.filter(pk=job_id, state__in=[ImportState.QUEUED, ImportState.RUNNING]).update(
        state=ImportState.RUNNING, started_at=timezone.now(), rows_read=0, rows_checked=0, rows_written=0)
    # (the counts restart: a run after a lost worker reads the sheet again)
    if not claimed:
        return None
    job = ImportJob.objects.select_related("council", "term", "user").get(pk=job_id)
    progress = ImportProgress(job_id)
    try:
        with job.file.open("rb") as stored:
            upload = SimpleUploadedFile("import.xlsx", stored.read())
        if read is not None:
            upload = read(upload, progress)
            progress(force=True)
        with transaction.atomic():
            report = run(job, upload, progress)
            data = report_json(report)
            # The rows and the job's end commit together; a second run of the same job waits here and
            # then finds it finished, and its own writes are rolled back.
            locked = ImportJob.objects.select_for_update().get(pk=job_id)
            if locked.finished:
                raise _AlreadyDone
            locked.state = ImportState.DONE if data["ok"] else ImportState.REFUSED
            locked.report, locked.finished_at = data, timezone.now()
            locked.rows_read = progress.counts.get("rows_read", 0)
            locked.rows_checked = progress.counts.get("rows_checked", 0)
            locked.rows_written = progress.counts.get("rows_written", 0) if data["ok"] else 0
            locked.rows_total = locked.rows_read
            locked.save(update_fields=["state", "report", "finished_at", "rows_read", "rows_checked",
                                       "rows_written", "rows_total"])
    except _AlreadyDone:
        return None
    except Exception as error:
        ImportJob.objects.filter(pk=job_id).update(state=ImportState.FAILED, error=f"{type(error).__name__}: {error}"[:2000],
                                                   finished_at=timezone.now())
        raise
    finally:
        progress.close()
    _file_forget(job)
    return locked.state


def _file_forget(job):
    """The uploaded sheet holds voters' names and phones: once the import is done or refused (its
    report kept), the file is deleted (a failed import's file stays for the administrator)."""
    name = job.file.name
    if not name:
        return
    ImportJob.objects.filter(pk=job.pk).update(file="")
    try:
        job.file.storage.delete(name)
    except OSError:
        logger.exception("import %s: could not delete %s", job.pk, name)


class _AlreadyDone(Exception):
    pass


class StoredReport:
    """A job's report as the page shows it: its counts, and its errors, changes and notes as tuples."""

    def __init__(self, data):
        data = data or {}
        self.created, self.updated = data.get("created", 0), data.get("updated", 0)
        self.unchanged, self.groups_created = data.get("unchanged", 0), data.get("groups_created", 0)
        self.errors = [tuple(item) for item in data.get("errors", [])]
        self.changes = [tuple(item) for item in data.get("changes", [])]
        self.notes = [tuple(item) for item in data.get("notes", [])]
        self.ok = not self.errors


def import_progress_context(job, status_url):
    """What the progress card (templates/delegations/_import_progress.html) shows: rows read, checked,
    written, as shares of the sheet's rows, and where it polls."""
    total = job.rows_total or job.rows_read or 0
    if job.rows_read and job.rows_checked:  # once read, the rows read are the total
        total = job.rows_read
    steps = []
    for key, label, count in (("read", _("Rows read"), job.rows_read), ("checked", _("Rows checked"), job.rows_checked),
                              ("written", _("Rows written"), job.rows_written)):
        percent = min(100, round(count * 100 / total)) if total else 0
        if job.state == ImportState.DONE:
            percent = 100
        steps.append({"key": key, "label": label, "count": count, "percent": percent})
    return {"job": job, "steps": steps, "total": total, "status_url": status_url}


def import_status_response(request, job, *, page_url, status_url):
    """How far one import is: the progress card for htmx (told to load the page with the report once
    the import is finished), or the counts as JSON."""
    from django.http import HttpResponse, JsonResponse
    from django.template.loader import render_to_string

    if request.headers.get("HX-Request"):
        # Without the request: the site's context processors (menus, inbox count) are not needed here.
        response = HttpResponse(render_to_string("delegations/_import_progress.html",
                                                 import_progress_context(job, status_url)))
        if job.finished:
            response["HX-Redirect"] = page_url
    else:
        response = JsonResponse({"state": job.state, "finished": job.finished, "read": job.rows_read,
                                 "checked": job.rows_checked, "written": job.rows_written, "total": job.rows_total,
                                 "url": page_url})
    response["Cache-Control"] = "no-store"
    return response
