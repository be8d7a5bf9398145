"""A plan issued on 31/12/9999 is refused (issue 10, finding 10): it would take number 01 of the
year 9999 in the council's register."""
import datetime

import pytest
from django.urls import reverse

from plans.models import ContactPlan, DocumentNumber, PlanStatus
from plans.services import PlanError, plan_transition
from tests.plans.builders import make_plan

pytestmark = pytest.mark.django_db


def test_the_issue_form_refuses_a_far_date(world, client_for):
    plan = make_plan(world.council, status=PlanStatus.APPROVED)
    response = client_for(world.users["office"]).post(reverse("plans:plan_step", args=[plan.pk, "issue"]),
                                                      {"issued_on": "9999-12-31"}, follow=True)
    assert response.status_code == 200
    plan.refresh_from_db()
    assert plan.status == PlanStatus.APPROVED and plan.number is None
    assert not DocumentNumber.objects.filter(year=9999).exists()
    assert "01/01/2000" in response.content.decode()  # the message names the range allowed


def test_the_service_refuses_a_far_issue_date(world):
    plan = make_plan(world.council, status=PlanStatus.APPROVED)
    with pytest.raises(PlanError):
        plan_transition(plan=plan, user=world.users["office"], step="issue", issued_on=datetime.date(9999, 12, 31))
    assert ContactPlan.objects.get(pk=plan.pk).number is None
