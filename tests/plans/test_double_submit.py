"""A double click on "save" of a new plan, on "copy", or on "schedule" of a new meeting makes one
plan, one copy, one meeting (issue 11, finding 3; delegations.once). At the same instant on
PostgreSQL, one after the other elsewhere (tests/concurrency.py)."""
import datetime

from django.urls import reverse

from plans.models import ContactPlan, PlanStatus
from sessions.models import ContactSession
from tests.double_submit import assert_second_went_to_the_first, send_twice
from tests.plans.builders import ASSIGNMENT_UBND, make_plan, make_sitting, new_plan_data
from tests.sessions.builders import form_data


def test_a_new_plan_saved_twice_is_made_once(transactional_db, world):
    sitting = make_sitting(world)
    responses = send_twice(world.users["office"], reverse("plans:plan_create"),
                           new_plan_data(world, sitting, assignments=[{**ASSIGNMENT_UBND,
                                                                       "agency": str(world.agency.pk)}]))
    assert ContactPlan.objects.count() == 1
    assert_second_went_to_the_first(responses)


def test_a_plan_copied_twice_is_copied_once(transactional_db, world):
    plan = make_plan(world.council, sitting=make_sitting(world), status=PlanStatus.ISSUED)
    later = make_sitting(world, number=31, opens=datetime.date(2026, 7, 7), closes=datetime.date(2026, 7, 9))
    responses = send_twice(world.users["office"], reverse("plans:plan_copy"), {"source": plan.pk, "sitting": later.pk})
    assert ContactPlan.objects.exclude(pk=plan.pk).count() == 1
    assert_second_went_to_the_first(responses)


def test_a_new_meeting_scheduled_twice_is_made_once(transactional_db, world, setup):
    responses = send_twice(world.users["group_leader"], reverse("contact_sessions:session_create"),
                           form_data(world, setup))
    assert ContactSession.objects.count() == 1
    statuses = sorted(r.status_code for r in responses)
    if statuses == [302, 400]:
        # Both were in flight together and the second's form was checked after the first committed:
        # refused for the clash with the meeting just made (nothing made twice either way).
        assert "Nguyễn Anh Tuấn" in [r for r in responses if r.status_code == 400][0].content.decode()
    else:
        assert_second_went_to_the_first(responses)
