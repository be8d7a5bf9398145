"""Two issues at the same instant, each in its own thread and database connection, on PostgreSQL
(SQLite serialises every writer, so it cannot show the race)."""
import datetime
import threading

import pytest
from django.db import connection

from plans.models import ContactPlan, DocumentNumber, PlanStatus
from plans.services import PlanError, plan_transition, workflow

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql",
                                reason="row locks and concurrent transactions need PostgreSQL")

ISSUED_ON = datetime.date(2025, 10, 6)


def approved_plan(council, subject):
    return ContactPlan.objects.create(council=council, year=2025, status=PlanStatus.APPROVED, subject=subject,
                                      signer_name="Nguyễn Anh Tuấn")


def issue_at_once(plans, user, numbers):
    """Issue each plan in its own thread, all released by one barrier; return each thread's outcome."""
    barrier = threading.Barrier(len(plans))
    outcomes = [None] * len(plans)

    def run(index):
        try:
            barrier.wait(timeout=10)
            issued = plan_transition(plan=plans[index], user=user, step="issue", number=numbers[index],
                                     issued_on=ISSUED_ON)
            outcomes[index] = issued.number
        except Exception as error:  # the outcome is what the test asserts
            outcomes[index] = error
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(plans))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "an issue never finished (deadlock?)"
    return outcomes


@pytest.fixture
def no_render(monkeypatch):
    """The issue's render task is not what these tests are about: nothing goes to the broker."""
    sent = []
    monkeypatch.setattr(workflow, "_render_after_commit", lambda plan: sent.append(plan.pk))
    return sent


def test_two_plans_issued_at_the_same_instant_take_01_and_02(transactional_db, world, no_render):
    plans = [approved_plan(world.council, "Kế hoạch A"), approved_plan(world.council, "Kế hoạch B")]
    outcomes = issue_at_once(plans, world.users["office"], [None, None])
    assert sorted(outcomes) == [1, 2], outcomes
    assert sorted(ContactPlan.objects.filter(status=PlanStatus.ISSUED).values_list("number", flat=True)) == [1, 2]
    assert sorted(DocumentNumber.objects.filter(council=world.council, year=2025)
                  .values_list("number", flat=True)) == [1, 2]
    assert sorted(no_render) == sorted(plan.pk for plan in plans)


def test_the_same_typed_number_at_the_same_instant_is_taken_once(transactional_db, world, no_render):
    plans = [approved_plan(world.council, "Kế hoạch A"), approved_plan(world.council, "Kế hoạch B")]
    outcomes = issue_at_once(plans, world.users["office"], [12, 12])
    assert [o for o in outcomes if isinstance(o, int)] == [12], outcomes
    assert len([o for o in outcomes if isinstance(o, PlanError)]) == 1, outcomes
    statuses = sorted(ContactPlan.objects.values_list("status", "number"))
    assert statuses == sorted([(PlanStatus.ISSUED, 12), (PlanStatus.APPROVED, None)])
    assert DocumentNumber.objects.filter(council=world.council, year=2025).count() == 1
    assert len(no_render) == 1
