"""The outbox (delegations/outbox.py): a wish to run a task is written with the change, handed to
the broker after commit, kept when the broker is down, handed again by the sweep and by a worker
that starts, and marked done by the task, once."""
import datetime
import os
import subprocess
import sys
from pathlib import Path

import pytest
from celery.signals import worker_ready
from django.core import mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from delegations import services
from delegations.models import Notification, OutboxTask
from delegations.outbox import outbox_enqueue, outbox_redispatch, outbox_stuck
from delegations.tasks import notification_email, notifications_email
from petitions.tasks import report_render
from plans.tasks import plan_render
from sessions.tasks import invitation_render, minutes_render
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]


class Broker:
    """Stands for the broker in these tests: records what is handed over, or refuses like a Redis
    that is down (kombu's OperationalError, what Celery raises then)."""

    def __init__(self, monkeypatch, *tasks):
        self.down = False
        self.handed = []
        for task in tasks:
            monkeypatch.setattr(task, "apply_async", self._publisher(task))

    def _publisher(self, task):
        def apply_async(args=None, kwargs=None, **options):
            if self.down:
                raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
            self.handed.append((task.name, kwargs))
        return apply_async


@pytest.fixture
def broker(monkeypatch):
    return Broker(monkeypatch, notification_email, notifications_email, plan_render)


def make_notification(user, subject="Kế hoạch đã ban hành"):
    return Notification.objects.create(recipient=user, subject=subject, body="Xem kế hoạch.")


@pytest.mark.django_db
def test_the_wish_is_written_in_the_transaction_of_the_change_and_rolled_back_with_it(world, broker):
    user = world.users["office"]

    class Refused(Exception):
        pass

    with pytest.raises(Refused), transaction.atomic():
        notification = make_notification(user)
        outbox_enqueue(notification_email, notification_id=notification.pk)
        raise Refused
    assert not OutboxTask.objects.exists() and not Notification.objects.exists()

    notification = make_notification(user)
    row = outbox_enqueue(notification_email, notification_id=notification.pk)
    # Inside the test's transaction nothing is handed yet: only after commit.
    assert broker.handed == []
    assert (row.name, row.kwargs, row.dispatched_at, row.done_at) == \
        (notification_email.name, {"notification_id": notification.pk}, None, None)
    assert OutboxTask.objects.for_call(notification_email, notification_id=notification.pk).get() == row


@pytest.mark.django_db
def test_a_broker_down_at_commit_keeps_the_wish_and_the_sweep_hands_it_later(world, broker,
                                                                             django_capture_on_commit_callbacks):
    user = world.users["office"]
    broker.down = True
    with django_capture_on_commit_callbacks(execute=True):  # no exception escapes the commit
        notification = services.notification_create(recipient=user, subject="Nhắc việc")
    row = OutboxTask.objects.get()
    assert row.dispatched_at is None and row.done_at is None
    assert "Connection refused" in row.last_error
    assert outbox_stuck(notification_email, notification_id=notification.pk) is True

    assert outbox_redispatch() == 0  # still down: kept, tried again next time
    broker.down = False
    assert outbox_redispatch() == 1
    assert broker.handed == [(notification_email.name, {"notification_id": notification.pk})]
    row.refresh_from_db()
    assert row.dispatched_at is not None and row.attempts == 1 and row.done_at is None

    # The worker runs it: done, emailed once; running it again (a redelivered message) sends nothing.
    assert notification_email(notification_id=notification.pk) is True
    assert notification_email(notification_id=notification.pk) is False
    row.refresh_from_db()
    assert row.done_at is not None and row.last_error == ""
    assert [m.to for m in mail.outbox] == [[user.email]]
    assert outbox_stuck(notification_email, notification_id=notification.pk) is False
    assert outbox_redispatch(now=timezone.now() + datetime.timedelta(hours=1)) == 0  # done: never again


@pytest.mark.django_db
def test_the_sweep_hands_again_only_what_waits_too_long(world, broker, settings):
    settings.OUTBOX_REDISPATCH_AFTER_SECONDS = 300
    settings.OUTBOX_MAX_ATTEMPTS = 3
    now = timezone.now()
    minutes = lambda n: now - datetime.timedelta(minutes=n)  # noqa: E731
    cases = {  # name: (requested, dispatched, done, attempts, error), and whether the sweep hands it
        "just asked, its commit hands it": ((minutes(0), None, None, 0, ""), False),
        "asked a minute ago, never handed": ((minutes(1), None, None, 0, ""), True),
        "handing failed just now": ((minutes(0), None, None, 0, "OperationalError"), True),
        "handed a minute ago, running": ((minutes(1), minutes(1), None, 1, ""), False),
        "handed ten minutes ago, lost": ((minutes(10), minutes(10), None, 1, ""), True),
        "done": ((minutes(10), minutes(10), minutes(9), 1, ""), False),
        "out of attempts": ((minutes(30), minutes(10), None, 3, "TimeoutError"), False),
    }
    ids = {}
    for index, (name, ((requested, dispatched, done, attempts, error), _wanted)) in enumerate(cases.items()):
        row = outbox_enqueue(notification_email, notification_id=1000 + index)
        OutboxTask.objects.filter(pk=row.pk).update(requested_at=requested, dispatched_at=dispatched, done_at=done,
                                                    attempts=attempts, last_error=error)
        ids[1000 + index] = name
    assert outbox_redispatch(now=now) == 3
    handed = sorted(ids[kwargs["notification_id"]] for _name, kwargs in broker.handed)
    assert handed == sorted(name for name, (_row, wanted) in cases.items() if wanted)
    # Done wishes are forgotten after OUTBOX_KEEP_DAYS.
    settings.OUTBOX_KEEP_DAYS = 7
    outbox_redispatch(now=now + datetime.timedelta(days=8))
    assert not OutboxTask.objects.filter(done_at__isnull=False).exists()


@pytest.mark.django_db
def test_a_wish_asked_again_while_its_task_runs_is_not_marked_done_by_that_run(world, broker, monkeypatch):
    notification = make_notification(world.users["office"])
    outbox_enqueue(notification_email, notification_id=notification.pk)
    original = notification_email.run

    def run(notification_id):
        outbox_enqueue(notification_email, notification_id=notification_id)  # asked again meanwhile
        return original(notification_id)

    monkeypatch.setattr(notification_email, "run", run)
    notification_email(notification_id=notification.pk)
    row = OutboxTask.objects.get()
    assert row.generation == 2 and row.done_at is None  # the later wish still waits for its own run


@pytest.mark.django_db
def test_a_failing_task_notes_its_error_and_its_wish_stays_waiting(world, broker, monkeypatch):
    notification = make_notification(world.users["office"])
    outbox_enqueue(notification_email, notification_id=notification.pk)

    def broken(*args, **kwargs):
        raise ConnectionRefusedError("SMTP server refused")

    monkeypatch.setattr("delegations.tasks.send_mail", broken)
    with pytest.raises(ConnectionRefusedError):
        notification_email(notification.pk)  # positional: the same wish as by name
    row = OutboxTask.objects.get()
    assert row.done_at is None and "SMTP server refused" in row.last_error
    assert row.started_at is not None


@pytest.mark.django_db
def test_a_worker_that_starts_hands_again_what_waits(world, broker):
    notification = make_notification(world.users["office"])
    row = outbox_enqueue(notification_email, notification_id=notification.pk)
    OutboxTask.objects.filter(pk=row.pk).update(requested_at=timezone.now() - datetime.timedelta(hours=1),
                                                dispatched_at=timezone.now() - datetime.timedelta(hours=1),
                                                started_at=timezone.now() - datetime.timedelta(hours=1), attempts=1)
    worker_ready.send(sender=None)
    assert broker.handed == [(notification_email.name, {"notification_id": notification.pk})]


def test_every_outbox_task_is_acknowledged_late_and_requeued_when_its_worker_is_lost():
    for task in (plan_render, minutes_render, invitation_render, report_render, notification_email,
                 notifications_email):
        assert task.acks_late is True, task.name
        assert task.reject_on_worker_lost is True, task.name


def settings_value(expression, **env):
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_", "OUTBOX_"))}
    environment.update(env)
    code = f"import config.settings.base as s; print({expression})"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_redis_gives_a_lost_message_back_after_minutes_not_an_hour():
    assert settings_value("s.CELERY_BROKER_TRANSPORT_OPTIONS['visibility_timeout']",
                          CELERY_BROKER_URL="redis://127.0.0.1:6379/0") == "300"
    assert settings_value("s.CELERY_BROKER_TRANSPORT_OPTIONS['visibility_timeout']",
                          CELERY_BROKER_URL="redis://127.0.0.1:6379/0", CELERY_VISIBILITY_TIMEOUT="120") == "120"
    assert settings_value("s.CELERY_BEAT_SCHEDULE['outbox-sweep']", OUTBOX_SWEEP_SECONDS="90") == \
        "{'task': 'delegations.tasks.outbox_sweep_task', 'schedule': 90, 'options': {'expires': 90}}"


@pytest.mark.django_db(transaction=True)
def test_a_password_change_with_the_broker_down_succeeds_and_the_email_follows(world, client_for, broker):
    """Finding 1: the password was changed, then the email's dispatch raised and the page was a 500."""
    user = world.users["office"]
    broker.down = True
    response = client_for(user).post(reverse("password_change"), {
        "old_password": "demo12345", "new_password1": "Hội-đồng-2026-mới", "new_password2": "Hội-đồng-2026-mới",
    }, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain == [(reverse("home"), 302)]
    page = response.content.decode()
    assert "Đã đổi mật khẩu." in page
    assert "sẽ được tự động chuẩn bị" in page  # the email will follow
    user.refresh_from_db()
    assert user.check_password("Hội-đồng-2026-mới")
    notification = Notification.objects.get(recipient=user)
    row = OutboxTask.objects.for_call(notification_email, notification_id=notification.pk).get()
    assert row.dispatched_at is None and row.last_error

    broker.down = False
    assert outbox_redispatch() == 1
    assert notification_email(notification_id=notification.pk) is True
    assert [m.to for m in mail.outbox] == [[user.email]]


@pytest.mark.django_db
def test_a_user_without_email_gets_no_email_wish(world):
    user = UserFactory(username="khongthu", email="")
    services.notification_create(recipient=user, subject="Thông báo")
    assert not OutboxTask.objects.exists()
