"""The plan services: the workflow and who may take each step, numbering, copying a plan to a later
sitting, due dates of assignments, and rendering after commit."""
import datetime
import io
import re
from pathlib import Path

import pdfplumber
import pytest
from django.core.exceptions import PermissionDenied

from config.celery import app as celery_app
from plans import services, tasks
from plans.models import (
    Assignment,
    AssignmentDue,
    ContactPlan,
    ContactRound,
    DocumentNumber,
    DueKind,
    DueUnit,
    PlanSection,
    PlanStatus,
    ResponsibleKind,
    RoundKind,
    SittingKind,
)
from plans.services import PlanError, plan_transition
from tests.plans.builders import make_plan, make_sitting

D = datetime.date


def event_trail(plan):
    return list(plan.events.values_list("from_status", "to_status", "by__username", "note"))


# ---------------------------------------------------------------- workflow

@pytest.mark.parametrize(("status", "step", "role"), [
    (PlanStatus.DRAFT, "approve", "standing"),
    (PlanStatus.SUBMITTED, "issue", "office"),
    (PlanStatus.APPROVED, "publish", "office"),
    (PlanStatus.DRAFT, "publish", "office"),
    (PlanStatus.PUBLISHED, "send_back", "standing"),
])
def test_steps_out_of_order_are_refused(world, status, step, role):
    plan = make_plan(world.council, status=status)
    with pytest.raises(PlanError):
        plan_transition(plan=plan, user=world.users[role], step=step, reason="Lý do")
    plan.refresh_from_db()
    assert plan.status == status and plan.number is None
    assert not plan.events.exists()


def test_submitting_twice_is_refused(world):
    plan = make_plan(world.council)
    plan_transition(plan=plan, user=world.users["office"], step="submit")
    with pytest.raises(PlanError):
        plan_transition(plan=plan, user=world.users["office"], step="submit")
    plan.refresh_from_db()
    assert plan.status == PlanStatus.SUBMITTED
    assert plan.events.count() == 1


def test_unknown_step_is_refused(world):
    with pytest.raises(PlanError):
        plan_transition(plan=make_plan(world.council), user=world.users["office"], step="sign")


@pytest.mark.parametrize(("status", "step", "role"), [
    (PlanStatus.SUBMITTED, "approve", "delegate"),
    (PlanStatus.SUBMITTED, "approve", "office"),
    (PlanStatus.SUBMITTED, "approve", "group_leader"),
    (PlanStatus.SUBMITTED, "send_back", "office"),
    (PlanStatus.APPROVED, "issue", "standing"),
    (PlanStatus.APPROVED, "issue", "agency"),
    (PlanStatus.DRAFT, "submit", "standing"),
    (PlanStatus.DRAFT, "submit", "commune_office"),
    (PlanStatus.APPROVED, "issue", "commune_office"),
    (PlanStatus.ISSUED, "publish", "commune_office"),
    (PlanStatus.DRAFT, "submit", "other_council"),
])
def test_wrong_roles_are_refused(world, status, step, role):
    """Each plan is in the status the step starts from, so only the role can be what refuses it."""
    plan = make_plan(world.council, status=status)
    with pytest.raises(PermissionDenied):
        plan_transition(plan=plan, user=world.users[role], step=step, reason="Lý do")
    plan.refresh_from_db()
    assert plan.status == status
    assert not plan.events.exists()
    assert not DocumentNumber.objects.exists()


def test_inactive_membership_takes_no_step(world):
    world.users["office"].memberships.update(is_active=False)
    with pytest.raises(PermissionDenied):
        plan_transition(plan=make_plan(world.council), user=world.users["office"], step="submit")


def test_submit_needs_the_signer(world):
    plan = make_plan(world.council, signer_name="  ")
    with pytest.raises(PlanError):
        plan_transition(plan=plan, user=world.users["office"], step="submit")
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFT


@pytest.mark.parametrize("reason", ["", "   \n "])
def test_send_back_needs_a_reason(world, reason):
    plan = make_plan(world.council, status=PlanStatus.SUBMITTED)
    with pytest.raises(PlanError):
        plan_transition(plan=plan, user=world.users["standing"], step="send_back", reason=reason)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.SUBMITTED and plan.returned_reason == ""
    assert not plan.events.exists()


def test_send_back_returns_the_plan_to_draft_with_the_reason(world):
    plan = make_plan(world.council, status=PlanStatus.SUBMITTED)
    reason = "Bổ sung thời hạn gửi báo cáo của UBND tỉnh."
    plan_transition(plan=plan, user=world.users["standing"], step="send_back", reason=f"  {reason}\n")
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFT and plan.is_editable
    assert plan.returned_reason == reason
    assert event_trail(plan) == [(PlanStatus.SUBMITTED, PlanStatus.DRAFT, "thuongtruc", reason)]
    # Corrected, it goes up again.
    plan_transition(plan=plan, user=world.users["office"], step="submit")
    plan.refresh_from_db()
    assert plan.status == PlanStatus.SUBMITTED


def test_each_step_writes_an_event(world):
    office, standing = world.users["office"], world.users["standing"]
    plan = make_plan(world.council)
    steps = [("submit", office, ""), ("send_back", standing, "Sửa trích yếu"), ("submit", office, ""),
             ("approve", standing, ""), ("issue", office, ""), ("publish", office, "")]
    for step, user, reason in steps:
        plan = plan_transition(plan=plan, user=user, step=step, reason=reason, issued_on=D(2025, 10, 6))
    assert plan.status == PlanStatus.PUBLISHED
    assert event_trail(plan) == [
        (PlanStatus.DRAFT, PlanStatus.SUBMITTED, "vanphong", ""),
        (PlanStatus.SUBMITTED, PlanStatus.DRAFT, "thuongtruc", "Sửa trích yếu"),
        (PlanStatus.DRAFT, PlanStatus.SUBMITTED, "vanphong", ""),
        (PlanStatus.SUBMITTED, PlanStatus.APPROVED, "thuongtruc", ""),
        (PlanStatus.APPROVED, PlanStatus.ISSUED, "vanphong", ""),
        (PlanStatus.ISSUED, PlanStatus.PUBLISHED, "vanphong", ""),
    ]
    assert list(ContactPlan.objects.published()) == [plan]


# ---------------------------------------------------------------- numbering

def issue(plan, world, **kwargs):
    return plan_transition(plan=plan, user=world.users["office"], step="issue", **kwargs)


def test_numbers_run_from_01_each_year(world):
    first, second, third = (make_plan(world.council, year=year, status=PlanStatus.APPROVED)
                            for year in (2025, 2025, 2026))
    first = issue(first, world, issued_on=D(2025, 10, 6))
    second = issue(second, world, issued_on=D(2025, 11, 2))
    third = issue(third, world, issued_on=D(2026, 1, 5))
    assert (first.number, second.number, third.number) == (1, 2, 1)
    assert (first.status, first.issued_on) == (PlanStatus.ISSUED, D(2025, 10, 6))
    assert services.plan_document(first).number_line == "Số: 01/KH-HĐND"
    assert services.plan_document(second).number_line == "Số: 02/KH-HĐND"
    assert services.plan_document(third).dateline == "Bắc Ninh, ngày 05 tháng 01 năm 2026"
    assert sorted(DocumentNumber.objects.values_list("year", "number")) == [(2025, 1), (2025, 2), (2026, 1)]


def test_a_typed_number_from_an_outside_register_is_taken(world):
    typed = issue(make_plan(world.council, status=PlanStatus.APPROVED), world, number=7, issued_on=D(2025, 10, 6))
    assert typed.number == 7
    following = issue(make_plan(world.council, status=PlanStatus.APPROVED), world, issued_on=D(2025, 10, 9))
    assert following.number == 8


def test_a_duplicate_typed_number_is_refused_and_the_plan_stays_approved(world):
    issue(make_plan(world.council, status=PlanStatus.APPROVED), world, number=7, issued_on=D(2025, 10, 6))
    plan = make_plan(world.council, status=PlanStatus.APPROVED)
    with pytest.raises(PlanError):
        issue(plan, world, number=7, issued_on=D(2025, 12, 1))
    plan.refresh_from_db()
    assert (plan.status, plan.number, plan.issued_on) == (PlanStatus.APPROVED, None, None)
    assert not plan.events.exists()
    assert DocumentNumber.objects.filter(year=2025).count() == 1
    # The same number in another year is another register's.
    next_year = make_plan(world.council, year=2026, status=PlanStatus.APPROVED)
    assert issue(next_year, world, number=7, issued_on=D(2026, 1, 8)).number == 7


def test_a_typed_number_below_1_is_refused(world):
    plan = make_plan(world.council, status=PlanStatus.APPROVED)
    with pytest.raises(PlanError):
        issue(plan, world, number=0, issued_on=D(2025, 10, 6))
    plan.refresh_from_db()
    assert plan.status == PlanStatus.APPROVED


def test_numbers_are_per_council(world):
    other_office = world.users["other_council"]
    ours = issue(make_plan(world.council, status=PlanStatus.APPROVED), world, issued_on=D(2025, 10, 6))
    theirs = plan_transition(plan=make_plan(world.other_council, status=PlanStatus.APPROVED), user=other_office,
                             step="issue", issued_on=D(2025, 10, 6))
    commune = make_plan(world.commune_council, status=PlanStatus.APPROVED)
    commune = plan_transition(plan=commune, user=world.users["commune_office"], step="issue", issued_on=D(2025, 10, 7))
    assert (ours.number, theirs.number, commune.number) == (1, 1, 1)
    assert ours.council != theirs.council != commune.council


def test_a_plan_issued_in_the_year_before_the_one_it_covers_does_not_block_the_next_year(world):
    annual = issue(make_plan(world.council, year=2026, status=PlanStatus.APPROVED), world, issued_on=D(2025, 12, 22))
    mid_year = issue(make_plan(world.council, year=2026, status=PlanStatus.APPROVED), world, issued_on=D(2026, 5, 20))
    assert (annual.number, mid_year.number) == (1, 1)


# ---------------------------------------------------------------- copying and due dates

def plan_with_rounds(world, sitting):
    plan = make_plan(world.council, sitting=sitting)
    timing = PlanSection.objects.create(plan=plan, position=1, title="THỜI GIAN")
    PlanSection.objects.create(plan=plan, parent=timing, position=1, title="Thời gian",
                               body_html="<ul><li>Bắt đầu từ ngày <strong>03/11/2025</strong>.</li></ul>")
    before = ContactRound.objects.create(plan=plan, sitting=sitting, kind=RoundKind.BEFORE_SITTING,
                                         starts_on=D(2025, 11, 3), ends_on=D(2025, 11, 20))
    ContactRound.objects.create(plan=plan, sitting=sitting, kind=RoundKind.AFTER_SITTING,
                                starts_on=D(2025, 12, 11), ends_on=D(2025, 12, 25))
    first = Assignment.objects.create(plan=plan, order=1, lead="Đề nghị UBND tỉnh",
                                      text="gửi báo cáo trước ngày 31/10/2025.",
                                      responsible_kind=ResponsibleKind.AGENCY, agency=world.agency)
    AssignmentDue.objects.create(assignment=first, kind=DueKind.DATE, date=D(2025, 10, 31))
    second = Assignment.objects.create(plan=plan, order=2, lead="Đề nghị các Tổ đại biểu HĐND tỉnh",
                                       text="- Tổng hợp kiến nghị.\n+ Gửi chậm nhất 03 ngày làm việc.",
                                       responsible_kind=ResponsibleKind.GROUPS)
    AssignmentDue.objects.create(assignment=second, kind=DueKind.AFTER_ROUND, amount=3, unit=DueUnit.WORKING_DAYS,
                                 round=before)
    third = Assignment.objects.create(plan=plan, order=3, lead="Giao Văn phòng", text="gửi tài liệu cho đại biểu.",
                                      responsible_kind=ResponsibleKind.OFFICE)
    AssignmentDue.objects.create(assignment=third, kind=DueKind.BEFORE_ROUND, amount=5, round=before)
    Assignment.objects.create(plan=plan, order=4, lead="Đề nghị Ban Thường trực", text="phối hợp.",
                              responsible_kind=ResponsibleKind.FRONT)
    services.plan_resolve_dues(plan=plan)
    return plan


def test_copy_to_a_later_sitting_moves_the_dates_and_keeps_the_wording(world):
    source_sitting = make_sitting(world)
    later = make_sitting(world, number=2, opens=D(2026, 7, 7), closes=D(2026, 7, 9), kind=SittingKind.REGULAR_MID_YEAR)
    shift = later.opens_on - source_sitting.opens_on
    source = plan_with_rounds(world, source_sitting)
    copy = services.plan_copy(source=source, sitting=later, user=world.users["office"])

    assert copy.pk != source.pk and copy.sitting == later and copy.year == 2026
    assert copy.status == PlanStatus.DRAFT and copy.number is None
    for name in ("subject", "closing", "recipients", "signer_name", "signing_on_behalf", "signer_position"):
        assert getattr(copy, name) == getattr(source, name)
    rounds = {r.kind: r for r in copy.rounds.all()}
    assert (rounds[RoundKind.BEFORE_SITTING].starts_on, rounds[RoundKind.BEFORE_SITTING].ends_on) == \
        (D(2025, 11, 3) + shift, D(2025, 11, 20) + shift) == (D(2026, 6, 2), D(2026, 6, 19))
    assert (rounds[RoundKind.AFTER_SITTING].starts_on, rounds[RoundKind.AFTER_SITTING].ends_on) == \
        (D(2026, 7, 10), D(2026, 7, 24))
    assert all(r.sitting == later for r in rounds.values())
    old, new = list(source.assignments.all()), list(copy.assignments.prefetch_related("dues__round"))
    assert [(a.order, a.lead, a.text, a.responsible_kind, a.agency_id) for a in new] == \
        [(a.order, a.lead, a.text, a.responsible_kind, a.agency_id) for a in old]
    assert [[(d.kind, d.amount, d.unit) for d in a.dues.all()] for a in new] == \
        [[(d.kind, d.amount, d.unit) for d in a.dues.all()] for a in old]
    assert new[0].dues.get().date == D(2025, 10, 31) + shift == new[0].due_on
    assert [[d.round.kind for d in a.dues.all() if d.round] for a in new] == \
        [[], [RoundKind.BEFORE_SITTING], [RoundKind.BEFORE_SITTING], []]
    assert all(d.round.plan_id == copy.pk for a in new for d in a.dues.all() if d.round)
    assert new[1].due_on == D(2026, 6, 24)   # 3 working days after Friday 19/06/2026
    assert new[2].due_on == D(2026, 5, 28)   # 5 days before 02/06/2026
    # The outline is copied, tree, text and all.
    assert [(s.parent.title if s.parent else None, s.position, s.title, s.body_html, s.block)
            for s in copy.sections.select_related("parent").order_by("parent_id", "position")] == \
        [(s.parent.title if s.parent else None, s.position, s.title, s.body_html, s.block)
         for s in source.sections.select_related("parent").order_by("parent_id", "position")]
    assert copy.sections.count() == 2
    # The source is untouched.
    assert source.rounds.get(kind=RoundKind.BEFORE_SITTING).starts_on == D(2025, 11, 3)
    assert source.assignments.get(order=1).due_on == D(2025, 10, 31)
    assert copy.events.get().to_status == PlanStatus.DRAFT


def test_due_working_days_after_a_round_skip_tet(world):
    plan = make_plan(world.council, year=2026)
    rnd = ContactRound.objects.create(plan=plan, kind=RoundKind.THEMATIC, starts_on=D(2026, 2, 2),
                                      ends_on=D(2026, 2, 13))
    assignment = Assignment.objects.create(plan=plan, lead="Đề nghị các Tổ đại biểu", text="gửi kiến nghị.",
                                           responsible_kind=ResponsibleKind.GROUPS)
    AssignmentDue.objects.create(assignment=assignment, kind=DueKind.AFTER_ROUND, amount=3,
                                 unit=DueUnit.WORKING_DAYS, round=rnd)
    services.plan_resolve_dues(plan=plan)
    assignment.refresh_from_db()
    assert D(2026, 2, 13).weekday() == 4
    assert assignment.due_on == D(2026, 2, 25)
    assert "25/02/2026" in assignment.due_explanation and "13/02/2026" in assignment.due_explanation


def test_due_days_before_a_round_and_a_written_date(world):
    plan = make_plan(world.council)
    rnd = ContactRound.objects.create(plan=plan, kind=RoundKind.BEFORE_SITTING, starts_on=D(2025, 11, 3),
                                      ends_on=D(2025, 11, 20))
    briefing = Assignment.objects.create(plan=plan, lead="Giao Văn phòng", text="gửi tài liệu.",
                                         responsible_kind=ResponsibleKind.OFFICE)
    AssignmentDue.objects.create(assignment=briefing, kind=DueKind.BEFORE_ROUND, amount=5, round=rnd)
    dated = Assignment.objects.create(plan=plan, lead="Đề nghị UBND tỉnh", text="gửi báo cáo.",
                                      responsible_kind=ResponsibleKind.AGENCY, agency=world.agency)
    AssignmentDue.objects.create(assignment=dated, kind=DueKind.DATE, date=D(2025, 10, 31))
    undated = Assignment.objects.create(plan=plan, lead="Đề nghị Ban Thường trực", text="phối hợp.",
                                        responsible_kind=ResponsibleKind.FRONT)
    services.plan_resolve_dues(plan=plan)
    for item in (briefing, dated, undated):
        item.refresh_from_db()
    assert briefing.due_on == D(2025, 10, 29) and "03/11/2025" in briefing.due_explanation
    assert dated.due_on == D(2025, 10, 31)
    assert (undated.due_on, undated.due_explanation) == (None, "")
    assert not dated.is_overdue(today=D(2025, 11, 1))  # a draft plan's assignments are not running yet
    dated.plan.status = PlanStatus.ISSUED  # issue 11: one definition, an open assignment of a running plan
    assert dated.is_overdue(today=D(2025, 11, 1)) and not dated.is_overdue(today=D(2025, 10, 31))


# ---------------------------------------------------------------- rendering after commit

@pytest.fixture
def eager_render(settings, tmp_path):
    """The render task runs in the test, at commit (never through the broker), and writes into a media
    folder of this test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    conf = celery_app.conf
    saved = conf.task_always_eager, conf.task_eager_propagates
    conf.task_always_eager = conf.task_eager_propagates = True
    try:
        yield Path(settings.MEDIA_ROOT)
    finally:
        conf.task_always_eager, conf.task_eager_propagates = saved


def files_in(media, folder):
    path = media / "plans" / folder
    return sorted(p.name for p in path.iterdir()) if path.exists() else []


def pdf_text(field):
    with field.open("rb") as handle, pdfplumber.open(io.BytesIO(handle.read())) as pdf:
        return " ".join((page.extract_text() or "") for page in pdf.pages)


def read(field):
    with field.open("rb") as handle:
        return handle.read()


def test_a_draft_change_renders_and_replaces_the_files(world, eager_render, django_capture_on_commit_callbacks):
    plan = make_plan(world.council)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.plan_changed(plan=plan)
    assert callbacks
    plan.refresh_from_db()
    assert plan.pdf and plan.docx and plan.pdf_is_current
    assert files_in(eager_render, "pdf") == [Path(plan.pdf.name).name]
    assert files_in(eager_render, "docx") == [Path(plan.docx.name).name]
    first_pdf, first_docx = plan.pdf.name, plan.docx.name
    assert "cuối năm 2025" in pdf_text(plan.pdf)

    plan.subject = "Tiếp xúc cử tri của đại biểu HĐND tỉnh\ntrước và sau kỳ họp chuyên đề năm 2025"
    plan.save(update_fields=["subject"])
    with django_capture_on_commit_callbacks(execute=True):
        services.plan_changed(plan=plan)
    plan.refresh_from_db()
    assert plan.pdf_is_current and plan.rendered_revision == plan.revision
    assert plan.pdf.name != first_pdf and plan.docx.name != first_docx
    storage = plan.pdf.storage
    assert not storage.exists(first_pdf) and not storage.exists(first_docx)
    assert files_in(eager_render, "pdf") == [Path(plan.pdf.name).name]
    assert files_in(eager_render, "docx") == [Path(plan.docx.name).name]
    text = pdf_text(plan.pdf)
    assert "kỳ họp chuyên đề năm 2025" in text and "cuối năm 2025" not in text


def test_issue_renders_the_numbered_plan_once(world, eager_render, django_capture_on_commit_callbacks):
    plan = make_plan(world.council)
    with django_capture_on_commit_callbacks(execute=True):
        services.plan_changed(plan=plan)
    for step, role in (("submit", "office"), ("approve", "standing")):
        plan = plan_transition(plan=plan, user=world.users[role], step=step)
    plan.refresh_from_db()
    draft_pdf = plan.pdf.name
    with django_capture_on_commit_callbacks(execute=True):
        plan_transition(plan=plan, user=world.users["office"], step="issue", issued_on=D(2025, 10, 6))
    plan.refresh_from_db()
    assert plan.pdf_is_current
    # Stored under random names (delegations.storage), never the guessable "KH-01-2025.pdf".
    assert re.fullmatch(r"plans/pdf/[0-9a-f]{32}\.pdf", plan.pdf.name), plan.pdf.name
    assert re.fullmatch(r"plans/docx/[0-9a-f]{32}\.docx", plan.docx.name), plan.docx.name
    assert not plan.pdf.storage.exists(draft_pdf)
    assert files_in(eager_render, "pdf") == [Path(plan.pdf.name).name]
    text = pdf_text(plan.pdf)
    assert "Số: 01/KH-HĐND" in text
    assert "Bắc Ninh, ngày 06 tháng 10 năm 2025" in text

    name, content, docx = plan.pdf.name, read(plan.pdf), read(plan.docx)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.plan_render(plan.pk, plan.revision) is False
        assert tasks.plan_render(plan.pk, plan.revision - 1) is False
    plan.refresh_from_db()
    assert plan.pdf.name == name and read(plan.pdf) == content and read(plan.docx) == docx
    assert files_in(eager_render, "pdf") == [Path(plan.pdf.name).name]
    # Publishing changes nothing in the issued document.
    with django_capture_on_commit_callbacks(execute=True):
        plan_transition(plan=plan, user=world.users["office"], step="publish")
    plan.refresh_from_db()
    assert plan.pdf.name == name and read(plan.pdf) == content
