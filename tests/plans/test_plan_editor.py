"""Rounds and assignments edited on the plan's own page with htmx (added, removed, reordered; several
at once), a relative deadline accepted before the plan is first saved, numbering from 1, and a sitting
moved on its page moving the windows of its rounds."""
import datetime
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from delegations.models import Role
from plans.models import (
    Assignment,
    AssignmentDue,
    ContactPlan,
    ContactRound,
    DueKind,
    DueUnit,
    PlanEvent,
    PlanScope,
    PlanStatus,
    ResponsibleKind,
    RoundKind,
    Sitting,
    SittingKind,
)
from tests.factories import MembershipFactory, UserFactory

D = datetime.date
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def sitting(world):
    return Sitting.objects.create(council=world.council, term=world.term, number=5, kind=SittingKind.REGULAR_MID_YEAR,
                                  opens_on=D(2026, 7, 7), closes_on=D(2026, 7, 9))


@pytest.fixture
def draft(world):
    return ContactPlan.objects.create(council=world.council, year=2026, scope=PlanScope.YEAR,
                                      subject="Kế hoạch tiếp xúc cử tri năm 2026", signer_name="Nguyễn Văn A")


def post(client, name, pk, data=None):
    return client.post(reverse(f"plans:{name}", args=[pk]), data or {}, **HX)


def office(client_for, world):
    return client_for(world.users["office"])


# ------------------------------------------------------------------------------------ rounds

def test_office_adds_a_round_of_a_sitting_and_its_window_is_derived(world, client_for, draft, sitting):
    response = post(office(client_for, world), "round_add", draft.pk,
                    {"round-kind": "after", "round-sitting": sitting.pk, "round-topic": ""})
    assert response.status_code == 200
    assert 'id="plan-editor"' in response.content.decode() and "<html" not in response.content.decode()
    rnd = ContactRound.objects.get(plan=draft)
    assert (rnd.sitting, rnd.starts_on, rnd.ends_on, rnd.window_manual) == (sitting, D(2026, 7, 10),
                                                                             D(2026, 7, 24), False)
    assert "10/07/2026 – 24/07/2026" in response.content.decode()
    assert ContactPlan.objects.get(pk=draft.pk).revision == draft.revision + 1


def test_a_round_without_dates_or_sitting_is_refused_with_its_form(world, client_for, draft):
    response = post(office(client_for, world), "round_add", draft.pk, {"round-kind": "thematic"})
    assert response.status_code == 400
    assert "round_form" in response.context and response.context["round_form"].errors
    assert not ContactRound.objects.exists()


def test_office_adds_several_rounds_at_once(world, client_for, draft, sitting):
    year_end = Sitting.objects.create(council=world.council, term=world.term, number=6,
                                      kind=SittingKind.REGULAR_YEAR_END, opens_on=D(2026, 12, 8),
                                      closes_on=D(2026, 12, 10))
    lines = "\n".join(["trước | 5", "sau\t5", "before | 6", "after | 6 | 11/12/2026 | 20/12/2026",
                       "chuyên đề | | 01/09/2026 | 15/09/2026 | Đất đai, môi trường"])
    response = post(office(client_for, world), "rounds_bulk", draft.pk, {"bulk_rounds-lines": lines})
    assert response.status_code == 200
    rounds = list(ContactRound.objects.filter(plan=draft).order_by("starts_on"))
    assert [(r.kind, r.sitting_id, r.starts_on, r.ends_on, r.window_manual) for r in rounds] == [
        (RoundKind.BEFORE_SITTING, sitting.pk, D(2026, 6, 2), D(2026, 6, 30), False),
        (RoundKind.AFTER_SITTING, sitting.pk, D(2026, 7, 10), D(2026, 7, 24), False),
        (RoundKind.THEMATIC, None, D(2026, 9, 1), D(2026, 9, 15), True),
        (RoundKind.BEFORE_SITTING, year_end.pk, D(2026, 11, 3), D(2026, 12, 1), False),
        (RoundKind.AFTER_SITTING, year_end.pk, D(2026, 12, 11), D(2026, 12, 20), True),
    ]
    assert rounds[2].topic == "Đất đai, môi trường"


def test_a_bad_line_refuses_the_whole_bulk_and_says_which(world, client_for, draft, sitting):
    response = post(office(client_for, world), "rounds_bulk", draft.pk,
                    {"bulk_rounds-lines": "trước | 5\nsau | 9\nđợt | 5"})
    assert response.status_code == 400
    errors = response.context["errors"]
    assert len(errors) == 2 and "2" in errors[0] and "3" in errors[1]
    assert not ContactRound.objects.exists()


def test_office_removes_a_round_unless_due_dates_count_from_it(world, client_for, draft, sitting):
    client = office(client_for, world)
    kept = ContactRound.objects.create(plan=draft, kind=RoundKind.THEMATIC, starts_on=D(2026, 9, 1),
                                       ends_on=D(2026, 9, 15), window_manual=True)
    spare = ContactRound.objects.create(plan=draft, kind=RoundKind.THEMATIC, starts_on=D(2026, 10, 1),
                                        ends_on=D(2026, 10, 15), window_manual=True)
    item = Assignment.objects.create(plan=draft, lead="A", text="b", responsible_kind="office")
    AssignmentDue.objects.create(assignment=item, kind=DueKind.BEFORE_ROUND, amount=5, round=kept)
    assert post(client, "round_remove", spare.pk).status_code == 200
    response = post(client, "round_remove", kept.pk)
    assert response.status_code == 400 and response.context["errors"]
    assert list(ContactRound.objects.values_list("pk", flat=True)) == [kept.pk]


# ------------------------------------------------------------------------------------ assignments

def test_assignments_are_numbered_from_1_added_moved_and_removed_without_a_reload(world, client_for, draft):
    client = office(client_for, world)
    for lead in ("Đề nghị UBND tỉnh", "Giao Văn phòng", "Đề nghị Ủy ban MTTQ tỉnh"):
        response = post(client, "assignment_add", draft.pk, {
            "assignment-lead": lead, "assignment-text": "thực hiện.", "assignment-responsible_kind": "other",
            "due-kind": "date", "due-date": "2026-03-15", "due-unit": "days"})
        assert response.status_code == 200
    items = list(Assignment.objects.filter(plan=draft).order_by("order"))
    assert [(a.order, a.lead) for a in items] == [(1, "Đề nghị UBND tỉnh"), (2, "Giao Văn phòng"),
                                                  (3, "Đề nghị Ủy ban MTTQ tỉnh")]
    assert items[0].due_on == D(2026, 3, 15) and items[0].due_label() == "Trước ngày 15/3/2026"

    assert post(client, "assignment_move", items[2].pk, {"direction": "up"}).status_code == 200
    assert list(Assignment.objects.filter(plan=draft).order_by("order").values_list("lead", flat=True)) == [
        "Đề nghị UBND tỉnh", "Đề nghị Ủy ban MTTQ tỉnh", "Giao Văn phòng"]
    assert post(client, "assignment_move", items[0].pk, {"direction": "up"}).status_code == 200  # first: stays
    assert post(client, "assignment_move", items[0].pk, {"direction": "sideways"}).status_code == 400

    response = post(client, "assignment_remove", items[0].pk)
    assert response.status_code == 200
    assert list(Assignment.objects.filter(plan=draft).order_by("order").values_list("order", "lead")) == [
        (1, "Đề nghị Ủy ban MTTQ tỉnh"), (2, "Giao Văn phòng")]
    assert response.content.decode().count('data-testid="assignment-row"') == 2


def test_several_due_dates_are_added_to_and_removed_from_an_assignment(world, client_for, draft):
    client = office(client_for, world)
    rnd = ContactRound.objects.create(plan=draft, kind=RoundKind.THEMATIC, starts_on=D(2026, 9, 1),
                                      ends_on=D(2026, 9, 15), window_manual=True)
    item = Assignment.objects.create(plan=draft, lead="Các Tổ đại biểu", text="gửi báo cáo.",
                                     responsible_kind=ResponsibleKind.GROUPS)
    prefix = f"due{item.pk}"
    assert post(client, "assignment_due_add", item.pk, {f"{prefix}-kind": "before_each_meeting",
                                                         f"{prefix}-amount": "5", f"{prefix}-unit": "days"}
                ).status_code == 200
    assert post(client, "assignment_due_add", item.pk, {f"{prefix}-kind": "after_round", f"{prefix}-amount": "3",
                                                         f"{prefix}-unit": "working_days",
                                                         f"{prefix}-round": rnd.pk}).status_code == 200
    assert post(client, "assignment_due_add", item.pk, {f"{prefix}-kind": "after_round", f"{prefix}-amount": "3"}
                ).status_code == 400  # the round it counts from is missing
    item.refresh_from_db()
    assert item.due_label() == ("Chậm nhất 05 ngày trước mỗi buổi tiếp xúc cử tri; trong 03 ngày làm việc sau "
                                "khi kết thúc đợt tiếp xúc cử tri chuyên đề")
    assert item.due_on == D(2026, 9, 18)  # 3 working days after Tuesday 15/09/2026; no meeting yet
    first = item.dues.order_by("pk").first()
    assert post(client, "assignment_due_remove", first.pk).status_code == 200
    assert list(item.dues.values_list("kind", flat=True)) == [DueKind.AFTER_ROUND]


def test_office_adds_several_assignments_at_once_with_their_due_rules(world, client_for, draft):
    rnd = ContactRound.objects.create(plan=draft, kind=RoundKind.THEMATIC, starts_on=D(2026, 9, 1),
                                      ends_on=D(2026, 9, 15), window_manual=True)
    lines = "\n".join([
        "Đề nghị UBND tỉnh | gửi báo cáo kinh tế - xã hội. | 15/03/2026 | Sở Xây dựng",
        "Giao Văn phòng | gửi tài liệu cho đại biểu. | 5 ngày trước mỗi buổi | văn phòng",
        "Đề nghị các Tổ đại biểu | gửi báo cáo và biên bản. | 5 ngày làm việc sau mỗi buổi; 3 ngày làm việc sau đợt 1 "
        "| tổ",
    ])
    response = post(office(client_for, world), "assignments_bulk", draft.pk, {"bulk_assignments-lines": lines})
    assert response.status_code == 200
    items = list(Assignment.objects.filter(plan=draft).order_by("order").prefetch_related("dues"))
    assert [(a.order, a.responsible_kind, a.agency) for a in items] == [
        (1, ResponsibleKind.AGENCY, world.agency), (2, ResponsibleKind.OFFICE, None),
        (3, ResponsibleKind.GROUPS, None)]
    assert [[(d.kind, d.amount, d.unit, d.round_id, d.date) for d in a.dues.all()] for a in items] == [
        [(DueKind.DATE, None, DueUnit.DAYS, None, D(2026, 3, 15))],
        [(DueKind.BEFORE_EACH_MEETING, 5, DueUnit.DAYS, None, None)],
        [(DueKind.AFTER_EACH_MEETING, 5, DueUnit.WORKING_DAYS, None, None),
         (DueKind.AFTER_ROUND, 3, DueUnit.WORKING_DAYS, rnd.pk, None)],
    ]


def test_a_bulk_line_with_an_unknown_due_date_is_refused(world, client_for, draft):
    response = post(office(client_for, world), "assignments_bulk", draft.pk,
                    {"bulk_assignments-lines": "Giao Văn phòng | gửi tài liệu. | sớm nhất có thể"})
    assert response.status_code == 400 and "sớm nhất có thể" in response.context["errors"][0]
    assert not Assignment.objects.exists()


# ---------------------------------------------------------------- before the first save

def test_a_new_plan_takes_its_rounds_and_a_deadline_relative_to_them_in_one_post(world, client_for, sitting):
    data = {"council": world.council.pk, "scope": "year", "sitting": "", "year": 2026,
            "subject": "Kế hoạch tiếp xúc cử tri năm 2026", "signing_authority": "TM. THƯỜNG TRỰC HĐND",
            "signer_position": "CHỦ TỊCH", "signer_name": "Nguyễn Văn A",
            "rounds-TOTAL_FORMS": "2", "rounds-INITIAL_FORMS": "0", "rounds-MIN_NUM_FORMS": "0",
            "rounds-MAX_NUM_FORMS": "1000",
            "rounds-0-kind": "before", "rounds-0-sitting": sitting.pk,
            "rounds-1-kind": "after", "rounds-1-sitting": sitting.pk,
            "assignments-TOTAL_FORMS": "2", "assignments-INITIAL_FORMS": "0", "assignments-MIN_NUM_FORMS": "0",
            "assignments-MAX_NUM_FORMS": "1000",
            "assignments-0-lead": "Giao Văn phòng", "assignments-0-text": "gửi tài liệu cho đại biểu.",
            "assignments-0-responsible_kind": "office", "assignments-0-due_kind": "before_round",
            "assignments-0-due_amount": "5", "assignments-0-due_unit": "days", "assignments-0-due_round": "1",
            "assignments-1-lead": "Các Tổ đại biểu", "assignments-1-text": "gửi kiến nghị.",
            "assignments-1-responsible_kind": "groups", "assignments-1-due_kind": "after_round",
            "assignments-1-due_amount": "3", "assignments-1-due_unit": "working_days", "assignments-1-due_round": "2"}
    response = office(client_for, world).post(reverse("plans:plan_create"), data)
    plan = ContactPlan.objects.get()
    assert response.status_code == 302
    before, after = plan.rounds.order_by("starts_on")
    items = list(plan.assignments.order_by("order").prefetch_related("dues"))
    assert [a.order for a in items] == [1, 2]
    assert [a.dues.get().round for a in items] == [before, after]
    assert items[0].due_on == D(2026, 5, 28)  # 5 days before 02/06/2026
    assert items[1].due_on == D(2026, 7, 29)  # 3 working days after Friday 24/07/2026


# ---------------------------------------------------------------- a sitting moved on its page

def test_a_sitting_moved_on_its_page_moves_its_rounds_and_the_plan_page_says_so(world, client_for, draft, sitting):
    derived = ContactRound(plan=draft, sitting=sitting, kind=RoundKind.AFTER_SITTING)
    from plans.services import round_window_apply
    round_window_apply(rnd=derived, typed=False)
    derived.save()
    typed = ContactRound.objects.create(plan=draft, sitting=sitting, kind=RoundKind.AFTER_SITTING,
                                        starts_on=D(2026, 7, 10), ends_on=D(2026, 7, 20), window_manual=True)
    client = office(client_for, world)
    response = client.post(reverse("plans:sitting_update", args=[sitting.pk]), {
        "council": world.council.pk, "term": world.term.pk, "number": 5, "kind": SittingKind.REGULAR_MID_YEAR,
        "opens_on": "2026-07-14", "closes_on": "2026-07-16", "agenda": ""})
    assert response.status_code == 302
    derived.refresh_from_db()
    assert (derived.starts_on, derived.ends_on) == (D(2026, 7, 17), D(2026, 7, 31))
    assert ContactRound.objects.get(pk=typed.pk).starts_on == D(2026, 7, 10)
    assert PlanEvent.objects.get(plan=draft).by == world.users["office"]
    page = client.get(draft.get_absolute_url()).content.decode()
    assert page.count('data-testid="window-conflict"') == 1 and "16/07/2026" in page
    assert "17/07/2026 – 31/07/2026" in page


# ---------------------------------------------------------------- who may, and how

EDITOR_URLS = ["round_add", "rounds_bulk", "round_remove", "assignment_add", "assignments_bulk",
               "assignment_remove", "assignment_move", "assignment_due_add", "assignment_due_remove"]


@pytest.fixture
def parts(world, draft):
    rnd = ContactRound.objects.create(plan=draft, kind=RoundKind.THEMATIC, starts_on=D(2026, 9, 1),
                                      ends_on=D(2026, 9, 15), window_manual=True)
    item = Assignment.objects.create(plan=draft, lead="A", text="b", responsible_kind="office")
    due = AssignmentDue.objects.create(assignment=item, kind=DueKind.DATE, date=D(2026, 3, 15))
    return {"plan": draft, "round": rnd, "assignment": item, "due": due}


def target(name, parts):
    if name in ("round_add", "rounds_bulk", "assignment_add", "assignments_bulk"):
        return parts["plan"].pk
    return parts[{"round_remove": "round", "assignment_remove": "assignment", "assignment_move": "assignment",
                  "assignment_due_add": "assignment", "assignment_due_remove": "due"}[name]].pk


def snapshot():
    return (list(ContactRound.objects.values_list("pk", "starts_on")),
            list(Assignment.objects.values_list("pk", "order", "lead")),
            list(AssignmentDue.objects.values_list("pk", "kind")))


@pytest.mark.parametrize("name", EDITOR_URLS)
@pytest.mark.parametrize(("role", "expected"), [
    ("standing", 403), ("group_leader", 403), ("delegate", 403), ("agency", 403), ("other_council", 404),
    ("commune_office", 404), (None, 302)])
def test_editor_endpoints_refuse_other_roles_and_councils(world, client_for, parts, name, role, expected):
    before = snapshot()
    client = client_for(world.users[role] if role else None)
    response = client.post(reverse(f"plans:{name}", args=[target(name, parts)]),
                           {"direction": "down", "bulk_rounds-lines": "chuyên đề | | 01/10/2026 | 02/10/2026"}, **HX)
    assert response.status_code == expected
    if role is None:
        assert urlsplit(response.url).path == reverse("login")
    assert snapshot() == before


@pytest.mark.parametrize("name", EDITOR_URLS)
def test_editor_endpoints_take_post_only(world, client_for, parts, name):
    response = office(client_for, world).get(reverse(f"plans:{name}", args=[target(name, parts)]), **HX)
    assert response.status_code == 405


@pytest.mark.parametrize("name", EDITOR_URLS)
@pytest.mark.parametrize("status", [PlanStatus.SUBMITTED, PlanStatus.ISSUED])
def test_a_plan_past_draft_is_locked(world, client_for, parts, name, status):
    ContactPlan.objects.filter(pk=parts["plan"].pk).update(status=status)
    before = snapshot()
    response = office(client_for, world).post(reverse(f"plans:{name}", args=[target(name, parts)]), {
        "direction": "down", "bulk_rounds-lines": "chuyên đề | | 01/10/2026 | 02/10/2026",
        "bulk_assignments-lines": "A | b", "round-kind": "thematic", "round-starts_on": "2026-10-01",
        "round-ends_on": "2026-10-02", "assignment-lead": "A", "assignment-text": "b",
        "assignment-responsible_kind": "office", f"due{parts['assignment'].pk}-kind": "date",
        f"due{parts['assignment'].pk}-date": "2026-03-20"}, **HX)
    assert response.status_code == 400
    assert snapshot() == before


def test_the_editor_fragment_reads_a_fixed_number_of_queries(world, client_for, draft, django_assert_num_queries):
    for number in range(1, 9):
        rnd = ContactRound.objects.create(plan=draft, kind=RoundKind.THEMATIC, starts_on=D(2026, 9, number),
                                          ends_on=D(2026, 9, 20), window_manual=True)
        item = Assignment.objects.create(plan=draft, order=number, lead=f"Giao {number}", text="b",
                                         responsible_kind="office")
        AssignmentDue.objects.create(assignment=item, kind=DueKind.BEFORE_EACH_MEETING, amount=5, round=rnd)
        AssignmentDue.objects.create(assignment=item, kind=DueKind.DATE, date=D(2026, 3, number))
    client = office(client_for, world)
    last = draft.assignments.order_by("order").last()
    # The session, the user, the role, the assignment, the plan (twice: locked-free read, then fresh), the
    # rounds, the assignments with their rules and their rounds, the council, the roles, the memberships,
    # the inbox count, the choices of sittings, agencies and rounds: the same for 8 rows as for 1.
    with django_assert_num_queries(QUERIES):
        response = post(client, "assignment_move", last.pk, {"direction": "sideways"})  # refused: only reads
    assert response.status_code == 400 and response.content.decode().count('data-testid="assignment-row"') == 8


QUERIES = 17


def test_a_commune_office_edits_its_own_councils_plan(world, client_for):
    plan = ContactPlan.objects.create(council=world.commune_council, year=2026, subject="Kế hoạch xã")
    response = post(client_for(world.users["commune_office"]), "rounds_bulk", plan.pk,
                    {"bulk_rounds-lines": "chuyên đề | | 01/10/2026 | 02/10/2026 | Nông thôn mới"})
    assert response.status_code == 200 and plan.rounds.get().topic == "Nông thôn mới"
    # A second office member of the province, not of the commune: refused.
    other = MembershipFactory(user=UserFactory(username="vp2"), council=world.council, role=Role.OFFICE).user
    assert post(client_for(other), "rounds_bulk", plan.pk, {"bulk_rounds-lines": "x"}).status_code == 404


def test_a_deadline_counting_from_a_round_left_empty_in_the_same_form_is_refused(world, client_for):
    data = {"council": world.council.pk, "scope": "year", "sitting": "", "year": 2026, "subject": "Kế hoạch",
            "signing_authority": "TM. THƯỜNG TRỰC HĐND", "signer_position": "CHỦ TỊCH", "signer_name": "A",
            "rounds-TOTAL_FORMS": "1", "rounds-INITIAL_FORMS": "0", "rounds-MIN_NUM_FORMS": "0",
            "rounds-MAX_NUM_FORMS": "1000",
            "assignments-TOTAL_FORMS": "1", "assignments-INITIAL_FORMS": "0", "assignments-MIN_NUM_FORMS": "0",
            "assignments-MAX_NUM_FORMS": "1000",
            "assignments-0-lead": "Giao Văn phòng", "assignments-0-text": "gửi tài liệu.",
            "assignments-0-responsible_kind": "office", "assignments-0-due_kind": "before_round",
            "assignments-0-due_amount": "5", "assignments-0-due_unit": "days", "assignments-0-due_round": "1"}
    response = office(client_for, world).post(reverse("plans:plan_create"), data)
    assert response.status_code == 400
    assert "due_round" in response.context["assignments"].forms[0].errors
    assert not ContactPlan.objects.exists()


def test_a_forged_form_count_is_bounded_and_refused(world, client_for):
    """A plan form posted with TOTAL_FORMS in the millions built 2,000 round forms and, in each of 2,000
    assignment forms, a menu of every round (found by tests/test_fuzz.py: 14 GB). Now bounded and refused."""
    from plans.forms import MAX_ASSIGNMENTS, MAX_ROUNDS

    data = {"rounds-TOTAL_FORMS": "9999999", "rounds-INITIAL_FORMS": "0",
            "assignments-TOTAL_FORMS": "9999999", "assignments-INITIAL_FORMS": "0"}
    response = office(client_for, world).post(reverse("plans:plan_create"), data)
    assert response.status_code == 400
    assert len(response.context["rounds"].forms) == MAX_ROUNDS
    assert len(response.context["assignments"].forms) == MAX_ASSIGNMENTS
    assert not ContactPlan.objects.exists()
