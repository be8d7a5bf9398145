import os

from celery import Celery
from celery.signals import worker_init, worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("hdnd")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_ready.connect
def outbox_redispatch_on_start(**kwargs):
    """A worker that starts hands again the outbox's waiting work (delegations/outbox.py): what a
    worker killed mid-task or a broker restart left behind does not wait for the next beat."""
    from delegations.outbox import outbox_on_worker_ready

    outbox_on_worker_ready(**kwargs)


def worker_prepare():
    """What a worker does once, before its first task (and what the benchmark does before it times
    the deadline sweep, to measure it as a worker runs it): its task modules imported, the national
    calendar read (delegations.calendar.national_calendar_warm), then the collector's settings of
    config/collector.py, with all that frozen out of the collector's sight. Before the pool starts,
    so that forked pool processes inherit it."""
    import django

    django.setup()  # idempotent; the Django fixup may not have run yet
    app.loader.import_default_modules()
    from config.collector import collector_tune
    from delegations.calendar import national_calendar_warm

    national_calendar_warm()
    collector_tune(freeze=True)


@worker_init.connect
def worker_prepare_on_start(**kwargs):
    worker_prepare()
