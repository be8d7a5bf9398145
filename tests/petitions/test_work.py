"""“Việc của tôi” on the home page (petitions/work.py): per role, the counts equal the rows planted
here, each figure's link lists exactly the rows it counts (the lists filter with the same rules),
other councils' and other agencies' work is not shown, a user with several roles sees each
section, the anonymous are sent to log in, and the page reads a fixed number of queries whatever the
number of petitions."""
import datetime
import itertools

import pytest
from django.urls import reverse
from django.utils import timezone

from delegations.models import Role
from petitions.models import (
    Answer,
    AnswerReview,
    ExtensionRequest,
    Forwarding,
    Petition,
    PetitionStatus,
    Submission,
)
from plans.models import Assignment, AssignmentStatus, ContactPlan, ContactRound, PlanStatus, ResponsibleKind
from sessions.models import ContactSession, MeetingStatus, Minutes, MinutesStatus
from tests.factories import AgencyFactory, CommuneFactory, MembershipFactory, UserFactory

HOME = reverse("home")
_codes = itertools.count(1)


def plan(council, status, **kwargs):
    return ContactPlan.objects.create(council=council, year=2026, subject="Kế hoạch TXCT", status=status, **kwargs)


def petition(council, status, **kwargs):
    return Petition.objects.create(council=council, status=status, text="Đường giao thông xuống cấp",
                                   public_code=f"KN-2026-T{next(_codes):07d}", **kwargs)


class Planted:
    """The rows, by name, and what each role's section must count."""


@pytest.fixture
def planted(world):
    today = timezone.localdate()
    now = timezone.now()
    day = datetime.timedelta(days=1)
    p = Planted()
    council = world.council
    p.today = today
    p.running = plan(council, PlanStatus.ISSUED, number=1, issued_on=today)
    p.round = ContactRound.objects.create(plan=p.running, kind="before", starts_on=today - 20 * day,
                                          ends_on=today + 20 * day)
    p.submitted = plan(council, PlanStatus.SUBMITTED)
    p.approved = plan(council, PlanStatus.APPROVED)
    plan(council, PlanStatus.DRAFT)
    p.syt = AgencyFactory(council=council, name="Sở Y tế", short_name="SYT")
    commune = CommuneFactory(council=council, name="Xã Kiêm Tân")

    def forwarding(agency):
        return Forwarding.objects.create(council=agency.council, agency=agency, forwarded_at=now,
                                         answer_due_on=today + 30 * day, answer_due_explanation="30 ngày")

    fw, fw_syt = forwarding(world.agency), forwarding(p.syt)
    group_a, group_b = world.group_a, world.group_b
    # At the office: to classify, to forward (one late), a merged duplicate (never counted).
    p.r1 = petition(council, PetitionStatus.RECEIVED, group=group_a, round=p.round)
    p.r2 = petition(council, PetitionStatus.RECEIVED)
    petition(council, PetitionStatus.RECEIVED, merged_into=p.r1, due_on=today - 9 * day, group=group_a,
             round=p.round)
    p.c1 = petition(council, PetitionStatus.CLASSIFIED, agency=world.agency, due_on=today + 3 * day,
                    group=group_a, round=p.round)
    p.c2 = petition(council, PetitionStatus.CLASSIFIED, agency=world.agency, due_on=today - day)
    p.c3 = petition(council, PetitionStatus.CLASSIFIED, agency=world.agency)
    sent = Submission.objects.create(council=council, round=p.round, group=group_a)
    petition(council, PetitionStatus.CLASSIFIED, agency=world.agency, group=group_a, round=p.round,
             submission=sent, due_on=today + 9 * day)  # sent to the office already

    def at_agency(agency, status, due, **kwargs):
        return petition(council, status, agency=agency, forwarding=fw if agency == world.agency else fw_syt,
                        answer_due_on=due or today + 30 * day, due_on=due, **kwargs)

    # At Sở Xây dựng (world.agency): due soon, due later, overdue, sent back, more time asked for,
    # answered (to review), answered with a promise past its date, closed.
    p.f1 = at_agency(world.agency, PetitionStatus.FORWARDED, today + day, group=group_a, round=p.round)
    p.f2 = at_agency(world.agency, PetitionStatus.FORWARDED, today + 60 * day, group=group_b)
    p.f3 = at_agency(world.agency, PetitionStatus.FORWARDED, today - 3 * day)
    p.f4 = at_agency(world.agency, PetitionStatus.FORWARDED, today + 60 * day)
    Answer.objects.create(petition=p.f4, agency=world.agency, outcome="resolved", text="Chưa đạt",
                          review=AnswerReview.UNSATISFACTORY)
    p.f5 = at_agency(world.agency, PetitionStatus.FORWARDED, today + 2 * day)
    ExtensionRequest.objects.create(petition=p.f5, until=today + 40 * day, reason="Cần khảo sát")
    p.a1 = at_agency(world.agency, PetitionStatus.ANSWERED, None, group=group_b)
    Petition.objects.filter(pk=p.a1.pk).update(due_on=None)
    p.a2 = at_agency(world.agency, PetitionStatus.ANSWERED, today - day)
    at_agency(world.agency, PetitionStatus.CLOSED, None)
    # At Sở Y tế: one due soon, one overdue.
    p.f6 = at_agency(p.syt, PetitionStatus.FORWARDED, today + day)
    p.f7 = at_agency(p.syt, PetitionStatus.FORWARDED, today - 5 * day)

    # Meetings of group A: to hold, its time passed without an outcome, held without minutes past
    # their due date, held with final minutes; one of group B to come.
    def meeting(group, status, starts, **kwargs):
        return ContactSession.objects.create(council=council, round=p.round, group=group, commune=commune,
                                             status=status, starts_at=starts, venue="Nhà văn hóa", **kwargs)

    p.s1 = meeting(group_a, MeetingStatus.PLANNED, now + 2 * day)
    world.delegate.user = world.users["delegate"]
    world.delegate.save()
    p.s1.delegates.add(world.delegate)
    p.s2 = meeting(group_a, MeetingStatus.PLANNED, now - 2 * day)
    p.s3 = meeting(group_a, MeetingStatus.HELD, now - 6 * day, minutes_due_on=today - 2 * day)
    p.s4 = meeting(group_a, MeetingStatus.HELD, now - 9 * day, minutes_due_on=today - 5 * day)
    Minutes.objects.create(session=p.s4, status=MinutesStatus.FINAL, finalised_at=now - 8 * day)
    meeting(group_b, MeetingStatus.PLANNED, now + 3 * day)
    meeting(group_a, MeetingStatus.CANCELLED, now + 4 * day)

    def assignment(kind, due, status=AssignmentStatus.OPEN):
        return Assignment.objects.create(plan=p.running, lead="Giao", text="Chuẩn bị", responsible_kind=kind,
                                         due_on=due, status=status)

    assignment(ResponsibleKind.OFFICE, today - day)
    assignment(ResponsibleKind.OFFICE, today + 10 * day)
    assignment(ResponsibleKind.OFFICE, today - day, AssignmentStatus.DONE)
    assignment(ResponsibleKind.GROUPS, today + 5 * day)

    # The other councils' work: never in the province's sections.
    petition(world.commune_council, PetitionStatus.RECEIVED)
    petition(world.other_council, PetitionStatus.RECEIVED)
    petition(world.other_council, PetitionStatus.ANSWERED)
    plan(world.other_council, PlanStatus.SUBMITTED)

    p.expected = {
        # To forward: the three classified ones and the one its group has already sent.
        Role.OFFICE: {"unclassified": 2, "to_forward": 4, "to_review": 2, "extension": 1, "overdue": 4,
                      "plans_to_issue": 1, "plans_submitted": 1, "minutes_overdue": 1, "assignments": 2},
        Role.STANDING: {"plans_submitted": 1, "to_review": 2, "overdue_by_agency": 3},
        Role.GROUP_LEADER: {"to_hold": 1, "outcome_due": 1, "minutes_to_file": 1, "not_sent": 3, "assignments": 1},
        Role.DELEGATE: {"my_meetings": 1, "group_petitions": 2},
        Role.AGENCY: {"to_answer": 5, "due_soon": 2, "sent_back": 1, "overdue": 2},
    }
    p.rows = {
        (Role.OFFICE, "unclassified"): {p.r1, p.r2},
        (Role.OFFICE, "to_review"): {p.a1, p.a2},
        (Role.OFFICE, "extension"): {p.f5},
        (Role.OFFICE, "overdue"): {p.c2, p.f3, p.a2, p.f7},
        (Role.STANDING, "overdue_by_agency"): {p.f3, p.a2, p.f7},
        (Role.GROUP_LEADER, "not_sent"): {p.r1, p.c1, p.f1},
        (Role.GROUP_LEADER, "to_hold"): {p.s1},
        (Role.GROUP_LEADER, "outcome_due"): {p.s2},
        (Role.GROUP_LEADER, "minutes_to_file"): {p.s3},
        (Role.OFFICE, "minutes_overdue"): {p.s3},
        (Role.DELEGATE, "my_meetings"): {p.s1},
        (Role.DELEGATE, "group_petitions"): {p.f2, p.a1},
        (Role.AGENCY, "to_answer"): {p.f1, p.f2, p.f3, p.f4, p.f5},
        (Role.AGENCY, "due_soon"): {p.f1, p.f5},
        (Role.AGENCY, "sent_back"): {p.f4},
        (Role.AGENCY, "overdue"): {p.f3, p.a2},
        (Role.OFFICE, "plans_to_issue"): {p.approved},
        (Role.OFFICE, "plans_submitted"): {p.submitted},
        (Role.STANDING, "plans_submitted"): {p.submitted},
        (Role.STANDING, "to_review"): {p.a1, p.a2},
    }
    return p


def sections(client):
    response = client.get(HOME)
    assert response.status_code == 200
    return response.context["sections"]


def listed(client, url):
    """Every row (not only the first page) of the list a link opens."""
    response = client.get(url)
    assert response.status_code == 200, url
    return set(response.context["page_obj"].paginator.object_list)


ROLE_USERS = {Role.OFFICE: "office", Role.STANDING: "standing", Role.GROUP_LEADER: "group_leader",
              Role.DELEGATE: "delegate", Role.AGENCY: "agency"}


@pytest.mark.parametrize("role", list(ROLE_USERS))
def test_each_roles_counts_equal_the_planted_rows_and_their_links_list_them(world, planted, client_for, role):
    client = client_for(world.users[ROLE_USERS[role]])
    found = sections(client)
    assert [(s.role, s.council) for s in found] == [(role, world.council)]
    items = {item.key: item for item in found[0].items}
    assert {key: items[key].count for key in planted.expected[role]} == planted.expected[role]
    for key, item in items.items():
        rows = listed(client, item.url)
        assert len(rows) == item.count, (key, item.url)  # the link lists exactly what is counted
        if (role, key) in planted.rows:
            assert {row.pk for row in rows} == {row.pk for row in planted.rows[(role, key)]}, key


def test_the_office_forwards_the_one_due_soonest_first(world, planted, client_for):
    client = client_for(world.users["office"])
    item = next(i for i in sections(client)[0].items if i.key == "to_forward")
    assert [row.label.split(" · ")[0] for row in item.rows][:3] == [planted.c2.public_code, planted.c1.public_code,
                                                                     next(p.public_code for p in Petition.objects.filter(
                                                                         status=PetitionStatus.CLASSIFIED,
                                                                         submission__isnull=False))]
    assert item.rows[0].urgent  # late to forward
    response = client.get(item.url)
    assert [p.pk for p in response.context["page_obj"]][:2] == [planted.c2.pk, planted.c1.pk]


def test_the_standing_committees_overdue_by_agency_links_each_agencys_rows(world, planted, client_for):
    client = client_for(world.users["standing"])
    item = next(i for i in sections(client)[0].items if i.key == "overdue_by_agency")
    by_agency = {row.label: (int(row.note), {p.pk for p in listed(client, row.url)}) for row in item.rows}
    assert by_agency == {"Sở Xây dựng": (2, {planted.f3.pk, planted.a2.pk}), "SYT": (1, {planted.f7.pk})}


def test_the_delegates_group_petitions_by_state(world, planted, client_for):
    client = client_for(world.users["delegate"])
    item = next(i for i in sections(client)[0].items if i.key == "group_petitions")
    states = {row.label: (row.note, {p.pk for p in listed(client, row.url)}) for row in item.rows}
    assert states == {str(PetitionStatus.FORWARDED.label): ("1", {planted.f2.pk}),
                      str(PetitionStatus.ANSWERED.label): ("1", {planted.a1.pk})}


def test_other_councils_and_agencies_see_only_their_own(world, planted, client_for):
    other = sections(client_for(world.users["other_council"]))
    assert [(s.role, s.council) for s in other] == [(Role.OFFICE, world.other_council)]
    counts = {i.key: i.count for i in other[0].items}
    assert counts["unclassified"] == 1 and counts["to_review"] == 1 and counts["plans_submitted"] == 1
    assert counts["extension"] == 0 and counts["minutes_overdue"] == 0
    commune = sections(client_for(world.users["commune_office"]))
    assert {i.key: i.count for i in commune[0].items}["unclassified"] == 1
    # Sở Y tế's responder counts Sở Y tế's petitions only.
    responder = MembershipFactory(user=UserFactory(username="syt"), council=world.council, role=Role.AGENCY,
                                  agency=planted.syt).user
    agency = sections(client_for(responder))
    assert {i.key: i.count for i in agency[0].items} == {"to_answer": 2, "due_soon": 1, "sent_back": 0, "overdue": 1}


def test_a_user_with_several_roles_sees_each_section(world, planted, client_for):
    user = world.users["commune_office"]
    MembershipFactory(user=user, council=world.council, role=Role.AGENCY, agency=world.agency)
    found = sections(client_for(user))
    assert sorted((s.role, s.council.pk) for s in found) == sorted(
        [(Role.OFFICE, world.commune_council.pk), (Role.AGENCY, world.council.pk)])
    agency = next(s for s in found if s.role == Role.AGENCY)
    assert {i.key: i.count for i in agency.items} == planted.expected[Role.AGENCY]


def test_the_page_shows_the_sections_and_no_placeholder(world, planted, client_for):
    response = client_for(world.users["office"]).get(HOME)
    html = response.content.decode()
    assert 'data-testid="work-office"' in html and 'data-testid="item-unclassified" data-count="2"' in html
    assert "will appear here" not in html


def test_the_anonymous_are_sent_to_log_in(client):
    response = client.get(HOME)
    assert response.status_code == 302 and reverse("login") in response["Location"]


# ----------------------------------------------------------------------------- query counts

def more_petitions(world, planted, n):
    """n further petitions of the province in every state the sections count."""
    council, fw = world.council, Forwarding.objects.filter(agency=world.agency).first()
    statuses = [PetitionStatus.RECEIVED, PetitionStatus.CLASSIFIED, PetitionStatus.FORWARDED, PetitionStatus.ANSWERED,
                PetitionStatus.CLOSED]
    Petition.objects.bulk_create([
        Petition(council=council, status=statuses[i % 5], text="Thêm", group=world.group_a if i % 2 else world.group_b,
                 round=planted.round, agency=world.agency if i % 5 > 0 else None,
                 forwarding=fw if i % 5 > 1 else None, due_on=planted.today + datetime.timedelta(days=i % 11 - 5))
        for i in range(n)])


# Queries of the home page per role: six for any user (the session, the user, the memberships for
# the navigation and for the page, the unread count, the inbox preview), then the section's own
# (petitions/work.py): office — the petitions' counts, the five to forward first, the plans', the
# meetings', the assignments' (their rule reads the memberships); standing committee — petitions,
# plans, overdue by agency; group leader — meetings' counts, the next ones, petitions not sent,
# assignments (2); delegate — my meetings and their count, the group's petitions by state; agency
# — its council's working calendar, the counts, the five to answer first.
QUERIES = {Role.OFFICE: 12, Role.STANDING: 9, Role.GROUP_LEADER: 11, Role.DELEGATE: 9, Role.AGENCY: 9}


@pytest.mark.parametrize("n", [10, 500])
@pytest.mark.parametrize("role", list(ROLE_USERS))
def test_the_home_page_reads_a_fixed_number_of_queries(world, planted, client_for, django_assert_num_queries,
                                                        role, n):
    more_petitions(world, planted, n)
    assert Petition.objects.filter(council=world.council).count() >= n
    client = client_for(world.users[ROLE_USERS[role]])
    with django_assert_num_queries(QUERIES[role]):
        response = client.get(HOME)
    assert response.status_code == 200
