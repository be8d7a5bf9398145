"""The notification email task: a real round trip through the broker and a worker, idempotence,
and the password change page that starts it."""
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext

from config.celery import app as celery_app
from delegations import services
from delegations.models import Notification
from delegations.tasks import notification_email
from tests.brokers import own_queue
from tests.factories import UserFactory

TASK_NAME = notification_email.name

@pytest.fixture
def isolated_broker(tmp_path):
    """The configured broker (CELERY_BROKER_URL: the filesystem transport or Redis), with a queue of
    this test's own, so that no other worker (`make run`, another test run on the same Redis) takes
    the message and no message left behind by them reaches this test's worker. The filesystem
    transport gets empty folders of its own: the default ones under var/ may not exist yet."""
    with own_queue(TASK_NAME, tmp_path) as queue:
        yield queue

def wait_for(condition, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()

@pytest.mark.celery_worker
def test_password_change_email_goes_through_broker_and_worker(transactional_db, isolated_broker):
    assert not celery_app.conf.task_always_eager
    user = UserFactory(username="doimatkhau", email="doimatkhau@example.vn")

    with start_worker(celery_app, perform_ping_check=False, pool="solo", queues=[isolated_broker],
                      shutdown_timeout=30):
        with transaction.atomic():
            notification = services.password_changed(user=user)
            # Nothing is dispatched before the commit.
            assert Notification.objects.get(pk=notification.pk).emailed_at is None

        emailed = wait_for(lambda: Notification.objects.get(pk=notification.pk).emailed_at is not None
                           and len(mail.outbox) == 1)

    assert emailed, "the worker did not email the notification within 20 s"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["doimatkhau@example.vn"]
    assert message.subject == gettext("Your password was changed")
    assert "doimatkhau" in message.body

@pytest.mark.django_db
def test_notification_email_is_idempotent(world):
    user = world.users["office"]
    notification = Notification.objects.create(recipient=user, subject="Kế hoạch đã ban hành", body="Xem kế hoạch.")

    assert notification_email(notification.pk) is True
    notification.refresh_from_db()
    first_sent = notification.emailed_at
    assert first_sent is not None
    assert notification_email(notification.pk) is False
    notification.refresh_from_db()

    assert notification.emailed_at == first_sent
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [user.email]
    assert mail.outbox[0].subject == "Kế hoạch đã ban hành"

@pytest.mark.django_db
def test_notification_email_of_a_missing_notification_sends_nothing(world):
    assert notification_email(987654) is False
    assert mail.outbox == []

@pytest.mark.django_db
def test_notification_for_a_user_without_email_is_not_dispatched(world, django_capture_on_commit_callbacks):
    user = UserFactory(username="khongemail", email="")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notification = services.notification_create(recipient=user, subject="Thông báo")
    assert callbacks == []
    assert Notification.objects.filter(pk=notification.pk, recipient=user).exists()
    assert mail.outbox == []

@pytest.fixture
def eager_tasks():
    saved = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = saved

@pytest.mark.django_db
def test_password_change_view_creates_the_notification(world, client_for, django_capture_on_commit_callbacks,
                                                       eager_tasks):
    user = world.users["office"]
    client = client_for(user)
    assert not Notification.objects.filter(recipient=user).exists()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(reverse("password_change"), {
            "old_password": "demo12345",
            "new_password1": "Hội-đồng-2026-mới",
            "new_password2": "Hội-đồng-2026-mới",
        })

    assert response.status_code == 302
    assert response.url == reverse("home")
    user.refresh_from_db()
    assert user.check_password("Hội-đồng-2026-mới")
    notification = Notification.objects.get(recipient=user)
    assert notification.subject == gettext("Your password was changed")
    assert notification.url == reverse("password_change")
    assert notification.read_at is None
    # The email task was dispatched on commit (run eagerly here) and sent once.
    assert len(callbacks) == 1
    notification.refresh_from_db()
    assert notification.emailed_at is not None
    assert [m.to for m in mail.outbox] == [[user.email]]

@pytest.mark.django_db
def test_password_change_view_with_a_wrong_old_password_creates_nothing(world, client_for):
    user = world.users["office"]
    response = client_for(user).post(reverse("password_change"), {
        "old_password": "not-the-password",
        "new_password1": "Hội-đồng-2026-mới",
        "new_password2": "Hội-đồng-2026-mới",
    })
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not Notification.objects.filter(recipient=user).exists()
    assert mail.outbox == []

def test_password_change_view_redirects_anonymous(client):
    response = client.get(reverse("password_change"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
