"""Issue 12: what cannot be undone is confirmed first, saying what will happen. Approving, issuing
(which takes a number of the council's register) and publishing a plan: a POST without the
`confirmed` field does nothing and answers with the confirmation, which shows the number the register
WOULD give, read without taking it; the confirmed POST does it (re-checked under the plan's lock)."""
import datetime

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from plans.models import ContactPlan, DocumentNumber, PlanEvent, PlanStatus

pytestmark = pytest.mark.django_db
D = datetime.date


def plan_in(world, status):
    return ContactPlan.objects.create(council=world.council, year=2025, status=status, signer_name="Nguyễn Anh Tuấn",
                                      subject="Tiếp xúc cử tri của đại biểu HĐND tỉnh\ntrước kỳ họp cuối năm 2025")


def state():
    return (list(ContactPlan.objects.values_list("pk", "status", "number", "issued_on")),
            DocumentNumber.objects.count(), PlanEvent.objects.count(), ContactPlan.history.count())


def test_issuing_shows_the_next_number_of_the_register_and_takes_none_until_confirmed(world, client_for):
    for number in (1, 2):  # two plans of 2025 already issued
        DocumentNumber.objects.create(council=world.council, year=2025, type_code="KH", number=number)
    DocumentNumber.objects.create(council=world.council, year=2025, type_code="BC", number=7)  # another register
    plan = plan_in(world, PlanStatus.APPROVED)
    office = client_for(world.users["office"])
    url = reverse("plans:plan_step", args=[plan.pk, "issue"])
    before = state()

    response = office.post(url, {"issued_on": "2025-10-06", "number": ""})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Số 03/KH-HĐND sẽ được cấp và không thể thu hồi." in page
    assert "06/10/2025" in page
    # The confirmation posts the same fields again, with the confirmation, to the same address.
    assert f'action="{url}"' in page
    assert 'name="issued_on" value="2025-10-06"' in page and 'name="confirmed" value="1"' in page
    assert state() == before  # nothing taken, nothing changed

    assert office.get(url).status_code == 405  # a GET never acts either
    assert state() == before

    response = office.post(url, {"issued_on": "2025-10-06", "number": "", "confirmed": "1"})
    assert response.status_code == 302
    plan.refresh_from_db()
    assert (plan.status, plan.number) == (PlanStatus.ISSUED, 3)


def test_a_typed_number_is_the_one_shown_and_a_used_one_is_refused_before_any_confirmation(world, client_for):
    DocumentNumber.objects.create(council=world.council, year=2025, type_code="KH", number=5)
    plan = plan_in(world, PlanStatus.APPROVED)
    office = client_for(world.users["office"])
    url = reverse("plans:plan_step", args=[plan.pk, "issue"])
    response = office.post(url, {"issued_on": "2025-10-06", "number": "12"})
    assert "Số 12/KH-HĐND sẽ được cấp và không thể thu hồi." in response.content.decode()
    before = state()
    response = office.post(url, {"issued_on": "2025-10-06", "number": "5"})
    assert response.status_code == 302
    assert [m.level_tag for m in get_messages(response.wsgi_request)] == ["error"]
    assert state() == before


@pytest.mark.parametrize(("status", "step", "role", "said"), [
    (PlanStatus.SUBMITTED, "approve", "standing", "không thể trả lại hoặc sửa"),
    (PlanStatus.ISSUED, "publish", "office", "Việc này không thể hoàn tác"),
])
def test_approving_and_publishing_are_confirmed_first(world, client_for, status, step, role, said):
    plan = plan_in(world, status)
    if status == PlanStatus.ISSUED:
        ContactPlan.objects.filter(pk=plan.pk).update(number=1, issued_on=D(2025, 10, 6))
    client = client_for(world.users[role])
    url = reverse("plans:plan_step", args=[plan.pk, step])
    before = state()
    response = client.post(url)
    assert response.status_code == 200 and said in response.content.decode()
    assert state() == before
    assert client.post(url, {"confirmed": "1"}).status_code == 302
    plan.refresh_from_db()
    assert plan.status == {"approve": PlanStatus.APPROVED, "publish": PlanStatus.PUBLISHED}[step]


@pytest.mark.parametrize(("role", "code"), [("standing", 403), ("delegate", 403), ("agency", 403),
                                            ("other_council", 404)])
def test_the_confirmation_is_refused_to_those_who_cannot_take_the_step(world, client_for, role, code):
    plan = plan_in(world, PlanStatus.APPROVED)
    before = state()
    response = client_for(world.users[role]).post(reverse("plans:plan_step", args=[plan.pk, "issue"]),
                                                  {"issued_on": "2025-10-06"})
    assert response.status_code == code
    assert state() == before


def test_a_confirmation_of_a_step_taken_meanwhile_says_so_instead(world, client_for):
    plan = plan_in(world, PlanStatus.ISSUED)
    response = client_for(world.users["office"]).post(reverse("plans:plan_step", args=[plan.pk, "issue"]),
                                                      {"issued_on": "2025-10-06"})
    assert response.status_code == 302
    assert [m.level_tag for m in get_messages(response.wsgi_request)] == ["error"]
