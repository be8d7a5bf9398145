"""The outbox: work for the Celery worker (render a document, send an email) that is never lost.

A service that changes a row and wants a task run writes the wish in the same transaction
(`outbox_enqueue`), as an `OutboxTask` row; after commit the row is handed to the broker. If the
broker is down the user's action still succeeds (the failure is logged on the row, and the page says
that the document will follow: `OutboxNoticeMiddleware`); the outbox sweep (Celery beat, every
`OUTBOX_SWEEP_SECONDS`, and each worker as it starts) hands again whatever was never handed, and
whatever was handed more than `OUTBOX_REDISPATCH_AFTER_SECONDS` ago and is still not done (a message
lost with a Redis restart, a worker killed mid-task). Tasks built on `OutboxAwareTask` are
acknowledged late, re-queued when their worker is lost, and mark their row done when they return;
they must be idempotent, since a wish may run twice (running twice renders or sends once).
"""
import contextvars
import datetime
import hashlib
import importlib
import inspect
import json
import logging

from celery import Task, current_app
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

# Handing a message to the broker from a web request: a few quick tries, not Celery's default of a
# connection timeout per try; a broker that is down is noted and the sweep tries again.
PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
# A wish not handed yet is left to the commit that wrote it for this long before the sweep takes it.
COMMIT_GRACE = datetime.timedelta(seconds=30)

# The dispatches that failed during the current request (read by OutboxNoticeMiddleware).
_failed_in_request = contextvars.ContextVar("outbox_failed_in_request", default=None)


def _task_name(task):
    return task if isinstance(task, str) else task.name


def _task(name):
    """The registered task of this name; its module is imported if the app has not seen it yet
    (the web process does not import every tasks module)."""
    tasks = current_app.tasks
    if name not in tasks:
        importlib.import_module(name.rpartition(".")[0])
    return tasks[name]


def _canonical(kwargs):
    return json.dumps(kwargs, sort_keys=True, separators=(",", ":"), cls=DjangoJSONEncoder)


def outbox_key(task, kwargs):
    """The idempotency key of one call: a SHA-256 of the task's name and its arguments by name."""
    return hashlib.sha256(f"{_task_name(task)}|{_canonical(kwargs)}".encode()).hexdigest()


@transaction.atomic  # a savepoint inside the caller's transaction; its own transaction if there is none
def outbox_enqueue(task, **kwargs):
    """Write the wish to run `task(**kwargs)` in the current transaction (call it inside the
    service's `transaction.atomic`), and hand it to the broker after commit. The arguments must be
    JSON (ids, not objects). Asking again for the same call re-arms its row (a render asked again,
    an email that failed). Returns the `OutboxTask` row."""
    from .models import OutboxTask

    name = _task_name(task)
    kwargs = json.loads(_canonical(kwargs))
    key = outbox_key(name, kwargs)
    now = timezone.now()
    row = OutboxTask.objects.select_for_update().filter(key=key).first()
    if row is None:
        try:
            with transaction.atomic():
                row = OutboxTask.objects.create(name=name, kwargs=kwargs, key=key, requested_at=now)
        except IntegrityError:  # the same wish written at the same instant by another transaction
            row = OutboxTask.objects.select_for_update().get(key=key)
            _rearm(row, now)
    else:
        _rearm(row, now)
    pk = row.pk
    transaction.on_commit(lambda: outbox_dispatch(ids=[pk]))
    return row


def _rearm(row, now):
    row.generation += 1
    row.requested_at, row.dispatched_at, row.started_at, row.done_at = now, None, None, None
    row.attempts, row.last_error = 0, ""
    row.save(update_fields=["generation", "requested_at", "dispatched_at", "started_at", "done_at", "attempts",
                            "last_error"])


def outbox_dispatch(*, ids):
    """Hand these waiting wishes to the broker, in order; never raises. At the first failure (the
    broker is down) the rest are left for the sweep, each failure noted on its row. Returns how many
    were handed."""
    from .models import OutboxTask

    handed = 0
    try:
        rows = list(OutboxTask.objects.filter(pk__in=ids, done_at__isnull=True).order_by("pk"))
    except Exception:  # the database itself is unreachable: the sweep will find the rows later
        logger.exception("outbox: could not read the wishes %s", ids)
        return 0
    for row in rows:
        try:
            _task(row.name).apply_async(kwargs=row.kwargs, retry=True, retry_policy=PUBLISH_RETRY_POLICY)
        except Exception as error:  # any failure to publish: keep the wish, tell the user it will follow
            logger.warning("outbox: %s(%s) not handed to the broker: %r", row.name, row.kwargs, error)
            _note_failure(row.pk, f"{type(error).__name__}: {error}")
            failed = _failed_in_request.get()
            if failed is not None:
                failed.append(row.pk)
            break
        handed += 1
        try:
            OutboxTask.objects.filter(pk=row.pk).update(dispatched_at=timezone.now(), attempts=F("attempts") + 1)
        except Exception:  # handed anyway; the sweep may hand it again, and the task is idempotent
            logger.exception("outbox: could not note %s as handed", row.pk)
    return handed


def _note_failure(pk, error):
    from .models import OutboxTask

    try:
        OutboxTask.objects.filter(pk=pk).update(last_error=error[:2000])
    except Exception:
        logger.exception("outbox: could not note the failure of %s", pk)


def outbox_redispatch(*, now=None, limit=500):
    """The sweep: hand again every wish not done that was never handed (its commit's dispatch
    failed or never ran) or was handed more than OUTBOX_REDISPATCH_AFTER_SECONDS ago, up to
    OUTBOX_MAX_ATTEMPTS hand-overs; forget done wishes older than OUTBOX_KEEP_DAYS. Returns how many
    were handed. Safe to run twice at once: each run claims its rows (SKIP LOCKED on PostgreSQL)."""
    from .models import OutboxTask

    now = now or timezone.now()
    again = now - datetime.timedelta(seconds=settings.OUTBOX_REDISPATCH_AFTER_SECONDS)
    due = (Q(dispatched_at__isnull=True) & (Q(requested_at__lte=now - COMMIT_GRACE) | ~Q(last_error="")) |
           Q(dispatched_at__lte=again))
    with transaction.atomic():
        ids = list(OutboxTask.objects.select_for_update(skip_locked=True)
                   .filter(due, done_at__isnull=True, attempts__lt=settings.OUTBOX_MAX_ATTEMPTS)
                   .order_by("requested_at", "pk").values_list("pk", flat=True)[:limit])
        # The claim: a concurrent sweep skips these rows until this one has handed them.
        handed = outbox_dispatch(ids=ids) if ids else 0
    OutboxTask.objects.filter(done_at__lt=now - datetime.timedelta(days=settings.OUTBOX_KEEP_DAYS)).delete()
    return handed


def outbox_stuck(task, now=None, **kwargs):
    """Is the wish to run `task(**kwargs)` waiting too long: not done, and either its hand-over
    failed, or it was asked more than OUTBOX_REDISPATCH_AFTER_SECONDS ago, or it ran out of attempts?
    None when there is no such wish (never asked, or forgotten after OUTBOX_KEEP_DAYS)."""
    from .models import OutboxTask

    row = OutboxTask.objects.for_call(task, **kwargs).first()
    if row is None:
        return None
    if row.done_at is not None:
        return False
    now = now or timezone.now()
    return bool(row.last_error) or row.attempts >= settings.OUTBOX_MAX_ATTEMPTS or \
        row.requested_at <= now - datetime.timedelta(seconds=settings.OUTBOX_REDISPATCH_AFTER_SECONDS)


class OutboxAwareTask(Task):
    """Base of the tasks the outbox hands over: acknowledged after they run (a message is not lost
    with its worker), re-queued when the worker process is lost, and marking their outbox row done
    (or noting the error) when they return. A direct call (a test, another task) marks it too."""

    acks_late = True
    reject_on_worker_lost = True

    def __call__(self, *args, **kwargs):
        from .models import OutboxTask

        try:
            arguments = dict(inspect.signature(self.run).bind(*args, **kwargs).arguments)
            row = (OutboxTask.objects.filter(key=outbox_key(self.name, json.loads(_canonical(arguments))),
                                             done_at__isnull=True).values("pk", "generation").first())
        except Exception:  # bookkeeping must never stop the work itself
            logger.exception("outbox: could not find the row of %s", self.name)
            row = None
        if row is not None:
            OutboxTask.objects.filter(pk=row["pk"]).update(started_at=timezone.now())
        try:
            result = super().__call__(*args, **kwargs)
        except Exception as error:
            if row is not None:
                _note_failure(row["pk"], f"{type(error).__name__}: {error}")
            raise
        if row is not None:
            # Only the wish this run was started for: a wish re-armed meanwhile stays waiting.
            OutboxTask.objects.filter(pk=row["pk"], generation=row["generation"]).update(
                done_at=timezone.now(), last_error="")
        return result


def outbox_on_worker_ready(**_kwargs):
    """A worker that starts hands again what waits (connected to Celery's worker_ready in
    config/celery.py: infrastructure, not a business rule)."""
    try:
        handed = outbox_redispatch()
    except Exception:
        logger.exception("outbox: the sweep at worker start failed")
        return
    if handed:
        logger.info("outbox: %s waiting task(s) handed again at worker start", handed)


class OutboxNoticeMiddleware:
    """When work could not be handed to the broker during a request (the broker is down), the
    action itself succeeded: say so, and that the document or email will follow by itself."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _failed_in_request.set([])
        try:
            response = self.get_response(request)
            if _failed_in_request.get() and hasattr(request, "_messages"):
                from django.contrib import messages

                messages.warning(request, _(
                    "Saved. The background service cannot be reached right now: the document or "
                    "message will be prepared by itself as soon as it is back; there is nothing to do again."))
        finally:
            _failed_in_request.reset(token)
        return response
