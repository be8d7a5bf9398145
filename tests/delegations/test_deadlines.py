"""The deadline engine (delegations/deadlines.py; the sweep, delegations/sweep.py): clocks opened,
moved and closed by the services of the other apps, recomputed when a council's calendar changes,
and the beat sweep's reminders and escalations, each sent once, on the right working day, to the
right people, across Tết 2026 (the national days off run from Saturday 14 to Sunday 22 February 2026).

Messages are in Vietnamese during tests: they are checked on the dates and codes they carry."""
import datetime
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from delegations import deadlines, sweep
from delegations.calendar import WorkingCalendar
from delegations.deadlines import (
    deadline_close,
    deadline_open,
    deadline_set_date,
    deadlines_recompute,
)
from delegations.models import (
    CalendarDay,
    CalendarDayKind,
    Deadline,
    DeadlineAlarm,
    DeadlineChange,
    DeadlineNotice,
    DeadlineRules,
    DeadlineState,
    DeadlineUnit,
    Notification,
    NotificationKind,
    Role,
)
from delegations.sweep import deadlines_sweep
from delegations.tasks import deadlines_sweep_task
from petitions import services as petition_services
from petitions.models import AnswerOutcome, Petition, PetitionField
from plans import services as plan_services
from plans.models import (
    Assignment,
    AssignmentDue,
    ContactPlan,
    ContactRound,
    DueKind,
    DueOccurrence,
    DueUnit,
    PlanStatus,
    ResponsibleKind,
    RoundKind,
)
from sessions import services as session_services
from sessions.models import MeetingStatus, Minutes
from tests.factories import CommuneFactory, MembershipFactory, UserFactory
from tests.sessions.builders import make_session

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


def at(day, hour=8, minute=0):
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=HANOI)


def d(text):
    day, month, year = (int(part) for part in text.split("/"))
    return datetime.date(year, month, day)


def days(first, last):
    day = first
    while day <= last:
        yield day
        day += datetime.timedelta(days=1)


@pytest.fixture
def petitions_world(world):
    """A round that ends on Friday 6 February 2026, a classified province-level petition of it."""
    plan = ContactPlan.objects.create(council=world.council, year=2026, subject="Kế hoạch TXCT",
                                      status=PlanStatus.ISSUED, number=3, issued_on=datetime.date(2026, 1, 5))
    rnd = ContactRound.objects.create(plan=plan, kind=RoundKind.THEMATIC, starts_on=d("02/02/2026"),
                                      ends_on=d("06/02/2026"))
    commune = CommuneFactory(council=world.council, name="Kiêm Tân")
    world.group_a.communes.add(commune)
    field = PetitionField.objects.create(council=world.council, name="Giao thông")
    return {"round": rnd, "commune": commune, "field": field, "office": world.users["office"]}


def new_petition(world, pw, text="Đề nghị sửa chữa đường liên thôn Kiêm Tân", rnd=None, classify=True):
    petition = petition_services.petition_create(
        council=world.council, user=pw["office"], text=text, round=rnd or pw["round"], group=world.group_a,
        commune=pw["commune"])
    if classify:
        petition_services.petitions_classify(petitions=[Petition.objects.get(pk=petition.pk)], user=pw["office"],
                                             fields=[pw["field"]], agency=world.agency)
    return Petition.objects.get(pk=petition.pk)


def deadline_of(petition, kind):
    return Deadline.objects.for_subject(petition).get(kind=kind)


def received_on(user):
    """The local dates on which a user received deadline messages (reminders, overdue notices), in order."""
    return [timezone.localdate(n.created_at) for n in Notification.objects.filter(
        recipient=user, kind__in=[NotificationKind.REMINDER, NotificationKind.OVERDUE]).order_by("pk")]


# ------------------------------------------------------------------------- across Tết, day by day

def test_a_petition_forwarded_before_tet_is_reminded_and_escalated_once_on_the_right_working_days(
        world, petitions_world, time_machine):
    DeadlineRules.objects.create(council=world.council, answer_due_days=14)  # answer due 25/02/2026 (Wednesday)
    office, agency, standing = world.users["office"], world.users["agency"], world.users["standing"]
    time_machine.move_to(at(d("06/02/2026"), 7), tick=False)
    petition = new_petition(world, petitions_world)
    forward = deadline_of(petition, petition_services.PETITION_FORWARD)
    # 3 working days after the round's end (Fri 06/02): Mon 09, Tue 10, Wed 11.
    assert (forward.due_on, forward.unit, forward.amount, forward.start_on) == (
        d("11/02/2026"), DeadlineUnit.WORKING_DAYS, 3, d("06/02/2026"))
    assert forward.due_on == petition.forward_due_on
    assert "09, 10, 11" in forward.explanation and "11/02/2026" in forward.explanation

    twice = {d("11/02/2026"), d("13/02/2026"), d("17/02/2026"), d("25/02/2026"), d("26/02/2026"),
             d("04/03/2026")}
    results = {}
    for day in days(d("06/02/2026"), d("13/03/2026")):
        time_machine.move_to(at(day, 8), tick=False)
        results[day] = deadlines_sweep()
        if day == d("11/02/2026"):
            time_machine.move_to(at(day, 9, 30), tick=False)
            petition_services.petitions_forward(petitions=[Petition.objects.get(pk=petition.pk)], user=office)
        if day in twice:
            time_machine.move_to(at(day, 16), tick=False)
            again = deadlines_sweep()
            assert again.get("notifications", 0) == 0, (day, again)

    answer = deadline_of(petition, petition_services.PETITION_ANSWER)
    assert answer.due_on == d("25/02/2026") == Petition.objects.get(pk=petition.pk).answer_due_on
    assert Deadline.objects.get(pk=forward.pk).state == DeadlineState.DONE

    # The office is reminded to forward (3 and 1 working days before, on the day), and told when the
    # answer is late; the agency is reminded to answer: 3 working days before Wed 25/02 is Fri 13/02
    # (Tết, 14–22/02, is skipped), 1 working day before is Tue 24/02; late from Thu 26/02; the
    # standing committee after 5 working days late: 26, 27/02, 02, 03, 04/03.
    assert received_on(office) == [d("06/02/2026"), d("10/02/2026"), d("11/02/2026"), d("26/02/2026")]
    assert received_on(agency) == [d("13/02/2026"), d("24/02/2026"), d("25/02/2026"), d("26/02/2026")]
    assert received_on(standing) == [d("04/03/2026")]
    for name in ("group_leader", "delegate", "commune_office", "other_council"):
        assert received_on(world.users[name]) == []
    assert not Notification.objects.filter(created_at__date__range=(d("14/02/2026"), d("22/02/2026"))).exists()

    notices = {(n.deadline_id, n.stage): timezone.localdate(n.sent_at) for n in DeadlineNotice.objects.all()}
    assert notices == {
        (forward.pk, "remind_3"): d("06/02/2026"), (forward.pk, "remind_1"): d("10/02/2026"),
        (forward.pk, "due_today"): d("11/02/2026"),
        (answer.pk, "remind_3"): d("13/02/2026"), (answer.pk, "remind_1"): d("24/02/2026"),
        (answer.pk, "due_today"): d("25/02/2026"), (answer.pk, "overdue"): d("26/02/2026"),
        (answer.pk, "escalate_standing"): d("04/03/2026"),
    }
    first = Notification.objects.filter(recipient=agency, kind=NotificationKind.REMINDER).order_by("pk").first()
    assert petition.public_code in first.subject and "25/02/2026" in first.subject
    assert first.url == petition.get_absolute_url()
    escalation = Notification.objects.get(recipient=standing)
    assert petition.public_code in escalation.subject and " 5 " in escalation.subject
    # After the escalation nothing is left to send: no alarm, the sweep no longer reads the row.
    assert Deadline.objects.get(pk=answer.pk).scheduled
    assert not DeadlineAlarm.objects.filter(deadline_id=answer.pk).exists()
    assert results[d("13/03/2026")] == {}


def test_a_sweep_that_did_not_run_for_days_sends_the_reminder_true_now_not_every_missed_one(
        world, petitions_world, time_machine):
    DeadlineRules.objects.create(council=world.council, answer_due_days=14)
    time_machine.move_to(at(d("11/02/2026"), 9), tick=False)
    petition = new_petition(world, petitions_world)
    petition_services.petitions_forward(petitions=[petition], user=world.users["office"])
    time_machine.move_to(at(d("24/02/2026"), 8), tick=False)  # no sweep since the forwarding
    counts = deadlines_sweep()
    assert counts["reminders"] == 1
    answer = deadline_of(petition, petition_services.PETITION_ANSWER)
    assert list(answer.notices.values_list("stage", flat=True)) == ["remind_1"]
    time_machine.move_to(at(d("09/03/2026"), 8), tick=False)  # nor after the due date
    deadlines_sweep()
    assert sorted(answer.notices.values_list("stage", flat=True)) == ["escalate_standing", "overdue", "remind_1"]


def test_more_time_granted_moves_the_answer_date_and_the_new_date_is_reminded_again(
        world, petitions_world, time_machine):
    DeadlineRules.objects.create(council=world.council, answer_due_days=14)
    time_machine.move_to(at(d("11/02/2026"), 9), tick=False)
    petition = new_petition(world, petitions_world)
    petition_services.petitions_forward(petitions=[petition], user=world.users["office"])
    time_machine.move_to(at(d("24/02/2026"), 8), tick=False)
    deadlines_sweep()
    extension = petition_services.extension_request(
        petition=Petition.objects.get(pk=petition.pk), user=world.users["agency"], agency=world.agency,
        until=d("13/03/2026"), reason="Cần khảo sát hiện trường")
    petition_services.extension_decide(extension=extension, user=world.users["office"], grant=True)
    answer = deadline_of(petition, petition_services.PETITION_ANSWER)
    assert answer.due_on == d("13/03/2026") and answer.unit == DeadlineUnit.DATE
    change = answer.changes.get()
    assert (change.old_due_on, change.new_due_on) == (d("25/02/2026"), d("13/03/2026"))
    time_machine.move_to(at(d("26/02/2026"), 8), tick=False)
    assert deadlines_sweep().get("overdue", 0) == 0  # no longer late
    time_machine.move_to(at(d("12/03/2026"), 8), tick=False)
    deadlines_sweep()
    assert sorted(answer.notices.values_list("stage", "due_on")) == [
        ("remind_1", d("25/02/2026")), ("remind_1", d("13/03/2026"))]


# ------------------------------------------------------------------------ the calendar changes

def calendar_day_post(client, council, date, kind=CalendarDayKind.DAY_OFF):
    return client.post(reverse("delegations:calendar_day_create"), {
        "council": council.pk, "date": date.isoformat(), "kind": kind, "reason": "Nghỉ theo quyết định của tỉnh"})


def test_a_council_day_off_inside_an_open_forwarding_deadline_moves_it_by_one_working_day(
        world, petitions_world, client_for, time_machine):
    time_machine.move_to(at(d("20/11/2026"), 9), tick=False)
    rnd = ContactRound.objects.create(plan=petitions_world["round"].plan, kind=RoundKind.AFTER_SITTING,
                                      starts_on=d("09/11/2026"), ends_on=d("20/11/2026"))  # a Friday
    petition = new_petition(world, petitions_world, rnd=rnd)
    # Mon 23, (Tue 24/11 is a national day off), Wed 25, Thu 26.
    assert petition.forward_due_on == d("26/11/2026")
    outside = new_petition(world, petitions_world, text="Đề nghị lắp đèn chiếu sáng thôn Đông")
    outside_due = outside.forward_due_on  # its span (06/02–11/02) holds no 25/11
    time_machine.move_to(at(d("21/11/2026"), 8), tick=False)
    deadlines_sweep()

    client = client_for(world.users["office"])
    assert calendar_day_post(client, world.council, d("25/11/2026")).status_code == 302
    petition = Petition.objects.get(pk=petition.pk)
    deadline = deadline_of(petition, petition_services.PETITION_FORWARD)
    assert deadline.due_on == petition.forward_due_on == petition.due_on == d("27/11/2026")
    assert "23, 26, 27" in deadline.explanation and "27/11/2026" in petition.forward_due_explanation
    change = DeadlineChange.objects.get(deadline=deadline)
    assert (change.old_due_on, change.new_due_on) == (d("26/11/2026"), d("27/11/2026"))
    assert "25/11/2026" in change.reason
    assert not deadline.scheduled  # its reminder days are computed again by the next sweep
    assert Petition.objects.get(pk=outside.pk).forward_due_on == outside_due
    assert not DeadlineChange.objects.filter(deadline__object_id=outside.pk).exists()
    assert petition.history.filter(forward_due_on=d("27/11/2026")).exists()

    # Moved out of the span (to 01/12): the date moves back, and that is recorded too.
    day = CalendarDay.objects.get(council=world.council, date=d("25/11/2026"))
    assert client.post(reverse("delegations:calendar_day_update", args=[day.pk]), {
        "council": world.council.pk, "date": "2026-12-01", "kind": CalendarDayKind.DAY_OFF,
        "reason": "Nghỉ"}).status_code == 302
    assert Petition.objects.get(pk=petition.pk).forward_due_on == d("26/11/2026")
    changes = DeadlineChange.objects.filter(deadline=deadline)
    assert list(changes.values_list("old_due_on", "new_due_on")) == [
        (d("26/11/2026"), d("27/11/2026")), (d("27/11/2026"), d("26/11/2026"))]
    assert "01/12/2026" in changes.last().reason
    # Deleted outside every span: nothing moves. Added back and deleted: it moves and moves back.
    assert client.post(reverse("delegations:calendar_day_delete", args=[day.pk])).status_code == 302
    assert changes.count() == 2
    assert calendar_day_post(client, world.council, d("23/11/2026")).status_code == 302
    assert Petition.objects.get(pk=petition.pk).forward_due_on == d("27/11/2026")
    day = CalendarDay.objects.get(council=world.council, date=d("23/11/2026"))
    assert client.post(reverse("delegations:calendar_day_delete", args=[day.pk])).status_code == 302
    assert Petition.objects.get(pk=petition.pk).forward_due_on == d("26/11/2026")
    assert changes.count() == 4


def test_a_province_day_off_moves_its_commune_councils_deadlines_not_another_provinces(world):
    start = d("20/11/2026")
    rows = {}
    for council in (world.council, world.commune_council, world.other_council):
        subject = MembershipFactory(council=council, role=Role.OFFICE)
        rows[council.pk] = deadline_open(subject=subject, kind="test", council=council, start=start, amount=3,
                                         unit=DeadlineUnit.WORKING_DAYS, title="Thử")
    assert {row.due_on for row in rows.values()} == {d("26/11/2026")}
    # CalendarDay.save() recomputes (issue 11): whatever the path, the day moves what it touches.
    day = CalendarDay.objects.create(council=world.council, date=d("23/11/2026"), kind=CalendarDayKind.DAY_OFF,
                                     reason="Nghỉ")
    moved = day.deadlines_moved
    assert deadlines_recompute(council=world.council, reason="again", days=[d("23/11/2026")]) == []
    assert {row.pk for row in moved} == {rows[world.council.pk].pk, rows[world.commune_council.pk].pk}
    due = {pk: Deadline.objects.get(pk=row.pk).due_on for pk, row in rows.items()}
    assert due == {world.council.pk: d("27/11/2026"), world.commune_council.pk: d("27/11/2026"),
                   world.other_council.pk: d("26/11/2026")}


def test_a_day_outside_every_span_and_a_given_date_are_not_moved(world):
    subject = MembershipFactory(council=world.council, role=Role.OFFICE)
    counted = deadline_open(subject=subject, kind="counted", council=world.council, start=d("20/11/2026"),
                            amount=3, unit=DeadlineUnit.WORKING_DAYS, title="Thử")
    given = deadline_set_date(subject=subject, kind="given", council=world.council, due_on=d("27/11/2026"),
                              explanation="ngày hứa", title="Thử")
    outside = CalendarDay.objects.create(council=world.council, date=d("30/11/2026"), kind=CalendarDayKind.DAY_OFF,
                                         reason="Nghỉ")
    assert outside.deadlines_moved == []
    inside = CalendarDay.objects.create(council=world.council, date=d("25/11/2026"), kind=CalendarDayKind.DAY_OFF,
                                        reason="Nghỉ")
    assert [row.pk for row in inside.deadlines_moved] == [counted.pk]
    assert Deadline.objects.get(pk=given.pk).due_on == d("27/11/2026")


# ----------------------------------------------------------------------------- the sweep's cost

@pytest.fixture
def test_kind(world, monkeypatch):
    """A kind of deadline whose subjects are users, each reminded themselves."""
    asked = []

    def recipients(object_ids):
        asked.append(list(object_ids))
        from django.contrib.auth import get_user_model
        return {user.pk: [user] for user in get_user_model().objects.filter(pk__in=object_ids)}

    monkeypatch.setitem(deadlines.KINDS, "test", deadlines.DeadlineKind("test", "Thử", recipients))
    return asked


def test_the_sweep_reads_only_the_deadlines_due_not_the_far_future_ones_nor_the_finished(
        world, test_kind, time_machine):
    today = d("02/03/2026")  # a Monday
    time_machine.move_to(at(today), tick=False)
    due = [UserFactory(username=f"due{i}") for i in range(3)]
    for user, due_on in zip(due, (d("03/03/2026"), d("05/03/2026"), d("04/03/2026")), strict=True):
        deadline_set_date(subject=user, kind="test", council=world.council, due_on=due_on, explanation="",
                          title=user.username)

    def sweep():
        with CaptureQueriesContext(connection) as queries:
            counts = deadlines_sweep()
        return counts, len(queries)

    counts, few = sweep()
    assert (counts["reminders"], counts["notifications"]) == (3, 3)
    assert DeadlineNotice.objects.count() == 3

    # Again from scratch, with 200 more open deadlines: 100 a year away, 100 long overdue and done with.
    DeadlineNotice.objects.all().delete()
    Notification.objects.all().delete()
    Deadline.objects.update(scheduled=False)
    DeadlineAlarm.objects.all().delete()
    far = [Deadline(council=world.council, kind="test", content_type=Deadline.objects.first().content_type,
                    object_id=100000 + i, title=f"xa {i}", unit=DeadlineUnit.DATE,
                    due_on=today + datetime.timedelta(days=300 + i)) for i in range(100)]
    done_with = [Deadline(council=world.council, kind="test", content_type=far[0].content_type,
                          object_id=200000 + i, title=f"cũ {i}", unit=DeadlineUnit.DATE, scheduled=True,
                          due_on=today - datetime.timedelta(days=100 + i)) for i in range(100)]
    Deadline.objects.bulk_create(far + done_with)
    test_kind.clear()
    counts, many = sweep()
    assert many == few
    assert (counts["looked_at"], counts["notifications"]) == (3, 3)
    assert DeadlineNotice.objects.count() == 3
    assert sorted(test_kind[0]) == sorted(u.pk for u in due)
    # Neither the far rows (not yet near) nor those done with were read, scheduled or alarmed.
    assert not Deadline.objects.filter(object_id__gte=100000, object_id__lt=200000, scheduled=True).exists()
    assert not DeadlineAlarm.objects.filter(deadline__object_id__gte=100000).exists()


def test_the_sweep_runs_as_a_beat_task_every_configured_minutes(world, test_kind, time_machine):
    assert settings.CELERY_BEAT_SCHEDULE["deadlines-sweep"]["task"] == deadlines_sweep_task.name
    assert settings.CELERY_BEAT_SCHEDULE["deadlines-sweep"]["schedule"] == settings.DEADLINE_SWEEP_MINUTES * 60
    assert deadlines_sweep_task.acks_late
    time_machine.move_to(at(d("02/03/2026")), tick=False)
    user = UserFactory(username="nhacviec")
    deadline_set_date(subject=user, kind="test", council=world.council, due_on=d("02/03/2026"), explanation="",
                      title="Việc")
    assert deadlines_sweep_task()["notifications"] == 1
    assert deadlines_sweep_task().get("notifications", 0) == 0


def test_the_emails_go_after_commit_each_once(world, test_kind, time_machine, monkeypatch,
                                              django_capture_on_commit_callbacks):
    from delegations import tasks

    # The outbox hands the wish over with apply_async: run it here instead of through a broker.
    monkeypatch.setattr(tasks.notifications_email, "apply_async",
                        lambda kwargs, **options: tasks.notifications_email(**kwargs))
    time_machine.move_to(at(d("02/03/2026")), tick=False)
    user = UserFactory(username="thu", email="thu@example.vn")
    deadline_set_date(subject=user, kind="test", council=world.council, due_on=d("02/03/2026"), explanation="",
                      title="Việc hôm nay")
    with django_capture_on_commit_callbacks(execute=True):
        deadlines_sweep()
    assert [m.to for m in mail.outbox] == [["thu@example.vn"]]
    assert "Việc hôm nay" in mail.outbox[0].subject
    with django_capture_on_commit_callbacks(execute=True):
        deadlines_sweep()
    assert len(mail.outbox) == 1
    assert Notification.objects.get().emailed_at is not None


def test_a_deadline_whose_subject_is_gone_is_cancelled_not_sent(world, test_kind, time_machine):
    time_machine.move_to(at(d("02/03/2026")), tick=False)
    user = UserFactory(username="sexoa")
    deadline = deadline_set_date(subject=user, kind="test", council=world.council, due_on=d("02/03/2026"),
                                 explanation="", title="Việc")
    user.delete()
    assert deadlines_sweep()["cancelled"] == 1
    assert Deadline.objects.get(pk=deadline.pk).state == DeadlineState.CANCELLED
    assert not Notification.objects.exists()


# ------------------------------------------------------------------- opening, moving, closing

def test_opening_twice_is_idempotent_and_closing_then_opening_reopens(world):
    subject = MembershipFactory(council=world.council, role=Role.OFFICE)
    args = {"subject": subject, "kind": "test", "council": world.council, "start": d("20/11/2026"), "amount": 10,
            "unit": DeadlineUnit.DAYS, "title": "Thử"}
    first = deadline_open(**args)
    assert first.due_on == d("30/11/2026") and "30/11/2026" in first.explanation
    again = deadline_open(**args)
    assert again.pk == first.pk and not DeadlineChange.objects.exists()
    assert deadline_close(subject=subject) == 1 and deadline_close(subject=subject) == 0
    reopened = deadline_open(**{**args, "amount": 12}, reason="gửi lại")
    assert (reopened.pk, reopened.state, reopened.done_at, reopened.due_on) == (
        first.pk, DeadlineState.OPEN, None, d("02/12/2026"))
    assert DeadlineChange.objects.get().reason == "gửi lại"


def test_a_petitions_clocks_follow_its_state(world, petitions_world, time_machine):
    time_machine.move_to(at(d("09/02/2026"), 9), tick=False)
    office = world.users["office"]
    petition = new_petition(world, petitions_world)
    forward = deadline_of(petition, petition_services.PETITION_FORWARD)
    petition_services.petitions_forward(petitions=[petition], user=office)
    answer = deadline_of(petition, petition_services.PETITION_ANSWER)
    assert Deadline.objects.get(pk=forward.pk).state == DeadlineState.DONE
    assert (answer.state, answer.due_on) == (DeadlineState.OPEN, Petition.objects.get(pk=petition.pk).answer_due_on)
    time_machine.move_to(at(d("02/03/2026"), 9), tick=False)
    petition_services.answer_record(petition=Petition.objects.get(pk=petition.pk), user=world.users["agency"],
                                    agency=world.agency, outcome=AnswerOutcome.IN_PROGRESS, text="Đang làm",
                                    roadmap="Quý II", promised_on=d("30/06/2026"))
    promised = deadline_of(petition, petition_services.PETITION_PROMISED)
    assert (promised.state, promised.due_on, promised.unit) == (DeadlineState.OPEN, d("30/06/2026"), DeadlineUnit.DATE)
    assert Deadline.objects.get(pk=answer.pk).state == DeadlineState.DONE
    petition_services.answer_send_back(petition=Petition.objects.get(pk=petition.pk), user=office, note="Chưa rõ")
    assert Deadline.objects.get(pk=promised.pk).state == DeadlineState.CANCELLED
    answer = Deadline.objects.get(pk=answer.pk)
    assert answer.state == DeadlineState.OPEN and answer.changes.exists()
    petition_services.answer_record(petition=Petition.objects.get(pk=petition.pk), user=world.users["agency"],
                                    agency=world.agency, outcome=AnswerOutcome.RESOLVED, text="Đã xong")
    petition_services.petition_close(petition=Petition.objects.get(pk=petition.pk), user=office)
    assert set(Deadline.objects.for_subject(petition).values_list("kind", "state")) == {
        (petition_services.PETITION_FORWARD, DeadlineState.DONE),
        (petition_services.PETITION_ANSWER, DeadlineState.DONE),
        (petition_services.PETITION_PROMISED, DeadlineState.CANCELLED)}
    assert not Deadline.objects.open().for_subject(petition).exists()


def test_a_merged_or_commune_level_petition_has_no_clock_to_forward(world, petitions_world, time_machine):
    from delegations.models import AgencyLevel
    from tests.factories import AgencyFactory

    time_machine.move_to(at(d("09/02/2026"), 9), tick=False)
    main = new_petition(world, petitions_world)
    duplicate = new_petition(world, petitions_world, text="Sửa đường liên thôn Kiêm Tân")
    petition_services.petitions_merge(main=main, duplicates=[duplicate], user=world.users["office"])
    assert deadline_of(duplicate, petition_services.PETITION_FORWARD).state == DeadlineState.CANCELLED
    assert deadline_of(main, petition_services.PETITION_FORWARD).state == DeadlineState.OPEN
    petition_services.petition_unmerge(petition=Petition.objects.get(pk=duplicate.pk), user=world.users["office"])
    assert deadline_of(duplicate, petition_services.PETITION_FORWARD).state == DeadlineState.OPEN
    commune_agency = AgencyFactory(council=world.council, name="UBND xã Kiêm Tân", level=AgencyLevel.COMMUNE)
    petition_services.petitions_classify(petitions=[Petition.objects.get(pk=duplicate.pk)],
                                         user=world.users["office"], agency=commune_agency)
    assert deadline_of(duplicate, petition_services.PETITION_FORWARD).state == DeadlineState.CANCELLED


def test_minutes_fall_due_when_a_meeting_is_held_and_stop_when_final(world, setup, time_machine):
    time_machine.move_to(at(d("25/11/2026"), 9), tick=False)
    session = make_session(world, setup, day=24)
    session_services.session_record_outcome(session=session, status=MeetingStatus.HELD, chair="Ông A",
                                            secretary="Bà B", voters_present=80)
    deadline = deadline_of(session, session_services.MINUTES_DEADLINE)
    # 24/11 + 5 days = Sunday 29/11/2026 → Monday 30/11 (art. 148(5) Civil Code 2015)
    assert deadline.due_on == session.minutes_due_on == d("30/11/2026")
    assert "29/11/2026" in deadline.explanation and "30/11/2026" in deadline.explanation
    assert (deadline.unit, deadline.amount, deadline.url) == (DeadlineUnit.DAYS, 5, session.get_absolute_url())
    assert session_services.minutes_deadline_recipients([session.pk]) == {
        session.pk: [world.users["group_leader"], world.users["office"]]}
    minutes = Minutes.objects.get(session=session)
    for name in ("opening", "delegates_report", "voters_speak", "closing"):
        setattr(minutes, name, "Nội dung")
    minutes.save()
    session_services.minutes_finalise(minutes=minutes)
    assert Deadline.objects.get(pk=deadline.pk).state == DeadlineState.DONE


def test_the_assignments_of_an_issued_plan_are_clocks_and_a_drafts_are_not(world, time_machine):
    time_machine.move_to(at(d("01/10/2026"), 9), tick=False)
    plan = ContactPlan.objects.create(council=world.council, year=2026, subject="Kế hoạch", signer_name="A",
                                      status=PlanStatus.APPROVED)
    rnd = ContactRound.objects.create(plan=plan, kind=RoundKind.AFTER_SITTING, starts_on=d("09/11/2026"),
                                      ends_on=d("20/11/2026"))
    counted = Assignment.objects.create(plan=plan, lead="Các Tổ đại biểu", text="báo cáo kết quả",
                                        responsible_kind=ResponsibleKind.GROUPS)
    AssignmentDue.objects.create(assignment=counted, kind=DueKind.AFTER_ROUND, amount=3, unit=DueUnit.WORKING_DAYS,
                                 round=rnd)
    given = Assignment.objects.create(plan=plan, lead="Đề nghị Sở Xây dựng", text="trả lời",
                                      responsible_kind=ResponsibleKind.AGENCY, agency=world.agency)
    AssignmentDue.objects.create(assignment=given, kind=DueKind.DATE, date=d("15/12/2026"))
    Assignment.objects.create(plan=plan, lead="Văn phòng", text="tổng hợp", responsible_kind=ResponsibleKind.OFFICE)
    plan_services.plan_resolve_dues(plan=plan)
    assert not Deadline.objects.exists()  # not issued yet
    plan_services.plan_transition(plan=plan, user=world.users["office"], step="issue", number=9,
                                  issued_on=d("01/10/2026"))
    # Each due date of an assignment (DueOccurrence) is the subject of its deadline.
    occurrence = {o.due.assignment_id: o.pk for o in DueOccurrence.objects.select_related("due")}
    rows = {row.object_id: row for row in Deadline.objects.filter(kind=plan_services.ASSIGNMENT_DEADLINE)}
    assert set(rows) == {occurrence[counted.pk], occurrence[given.pk]}
    rows = {assignment: rows[pk] for assignment, pk in occurrence.items()}
    assert (rows[counted.pk].due_on, rows[counted.pk].unit) == (d("26/11/2026"), DeadlineUnit.WORKING_DAYS)
    assert (rows[given.pk].due_on, rows[given.pk].unit) == (d("15/12/2026"), DeadlineUnit.DATE)
    recipients = plan_services.assignment_deadline_recipients([occurrence[counted.pk], occurrence[given.pk]])
    assert recipients[occurrence[counted.pk]] == [world.users["group_leader"]]
    assert set(recipients[occurrence[given.pk]]) == {world.users["agency"], world.users["office"]}
    # A day off moves the counted one and the assignment's own date with it.
    CalendarDay.objects.create(council=world.council, date=d("23/11/2026"), kind=CalendarDayKind.DAY_OFF, reason="x")
    deadlines_recompute(council=world.council, reason="x", days=[d("23/11/2026")])
    assert Assignment.objects.get(pk=counted.pk).due_on == d("27/11/2026")
    plan_services.assignment_set_status(assignment=Assignment.objects.get(pk=given.pk), done=True)
    assert Deadline.objects.get(pk=rows[given.pk].pk).state == DeadlineState.DONE
    plan_services.assignment_set_status(assignment=Assignment.objects.get(pk=given.pk), done=False)
    assert Deadline.objects.get(pk=rows[given.pk].pk).state == DeadlineState.OPEN


# ------------------------------------------------------------------------------------ the rules

@pytest.mark.parametrize(("value", "days"), [("3,1", [3, 1]), ("1, 5 ,3", [5, 3, 1]), ("", []), ("2,2", [2])])
def test_reminder_days_are_read_from_the_rules(world, value, days):
    rules = DeadlineRules(council=world.council, reminder_working_days=value)
    rules.full_clean()
    assert rules.reminder_days() == days


@pytest.mark.parametrize("value", ["3,x", "0", "61", "-1"])
def test_reminder_days_that_are_not_working_days_are_refused(world, value):
    with pytest.raises(ValidationError):
        DeadlineRules(council=world.council, reminder_working_days=value).full_clean()


def test_the_schedule_of_a_due_date_is_working_day_aware(world):
    calendar = WorkingCalendar.for_council(world.council)
    rules = DeadlineRules(council=world.council, reminder_working_days="5,3,1", escalate_standing_after_working_days=2)
    reminders, escalations = sweep.stage_schedule(d("23/02/2026"), calendar, rules)
    assert reminders == [("remind_5", d("09/02/2026")), ("remind_3", d("11/02/2026")), ("remind_1", d("13/02/2026")),
                         ("due_today", d("23/02/2026"))]
    assert escalations == [("overdue", d("24/02/2026")), ("escalate_standing", d("25/02/2026"))]
    assert sweep.stages_due(reminders, escalations, d("12/02/2026"), d("23/02/2026")) == ["remind_3"]
    assert sweep.stages_due(reminders, escalations, d("25/02/2026"), d("23/02/2026")) == [
        "overdue", "escalate_standing"]
