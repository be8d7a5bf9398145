from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from ..access import require_office
from ..forms import ImportForm
from ..imports import StoredReport, import_job_start, import_progress_context, import_status_response
from ..models import ImportJob, ImportKind
from ..params import parse_id
from ..services import DELEGATE_COLUMNS, delegates_template
from ..spreadsheets import ImportReport, SheetError, check_sheet
from ..uploads import CONTENT_TYPES


@login_required
def delegates_import(request):
    """Upload the delegates sheet: the file is checked at once and stored, and a background task
    imports it (delegations.imports); the import's page shows its progress and ends on its row-by-row
    report. All rows are imported or none."""
    require_office(request.user)
    report = None
    form = ImportForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            rows_expected = check_sheet(upload, DELEGATE_COLUMNS)
        except SheetError as error:
            report = ImportReport(errors=[(None, [str(error)])])
            messages.error(request, _("Nothing was imported: correct the rows below and upload the sheet again."))
        else:
            from ..tasks import delegates_import_task

            job = import_job_start(kind=ImportKind.DELEGATES, council=form.cleaned_data["council"],
                                   term=form.cleaned_data["term"], user=request.user, upload=upload,
                                   task=delegates_import_task, rows_expected=rows_expected)
            return redirect("delegations:import_job", pk=job.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "delegations/import.html", {"form": form, "report": report}, status=status)


def _job_for(request, pk):
    """The import `pk` if the user uploaded it and still manages its council (else 404)."""
    require_office(request.user)
    if parse_id(pk) is None:  # beyond PostgreSQL's bigint: no such import
        raise Http404
    return get_object_or_404(ImportJob.objects.of_uploader(request.user).filter(kind=ImportKind.DELEGATES), pk=pk)


@login_required
def import_job(request, pk):
    """The page of one delegates import: its progress, then its report."""
    job = _job_for(request, pk)
    report = StoredReport(job.report) if job.finished else None
    status_url = reverse("delegations:import_job_status", args=[job.pk])
    return render(request, "delegations/import_job.html", {**import_progress_context(job, status_url),
                                                            "report": report})


@login_required
def import_job_status(request, pk):
    """How far one delegates import is (delegations.imports.import_status_response)."""
    job = _job_for(request, pk)
    return import_status_response(request, job, page_url=reverse("delegations:import_job", args=[job.pk]),
                                  status_url=reverse("delegations:import_job_status", args=[job.pk]))


@login_required
def import_template(request):
    require_office(request.user)
    response = HttpResponse(delegates_template(), content_type=CONTENT_TYPES["xlsx"])
    response["Content-Disposition"] = 'attachment; filename="mau-nhap-dai-bieu.xlsx"'
    return response
