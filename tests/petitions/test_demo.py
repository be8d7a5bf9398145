"""The petitions demo: loaded after the other apps' demos, it has petitions in every state, made
by the real services, and a second run adds nothing."""
import datetime

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from delegations.demo import load_demo as load_organisation
from delegations.models import AgencyLevel, Council
from petitions.demo import load_demo as load_petitions
from petitions.models import (
    Answer,
    AnswerOutcome,
    AnswerReview,
    ExtensionRequest,
    ExtensionStatus,
    Forwarding,
    Petition,
    PetitionEvent,
    PetitionField,
    PetitionStatus,
    PetitionVoter,
    Submission,
)
from plans.demo import load_demo as load_plans
from sessions.demo import load_demo as load_meetings

pytestmark = pytest.mark.django_db(transaction=False)

MODELS = (Petition, PetitionVoter, PetitionField, Submission, Forwarding, Answer, ExtensionRequest, PetitionEvent)


@pytest.fixture
def demo():
    load_organisation()
    load_plans()
    load_meetings()
    return load_petitions()


def test_the_demo_has_petitions_in_every_state(demo):
    """One load, checked from each side (loading the demo takes a couple of seconds)."""
    every_state_is_there_and_made_by_the_services(demo)
    a_merged_petition_counts_its_whole_family()
    the_agency_user_has_petitions_in_every_answer_state()
    the_commune_council_has_its_own_petitions_for_its_peoples_committee()


def every_state_is_there_and_made_by_the_services(demo):
    province = Council.objects.get(name="HĐND tỉnh Bắc Ninh")
    petitions = Petition.objects.filter(council=province)
    assert {p.status for p in petitions} == set(PetitionStatus.values)
    assert petitions.count() >= 20
    assert all(p.public_code and p.session_id and p.round_id and p.group_id for p in petitions)
    assert all(p.events.exists() and p.voter_count >= 1 for p in petitions)
    assert not petitions.filter(status=PetitionStatus.RECEIVED, fields__isnull=False, agency__isnull=False).exists()
    # Every voter's address is in the commune of the meeting the petition was raised at.
    for voter in PetitionVoter.objects.filter(petition__council=province).select_related("petition__commune"):
        assert voter.address.endswith(voter.petition.commune.name) and voter.phone.startswith("0")
    assert f"{Petition.objects.count()} petitions" in demo

    # Group leaders sent their groups' petitions; forwarded ones went in batches to several agencies.
    leader = get_user_model().objects.get(username="totruong")
    assert Submission.objects.filter(council=province, sent_by=leader).exists()
    forwarded = petitions.filter(forwarding__isnull=False)
    assert forwarded.values("agency").distinct().count() >= 3
    assert forwarded.filter(level=AgencyLevel.COMMUNE).exists()
    assert petitions.filter(status=PetitionStatus.CLASSIFIED, level=AgencyLevel.CENTRAL).exists()


def a_merged_petition_counts_its_whole_family():
    duplicate = Petition.objects.get(merged_into__isnull=False)
    main = duplicate.merged_into
    family_voters = PetitionVoter.objects.filter(Q(petition=main) | Q(petition__merged_into=main)).count()
    assert main.voter_count == family_voters > main.voters.count()
    assert main.meeting_count == 2 and duplicate.session_id != main.session_id
    assert main.status == PetitionStatus.FORWARDED


def the_agency_user_has_petitions_in_every_answer_state():
    responder = get_user_model().objects.get(username="coquan")
    mine = Petition.objects.for_agency(responder)
    assert mine.exists()
    today = timezone.localdate()
    answers = Answer.objects.filter(petition__in=mine)
    assert answers.filter(outcome=AnswerOutcome.RESOLVED, petition__status=PetitionStatus.CLOSED,
                          review=AnswerReview.ACCEPTED).exists()
    in_progress = answers.get(outcome=AnswerOutcome.IN_PROGRESS)
    assert in_progress.promised_on > today and in_progress.petition.due_on == in_progress.promised_on
    assert answers.filter(outcome=AnswerOutcome.EXPLAINED, review=AnswerReview.PENDING,
                          petition__status=PetitionStatus.ANSWERED).exists()
    sent_back = answers.get(review=AnswerReview.UNSATISFACTORY)
    assert sent_back.petition.status == PetitionStatus.FORWARDED and sent_back.review_note
    extension = ExtensionRequest.objects.get(petition__in=mine)
    assert extension.status == ExtensionStatus.PENDING
    assert extension.until == extension.petition.answer_due_on + datetime.timedelta(days=30)
    # Nothing of another agency's petitions reaches this user.
    assert not mine.exclude(agency__memberships__user=responder).exists()


def the_commune_council_has_its_own_petitions_for_its_peoples_committee():
    commune_council = Council.objects.get(name="HĐND xã Tiên Du")
    petitions = Petition.objects.filter(council=commune_council)
    assert 3 <= petitions.count() <= 4
    assert petitions.filter(status=PetitionStatus.FORWARDED).exists()
    classified = petitions.exclude(status=PetitionStatus.RECEIVED)
    assert classified.exists()
    assert all(p.level == AgencyLevel.COMMUNE and p.agency.council_id == commune_council.pk for p in classified)


def test_a_second_run_adds_nothing(demo):
    counts = {model: model.objects.count() for model in MODELS}
    statuses = sorted(Petition.objects.values_list("pk", "status"))
    second = load_petitions()
    assert {model: model.objects.count() for model in MODELS} == counts
    assert sorted(Petition.objects.values_list("pk", "status")) == statuses
    assert second.endswith("0 created now") and not demo.endswith("0 created now")
