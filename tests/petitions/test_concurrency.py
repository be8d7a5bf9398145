"""Two people acting on the same petitions at once (issue 11, finding 3): every state change locks
the petitions' rows and re-checks their state inside the transaction, so exactly one of two
identical or conflicting actions takes effect and the other is told who acted, and when. On
PostgreSQL the calls run in real threads, each with its own connection (tests/concurrency.py); on
SQLite one after the other, with objects read before either ran (what a second browser tab holds).

Also finding 8: "send to the office" writes a history row for each petition, credited to the leader."""
import datetime

import pytest
from django.core.exceptions import ValidationError

from delegations.models import Role
from petitions import services
from petitions.models import (
    Answer,
    AnswerOutcome,
    AnswerReview,
    EventKind,
    ExtensionRequest,
    ExtensionStatus,
    Forwarding,
    Petition,
    PetitionEvent,
    PetitionStatus,
    Submission,
)
from tests.concurrency import at_once, split
from tests.factories import full_name, person
from tests.petitions.builders import petitions, read


def answered(ctx):
    petition, = petitions(ctx, 1)
    services.petitions_forward(petitions=read([petition.pk]), user=ctx.office[0])
    services.answer_record(petition=read([petition.pk])[0], user=ctx.responder, agency=ctx.agencies[0],
                           outcome=AnswerOutcome.EXPLAINED, text="Đã đưa vào kế hoạch duy tu năm 2027.")
    return petition


def message(error):
    return " ".join(error.messages)


# ------------------------------------------------------------------------------- forwarding

def test_ten_people_forwarding_the_same_five_petitions_make_one_batch_per_agency(ctx):
    pks = [p.pk for p in petitions(ctx, 5)]
    pages = [read(pks) for _ in ctx.office]  # each read before anyone forwards
    outcomes = at_once(*[lambda user=user, page=page: services.petitions_forward(petitions=page, user=user)
                         for user, page in zip(ctx.office, pages, strict=True)])
    done, refused = split(outcomes)
    assert len(done) == 1 and len(refused) == 9, outcomes
    assert all(isinstance(error, ValidationError) for error in refused), refused
    # Exactly one batch per agency, none empty, and one "forwarded" step per petition.
    assert Forwarding.objects.count() == 2
    assert sorted(Forwarding.objects.values_list("agency_id", flat=True)) == sorted(a.pk for a in ctx.agencies)
    assert all(f.petitions.count() for f in Forwarding.objects.all())
    assert PetitionEvent.objects.filter(kind=EventKind.FORWARDED).count() == 5
    assert set(PetitionEvent.objects.filter(kind=EventKind.FORWARDED).values_list("petition_id", flat=True)) == set(pks)
    winner = Forwarding.objects.first().forwarded_by
    assert Forwarding.objects.filter(forwarded_by=winner).count() == 2
    codes = set(Petition.objects.filter(pk__in=pks).values_list("public_code", flat=True))
    for error in refused:  # "Kiến nghị KN-… đã được chuyển lúc 09:12 ngày 01/12/2026 bởi Nguyễn Văn A."
        text = message(error)
        assert full_name(winner) in text and any(code in text for code in codes), text
        assert "đã được chuyển lúc" in text, text


def test_a_double_click_on_forward_forwards_once_and_says_who_forwarded(ctx):
    pks = [p.pk for p in petitions(ctx, 2)]
    first, second = read(pks), read(pks)
    services.petitions_forward(petitions=first, user=ctx.office[1])
    with pytest.raises(ValidationError) as refused:
        services.petitions_forward(petitions=second, user=ctx.office[1])
    assert full_name(ctx.office[1]) in message(refused.value)
    assert Forwarding.objects.count() == 2
    assert PetitionEvent.objects.filter(kind=EventKind.FORWARDED).count() == 2
    # The objects the second click held were brought up to date, not left saying "classified".
    assert {p.status for p in second} == {PetitionStatus.FORWARDED}


# ---------------------------------------------------------------------- review and closing

def test_closing_and_sending_back_the_same_answer_at_once_one_wins_the_other_is_told(ctx):
    petition = answered(ctx)
    pages = read([petition.pk]), read([petition.pk])
    outcomes = at_once(
        lambda: services.petition_close(petition=pages[0][0], user=ctx.office[2], note="Thỏa đáng"),
        lambda: services.answer_send_back(petition=pages[1][0], user=ctx.standing, note="Chưa rõ lộ trình"))
    done, refused = split(outcomes)
    assert len(done) == 1 and len(refused) == 1, outcomes
    petition.refresh_from_db()
    answer = Answer.objects.get(petition=petition)
    kinds = list(petition.events.filter(kind__in=[EventKind.CLOSED, EventKind.SENT_BACK]).values_list("kind", flat=True))
    if outcomes[0] is done[0]:  # closed first: the send-back is refused, not lost silently
        assert petition.status == PetitionStatus.CLOSED and answer.review == AnswerReview.ACCEPTED
        assert kinds == [EventKind.CLOSED]
        assert "đã được kết thúc lúc" in message(refused[0]) and full_name(ctx.office[2]) in message(refused[0])
    else:
        assert petition.status == PetitionStatus.FORWARDED and answer.review == AnswerReview.UNSATISFACTORY
        assert kinds == [EventKind.SENT_BACK]
        assert "đã được trả lại" in message(refused[0]) and full_name(ctx.standing) in message(refused[0])


def test_sending_back_an_answer_already_closed_is_refused_not_lost(ctx):
    petition = answered(ctx)
    stale = read([petition.pk])[0]
    services.petition_close(petition=read([petition.pk])[0], user=ctx.office[3])
    with pytest.raises(ValidationError) as refused:
        services.answer_send_back(petition=stale, user=ctx.standing, note="Chưa thỏa đáng")
    assert full_name(ctx.office[3]) in message(refused.value)
    petition.refresh_from_db()
    assert petition.status == PetitionStatus.CLOSED
    assert not petition.events.filter(kind=EventKind.SENT_BACK).exists()


def test_closing_twice_closes_once(ctx):
    petition = answered(ctx)
    outcomes = at_once(lambda: services.petition_close(petition=read([petition.pk])[0], user=ctx.office[4]),
                       lambda: services.petition_close(petition=read([petition.pk])[0], user=ctx.office[5]))
    done, refused = split(outcomes)
    assert len(done) == 1 and len(refused) == 1, outcomes
    assert PetitionEvent.objects.filter(petition=petition, kind=EventKind.CLOSED).count() == 1
    assert "đã được kết thúc lúc" in message(refused[0])


# ------------------------------------------------------------------------------ agency answers

def test_an_answer_arriving_after_the_office_closed_the_petition_is_refused_and_does_not_reopen_it(ctx):
    petition = answered(ctx)
    agency_page = read([petition.pk])[0]  # the agency's form was opened before the office closed
    services.petition_close(petition=read([petition.pk])[0], user=ctx.office[6])
    with pytest.raises(ValidationError) as refused:
        services.answer_record(petition=agency_page, user=ctx.responder, agency=ctx.agencies[0],
                               outcome=AnswerOutcome.RESOLVED, text="Đã sửa xong tuyến đường.")
    assert full_name(ctx.office[6]) in message(refused.value)
    petition.refresh_from_db()
    assert petition.status == PetitionStatus.CLOSED
    assert Answer.objects.filter(petition=petition).count() == 1


def test_an_answer_and_a_closing_at_once_never_leave_the_petition_reopened(ctx):
    petition = answered(ctx)
    pages = read([petition.pk]), read([petition.pk])
    outcomes = at_once(
        lambda: services.answer_record(petition=pages[0][0], user=ctx.responder, agency=ctx.agencies[0],
                                       outcome=AnswerOutcome.RESOLVED, text="Đã sửa xong tuyến đường."),
        lambda: services.petition_close(petition=pages[1][0], user=ctx.office[7]))
    petition.refresh_from_db()
    assert petition.status == PetitionStatus.CLOSED  # whichever came first, the office's closing stands
    answers = Answer.objects.filter(petition=petition).count()
    if isinstance(outcomes[0], Exception):  # the answer came second: refused, not recorded
        assert answers == 1 and full_name(ctx.office[7]) in message(outcomes[0])
    else:  # the answer came first: the closing accepted it
        assert answers == 2 and not isinstance(outcomes[1], Exception)
    assert PetitionEvent.objects.filter(petition=petition, kind=EventKind.CLOSED).count() == 1


def test_two_requests_for_more_time_at_once_make_one(ctx):
    petition, = petitions(ctx, 1)
    services.petitions_forward(petitions=read([petition.pk]), user=ctx.office[0])
    until = petition.round.ends_on + datetime.timedelta(days=200)
    outcomes = at_once(*[lambda: services.extension_request(petition=read([petition.pk])[0], user=ctx.responder,
                                                            agency=ctx.agencies[0], until=until, reason="Chờ vốn")
                         for _ in range(2)])
    assert len(split(outcomes)[0]) == 1, outcomes
    assert ExtensionRequest.objects.filter(petition=petition).count() == 1


def test_granting_and_refusing_the_same_request_at_once_one_decides(ctx):
    petition, = petitions(ctx, 1)
    services.petitions_forward(petitions=read([petition.pk]), user=ctx.office[0])
    extension = services.extension_request(petition=read([petition.pk])[0], user=ctx.responder,
                                           agency=ctx.agencies[0], until=datetime.date(2027, 6, 30), reason="Chờ vốn")
    copies = [ExtensionRequest.objects.select_related("petition").get(pk=extension.pk) for _ in range(2)]
    outcomes = at_once(lambda: services.extension_decide(extension=copies[0], user=ctx.office[8], grant=True),
                       lambda: services.extension_decide(extension=copies[1], user=ctx.office[9], grant=False))
    done, refused = split(outcomes)
    assert len(done) == 1 and len(refused) == 1, outcomes
    extension.refresh_from_db()
    decider = ctx.office[8] if extension.status == ExtensionStatus.GRANTED else ctx.office[9]
    assert extension.decided_by == decider and full_name(decider) in message(refused[0])
    assert PetitionEvent.objects.filter(petition=petition, kind__in=[EventKind.EXTENSION_GRANTED,
                                                                      EventKind.EXTENSION_REFUSED]).count() == 1


# ------------------------------------------------------------------------- classify and merge

def test_merging_the_same_duplicates_twice_at_once_merges_once(ctx):
    main, duplicate = petitions(ctx, 2, classified=False)
    outcomes = at_once(*[lambda user=user: services.petitions_merge(main=read([main.pk])[0],
                                                                    duplicates=read([duplicate.pk]), user=user)
                         for user in ctx.office[:2]])
    done, refused = split(outcomes)
    assert len(done) == 1 and len(refused) == 1, outcomes
    assert "đã được gộp vào" in message(refused[0])
    assert PetitionEvent.objects.filter(kind=EventKind.MERGED).count() == 2  # one on each petition
    main.refresh_from_db()
    assert main.voter_count == 0 and main.meeting_count == 0  # counted once, not twice


def test_classifying_while_someone_forwards_never_changes_a_forwarded_petition(ctx):
    petition, = petitions(ctx, 1)
    pages = read([petition.pk]), read([petition.pk])
    outcomes = at_once(
        lambda: services.petitions_forward(petitions=pages[0], user=ctx.office[0]),
        lambda: services.petitions_classify(petitions=pages[1], user=ctx.office[1], agency=ctx.agencies[1]))
    petition.refresh_from_db()
    forwarding = Forwarding.objects.get()
    assert petition.agency_id == forwarding.agency_id  # the batch's agency is the petition's agency
    if isinstance(outcomes[1], Exception):
        assert "đã được chuyển lúc" in message(outcomes[1])


def test_raising_the_same_petition_again_twice_records_it_once(ctx):
    petition = answered(ctx)
    services.petition_close(petition=read([petition.pk])[0], user=ctx.office[0])
    outcomes = at_once(*[lambda: services.petition_raise_again(previous=read([petition.pk])[0], round=ctx.later,
                                                               user=ctx.office[1]) for _ in range(2)])
    done, refused = split(outcomes)
    assert len(done) == 1 and len(refused) == 1, outcomes
    assert Petition.objects.filter(previous=petition).count() == 1
    assert done[0].public_code in message(refused[0])


# -------------------------------------------------------------------- sending to the office

def test_two_leaders_sending_the_group_to_the_office_at_once_make_one_submission(ctx):
    leaders = [ctx.world.users["group_leader"], person(ctx.council, Role.GROUP_LEADER, 1, group=ctx.world.group_a)]
    petitions(ctx, 3, classified=False)
    outcomes = at_once(*[lambda user=user: services.petitions_submit(round=ctx.round, group=ctx.world.group_a,
                                                                     user=user) for user in leaders])
    done, refused = split(outcomes)
    assert len(done) == 1 and len(refused) == 1, outcomes
    assert Submission.objects.count() == 1
    assert PetitionEvent.objects.filter(kind=EventKind.SUBMITTED).count() == 3
    assert full_name(done[0].sent_by) in message(refused[0])


def test_sending_to_the_office_writes_each_petitions_history_credited_to_the_leader(ctx):
    """Finding 8: a bulk update() wrote no history; the change showed up later, credited to the next
    person who saved the petition."""
    leader = ctx.world.users["group_leader"]
    made = petitions(ctx, 3, classified=False)
    submission = services.petitions_submit(round=ctx.round, group=ctx.world.group_a, user=leader)
    for petition in made:
        latest = petition.history.order_by("-history_date", "-history_id").first()
        assert latest.submission_id == submission.pk
        assert latest.history_user == leader
        assert latest.history_type == "~"


def test_every_step_writes_history_credited_to_the_one_who_acted(ctx):
    """"History for every change, credited to the person who acted", also outside a web request
    (an import, a task, the shell), where no middleware knows the user."""
    petition, = petitions(ctx, 1)
    steps = [
        (ctx.office[1], lambda user: services.petitions_forward(petitions=read([petition.pk]), user=user)),
        (ctx.responder, lambda user: services.answer_record(petition=read([petition.pk])[0], user=user,
                                                            agency=ctx.agencies[0], outcome=AnswerOutcome.EXPLAINED,
                                                            text="Đã giải thích.")),
        (ctx.standing, lambda user: services.answer_send_back(petition=read([petition.pk])[0], user=user,
                                                              note="Chưa rõ")),
        (ctx.responder, lambda user: services.answer_record(petition=read([petition.pk])[0], user=user,
                                                            agency=ctx.agencies[0], outcome=AnswerOutcome.RESOLVED,
                                                            text="Đã sửa xong.")),
        (ctx.office[2], lambda user: services.petition_close(petition=read([petition.pk])[0], user=user)),
    ]
    for user, step in steps:
        step(user)
        latest = petition.history.order_by("-history_date", "-history_id").first()
        assert latest.history_user == user, (user, latest.status)
    assert {a.history.earliest("history_date").history_user for a in Answer.objects.filter(petition=petition)} \
        == {ctx.responder}


def test_undoing_the_same_merge_twice_at_once_undoes_it_once(ctx):
    main, duplicate = petitions(ctx, 2, classified=False)
    services.petitions_merge(main=read([main.pk])[0], duplicates=read([duplicate.pk]), user=ctx.office[0])
    outcomes = at_once(*[lambda user=user: services.petition_unmerge(petition=read([duplicate.pk])[0], user=user)
                         for user in ctx.office[1:3]])
    done, refused = split(outcomes)
    assert len(done) == 1 and len(refused) == 1, outcomes
    assert "đã được hủy lúc" in message(refused[0])
    assert PetitionEvent.objects.filter(kind=EventKind.UNMERGED).count() == 2  # one on each petition
    assert Petition.objects.get(pk=duplicate.pk).merged_into_id is None
