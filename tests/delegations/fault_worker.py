"""The Celery app of the worker subprocess that tests/delegations/test_broker_faults.py kills with
SIGKILL: config.celery's app, with the plan's PDF rendering noting each call in FAULT_DIR/renders.log
and, the first time only, hanging (inside the task's transaction, the plan's row locked) until the
test kills the worker. Not a test module: `celery -A tests.delegations.fault_worker worker` loads it."""
import os
import time
from pathlib import Path

from celery.signals import task_prerun

from config.celery import app  # noqa: F401 - what `celery -A` looks for

FAULT_DIR = Path(os.environ["FAULT_DIR"])


@task_prerun.connect
def slow_down_the_first_render(task=None, **_kwargs):
    import documents

    if getattr(documents.render_pdf, "fault_wrapped", False):
        return
    original = documents.render_pdf

    def render_pdf(document):
        with (FAULT_DIR / "renders.log").open("a") as log:
            log.write(f"{os.getpid()}\n")
        hung = FAULT_DIR / "hung"
        if not hung.exists():
            hung.write_text(str(os.getpid()))
            time.sleep(600)  # the test kills this worker meanwhile
        return original(document)

    render_pdf.fault_wrapped = True
    documents.render_pdf = render_pdf
