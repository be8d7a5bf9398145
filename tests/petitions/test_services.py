"""The petitions workflow rules in petitions/services.py: every illegal move is refused, and the
clocks (forwarding within N working days, answer within N days, promised dates, extensions) are
computed and stored with how they were reached.

The interface may speak Vietnamese during tests, so messages and explanations are checked on the
codes, dates and numbers they carry, never on English words."""
import datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from delegations.models import AgencyLevel, DeadlineRules
from petitions import services
from petitions.models import (
    Answer,
    AnswerOutcome,
    AnswerReview,
    EventKind,
    ExtensionStatus,
    Forwarding,
    Petition,
    PetitionField,
    PetitionStatus,
    Submission,
)
from plans.models import ContactPlan, ContactRound, PlanStatus, RoundKind
from sessions.models import ContactSession, MeetingStatus
from tests.factories import AgencyFactory, CommuneFactory

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
ROUND_ENDS = datetime.date(2025, 11, 21)  # a Friday
FORWARDED_AT = datetime.datetime(2025, 11, 25, 9, 30, tzinfo=HANOI)
ROAD = "Đề nghị sửa chữa đường giao thông liên thôn Kiêm Tân bị xuống cấp"
ROAD_QUERY = "de nghi sua chua duong giao thong lien thon Kiem Tan xuong cap"
FEES = "Hỗ trợ học phí cho học sinh nghèo"


@pytest.fixture
def services_ctx(world):
    """In the test's transaction (not the conftest's committed `ctx`): an issued 2025 plan with a round
    ending ROUND_ENDS and a later round, a commune of group A, a field, a second agency, and the
    world's office member and agency responder."""
    plan = ContactPlan.objects.create(council=world.council, year=2025, subject="Kế hoạch TXCT",
                                      status=PlanStatus.ISSUED, number=7, issued_on=datetime.date(2025, 10, 1))
    rnd = ContactRound.objects.create(plan=plan, kind=RoundKind.BEFORE_SITTING,
                                      starts_on=datetime.date(2025, 11, 3), ends_on=ROUND_ENDS)
    later = ContactRound.objects.create(plan=plan, kind=RoundKind.AFTER_SITTING,
                                        starts_on=datetime.date(2026, 1, 5), ends_on=datetime.date(2026, 1, 30))
    commune = CommuneFactory(council=world.council, name="Kiêm Tân")
    world.group_a.communes.add(commune)
    return SimpleNamespace(
        world=world, council=world.council, office=world.users["office"], responder=world.users["agency"],
        round=rnd, later_round=later, commune=commune, agency=world.agency,
        field=PetitionField.objects.create(council=world.council, name="Giao thông"),
        other_agency=AgencyFactory(council=world.council, name="Sở Giáo dục", level=AgencyLevel.PROVINCE),
    )


def make(ctx, text=ROAD, **kwargs):
    kwargs.setdefault("round", ctx.round)
    kwargs.setdefault("group", ctx.world.group_a)
    kwargs.setdefault("commune", ctx.commune)
    kwargs.setdefault("council", ctx.council)
    return services.petition_create(user=ctx.office, text=text, **kwargs)


def fresh(petition):
    return Petition.objects.get(pk=petition.pk)


def classify(ctx, petition, agency=None):
    services.petitions_classify(petitions=[fresh(petition)], user=ctx.office, fields=[ctx.field],
                                agency=agency or ctx.agency)
    return fresh(petition)


def forward(ctx, *petitions, now=FORWARDED_AT):
    forwardings = services.petitions_forward(petitions=[fresh(p) for p in petitions], user=ctx.office, now=now)
    return forwardings


def classified(ctx, text=ROAD, agency=None, **kwargs):
    return classify(ctx, make(ctx, text, **kwargs), agency)


def forwarded(ctx, text=ROAD, agency=None, **kwargs):
    petition = classified(ctx, text, agency, **kwargs)
    forward(ctx, petition)
    return fresh(petition)


def answer(ctx, petition, outcome=AnswerOutcome.RESOLVED, text="Đã bố trí kinh phí sửa chữa trong năm 2026",
           agency=None, **kwargs):
    return services.answer_record(petition=fresh(petition), user=ctx.responder, agency=agency or ctx.agency,
                                  outcome=outcome, text=text, **kwargs)


def answered(ctx, text=ROAD, **kwargs):
    petition = forwarded(ctx, text, **kwargs)
    answer(ctx, petition)
    return fresh(petition)


def session_on(ctx, day):
    return ContactSession.objects.create(
        council=ctx.council, round=ctx.round, group=ctx.world.group_a, commune=ctx.commune,
        starts_at=datetime.datetime(2025, 11, day, 8, tzinfo=HANOI), venue="Nhà văn hóa thôn Kiêm Tân",
        status=MeetingStatus.HELD)


def voters(n):
    return [{"name": f"Cử tri {i}", "address": "Thôn Kiêm Tân"} for i in range(n)]


def message(error):
    return " ".join(error.value.messages)


def events(petition, kind):
    return petition.events.filter(kind=kind).count()


# ---------------------------------------------------------------------------- illegal moves

def test_forwarding_an_unclassified_petition_is_refused(services_ctx):
    petition = make(services_ctx)
    with pytest.raises(ValidationError) as error:
        forward(services_ctx, petition)
    assert petition.public_code in message(error)
    assert fresh(petition).status == PetitionStatus.RECEIVED
    assert not Forwarding.objects.exists()


def test_answering_before_forwarding_is_refused(services_ctx):
    petition = classified(services_ctx)
    with pytest.raises(ValidationError):
        answer(services_ctx, petition)
    assert fresh(petition).status == PetitionStatus.CLASSIFIED
    assert not Answer.objects.exists()


def test_closing_an_unanswered_forwarded_petition_is_refused(services_ctx):
    petition = forwarded(services_ctx)
    with pytest.raises(ValidationError) as error:
        services.petition_close(petition=petition, user=services_ctx.office)
    assert petition.public_code in message(error)
    assert fresh(petition).status == PetitionStatus.FORWARDED


def test_closing_a_received_petition_is_refused(services_ctx):
    petition = make(services_ctx)
    with pytest.raises(ValidationError):
        services.petition_close(petition=petition, user=services_ctx.office)
    assert fresh(petition).status == PetitionStatus.RECEIVED


def test_classifying_a_forwarded_petition_is_refused(services_ctx):
    petition = forwarded(services_ctx)
    with pytest.raises(ValidationError) as error:
        services.petitions_classify(petitions=[petition], user=services_ctx.office, fields=[services_ctx.field],
                                    agency=services_ctx.other_agency)
    assert petition.public_code in message(error)
    assert fresh(petition).agency == services_ctx.agency


@pytest.mark.parametrize("which", ["main", "duplicate"])
def test_merging_a_forwarded_petition_is_refused(services_ctx, which):
    main, duplicate = classified(services_ctx), classified(services_ctx, "Sửa đường liên thôn Kiêm Tân")
    forward(services_ctx, main if which == "main" else duplicate)
    with pytest.raises(ValidationError):
        services.petitions_merge(main=fresh(main), duplicates=[fresh(duplicate)], user=services_ctx.office)
    assert fresh(duplicate).merged_into is None


@pytest.fixture
def merged_pair(services_ctx):
    main, duplicate = classified(services_ctx), classified(services_ctx, "Sửa đường liên thôn Kiêm Tân")
    services.petitions_merge(main=main, duplicates=[duplicate], user=services_ctx.office)
    return fresh(main), fresh(duplicate)


def test_forwarding_a_merged_petition_is_refused(services_ctx, merged_pair):
    main, duplicate = merged_pair
    assert duplicate.status == PetitionStatus.CLASSIFIED  # it would be forwardable but for the merge
    with pytest.raises(ValidationError) as error:
        forward(services_ctx, duplicate)
    assert main.public_code in message(error)
    assert fresh(duplicate).status == PetitionStatus.CLASSIFIED


def test_answering_a_merged_petition_is_refused(services_ctx, merged_pair):
    main, duplicate = merged_pair
    with pytest.raises(ValidationError) as error:
        answer(services_ctx, duplicate)
    assert main.public_code in message(error)
    assert not Answer.objects.exists()


def test_classifying_a_merged_petition_is_refused(services_ctx, merged_pair):
    main, duplicate = merged_pair
    with pytest.raises(ValidationError) as error:
        services.petitions_classify(petitions=[duplicate], user=services_ctx.office, agency=services_ctx.other_agency)
    assert main.public_code in message(error)
    assert fresh(duplicate).agency == services_ctx.agency


def test_unmerging_when_the_main_petition_was_forwarded_is_refused(services_ctx, merged_pair):
    main, duplicate = merged_pair
    forward(services_ctx, main)
    with pytest.raises(ValidationError) as error:
        services.petition_unmerge(petition=duplicate, user=services_ctx.office)
    assert main.public_code in message(error)
    assert fresh(duplicate).merged_into == main


def test_an_answer_by_an_agency_it_was_not_forwarded_to_is_refused(services_ctx):
    petition = forwarded(services_ctx)
    with pytest.raises(ValidationError):
        answer(services_ctx, petition, agency=services_ctx.other_agency)
    assert fresh(petition).status == PetitionStatus.FORWARDED
    assert not Answer.objects.exists()


@pytest.mark.parametrize("roadmap, promised", [("", 90), ("Quý II/2026 khởi công", None), ("", None)])
def test_being_resolved_needs_a_roadmap_and_a_promised_date(services_ctx, roadmap, promised):
    petition = forwarded(services_ctx)
    promised_on = timezone.localdate() + datetime.timedelta(days=promised) if promised else None
    with pytest.raises(ValidationError):
        answer(services_ctx, petition, outcome=AnswerOutcome.IN_PROGRESS, roadmap=roadmap, promised_on=promised_on)
    assert fresh(petition).status == PetitionStatus.FORWARDED


@pytest.mark.parametrize("days", [-1, 0])
def test_a_promised_date_not_in_the_future_is_refused(services_ctx, days):
    petition = forwarded(services_ctx)
    with pytest.raises(ValidationError):
        answer(services_ctx, petition, outcome=AnswerOutcome.IN_PROGRESS, roadmap="Quý II/2026 khởi công",
               promised_on=timezone.localdate() + datetime.timedelta(days=days))
    assert fresh(petition).status == PetitionStatus.FORWARDED


def test_more_time_for_an_answered_petition_is_refused(services_ctx):
    petition = answered(services_ctx)
    with pytest.raises(ValidationError):
        services.extension_request(petition=petition, user=services_ctx.responder, agency=services_ctx.agency,
                                   until=petition.answer_due_on + datetime.timedelta(days=30), reason="Chờ vốn")
    assert not petition.extensions.exists()


def test_a_second_pending_request_for_more_time_is_refused(services_ctx):
    petition = forwarded(services_ctx)
    until = petition.answer_due_on + datetime.timedelta(days=30)
    services.extension_request(petition=petition, user=services_ctx.responder, agency=services_ctx.agency, until=until, reason="Chờ vốn")
    with pytest.raises(ValidationError):
        services.extension_request(petition=fresh(petition), user=services_ctx.responder, agency=services_ctx.agency,
                                   until=until + datetime.timedelta(days=10), reason="Chờ thêm")
    assert petition.extensions.count() == 1


def test_deciding_a_request_for_more_time_twice_is_refused(services_ctx):
    petition = forwarded(services_ctx)
    extension = services.extension_request(petition=petition, user=services_ctx.responder, agency=services_ctx.agency,
                                           until=petition.answer_due_on + datetime.timedelta(days=30),
                                           reason="Chờ vốn")
    services.extension_decide(extension=extension, user=services_ctx.office, grant=False)
    with pytest.raises(ValidationError):
        services.extension_decide(extension=extension, user=services_ctx.office, grant=True)
    extension.refresh_from_db()
    assert extension.status == ExtensionStatus.REFUSED
    assert fresh(petition).answer_due_on == petition.answer_due_on


def test_sending_back_a_petition_that_is_not_answered_is_refused(services_ctx):
    petition = forwarded(services_ctx)
    with pytest.raises(ValidationError):
        services.answer_send_back(petition=petition, user=services_ctx.office, note="Chưa thỏa đáng")
    assert not petition.events.filter(kind=EventKind.SENT_BACK).exists()


def test_raising_again_a_still_open_petition_is_refused(services_ctx):
    petition = forwarded(services_ctx)
    with pytest.raises(ValidationError):
        services.petition_raise_again(previous=petition, round=services_ctx.later_round, user=services_ctx.office)
    assert Petition.objects.count() == 1


def test_classifying_with_an_agency_of_another_council_is_refused(services_ctx):
    petition = make(services_ctx)
    foreign = AgencyFactory(council=services_ctx.world.other_council, name="Sở Xây dựng Lạng Sơn")
    with pytest.raises(ValidationError):
        services.petitions_classify(petitions=[petition], user=services_ctx.office, fields=[services_ctx.field], agency=foreign)
    petition = fresh(petition)
    assert petition.agency is None and petition.status == PetitionStatus.RECEIVED


def test_an_agency_of_another_level_than_the_one_given_is_refused(services_ctx):
    petition = make(services_ctx)
    with pytest.raises(ValidationError):
        services.petitions_classify(petitions=[petition], user=services_ctx.office, fields=[services_ctx.field],
                                    level=AgencyLevel.COMMUNE, agency=services_ctx.agency)  # a province agency
    petition = fresh(petition)
    assert petition.agency is None and petition.level == ""


# ------------------------------------------------------------------------------ classification

def test_field_level_and_agency_make_a_petition_classified(services_ctx):
    petition = make(services_ctx)
    services.petitions_classify(petitions=[petition], user=services_ctx.office, fields=[services_ctx.field],
                                level=AgencyLevel.PROVINCE, agency=services_ctx.agency)
    petition = fresh(petition)
    assert petition.status == PetitionStatus.CLASSIFIED
    assert list(petition.fields.all()) == [services_ctx.field]
    assert (petition.level, petition.agency) == (AgencyLevel.PROVINCE, services_ctx.agency)
    assert events(petition, EventKind.CLASSIFIED) == 1


def test_a_level_alone_leaves_the_petition_received(services_ctx):
    petition = make(services_ctx)
    services.petitions_classify(petitions=[petition], user=services_ctx.office, level=AgencyLevel.CENTRAL)
    petition = fresh(petition)
    assert petition.level == AgencyLevel.CENTRAL
    assert petition.status == PetitionStatus.RECEIVED


def test_an_agency_alone_sets_the_level(services_ctx):
    commune_committee = AgencyFactory(council=services_ctx.council, name="UBND xã Kiêm Tân", level=AgencyLevel.COMMUNE)
    petition = make(services_ctx)
    services.petitions_classify(petitions=[petition], user=services_ctx.office, agency=commune_committee)
    petition = fresh(petition)
    assert (petition.agency, petition.level) == (commune_committee, AgencyLevel.COMMUNE)
    assert petition.status == PetitionStatus.RECEIVED  # no field yet
    services.petitions_classify(petitions=[petition], user=services_ctx.office, fields=[services_ctx.field])
    assert fresh(petition).status == PetitionStatus.CLASSIFIED


def test_a_new_level_drops_an_agency_of_another_level(services_ctx):
    petition = classified(services_ctx)
    services.petitions_classify(petitions=[petition], user=services_ctx.office, level=AgencyLevel.COMMUNE)
    petition = fresh(petition)
    assert (petition.level, petition.agency) == (AgencyLevel.COMMUNE, None)
    assert petition.status == PetitionStatus.RECEIVED


def test_an_inactive_agency_is_refused(services_ctx):
    petition = make(services_ctx)
    services_ctx.other_agency.is_active = False
    services_ctx.other_agency.save()
    with pytest.raises(ValidationError):
        services.petitions_classify(petitions=[petition], user=services_ctx.office, fields=[services_ctx.field],
                                    agency=services_ctx.other_agency)
    assert fresh(petition).agency is None


# ------------------------------------------------------------------------------------ merging

@pytest.fixture
def three_meetings(services_ctx):
    first = make(services_ctx, ROAD, session=session_on(services_ctx, 10), voters=voters(2))
    second = make(services_ctx, "Sửa đường liên thôn Kiêm Tân", session=session_on(services_ctx, 11), voters=voters(1))
    main = make(services_ctx, "Đề nghị sửa chữa đường liên thôn", session=session_on(services_ctx, 12), voters=voters(1))
    return main, first, second


def test_merging_adds_the_voters_and_meetings_to_the_main_petition(services_ctx, three_meetings):
    main, first, second = three_meetings
    assert (fresh(main).voter_count, fresh(main).meeting_count) == (1, 1)
    assert fresh(first).due_on == datetime.date(2025, 11, 26)
    services.petitions_merge(main=fresh(main), duplicates=[fresh(first), fresh(second)], user=services_ctx.office)
    main = fresh(main)
    assert (main.voter_count, main.meeting_count) == (4, 3)
    assert main.merged_into is None and main.due_on == datetime.date(2025, 11, 26)
    for duplicate in (fresh(first), fresh(second)):
        assert duplicate.merged_into == main
        assert duplicate.due_on is None
        assert events(duplicate, EventKind.MERGED) == 1
    assert events(main, EventKind.MERGED) == 2
    assert set(Petition.objects.main().values_list("pk", flat=True)) == {main.pk}


def test_two_petitions_of_one_meeting_count_that_meeting_once(services_ctx):
    session = session_on(services_ctx, 10)
    main = make(services_ctx, session=session, voters=voters(1))
    duplicate = make(services_ctx, "Sửa đường liên thôn Kiêm Tân", session=session, voters=voters(2))
    services.petitions_merge(main=main, duplicates=[duplicate], user=services_ctx.office)
    assert (fresh(main).voter_count, fresh(main).meeting_count) == (3, 1)


def test_unmerging_restores_the_counts_and_the_forwarding_clock(services_ctx, three_meetings):
    main, first, second = three_meetings
    services.petitions_merge(main=fresh(main), duplicates=[fresh(first), fresh(second)], user=services_ctx.office)
    services.petition_unmerge(petition=fresh(first), user=services_ctx.office)
    first, main = fresh(first), fresh(main)
    assert first.merged_into is None
    assert (first.voter_count, first.meeting_count) == (2, 1)
    assert (main.voter_count, main.meeting_count) == (2, 2)
    assert first.forward_due_on == first.due_on == datetime.date(2025, 11, 26)
    assert "26/11/2025" in first.forward_due_explanation
    assert events(first, EventKind.UNMERGED) == 1 and events(main, EventKind.UNMERGED) == 1
    assert fresh(second).merged_into == main


def test_merging_a_petition_that_others_are_merged_into_is_refused(services_ctx, three_meetings):
    main, first, second = three_meetings
    services.petitions_merge(main=fresh(first), duplicates=[fresh(second)], user=services_ctx.office)
    with pytest.raises(ValidationError) as error:
        services.petitions_merge(main=fresh(main), duplicates=[fresh(first)], user=services_ctx.office)
    assert first.public_code in message(error)
    assert fresh(first).merged_into is None
    assert fresh(main).voter_count == 1


# ---------------------------------------------------------------------------------- forwarding

def test_a_petition_is_due_to_be_forwarded_three_working_days_after_its_round(services_ctx):
    petition = make(services_ctx)
    assert petition.forward_due_on == petition.due_on == datetime.date(2025, 11, 26)
    explanation = petition.forward_due_explanation
    for piece in ("3", "21/11/2025", "24, 25, 26", "26/11/2025"):
        assert piece in explanation, explanation


def test_the_forwarding_clock_skips_tet(services_ctx):
    tet_round = ContactRound.objects.create(plan=services_ctx.round.plan, kind=RoundKind.THEMATIC,
                                            starts_on=datetime.date(2026, 2, 2), ends_on=datetime.date(2026, 2, 13))
    petition = make(services_ctx, round=tet_round)
    assert petition.forward_due_on == datetime.date(2026, 2, 25)  # docs/domain.md's example: 16–20/02 skipped
    assert "23, 24, 25" in petition.forward_due_explanation


def test_forwarding_makes_one_batch_per_agency(services_ctx):
    road, bridge = classified(services_ctx), classified(services_ctx, "Sửa cầu treo thôn Kiêm Tân")
    school = classified(services_ctx, FEES, agency=services_ctx.other_agency)
    forwardings = forward(services_ctx, road, school, bridge)
    assert len(forwardings) == 2 and Forwarding.objects.count() == 2
    batches = {f.agency: set(f.petitions.values_list("pk", flat=True)) for f in Forwarding.objects.all()}
    assert batches == {services_ctx.agency: {road.pk, bridge.pk}, services_ctx.other_agency: {school.pk}}
    for forwarding in Forwarding.objects.all():
        assert forwarding.forwarded_by == services_ctx.office and forwarding.forwarded_at == FORWARDED_AT
        assert forwarding.forward_due_on == datetime.date(2025, 11, 26)
        assert "24, 25, 26" in forwarding.forward_due_explanation
        assert forwarding.on_time
    for petition in (road, bridge, school):
        petition = fresh(petition)
        assert petition.status == PetitionStatus.FORWARDED
        assert events(petition, EventKind.FORWARDED) == 1


def test_the_answer_is_due_sixty_days_after_forwarding(services_ctx):
    petition = classified(services_ctx)
    [forwarding] = forward(services_ctx, petition)
    due = datetime.date(2026, 1, 26)  # 25/11/2025 + 60 days = Saturday 24/01/2026 → Monday (art. 148(5))
    assert forwarding.answer_due_on == due
    petition = fresh(petition)
    assert petition.forwarding == forwarding
    assert petition.answer_due_on == petition.due_on == due
    for explanation in (forwarding.answer_due_explanation, petition.answer_due_explanation):
        for piece in ("60", "25/11/2025", "24/01/2026", "26/01/2026"):
            assert piece in explanation, explanation


def test_a_council_s_own_deadline_rules_are_used(services_ctx):
    DeadlineRules.objects.update_or_create(council=services_ctx.council,
                                           defaults={"answer_due_days": 30, "forward_working_days": 5})
    petition = classified(services_ctx)
    assert petition.forward_due_on == datetime.date(2025, 11, 28)
    assert "24, 25, 26, 27, 28" in petition.forward_due_explanation
    [forwarding] = forward(services_ctx, petition)
    assert forwarding.answer_due_on == fresh(petition).answer_due_on == datetime.date(2025, 12, 25)
    assert "30" in forwarding.answer_due_explanation and "25/12/2025" in forwarding.answer_due_explanation


def test_late_forwarding_is_recorded_as_late(services_ctx):
    petition = classified(services_ctx)
    [forwarding] = forward(services_ctx, petition, now=datetime.datetime(2025, 11, 27, 9, tzinfo=HANOI))
    assert not forwarding.on_time


# ------------------------------------------------------------------------------------- answers

def test_a_resolved_answer_stops_the_clock_and_is_searchable(services_ctx):
    petition = forwarded(services_ctx)
    assert not Petition.objects.search("bo tri kinh phi").exists()
    recorded = answer(services_ctx, petition, text="Đã bố trí kinh phí sửa chữa trong năm 2026")
    petition = fresh(petition)
    assert petition.status == PetitionStatus.ANSWERED
    assert petition.due_on is None
    assert petition.answer_text == "Đã bố trí kinh phí sửa chữa trong năm 2026"
    assert recorded.review == AnswerReview.PENDING and recorded.promised_on is None
    assert list(Petition.objects.search("bo tri kinh phi")) == [petition]
    assert events(petition, EventKind.ANSWERED) == 1


def test_being_resolved_waits_for_the_promised_date(services_ctx):
    petition = forwarded(services_ctx)
    promised = timezone.localdate() + datetime.timedelta(days=120)
    recorded = answer(services_ctx, petition, outcome=AnswerOutcome.IN_PROGRESS, roadmap="Quý II khởi công, quý III xong",
                      promised_on=promised)
    petition = fresh(petition)
    assert petition.status == PetitionStatus.ANSWERED
    assert petition.due_on == recorded.promised_on == promised
    assert promised.strftime("%d/%m/%Y") in petition.events.get(kind=EventKind.ANSWERED).note


def test_sending_an_answer_back_reopens_the_petition_with_a_new_due_date(services_ctx):
    petition = answered(services_ctx)
    services.answer_send_back(petition=petition, user=services_ctx.office, note="Chưa nêu thời gian",
                              today=datetime.date(2026, 2, 2))
    petition = fresh(petition)
    assert petition.status == PetitionStatus.FORWARDED
    assert petition.answer_due_on == petition.due_on == datetime.date(2026, 4, 3)
    assert "03/04/2026" in petition.answer_due_explanation
    reviewed = petition.answers.get()
    assert reviewed.review == AnswerReview.UNSATISFACTORY and reviewed.review_note == "Chưa nêu thời gian"
    assert events(petition, EventKind.SENT_BACK) == 1
    # The agency may answer again.
    answer(services_ctx, petition, text="Đã khởi công ngày 01/3/2026")
    assert fresh(petition).status == PetitionStatus.ANSWERED


def test_closing_accepts_the_answer(services_ctx):
    petition = answered(services_ctx)
    services.petition_close(petition=petition, user=services_ctx.office, note="Cử tri đồng ý")
    petition = fresh(petition)
    assert petition.status == PetitionStatus.CLOSED and petition.due_on is None
    reviewed = petition.answers.get()
    assert reviewed.review == AnswerReview.ACCEPTED and reviewed.reviewed_by == services_ctx.office
    assert events(petition, EventKind.CLOSED) == 1


# ---------------------------------------------------------------------------------- extensions

def test_granted_extension_moves_the_answer_date(services_ctx):
    petition = forwarded(services_ctx)
    until = datetime.date(2026, 3, 15)
    extension = services.extension_request(petition=petition, user=services_ctx.responder, agency=services_ctx.agency, until=until,
                                           reason="Chờ phân bổ vốn")
    assert extension.status == ExtensionStatus.PENDING
    services.extension_decide(extension=extension, user=services_ctx.office, grant=True, note="Đồng ý")
    petition = fresh(petition)
    assert petition.answer_due_on == petition.due_on == until
    assert "15/03/2026" in petition.answer_due_explanation and "26/01/2026" in petition.answer_due_explanation
    extension.refresh_from_db()
    assert extension.status == ExtensionStatus.GRANTED and extension.decided_by == services_ctx.office
    assert events(petition, EventKind.EXTENSION_REQUESTED) == 1 and events(petition, EventKind.EXTENSION_GRANTED) == 1


def test_refused_extension_leaves_the_dates(services_ctx):
    petition = forwarded(services_ctx)
    before = (petition.answer_due_on, petition.due_on, petition.answer_due_explanation)
    extension = services.extension_request(petition=petition, user=services_ctx.responder, agency=services_ctx.agency,
                                           until=datetime.date(2026, 3, 15), reason="Chờ phân bổ vốn")
    services.extension_decide(extension=extension, user=services_ctx.office, grant=False)
    petition = fresh(petition)
    assert (petition.answer_due_on, petition.due_on, petition.answer_due_explanation) == before
    assert before[0] == datetime.date(2026, 1, 26)
    assert fresh(petition).extensions.get().status == ExtensionStatus.REFUSED
    assert events(petition, EventKind.EXTENSION_REFUSED) == 1


# ---------------------------------------------------------------------------------- raise again

def test_raising_again_makes_a_linked_petition_classified_like_the_earlier_one(services_ctx):
    earlier = answered(services_ctx)
    services.petition_close(petition=earlier, user=services_ctx.office)
    again = services.petition_raise_again(previous=fresh(earlier), round=services_ctx.later_round, user=services_ctx.office)
    again = fresh(again)
    assert again.pk != earlier.pk and again.previous == earlier
    assert again.text == ROAD and again.round == services_ctx.later_round
    assert again.status == PetitionStatus.CLASSIFIED
    assert (again.level, again.agency) == (AgencyLevel.PROVINCE, services_ctx.agency)
    assert list(again.fields.all()) == [services_ctx.field]
    assert again.forward_due_on == datetime.date(2026, 2, 4)  # 3 working days after Fri 30/01/2026
    assert events(again, EventKind.RAISED_AGAIN) == 1 and events(earlier, EventKind.RAISED_AGAIN) == 1
    assert again.public_code in earlier.events.get(kind=EventKind.RAISED_AGAIN).note
    assert list(earlier.raised_again.all()) == [again]


# --------------------------------------------------------------------------------- submissions

def test_submitting_records_the_group_s_petitions_of_the_round_not_yet_sent(services_ctx):
    group_a, group_b = services_ctx.world.group_a, services_ctx.world.group_b
    mine = [make(services_ctx), make(services_ctx, FEES)]
    other_group = make(services_ctx, group=group_b)
    other_round = make(services_ctx, round=services_ctx.later_round)
    leader = services_ctx.world.users["group_leader"]
    submission = services.petitions_submit(round=services_ctx.round, group=group_a, user=leader, note="Tổng hợp")
    assert (submission.council, submission.round, submission.group, submission.sent_by) == (
        services_ctx.council, services_ctx.round, group_a, leader)
    assert set(submission.petitions.values_list("pk", flat=True)) == {p.pk for p in mine}
    assert fresh(other_group).submission is None and fresh(other_round).submission is None
    assert all(events(p, EventKind.SUBMITTED) == 1 for p in mine)
    with pytest.raises(ValidationError):
        services.petitions_submit(round=services_ctx.round, group=group_a, user=leader)
    assert Submission.objects.count() == 1
    # A petition entered afterwards goes in a second submission, alone.
    late = make(services_ctx, "Đề nghị lắp đèn đường thôn Kiêm Tân")
    second = services.petitions_submit(round=services_ctx.round, group=group_a, user=leader)
    assert list(second.petitions.all()) == [fresh(late)]


# ------------------------------------------------------------------------------ similar petitions

def test_similar_petitions_are_found_without_accents(services_ctx):
    road, fees = make(services_ctx, ROAD), make(services_ctx, FEES)
    found = services.similar_petitions(council=services_ctx.council, text=ROAD_QUERY)
    assert road in found and fees not in found
    assert all(p.similarity >= 0.3 for p in found)
    assert services.similar_petitions(council=services_ctx.council, text=ROAD_QUERY, exclude=road) == []


def test_similar_petitions_never_come_from_another_council(services_ctx):
    foreign = services.petition_create(council=services_ctx.world.other_council, user=services_ctx.world.users["other_council"],
                                       text=ROAD)
    assert services.similar_petitions(council=services_ctx.council, text=ROAD_QUERY) == []
    assert services.similar_petitions(council=services_ctx.world.other_council, text=ROAD_QUERY) == [foreign]


def test_similar_petitions_keep_to_the_round_when_given(services_ctx):
    this_round, later = make(services_ctx, ROAD), make(services_ctx, ROAD, round=services_ctx.later_round)
    assert {p.pk for p in services.similar_petitions(council=services_ctx.council, text=ROAD_QUERY)} == {this_round.pk,
                                                                                               later.pk}
    assert services.similar_petitions(council=services_ctx.council, text=ROAD_QUERY, round=services_ctx.round) == [this_round]
    assert services.similar_petitions(council=services_ctx.council, text=ROAD_QUERY, round=services_ctx.later_round) == [later]


def test_similar_petitions_leave_out_merged_ones_and_short_queries(services_ctx):
    main, duplicate = make(services_ctx, ROAD), make(services_ctx, ROAD)
    services.petitions_merge(main=main, duplicates=[duplicate], user=services_ctx.office)
    assert services.similar_petitions(council=services_ctx.council, text=ROAD_QUERY) == [main]
    assert services.similar_petitions(council=services_ctx.council, text="đường") == []


def test_trigrams_are_those_of_pg_trgm():
    assert services.trigrams("cat") == {"  c", " ca", "cat", "at "}
    assert services.trigrams("a-b") == {"  a", " a ", "  b", " b "}
    assert services.trigrams("") == set()


def test_trigram_similarity_is_shared_over_all_trigrams():
    cat, cart = services.trigrams("cat"), services.trigrams("cart")
    # cat: "  c", " ca", "cat", "at "; cart: "  c", " ca", "car", "art", "rt " -> 2 shared of 7
    assert services.trigram_similarity(cat, cart) == pytest.approx(2 / 7)
    assert services.trigram_similarity(cat, cat) == 1.0
    assert services.trigram_similarity(cat, services.trigrams("dog")) == 0.0
    assert services.trigram_similarity(set(), cat) == 0.0


@pytest.mark.django_db
def test_the_python_measure_matches_postgresql_similarity():
    if connection.vendor != "postgresql":
        pytest.skip("pg_trgm is only on PostgreSQL")
    pairs = [("cat", "cart"), ("de nghi sua chua duong", "de nghi sua duong giao thong"),
             ("ho tro hoc phi", "duong giao thong lien thon kn-2025-000001")]
    with connection.cursor() as cursor:
        for a, b in pairs:
            cursor.execute("SELECT similarity(%s, %s)", [a, b])
            expected = cursor.fetchone()[0]
            assert services.trigram_similarity(services.trigrams(a), services.trigrams(b)) == pytest.approx(
                expected, abs=1e-6), (a, b)
