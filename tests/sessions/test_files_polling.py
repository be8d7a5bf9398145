"""Issue 12: the meeting's page waits for its printed documents by itself. While the invitation or
the BIÊN BẢN is being printed, a small fragment (scoped like the page) is polled every 2 s by htmx;
it says when the document is ready (the download link), or when printing failed or waits too long
(with "Prepare again" for those who run the meeting)."""
import datetime

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from delegations.models import OutboxTask
from sessions import services
from sessions.models import ContactSession, MeetingStatus, Minutes

pytestmark = pytest.mark.django_db
POLL = 'hx-trigger="every 2s"'


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def final_minutes(world, held_meeting, django_capture_on_commit_callbacks, monkeypatch):
    """Finalised minutes whose printing was handed over but not done (the worker has not run)."""
    from sessions import tasks
    monkeypatch.setattr(tasks.minutes_render, "apply_async", lambda *a, **k: None)
    minutes = Minutes.objects.get(session=held_meeting["session"])
    with django_capture_on_commit_callbacks(execute=True):
        services.minutes_finalise(minutes=minutes, user=world.users["group_leader"])
    minutes.refresh_from_db()
    return minutes


def test_the_page_polls_while_the_minutes_are_printed_and_stops_when_ready(
        world, client_for, held_meeting, django_capture_on_commit_callbacks, monkeypatch, django_assert_num_queries):
    session = held_meeting["session"]
    minutes = final_minutes(world, held_meeting, django_capture_on_commit_callbacks, monkeypatch)
    leader = client_for(world.users["group_leader"])
    page = leader.get(session.get_absolute_url()).content.decode()
    fragment_url = reverse("contact_sessions:session_files", args=[session.pk])
    assert f'hx-get="{fragment_url}"' in page and POLL in page and 'data-testid="minutes-rendering"' in page
    # the login (2), the role, the meeting, its minutes, the group check, the outbox row, and the base
    # template's context (the membership, the unread count)
    with django_assert_num_queries(9):
        fragment = leader.get(fragment_url).content.decode()
    assert POLL in fragment and "BIÊN BẢN đang được in" in fragment

    services.minutes_render(minutes_id=minutes.pk)  # the worker prints it
    fragment = leader.get(fragment_url).content.decode()
    assert POLL not in fragment and 'data-testid="minutes-pdf"' in fragment


def test_a_failed_print_is_said_and_can_be_prepared_again_by_the_leader_only(
        world, client_for, held_meeting, django_capture_on_commit_callbacks, monkeypatch):
    session = held_meeting["session"]
    minutes = final_minutes(world, held_meeting, django_capture_on_commit_callbacks, monkeypatch)
    OutboxTask.objects.update(last_error="WeasyPrint: font missing")  # the worker failed
    url = reverse("contact_sessions:session_files", args=[session.pk])
    fragment = client_for(world.users["group_leader"]).get(url).content.decode()
    assert 'data-testid="minutes-stuck"' in fragment and 'data-testid="minutes-again"' in fragment
    assert POLL in fragment  # it keeps waiting: a retry by the outbox sweep shows up by itself
    fragment = client_for(world.users["standing"]).get(url).content.decode()
    assert 'data-testid="minutes-stuck"' in fragment and 'data-testid="minutes-again"' not in fragment

    again = reverse("contact_sessions:minutes_render_again", args=[session.pk])
    assert client_for(world.users["delegate"]).post(again).status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        assert client_for(world.users["group_leader"]).post(again).status_code == 302
    assert OutboxTask.objects.get().last_error == ""  # asked again: the wish is re-armed for the worker
    fragment = client_for(world.users["group_leader"]).get(url).content.decode()
    assert 'data-testid="minutes-rendering"' in fragment and "minutes-stuck" not in fragment
    services.minutes_render(minutes_id=minutes.pk)  # the worker prints it this time
    assert 'data-testid="minutes-pdf"' in client_for(world.users["group_leader"]).get(url).content.decode()
    assert client_for(world.users["group_leader"]).get(again).status_code == 405


def test_the_invitation_is_polled_too(world, client_for, held_meeting, django_capture_on_commit_callbacks,
                                      monkeypatch):
    from sessions import tasks
    monkeypatch.setattr(tasks.invitation_render, "apply_async", lambda *a, **k: None)
    session = held_meeting["session"]
    ContactSession.objects.filter(pk=session.pk).update(status=MeetingStatus.PLANNED)
    with django_capture_on_commit_callbacks(execute=True):
        services.session_invitation_issue(session=session)
    url = reverse("contact_sessions:session_files", args=[session.pk])
    fragment = client_for(world.users["office"]).get(url).content.decode()
    assert POLL in fragment and 'data-testid="invitation-rendering"' in fragment
    OutboxTask.objects.update(requested_at=timezone.now() - datetime.timedelta(hours=1))  # waits too long
    fragment = client_for(world.users["office"]).get(url).content.decode()
    assert 'data-testid="invitation-stuck"' in fragment and 'data-testid="invitation-again"' in fragment
    services.invitation_render(session_id=session.pk)
    fragment = client_for(world.users["office"]).get(url).content.decode()
    assert POLL not in fragment and 'data-testid="invitation-pdf"' in fragment


@pytest.mark.parametrize(("role", "code"), [("agency", 403), ("other_council", 404), ("commune_office", 404)])
def test_the_fragment_is_refused_as_the_page_is(world, client_for, held_meeting, role, code):
    session = held_meeting["session"]
    url = reverse("contact_sessions:session_files", args=[session.pk])
    assert client_for(world.users[role]).get(url).status_code == code
    assert client_for(world.users[role]).get(session.get_absolute_url()).status_code == code
    response = client_for(None).get(url)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_minutes_already_printed_are_not_prepared_again(world, client_for, held_meeting):
    minutes = Minutes.objects.get(session=held_meeting["session"])
    minutes.status = "final"
    minutes.pdf.save("BB.pdf", ContentFile(b"%PDF-1.4"), save=True)
    response = client_for(world.users["group_leader"]).post(
        reverse("contact_sessions:minutes_render_again", args=[held_meeting["session"].pk]), follow=True)
    assert "Văn bản đã được chuẩn bị xong." in response.content.decode()
    assert not OutboxTask.objects.exists()
