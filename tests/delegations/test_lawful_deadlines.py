"""Issue 11, findings 5–7: deadlines counted in days end on a working day (art. 148(5) Civil Code
2015); a calendar change moves open deadlines whatever the path (here the Django admin, a bulk
delete, the shell); each move is shown to the deadline's users with why, how and who; the deadline
rules are a page for office staff, and a change there moves open deadlines too."""
import datetime
from zoneinfo import ZoneInfo

import holidays
import pytest
from django.urls import reverse

from delegations.calendar import WorkingCalendar
from delegations.models import (
    CalendarDay,
    CalendarDayKind,
    Deadline,
    DeadlineChange,
    DeadlineChangeCause,
    DeadlineNotice,
    DeadlineRules,
    DeadlineState,
)
from delegations.sweep import DUE_TODAY, OVERDUE, deadlines_sweep
from petitions import services as petition_services
from petitions.dashboard import petition_totals
from petitions.models import AnswerOutcome, Petition, PetitionField
from plans.models import ContactPlan, ContactRound, PlanStatus, RoundKind
from tests.factories import CommuneFactory, UserFactory

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


def d(text):
    return datetime.datetime.strptime(text, "%d/%m/%Y").date()


def at(day, hour=9, minute=0):
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=HANOI)


@pytest.fixture
def setup(world):
    plan = ContactPlan.objects.create(council=world.council, year=2025, subject="Kế hoạch TXCT",
                                      status=PlanStatus.ISSUED, number=9, issued_on=d("01/11/2025"))
    rnd = ContactRound.objects.create(plan=plan, kind=RoundKind.AFTER_SITTING, starts_on=d("08/12/2025"),
                                      ends_on=d("31/12/2025"))  # a Wednesday; 01/01/2026 is New Year's Day
    commune = CommuneFactory(council=world.council, name="Kiêm Tân")
    field = PetitionField.objects.create(council=world.council, name="Giao thông")
    return plan, rnd, commune, field


def classified_petition(world, setup, text="Đề nghị sửa chữa đường giao thông liên thôn"):
    _plan, rnd, commune, field = setup
    petition = petition_services.petition_create(council=world.council, user=world.users["office"], text=text,
                                                 round=rnd, group=world.group_a, commune=commune)
    petition_services.petitions_classify(petitions=[petition], user=world.users["office"], fields=[field],
                                         agency=world.agency)
    return Petition.objects.get(pk=petition.pk)


def answer_deadline(petition):
    return Deadline.objects.for_subject(petition).get(kind=petition_services.PETITION_ANSWER)


# ------------------------------------------------------------------- finding 5: art. 148(5)

def test_the_example_dates_hold_no_vietnamese_holiday():
    vn = holidays.country_holidays("VN", years=[2026, 2027])
    assert not [day for day in vn if d("29/01/2027") <= day <= d("02/02/2027")]
    assert d("30/01/2027").weekday() == 5  # a Saturday


def test_a_period_of_days_ending_on_a_saturday_ends_the_next_monday(world):
    count = WorkingCalendar.for_council(world.council).add_days(d("01/12/2026"), 60)
    assert (count.last_day, count.due) == (d("30/01/2027"), d("01/02/2027"))
    assert "30/01/2027 là Thứ Bảy → 01/02/2027" in count.explanation()
    assert "148" in count.explanation()
    # A last day that is a working day stays as it is, and is explained as before.
    plain = WorkingCalendar.for_council(world.council).add_days(d("01/12/2026"), 59)
    assert plain.due == d("29/01/2027") and "→ 29/01/2027" in plain.explanation() and "148" not in plain.explanation()


def test_a_period_ending_on_a_council_day_off_ends_on_the_next_working_day(world):
    CalendarDay.objects.create(council=world.council, date=d("29/01/2027"), kind=CalendarDayKind.DAY_OFF,
                               reason="Nghỉ bù của tỉnh")
    count = WorkingCalendar.for_council(world.council).add_days(d("01/12/2026"), 59)
    assert count.due == d("01/02/2027")
    assert "29/01/2027 là Nghỉ bù của tỉnh → 01/02/2027" in count.explanation()


def test_forwarded_on_1_december_2026_the_answer_is_due_on_monday_1_february_2027(world, setup, time_machine):
    petition = classified_petition(world, setup)
    [forwarding] = petition_services.petitions_forward(petitions=[petition], user=world.users["office"],
                                                       now=at(d("01/12/2026"), 10))
    petition.refresh_from_db()
    assert forwarding.answer_due_on == petition.answer_due_on == petition.due_on == d("01/02/2027")
    assert "30/01/2027 là Thứ Bảy → 01/02/2027" in petition.answer_due_explanation
    deadline = answer_deadline(petition)
    assert (deadline.due_on, deadline.unit, deadline.amount) == (d("01/02/2027"), "days", 60)

    def stages():
        return set(DeadlineNotice.objects.filter(deadline=deadline).values_list("stage", flat=True))

    deadlines_sweep(today=d("30/01/2027"))  # the Saturday: nothing is due, nothing is late
    assert DUE_TODAY not in stages() and OVERDUE not in stages()
    deadlines_sweep(today=d("01/02/2027"))
    assert DUE_TODAY in stages() and OVERDUE not in stages()

    # Answered on the Monday: on time, on the dashboard too.
    time_machine.move_to(at(d("01/02/2027"), 15), tick=False)
    petition_services.answer_record(petition=Petition.objects.get(pk=petition.pk), user=world.users["agency"],
                                    agency=world.agency, outcome=AnswerOutcome.RESOLVED, text="Đã sửa xong")
    assert petition_totals(world.council, setup[1], d("01/02/2027"))["on_time"] == 1
    deadlines_sweep(today=d("02/02/2027"))
    assert OVERDUE not in stages()


def test_unanswered_the_overdue_notice_goes_out_on_tuesday_not_monday(world, setup):
    petition = classified_petition(world, setup)
    petition_services.petitions_forward(petitions=[petition], user=world.users["office"],
                                        now=at(d("01/12/2026"), 10))
    deadline = answer_deadline(Petition.objects.get(pk=petition.pk))
    deadlines_sweep(today=d("01/02/2027"))
    assert not DeadlineNotice.objects.filter(deadline=deadline, stage=OVERDUE).exists()
    deadlines_sweep(today=d("02/02/2027"))
    assert DeadlineNotice.objects.filter(deadline=deadline, stage=OVERDUE).exists()


def test_a_day_off_on_the_last_day_of_an_answer_period_moves_it(world, setup):
    petition = classified_petition(world, setup)
    petition_services.petitions_forward(petitions=[petition], user=world.users["office"],
                                        now=at(d("01/12/2026"), 10))
    day = CalendarDay.objects.create(council=world.council, date=d("01/02/2027"), kind=CalendarDayKind.DAY_OFF,
                                     reason="Nghỉ đột xuất")
    petition.refresh_from_db()
    assert petition.answer_due_on == petition.due_on == answer_deadline(petition).due_on == d("02/02/2027")
    assert petition.forwarding.answer_due_on == d("02/02/2027")  # the batch's copy follows
    assert [row.object_id for row in day.deadlines_moved] == [petition.pk]


# ----------------------------------------- finding 6: a day off added by any path moves deadlines

@pytest.fixture
def admin_user(db):
    return UserFactory(username="quantri", first_name="Quản", last_name="Trị", is_staff=True, is_superuser=True)


def test_a_day_off_added_in_the_django_admin_moves_the_forwarding_date(world, setup, client_for, admin_user):
    petition = classified_petition(world, setup)
    assert petition.forward_due_on == d("06/01/2026")  # 3 working days after 31/12/2025: 02, 05, 06
    client = client_for(admin_user)
    response = client.post(reverse("admin:delegations_calendarday_add"), {
        "council": world.council.pk, "date": "2026-01-05", "kind": CalendarDayKind.DAY_OFF,
        "reason": "Nghỉ bù Tết Dương lịch", "_save": "Lưu"})
    assert response.status_code == 302, response.content.decode()[:2000]
    petition.refresh_from_db()
    assert petition.forward_due_on == petition.due_on == d("07/01/2026")
    deadline = Deadline.objects.for_subject(petition).get(kind=petition_services.PETITION_FORWARD)
    assert deadline.due_on == d("07/01/2026")
    change = DeadlineChange.objects.get(deadline=deadline)
    assert (change.old_due_on, change.new_due_on) == (d("06/01/2026"), d("07/01/2026"))
    assert change.changed_by == admin_user and change.cause == DeadlineChangeCause.CALENDAR
    assert "05/01/2026" in change.reason and change.batch

    # Removed again, in bulk ("delete selected"): the date comes back.
    day = CalendarDay.objects.get(council=world.council, date=d("05/01/2026"))
    response = client.post(reverse("admin:delegations_calendarday_changelist"), {
        "action": "delete_selected", "_selected_action": [day.pk], "post": "yes"})
    assert response.status_code == 302
    petition.refresh_from_db()
    assert petition.forward_due_on == d("06/01/2026")


def test_a_day_off_added_from_the_shell_in_bulk_moves_the_forwarding_date(world, setup):
    petition = classified_petition(world, setup)
    CalendarDay.objects.bulk_create([CalendarDay(council=world.council, date=d("02/01/2026"),
                                                 kind=CalendarDayKind.DAY_OFF, reason="Nghỉ")])
    petition.refresh_from_db()
    assert petition.forward_due_on == d("07/01/2026")
    CalendarDay.objects.filter(council=world.council, date=d("02/01/2026")).update(date=d("08/01/2026"))
    petition.refresh_from_db()
    assert petition.forward_due_on == d("06/01/2026")


# ----------------------------------------------- finding 7: each moved deadline is shown to its users

def test_the_petition_page_shows_the_move_with_why_how_and_who(world, setup, client_for):
    petition = classified_petition(world, setup)
    office = world.users["office"]
    office.first_name, office.last_name = "Lan", "Nguyễn"
    office.save()
    response = client_for(office).post(reverse("delegations:calendar_day_create"), {
        "council": world.council.pk, "date": "2026-01-05", "kind": CalendarDayKind.DAY_OFF,
        "reason": "Nghỉ bù Tết Dương lịch"}, follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert "1 thời hạn đang mở đã được dời" in page

    page = client_for(office).get(petition.get_absolute_url()).content.decode()
    block = page.split('data-testid="deadline-history"', 1)[1].split("</section>", 1)[0]
    assert "06/01/2026" in block and "07/01/2026" in block
    assert "05/01/2026" in block  # why: the day off added
    assert "Lan" in block  # who changed the calendar
    assert "02, 05, 07" not in block and "02, 06, 07" in block  # how the new date was computed
    # The petition's own history of changes says why the date moved, not only who.
    history = page.split('data-testid="history-reason"', 1)[1][:300]
    assert "05/01/2026" in history

    # The calendar page says how many open deadlines the change moved and links to them.
    calendar = client_for(office).get(reverse("delegations:calendar") + f"?council={world.council.pk}")
    moves = calendar.content.decode().split('data-testid="deadline-moves"', 1)[1].split("</ul>", 1)[0]
    assert "1 thời hạn đang mở được dời" in moves
    batch = DeadlineChange.objects.get().batch
    url = reverse("delegations:deadline_changes", args=[batch])
    assert url in moves
    listed = client_for(office).get(url).content.decode()
    assert petition.get_absolute_url() in listed and petition.public_code in listed
    # Another council's user does not see it.
    assert client_for(world.users["other_council"]).get(url).status_code == 404


def test_the_meeting_page_shows_the_minutes_deadline_and_its_move(world, setup, client_for, time_machine):
    from sessions import services as session_services
    from sessions.models import ContactSession, MeetingStatus

    _plan, rnd, commune, _field = setup
    world.group_a.communes.add(commune)
    session = ContactSession.objects.create(council=world.council, round=rnd, group=world.group_a, commune=commune,
                                            starts_at=at(d("15/12/2025"), 8), venue="Nhà văn hóa")
    time_machine.move_to(at(d("16/12/2025"), 9), tick=False)
    session_services.session_record_outcome(session=session, status=MeetingStatus.HELD, chair="Ông A",
                                            secretary="Bà B", voters_present=50)
    assert ContactSession.objects.get(pk=session.pk).minutes_due_on == d("22/12/2025")  # Sat 20/12 → Mon
    CalendarDay.objects.create(council=world.council, date=d("22/12/2025"), kind=CalendarDayKind.DAY_OFF,
                               reason="Nghỉ")
    assert ContactSession.objects.get(pk=session.pk).minutes_due_on == d("23/12/2025")
    page = client_for(world.users["office"]).get(session.get_absolute_url()).content.decode()
    block = page.split('data-testid="deadline-history"', 1)[1].split("</section>", 1)[0]
    assert "22/12/2025" in block and "23/12/2025" in block and "20/12/2025" in block


# ------------------------------------------------------------- finding 7: the deadline rules page

def rules_url(council=None):
    return reverse("delegations:deadline_rules") + (f"?council={council.pk}" if council else "")


RULES = {"forward_working_days": 3, "answer_due_days": 60, "minutes_due_days": 5, "reminder_working_days": "3,1",
         "remind_on_due_day": "on", "escalate_standing_after_working_days": 5, "before_round_starts_days": 35,
         "before_round_ends_days": 7, "after_round_days": 15, "briefing_days_before_round": 5}


def test_office_staff_see_and_change_their_rules_and_open_deadlines_follow(world, setup, client_for):
    petition = classified_petition(world, setup)
    petition_services.petitions_forward(petitions=[petition], user=world.users["office"],
                                        now=at(d("01/12/2026"), 10))
    other = classified_petition(world, setup, text="Đề nghị lắp đèn chiếu sáng")  # waiting to be forwarded
    client = client_for(world.users["office"])
    response = client.get(rules_url())
    assert response.status_code == 200
    assert 'data-testid="rules-form"' in response.content.decode()

    response = client.post(rules_url(world.council), {**RULES, "answer_due_days": 30, "forward_working_days": 4},
                           follow=True)
    assert response.status_code == 200
    rules = DeadlineRules.objects.get(council=world.council)
    assert (rules.answer_due_days, rules.forward_working_days) == (30, 4)
    petition.refresh_from_db()
    # 01/12/2026 + 30 days = Thursday 31/12/2026
    assert petition.answer_due_on == petition.due_on == answer_deadline(petition).due_on == d("31/12/2026")
    other.refresh_from_db()
    assert other.forward_due_on == d("07/01/2026")  # 4 working days after 31/12/2025: 02, 05, 06, 07
    changes = DeadlineChange.objects.filter(cause=DeadlineChangeCause.RULES)
    assert changes.count() == 2 and {c.changed_by for c in changes} == {world.users["office"]}
    page = response.content.decode()
    assert "2 thời hạn đang mở đã được dời" in page
    # The rules' own history, as on other edit pages.
    assert "30" in page.split("history-change", 1)[1][:2000]
    # The petition's page shows the move and why.
    detail = client.get(petition.get_absolute_url()).content.decode()
    block = detail.split('data-testid="deadline-history"', 1)[1].split("</section>", 1)[0]
    assert "01/02/2027" in block and "31/12/2026" in block


def test_changing_only_the_reminders_moves_no_date_and_reschedules_the_sweep(world, setup, client_for):
    petition = classified_petition(world, setup)
    deadline = Deadline.objects.for_subject(petition).get()
    Deadline.objects.filter(pk=deadline.pk).update(scheduled=True)
    client_for(world.users["office"]).post(rules_url(world.council), {**RULES, "reminder_working_days": "5,2"})
    assert DeadlineRules.objects.get(council=world.council).reminder_working_days == "5,2"
    deadline.refresh_from_db()
    assert not deadline.scheduled and deadline.due_on == d("06/01/2026")
    assert not DeadlineChange.objects.exists()


def test_a_bad_value_is_refused_with_a_message(world, client_for):
    response = client_for(world.users["office"]).post(rules_url(world.council),
                                                      {**RULES, "reminder_working_days": "ba"})
    assert response.status_code == 400
    assert not DeadlineRules.objects.filter(council=world.council).exists()


@pytest.mark.parametrize("role", ["standing", "group_leader", "delegate", "agency"])
def test_other_roles_are_refused_the_rules_page(world, client_for, role):
    client = client_for(world.users[role])
    assert client.get(rules_url()).status_code == 403
    assert client.post(rules_url(world.council), {**RULES, "answer_due_days": 10}).status_code == 403
    assert not DeadlineRules.objects.filter(council=world.council, answer_due_days=10).exists()


def test_another_councils_office_cannot_open_or_change_these_rules(world, client_for):
    for user in (world.users["other_council"], world.users["commune_office"]):
        client = client_for(user)
        assert client.get(rules_url(world.council)).status_code in (403, 404)
        assert client.post(rules_url(world.council), {**RULES, "answer_due_days": 10}).status_code in (403, 404)
    assert not DeadlineRules.objects.filter(council=world.council, answer_due_days=10).exists()
    # The commune's office edits its own council's rules.
    assert client_for(world.users["commune_office"]).get(rules_url()).status_code == 200


def test_anonymous_is_sent_to_log_in(db, client_for):
    response = client_for(None).get(rules_url())
    assert response.status_code == 302 and "login" in response["Location"]


def test_a_closed_deadline_is_not_moved_by_a_rules_change(world, setup, client_for):
    petition = classified_petition(world, setup)
    deadline = Deadline.objects.for_subject(petition).get()
    Deadline.objects.filter(pk=deadline.pk).update(state=DeadlineState.DONE)
    client_for(world.users["office"]).post(rules_url(world.council), {**RULES, "forward_working_days": 10})
    deadline.refresh_from_db()
    assert deadline.due_on == d("06/01/2026") and not DeadlineChange.objects.exists()


def test_the_plan_page_shows_an_assignments_moved_deadline(world, client_for, time_machine, settings, tmp_path):
    from plans import services as plan_services
    from plans.models import Assignment, AssignmentDue, DueKind, DueUnit, ResponsibleKind

    settings.MEDIA_ROOT = tmp_path / "media"
    time_machine.move_to(at(d("01/10/2026"), 9), tick=False)
    plan = ContactPlan.objects.create(council=world.council, year=2026, subject="Kế hoạch", signer_name="A",
                                      status=PlanStatus.APPROVED)
    rnd = ContactRound.objects.create(plan=plan, kind=RoundKind.AFTER_SITTING, starts_on=d("09/11/2026"),
                                      ends_on=d("20/11/2026"))
    counted = Assignment.objects.create(plan=plan, lead="Các Tổ đại biểu", text="báo cáo kết quả",
                                        responsible_kind=ResponsibleKind.GROUPS)
    AssignmentDue.objects.create(assignment=counted, kind=DueKind.AFTER_ROUND, amount=3, unit=DueUnit.WORKING_DAYS,
                                 round=rnd)
    plan_services.plan_resolve_dues(plan=plan)
    plan_services.plan_transition(plan=plan, user=world.users["office"], step="issue", number=9,
                                  issued_on=d("01/10/2026"))
    assert Assignment.objects.get(pk=counted.pk).due_on == d("26/11/2026")
    day = CalendarDay(council=world.council, date=d("23/11/2026"), kind=CalendarDayKind.DAY_OFF, reason="Nghỉ")
    day._history_user = world.users["office"]
    day.save()
    assert Assignment.objects.get(pk=counted.pk).due_on == d("27/11/2026")
    page = client_for(world.users["office"]).get(plan.get_absolute_url()).content.decode()
    block = page.split('data-testid="deadline-history"', 1)[1].split("</section>", 1)[0]
    assert "26/11/2026" in block and "27/11/2026" in block and "23/11/2026" in block
    assert world.users["office"].username in block or world.users["office"].get_full_name() in block
    # The assignment's own history says why.
    record = Assignment.objects.get(pk=counted.pk).history.first()
    assert "23/11/2026" in (record.history_change_reason or "")


@pytest.mark.parametrize("role, expected", [("office", 200), ("standing", 200), ("group_leader", 200),
                                            ("delegate", 200), ("agency", 403), ("other_council", 404),
                                            ("anonymous", 302)])
def test_the_moved_deadlines_page_by_role(world, setup, client_for, role, expected):
    classified_petition(world, setup)
    day = CalendarDay.objects.create(council=world.council, date=d("05/01/2026"), kind=CalendarDayKind.DAY_OFF,
                                     reason="Nghỉ")
    assert day.deadlines_batch
    url = reverse("delegations:deadline_changes", args=[day.deadlines_batch])
    response = client_for(None if role == "anonymous" else world.users[role]).get(url)
    assert response.status_code == expected
    if role == "anonymous":
        assert "login" in response["Location"]
    # An unknown change: 404, never a 500.
    if expected == 200:
        assert client_for(world.users[role]).get(
            reverse("delegations:deadline_changes", args=["khong-co"])).status_code == 404
