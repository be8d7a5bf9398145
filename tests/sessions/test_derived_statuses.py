"""Issue 11, findings 9 and 10: one definition per derived status (meeting planned / held /
cancelled, minutes late and on time, assignment overdue, petition overdue), used alike by the
meeting list, the dashboard and the report; dates in local time; the attendance list without
repeats; "mark done" offered only to who may."""
import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from delegations.models import AgencyLevel
from petitions import services as petition_services
from petitions.dashboard import meetings_by_group, petition_totals
from petitions.models import Forwarding, Petition, PetitionField
from petitions.reports import round_meetings
from plans.models import Assignment, ContactPlan, ContactRound, PlanStatus, ResponsibleKind, RoundKind
from sessions.models import ContactSession, MeetingStatus, Minutes, MinutesStatus
from tests.factories import CommuneFactory, DelegateFactory

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
TODAY = datetime.date(2026, 12, 10)


def local(day, hour, minute=0):
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=HANOI)


@pytest.fixture
def rnd(world):
    plan = ContactPlan.objects.create(council=world.council, year=2026, subject="Kế hoạch TXCT",
                                      status=PlanStatus.ISSUED, number=2, issued_on=datetime.date(2026, 10, 1))
    return ContactRound.objects.create(plan=plan, kind=RoundKind.BEFORE_SITTING, starts_on=datetime.date(2026, 11, 2),
                                       ends_on=datetime.date(2026, 11, 30))


def meeting(world, rnd, group, commune, status, day, *, due=None, minutes=None, finalised=None):
    session = ContactSession.objects.create(council=world.council, round=rnd, group=group, commune=commune,
                                            status=status, minutes_due_on=due, venue="Nhà văn hóa",
                                            starts_at=local(datetime.date(2026, 11, day), 8))
    if minutes:
        Minutes.objects.create(session=session, status=minutes, finalised_at=finalised)
    return session


@pytest.fixture
def meetings(world, rnd):
    commune = CommuneFactory(council=world.council, name="Kiêm Tân")
    a, b = world.group_a, world.group_b
    due = datetime.date(2026, 11, 23)
    rows = [
        meeting(world, rnd, a, commune, MeetingStatus.PLANNED, 25),
        meeting(world, rnd, a, commune, MeetingStatus.POSTPONED, 26),
        meeting(world, rnd, a, commune, MeetingStatus.CANCELLED, 9),
        meeting(world, rnd, b, commune, MeetingStatus.CANCELLED, 10),
        # held, minutes final on the due date: on time
        meeting(world, rnd, a, commune, MeetingStatus.HELD, 16, due=due, minutes=MinutesStatus.FINAL,
                finalised=local(due, 16)),
        # held, made final at 00:30 the day after the due date (still the due date in UTC): late
        meeting(world, rnd, a, commune, MeetingStatus.HELD, 17, due=due, minutes=MinutesStatus.FINAL,
                finalised=local(due + datetime.timedelta(days=1), 0, 30)),
        # held, still a draft past its due date: late
        meeting(world, rnd, b, commune, MeetingStatus.HELD, 18, due=due, minutes=MinutesStatus.DRAFT),
        # held, draft, not yet due: neither
        meeting(world, rnd, b, commune, MeetingStatus.HELD, 30, due=datetime.date(2026, 12, 15),
                minutes=MinutesStatus.DRAFT),
    ]
    return rows


def test_the_meeting_list_the_dashboard_and_the_report_agree(world, rnd, meetings, client_for, time_machine):
    time_machine.move_to(local(TODAY, 10), tick=False)
    response = client_for(world.users["office"]).get(reverse("contact_sessions:session_list") + f"?round={rnd.pk}")
    assert response.status_code == 200
    listed = list(response.context["progress"])
    dashboard = meetings_by_group(world.council, rnd)
    report = round_meetings(council_id=world.council.pk, round_id=rnd.pk)

    # The model's own answers, row by row.
    planned = sum(1 for s in meetings if s.status != MeetingStatus.CANCELLED)
    held = sum(1 for s in meetings if s.status == MeetingStatus.HELD)
    minutes = [s.minutes for s in meetings if hasattr(s, "minutes")]
    late = sum(1 for m in minutes if m.is_late(TODAY))
    assert (planned, held, late) == (6, 4, 2)

    assert sum(row["planned"] for row in listed) == sum(row["planned"] for row in dashboard) == report["planned"] \
        == planned
    assert sum(row["held"] for row in listed) == sum(row["held"] for row in dashboard) == report["held"] == held
    assert sum(row["cancelled"] for row in listed) == 2
    assert sum(row["minutes_late"] for row in listed) == late
    on_time = sum(row["minutes_on_time"] for row in dashboard)
    assert on_time == sum(row["minutes_on_time"] for row in listed) == 1
    assert sum(row["minutes_in"] for row in listed) == 2
    # Per group as well.
    by_group = {row["group__name"]: (row["planned"], row["held"]) for row in listed}
    assert by_group == {row["group__name"]: (row["planned"], row["held"]) for row in dashboard}
    # The meeting page says "late" where the list counts it.
    page = client_for(world.users["office"]).get(meetings[5].get_absolute_url()).content.decode()
    assert "trễ" in page.split('data-testid="minutes-state"', 1)[1].split("</p>", 1)[0].lower()


def test_petition_overdue_is_one_definition_for_list_page_and_dashboard(world, rnd, client_for, time_machine):
    time_machine.move_to(local(TODAY, 10), tick=False)
    field = PetitionField.objects.create(council=world.council, name="Giao thông")
    office = world.users["office"]
    late = petition_services.petition_create(council=world.council, user=office, text="Đường hỏng", round=rnd)
    petition_services.petitions_classify(petitions=[late], user=office, fields=[field], level=AgencyLevel.PROVINCE,
                                         agency=world.agency)
    late = Petition.objects.get(pk=late.pk)
    assert late.due_on < TODAY and late.is_overdue()
    assert list(Petition.objects.overdue()) == [late]
    assert petition_totals(world.council, rnd, TODAY)["overdue"] == 1
    page = client_for(office).get(reverse("petitions:petition_list")).content.decode()
    assert page.count("text-bg-danger") >= 1
    filtered = client_for(office).get(reverse("petitions:petition_list") + "?overdue=1")
    assert [p.pk for p in filtered.context["page_obj"].object_list] == [late.pk]


def test_the_attendance_list_names_each_delegate_once(world, rnd, client_for, time_machine):
    time_machine.move_to(local(datetime.date(2026, 11, 20), 12), tick=False)
    commune = CommuneFactory(council=world.council, name="Kiêm Tân")
    world.group_a.communes.add(commune)
    second = DelegateFactory(council=world.council, term=world.term, full_name="Trần Thị Bình", group=world.group_a)
    outsider = DelegateFactory(council=world.council, term=world.term, full_name="Lê Văn Cường", group=world.group_b)
    session = meeting(world, rnd, world.group_a, commune, MeetingStatus.PLANNED, 19)
    session.delegates.set([world.delegate, second, outsider])
    # The group's delegates are booked for other meetings of the round too (the join that repeated them).
    for day in (12, 13, 14):
        meeting(world, rnd, world.group_a, commune, MeetingStatus.HELD, day).delegates.set([world.delegate, second])
    response = client_for(world.users["office"]).get(
        reverse("contact_sessions:session_outcome", args=[session.pk]))
    assert response.status_code == 200
    choices = list(response.context["form"].fields["delegates_present"].queryset)
    assert sorted(d.pk for d in choices) == sorted({world.delegate.pk, second.pk, outsider.pk})
    page = response.content.decode()
    for delegate in (world.delegate, second, outsider):
        assert page.count(f'value="{delegate.pk}"') == 1, delegate


def test_the_forwarding_label_prints_the_local_day(world, rnd, client_for):
    field = PetitionField.objects.create(council=world.council, name="Giao thông")
    office = world.users["office"]
    petition = petition_services.petition_create(council=world.council, user=office, text="Đường hỏng", round=rnd)
    petition_services.petitions_classify(petitions=[petition], user=office, fields=[field],
                                         level=AgencyLevel.PROVINCE, agency=world.agency)
    made = local(datetime.date(2026, 12, 1), 0, 31)  # 30/11 17:31 in UTC
    [forwarding] = petition_services.petitions_forward(petitions=[Petition.objects.get(pk=petition.pk)], user=office,
                                                       now=made)
    assert str(Forwarding.objects.get(pk=forwarding.pk)).endswith("01/12/2026")
    page = client_for(office).get(petition.get_absolute_url()).content.decode()
    label = page.split(reverse("petitions:forwarding_detail", args=[forwarding.pk]), 1)[1][:200]
    assert "01/12/2026" in label and "30/11/2026" not in label
    assert str(ContactSession(starts_at=local(datetime.date(2026, 12, 1), 6), commune=CommuneFactory(
        council=world.council), venue="X")).startswith("01/12/2026")


def test_assignment_overdue_uses_the_local_date_and_one_definition(world, rnd, time_machine, client_for):
    plan = rnd.plan
    assignment = Assignment.objects.create(plan=plan, order=1, lead="Giao Văn phòng", text="chuẩn bị tài liệu.",
                                           responsible_kind=ResponsibleKind.OFFICE, due_on=datetime.date(2026, 11, 30))
    # 00:30 on 01/12 in Hà Nội, on a server whose own clock is in UTC (time-machine sets TZ=UTC).
    time_machine.move_to(datetime.datetime(2026, 11, 30, 17, 30, tzinfo=datetime.UTC), tick=False)
    assert datetime.date.today() == datetime.date(2026, 11, 30)  # the server's date
    assert assignment.is_overdue()
    assert list(Assignment.objects.overdue()) == [assignment]
    page = client_for(world.users["office"]).get(plan.get_absolute_url()).content.decode()
    row = page.split('data-testid="assignments"', 1)[1].split("</table>", 1)[0]
    assert "text-bg-danger" in row
    # A draft plan's assignments are not running: never overdue.
    ContactPlan.objects.filter(pk=plan.pk).update(status=PlanStatus.DRAFT)
    assignment = Assignment.objects.select_related("plan").get(pk=assignment.pk)
    assert not assignment.is_overdue() and not Assignment.objects.overdue().exists()


def test_mark_done_is_offered_only_where_the_service_allows_it(world, rnd, client_for):
    plan = rnd.plan
    office_task = Assignment.objects.create(plan=plan, order=1, lead="Giao Văn phòng", text="chuẩn bị tài liệu.",
                                            responsible_kind=ResponsibleKind.OFFICE)
    group_task = Assignment.objects.create(plan=plan, order=2, lead="Các Tổ đại biểu", text="tổ chức tiếp xúc.",
                                           responsible_kind=ResponsibleKind.GROUPS)
    office_url = reverse("plans:assignment_toggle", args=[office_task.pk])
    group_url = reverse("plans:assignment_toggle", args=[group_task.pk])
    page = client_for(world.users["office"]).get(plan.get_absolute_url()).content.decode()
    assert office_url in page and group_url not in page
    # What the page does not offer, the service refuses.
    assert client_for(world.users["office"]).post(group_url).status_code == 404
    page = client_for(world.users["group_leader"]).get(plan.get_absolute_url()).content.decode()
    assert group_url in page and office_url not in page
    assert client_for(world.users["group_leader"]).post(group_url).status_code == 302
    assert Assignment.objects.get(pk=group_task.pk).status == "done"
