"""The agency portal: a responder sees only what was forwarded to their agency, answers it with one
of the three outcomes (with an attachment checked by its content), asks for more time, and never
sees a voter's personal data. The state is built with the services, as the office would."""
import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from petitions import services
from petitions.models import (
    Answer,
    AnswerOutcome,
    EventKind,
    ExtensionRequest,
    ExtensionStatus,
    Petition,
    PetitionEvent,
    PetitionStatus,
)
from tests import pdfs
from tests.petitions.builders import answer_url, at, post_answer, receive

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
TODAY = datetime.date(2026, 12, 15)
VOTER = {"name": "Lương Thị Ẩn Danh Tuyệt Mật", "address": "Số 9 ngõ Bí Mật", "phone": "0988777666"}
PDF = pdfs.PLAIN  # a real (tiny) PDF: uploads are read with pypdf


# ------------------------------------------------------------------------------------- the inbox

def test_the_inbox_lists_only_what_was_forwarded_to_the_users_agency_oldest_due_first(world, portal, client_for):
    late = receive(world, portal, "Đề nghị sửa đường liên thôn", now=at(10))
    early = receive(world, portal, "Đề nghị lắp đèn đường", now=at(2))
    answered = receive(world, portal, "Đề nghị nạo vét kênh", now=at(1))
    services.answer_record(petition=answered, user=world.users["agency"], agency=world.agency,
                           outcome=AnswerOutcome.EXPLAINED, text="Đã có kế hoạch năm 2027.")
    others = receive(world, portal, "Đề nghị xây trạm y tế", agency=portal["health"])
    not_yet = receive(world, portal, "Đề nghị chưa chuyển", forward=False)

    response = client_for(world.users["agency"]).get(reverse("petitions:agency_inbox"))
    assert response.status_code == 200
    rows = list(response.context["page_obj"])
    # Waiting ones by due date (the earliest first), then the one that waits on nobody (no due date).
    assert [p.pk for p in rows] == [early.pk, late.pk, answered.pk]
    assert early.due_on < late.due_on
    body = response.content.decode()
    assert early.public_code in body and late.public_code in body
    assert others.public_code not in body and not_yet.public_code not in body
    # The second agency's responder sees only theirs.
    theirs = client_for(portal["health_user"]).get(reverse("petitions:agency_inbox")).context["page_obj"]
    assert [p.pk for p in theirs] == [others.pk]


def test_overdue_rows_are_marked(world, portal, client_for):
    overdue = receive(world, portal, "Đề nghị quá hạn", now=at(1, month=10))  # due 30/11/2026
    on_time = receive(world, portal, "Đề nghị còn hạn", now=at(10))
    assert overdue.due_on < TODAY < on_time.due_on
    response = client_for(world.users["agency"]).get(reverse("petitions:agency_inbox"))
    late = {p.pk: p.late for p in response.context["page_obj"]}
    assert late == {overdue.pk: True, on_time.pk: False}
    assert response.content.decode().count('data-testid="overdue"') == 1


def test_the_inbox_filters_by_status_and_searches_without_accents(world, portal, client_for):
    road = receive(world, portal, "Đề nghị nâng cấp đường giao thông thôn Đông")
    light = receive(world, portal, "Đề nghị lắp đèn chiếu sáng")
    services.answer_record(petition=light, user=world.users["agency"], agency=world.agency,
                           outcome=AnswerOutcome.RESOLVED, text="Đã lắp đèn.")
    client = client_for(world.users["agency"])
    url = reverse("petitions:agency_inbox")
    found = client.get(url, {"q": "nang cap duong giao thong"}).context["page_obj"]
    assert [p.pk for p in found] == [road.pk]
    assert [p.pk for p in client.get(url, {"status": "answered"}).context["page_obj"]] == [light.pk]
    assert [p.pk for p in client.get(url, {"status": "forwarded"}).context["page_obj"]] == [road.pk]
    assert not client.get(url, {"status": "closed"}).context["page_obj"].object_list
    empty = client.get(url, {"q": "khong co gi ca"})
    assert 'class="empty-state' in empty.content.decode()


def test_the_inbox_is_empty_before_anything_is_forwarded(world, portal, client_for):
    receive(world, portal, "Đề nghị chưa chuyển", forward=False)
    response = client_for(world.users["agency"]).get(reverse("petitions:agency_inbox"))
    assert response.status_code == 200
    assert not response.context["page_obj"].object_list
    assert 'class="empty-state' in response.content.decode()


def test_the_inbox_runs_a_fixed_number_of_queries(world, portal, client_for):
    client = client_for(world.users["agency"])
    office = world.users["office"]

    def make(count, start):
        petitions = [services.petition_create(council=world.council, user=office, text=f"Kiến nghị số {start + i}",
                                              session=portal["session"], fields=[portal["field"]])
                     for i in range(count)]
        services.petitions_classify(petitions=petitions, user=office, agency=world.agency)
        services.petitions_forward(petitions=petitions, user=office, now=at(1))

    def queries():
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse("petitions:agency_inbox"))
        assert response.status_code == 200
        return len(captured), response

    make(3, 0)
    few, response = queries()
    assert len(response.context["page_obj"]) == 3
    make(37, 3)
    many, response = queries()
    assert len(response.context["page_obj"]) == 25  # more rows than one page
    assert response.context["page_obj"].paginator.count == 40
    assert many == few


@pytest.mark.parametrize("role", ["office", "standing", "group_leader", "delegate", "other_council"])
def test_council_staff_are_not_agency_responders(world, portal, client_for, role):
    petition = receive(world, portal, "Đề nghị sửa cầu")
    client = client_for(world.users[role])
    assert client.get(reverse("petitions:agency_inbox")).status_code == 403
    assert client.get(answer_url(petition)).status_code == 403
    assert post_answer(client, petition).status_code == 403
    assert not Answer.objects.exists()


def test_anonymous_users_are_sent_to_log_in(world, portal, client_for):
    petition = receive(world, portal, "Đề nghị sửa cầu")
    client = client_for(None)
    for url in (reverse("petitions:agency_inbox"), answer_url(petition),
                reverse("petitions:agency_extension", args=[petition.pk])):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login")), url


# ------------------------------------------------------------------------------------ answering

def test_another_agencys_responder_cannot_see_or_answer(world, portal, client_for):
    petition = receive(world, portal, "Đề nghị sửa cầu")
    client = client_for(portal["health_user"])
    assert client.get(answer_url(petition)).status_code == 404
    assert post_answer(client, petition).status_code == 404
    response = client.post(reverse("petitions:agency_extension", args=[petition.pk]),
                           {"until": "2027-03-01", "reason": "Cần thêm thời gian"})
    assert response.status_code == 404
    assert not Answer.objects.exists() and not ExtensionRequest.objects.exists()
    # Not forwarded yet: not even its own agency opens it.
    waiting = receive(world, portal, "Đề nghị chưa chuyển", forward=False)
    assert client_for(world.users["agency"]).get(answer_url(waiting)).status_code == 404


def test_the_answer_page_shows_the_petition_but_never_its_voters(world, portal, client_for):
    petition = receive(world, portal, "Đề nghị sửa đường liên thôn Kiêm Tân", voters=[VOTER])
    assert petition.voters.get().name == VOTER["name"]
    client = client_for(world.users["agency"])
    page = client.get(answer_url(petition))
    assert page.status_code == 200
    body = page.content.decode()
    assert petition.text in body and "Giao thông" in body
    assert "24/11/2026" in body and "Kiêm Tân" in body  # the source meeting's date and commune
    assert 'name="outcome"' in body and 'name="until"' in body
    inbox = client.get(reverse("petitions:agency_inbox")).content.decode()
    assert petition.public_code in inbox
    for secret in VOTER.values():
        assert secret not in body, secret
        assert secret not in inbox, secret


def test_a_resolved_answer_is_recorded(world, portal, client_for):
    petition = receive(world, portal, "Đề nghị sửa cầu")
    response = post_answer(client_for(world.users["agency"]), petition)
    assert response.status_code == 302 and response.url == answer_url(petition)
    petition.refresh_from_db()
    assert petition.status == PetitionStatus.ANSWERED
    assert petition.due_on is None
    answer = Answer.objects.get()
    assert (answer.petition, answer.agency, answer.outcome, answer.answered_by) == (
        petition, world.agency, AnswerOutcome.RESOLVED, world.users["agency"])
    assert PetitionEvent.objects.filter(petition=petition, kind=EventKind.ANSWERED).count() == 1


def test_being_resolved_needs_a_promised_date_which_becomes_the_deadline(world, portal, client_for):
    petition = receive(world, portal, "Đề nghị xây trường")
    client = client_for(world.users["agency"])
    response = post_answer(client, petition, outcome=AnswerOutcome.IN_PROGRESS, roadmap="Quý I khảo sát, quý II thi công")
    assert response.status_code == 400
    assert response.context["answer_form"].non_field_errors()
    petition.refresh_from_db()
    assert petition.status == PetitionStatus.FORWARDED
    assert not Answer.objects.exists()
    assert not PetitionEvent.objects.filter(kind=EventKind.ANSWERED).exists()

    response = post_answer(client, petition, outcome=AnswerOutcome.IN_PROGRESS,
                           roadmap="Quý I khảo sát, quý II thi công", promised_on="2027-06-30")
    assert response.status_code == 302
    petition.refresh_from_db()
    assert petition.status == PetitionStatus.ANSWERED
    assert petition.due_on == datetime.date(2027, 6, 30)
    assert Answer.objects.get().promised_on == datetime.date(2027, 6, 30)


def test_an_attachment_is_checked_by_its_content_not_its_name(world, portal, client_for):
    petition = receive(world, portal, "Đề nghị sửa cầu")
    client = client_for(world.users["agency"])
    fake = SimpleUploadedFile("cong-van.pdf", b"just some text pretending", content_type="application/pdf")
    response = post_answer(client, petition, attachment=fake)
    assert response.status_code == 400
    assert response.context["answer_form"].errors["attachment"]
    assert not Answer.objects.exists()
    petition.refresh_from_db()
    assert petition.status == PetitionStatus.FORWARDED


def test_a_pdf_answer_is_downloadable_by_the_agency_and_the_office_only(world, portal, client_for):
    petition = receive(world, portal, "Đề nghị sửa cầu")
    real = SimpleUploadedFile("cong-van-tra-loi.pdf", PDF, content_type="application/pdf")
    assert post_answer(client_for(world.users["agency"]), petition, attachment=real).status_code == 302
    answer = Answer.objects.get()
    assert answer.attachment
    url = reverse("petitions:answer_attachment", args=[answer.pk])
    for role in ("office", "agency"):
        response = client_for(world.users[role]).get(url)
        assert response.status_code == 200, role
        assert b"".join(response.streaming_content) == PDF
        assert response["Content-Disposition"].startswith("attachment")
    assert url in client_for(world.users["agency"]).get(answer_url(petition)).content.decode()
    assert client_for(portal["health_user"]).get(url).status_code == 404
    assert client_for(world.users["other_council"]).get(url).status_code == 404
    anonymous = client_for(None).get(url)
    assert anonymous.status_code == 302 and anonymous.url.startswith(reverse("login"))


def test_a_closed_petition_cannot_be_answered_again(world, portal, client_for):
    petition = receive(world, portal, "Đề nghị sửa cầu")
    client = client_for(world.users["agency"])
    assert post_answer(client, petition).status_code == 302
    services.petition_close(petition=Petition.objects.get(pk=petition.pk), user=world.users["office"])
    response = post_answer(client, petition, text="Trả lời lần hai")
    assert response.status_code == 400
    assert response.context["answer_form"].non_field_errors()
    assert Answer.objects.count() == 1
    petition.refresh_from_db()
    assert petition.status == PetitionStatus.CLOSED
    assert 'name="outcome"' not in client.get(answer_url(petition)).content.decode()


# ----------------------------------------------------------------------------------- more time

def test_an_agency_asks_for_more_time(world, portal, client_for):
    petition = receive(world, portal, "Đề nghị xây trường")
    client = client_for(world.users["agency"])
    url = reverse("petitions:agency_extension", args=[petition.pk])
    assert client.get(url).status_code == 405
    response = client.post(url, {"until": "2027-04-30", "reason": "Cần ý kiến của Bộ Giáo dục"})
    assert response.status_code == 302 and response.url == answer_url(petition)
    extension = ExtensionRequest.objects.get()
    assert (extension.petition, extension.until, extension.status, extension.requested_by) == (
        petition, datetime.date(2027, 4, 30), ExtensionStatus.PENDING, world.users["agency"])
    page = client.get(answer_url(petition)).content.decode()
    assert "Cần ý kiến của Bộ Giáo dục" in page and "30/04/2027" in page
    assert 'name="until"' not in page  # one request at a time
    # A second request while the first waits is refused and shown on the page.
    again = client.post(url, {"until": "2027-05-30", "reason": "Lần nữa"})
    assert again.status_code == 400
    assert again.context["extension_form"].non_field_errors()
    assert ExtensionRequest.objects.count() == 1


def test_more_time_must_move_the_date_later(world, portal, client_for):
    petition = receive(world, portal, "Đề nghị xây trường")
    response = client_for(world.users["agency"]).post(
        reverse("petitions:agency_extension", args=[petition.pk]),
        {"until": petition.answer_due_on.isoformat(), "reason": "Cần thêm thời gian"})
    assert response.status_code == 400
    assert response.context["extension_form"].non_field_errors()
    assert not ExtensionRequest.objects.exists()
