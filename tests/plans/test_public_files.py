"""A published plan's public download serves only its issued (numbered, dated) PDF, never the draft
that is still on file while the worker renders the issued copy (issue 10, finding 6)."""
import datetime

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from plans.models import ContactPlan, PlanStatus
from tests import pdfs

DRAFT = pdfs.make_pdf(extra_objects=[b"(DU THAO)"])
ISSUED = pdfs.make_pdf(extra_objects=[b"(SO 05/KH-HDND)"])


@pytest.fixture
def published_with_draft_on_file(world):
    """Issuing raised the revision; the file on hand is still the draft's render."""
    plan = ContactPlan.objects.create(council=world.council, year=2025, subject="Kế hoạch tiếp xúc cử tri")
    plan.pdf.save("draft.pdf", ContentFile(DRAFT), save=False)
    plan.rendered_revision = plan.revision
    plan.save(update_fields=["pdf", "rendered_revision"])
    ContactPlan.objects.filter(pk=plan.pk).update(status=PlanStatus.PUBLISHED, number=5,
                                                  issued_on=datetime.date(2025, 10, 6), revision=plan.revision + 1)
    plan.refresh_from_db()
    return plan


def test_the_draft_is_never_served_publicly_while_the_issued_copy_is_rendered(client, published_with_draft_on_file):
    plan = published_with_draft_on_file
    assert not plan.issued_pdf_ready
    assert client.get(reverse("plans:public_plan_download", args=[plan.pk, "pdf"])).status_code == 404
    page = client.get(reverse("plans:public_plans")).content.decode()
    assert reverse("plans:public_plan_download", args=[plan.pk, "pdf"]) not in page
    assert 'data-testid="pdf-being-prepared"' in page


def test_once_rendered_the_issued_copy_is_served_as_an_attachment(client, published_with_draft_on_file):
    plan = published_with_draft_on_file
    plan.pdf.save("issued.pdf", ContentFile(ISSUED), save=False)
    plan.rendered_revision = plan.revision
    plan.save(update_fields=["pdf", "rendered_revision"])
    response = client.get(reverse("plans:public_plan_download", args=[plan.pk, "pdf"]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == ISSUED
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="KH-05-2025.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert reverse("plans:public_plan_download", args=[plan.pk, "pdf"]) in \
        client.get(reverse("plans:public_plans")).content.decode()


def test_a_plan_not_published_serves_nothing_publicly(client, published_with_draft_on_file):
    plan = published_with_draft_on_file
    plan.rendered_revision = plan.revision
    plan.save(update_fields=["rendered_revision"])
    ContactPlan.objects.filter(pk=plan.pk).update(status=PlanStatus.ISSUED)
    for kind in ("pdf", "docx", "signed"):
        assert client.get(reverse("plans:public_plan_download", args=[plan.pk, kind])).status_code == 404
