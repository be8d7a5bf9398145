"""The plans app's pages: who may read and write what (every fixed role user of tests/conftest.py
`world`, plus anonymous), the workflow steps through their view, the form with its two formsets,
the public list and download, the signed-copy upload, the agencies' assignments, the sittings pages,
and the number of queries of the two list pages.

Roles: office, standing, group_leader, delegate, agency of the Bắc Ninh province council;
commune_office = office staff of a commune council under it (it does not read the province's plans);
other_council = office staff of the Lạng Sơn council; anonymous. Every refused case asserts its exact
status and that the database did not change."""
import datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.messages import get_messages
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from delegations.models import Role
from plans import services
from plans.models import (
    Assignment,
    AssignmentDue,
    AssignmentStatus,
    ContactPlan,
    ContactRound,
    DocumentNumber,
    DueKind,
    PlanEvent,
    PlanStatus,
    ResponsibleKind,
    RoundKind,
    Sitting,
    SittingKind,
)
from plans.views import PAGE_SIZE
from tests import pdfs
from tests.factories import AgencyFactory, MembershipFactory, TermFactory, UserFactory
from tests.plans.builders import ASSIGNMENT_UBND, SUBJECT, new_plan_data

pytestmark = pytest.mark.django_db

D = datetime.date
LOGIN = "login"
ROLES = ["office", "standing", "group_leader", "delegate", "agency", "commune_office", "other_council", "anonymous"]
COUNCIL_STAFF = {"office", "standing", "group_leader", "delegate"}
OUTSIDERS = {"commune_office", "other_council"}  # office staff of councils that do not own Bắc Ninh's plans
NOT_OFFICE = ["standing", "group_leader", "delegate", "agency"]
PDF_BYTES = pdfs.PLAIN  # a real (tiny) PDF: uploads are read with pypdf
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Uploaded and rendered files of this test go to a folder of its own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


# ---------------------------------------------------------------- helpers

def user_for(world, role):
    return None if role == "anonymous" else world.users[role]


def assert_login_redirect(response, path):
    assert response.status_code == 302
    target = urlsplit(response.url)
    assert target.path == reverse("login")
    assert parse_qs(target.query) == {"next": [path]}


def assert_status(response, expected, path):
    if expected == LOGIN:
        assert_login_redirect(response, path)
    else:
        assert response.status_code == expected, (path, response.status_code)


def messages_of(response):
    return [(message.level_tag, str(message)) for message in get_messages(response.wsgi_request)]


def make_sitting(world, number=30, opens=None, closes=None, council=None, term=None):
    return Sitting.objects.create(council=council or world.council, term=term or world.term, number=number,
                                  kind=SittingKind.REGULAR_YEAR_END, opens_on=opens or D(2025, 12, 8),
                                  closes_on=closes or D(2025, 12, 10))


def make_plan(council, *, status=PlanStatus.DRAFT, year=2025, number=None, issued_on=None, **fields):
    values = {
        "subject": "Tiếp xúc cử tri của đại biểu HĐND tỉnh\ntrước và sau kỳ họp thường lệ cuối năm 2025",
        "closing": "Trên đây là Kế hoạch TXCT.",
        "signing_on_behalf": "KT. CHỦ TỊCH", "signer_position": "PHÓ CHỦ TỊCH", "signer_name": "Nguyễn Anh Tuấn",
        "recipients": "Thường trực HĐND tỉnh;\nLưu: VT, TTDN.", **fields,
    }
    if status in (PlanStatus.ISSUED, PlanStatus.PUBLISHED):
        number = number or (ContactPlan.objects.filter(council=council).count() + 1)
        issued_on = issued_on or D(2025, 10, 6)
    return ContactPlan.objects.create(council=council, year=year, status=status, number=number,
                                      issued_on=issued_on, **values)


def attach_pdf(plan):
    plan.pdf.save(f"KH-{plan.pk}.pdf", ContentFile(PDF_BYTES), save=False)
    plan.docx.save(f"KH-{plan.pk}.docx", ContentFile(b"PK\x03\x04 word copy"), save=False)
    plan.rendered_revision = plan.revision
    plan.save(update_fields=["pdf", "docx", "rendered_revision"])
    return plan


def state(plan=None):
    """What a refused request must leave as it was: the plan's row, its rounds, assignments, events and
    history, and the counts of plans, numbers and events of every plan."""
    snapshot = {
        "plans": ContactPlan.objects.count(), "numbers": DocumentNumber.objects.count(),
        "events": PlanEvent.objects.count(), "rounds": ContactRound.objects.count(),
        "assignments": Assignment.objects.count(), "history": ContactPlan.history.count(),
    }
    if plan is not None:
        snapshot["row"] = ContactPlan.objects.filter(pk=plan.pk).values().get()
        snapshot["assignment_rows"] = list(plan.assignments.values().order_by("pk"))
        snapshot["round_rows"] = list(plan.rounds.values().order_by("pk"))
    return snapshot


def body(response):
    # The test client closes a streamed file once its content is read.
    return b"".join(response.streaming_content) if response.streaming else response.content


def plain(value):
    """A form value as the browser submits it."""
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.isoformat()
    if hasattr(value, "pk"):
        return str(value.pk)
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return str(value)


def form_fields(form, data):
    for name in form.fields:
        value = form[name].value()
        if isinstance(value, bool):
            if value:
                data[form.add_prefix(name)] = "on"
            continue
        data[form.add_prefix(name)] = plain(value)
    return data


def page_data(response):
    """The POST a browser would send from the plan form page as rendered, unchanged."""
    context = response.context
    data = form_fields(context["form"], {})
    for formset in (context["rounds"], context["assignments"]):
        form_fields(formset.management_form, data)
        for form in formset.forms:
            form_fields(form, data)
    return data


@pytest.fixture
def sitting(world):
    return make_sitting(world)


@pytest.fixture
def plan(world, sitting):
    """A draft of the Bắc Ninh council with a PDF, a round and an assignment."""
    plan = make_plan(world.council, sitting=sitting)
    ContactRound.objects.create(plan=plan, sitting=sitting, kind=RoundKind.BEFORE_SITTING,
                                starts_on=D(2025, 11, 3), ends_on=D(2025, 11, 20))
    Assignment.objects.create(plan=plan, order=1, lead="Đề nghị UBND tỉnh", text="xây dựng Báo cáo.",
                              responsible_kind=ResponsibleKind.AGENCY, agency=world.agency)
    return attach_pdf(plan)


# ---------------------------------------------------------------- reading: list, detail, files, download

def read_status(kind, role):
    if role == "anonymous":
        return LOGIN
    if role == "agency":
        return 403  # an agency sees what is assigned or forwarded to it, not the council's plans
    if role in COUNCIL_STAFF:
        return 200
    # Office staff of another council: their own (empty) list; Bắc Ninh's plans do not exist for them.
    return 200 if kind == "list" else 404


READ_URLS = {
    "list": lambda plan: reverse("plans:plan_list"),
    "detail": lambda plan: reverse("plans:plan_detail", args=[plan.pk]),
    "files": lambda plan: reverse("plans:plan_files", args=[plan.pk]),
    "download": lambda plan: reverse("plans:plan_download", args=[plan.pk, "pdf"]),
    "download_docx": lambda plan: reverse("plans:plan_download", args=[plan.pk, "docx"]),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("kind", list(READ_URLS))
def test_read_matrix(world, client_for, plan, kind, role):
    url = READ_URLS[kind](plan)
    before = state(plan)
    response = client_for(user_for(world, role)).get(url)
    expected = read_status(kind, role)
    assert_status(response, expected, url)
    assert state(plan) == before
    if expected != 200:
        return
    if kind == "list":
        listed = [p.pk for p in response.context["page_obj"]]
        assert listed == ([plan.pk] if role in COUNCIL_STAFF else [])
    elif kind == "detail":
        assert response.context["plan"] == plan
        assert "Đề nghị UBND tỉnh" in response.content.decode()
    elif kind == "files":
        assert 'data-testid="download-pdf"' in response.content.decode()
    elif kind == "download":
        assert response["Content-Type"] == "application/pdf"
        assert body(response) == PDF_BYTES
    else:
        assert "attachment" in response["Content-Disposition"]
        assert body(response).startswith(b"PK")


def test_download_of_a_file_not_there_is_404(world, client_for, plan):
    client = client_for(world.users["office"])
    assert client.get(reverse("plans:plan_download", args=[plan.pk, "signed"])).status_code == 404
    assert client.get(reverse("plans:plan_download", args=[plan.pk, "exe"])).status_code == 404
    assert client.get(reverse("plans:plan_download", args=[987654, "pdf"])).status_code == 404


def test_files_box_polls_while_the_pdf_is_being_prepared(world, client_for, plan):
    ContactPlan.objects.filter(pk=plan.pk).update(revision=plan.revision + 1)
    content = client_for(world.users["office"]).get(reverse("plans:plan_files", args=[plan.pk])).content.decode()
    assert 'hx-trigger="every 2s"' in content and 'data-testid="rendering"' in content
    assert 'data-testid="download-pdf"' not in content


def test_the_detail_page_offers_each_role_its_own_steps(world, client_for, plan):
    def steps(role):
        return client_for(world.users[role]).get(reverse("plans:plan_detail", args=[plan.pk])).context["steps"]

    assert steps("office") == ["submit"]
    assert steps("standing") == steps("delegate") == []
    ContactPlan.objects.filter(pk=plan.pk).update(status=PlanStatus.SUBMITTED)
    assert steps("office") == []
    assert sorted(steps("standing")) == ["approve", "send_back"]


# ---------------------------------------------------------------- writing: create, edit, copy

def write_get_status(kind, role):
    if role == "anonymous":
        return LOGIN
    if role == "office":
        return 200
    if role in OUTSIDERS:
        # They may write plans of their own council; Bắc Ninh's plan does not exist for them.
        return 404 if kind == "edit" else 200
    return 403


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("kind", ["create", "edit", "copy"])
def test_write_pages_get_matrix(world, client_for, plan, kind, role):
    url = {"create": reverse("plans:plan_create"), "edit": reverse("plans:plan_update", args=[plan.pk]),
           "copy": reverse("plans:plan_copy")}[kind]
    before = state(plan)
    response = client_for(user_for(world, role)).get(url)
    assert_status(response, write_get_status(kind, role), url)
    assert state(plan) == before


@pytest.mark.parametrize("role", [*NOT_OFFICE, "commune_office", "other_council", "anonymous"])
def test_refused_create_post_changes_nothing(world, client_for, sitting, role):
    url = reverse("plans:plan_create")
    before = state()
    response = client_for(user_for(world, role)).post(url, new_plan_data(world, sitting, assignments=[ASSIGNMENT_UBND]))
    if role in OUTSIDERS:
        # The form offers only their own council and its sittings: Bắc Ninh's are not valid choices.
        assert response.status_code == 400
        assert {"council", "sitting"} <= set(response.context["form"].errors)
    else:
        assert_status(response, LOGIN if role == "anonymous" else 403, url)
    assert state() == before


@pytest.mark.parametrize("role", [*NOT_OFFICE, "commune_office", "other_council", "anonymous"])
def test_refused_edit_post_changes_nothing(world, client_for, plan, role):
    url = reverse("plans:plan_update", args=[plan.pk])
    data = page_data(client_for(world.users["office"]).get(url))
    data["subject"] = "Trích yếu đã sửa"
    before = state(plan)
    response = client_for(user_for(world, role)).post(url, data)
    assert_status(response, {"anonymous": LOGIN, "commune_office": 404, "other_council": 404}.get(role, 403), url)
    assert state(plan) == before


@pytest.mark.parametrize("role", [*NOT_OFFICE, "commune_office", "other_council", "anonymous"])
def test_refused_copy_post_changes_nothing(world, client_for, plan, role):
    later = make_sitting(world, number=31, opens=D(2026, 7, 7), closes=D(2026, 7, 9))
    url = reverse("plans:plan_copy")
    before = state(plan)
    response = client_for(user_for(world, role)).post(url, {"source": plan.pk, "sitting": later.pk})
    if role in OUTSIDERS:
        assert response.status_code == 400
        assert {"source", "sitting"} <= set(response.context["form"].errors)
    else:
        assert_status(response, LOGIN if role == "anonymous" else 403, url)
    assert state(plan) == before


def test_office_copies_a_plan_to_a_later_sitting(world, client_for, plan):
    later = make_sitting(world, number=31, opens=D(2026, 7, 7), closes=D(2026, 7, 9))
    response = client_for(world.users["office"]).post(reverse("plans:plan_copy"), {"source": plan.pk, "sitting": later.pk})
    copy = ContactPlan.objects.exclude(pk=plan.pk).get()
    assert response.status_code == 302 and response.url == reverse("plans:plan_update", args=[copy.pk])
    assert (copy.sitting, copy.year, copy.status, copy.subject) == (later, 2026, PlanStatus.DRAFT, plan.subject)
    assert list(copy.assignments.values_list("lead", flat=True)) == ["Đề nghị UBND tỉnh"]


@pytest.mark.parametrize("status", [PlanStatus.SUBMITTED, PlanStatus.APPROVED, PlanStatus.ISSUED,
                                    PlanStatus.PUBLISHED])
def test_edit_of_a_plan_past_draft_redirects_with_an_error_and_changes_nothing(world, client_for, plan, status):
    client = client_for(world.users["office"])
    url = reverse("plans:plan_update", args=[plan.pk])
    data = page_data(client.get(url))
    data["subject"] = "Trích yếu đã sửa"
    data["assignments-0-lead"] = "Giao Sở Xây dựng"
    ContactPlan.objects.filter(pk=plan.pk).update(status=status, number=7, issued_on=D(2025, 10, 6))
    before = state(plan)

    response = client.post(url, data)
    assert response.status_code == 302 and response.url == plan.get_absolute_url()
    assert [level for level, _text in messages_of(response)] == ["error"]
    assert state(plan) == before
    response = client.get(url)
    assert response.status_code == 302 and response.url == plan.get_absolute_url()


# ---------------------------------------------------------------- the happy path through the pages

def test_office_creates_a_plan_and_empty_rounds_are_proposed_from_the_sitting(world, client_for, sitting):
    client = client_for(world.users["office"])
    response = client.get(reverse("plans:plan_create"), {"sitting": sitting.pk})
    assert response.status_code == 200
    assert response.context["form"].initial["sitting"] == sitting
    assert len(response.context["rounds"].forms) == len(response.context["assignments"].forms) == 1

    agency_item = {**ASSIGNMENT_UBND, "agency": str(world.agency.pk)}
    groups_item = {"order": "2", "lead": "Đề nghị các Tổ đại biểu HĐND tỉnh", "responsible_kind": "groups",
                   "text": "- Phối hợp tổ chức TXCT.\r\n+ Tổng hợp kiến nghị gửi về Thường trực HĐND tỉnh."}
    response = client.post(reverse("plans:plan_create"),
                           new_plan_data(world, sitting, assignments=[agency_item, groups_item]))

    plan = ContactPlan.objects.get()
    assert response.status_code == 302 and response.url == plan.get_absolute_url()
    assert (plan.council, plan.sitting, plan.year, plan.status) == (world.council, sitting, 2025, PlanStatus.DRAFT)
    assert plan.subject.splitlines() == SUBJECT.splitlines()
    assert plan.created_by == world.users["office"]
    proposed = services.round_windows_propose(sitting=sitting)
    assert [(r.kind, r.starts_on, r.ends_on, r.sitting) for r in plan.rounds.all()] == [
        (RoundKind.BEFORE_SITTING, *proposed[RoundKind.BEFORE_SITTING], sitting),
        (RoundKind.AFTER_SITTING, *proposed[RoundKind.AFTER_SITTING], sitting),
    ]
    assert list(plan.assignments.values_list("lead", "responsible_kind", "agency", "due_on")) == [
        ("Đề nghị UBND tỉnh", ResponsibleKind.AGENCY, world.agency.pk, D(2025, 10, 31)),
        ("Đề nghị các Tổ đại biểu HĐND tỉnh", ResponsibleKind.GROUPS, None, None),
    ]
    assert list(plan.events.values_list("to_status", "by__username")) == [(PlanStatus.DRAFT, "vanphong")]
    assert [level for level, _text in messages_of(response)] == ["success"]


def test_save_and_add_more_returns_to_the_form_with_a_new_empty_assignment(world, client_for, sitting):
    client = client_for(world.users["office"])
    data = new_plan_data(world, sitting, assignments=[{**ASSIGNMENT_UBND, "agency": str(world.agency.pk)}],
                         **{"continue": "1"})
    response = client.post(reverse("plans:plan_create"), data)
    plan = ContactPlan.objects.get()
    assert response.status_code == 302 and response.url == reverse("plans:plan_update", args=[plan.pk])
    page = client.get(response.url)
    assignments = page.context["assignments"]
    assert [f.instance.lead for f in assignments.forms] == ["Đề nghị UBND tỉnh", ""]
    assert len(page.context["rounds"].forms) == 3  # the two proposed and an empty one


def test_an_invalid_form_is_shown_again_and_saves_nothing(world, client_for, sitting):
    data = new_plan_data(world, sitting, assignments=[{**ASSIGNMENT_UBND, "due_date": ""}], subject="")
    before = state()
    response = client_for(world.users["office"]).post(reverse("plans:plan_create"), data)
    assert response.status_code == 400
    assert "subject" in response.context["form"].errors
    assert response.context["assignments"].forms[0].errors.keys() >= {"agency", "due_date"}
    assert state() == before


def test_the_whole_workflow_through_the_pages(world, client_for, sitting):
    office, standing = world.users["office"], world.users["standing"]
    # Another plan of the council was issued earlier in 2025: this one takes the next number.
    earlier = make_plan(world.council, status=PlanStatus.APPROVED, subject="Kế hoạch giám sát")
    services.plan_transition(plan=earlier, user=office, step="issue", issued_on=D(2025, 3, 2))

    client = client_for(office)
    client.post(reverse("plans:plan_create"), new_plan_data(world, sitting, assignments=[
        {**ASSIGNMENT_UBND, "agency": str(world.agency.pk)}]))
    plan = ContactPlan.objects.get(sitting=sitting)

    # Edit: reword the subject, change the assignment's due date, and add a second assignment.
    url = reverse("plans:plan_update", args=[plan.pk])
    data = page_data(client.get(url))
    data["subject"] = "Tiếp xúc cử tri của đại biểu HĐND tỉnh\r\ntrước và sau kỳ họp cuối năm 2025"
    data["assignments-0-due_date"] = "2025-10-30"
    data.update({"assignments-1-order": "2", "assignments-1-lead": "Giao Văn phòng Đoàn ĐBQH và HĐND tỉnh",
                 "assignments-1-text": "bố trí công chức phục vụ các buổi TXCT./.",
                 "assignments-1-responsible_kind": "office"})
    response = client.post(url, data)
    assert response.status_code == 302 and response.url == plan.get_absolute_url()
    plan.refresh_from_db()
    assert plan.subject.splitlines()[1] == "trước và sau kỳ họp cuối năm 2025"
    assert list(plan.assignments.values_list("lead", "due_on")) == [
        ("Đề nghị UBND tỉnh", D(2025, 10, 30)), ("Giao Văn phòng Đoàn ĐBQH và HĐND tỉnh", None)]
    assert plan.history.count() >= 2

    def step(user, name, **data):
        response = client_for(user).post(reverse("plans:plan_step", args=[plan.pk, name]), {**data, "confirmed": "1"})
        assert response.status_code == 302 and response.url == plan.get_absolute_url()
        assert [level for level, _text in messages_of(response)] == ["success"], messages_of(response)
        plan.refresh_from_db()
        return plan

    assert step(office, "submit").status == PlanStatus.SUBMITTED
    assert step(standing, "send_back", reason="Bổ sung thời hạn.").status == PlanStatus.DRAFT
    assert plan.returned_reason == "Bổ sung thời hạn."
    assert step(office, "submit").status == PlanStatus.SUBMITTED
    assert step(standing, "approve").status == PlanStatus.APPROVED
    step(office, "issue", issued_on="2025-10-06", number="")
    assert (plan.status, plan.number, plan.issued_on) == (PlanStatus.ISSUED, 2, D(2025, 10, 6))
    assert set(DocumentNumber.objects.filter(council=world.council, year=2025).values_list("number", flat=True)) == {1, 2}
    detail = client_for(office).get(plan.get_absolute_url())
    assert "Số: 02/KH-HĐND" in detail.content.decode()
    assert step(office, "publish").status == PlanStatus.PUBLISHED
    assert list(plan.events.values_list("to_status", flat=True)) == [
        PlanStatus.DRAFT, PlanStatus.SUBMITTED, PlanStatus.DRAFT, PlanStatus.SUBMITTED, PlanStatus.APPROVED,
        PlanStatus.ISSUED, PlanStatus.PUBLISHED]

    # It is on the public page, without login, and its PDF can be fetched there.
    attach_pdf(plan)
    public = client_for(None).get(reverse("plans:public_plans"))
    assert public.status_code == 200
    assert [p.pk for p in public.context["page_obj"]] == [plan.pk]
    assert "02/KH-HĐND · 06/10/2025" in public.content.decode()
    download = client_for(None).get(reverse("plans:public_plan_download", args=[plan.pk, "pdf"]))
    assert download.status_code == 200 and body(download) == PDF_BYTES


def test_issue_with_a_typed_number_already_used_is_refused(world, client_for, plan):
    DocumentNumber.objects.create(council=world.council, year=2025, type_code="KH", number=5)
    ContactPlan.objects.filter(pk=plan.pk).update(status=PlanStatus.APPROVED)
    before = state(plan)
    response = client_for(world.users["office"]).post(reverse("plans:plan_step", args=[plan.pk, "issue"]),
                                                      {"issued_on": "2025-10-06", "number": "5", "confirmed": "1"})
    assert response.status_code == 302 and response.url == plan.get_absolute_url()
    assert [level for level, _text in messages_of(response)] == ["error"]
    assert state(plan) == before


# ---------------------------------------------------------------- workflow steps refused

STEPS = {  # step: (the status it starts from, the role that takes it)
    "submit": (PlanStatus.DRAFT, "office"),
    "approve": (PlanStatus.SUBMITTED, "standing"),
    "send_back": (PlanStatus.SUBMITTED, "standing"),
    "issue": (PlanStatus.APPROVED, "office"),
    "publish": (PlanStatus.ISSUED, "office"),
}
STEP_DATA = {"reason": "Bổ sung thời hạn.", "issued_on": "2025-10-06", "number": "", "confirmed": "1"}


def wrong_role_cases():
    for step, (_status, allowed) in STEPS.items():
        for role in ROLES:
            if role != allowed:
                yield pytest.param(step, role, id=f"{step}-{role}")


def step_refusal(role):
    if role == "anonymous":
        return LOGIN
    if role in OUTSIDERS:
        return 404
    return 403  # council staff of another role, and the agency


@pytest.mark.parametrize(("step", "role"), list(wrong_role_cases()))
def test_a_step_by_a_wrong_role_is_refused_and_changes_nothing(world, client_for, plan, step, role):
    status = STEPS[step][0]
    fields = {"status": status}
    if status == PlanStatus.ISSUED:
        fields.update(number=1, issued_on=D(2025, 10, 6))
    ContactPlan.objects.filter(pk=plan.pk).update(**fields)
    url = reverse("plans:plan_step", args=[plan.pk, step])
    before = state(plan)
    response = client_for(user_for(world, role)).post(url, STEP_DATA)
    assert_status(response, step_refusal(role), url)
    assert state(plan) == before


@pytest.mark.parametrize(("status", "step", "role"), [
    (PlanStatus.DRAFT, "approve", "standing"),
    (PlanStatus.DRAFT, "send_back", "standing"),
    (PlanStatus.DRAFT, "issue", "office"),
    (PlanStatus.DRAFT, "publish", "office"),
    (PlanStatus.SUBMITTED, "submit", "office"),
    (PlanStatus.SUBMITTED, "issue", "office"),
    (PlanStatus.APPROVED, "publish", "office"),
    (PlanStatus.APPROVED, "approve", "standing"),
    (PlanStatus.PUBLISHED, "send_back", "standing"),
    (PlanStatus.PUBLISHED, "issue", "office"),
    (PlanStatus.DRAFT, "sign", "office"),  # not a step at all
])
def test_a_step_out_of_order_shows_an_error_and_changes_nothing(world, client_for, plan, status, step, role):
    fields = {"status": status}
    if status == PlanStatus.PUBLISHED:
        fields.update(number=1, issued_on=D(2025, 10, 6))
    ContactPlan.objects.filter(pk=plan.pk).update(**fields)
    before = state(plan)
    response = client_for(world.users[role]).post(reverse("plans:plan_step", args=[plan.pk, step]), STEP_DATA)
    assert response.status_code == 302 and response.url == plan.get_absolute_url()
    assert [level for level, _text in messages_of(response)] == ["error"]
    assert state(plan) == before


def test_a_step_needs_post(world, client_for, plan):
    url = reverse("plans:plan_step", args=[plan.pk, "submit"])
    before = state(plan)
    assert client_for(world.users["office"]).get(url).status_code == 405
    assert_login_redirect(client_for(None).get(url), url)
    assert state(plan) == before


def test_send_back_without_a_reason_is_refused(world, client_for, plan):
    ContactPlan.objects.filter(pk=plan.pk).update(status=PlanStatus.SUBMITTED)
    before = state(plan)
    response = client_for(world.users["standing"]).post(reverse("plans:plan_step", args=[plan.pk, "send_back"]),
                                                        {"reason": "  "})
    assert response.status_code == 302
    assert [level for level, _text in messages_of(response)] == ["error"]
    assert state(plan) == before


def test_issue_without_a_valid_date_is_refused(world, client_for, plan):
    ContactPlan.objects.filter(pk=plan.pk).update(status=PlanStatus.APPROVED)
    before = state(plan)
    response = client_for(world.users["office"]).post(reverse("plans:plan_step", args=[plan.pk, "issue"]),
                                                      {"issued_on": "06/10/2025x", "number": ""})
    assert response.status_code == 302
    assert [level for level, _text in messages_of(response)] == ["error"]
    assert state(plan) == before


# ---------------------------------------------------------------- the public page

def test_public_list_shows_only_published_plans_newest_first_without_login(world, client):
    other_term = TermFactory(council=world.other_council, name="Khóa XX")
    older = make_plan(world.council, status=PlanStatus.PUBLISHED, number=1, issued_on=D(2025, 3, 2),
                      subject="Kế hoạch tháng 3")
    newer = make_plan(world.council, status=PlanStatus.PUBLISHED, number=2, issued_on=D(2025, 10, 6),
                      subject="Kế hoạch tháng 10")
    lang_son = make_plan(world.other_council, status=PlanStatus.PUBLISHED, number=1, issued_on=D(2025, 6, 1),
                         subject="Kế hoạch của Lạng Sơn", sitting=make_sitting(world, council=world.other_council,
                                                                                 term=other_term))
    for status in (PlanStatus.DRAFT, PlanStatus.SUBMITTED, PlanStatus.APPROVED, PlanStatus.ISSUED):
        make_plan(world.council, status=status, subject=f"Chưa công bố {status}")

    response = client.get(reverse("plans:public_plans"))
    assert response.status_code == 200
    assert [p.pk for p in response.context["page_obj"]] == [newer.pk, lang_son.pk, older.pk]
    assert "Chưa công bố" not in response.content.decode()
    assert set(response.context["councils"]) == {world.council, world.other_council}

    response = client.get(reverse("plans:public_plans"), {"council": world.council.pk})
    assert [p.pk for p in response.context["page_obj"]] == [newer.pk, older.pk]
    response = client.get(reverse("plans:public_plans"), {"council": world.other_council.pk})
    assert [p.pk for p in response.context["page_obj"]] == [lang_son.pk]
    response = client.get(reverse("plans:public_plans"), {"council": "abc"})
    assert len(response.context["page_obj"]) == 3


@pytest.mark.parametrize("status", [PlanStatus.DRAFT, PlanStatus.SUBMITTED, PlanStatus.APPROVED, PlanStatus.ISSUED])
def test_public_download_of_an_unpublished_plan_is_404(world, client, plan, status):
    fields = {"status": status}
    if status == PlanStatus.ISSUED:
        fields.update(number=1, issued_on=D(2025, 10, 6))
    ContactPlan.objects.filter(pk=plan.pk).update(**fields)
    plan.signed_scan.save("ban-ky.pdf", ContentFile(PDF_BYTES))
    for kind in ("pdf", "signed"):
        assert client.get(reverse("plans:public_plan_download", args=[plan.pk, kind])).status_code == 404


def test_public_download_of_a_published_plan(world, client, plan):
    ContactPlan.objects.filter(pk=plan.pk).update(status=PlanStatus.PUBLISHED, number=1, issued_on=D(2025, 10, 6))
    response = client.get(reverse("plans:public_plan_download", args=[plan.pk, "pdf"]))
    assert response.status_code == 200 and body(response) == PDF_BYTES
    # The Word copy is a working file, and a signed copy not yet uploaded does not exist.
    assert client.get(reverse("plans:public_plan_download", args=[plan.pk, "docx"])).status_code == 404
    assert client.get(reverse("plans:public_plan_download", args=[plan.pk, "signed"])).status_code == 404
    assert client.get(reverse("plans:public_plan_download", args=[987654, "pdf"])).status_code == 404


# ---------------------------------------------------------------- the signed copy

def upload(name, content):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def signed_files(media):
    folder = media / "plans" / "signed"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


@pytest.fixture
def issued(plan):
    ContactPlan.objects.filter(pk=plan.pk).update(status=PlanStatus.ISSUED, number=3, issued_on=D(2025, 10, 6))
    plan.refresh_from_db()
    return plan


def test_office_uploads_the_signed_pdf(world, client_for, issued, media):
    client = client_for(world.users["office"])
    response = client.post(reverse("plans:plan_signed_upload", args=[issued.pk]),
                           {"file": upload("scan.pdf", PDF_BYTES)})
    assert response.status_code == 302 and response.url == issued.get_absolute_url()
    assert [level for level, _text in messages_of(response)] == ["success"]
    issued.refresh_from_db()
    assert issued.signed_scan.name.endswith(".pdf")
    assert len(signed_files(media)) == 1 and signed_files(media)[0].endswith(".pdf")  # a random name
    download = client.get(reverse("plans:plan_download", args=[issued.pk, "signed"]))
    assert download.status_code == 200 and body(download) == PDF_BYTES


@pytest.mark.parametrize(("name", "content"), [
    ("x.pdf", EXE_BYTES),          # an executable renamed
    ("x.pdf", PNG_BYTES),          # a picture renamed
    ("x.pdf", b""),                # empty
    ("x.pdf", b"%PDF"),            # not even the PDF header
    ("scan.exe", EXE_BYTES),
])
def test_an_upload_that_is_not_a_pdf_is_refused_and_not_kept(world, client_for, issued, media, name, content):
    before = state(issued)
    response = client_for(world.users["office"]).post(reverse("plans:plan_signed_upload", args=[issued.pk]),
                                                      {"file": upload(name, content)})
    assert response.status_code == 302
    assert [level for level, _text in messages_of(response)] == ["error"]
    assert state(issued) == before
    assert signed_files(media) == []


def test_an_upload_over_the_size_limit_is_refused_and_not_kept(world, client_for, issued, media, settings):
    settings.UPLOAD_MAX_BYTES = 1024
    big = pdfs.make_pdf(extra_objects=[b"(" + b"x" * 2048 + b")"])
    before = state(issued)
    response = client_for(world.users["office"]).post(reverse("plans:plan_signed_upload", args=[issued.pk]),
                                                      {"file": upload("scan.pdf", big)})
    assert response.status_code == 302
    assert [level for level, _text in messages_of(response)] == ["error"]
    assert state(issued) == before
    assert signed_files(media) == []
    # The same file within the limit is accepted: the size was what refused it.
    settings.UPLOAD_MAX_BYTES = 4096
    client_for(world.users["office"]).post(reverse("plans:plan_signed_upload", args=[issued.pk]),
                                           {"file": upload("scan.pdf", big)})
    assert len(signed_files(media)) == 1 and signed_files(media)[0].endswith(".pdf")  # a random name


@pytest.mark.parametrize("status", [PlanStatus.DRAFT, PlanStatus.SUBMITTED, PlanStatus.APPROVED])
def test_an_upload_before_issue_is_refused(world, client_for, plan, media, status):
    ContactPlan.objects.filter(pk=plan.pk).update(status=status)
    before = state(plan)
    response = client_for(world.users["office"]).post(reverse("plans:plan_signed_upload", args=[plan.pk]),
                                                      {"file": upload("scan.pdf", PDF_BYTES)})
    assert response.status_code == 302
    assert [level for level, _text in messages_of(response)] == ["error"]
    assert state(plan) == before
    assert signed_files(media) == []


@pytest.mark.parametrize("role", [*NOT_OFFICE, "commune_office", "other_council", "anonymous"])
def test_a_refused_upload_by_role_changes_nothing(world, client_for, issued, media, role):
    url = reverse("plans:plan_signed_upload", args=[issued.pk])
    before = state(issued)
    response = client_for(user_for(world, role)).post(url, {"file": upload("scan.pdf", PDF_BYTES)})
    assert_status(response, {"anonymous": LOGIN, "commune_office": 404, "other_council": 404}.get(role, 403), url)
    assert state(issued) == before
    assert signed_files(media) == []


# ---------------------------------------------------------------- agencies' assignments

@pytest.fixture
def other_agency_user(world):
    agency = AgencyFactory(council=world.council, name="Sở Y tế")
    return MembershipFactory(user=UserFactory(username="soyte"), council=world.council, role=Role.AGENCY,
                             agency=agency).user


@pytest.fixture
def agency_assignment(world, plan):
    ContactPlan.objects.filter(pk=plan.pk).update(status=PlanStatus.ISSUED, number=4, issued_on=D(2025, 10, 6))
    assignment = plan.assignments.get()
    AssignmentDue.objects.create(assignment=assignment, kind=DueKind.DATE, date=D(2025, 10, 31))
    services.plan_resolve_dues(plan=ContactPlan.objects.get(pk=plan.pk))
    assignment.refresh_from_db()
    return assignment


def test_my_assignments_lists_the_agencys_own(world, client_for, agency_assignment, other_agency_user):
    url = reverse("plans:my_assignments")
    response = client_for(world.users["agency"]).get(url)
    assert response.status_code == 200
    assert list(response.context["assignments"]) == [agency_assignment]
    assert "Đề nghị UBND tỉnh" in response.content.decode() and "31/10/2025" in response.content.decode()

    response = client_for(other_agency_user).get(url)
    assert response.status_code == 200
    assert list(response.context["assignments"]) == []
    assert "Đề nghị UBND tỉnh" not in response.content.decode()
    assert_login_redirect(client_for(None).get(url), url)


def test_my_assignments_leaves_out_plans_not_issued(world, client_for, plan):
    response = client_for(world.users["agency"]).get(reverse("plans:my_assignments"))
    assert response.status_code == 200 and list(response.context["assignments"]) == []


def test_the_agency_marks_its_assignment_done_and_reopens_it(world, client_for, agency_assignment):
    client = client_for(world.users["agency"])
    url = reverse("plans:assignment_toggle", args=[agency_assignment.pk])
    home = reverse("home")
    response = client.post(url, {"next": home})
    assert response.status_code == 302 and response.url == home
    agency_assignment.refresh_from_db()
    assert agency_assignment.status == AssignmentStatus.DONE and agency_assignment.done_at is not None
    client.post(url, {"next": home})
    agency_assignment.refresh_from_db()
    assert agency_assignment.status == AssignmentStatus.OPEN and agency_assignment.done_at is None


@pytest.mark.parametrize("who", ["other_agency", "commune_office", "other_council", "delegate"])
def test_assignment_toggle_is_404_for_those_who_do_not_answer_for_it(world, client_for, agency_assignment,
                                                                     other_agency_user, who):
    user = other_agency_user if who == "other_agency" else world.users[who]
    response = client_for(user).post(reverse("plans:assignment_toggle", args=[agency_assignment.pk]))
    assert response.status_code == 404
    agency_assignment.refresh_from_db()
    assert agency_assignment.status == AssignmentStatus.OPEN and agency_assignment.done_at is None


def test_assignment_toggle_needs_login_and_post(world, client_for, agency_assignment):
    url = reverse("plans:assignment_toggle", args=[agency_assignment.pk])
    assert_login_redirect(client_for(None).post(url), url)
    assert client_for(world.users["agency"]).get(url).status_code == 405
    agency_assignment.refresh_from_db()
    assert agency_assignment.status == AssignmentStatus.OPEN


def test_assignment_toggle_does_not_redirect_to_another_site(world, client_for, agency_assignment):
    response = client_for(world.users["agency"]).post(
        reverse("plans:assignment_toggle", args=[agency_assignment.pk]), {"next": "https://example.com/phishing"})
    assert response.status_code == 302
    assert response.url == agency_assignment.plan.get_absolute_url()
    agency_assignment.refresh_from_db()
    assert agency_assignment.status == AssignmentStatus.DONE


# ---------------------------------------------------------------- sittings (the organisation pages' rules)

def sitting_data(world, **changes):
    return {"council": world.council.pk, "term": world.term.pk, "number": 5, "kind": "regular_year_end",
            "opens_on": "2026-12-08", "closes_on": "2026-12-10", "agenda": "Dự toán ngân sách", **changes}


def sitting_get_status(kind, role):
    if role == "anonymous":
        return LOGIN
    if kind == "list":
        return 403 if role == "agency" else 200
    if kind == "create":
        return 200 if role in {"office", *OUTSIDERS} else 403
    if role == "office":
        return 200
    return 404 if role in OUTSIDERS else 403


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("kind", ["list", "create", "update", "delete"])
def test_sitting_pages_get_matrix(world, client_for, sitting, kind, role):
    url = reverse(f"plans:sitting_{kind}", args=[sitting.pk] if kind in ("update", "delete") else [])
    response = client_for(user_for(world, role)).get(url)
    expected = sitting_get_status(kind, role)
    assert_status(response, expected, url)
    if kind == "list" and expected == 200:
        listed = [row["object"] for row in response.context["rows"]]
        assert listed == ([sitting] if role in COUNCIL_STAFF else [])


@pytest.mark.parametrize("role", [*NOT_OFFICE, "commune_office", "other_council", "anonymous"])
def test_refused_sitting_writes_change_nothing(world, client_for, sitting, role):
    client = client_for(user_for(world, role))
    create_url = reverse("plans:sitting_create")
    response = client.post(create_url, sitting_data(world))
    if role in OUTSIDERS:
        assert response.status_code == 400 and "council" in response.context["form"].errors
    else:
        assert_status(response, LOGIN if role == "anonymous" else 403, create_url)
    row_refusal = {"anonymous": LOGIN, "commune_office": 404, "other_council": 404}.get(role, 403)
    update_url = reverse("plans:sitting_update", args=[sitting.pk])
    assert_status(client.post(update_url, sitting_data(world, number=30, agenda="Đã sửa")), row_refusal, update_url)
    delete_url = reverse("plans:sitting_delete", args=[sitting.pk])
    assert_status(client.post(delete_url), row_refusal, delete_url)
    assert list(Sitting.objects.values_list("pk", "number", "agenda")) == [(sitting.pk, 30, "")]
    assert sitting.history.count() == 1


def test_office_writes_sittings(world, client_for, sitting):
    client = client_for(world.users["office"])
    response = client.post(reverse("plans:sitting_create"), sitting_data(world))
    assert response.status_code == 302 and response.url == reverse("plans:sitting_list")
    created = Sitting.objects.get(number=5)
    assert (created.council, created.opens_on) == (world.council, D(2026, 12, 8))
    response = client.post(reverse("plans:sitting_update", args=[created.pk]), sitting_data(world, agenda="Đã sửa"))
    assert response.status_code == 302
    created.refresh_from_db()
    assert created.agenda == "Đã sửa"
    # A sitting cannot close before it opens.
    response = client.post(reverse("plans:sitting_update", args=[created.pk]),
                           sitting_data(world, closes_on="2026-12-01"))
    assert response.status_code == 400 and "closes_on" in response.context["form"].errors
    response = client.post(reverse("plans:sitting_delete", args=[created.pk]))
    assert response.status_code == 302 and not Sitting.objects.filter(pk=created.pk).exists()


def test_a_sitting_with_a_plan_is_not_deleted(world, client_for, plan, sitting):
    response = client_for(world.users["office"]).post(reverse("plans:sitting_delete", args=[sitting.pk]))
    assert response.status_code == 302
    assert [level for level, _text in messages_of(response)] == ["error"]
    assert Sitting.objects.filter(pk=sitting.pk).exists()


# ---------------------------------------------------------------- query counts

FEW, MANY = 3, 30
assert PAGE_SIZE < MANY


def count_queries(client, url, params=None):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(context.captured_queries), response


def add_plans(world, count, start, status=PlanStatus.DRAFT):
    """Plans of the Bắc Ninh council, each with its own sitting (the list shows the council and the sitting)."""
    for index in range(start, start + count):
        published = status == PlanStatus.PUBLISHED
        make_plan(world.council, status=status, sitting=make_sitting(world, number=100 + index),
                  subject=f"Kế hoạch số {index}", number=index + 1 if published else None,
                  issued_on=D(2025, 1, 1) + datetime.timedelta(days=index) if published else None)


@pytest.mark.parametrize("role", ["office", "standing"])
def test_plan_list_runs_a_fixed_number_of_queries(world, client_for, role):
    client = client_for(world.users[role])
    url = reverse("plans:plan_list")
    add_plans(world, FEW, 0)
    client.get(url)  # warm-up: per-process caches are not the page's cost
    few, response = count_queries(client, url)
    assert len(response.context["page_obj"]) == FEW

    add_plans(world, MANY - FEW, FEW)
    many, response = count_queries(client, url)
    assert len(response.context["page_obj"]) == PAGE_SIZE
    assert response.context["page_obj"].paginator.count == MANY
    assert many == few


def test_public_list_runs_a_fixed_number_of_queries(world, client):
    url = reverse("plans:public_plans")
    add_plans(world, FEW, 0, status=PlanStatus.PUBLISHED)
    client.get(url)
    few, response = count_queries(client, url)
    assert len(response.context["page_obj"]) == FEW

    add_plans(world, MANY - FEW, FEW, status=PlanStatus.PUBLISHED)
    many, response = count_queries(client, url)
    assert len(response.context["page_obj"]) == PAGE_SIZE
    assert response.context["page_obj"].paginator.count == MANY
    assert many == few


def test_mark_done_clicked_twice_stays_done_and_the_second_click_is_told(world, client_for, agency_assignment):
    """The button posts the state it asks for: a double click (or a colleague's click on a page read
    earlier) never reopens what the first click marked done."""
    client = client_for(world.users["agency"])
    url = reverse("plans:assignment_toggle", args=[agency_assignment.pk])
    client.post(url, {"done": "1", "next": reverse("home")})
    response = client.post(url, {"done": "1", "next": reverse("home")}, follow=True)
    agency_assignment.refresh_from_db()
    assert agency_assignment.status == AssignmentStatus.DONE and agency_assignment.done_at is not None
    assert "Nhiệm vụ này đã được đánh dấu hoàn thành trước đó." in [str(m) for m in response.context["messages"]]
    client.post(url, {"done": "0"})
    client.post(url, {"done": "0"})
    agency_assignment.refresh_from_db()
    assert agency_assignment.status == AssignmentStatus.OPEN and agency_assignment.done_at is None
