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


@worker_init.connect
def collector_tune_on_start(**kwargs):
    """The worker's processes collect garbage as gunicorn's do (config/collector.py): a deadline
    sweep or a report allocates hundreds of thousands of objects. Set before the pool starts, so
    that forked pool processes inherit it."""
    from config.collector import collector_tune

    collector_tune(freeze=True)
