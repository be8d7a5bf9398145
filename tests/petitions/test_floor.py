import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from petitions.models import Petition, PetitionField, PetitionVoter

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
DISTINCTIVE = "Hoàng Thị Xuyến Độc Nhất"


def floor_data(rows, total=12):
    data = {"rows-TOTAL_FORMS": str(total), "rows-INITIAL_FORMS": "0"}
    for index in range(total):
        row = rows[index] if index < len(rows) else {}
        for key in ("voter_name", "voter_address", "text", "field"):
            data[f"rows-{index}-{key}"] = row.get(key, "")
    return data


def test_a_leader_enters_ten_petitions_from_the_floor(world, meeting, client_for):
    field = PetitionField.objects.get()
    rows = [{"voter_name": f"Cử tri {i}" if i % 2 else "", "voter_address": "Thôn Kiêm Tân" if i % 2 else "",
             "text": f"Đề nghị sửa đường giao thông liên thôn số {i}", "field": field.pk if i < 5 else ""}
            for i in range(10)]
    response = client_for(world.users["group_leader"]).post(reverse("petitions:floor", args=[meeting.pk]),
                                                             floor_data(rows))
    assert response.status_code == 302
    petitions = Petition.objects.order_by("pk")
    assert petitions.count() == 10
    assert {p.session_id for p in petitions} == {meeting.pk}
    assert {p.round_id for p in petitions} == {meeting.round_id}
    assert all(p.public_code.startswith("KN-2026-") or p.public_code.startswith("KN-") for p in petitions)
    assert len({p.public_code for p in petitions}) == 10
    assert PetitionVoter.objects.count() == 5  # only the named voters
    assert Petition.objects.filter(fields=field).count() == 5


def test_a_bad_line_saves_nothing_and_is_named(world, meeting, client_for):
    rows = [{"text": "Đề nghị làm đèn đường"}, {"voter_name": "Cử tri không nói gì"}]
    response = client_for(world.users["office"]).post(reverse("petitions:floor", args=[meeting.pk]), floor_data(rows))
    assert response.status_code == 400
    assert not Petition.objects.exists()
    assert response.context["formset"].forms[1].errors["text"]


@pytest.mark.parametrize("role, get_status, post_status", [
    ("delegate", 200, 403), ("standing", 200, 403), ("agency", 403, 403), ("other_council", 404, 404)])
def test_who_may_not_enter_petitions(world, meeting, client_for, role, get_status, post_status):
    client = client_for(world.users[role])
    url = reverse("petitions:floor", args=[meeting.pk])
    assert client.get(url).status_code == get_status
    assert client.post(url, floor_data([{"text": "Trái phép"}])).status_code == post_status
    assert not Petition.objects.exists()


def test_no_public_page_or_feed_shows_a_voters_personal_data(world, meeting, client_for, time_machine):
    time_machine.move_to(datetime.datetime(2026, 11, 20, 9, tzinfo=HANOI))
    client_for(world.users["group_leader"]).post(reverse("petitions:floor", args=[meeting.pk]), floor_data([
        {"voter_name": DISTINCTIVE, "voter_address": "Số 7 ngõ Độc Nhất", "text": "Đề nghị làm đèn đường"}]))
    petition = Petition.objects.get()
    PetitionVoter.objects.filter(petition=petition).update(phone="0909123456")
    staff_page = client_for(world.users["office"]).get(reverse("petitions:petition_detail", args=[petition.pk]))
    assert DISTINCTIVE in staff_page.content.decode()  # the council's staff see it
    anonymous = client_for(None)
    public = [
        reverse("contact_sessions:public_schedule"),
        reverse("contact_sessions:ical_feed", args=[world.council.pk]),
        reverse("plans:public_plans"),
        reverse("petitions:lookup") + f"?code={petition.public_code}",
    ]
    for url in public:
        response = anonymous.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        for secret in (DISTINCTIVE, "Số 7 ngõ Độc Nhất", "0909123456"):
            assert secret not in body, (url, secret)
    lookup = anonymous.get(reverse("petitions:lookup"), {"code": petition.public_code}).content.decode()
    assert petition.public_code in lookup and "Đã tiếp nhận" in lookup
    # The agency and a user of another council cannot open the petition.
    assert client_for(world.users["agency"]).get(reverse("petitions:petition_detail", args=[petition.pk])).status_code == 403
    assert client_for(world.users["other_council"]).get(
        reverse("petitions:petition_detail", args=[petition.pk])).status_code == 404


def test_petition_list_searches_without_accents_in_a_fixed_number_of_queries(world, meeting, client_for):
    client = client_for(world.users["group_leader"])
    client.post(reverse("petitions:floor", args=[meeting.pk]), floor_data(
        [{"text": f"Đề nghị nâng cấp đường giao thông số {i}", "voter_name": f"Cử tri {i}"} for i in range(10)]))
    office = client_for(world.users["office"])

    def count(url):
        cache.clear()  # the filter menus are cached per council (petitions.menus): count the dearest, cold case
        with CaptureQueriesContext(connection) as queries:
            assert office.get(url).status_code == 200
        return len(queries)

    few = count(reverse("petitions:petition_list"))
    client_for(world.users["group_leader"]).post(reverse("petitions:floor", args=[meeting.pk]) + "?rows=40",
                                                 floor_data([{"text": f"Kiến nghị khác {i}"} for i in range(40)], 40))
    assert Petition.objects.count() == 50
    office = client_for(world.users["office"])  # the same test client was logged in as the leader
    assert count(reverse("petitions:petition_list")) == few
    found = office.get(reverse("petitions:petition_list"), {"q": "nang cap duong giao thong"}).context["page_obj"]
    assert sorted(p.text for p in found) == sorted(f"Đề nghị nâng cấp đường giao thông số {i}" for i in range(10))
