"""A plan's files through the outbox: issuing drops the draft's files (an issued plan never serves a
draft), a render whose hand-over failed waits as "pending", and office staff may "prepare again"
(Chuẩn bị lại) a document that failed or waits too long."""
import datetime
import io

import pdfplumber
import pytest
from django.urls import reverse
from django.utils import timezone

from delegations.models import OutboxTask
from plans.models import ContactPlan, PlanStatus
from plans.services import plan_changed, plan_transition
from plans.tasks import plan_render
from tests.plans.builders import make_plan

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def broker(flaky_broker):
    return flaky_broker(plan_render)


def pdf_text(data):
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return " ".join(page.extract_text() or "" for page in pdf.pages)


def body(response):
    return b"".join(response.streaming_content)


@pytest.fixture
def approved(world, broker, django_capture_on_commit_callbacks):
    plan = make_plan(world.council)
    with django_capture_on_commit_callbacks(execute=True):
        plan_changed(plan=plan)
    for step, role in (("submit", "office"), ("approve", "standing")):
        plan_transition(plan=plan, user=world.users[role], step=step)
    plan.refresh_from_db()
    assert plan.pdf_is_current and plan.pdf.name
    return plan


def test_an_issued_plan_whose_render_could_not_be_handed_over_never_serves_its_draft(
        world, approved, broker, client_for, client, django_capture_on_commit_callbacks):
    """Finding 1: with the broker down the published plan served the old draft PDF (blank number,
    no day) as KH-03-2027.pdf."""
    draft_pdf, draft_docx, storage = approved.pdf.name, approved.docx.name, approved.pdf.storage
    broker.down = True
    with django_capture_on_commit_callbacks(execute=True):
        plan_transition(plan=approved, user=world.users["office"], step="issue", issued_on=D(2025, 10, 6))
        plan_transition(plan=approved, user=world.users["office"], step="publish")
    plan = ContactPlan.objects.get(pk=approved.pk)
    assert (plan.status, plan.number) == (PlanStatus.PUBLISHED, 1)
    assert not plan.pdf and not plan.docx and plan.document_pending
    assert not storage.exists(draft_pdf) and not storage.exists(draft_docx)
    row = OutboxTask.objects.for_call(plan_render, plan_id=plan.pk, revision=plan.revision).get()
    assert row.done_at is None and "Connection refused" in row.last_error
    assert plan.document_stuck

    office = client_for(world.users["office"])
    assert office.get(reverse("plans:plan_download", args=[plan.pk, "pdf"])).status_code == 404
    assert client.get(reverse("plans:public_plan_download", args=[plan.pk, "pdf"])).status_code == 404
    fragment = office.get(reverse("plans:plan_files", args=[plan.pk])).content.decode()
    assert 'data-testid="rendering"' in fragment and 'data-testid="render-again"' in fragment

    broker.down = False
    with django_capture_on_commit_callbacks(execute=True):
        response = office.post(reverse("plans:plan_render_again", args=[plan.pk]))
    assert response.status_code == 302 and response.url == plan.get_absolute_url()
    plan.refresh_from_db()
    assert plan.pdf_is_current and plan.pdf.name.endswith(".pdf")  # stored under a random name
    row.refresh_from_db()
    assert row.done_at is not None and row.generation == 2
    client.logout()
    printed = pdf_text(body(client.get(reverse("plans:public_plan_download", args=[plan.pk, "pdf"]))))
    assert "Số: 01/KH-HĐND" in printed and "ngày 06 tháng 10 năm 2025" in printed


def test_the_prepare_again_button_shows_when_the_render_waits_too_long_and_for_office_staff_only(
        world, broker, client_for, settings, django_capture_on_commit_callbacks):
    plan = make_plan(world.council)
    plan_changed(plan=plan)  # in the test's transaction: asked, not handed yet
    url = reverse("plans:plan_files", args=[plan.pk])
    office, standing = world.users["office"], world.users["standing"]
    assert 'data-testid="render-again"' not in client_for(office).get(url).content.decode()

    settings.OUTBOX_REDISPATCH_AFTER_SECONDS = 300
    OutboxTask.objects.update(requested_at=timezone.now() - datetime.timedelta(minutes=6))
    assert 'data-testid="render-again"' in client_for(office).get(url).content.decode()
    assert 'data-testid="render-again"' not in client_for(standing).get(url).content.decode()
    detail = client_for(office).get(reverse("plans:plan_detail", args=[plan.pk])).content.decode()
    assert 'data-testid="render-again"' in detail


@pytest.mark.parametrize(("role", "status"), [("standing", 403), ("delegate", 403), ("agency", 403),
                                              ("other_council", 404)])
def test_prepare_again_is_refused_to_all_but_the_plans_office(world, broker, client_for, role, status):
    plan = make_plan(world.council)
    plan_changed(plan=plan)
    before = OutboxTask.objects.values_list("generation", "requested_at").get()
    response = client_for(world.users[role]).post(reverse("plans:plan_render_again", args=[plan.pk]))
    assert response.status_code == status
    assert OutboxTask.objects.values_list("generation", "requested_at").get() == before


def test_prepare_again_of_a_document_already_prepared_is_refused(world, approved, broker, client_for):
    response = client_for(world.users["office"]).post(reverse("plans:plan_render_again", args=[approved.pk]),
                                                      follow=True)
    assert "Văn bản đã được chuẩn bị xong." in response.content.decode()
    assert OutboxTask.objects.get(kwargs__plan_id=approved.pk).generation == 1


def test_prepare_again_needs_post(world, broker, client_for):
    plan = make_plan(world.council)
    assert client_for(world.users["office"]).get(
        reverse("plans:plan_render_again", args=[plan.pk])).status_code == 405
