"""Issue 12: numbering an invitation and finalising minutes take a number of the council's register:
confirmed first, with the number that will be taken (read, not taken)."""
import pytest
from django.urls import reverse
from django.utils import timezone

from plans.models import DocumentNumber
from sessions.models import ContactSession, MeetingStatus, Minutes, MinutesStatus

pytestmark = pytest.mark.django_db


def test_numbering_the_invitation_is_confirmed_with_its_number(world, client_for, held_meeting, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    session = held_meeting["session"]
    ContactSession.objects.filter(pk=session.pk).update(status=MeetingStatus.PLANNED)
    year = timezone.localdate().year
    DocumentNumber.objects.create(council=world.council, year=year, type_code="GM", number=1)
    leader = client_for(world.users["group_leader"])
    url = reverse("contact_sessions:session_invitation", args=[session.pk])
    response = leader.post(url)
    assert response.status_code == 200
    assert "Số 02/GM-HĐND sẽ được cấp và không thể thu hồi." in response.content.decode()
    session.refresh_from_db()
    assert session.invitation_number is None and DocumentNumber.objects.count() == 1
    assert leader.get(url).status_code == 405
    assert leader.post(url, {"confirmed": "1"}).status_code == 302
    session.refresh_from_db()
    assert session.invitation_number == 2
    # Printing again keeps the number: nothing to confirm.
    assert leader.post(url).status_code == 302
    assert DocumentNumber.objects.count() == 2
    # Those who do not run the meeting are refused before any confirmation.
    assert client_for(world.users["delegate"]).post(url).status_code == 403


def test_finalising_the_minutes_is_confirmed_with_the_number_they_take(world, client_for, held_meeting):
    session = held_meeting["session"]
    leader = client_for(world.users["group_leader"])
    url = reverse("contact_sessions:minutes_edit", args=[session.pk])
    data = {"opening": "Khai mạc", "delegates_report": "Báo cáo", "voters_speak": "Cử tri phát biểu",
            "closing": "Bế mạc", "finalise": "1"}
    response = leader.post(url, data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Số 01/BB-HĐND sẽ được cấp và không thể thu hồi." in page
    assert 'name="finalise" value="1"' in page and 'name="voters_speak" value="Cử tri phát biểu"' in page
    minutes = Minutes.objects.get(session=session)
    assert minutes.status == MinutesStatus.DRAFT and minutes.number is None
    assert not DocumentNumber.objects.exists()
    response = leader.post(url, {**data, "confirmed": "1"})
    assert response.status_code == 302
    minutes.refresh_from_db()
    assert (minutes.status, minutes.number) == (MinutesStatus.FINAL, 1)


def test_unfinished_minutes_are_refused_without_a_confirmation(world, client_for, held_meeting):
    session = held_meeting["session"]
    response = client_for(world.users["group_leader"]).post(
        reverse("contact_sessions:minutes_edit", args=[session.pk]), {"opening": "Khai mạc", "finalise": "1"})
    assert response.status_code == 302
    assert Minutes.objects.get(session=session).status == MinutesStatus.DRAFT
    assert not DocumentNumber.objects.exists()
