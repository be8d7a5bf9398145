"""Issue 12: forwarding petitions, closing a petition and issuing a report cannot be undone: confirmed
first, saying what will happen (the agencies, the answer date, the number the report will take)."""
import pytest
from django.urls import reverse
from django.utils import timezone

from delegations.models import DeadlineRules
from petitions import reports, services
from petitions.models import Forwarding, PetitionStatus, Report, ReportKind
from petitions.services import answer_due_compute
from plans.models import DocumentNumber
from tests.factories import AgencyFactory

pytestmark = pytest.mark.django_db


def classified(world, held_meeting, count, agency=None):
    rows = [{"text": f"Đề nghị sửa đường liên thôn số {i}"} for i in range(count)]
    petitions = services.petitions_from_floor(session=held_meeting["session"], user=world.users["office"], rows=rows)
    services.petitions_classify(petitions=petitions, user=world.users["office"], fields=[held_meeting["field"]],
                                level="province", agency=agency or world.agency)
    return petitions


def test_forwarding_is_confirmed_with_each_agency_and_its_answer_date(world, client_for, held_meeting):
    first = classified(world, held_meeting, 2)
    other = AgencyFactory(council=world.council, name="Sở Giao thông vận tải")
    second = classified(world, held_meeting, 1, agency=other)
    office = client_for(world.users["office"])
    data = {"action": "forward", "ids": [p.pk for p in first + second], "next": "/petitions/?status=classified"}
    response = office.post(reverse("petitions:bulk"), data)
    assert response.status_code == 200
    page = response.content.decode()
    due, _explanation = answer_due_compute(timezone.localdate(), DeadlineRules.for_council(world.council))
    assert "3 kiến nghị sẽ được chuyển" in page
    assert f"Sở Xây dựng: 2 kiến nghị ({first[0].public_code}, {first[1].public_code})" in page
    assert "Sở Giao thông vận tải: 1 kiến nghị" in page and due.strftime("%d/%m/%Y") in page
    assert page.count('name="ids"') == 3 and 'name="action" value="forward"' in page
    assert not Forwarding.objects.exists()
    response = office.post(reverse("petitions:bulk"), {**data, "confirmed": "1"})
    assert response.status_code == 302 and response["Location"] == "/petitions/?status=classified"
    assert Forwarding.objects.count() == 2


def test_closing_is_confirmed_and_refused_to_those_who_do_not_review(world, client_for, held_meeting):
    petition = classified(world, held_meeting, 1)[0]
    services.petitions_forward(petitions=[petition], user=world.users["office"])
    services.answer_record(petition=petition, user=world.users["agency"], agency=world.agency, outcome="resolved",
                           text="Đã sửa xong")
    url = reverse("petitions:close", args=[petition.pk])
    for role, code in (("delegate", 403), ("group_leader", 403), ("agency", 404), ("other_council", 404)):
        assert client_for(world.users[role]).post(url).status_code == code
    standing = client_for(world.users["standing"])
    response = standing.post(url, {"note": "Đạt"})
    assert response.status_code == 200
    assert f"Kiến nghị {petition.public_code} sẽ được đóng" in response.content.decode()
    petition.refresh_from_db()
    assert petition.status == PetitionStatus.ANSWERED
    assert standing.post(url, {"note": "Đạt", "confirmed": "1"}).status_code == 302
    petition.refresh_from_db()
    assert petition.status == PetitionStatus.CLOSED


def test_issuing_a_report_is_confirmed_with_the_number_it_will_take(world, client_for, held_meeting):
    report = reports.report_request(user=world.users["office"], council=world.council, kind=ReportKind.ROUND,
                                    round=held_meeting["round"])
    DocumentNumber.objects.create(council=world.council, year=2026, type_code="BC", number=4)
    url = reverse("petitions:report_issue", args=[report.pk])
    assert client_for(world.users["standing"]).post(url, {"issued_on": "2026-12-05"}).status_code == 403
    office = client_for(world.users["office"])
    response = office.post(url, {"issued_on": "2026-12-05", "number": ""})
    assert response.status_code == 200
    assert "Số 05/BC-HĐND sẽ được cấp và không thể thu hồi." in response.content.decode()
    report.refresh_from_db()
    assert report.number is None and DocumentNumber.objects.count() == 1
    assert office.post(url, {"issued_on": "2026-12-05", "number": "", "confirmed": "1"}).status_code == 302
    assert Report.objects.get(pk=report.pk).number == 5
