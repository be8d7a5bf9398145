"""Writes are cheap and counted (issue 15): the main write paths of petitions/services/ run a
fixed number of queries, the same for 10 petitions as for 100 (200 rows of the floor table as for
20), asserted exactly as the reads are; and the floor table's bulk save writes exactly the rows the
one-by-one path (`petition_create`) writes."""
import datetime
import re
import time
from zoneinfo import ZoneInfo

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from delegations.models import Deadline, DeadlineState, Notification, NotificationKind, Role
from delegations.text import fold
from petitions import services
from petitions.models import (
    Answer,
    AnswerOutcome,
    EventKind,
    Petition,
    PetitionEvent,
    PetitionField,
    PetitionSource,
    PetitionStatus,
)
from plans.models import ContactPlan, ContactRound, PlanStatus, RoundKind
from sessions.models import ContactSession, MeetingStatus
from tests.factories import CommuneFactory, MembershipFactory, UserFactory

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture
def meeting(world, time_machine):
    time_machine.move_to(datetime.datetime(2026, 11, 25, 9, tzinfo=HANOI), tick=True)
    plan = ContactPlan.objects.create(council=world.council, year=2026, subject="Kế hoạch TXCT",
                                      status=PlanStatus.ISSUED, number=1, issued_on=datetime.date(2026, 10, 15))
    rnd = ContactRound.objects.create(plan=plan, kind=RoundKind.BEFORE_SITTING, starts_on=datetime.date(2026, 11, 2),
                                      ends_on=datetime.date(2026, 11, 20))
    commune = CommuneFactory(council=world.council, name="Kiêm Tân")
    world.group_a.communes.add(commune)
    session = ContactSession.objects.create(
        council=world.council, round=rnd, group=world.group_a, commune=commune,
        starts_at=datetime.datetime(2026, 11, 10, 8, tzinfo=HANOI), venue="Nhà văn hóa", status=MeetingStatus.HELD)
    # A second responder and a second office member: the notices go to several people.
    MembershipFactory(user=UserFactory(username="coquan2"), council=world.council, role=Role.AGENCY,
                      agency=world.agency)
    MembershipFactory(user=UserFactory(username="vanphong2"), council=world.council, role=Role.OFFICE)
    return session


@pytest.fixture
def field(world):
    return PetitionField.objects.create(council=world.council, name="Giao thông")


def floor_rows(count, field):
    return [{"text": f"Đề nghị sửa đường liên thôn số {i}", "field": field if i % 2 else None,
             "voter_name": f"Cử tri {i}" if i % 3 else "", "voter_address": "Thôn Kiêm Tân" if i % 3 else "",
             "voter_phone": "0909000111" if i % 5 == 1 else ""}
            for i in range(count)]


def from_floor(world, meeting, rows):
    return services.petitions_from_floor(session=meeting, rows=rows, user=world.users["group_leader"])


def counted(action):
    with CaptureQueriesContext(connection) as queries:
        result = action()
    return len(queries), result


def fresh(petitions):
    return list(Petition.objects.filter(pk__in=[p.pk for p in petitions]).order_by("pk"))


def classified(world, meeting, field, count):
    petitions = from_floor(world, meeting, floor_rows(count, field))
    services.petitions_classify(petitions=fresh(petitions), user=world.users["office"], fields=[field],
                                agency=world.agency)
    return fresh(petitions)


def forwarded(world, meeting, field, count):
    petitions = classified(world, meeting, field, count)
    services.petitions_forward(petitions=petitions, user=world.users["office"])
    return fresh(petitions)


# ------------------------------------------------------------------------------ the floor table

def what_was_written(petition):
    """Everything the intake writes for one petition, without ids, codes and times."""
    content_type = ContentType.objects.get_for_model(Petition)
    deadlines = [(d.kind, d.due_on, d.explanation, d.title.replace(petition.public_code, "CODE"),
                  d.url == petition.get_absolute_url(), d.start_on, d.amount, d.unit, d.state)
                 for d in Deadline.objects.filter(content_type=content_type, object_id=petition.pk).order_by("kind")]
    return {
        "row": {name: getattr(petition, name) for name in (
            "council_id", "source", "session_id", "round_id", "group_id", "commune_id", "text", "summary", "level",
            "agency_id", "status", "voter_count", "meeting_count", "forward_due_on", "forward_due_explanation",
            "answer_due_on", "due_on", "created_by_id", "merged_into_id")},
        "search_text": petition.search_text.replace(petition.public_code.lower(), "code"),
        "fields": [f.name for f in petition.fields.all()],
        "voters": [(v.name, v.address, v.phone) for v in petition.voters.all()],
        "events": [(e.kind, e.by_id, e.note) for e in petition.events.all()],
        "deadlines": deadlines,
    }


def test_the_floor_table_writes_what_one_petition_at_a_time_wrote(world, meeting, field):
    rows = floor_rows(6, field)
    leader = world.users["group_leader"]
    one_by_one = [services.petition_create(
        council=meeting.council, user=leader, text=row["text"], source=PetitionSource.MEETING, session=meeting,
        fields=[row["field"]] if row.get("field") else (),
        voters=[{"name": row["voter_name"], "address": row["voter_address"], "phone": row["voter_phone"]}])
        for row in rows]
    at_once = from_floor(world, meeting, rows)
    assert len(at_once) == 6
    for before, now in zip(fresh(one_by_one), fresh(at_once), strict=True):
        assert what_was_written(now) == what_was_written(before)
        assert re.fullmatch(r"KN-2026-[2-9A-HJKMNP-TV-Z]{9}", now.public_code)
    assert [p.voter_count for p in fresh(at_once)] == [0, 1, 1, 0, 1, 1]
    assert {p.meeting_count for p in fresh(at_once)} == {1}
    assert all(d.state == DeadlineState.OPEN for d in Deadline.objects.filter(kind=services.PETITION_FORWARD))
    # One history row per petition, with its field on it (the one-by-one path wrote three or four).
    for petition in fresh(at_once):
        history = list(petition.history.all())
        assert len(history) == 1 and history[0].history_user == leader
        assert [f.petitionfield.name for f in history[0].fields.all()] == [f.name for f in petition.fields.all()]
        assert [v.history_user for v in petition.voters.model.history.filter(id__in=petition.voters.values("pk"))] \
            == [leader] * petition.voter_count
    assert len({p.public_code for p in Petition.objects.all()}) == 12


def test_the_floor_table_saves_200_rows_in_the_queries_of_20_and_within_a_second(world, meeting, field):
    from_floor(world, meeting, floor_rows(1, field))  # the council's rules are created on first use
    few, _petitions = counted(lambda: from_floor(world, meeting, floor_rows(20, field)))
    started = time.perf_counter()
    many, petitions = counted(lambda: from_floor(world, meeting, floor_rows(200, field)))
    seconds = time.perf_counter() - started
    print(f"\nfloor: 200 rows in {seconds:.3f} s, {many} queries (20 rows: {few})")
    assert few == many == FLOOR_QUERIES
    assert len(petitions) == 200 and Petition.objects.count() == 221
    if connection.vendor == "postgresql":
        assert seconds <= 1.0, seconds


# Three savepoints and their releases (the save, the bulk intake, the code draw); the council's rules;
# its calendar's days off; the petitions and their history rows; their fields' rows; the voters and
# their history rows; the history rows read back and the fields on them; the events; the deadlines.
FLOOR_QUERIES = 17


# ------------------------------------------------------------------------- classify and forward

@pytest.mark.parametrize("count", [10, 100])
def test_classifying_takes_a_fixed_number_of_queries(world, meeting, field, count):
    petitions = fresh(from_floor(world, meeting, floor_rows(count, field)))
    queries, changed = counted(lambda: services.petitions_classify(
        petitions=petitions, user=world.users["office"], fields=[field], agency=world.agency))
    assert queries == CLASSIFY_QUERIES
    assert len(changed) == count
    stored = fresh(petitions)
    assert {p.status for p in stored} == {PetitionStatus.CLASSIFIED}
    assert all(list(p.fields.all()) == [field] and p.agency == world.agency for p in stored)
    assert PetitionEvent.objects.filter(kind=EventKind.CLASSIFIED).count() == count
    assert all(p.history.count() == 2 for p in stored)
    assert all([f.petitionfield for f in p.history.first().fields.all()] == [field] for p in stored)


# Savepoint and release; the petitions locked; their council and round; the fields' rows deleted and
# inserted; rules and calendar; one UPDATE, the history rows and the fields on them; the deadlines
# locked (savepoint, release); the events.
CLASSIFY_QUERIES = 16


@pytest.mark.parametrize("count", [10, 100])
def test_forwarding_takes_a_fixed_number_of_queries(world, meeting, field, count):
    petitions = classified(world, meeting, field, count)
    queries, forwardings = counted(lambda: services.petitions_forward(petitions=petitions,
                                                                      user=world.users["office"]))
    assert queries == FORWARD_QUERIES
    assert len(forwardings) == 1
    stored = fresh(petitions)
    assert {p.status for p in stored} == {PetitionStatus.FORWARDED}
    assert {p.forwarding_id for p in stored} == {forwardings[0].pk}
    open_kinds = set(Deadline.objects.filter(state=DeadlineState.OPEN).values_list("kind", "object_id"))
    assert open_kinds == {(services.PETITION_ANSWER, p.pk) for p in stored}
    assert PetitionEvent.objects.filter(kind=EventKind.FORWARDED).count() == count


# Savepoint and release; the petitions locked; their agency and its council; rules and calendar;
# the batch and its history row; one UPDATE, the history rows, the fields' rows and the fields on
# the history; two closings (to forward: done; a promise: cancelled); the answer clocks locked and
# inserted (four savepoints); the events; the agency's responders, their preferences, their inbox
# rows and the outbox's e-mail wish (a read, two savepoints, an insert).
FORWARD_QUERIES = 31


# ---------------------------------------------------------------------- answer, review, merge

@pytest.mark.parametrize("count", [1, 10])
def test_an_answer_takes_a_fixed_number_of_queries(world, meeting, field, count):
    petitions = forwarded(world, meeting, field, count)
    queries, _answer = counted(lambda: services.answer_record(
        petition=petitions[-1], user=world.users["agency"], agency=world.agency, outcome=AnswerOutcome.RESOLVED,
        text="Đã sửa xong"))
    assert queries == ANSWER_QUERIES
    assert fresh(petitions)[-1].status == PetitionStatus.ANSWERED


ANSWER_QUERIES = 23


def answered(world, meeting, field):
    petition = forwarded(world, meeting, field, 2)[0]
    services.answer_record(petition=petition, user=world.users["agency"], agency=world.agency,
                           outcome=AnswerOutcome.IN_PROGRESS, text="Đang bố trí vốn", roadmap="Quý I/2027",
                           promised_on=datetime.date(2027, 3, 31))
    return fresh([petition])[0]


def test_closing_takes_a_fixed_number_of_queries(world, meeting, field):
    petition = answered(world, meeting, field)
    queries, _petition = counted(lambda: services.petition_close(petition=petition, user=world.users["office"]))
    assert queries == CLOSE_QUERIES
    assert fresh([petition])[0].status == PetitionStatus.CLOSED
    assert not Deadline.objects.filter(object_id=petition.pk, state=DeadlineState.OPEN).exists()


CLOSE_QUERIES = 23


def test_sending_back_takes_a_fixed_number_of_queries(world, meeting, field):
    petition = answered(world, meeting, field)
    queries, _petition = counted(lambda: services.answer_send_back(petition=petition, user=world.users["office"],
                                                                    note="Chưa rõ lộ trình"))
    assert queries == SEND_BACK_QUERIES
    assert fresh([petition])[0].status == PetitionStatus.FORWARDED
    assert set(Deadline.objects.filter(object_id=petition.pk, state=DeadlineState.OPEN)
               .values_list("kind", flat=True)) == {services.PETITION_ANSWER}


SEND_BACK_QUERIES = 34


@pytest.mark.parametrize("count", [2, 20])
def test_merging_takes_a_fixed_number_of_queries(world, meeting, field, count):
    main, *duplicates = fresh(from_floor(world, meeting, floor_rows(count + 1, field)))
    queries, _main = counted(lambda: services.petitions_merge(main=main, duplicates=duplicates,
                                                              user=world.users["office"]))
    assert queries == MERGE_QUERIES
    stored, *merged = fresh([main, *duplicates])
    voters = [1 if i % 3 or i % 5 == 1 else 0 for i in range(count + 1)]  # floor_rows' rows with a voter
    assert (stored.voter_count, stored.meeting_count) == (sum(voters), 1)
    assert {p.merged_into_id for p in merged} == {main.pk}
    assert [(p.voter_count, p.meeting_count) for p in merged] == [(n, 1) for n in voters[1:]]
    assert PetitionEvent.objects.filter(kind=EventKind.MERGED, petition=main).count() == count
    assert not Deadline.objects.filter(object_id__in=[p.pk for p in merged], state=DeadlineState.OPEN).exists()


# Savepoint and release; the petitions locked; petitions merged into a duplicate; one UPDATE, the
# history rows, the fields' rows and the fields on the history; the duplicates' clocks cancelled;
# voters and meetings counted; one UPDATE of the counts, its history rows and fields; the events.
MERGE_QUERIES = 16


# ------------------------------------------------------------------------- answers in a batch

def written_for_answer(petition):
    """What an answer writes for one petition, without ids, codes and times."""
    content_type = ContentType.objects.get_for_model(Petition)
    answer = petition.answers.get()
    return {
        "petition": (petition.status, petition.answer_text, petition.due_on,
                     petition.search_text.replace(petition.public_code.lower(), "code").replace(fold(petition.text),
                                                                                                 "text")),
        "answer": (answer.agency_id, answer.outcome, answer.text, answer.roadmap, answer.promised_on,
                   answer.answered_by_id, answer.history.get().history_user_id),
        "event": list(petition.events.filter(kind=EventKind.ANSWERED).values_list("by_id", "note")),
        "deadlines": sorted(Deadline.objects.filter(content_type=content_type, object_id=petition.pk)
                            .values_list("kind", "state", "due_on", "unit", "explanation")),
        "notices": sorted((n.recipient_id, n.subject.replace(petition.public_code, "CODE"),
                           n.body.replace(petition.public_code, "CODE"), n.url == petition.get_absolute_url())
                          for n in Notification.objects.filter(kind=NotificationKind.ANSWER_RECEIVED,
                                                               url=petition.get_absolute_url())),
        "history": petition.history.first().history_user_id,
    }


PROMISE = {"outcome": AnswerOutcome.IN_PROGRESS, "text": "Đang bố trí vốn sửa đường", "roadmap": "Quý I/2027",
           "promised_on": datetime.date(2027, 3, 31)}


def test_a_batch_answer_writes_what_answering_one_at_a_time_wrote(world, meeting, field):
    petitions = forwarded(world, meeting, field, 6)
    responder = world.users["agency"]
    for petition in petitions[:3]:
        services.answer_record(petition=petition, user=responder, agency=world.agency, **PROMISE)
    answers = services.answers_record(petitions=petitions[3:], user=responder, agency=world.agency, **PROMISE)
    assert [a.petition_id for a in answers] == [p.pk for p in petitions[3:]]
    stored = fresh(petitions)
    for before, now in zip(stored[:3], stored[3:], strict=True):
        assert written_for_answer(now) == written_for_answer(before)
    assert Deadline.objects.filter(kind=services.PETITION_PROMISED, state=DeadlineState.OPEN).count() == 6


def test_a_batch_answer_refuses_all_when_one_petition_is_not_the_agencys(world, meeting, field):
    petitions = forwarded(world, meeting, field, 3)
    other = classified(world, meeting, field, 1)[0]  # classified, not forwarded
    with pytest.raises(ValidationError):
        services.answers_record(petitions=[*petitions, other], user=world.users["agency"], agency=world.agency,
                                outcome=AnswerOutcome.RESOLVED, text="Đã sửa xong")
    assert not Answer.objects.exists()
    assert {p.status for p in fresh(petitions)} == {PetitionStatus.FORWARDED}


@pytest.mark.parametrize("count", [10, 100])
def test_a_batch_answer_takes_a_fixed_number_of_queries(world, meeting, field, count):
    petitions = forwarded(world, meeting, field, count)
    queries, answers = counted(lambda: services.answers_record(petitions=petitions, user=world.users["agency"],
                                                               agency=world.agency, **PROMISE))
    assert queries == ANSWERS_QUERIES
    assert len(answers) == count
    assert {p.status for p in fresh(petitions)} == {PetitionStatus.ANSWERED}
    # Each office member is told of each answer, as one answer at a time tells them.
    assert Notification.objects.filter(kind=NotificationKind.ANSWER_RECEIVED).count() == 2 * count


# Savepoint and release; the petitions locked and their council; the answers and their history rows;
# one UPDATE, the history rows, the fields' rows and the fields on the history; one closing (the
# clocks to forward and to answer: done); the promised dates locked and inserted (four savepoints);
# the events; the office, its preferences, the inbox rows and the outbox's wish.
ANSWERS_QUERIES = 27


# ------------------------------------------------------------------- a group sends to the office

@pytest.mark.parametrize("count", [10, 100])
def test_sending_to_the_office_takes_a_fixed_number_of_queries(world, meeting, field, count):
    petitions = from_floor(world, meeting, floor_rows(count, field))
    leader = world.users["group_leader"]
    queries, submission = counted(lambda: services.petitions_submit(round=meeting.round, group=meeting.group,
                                                                    user=leader))
    assert queries == SUBMIT_QUERIES
    stored = fresh(petitions)
    assert {p.submission_id for p in stored} == {submission.pk}
    assert all(p.history.first().history_user == leader and p.history.count() == 2 for p in stored)
    assert PetitionEvent.objects.filter(kind=EventKind.SUBMITTED, by=leader).count() == count


# Savepoint and release; the group's petitions locked; the submission; one UPDATE, the history rows,
# the fields' rows and the fields on the history; the events; the office, its preferences, the inbox
# rows and the outbox's wish.
SUBMIT_QUERIES = 18
