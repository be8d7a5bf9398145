import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from icalendar import Calendar

from delegations.models import Role
from plans.models import ContactPlan, ContactRound, RoundKind
from sessions.models import ContactSession, MeetingStatus
from tests.factories import CommuneFactory, MembershipFactory, UserFactory
from tests.sessions.builders import form_data, make_session

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


def test_group_leader_schedules_a_meeting_of_their_group(world, setup, client_for):
    response = client_for(world.users["group_leader"]).post(reverse("contact_sessions:session_create"),
                                                             form_data(world, setup))
    assert response.status_code == 302
    session = ContactSession.objects.get()
    assert session.council == world.council
    assert list(session.delegates.all()) == [world.delegate]
    assert session.starts_at == datetime.datetime(2026, 11, 24, 8, tzinfo=HANOI)


def test_a_date_outside_the_round_is_refused_unless_a_reason_is_given(world, setup, client_for):
    client = client_for(world.users["office"])
    response = client.post(reverse("contact_sessions:session_create"),
                           form_data(world, setup, starts_at="2026-12-05T08:00", ends_at=None))
    assert response.status_code == 400
    assert "05/12/2026" in " ".join(response.context["form"].errors["starts_at"])
    assert not ContactSession.objects.exists()
    response = client.post(reverse("contact_sessions:session_create"),
                           form_data(world, setup, starts_at="2026-12-05T08:00", ends_at=None,
                                     outside_window_reason="Lùi lịch vì mưa bão"))
    assert response.status_code == 302
    assert ContactSession.objects.get().outside_window_reason == "Lùi lịch vì mưa bão"


def test_a_delegate_booked_in_two_places_at_once_is_refused(world, setup, client_for):
    make_session(world, setup, day=24, hour=9)
    response = client_for(world.users["office"]).post(reverse("contact_sessions:session_create"),
                                                       form_data(world, setup))
    assert response.status_code == 400
    assert "Nguyễn Anh Tuấn" in " ".join(response.context["form"].errors["delegates"])
    assert ContactSession.objects.count() == 1
    # The same delegate in the afternoon is fine.
    response = client_for(world.users["office"]).post(
        reverse("contact_sessions:session_create"),
        form_data(world, setup, starts_at="2026-11-24T14:00", ends_at="2026-11-24T16:00"))
    assert response.status_code == 302


def test_a_commune_not_covered_by_the_group_is_refused(world, setup, client_for):
    elsewhere = CommuneFactory(council=world.council, name="Nơi Khác")
    world.group_b.communes.add(elsewhere)
    response = client_for(world.users["office"]).post(reverse("contact_sessions:session_create"),
                                                       form_data(world, setup, commune=elsewhere.pk))
    assert response.status_code == 400
    assert "commune" in response.context["form"].errors


# An agency responder reads no council's meetings (404), like a user of another council.
@pytest.mark.parametrize("role, status", [("delegate", 403), ("standing", 403), ("agency", 404),
                                          ("other_council", 404), ("group_leader", 200), ("office", 200)])
def test_edit_page_refuses_who_may_not_schedule_this_group(world, setup, client_for, role, status):
    session = make_session(world, setup)
    response = client_for(world.users[role]).get(reverse("contact_sessions:session_update", args=[session.pk]))
    assert response.status_code == status


def test_a_leader_cannot_edit_another_groups_meeting(world, setup, client_for):
    session = make_session(world, setup, group=world.group_b, delegates=[setup["other_delegate"]])
    leader = world.users["group_leader"]
    assert client_for(leader).get(reverse("contact_sessions:session_update", args=[session.pk])).status_code == 403
    before = ContactSession.objects.get(pk=session.pk).venue
    client_for(leader).post(reverse("contact_sessions:session_update", args=[session.pk]),
                            form_data(world, setup, group=world.group_b.pk, venue="Đổi"))
    assert ContactSession.objects.get(pk=session.pk).venue == before


def test_anonymous_is_sent_to_login_from_the_staff_pages(world, setup, client_for):
    session = make_session(world, setup)
    for url in (reverse("contact_sessions:session_list"), reverse("contact_sessions:session_create"),
                reverse("contact_sessions:session_detail", args=[session.pk])):
        response = client_for(None).get(url)
        assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_public_schedule_and_ical_feed_without_login(world, setup, client_for, time_machine):
    time_machine.move_to(datetime.datetime(2026, 11, 22, 9, tzinfo=HANOI))
    held = make_session(world, setup, day=24)
    cancelled = make_session(world, setup, day=25, status=MeetingStatus.CANCELLED, delegates=[])
    draft_plan = ContactPlan.objects.create(council=world.council, year=2026, subject="Dự thảo")
    hidden_round = ContactRound.objects.create(plan=draft_plan, kind=RoundKind.AFTER_SITTING,
                                               starts_on=datetime.date(2026, 11, 2), ends_on=datetime.date(2026, 12, 1))
    hidden = ContactSession.objects.create(council=world.council, round=hidden_round, group=world.group_a,
                                           commune=setup["commune"], venue="Chưa công bố",
                                           starts_at=datetime.datetime(2026, 11, 26, 8, tzinfo=HANOI))
    client = client_for(None)
    page = client.get(reverse("contact_sessions:public_schedule")).content.decode()
    assert "Nhà văn hóa" in page and "Chưa công bố" not in page
    feed = client.get(reverse("contact_sessions:ical_feed", args=[world.council.pk]))
    assert feed["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(feed.content)
    events = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
    assert set(events) == {f"contact-session-{held.pk}@hdnd", f"contact-session-{cancelled.pk}@hdnd"}
    assert f"contact-session-{hidden.pk}@hdnd" not in events
    event = events[f"contact-session-{held.pk}@hdnd"]
    start = event.decoded("DTSTART")
    assert start == datetime.datetime(2026, 11, 24, 8, tzinfo=HANOI) and str(start.tzinfo) == "Asia/Ho_Chi_Minh"
    assert "Kiêm Tân" in str(event["LOCATION"]) and str(event["URL"]).startswith("http")
    assert str(events[f"contact-session-{cancelled.pk}@hdnd"]["STATUS"]) == "CANCELLED"
    assert [c.name for c in calendar.walk("VTIMEZONE")] == ["VTIMEZONE"]
    other_commune = CommuneFactory(council=world.council, name="Khác")
    filtered = Calendar.from_ical(client.get(reverse("contact_sessions:ical_feed", args=[world.council.pk]),
                                             {"commune": other_commune.pk}).content)
    assert filtered.walk("VEVENT") == []


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_list_and_public_pages_run_a_fixed_number_of_queries(world, setup, client_for, time_machine):
    time_machine.move_to(datetime.datetime(2026, 11, 1, 9, tzinfo=HANOI))
    for day in range(2, 7):
        make_session(world, setup, day=day)
    office = client_for(world.users["office"])
    few = (count_queries(office, reverse("contact_sessions:session_list")),
           count_queries(office, reverse("contact_sessions:public_schedule")))
    for index in range(195):  # 200 meetings in all
        make_session(world, setup, day=7 + index % 20, hour=5 + index // 20, delegates=[])
    many = (count_queries(office, reverse("contact_sessions:session_list")),
            count_queries(office, reverse("contact_sessions:public_schedule")))
    assert few == many


def test_role_membership_fixture_is_what_the_tests_assume(world):
    assert world.users["group_leader"].memberships.get().role == Role.GROUP_LEADER
    assert MembershipFactory._meta.model.objects.filter(group=world.group_a).count() == 1
    assert UserFactory._meta.model.objects.filter(username="totruong").exists()


def test_calendar_month_and_week_in_a_fixed_number_of_queries(world, setup, client_for):
    office = client_for(world.users["office"])
    url = reverse("contact_sessions:calendar")
    for day in range(2, 7):
        make_session(world, setup, day=day, delegates=[])

    def counted(params):
        with CaptureQueriesContext(connection) as queries:
            response = office.get(url, params)
        assert response.status_code == 200
        return len(queries), response

    few_month, response = counted({"date": "2026-11-15"})
    shown = [s.pk for week in response.context["weeks"] for day in week for s in day["sessions"]]
    assert len(shown) == 5
    for index in range(195):
        make_session(world, setup, day=2 + index % 28, hour=5 + index % 14, delegates=[])
    many_month, response = counted({"date": "2026-11-15"})
    assert many_month == few_month
    assert sum(len(day["sessions"]) for week in response.context["weeks"] for day in week) == 200
    week_queries, response = counted({"date": "2026-11-04", "view": "week"})
    days = [day["date"] for day in response.context["weeks"][0]]
    assert days[0] == datetime.date(2026, 11, 2) and len(days) == 7
    assert all(timezone_day(s) in days for day in response.context["weeks"][0] for s in day["sessions"])
    assert week_queries == many_month
    _, response = counted({"date": "2026-11-15", "group": world.group_b.pk})
    assert not any(day["sessions"] for week in response.context["weeks"] for day in week)
    other = client_for(world.users["commune_office"]).get(url, {"date": "2026-11-15"})
    assert not any(day["sessions"] for week in other.context["weeks"] for day in week)


def timezone_day(session):
    return session.starts_at.astimezone(HANOI).date()


def test_my_meetings_on_the_dashboard(world, setup, client_for, time_machine):
    time_machine.move_to(datetime.datetime(2026, 11, 20, 9, tzinfo=HANOI))
    world.delegate.user = world.users["delegate"]
    world.delegate.save()
    mine = make_session(world, setup, day=24)  # world.delegate attends
    other = make_session(world, setup, day=25, group=world.group_b, delegates=[setup["other_delegate"]])
    shown = list(client_for(world.users["delegate"]).get(reverse("contact_sessions:my_meetings")).context["sessions"])
    assert shown == [mine]
    led = list(client_for(world.users["group_leader"]).get(reverse("contact_sessions:my_meetings")).context["sessions"])
    assert led == [mine]
    assert other not in led


def test_thematic_needs_a_topic_and_online_needs_a_link(world, setup, client_for):
    client = client_for(world.users["office"])
    response = client.post(reverse("contact_sessions:session_create"),
                           form_data(world, setup, kind="thematic", format="online"))
    assert response.status_code == 400
    assert set(response.context["form"].errors) >= {"topic", "online_link"}
    assert not ContactSession.objects.exists()
    response = client.post(reverse("contact_sessions:session_create"), form_data(
        world, setup, kind="thematic", topic="Đất đai", format="online", online_link="hop.bacninh.gov.vn/txct"))
    assert response.status_code == 302
    assert ContactSession.objects.get().online_link == "https://hop.bacninh.gov.vn/txct"
