"""Faults with a real broker and real workers: a Redis server of the test's own (never the machine's
shared one), stopped while office staff issue a plan and ask for a report, started again; and a
worker process killed with SIGKILL in the middle of a render. Every document is rendered once after
recovery, with its number, and nothing is numbered twice.

Issue 11, findings 1 and 2: with the broker down issuing a plan or asking for a report was a 500
(the change saved, the document never made); a worker killed whole left its task for Redis' default
hour of redelivery."""
import datetime
import io
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pdfplumber
import pytest
import redis
from celery.contrib.testing.worker import start_worker
from django.conf import settings as django_settings
from django.db import connection
from django.urls import reverse

from config.celery import app as celery_app
from delegations.models import OutboxTask
from delegations.outbox import outbox_redispatch
from delegations.tasks import notifications_email
from petitions.models import Report, ReportStatus
from petitions.tasks import report_render
from plans.models import ContactPlan, ContactRound, DocumentNumber, PlanStatus, RoundKind
from plans.services import plan_transition
from plans.tasks import plan_render
from tests.brokers import reset_producer_pools
from tests.plans.builders import make_plan

ROOT = Path(__file__).resolve().parents[2]
D = datetime.date
WILL_FOLLOW = "sẽ được tự động chuẩn bị"  # the message that the document will follow


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """A redis-server of this test's own, on a free port, without persistence: stopping it loses
    what it held, as a crash of the broker would."""

    def __init__(self, folder):
        self.folder, self.port, self.process = folder, free_port(), None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.folder)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis(port=self.port, socket_connect_timeout=1)
        for _ in range(100):
            try:
                if client.ping():
                    return
            except redis.ConnectionError:
                time.sleep(0.1)
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)
        self.process = None




@pytest.fixture
def broker(tmp_path, settings):
    """The test's own Redis, used by the Celery app of this process (default queue, no routes)."""
    if shutil.which("redis-server") is None:
        message = "redis-server is missing (Debian package redis-server; `make test` installs it as root)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    settings.MEDIA_ROOT = tmp_path / "media"
    server = RedisServer(tmp_path)
    server.start()
    conf = celery_app.conf
    saved = {name: conf[name] for name in ("broker_url", "broker_read_url", "broker_write_url",
                                           "broker_transport_options", "task_routes", "task_always_eager")}
    # Celery reads CELERY_BROKER_URL from the environment before broker_url: the read and write URLs
    # come first, so they point this process's app at the test's own server.
    conf.broker_url = conf.broker_read_url = conf.broker_write_url = server.url
    conf.broker_transport_options = {"visibility_timeout": 300, "socket_connect_timeout": 2, "socket_timeout": 5}
    conf.task_routes = None
    conf.task_always_eager = False
    reset_producer_pools(celery_app)
    for connection_for in (celery_app.connection_for_write, celery_app.connection_for_read):
        with connection_for() as broker_connection:
            assert f":{server.port}/" in broker_connection.as_uri(), "the test must never use the shared Redis"
    try:
        yield server
    finally:
        server.stop()
        for name, value in saved.items():
            conf[name] = value
        reset_producer_pools(celery_app)


def wait_for(condition, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.3)
    return condition()


def pdf_text(field):
    with field.open("rb") as handle, pdfplumber.open(io.BytesIO(handle.read())) as pdf:
        return " ".join(page.extract_text() or "" for page in pdf.pages)


def approved_plan(world):
    plan = make_plan(world.council, status=PlanStatus.APPROVED)
    rnd = ContactRound.objects.create(plan=plan, kind=RoundKind.BEFORE_SITTING, starts_on=D(2025, 11, 3),
                                      ends_on=D(2025, 11, 20))
    return plan, rnd


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_with_the_broker_down_the_actions_succeed_and_every_document_follows_once(world, broker, client_for):
    plan, rnd = approved_plan(world)
    office = client_for(world.users["office"])

    broker.stop()
    started = time.monotonic()
    response = office.post(reverse("plans:plan_step", args=[plan.pk, "issue"]),
                           {"issued_on": "2025-10-06", "number": "", "confirmed": "1"}, follow=True)
    assert response.status_code == 200, response.content[:500]
    assert response.redirect_chain == [(plan.get_absolute_url(), 302)]
    assert WILL_FOLLOW in response.content.decode(), [(r.dispatched_at, r.last_error, r.attempts) for r in OutboxTask.objects.all()]
    response = office.post(reverse("petitions:report_list"), {
        "kind": "round", "round": rnd.pk, "signer_name": "Nguyễn Văn Hòa",
        "signing_lines": "TM. THƯỜNG TRỰC HĐND\nCHỦ TỊCH"}, follow=True)
    assert response.status_code == 200, response.content[:500]
    assert WILL_FOLLOW in response.content.decode()
    assert time.monotonic() - started < 30  # a broker that is down costs seconds, not a timeout per try

    plan.refresh_from_db()
    report = Report.objects.get()
    assert (plan.status, plan.number, plan.pdf.name) == (PlanStatus.ISSUED, 1, "")
    assert report.status == ReportStatus.PENDING
    rows = {row.name: row for row in OutboxTask.objects.all()}
    # The plan issued is also e-mailed to the council's delegate groups (issue 12): a third wish.
    assert set(rows) == {plan_render.name, report_render.name, notifications_email.name}
    assert all(row.dispatched_at is None and row.done_at is None and row.last_error for row in rows.values())
    # Nothing to hand while the broker is down; kept for the next sweep.
    assert outbox_redispatch() == 0

    broker.start()
    assert outbox_redispatch() == 3
    with start_worker(celery_app, perform_ping_check=False, pool="solo", shutdown_timeout=60):
        done = wait_for(lambda: OutboxTask.objects.filter(done_at__isnull=True).count() == 0, timeout=180)
        assert done, list(OutboxTask.objects.values("name", "done_at", "last_error"))
        assert outbox_redispatch() == 0  # done: never handed again

    plan.refresh_from_db()
    report.refresh_from_db()
    assert plan.pdf_is_current and plan.pdf.name.endswith(".pdf")  # stored under a random name
    printed = pdf_text(plan.pdf)
    assert "Số: 01/KH-HĐND" in printed and "ngày 06 tháng 10 năm 2025" in printed
    # One file: the issued render (the draft's file was dropped on issue; nothing rendered twice).
    assert sorted(p.name for p in (Path(django_settings.MEDIA_ROOT) / "plans" / "pdf").iterdir()) == [
        Path(plan.pdf.name).name]
    assert report.status == ReportStatus.READY and report.is_ready
    assert DocumentNumber.objects.filter(type_code=ContactPlan.TYPE_CODE).count() == 1
    assert all(row.attempts == 1 for row in OutboxTask.objects.all())


def database_url():
    """The test database, for a worker in another process (pytest-django renamed it: test_…)."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    auth = quote(db["USER"] or "") + (f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def worker_process(broker, fault_dir, media, name, **env):
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_", "OUTBOX_"))}
    environment.update({
        "DJANGO_SETTINGS_MODULE": "config.settings.local", "DJANGO_DEBUG": "false",
        "DATABASE_URL": database_url(), "CELERY_BROKER_URL": broker.url, "MEDIA_ROOT": str(media),
        "FAULT_DIR": str(fault_dir), "PYTHONPATH": str(ROOT), **env,
    })
    log = (fault_dir / f"{name}.log").open("w")
    return subprocess.Popen([sys.executable, "-m", "celery", "-A", "tests.delegations.fault_worker", "worker",
                             "--pool=solo", "--loglevel=INFO", "--without-mingle", "--without-gossip",
                             "-n", f"{name}@%h"], cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT)


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("recovery", ["redis_redelivery", "outbox_sweep_at_worker_start"])
def test_a_worker_killed_mid_render_is_replaced_and_the_plan_is_rendered_once(world, broker, tmp_path, recovery):
    """A worker process killed with SIGKILL while it renders (the plan's row locked, the message
    taken, not acknowledged): the next worker runs the task again — through Redis giving the message
    back after the visibility timeout, or through the outbox sweep a starting worker runs — and the
    plan is rendered once, with its one number."""
    fault_dir = tmp_path / "fault"
    fault_dir.mkdir()
    media = Path(django_settings.MEDIA_ROOT)
    # The first worker neither gives messages back nor sweeps; the second does one of the two.
    first_env = {"CELERY_VISIBILITY_TIMEOUT": "3600", "OUTBOX_REDISPATCH_AFTER_SECONDS": "3600"}
    second_env = {"redis_redelivery": {"CELERY_VISIBILITY_TIMEOUT": "4", "OUTBOX_REDISPATCH_AFTER_SECONDS": "3600"},
                  "outbox_sweep_at_worker_start": {"CELERY_VISIBILITY_TIMEOUT": "3600",
                                                   "OUTBOX_REDISPATCH_AFTER_SECONDS": "1"}}[recovery]
    plan, _rnd = approved_plan(world)
    plan_transition(plan=plan, user=world.users["office"], step="issue", issued_on=D(2025, 10, 6))
    row = OutboxTask.objects.get(name=plan_render.name)
    assert row.dispatched_at is not None  # handed to the (running) broker at commit

    first = worker_process(broker, fault_dir, media, "first", **first_env)
    second = None
    try:
        hung = wait_for(lambda: (fault_dir / "hung").exists(), timeout=120)
        assert hung, (fault_dir / "first.log").read_text()[-3000:]
        row.refresh_from_db()
        assert row.started_at is not None and row.done_at is None
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=30)
        plan.refresh_from_db()
        assert not plan.pdf_is_current

        second = worker_process(broker, fault_dir, media, "second", **second_env)
        rendered = wait_for(lambda: ContactPlan.objects.get(pk=plan.pk).pdf_is_current, timeout=150)
        assert rendered, (fault_dir / "second.log").read_text()[-3000:]
        row.refresh_from_db()
        assert wait_for(lambda: OutboxTask.objects.get(pk=row.pk).done_at is not None, timeout=30)
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()

    plan.refresh_from_db()
    # Two calls of the renderer: the one killed, the one that completed; a message delivered again
    # afterwards finds the revision rendered and does nothing.
    assert len((fault_dir / "renders.log").read_text().split()) == 2
    assert sorted(p.name for p in (media / "plans" / "pdf").iterdir()) == [Path(plan.pdf.name).name]
    assert "Số: 01/KH-HĐND" in pdf_text(plan.pdf)
    assert (plan.number, DocumentNumber.objects.filter(type_code=ContactPlan.TYPE_CODE).count()) == (1, 1)
