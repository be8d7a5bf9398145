"""Traces kept only for a while: form tokens and django-axes' record of successful logins."""
import datetime
import uuid

from axes.models import AccessLog
from django.conf import settings
from django.utils import timezone

from delegations.models import SubmittedForm
from delegations.services import records_purge


def test_old_form_tokens_and_login_records_are_deleted_recent_ones_kept(world):
    now = timezone.now()
    user = world.users["office"]
    old_token = SubmittedForm.objects.create(token=uuid.uuid4(), user=user, url="/petitions/1/")
    new_token = SubmittedForm.objects.create(token=uuid.uuid4(), user=user, url="/petitions/2/")
    SubmittedForm.objects.filter(pk=old_token.pk).update(
        submitted_at=now - datetime.timedelta(days=settings.FORM_TOKEN_KEEP_DAYS + 1))
    old_login = AccessLog.objects.create(username="vanphong", ip_address="127.0.0.1", user_agent="test")
    new_login = AccessLog.objects.create(username="vanphong", ip_address="127.0.0.1", user_agent="test")
    AccessLog.objects.filter(pk=old_login.pk).update(
        attempt_time=now - datetime.timedelta(days=settings.LOGIN_LOG_RETENTION_DAYS + 1))

    assert records_purge(now=now) == {"form_tokens": 1, "logins": 1}
    assert list(SubmittedForm.objects.values_list("pk", flat=True)) == [new_token.pk]
    assert list(AccessLog.objects.values_list("pk", flat=True)) == [new_login.pk]
    assert records_purge(now=now) == {"form_tokens": 0, "logins": 0}


def test_the_purge_runs_daily_in_beat():
    entry = settings.CELERY_BEAT_SCHEDULE["records-purge"]
    assert entry["task"] == "delegations.tasks.records_purge_task" and entry["schedule"] == 24 * 60 * 60
