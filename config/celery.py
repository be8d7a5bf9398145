import os

from celery import Celery
from celery.signals import worker_ready

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
