"""Reports (BC) on voter petitions, written by the system: the consolidated report of a round
("Báo cáo tổng hợp ý kiến, kiến nghị cử tri") and the results of the answers for a sitting or a
round. Each is described once as an `OfficialDocument` (documents/official.py, the one Decree 30
renderer) and printed to PDF and Word from that description; an Excel workbook beside it holds one
row per petition and the count tables.

The data is read in a fixed number of queries whatever the number of petitions (values() rows, one
query for the fields of all of them, aggregates for the counts), so a round of 5,000 petitions is
printed in seconds (`manage.py bench_report`).

A report is asked for as a draft: unnumbered ("Số:      /BC-HĐND"), printed with the data of the
moment it is rendered, and it can be rendered again as the petitions move. Issuing it takes the
next number of the council's BC register (plans' document numbering, the same register plans use)
and the issue date, renders it once more, and freezes it: an issued report's files never change.
So drafts asked for only to look at the figures never use up numbers of the register.

The documents' wording is Vietnamese, as the law prints it, whatever the interface language (the
same choice as plans' printed plan and the Excel sheets' headers)."""
import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from delegations.models import Role

from ..models import (
    Report,
    ReportKind,
    ReportStatus,
)
from .build import (  # noqa: F401 - the builders are read through this module too
    default_recipients,
    file_stem,
    render_files,
    report_build,
    round_meetings,
    workbook_bytes,
)

logger = logging.getLogger(__name__)


def report_load(report_id):
    return (Report.objects.select_related("council", "round__plan", "round__sitting__term",
                                          "round__sitting__council", "sitting__term", "sitting__council")
            .filter(pk=report_id).first())


def report_render(*, report_id):
    """Render a report's PDF, Word copy and workbook for its current revision; idempotent: a revision
    already rendered, or one replaced by a newer revision meanwhile, is not written (again).

    The slow part (reading the petitions and typesetting) runs outside any transaction, so the
    database is not held for it; the files are written in a short transaction on the locked row,
    only if the report still wants this revision."""
    report = report_load(report_id)
    if report is None:
        return False
    revision = report.revision
    if report.rendered_revision == revision and report.status == ReportStatus.READY:
        return False
    try:
        built = report_build(report)
        files = render_files(built)
    except Exception as error:  # recorded on the report, shown on its page, and the office may try again
        logger.exception("report %s could not be rendered", report_id)
        Report.objects.filter(pk=report_id, revision=revision).update(
            status=ReportStatus.FAILED, error=f"{type(error).__name__}: {error}"[:2000])
        return False
    with transaction.atomic():
        report = Report.objects.select_for_update().filter(pk=report_id).first()
        if report is None or report.revision != revision or (
                report.rendered_revision == revision and report.status == ReportStatus.READY):
            return False
        old_names = [(f.storage, f.name) for f in (report.pdf, report.docx, report.xlsx) if f]
        stem = file_stem(report)
        for name, content in files.items():
            getattr(report, name).save(f"{stem}.{name}", ContentFile(content), save=False)
        report.status, report.error = ReportStatus.READY, ""
        report.rendered_revision, report.rendered_at = revision, timezone.now()
        report.petition_count = built.petition_count
        report.save(update_fields=[*Report.FILE_FORMATS, "status", "error", "rendered_revision", "rendered_at",
                                   "petition_count"])
        if report.requested_by_id:
            from delegations.models import NotificationKind
            from delegations.notify import notify

            notify(kind=NotificationKind.REPORT_READY, recipients=[report.requested_by], obj=report,
                   subject=_("Report ready: %(report)s") % {"report": report},
                   body=_("The report %(report)s you asked for is ready to read and download.") % {"report": report})
        keep = {report.pdf.name, report.docx.name, report.xlsx.name}
        for storage, old_name in old_names:
            if old_name not in keep:
                transaction.on_commit(lambda s=storage, n=old_name: s.delete(n))
    return True


# ----------------------------------------------------------------------------------- the services

def _render_after_commit(report):
    """The wish to render the report, written in the caller's transaction (delegations/outbox.py):
    handed to the worker after commit, and again by the outbox sweep if the broker was down."""
    from delegations.outbox import outbox_enqueue

    from ..tasks import report_render as task

    outbox_enqueue(task, report_id=report.pk)


def _user_roles(user, council):
    if user.is_superuser:
        return {Role.OFFICE, Role.STANDING}
    return set(user.memberships.filter(council=council, is_active=True).values_list("role", flat=True))


@transaction.atomic
def report_request(*, user, council, kind, round=None, sitting=None, signer_name="", signing_lines="",
                   recipients="", issue=False, number=None, issued_on=None, intended_on=None, document_symbol="",
                   confirm_order=False):
    """Ask for a report of a council (office or standing committee of that council): a round's
    consolidated report needs the round; a results report a sitting or a round. It is rendered by
    the worker after commit; with `issue`, it takes its number from the register at once."""
    if not _user_roles(user, council) & {Role.OFFICE, Role.STANDING}:
        raise PermissionDenied(_("Only the office and the standing committee of the council ask for reports."))
    if kind not in ReportKind.values:
        raise ValidationError(_("Choose the kind of report."))
    if round is not None and round.plan.council_id != council.pk:
        raise ValidationError(_("Choose a round of the council."))
    if sitting is not None and sitting.council_id != council.pk:
        raise ValidationError(_("Choose a sitting of the council."))
    if kind == ReportKind.ROUND:
        if round is None:
            raise ValidationError(_("The consolidated report is about a round: choose it."))
        sitting = None
    elif (round is None) == (sitting is None):
        raise ValidationError(_("The results report is for a sitting or for a round: choose one of them."))
    if document_symbol and document_symbol not in council.document_symbols:
        raise ValidationError(_("Choose one of the council's symbols: %(symbols)s.")
                              % {"symbols": ", ".join(council.document_symbols)})
    report = Report(council=council, kind=kind, round=round, sitting=sitting, requested_by=user,
                    intended_on=intended_on, document_symbol=document_symbol or "",
                    signer_name=(signer_name or "").strip(),
                    recipients=(recipients or "").strip() or default_recipients(council))
    if (signing_lines or "").strip():
        report.signing_lines = signing_lines.strip()
    report.save()
    if issue:
        _take_number(report, user, number=number, issued_on=issued_on, confirm_order=confirm_order)
    _render_after_commit(report)
    return report


def _take_number(report, user, *, number=None, issued_on=None, confirm_order=False):
    from plans.services import document_number_take

    if Role.OFFICE not in _user_roles(user, report.council):
        raise PermissionDenied(_("Only the office issues documents."))
    issued_on = issued_on or report.intended_on or timezone.localdate()
    # Dates never go backwards against the register's numbers unless the office confirms it.
    report.number = document_number_take(council=report.council, dated=issued_on, type_code=Report.TYPE_CODE,
                                         number=number, confirm_order=confirm_order)
    report.issued_on = issued_on
    report.save(update_fields=["number", "issued_on"])


@transaction.atomic
def report_issue(*, report, user, number=None, issued_on=None, confirm_order=False):
    """Issue a draft report: the next number of the council's BC register (or the one typed, if free)
    and the issue date; it is rendered once more with them and never changes after."""
    report = Report.objects.select_for_update(of=("self",)).select_related("council").get(pk=report.pk)
    if report.number is not None:
        raise ValidationError(_("This report is already issued as %(number)s.") % {"number": report.number_text})
    _take_number(report, user, number=number, issued_on=issued_on, confirm_order=confirm_order)
    report.revision += 1
    report.status, report.error = ReportStatus.PENDING, ""
    report.save(update_fields=["revision", "status", "error"])
    _render_after_commit(report)
    return report


@transaction.atomic
def report_refresh(*, report, user):
    """Render a draft again with today's data (or retry a report that failed). An issued report that
    was rendered stays as it was issued."""
    report = Report.objects.select_for_update(of=("self",)).select_related("council").get(pk=report.pk)
    if not _user_roles(user, report.council) & {Role.OFFICE, Role.STANDING}:
        raise PermissionDenied(_("Only the office and the standing committee of the council ask for reports."))
    if report.number is not None and report.status == ReportStatus.READY:
        raise ValidationError(_("An issued report is not rendered again."))
    report.revision += 1
    report.status, report.error = ReportStatus.PENDING, ""
    report.save(update_fields=["revision", "status", "error"])
    _render_after_commit(report)
    return report


def request_councils(user):
    """The councils whose reports a user may ask for: where they are office staff or on the standing
    committee."""
    from delegations.models import OVERSIGHT_ROLES, Council, Membership

    if not user.is_authenticated:
        return Council.objects.none()
    if user.is_superuser:
        return Council.objects.all()
    return Council.objects.filter(pk__in=Membership.objects.filter(
        user=user, is_active=True, role__in=OVERSIGHT_ROLES).values("council_id"))
