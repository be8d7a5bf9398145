"""The dashboard's kept round figures (petitions.round_figures, issue 15): every service action that
changes a petition makes its round's kept figures stale, the periodic job counts them again, and
the kept figures then equal a live count; a job with nothing changed counts nothing; a new day, an
old count and a move between rounds make a kept row stale; the page says when it was counted."""
import datetime
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from config.celery import app as celery_app
from delegations.models import CalendarDay, CalendarDayKind
from petitions import round_figures, services
from petitions.models import AnswerOutcome, ExtensionRequest, Petition, PetitionField, RoundFigures
from petitions.round_figures import (
    MAX_AGE,
    STALE_MARGIN,
    round_figures_count,
    round_figures_read,
    round_figures_refresh_stale,
    round_figures_stale,
)
from plans.models import ContactPlan, ContactRound, PlanStatus, RoundKind

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
START = datetime.datetime(2026, 11, 25, 9, tzinfo=HANOI)  # a Wednesday
URL = reverse("petitions:dashboard")


def a_round(council, starts, ends):
    plan = ContactPlan.objects.create(council=council, year=starts.year, subject="Kế hoạch TXCT",
                                      status=PlanStatus.ISSUED, number=ContactPlan.objects.count() + 1,
                                      issued_on=starts)
    return ContactRound.objects.create(plan=plan, kind=RoundKind.BEFORE_SITTING, starts_on=starts, ends_on=ends)


def kept_equals_live(council, rnd):
    """The kept row of the council's round, read back from the database, against a count now."""
    kept = RoundFigures.objects.get(council=council, round=rnd)
    live = round_figures_count(council_id=council.pk, round_id=rnd.pk, today=timezone.localdate())
    assert kept.as_of == timezone.localdate()
    assert {"totals": kept.totals, "agencies": kept.agencies, "fields": kept.fields} == live
    return live


class Steps:
    """Each step moves the clock ten minutes on, checks that the job finds nothing to count, applies
    one action, and checks that the job counts exactly the rounds the action touched and that their
    kept figures then equal a live count; once more after the stale margin (a change is counted
    again until a count began more than STALE_MARGIN after it), and then no more."""

    def __init__(self, world, traveller, rounds):
        self.world, self.traveller, self.rounds = world, traveller, rounds
        self.now = START

    def move(self, minutes):
        self.now += datetime.timedelta(minutes=minutes)
        self.traveller.move_to(self.now)

    def counted(self):
        return {r.pk: RoundFigures.objects.get(council=self.world.council, round=r).computed_at for r in self.rounds}

    def __call__(self, action, *, touches):
        self.move(10)
        assert round_figures_refresh_stale() == 0, "nothing changed, nothing to count"
        self.move(1)
        result = action()
        for minutes in (1, STALE_MARGIN.seconds // 60 + 1):
            self.move(minutes)
            before = self.counted()
            assert round_figures_refresh_stale() == len(touches), action
            after = self.counted()
            for rnd in self.rounds:
                assert (after[rnd.pk] > before[rnd.pk]) == (rnd in touches), (action, rnd)
                kept_equals_live(self.world.council, rnd)
        return result


def test_every_service_action_keeps_the_figures_equal_to_a_live_count(world, held_meeting, time_machine,
                                                                       monkeypatch):
    time_machine.move_to(START)
    # The steps take some five hours of the clock: the hourly recount is tested on its own below.
    monkeypatch.setattr(round_figures, "MAX_AGE", datetime.timedelta(hours=12))
    council, office, responder, agency = world.council, world.users["office"], world.users["agency"], world.agency
    r1 = held_meeting["round"]
    r2 = a_round(council, datetime.date(2026, 12, 2), datetime.date(2026, 12, 20))
    field = held_meeting["field"]
    other_field = PetitionField.objects.create(council=council, name="Đất đai")
    for rnd in (r1, r2):
        round_figures_read(council=council, rnd=rnd)  # the first view counts and keeps
    step = Steps(world, time_machine, [r1, r2])

    def fresh(petitions):
        return [Petition.objects.get(pk=p.pk) for p in petitions]

    typed = step(lambda: [services.petition_create(council=council, user=office, text=f"Kiến nghị {i}", round=r1,
                                                   group=world.group_a) for i in range(6)], touches=[r1])
    step(lambda: services.petitions_create_many(council=council, user=office, items=[
        {"text": "Nhập từ bảng tính", "round": r1, "fields": [field], "agency": agency, "level": agency.level},
        {"text": "Nhập từ bảng tính, đợt sau", "round": r2}]), touches=[r1, r2])
    floor = step(lambda: services.petitions_from_floor(session=held_meeting["session"], user=office, rows=[
        {"text": "Nêu tại hội nghị", "field": field, "voter_name": "Trần Văn Bình"}]), touches=[r1])
    step(lambda: services.petitions_classify(petitions=fresh(typed + floor), user=office, fields=[field, other_field],
                                             agency=agency), touches=[r1])
    step(lambda: services.petitions_forward(petitions=fresh(typed[:3] + floor), user=office), touches=[r1])
    step(lambda: services.answer_record(petition=fresh(typed)[0], user=responder, agency=agency,
                                        outcome=AnswerOutcome.RESOLVED, text="Đã sửa xong"), touches=[r1])
    step(lambda: services.answer_record(petition=fresh(typed)[1], user=responder, agency=agency,
                                        outcome=AnswerOutcome.IN_PROGRESS, text="Đang làm", roadmap="Quý I",
                                        promised_on=datetime.date(2027, 3, 31)), touches=[r1])
    step(lambda: services.extension_request(petition=fresh(typed)[2], user=responder, agency=agency,
                                            until=datetime.date(2027, 2, 26), reason="Cần khảo sát"),
         touches=[])  # a request alone changes no petition and no figure; the figures still equal a count
    step(lambda: services.extension_decide(extension=ExtensionRequest.objects.get(petition=typed[2]), user=office,
                                           grant=True), touches=[r1])
    step(lambda: services.answer_send_back(petition=fresh(typed)[0], user=office, note="Chưa rõ"), touches=[r1])
    step(lambda: services.answer_record(petition=fresh(typed)[0], user=responder, agency=agency,
                                        outcome=AnswerOutcome.RESOLVED, text="Đã sửa xong, có ảnh"), touches=[r1])
    step(lambda: services.petition_close(petition=fresh(typed)[0], user=office), touches=[r1])
    step(lambda: services.petitions_merge(main=fresh(typed)[3], duplicates=fresh(typed)[4:5], user=office),
         touches=[r1])
    step(lambda: services.petition_unmerge(petition=fresh(typed)[4], user=office), touches=[r1])
    step(lambda: services.petitions_submit(round=r1, group=world.group_a, user=world.users["group_leader"]),
         touches=[r1])
    step(lambda: services.petition_raise_again(previous=fresh(typed)[0], round=r2, user=office), touches=[r2])
    # A day off on an answer date: the date moves to the next working day (art. 148(5) Civil Code
    # 2015), saved petition by petition.
    answer_due = fresh(floor)[0].answer_due_on
    step(lambda: CalendarDay.objects.create(council=council, date=answer_due,
                                            kind=CalendarDayKind.DAY_OFF, reason="Nghỉ bù"), touches=[r1])
    # A petition moved to another round (the office corrects its round): both rounds count again.
    moved = fresh(typed)[5]
    moved.round = r2
    step(lambda: moved.save(), touches=[r1, r2])

    assert fresh(floor)[0].answer_due_on > answer_due
    # Everything above really moved the figures.
    figures = kept_equals_live(council, r1)["totals"]
    assert (figures["total"], figures["forwarded"], figures["on_time"], figures["classified"]) == (7, 4, 2, 7)
    assert kept_equals_live(council, r2)["totals"]["total"] == 3


def test_a_new_day_and_an_old_count_make_a_kept_row_stale(world, time_machine):
    time_machine.move_to(START)
    rnd = a_round(world.council, datetime.date(2026, 11, 2), datetime.date(2026, 11, 20))
    petition = services.petition_create(council=world.council, user=world.users["office"], text="Đường hỏng",
                                        round=rnd)
    time_machine.move_to(START + datetime.timedelta(minutes=6))  # past the stale margin of that change
    round_figures_read(council=world.council, rnd=rnd)
    time_machine.move_to(START + datetime.timedelta(minutes=10))
    assert round_figures_stale() == set()
    time_machine.move_to(START + MAX_AGE + datetime.timedelta(minutes=7))
    assert round_figures_stale() == {(world.council.pk, rnd.pk)}
    # The forwarding date passes overnight: the next day's count says overdue, with no change.
    Petition.objects.filter(pk=petition.pk).update(due_on=datetime.date(2026, 11, 25))
    round_figures_read(council=world.council, rnd=rnd)
    time_machine.move_to(datetime.datetime(2026, 11, 26, 0, 5, tzinfo=HANOI))
    assert round_figures_stale() == {(world.council.pk, rnd.pk)}
    assert round_figures_refresh_stale() == 1
    assert kept_equals_live(world.council, rnd)["totals"]["overdue"] == 1


def test_the_dashboard_shows_the_kept_figures_and_when_they_were_counted(world, client_for, time_machine):
    time_machine.move_to(START)
    rnd = a_round(world.council, datetime.date(2026, 11, 2), datetime.date(2026, 11, 20))
    services.petition_create(council=world.council, user=world.users["office"], text="Đường hỏng", round=rnd)
    office = client_for(world.users["office"])
    page = office.get(URL, {"round": rnd.pk})
    assert page.context["figures"]["totals"]["total"] == 1
    assert "Số liệu kiến nghị lúc 09:00 ngày 25/11/2026" in page.content.decode()

    time_machine.move_to(START + datetime.timedelta(minutes=3))
    services.petition_create(council=world.council, user=world.users["office"], text="Cầu yếu", round=rnd)
    assert office.get(URL, {"round": rnd.pk}).context["figures"]["totals"]["total"] == 1  # until the job runs
    time_machine.move_to(START + datetime.timedelta(minutes=4))
    from petitions.tasks import round_figures_refresh_task

    assert round_figures_refresh_task.apply().get() == 1
    page = office.get(URL, {"round": rnd.pk})
    assert page.context["figures"]["totals"]["total"] == 2
    assert "Số liệu kiến nghị lúc 09:04 ngày 25/11/2026" in page.content.decode()


def test_the_refresh_runs_every_minute_on_beat():
    entry = settings.CELERY_BEAT_SCHEDULE["round-figures-refresh"]
    assert entry["schedule"] == settings.ROUND_FIGURES_REFRESH_SECONDS == 60
    celery_app.loader.import_default_modules()
    assert entry["task"] in celery_app.tasks


@pytest.mark.parametrize("kept", [0, 5])
def test_the_job_reads_a_fixed_number_of_queries(world, django_assert_num_queries, time_machine, kept):
    time_machine.move_to(START)
    for i in range(kept):
        rnd = a_round(world.council, datetime.date(2026, 11, 2), datetime.date(2026, 11, 20))
        services.petition_create(council=world.council, user=world.users["office"], text=f"Kiến nghị {i}", round=rnd)
    time_machine.move_to(START + datetime.timedelta(minutes=6))
    for rnd in ContactRound.objects.all():
        round_figures_read(council=world.council, rnd=rnd)
    time_machine.move_to(START + datetime.timedelta(minutes=16))
    # Kept rows, stale ones, the history since the oldest count (and, when any, the rounds it names).
    with django_assert_num_queries(3 if kept else 2):
        assert round_figures_refresh_stale() == 0
