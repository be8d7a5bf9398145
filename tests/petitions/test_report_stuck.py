"""A report whose render was never handed to the worker (the broker was down) or waits too long is
not "being prepared" for good: its page offers "prepare again" (Chuẩn bị lại), and the outbox keeps
the wish until it is done."""
import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from delegations.models import OutboxTask
from petitions import reports
from petitions.models import Report, ReportKind, ReportStatus
from petitions.tasks import report_render

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker(flaky_broker):
    return flaky_broker(report_render)


def ask(world, setup):
    return reports.report_request(user=world.users["office"], council=world.council, kind=ReportKind.ROUND,
                                  round=setup["round"], signer_name="Nguyễn Văn Hòa")


def test_a_report_requested_with_the_broker_down_offers_prepare_again_and_then_renders(
        world, setup, broker, client_for, django_capture_on_commit_callbacks):
    """Finding 1: the report stayed "being prepared" for good with its retry button hidden."""
    broker.down = True
    with django_capture_on_commit_callbacks(execute=True):
        report = ask(world, setup)
    report.refresh_from_db()
    assert report.status == ReportStatus.PENDING and report.is_stuck
    row = OutboxTask.objects.for_call(report_render, report_id=report.pk).get()
    assert row.done_at is None and row.last_error

    client = client_for(world.users["office"])
    page = client.get(reverse("petitions:report_detail", args=[report.pk])).content.decode()
    assert 'data-testid="rendering"' in page and 'data-testid="refresh"' in page
    fragment = client.get(reverse("petitions:report_files", args=[report.pk])).content.decode()
    assert 'data-testid="refresh"' in fragment  # the polled box offers it too

    broker.down = False
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("petitions:report_refresh", args=[report.pk]))
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.READY and report.is_ready and not report.is_stuck
    row.refresh_from_db()
    assert row.done_at is not None


def test_a_pending_report_offers_prepare_again_only_once_it_waits_too_long(
        world, setup, broker, client_for, settings):
    settings.OUTBOX_REDISPATCH_AFTER_SECONDS = 300
    report = ask(world, setup)  # in the test's transaction: asked, not handed yet
    url = reverse("petitions:report_detail", args=[report.pk])
    assert 'data-testid="refresh"' not in client_for(world.users["office"]).get(url).content.decode()
    OutboxTask.objects.update(requested_at=timezone.now() - datetime.timedelta(minutes=6))
    assert 'data-testid="refresh"' in client_for(world.users["office"]).get(url).content.decode()
    assert 'data-testid="refresh"' in client_for(world.users["standing"]).get(url).content.decode()


def test_a_report_asked_before_the_outbox_existed_is_stuck_once_old_enough(world, setup, settings):
    settings.OUTBOX_REDISPATCH_AFTER_SECONDS = 300
    report = ask(world, setup)
    OutboxTask.objects.all().delete()
    assert not Report.objects.get(pk=report.pk).is_stuck
    Report.objects.filter(pk=report.pk).update(requested_at=timezone.now() - datetime.timedelta(minutes=10))
    assert Report.objects.get(pk=report.pk).is_stuck
