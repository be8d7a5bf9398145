"""The same workflow step taken twice at once (issue 11, finding 3): plans' steps, the minutes'
finalisation and a report's issue lock their row and re-check its state inside the transaction,
so the step happens once (one event, one number) and the second is told who took it, and when.
On PostgreSQL each call runs in its own thread and connection; on SQLite one after the other,
with the object read before either ran (tests/concurrency.py)."""
import datetime

import pytest
from django.core.exceptions import ValidationError

from delegations.models import Role
from petitions import reports
from petitions.models import Report, ReportKind
from plans.models import ContactPlan, ContactRound, DocumentNumber, PlanEvent, PlanStatus, RoundKind
from plans.services import PlanError, plan_transition
from sessions import services as session_services
from sessions.models import ContactSession, MeetingStatus, Minutes, MinutesStatus
from tests.concurrency import at_once, split
from tests.factories import CommuneFactory, full_name, person


def plan_in(council, status):
    return ContactPlan.objects.create(council=council, year=2026, status=status, subject="Kế hoạch TXCT cuối năm",
                                      signer_name="Nguyễn Anh Tuấn")


def fresh(model, pk):
    return model.objects.get(pk=pk)


@pytest.mark.parametrize("status, step, role", [
    (PlanStatus.DRAFT, "submit", Role.OFFICE),
    (PlanStatus.SUBMITTED, "approve", Role.STANDING),
    (PlanStatus.APPROVED, "issue", Role.OFFICE),
    (PlanStatus.ISSUED, "publish", Role.OFFICE),
])
def test_the_same_plan_step_twice_at_once_is_taken_once(transactional_db, world, status, step, role):
    plan = plan_in(world.council, status)
    users = [person(world.council, role, index) for index in range(2)]
    copies = [fresh(ContactPlan, plan.pk), fresh(ContactPlan, plan.pk)]
    outcomes = at_once(*[lambda user=user, copy=copy: plan_transition(plan=copy, user=user, step=step)
                         for user, copy in zip(users, copies, strict=True)])
    done, refused = split(outcomes)
    assert len(done) == 1 and len(refused) == 1, outcomes
    assert isinstance(refused[0], PlanError)
    event = PlanEvent.objects.get(plan=plan, from_status=status)
    text = " ".join(refused[0].messages)
    assert "đã được thực hiện" in text and full_name(event.by) in text, text
    if step == "issue":
        assert DocumentNumber.objects.filter(council=world.council, type_code="KH").count() == 1


def test_approving_and_sending_back_at_once_one_wins_the_other_is_told(transactional_db, world):
    plan = plan_in(world.council, PlanStatus.SUBMITTED)
    approver, returner = (person(world.council, Role.STANDING, index) for index in range(2))
    outcomes = at_once(
        lambda: plan_transition(plan=fresh(ContactPlan, plan.pk), user=approver, step="approve"),
        lambda: plan_transition(plan=fresh(ContactPlan, plan.pk), user=returner, step="send_back", reason="Sửa lại"))
    done, refused = split(outcomes)
    assert len(done) == 1 and len(refused) == 1, outcomes
    assert PlanEvent.objects.filter(plan=plan).count() == 1


# ------------------------------------------------------------------------------------- minutes

@pytest.fixture
def minutes(transactional_db, world):
    plan = plan_in(world.council, PlanStatus.ISSUED)
    rnd = ContactRound.objects.create(plan=plan, kind=RoundKind.BEFORE_SITTING, starts_on=datetime.date(2026, 11, 2),
                                      ends_on=datetime.date(2026, 11, 20))
    session = ContactSession.objects.create(
        council=world.council, round=rnd, group=world.group_a, commune=CommuneFactory(council=world.council),
        status=MeetingStatus.HELD, venue="Nhà văn hóa",
        starts_at=datetime.datetime(2026, 11, 10, 1, tzinfo=datetime.UTC), chair="Ông Hòa", secretary="Bà Lan")
    return Minutes.objects.create(session=session, opening="Khai mạc.", delegates_report="Báo cáo.",
                                  voters_speak="Cử tri phát biểu.", closing="Bế mạc.")


def test_finalising_the_same_minutes_twice_at_once_numbers_them_once(minutes, world):
    leaders = [world.users["group_leader"], person(world.council, Role.GROUP_LEADER, 1, group=world.group_a)]
    outcomes = at_once(*[lambda user=user: session_services.minutes_finalise(minutes=fresh(Minutes, minutes.pk),
                                                                             user=user) for user in leaders])
    done, refused = split(outcomes)
    assert len(done) == 1 and len(refused) == 1, outcomes
    assert DocumentNumber.objects.filter(council=world.council, type_code="BB").count() == 1
    text = " ".join(refused[0].messages)
    assert "đã được hoàn thành lúc" in text and full_name(done[0].history.first().history_user) in text, text


def test_a_draft_saved_after_the_minutes_were_finalised_is_refused_and_they_stay_final(minutes, world):
    page = fresh(Minutes, minutes.pk)  # the edit page, opened before someone finalised
    session_services.minutes_finalise(minutes=fresh(Minutes, minutes.pk), user=world.users["group_leader"])
    with pytest.raises(ValidationError):
        session_services.minutes_update(minutes=page, changes={"opening": "Sửa sau khi đã chốt."},
                                        user=world.users["group_leader"])
    minutes.refresh_from_db()
    assert minutes.status == MinutesStatus.FINAL and minutes.number == 1 and minutes.opening == "Khai mạc."


def test_an_outcome_and_a_finalisation_at_once_never_leave_final_minutes_on_a_changed_meeting(minutes, world):
    session = minutes.session
    outcomes = at_once(
        lambda: session_services.minutes_finalise(minutes=fresh(Minutes, minutes.pk), user=world.users["group_leader"]),
        lambda: session_services.session_record_outcome(session=fresh(ContactSession, session.pk),
                                                        status=MeetingStatus.CANCELLED, cancel_reason="Mưa bão"))
    session.refresh_from_db()
    minutes.refresh_from_db()
    # Whichever came first, the other is refused: never final minutes of a cancelled meeting.
    if minutes.status == MinutesStatus.FINAL:
        assert isinstance(outcomes[1], ValidationError) and session.status == MeetingStatus.HELD
    else:
        assert isinstance(outcomes[0], ValidationError) and session.status == MeetingStatus.CANCELLED


def test_minutes_of_a_meeting_cancelled_meanwhile_are_not_finalised(minutes, world):
    page = fresh(Minutes, minutes.pk)  # the minutes page, opened while the meeting was still "held"
    session_services.session_record_outcome(session=fresh(ContactSession, minutes.session_id),
                                            status=MeetingStatus.CANCELLED, cancel_reason="Mưa bão")
    with pytest.raises(ValidationError):
        session_services.minutes_finalise(minutes=page, user=world.users["group_leader"])
    assert fresh(Minutes, minutes.pk).status == MinutesStatus.DRAFT
    assert not DocumentNumber.objects.filter(type_code="BB").exists()


# ------------------------------------------------------------------------------------- reports

def test_issuing_the_same_report_twice_at_once_takes_one_number(transactional_db, world, monkeypatch):
    monkeypatch.setattr(reports, "_render_after_commit", lambda report: None)  # no broker here
    plan = plan_in(world.council, PlanStatus.ISSUED)
    rnd = ContactRound.objects.create(plan=plan, kind=RoundKind.BEFORE_SITTING, starts_on=datetime.date(2026, 11, 2),
                                      ends_on=datetime.date(2026, 11, 20))
    report = Report.objects.create(council=world.council, kind=ReportKind.ROUND, round=rnd)
    office = [person(world.council, Role.OFFICE, index) for index in range(2)]
    outcomes = at_once(*[lambda user=user: reports.report_issue(report=fresh(Report, report.pk), user=user)
                         for user in office])
    done, refused = split(outcomes)
    assert len(done) == 1 and len(refused) == 1, outcomes
    assert DocumentNumber.objects.filter(council=world.council, type_code="BC").count() == 1
    assert fresh(Report, report.pk).number == 1
