"""Far dates refused (issue 10, finding 10): an agency cannot promise 31/12/9999 (the petition
would never be overdue) nor ask for more time until then; the rule is delegations/dates.py."""
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from petitions import services
from petitions.models import Answer, AnswerOutcome, ExtensionRequest, PetitionStatus
from tests.petitions.builders import post_answer, receive

pytestmark = pytest.mark.django_db
ROADMAP = "Quý I khảo sát, quý II thi công"


@pytest.mark.parametrize("far", ["9999-12-31", "2029-01-01"])
def test_a_far_promised_date_is_refused(world, portal, client_for, far):
    petition = receive(world, portal, "Đề nghị xây trường")
    response = post_answer(client_for(world.users["agency"]), petition, outcome=AnswerOutcome.IN_PROGRESS,
                           roadmap=ROADMAP, promised_on=far)
    assert response.status_code == 400
    assert response.context["answer_form"].errors["promised_on"]
    assert not Answer.objects.exists()
    petition.refresh_from_db()
    assert petition.status == PetitionStatus.FORWARDED


def test_a_promised_date_within_the_span_is_accepted(world, portal, client_for):
    petition = receive(world, portal, "Đề nghị xây trường")
    response = post_answer(client_for(world.users["agency"]), petition, outcome=AnswerOutcome.IN_PROGRESS,
                           roadmap=ROADMAP, promised_on="2028-12-01")  # 15/12/2026 + 730 days = 15/12/2028
    assert response.status_code == 302


def test_the_service_refuses_a_far_promise_whoever_calls_it(world, portal):
    import datetime

    petition = receive(world, portal, "Đề nghị xây trường")
    with pytest.raises(ValidationError):
        services.answer_record(petition=petition, user=world.users["agency"], agency=world.agency,
                               outcome=AnswerOutcome.IN_PROGRESS, text="Đang làm", roadmap=ROADMAP,
                               promised_on=datetime.date(9999, 12, 31))


def test_more_time_until_9999_is_refused(world, portal, client_for):
    petition = receive(world, portal, "Đề nghị xây trường")
    response = client_for(world.users["agency"]).post(reverse("petitions:agency_extension", args=[petition.pk]),
                                                      {"until": "9999-12-31", "reason": "Cần thêm thời gian"})
    assert response.status_code == 400
    assert response.context["extension_form"].errors["until"]
    assert not ExtensionRequest.objects.exists()
