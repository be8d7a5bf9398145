"""Issue 12: a receipt for the voter (phiếu tiếp nhận kiến nghị). When a petition is recorded, staff print
a slip with its public code, the date, the council and how to look it up (the public lookup address and
a QR code of that address with the code); for a meeting, the slips of all its petitions, two to an A4
page. The voter's name and address are on it only for staff the one rule allows."""
import io

import pdfplumber
import pytest
import segno
from django.urls import reverse
from django.utils import timezone

from documents import qr_svg_uri
from petitions import services
from petitions.models import VoterDataAccess, VoterDataSurface
from petitions.slips import petition_slip

pytestmark = pytest.mark.django_db
LOOKUP = "http://testserver/petitions/lookup/"
VOTER = {"voter_name": "Hoàng Thị Quyên", "voter_address": "Xóm Chùa, thôn Kiêm Tân"}


def recorded(world, held_meeting, count=1):
    rows = [{"text": f"Đề nghị lắp đèn chiếu sáng đường liên thôn số {i}", **VOTER} for i in range(count)]
    return services.petitions_from_floor(session=held_meeting["session"], user=world.users["group_leader"], rows=rows)


def pdf_text(response):
    assert response["Content-Type"] == "application/pdf"
    data = b"".join(response.streaming_content)
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return [page.extract_text() for page in pdf.pages], pdf.pages[0].lines + pdf.pages[0].rects


def test_the_slip_has_the_code_the_date_the_council_and_the_lookup_address(world, client_for, held_meeting):
    petition = recorded(world, held_meeting)[0]
    response = client_for(world.users["office"]).get(reverse("petitions:petition_slip", args=[petition.pk]))
    assert response.status_code == 200
    assert f"phieu-tiep-nhan-{petition.public_code}.pdf" in response["Content-Disposition"]
    pages, shapes = pdf_text(response)
    text = pages[0]
    assert len(pages) == 1
    assert "PHIẾU TIẾP NHẬN KIẾN NGHỊ CỦA CỬ TRI" in text
    assert petition.public_code in text
    assert timezone.localdate(petition.created_at).strftime("%d/%m/%Y") in text
    assert "HĐND tỉnh Bắc Ninh" in text and "24/11/2026" in text  # the council, the meeting it was raised at
    assert LOOKUP in text
    assert len(shapes) > 100  # the QR code's modules are drawn (as lines)
    # Staff the rule allows see the voter; the display is logged.
    assert "Hoàng Thị Quyên" in text and "Xóm Chùa" in text
    log = VoterDataAccess.objects.get(surface=VoterDataSurface.SLIP)
    assert log.codes == [petition.public_code] and log.user == world.users["office"]


def test_the_qr_code_holds_the_lookup_address_with_the_code(world, held_meeting):
    petition = recorded(world, held_meeting)[0]
    slip = petition_slip(petition, lookup_page=LOOKUP, show_voters=False)
    assert slip.lookup_url == f"{LOOKUP}?code={petition.public_code}"
    assert slip.qr_svg_uri == segno.make(f"{LOOKUP}?code={petition.public_code}", error="m").svg_data_uri(
        scale=4, border=2)
    assert qr_svg_uri("http://a/") != qr_svg_uri("http://b/")


def test_staff_the_rule_refuses_get_the_slip_without_the_voter(world, client_for, held_meeting):
    petition = recorded(world, held_meeting)[0]
    # The delegate of group B reads the council's petitions but not the voters of group A's meeting.
    response = client_for(world.users["delegate"]).get(reverse("petitions:petition_slip", args=[petition.pk]))
    assert response.status_code == 200
    text = pdf_text(response)[0][0]
    assert petition.public_code in text and LOOKUP in text
    assert "Hoàng Thị Quyên" not in text and "Xóm Chùa" not in text
    assert not VoterDataAccess.objects.exists()
    # The group's leader may: the meeting was theirs.
    text = pdf_text(client_for(world.users["group_leader"]).get(
        reverse("petitions:petition_slip", args=[petition.pk])))[0][0]
    assert "Hoàng Thị Quyên" in text


@pytest.mark.parametrize(("role", "code"), [("agency", 403), ("other_council", 404), ("commune_office", 404)])
def test_the_slips_are_refused_as_the_petition_is(world, client_for, held_meeting, role, code):
    petition = recorded(world, held_meeting)[0]
    client = client_for(world.users[role])
    assert client.get(reverse("petitions:petition_slip", args=[petition.pk])).status_code == code
    assert client.get(reverse("petitions:floor_slips", args=[held_meeting["session"].pk])).status_code == code
    response = client_for(None).get(reverse("petitions:petition_slip", args=[petition.pk]))
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize("count", [3, 7])
def test_a_meetings_slips_two_to_a_page_in_a_fixed_number_of_queries(world, client_for, held_meeting, count,
                                                                     django_assert_num_queries):
    petitions = recorded(world, held_meeting, count)
    client = client_for(world.users["group_leader"])
    url = reverse("petitions:floor_slips", args=[held_meeting["session"].pk])
    # login, the role check, the meeting, the petitions with council and meeting, their visible voters,
    # and the access log's insert (in a savepoint).
    with django_assert_num_queries(9):
        response = client.get(url)
    pages, _shapes = pdf_text(response)
    assert len(pages) == (count + 1) // 2
    text = "\n".join(pages)
    assert all(p.public_code in text for p in petitions)
    assert text.count(LOOKUP) == count


def test_no_slips_for_a_meeting_without_petitions(world, client_for, held_meeting):
    response = client_for(world.users["office"]).get(reverse("petitions:floor_slips",
                                                             args=[held_meeting["session"].pk]))
    assert response.status_code == 302 and response["Location"] == reverse(
        "petitions:floor", args=[held_meeting["session"].pk])


def test_the_pages_link_to_the_slips(world, client_for, held_meeting):
    petition = recorded(world, held_meeting)[0]
    office = client_for(world.users["office"])
    assert reverse("petitions:petition_slip", args=[petition.pk]) in office.get(
        petition.get_absolute_url()).content.decode()
    assert reverse("petitions:floor_slips", args=[held_meeting["session"].pk]) in office.get(
        reverse("petitions:floor", args=[held_meeting["session"].pk])).content.decode()


def test_the_slip_follows_the_language_switch(world, client_for, held_meeting, settings):
    petition = recorded(world, held_meeting)[0]
    client = client_for(world.users["office"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    text = pdf_text(client.get(reverse("petitions:petition_slip", args=[petition.pk])))[0][0]
    assert "RECEIPT OF A VOTER'S PETITION" in text and "Lookup code" in text and petition.public_code in text
