"""Rounds tied to sittings (windows derived from the sitting, following it when it moves; windows
typed by hand kept and flagged) and the due date rules of assignments (a date; N days before or after
a round; N days before or after each meeting; several in one assignment), each a tracked deadline."""
import copy
import datetime
from zoneinfo import ZoneInfo

import pytest

from delegations.models import Deadline, DeadlineChange, DeadlineState, DeadlineUnit
from plans import services
from plans.models import (
    Assignment,
    AssignmentDue,
    ContactPlan,
    ContactRound,
    DueKind,
    DueOccurrence,
    DueUnit,
    PlanEvent,
    PlanScope,
    PlanStatus,
    ResponsibleKind,
    RoundKind,
    Sitting,
    SittingKind,
)
from sessions import services as session_services
from sessions.models import ContactSession, MeetingStatus
from tests.factories import CommuneFactory

D = datetime.date
HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


def sitting_of(world, number=5, opens=None, closes=None, kind=SittingKind.REGULAR_MID_YEAR):
    return Sitting.objects.create(council=world.council, term=world.term, number=number, kind=kind,
                                  opens_on=opens or D(2026, 7, 7), closes_on=closes or D(2026, 7, 9))


def year_plan(world, status=PlanStatus.DRAFT):
    return ContactPlan.objects.create(council=world.council, year=2026, scope=PlanScope.YEAR, status=status,
                                      subject="Kế hoạch tiếp xúc cử tri năm 2026", signer_name="Nguyễn Văn A")


def derived_round(plan, sitting, kind):
    rnd = ContactRound(plan=plan, sitting=sitting, kind=kind)
    services.round_window_apply(rnd=rnd, typed=False)
    rnd.save()
    return rnd


def move(sitting, opens, closes, user=None):
    before = copy.copy(sitting)
    sitting.opens_on, sitting.closes_on = opens, closes
    sitting.save()
    return services.sitting_save(sitting=sitting, before=before, user=user)


# ------------------------------------------------------------------------------ rounds and sittings

def test_a_round_of_a_sitting_takes_its_window_from_the_councils_rules(world):
    plan, sitting = year_plan(world), sitting_of(world)
    before = derived_round(plan, sitting, RoundKind.BEFORE_SITTING)
    after = derived_round(plan, sitting, RoundKind.AFTER_SITTING)
    # Defaults: from 35 to 7 days before the sitting opens; within 15 days after it closes.
    assert (before.starts_on, before.ends_on, before.window_manual) == (D(2026, 6, 2), D(2026, 6, 30), False)
    assert (after.starts_on, after.ends_on, after.window_manual) == (D(2026, 7, 10), D(2026, 7, 24), False)


def test_a_moved_sitting_moves_the_derived_windows_with_a_note_on_the_plan_and_history(world):
    plan, sitting = year_plan(world), sitting_of(world)
    other_sitting = sitting_of(world, number=6, opens=D(2026, 12, 8), closes=D(2026, 12, 10),
                               kind=SittingKind.REGULAR_YEAR_END)
    before = derived_round(plan, sitting, RoundKind.BEFORE_SITTING)
    after = derived_round(plan, sitting, RoundKind.AFTER_SITTING)
    untouched = derived_round(plan, other_sitting, RoundKind.BEFORE_SITTING)
    revision = plan.revision

    notes = move(sitting, D(2026, 7, 14), D(2026, 7, 16), user=world.users["office"])

    before.refresh_from_db()
    after.refresh_from_db()
    assert (before.starts_on, before.ends_on) == (D(2026, 6, 9), D(2026, 7, 7))
    assert (after.starts_on, after.ends_on) == (D(2026, 7, 17), D(2026, 7, 31))
    assert ContactRound.objects.get(pk=untouched.pk).starts_on == D(2026, 11, 3)
    event = PlanEvent.objects.get(plan=plan)
    assert event.by == world.users["office"] and event.from_status == event.to_status == PlanStatus.DRAFT
    assert "07/07/2026" in event.note and "14/07/2026" in event.note and "17/07/2026" in event.note
    assert list(notes) == [plan]
    record = before.history.first()
    assert record.history_user == world.users["office"] and "14/07/2026" in record.history_change_reason
    assert ContactPlan.objects.get(pk=plan.pk).revision == revision + 1  # the draft is printed again


def test_a_sitting_saved_without_moving_changes_nothing(world):
    plan, sitting = year_plan(world), sitting_of(world)
    derived_round(plan, sitting, RoundKind.AFTER_SITTING)
    sitting.agenda = "Nghị quyết về giá đất"
    assert move(sitting, sitting.opens_on, sitting.closes_on) == {}
    assert not PlanEvent.objects.exists()


def test_a_window_typed_by_hand_stays_and_is_flagged_when_the_sitting_moves_past_it(world):
    plan, sitting = year_plan(world), sitting_of(world)
    typed = ContactRound(plan=plan, sitting=sitting, kind=RoundKind.AFTER_SITTING, starts_on=D(2026, 7, 10),
                         ends_on=D(2026, 7, 20))
    services.round_window_apply(rnd=typed, typed=True)
    typed.save()
    assert typed.window_manual and typed.window_conflict() == ""

    move(sitting, D(2026, 7, 14), D(2026, 7, 16))

    typed.refresh_from_db()
    assert (typed.starts_on, typed.ends_on) == (D(2026, 7, 10), D(2026, 7, 20))  # kept as typed
    assert "16/07/2026" in typed.window_conflict()
    note = PlanEvent.objects.get(plan=plan).note  # the plan's timeline says it was kept, and why
    assert "10/07/2026 – 20/07/2026" in note and "16/07/2026" in note


def test_dates_typed_as_the_rules_give_them_are_not_marked_typed_by_hand(world):
    plan, sitting = year_plan(world), sitting_of(world)
    rnd = ContactRound(plan=plan, sitting=sitting, kind=RoundKind.AFTER_SITTING, starts_on=D(2026, 7, 10),
                       ends_on=D(2026, 7, 24))
    services.round_window_apply(rnd=rnd, typed=True)
    assert rnd.window_manual is False


def test_an_issued_plans_deadlines_follow_a_moved_sitting(world):
    plan, sitting = year_plan(world, status=PlanStatus.ISSUED), sitting_of(world)
    after = derived_round(plan, sitting, RoundKind.AFTER_SITTING)
    item = Assignment.objects.create(plan=plan, lead="Các Tổ đại biểu", text="báo cáo.",
                                     responsible_kind=ResponsibleKind.GROUPS)
    AssignmentDue.objects.create(assignment=item, kind=DueKind.AFTER_ROUND, amount=3, unit=DueUnit.WORKING_DAYS,
                                 round=after)
    services.plan_resolve_dues(plan=plan)
    assert Deadline.objects.get().due_on == D(2026, 7, 29)  # 3 working days after Friday 24/07/2026

    move(sitting, D(2026, 7, 14), D(2026, 7, 16))

    deadline = Deadline.objects.get()
    assert deadline.due_on == D(2026, 8, 5)  # the round now ends Friday 31/07/2026
    assert DeadlineChange.objects.get(deadline=deadline).old_due_on == D(2026, 7, 29)
    assert Assignment.objects.get(pk=item.pk).due_on == D(2026, 8, 5)


# ------------------------------------------------------------------------------ due date rules

@pytest.fixture
def issued(world):
    plan = year_plan(world, status=PlanStatus.ISSUED)
    rnd = ContactRound.objects.create(plan=plan, kind=RoundKind.BEFORE_SITTING, starts_on=D(2026, 6, 1),
                                      ends_on=D(2026, 6, 30), window_manual=True)
    return plan, rnd


def one_rule(plan, **rule):
    item = Assignment.objects.create(plan=plan, lead="Giao Văn phòng", text="gửi tài liệu.",
                                     responsible_kind=ResponsibleKind.OFFICE)
    AssignmentDue.objects.create(assignment=item, **rule)
    services.plan_resolve_dues(plan=plan)
    item.refresh_from_db()
    return item, Deadline.objects.for_subject(DueOccurrence.objects.get(due__assignment=item)).get()


@pytest.mark.parametrize(("rule", "due", "unit"), [
    ({"kind": DueKind.DATE, "date": D(2026, 3, 15)}, D(2026, 3, 15), DeadlineUnit.DATE),
    # 5 days before Monday 01/06/2026 → Wednesday 27/05.
    ({"kind": DueKind.BEFORE_ROUND, "amount": 5}, D(2026, 5, 27), DeadlineUnit.DATE),
    # 8 days before → Sunday 24/05: the working day before it, Friday 22/05 (it must come before).
    ({"kind": DueKind.BEFORE_ROUND, "amount": 8}, D(2026, 5, 22), DeadlineUnit.DATE),
    ({"kind": DueKind.BEFORE_ROUND, "amount": 5, "unit": DueUnit.WORKING_DAYS}, D(2026, 5, 25), DeadlineUnit.DATE),
    # 3 working days after Tuesday 30/06/2026 → Friday 03/07.
    ({"kind": DueKind.AFTER_ROUND, "amount": 3, "unit": DueUnit.WORKING_DAYS}, D(2026, 7, 3),
     DeadlineUnit.WORKING_DAYS),
    # 4 days after 30/06 → Saturday 04/07: the period ends on Monday 06/07 (art. 148(5) Civil Code 2015).
    ({"kind": DueKind.AFTER_ROUND, "amount": 4}, D(2026, 7, 6), DeadlineUnit.DAYS),
])
def test_each_rule_gives_its_tracked_deadline(world, issued, rule, due, unit):
    plan, rnd = issued
    if rule["kind"] != DueKind.DATE:
        rule["round"] = rnd
    item, deadline = one_rule(plan, **rule)
    assert (item.due_on, deadline.due_on, deadline.unit, deadline.state) == (due, due, unit, DeadlineState.OPEN)
    assert deadline.explanation == item.due_explanation != ""


def test_a_calendar_day_period_ending_on_a_day_off_says_why_it_moved(world, issued):
    plan, rnd = issued
    item, deadline = one_rule(plan, kind=DueKind.AFTER_ROUND, amount=4, round=rnd)
    assert "148" in deadline.explanation and "04/07/2026" in deadline.explanation and "06/07/2026" in deadline.explanation


def test_working_days_after_a_round_skip_tet(world):
    plan = year_plan(world, status=PlanStatus.ISSUED)
    rnd = ContactRound.objects.create(plan=plan, kind=RoundKind.THEMATIC, starts_on=D(2026, 2, 2),
                                      ends_on=D(2026, 2, 13), window_manual=True)
    item, deadline = one_rule(plan, kind=DueKind.AFTER_ROUND, amount=3, unit=DueUnit.WORKING_DAYS, round=rnd)
    assert deadline.due_on == D(2026, 2, 25)


@pytest.fixture
def meetings(world, issued):
    """Two meetings of the round: group A on Wednesday 10/06/2026, group B on Monday 15/06/2026,
    scheduled through the service the meeting pages call."""
    plan, rnd = issued
    commune = CommuneFactory(council=world.council, name="Kiêm Tân")
    world.group_a.communes.add(commune)
    world.group_b.communes.add(commune)

    def schedule(group, day, delegates):
        return session_services.session_save(session=ContactSession(
            round=rnd, group=group, commune=commune, venue="Nhà văn hóa thôn",
            starts_at=datetime.datetime(2026, 6, day, 8, tzinfo=HANOI)), delegates=delegates)

    return plan, rnd, schedule


def per_meeting(plan, **rule):
    item = Assignment.objects.create(plan=plan, lead="Các Tổ đại biểu", text="gửi báo cáo tổng hợp và biên bản.",
                                     responsible_kind=ResponsibleKind.GROUPS)
    AssignmentDue.objects.create(assignment=item, **rule)
    services.plan_resolve_dues(plan=plan)
    return item


def deadlines_of(item):
    occurrences = DueOccurrence.objects.filter(due__assignment=item)
    rows = Deadline.objects.for_subjects(DueOccurrence, occurrences.values_list("pk", flat=True))
    by_occurrence = {o.pk: o.session_id for o in occurrences}
    return {by_occurrence[row.object_id]: row for row in rows}


def test_one_deadline_per_meeting_for_the_group_that_holds_it_moved_with_the_meeting(world, meetings):
    plan, rnd, schedule = meetings
    before = per_meeting(plan, kind=DueKind.BEFORE_EACH_MEETING, amount=5)
    after = per_meeting(plan, kind=DueKind.AFTER_EACH_MEETING, amount=5, unit=DueUnit.WORKING_DAYS)
    assert not DueOccurrence.objects.exists()  # no meeting yet: no due date

    meeting_a = schedule(world.group_a, 10, [world.delegate])
    meeting_b = schedule(world.group_b, 15, [])

    rows = deadlines_of(before)
    assert {pk: row.due_on for pk, row in rows.items()} == {meeting_a.pk: D(2026, 6, 5), meeting_b.pk: D(2026, 6, 10)}
    rows = deadlines_of(after)
    assert {pk: row.due_on for pk, row in rows.items()} == {meeting_a.pk: D(2026, 6, 17), meeting_b.pk: D(2026, 6, 22)}
    assert all(row.state == DeadlineState.OPEN and row.unit == DeadlineUnit.WORKING_DAYS for row in rows.values())
    # Reminded: the leader of the group that holds the meeting, not every group's.
    occurrence = {o.session_id: o.pk for o in DueOccurrence.objects.filter(due__assignment=after)}
    recipients = services.assignment_deadline_recipients(list(occurrence.values()))
    assert recipients[occurrence[meeting_a.pk]] == [world.users["group_leader"]]
    assert recipients[occurrence[meeting_b.pk]] == []
    assert Assignment.objects.get(pk=after.pk).due_on == D(2026, 6, 17)  # the first of its dates

    # Group A's meeting is postponed to Wednesday 17/06: its two deadlines move, recorded.
    session_services.session_record_outcome(session=meeting_a, status=MeetingStatus.POSTPONED,
                                            postponed_to=datetime.datetime(2026, 6, 17, 8, tzinfo=HANOI))
    assert deadlines_of(before)[meeting_a.pk].due_on == D(2026, 6, 12)
    moved = deadlines_of(after)[meeting_a.pk]
    assert moved.due_on == D(2026, 6, 24)
    assert list(moved.changes.values_list("old_due_on", "new_due_on")) == [(D(2026, 6, 17), D(2026, 6, 24))]
    # Group B's is cancelled: its deadlines are cancelled, its due dates gone.
    session_services.session_record_outcome(session=meeting_b, status=MeetingStatus.CANCELLED,
                                            cancel_reason="Mưa bão")
    assert set(deadlines_of(after)) == {meeting_a.pk}
    assert Deadline.objects.filter(state=DeadlineState.CANCELLED).count() == 2


def test_a_meeting_rescheduled_on_its_page_moves_its_deadlines(world, meetings):
    plan, rnd, schedule = meetings
    item = per_meeting(plan, kind=DueKind.AFTER_EACH_MEETING, amount=5)
    meeting = schedule(world.group_a, 10, [world.delegate])
    assert deadlines_of(item)[meeting.pk].due_on == D(2026, 6, 15)  # 5 days after 10/06: Monday 15/06
    meeting.starts_at = datetime.datetime(2026, 6, 12, 8, tzinfo=HANOI)
    session_services.session_save(session=meeting, delegates=[world.delegate])
    # 5 days after Friday 12/06 → Wednesday 17/06.
    assert deadlines_of(item)[meeting.pk].due_on == D(2026, 6, 17)


def test_per_meeting_rule_of_one_round_leaves_the_other_rounds_meetings_out(world, meetings):
    plan, rnd, schedule = meetings
    other = ContactRound.objects.create(plan=plan, kind=RoundKind.THEMATIC, starts_on=D(2026, 6, 1),
                                        ends_on=D(2026, 6, 30), window_manual=True)
    item = per_meeting(plan, kind=DueKind.BEFORE_EACH_MEETING, amount=5, round=other)
    schedule(world.group_a, 10, [world.delegate])
    assert not DueOccurrence.objects.filter(due__assignment=item).exists()


def test_several_due_dates_in_one_assignment(world, meetings):
    plan, rnd, schedule = meetings
    meeting = schedule(world.group_a, 10, [world.delegate])
    item = Assignment.objects.create(plan=plan, lead="Các Tổ đại biểu", text="gửi báo cáo.",
                                     responsible_kind=ResponsibleKind.GROUPS)
    AssignmentDue.objects.create(assignment=item, kind=DueKind.DATE, date=D(2026, 7, 15))
    AssignmentDue.objects.create(assignment=item, kind=DueKind.AFTER_EACH_MEETING, amount=5,
                                 unit=DueUnit.WORKING_DAYS)
    services.plan_resolve_dues(plan=plan)
    rows = deadlines_of(item)
    assert {pk: row.due_on for pk, row in rows.items()} == {None: D(2026, 7, 15), meeting.pk: D(2026, 6, 17)}
    item.refresh_from_db()
    assert item.due_on == D(2026, 6, 17)
    # Done: every one of its deadlines is closed as done.
    services.assignment_set_status(assignment=item, done=True)
    assert {row.state for row in deadlines_of(item).values()} == {DeadlineState.DONE}


def test_a_drafts_due_dates_are_computed_but_not_tracked(world):
    plan = year_plan(world)
    item = Assignment.objects.create(plan=plan, lead="A", text="b", responsible_kind="office")
    AssignmentDue.objects.create(assignment=item, kind=DueKind.DATE, date=D(2026, 3, 15))
    services.plan_resolve_dues(plan=plan)
    assert Assignment.objects.get(pk=item.pk).due_on == D(2026, 3, 15)
    assert not Deadline.objects.exists()


# ------------------------------------------------------------------------------ printed wording

@pytest.mark.parametrize(("rules", "label"), [
    ([{"kind": DueKind.BEFORE_EACH_MEETING, "amount": 5}], "Chậm nhất 05 ngày trước mỗi buổi tiếp xúc cử tri"),
    ([{"kind": DueKind.AFTER_EACH_MEETING, "amount": 5, "unit": DueUnit.WORKING_DAYS}],
     "Trong 05 ngày làm việc sau mỗi buổi tiếp xúc cử tri"),
    ([{"kind": DueKind.DATE, "date": D(2026, 3, 15)}], "Trước ngày 15/3/2026"),
    ([{"kind": DueKind.DATE, "date": D(2026, 1, 5)}], "Trước ngày 05/01/2026"),
    ([{"kind": DueKind.DATE, "date": D(2026, 3, 15)},
      {"kind": DueKind.AFTER_EACH_MEETING, "amount": 5, "unit": DueUnit.WORKING_DAYS}],
     "Trước ngày 15/3/2026; trong 05 ngày làm việc sau mỗi buổi tiếp xúc cử tri"),
    ([], ""),
])
def test_due_label_says_the_rules_in_vietnamese(world, rules, label):
    item = Assignment.objects.create(plan=year_plan(world), lead="A", text="b", responsible_kind="office")
    for rule in rules:
        AssignmentDue.objects.create(assignment=item, **rule)
    assert item.due_label() == label


def test_due_label_names_the_round_and_its_sitting(world):
    plan, sitting = year_plan(world), sitting_of(world)
    rnd = derived_round(plan, sitting, RoundKind.BEFORE_SITTING)
    item = Assignment.objects.create(plan=plan, lead="A", text="b", responsible_kind="office")
    AssignmentDue.objects.create(assignment=item, kind=DueKind.AFTER_ROUND, amount=3, unit=DueUnit.WORKING_DAYS,
                                 round=rnd)
    AssignmentDue.objects.create(assignment=item, kind=DueKind.BEFORE_EACH_MEETING, amount=5, round=rnd)
    assert item.due_label() == ("Trong 03 ngày làm việc sau khi kết thúc đợt tiếp xúc cử tri trước kỳ họp thứ 5; "
                                "chậm nhất 05 ngày trước mỗi buổi tiếp xúc cử tri của đợt tiếp xúc cử tri trước "
                                "kỳ họp thứ 5")
