"""The plan as a printed document: its OfficialDocument, its PDF and Word copy rendered, its file names,
its signed scan, and a draft's files dropped at issue."""
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from delegations.uploads import file_replace
from documents import OfficialDocument, Signature

from ..models import ContactPlan, PlanStatus


def plan_attach_signed_scan(*, plan, upload):
    return file_replace(plan, "signed_scan", f"{plan_file_stem(plan)}-ban-ky.pdf", upload)


def plan_file_stem(plan):
    """ "KH-05-2026": the number and the year of issue; a draft "KH-du-thao-<id>-<intended year>"."""
    from documents import file_stem

    return file_stem(ContactPlan.TYPE_CODE, plan.number if plan.issued_on else None, plan.issued_on,
                     draft_key=plan.pk, intended_on=plan.intended_on)


def _draft_files_drop(plan):
    """The plan is issued: its draft's files (no number, no date) must never be served as the issued
    plan, so they are dropped now, in the same transaction; until the numbered copy is rendered the
    plan has no file and its pages show it as being prepared (`ContactPlan.document_pending`)."""
    old = [(f.storage, f.name) for f in (plan.pdf, plan.docx) if f]
    if not old:
        return
    ContactPlan.objects.filter(pk=plan.pk).update(pdf="", docx="")
    plan.pdf, plan.docx = "", ""
    for storage, name in old:
        transaction.on_commit(lambda s=storage, n=name: s.delete(n))


def plan_document(plan):
    """The plan as an official document: its outline (plans/outline.py) numbered and printed, with the
    blocks generated from its data (plans/blocks.py)."""
    from ..blocks import PlanData
    from ..outline import outline_blocks

    data = PlanData(plan)
    blocks = outline_blocks(list(plan.sections.all()), data.generate)
    signature_lines = [line for line in (plan.signing_authority, plan.signing_on_behalf, plan.signer_position) if line]
    issued = plan.number is not None and plan.issued_on is not None
    intended = plan.intended_on or timezone.localdate()   # a draft prints the month it is meant for
    return OfficialDocument(
        issuer_lines=plan.council.issuing_body,
        type_code=ContactPlan.TYPE_CODE,
        symbol=plan.symbol,
        title="KẾ HOẠCH",
        subject_lines=[line.strip() for line in plan.subject.splitlines() if line.strip()],
        place=plan.council.place_name,
        number=plan.number if issued else None,
        date=plan.issued_on if issued else None,
        draft_month=intended.month,
        draft_year=intended.year,
        preamble=[line.strip() for line in plan.legal_bases.splitlines() if line.strip()],
        blocks=blocks,
        recipients=[line.strip().lstrip("-").strip() for line in plan.recipients.splitlines() if line.strip()],
        signature=Signature(signature_lines, plan.signer_name),
    )


def plan_render(*, plan_id, revision):
    """Render the plan's PDF and Word copy for a revision; idempotent. A draft's files are replaced
    (the old ones deleted); an issued plan's files, once rendered, are never rendered again."""
    from documents import render_docx, render_pdf

    with transaction.atomic():
        # Lock the plan's row only: the sitting is a nullable join, and PostgreSQL refuses FOR UPDATE on
        # the nullable side of an outer join (and the council's row is the numbering lock, not ours).
        plan = (ContactPlan.objects.select_for_update(of=("self",)).select_related("council", "sitting")
                .get(pk=plan_id))
        if plan.revision != revision or plan.rendered_revision == revision:
            return False  # a newer change will render, or this one already has
        if plan.status in (PlanStatus.ISSUED, PlanStatus.PUBLISHED) and plan.pdf and plan.rendered_revision \
                and plan.number is not None and plan.rendered_revision >= revision:
            return False
        document = plan_document(plan)
        name = plan_file_stem(plan)
        old = [f for f in (plan.pdf, plan.docx) if f]
        old_names = [(f.storage, f.name) for f in old]
        plan.pdf.save(f"{name}.pdf", ContentFile(render_pdf(document)), save=False)
        plan.docx.save(f"{name}.docx", ContentFile(render_docx(document)), save=False)
        plan.rendered_revision = revision
        plan.skip_history_when_saving = True  # rendering is bookkeeping, not a change to the plan
        plan.save(update_fields=["pdf", "docx", "rendered_revision"])
        keep = {plan.pdf.name, plan.docx.name}
        for storage, old_name in old_names:
            if old_name not in keep:
                transaction.on_commit(lambda s=storage, n=old_name: s.delete(n))
    return True
