"""Export the petition list to Excel and import an edited sheet back."""
import tempfile

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from delegations.access import require_office, require_role
from delegations.downloads import file_download
from delegations.imports import (
    StoredReport,
    import_job_start,
    import_progress_context,
    import_status_response,
)
from delegations.models import OVERSIGHT_ROLES, Council, ImportJob, ImportKind
from delegations.params import parse_id
from delegations.spreadsheets import SheetError, check_sheet
from delegations.textforms import NormalisedForm

from ..models import VoterDataSurface
from ..privacy import VotersShown, voter_access_record
from ..spreadsheets import (
    PETITION_COLUMNS,
    XLSX_CONTENT_TYPE,
    PetitionImportReport,
    export_councils,
    export_workbook,
    import_template,
)
from . import lists


class PetitionImportForm(NormalisedForm):
    council = forms.ModelChoiceField(label=gettext_lazy("council"), queryset=Council.objects.none())
    file = forms.FileField(label=gettext_lazy("Excel file (.xlsx)"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        councils = Council.objects.managed_by(user).order_by("name")
        self.fields["council"].queryset = councils
        first_two = list(councils[:2])
        self.only_council = first_two[0] if len(first_two) == 1 else None
        if self.only_council is not None:  # one council: nothing to choose
            self.fields["council"].initial = self.only_council
            self.fields["council"].required = False
            self.fields["council"].widget = forms.HiddenInput()

    def clean_council(self):
        return self.cleaned_data.get("council") or self.only_council


@login_required
def export(request):
    """The petition list (its filters) as an .xlsx sheet: office and standing committee only. The
    voters column holds only the voters the user may see (the one rule); the export is logged."""
    require_role(request.user, *OVERSIGHT_ROLES)
    file = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    shown = VotersShown()
    rows = lists.filtered_petitions(request).filter(council__in=export_councils(request.user))
    export_workbook(rows, file, user=request.user, shown=shown)
    voter_access_record(user=request.user, surface=VoterDataSurface.EXPORT, shown=shown,
                        path=request.get_full_path(), filters=request.GET.dict())
    file.seek(0)
    return file_download(file, f"kien-nghi-cu-tri-{timezone.localdate():%Y%m%d}")


@login_required
def import_sheet(request):
    """Upload a petitions sheet: the file is checked at once (content, size, archive, header row) and
    stored, and a background task imports it (delegations.imports); the page of the import shows its
    progress and ends on its row-by-row report. All rows are applied or none."""
    require_office(request.user)
    report = None
    form = PetitionImportForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            rows_expected = check_sheet(upload, PETITION_COLUMNS)
        except SheetError as error:
            report = PetitionImportReport(errors=[(None, [str(error)])])
            messages.error(request, _("Nothing was imported: correct the rows below and upload the sheet again."))
        else:
            from ..tasks import petitions_import_task

            job = import_job_start(kind=ImportKind.PETITIONS, council=form.cleaned_data["council"],
                                   user=request.user, upload=upload, task=petitions_import_task,
                                   rows_expected=rows_expected)
            return redirect("petitions:import_job", pk=job.pk)
    refused = request.method == "POST"
    return render(request, "petitions/import.html", {"form": form, "report": report}, status=400 if refused else 200)


def _job_for(request, pk):
    """The import `pk` if the user uploaded it and still manages its council (else 404)."""
    require_office(request.user)
    if parse_id(pk) is None:  # beyond PostgreSQL's bigint: no such import
        raise Http404
    return get_object_or_404(ImportJob.objects.of_uploader(request.user).filter(kind=ImportKind.PETITIONS), pk=pk)


@login_required
def import_job(request, pk):
    """The page of one import: its progress while the worker reads, checks and writes the rows (the
    progress card polls `import_job_status` through htmx), then its report."""
    job = _job_for(request, pk)
    report = StoredReport(job.report) if job.finished else None
    status_url = reverse("petitions:import_job_status", args=[job.pk])
    return render(request, "petitions/import_job.html", {**import_progress_context(job, status_url), "report": report})


@login_required
def import_job_status(request, pk):
    """How far one import is (delegations.imports.import_status_response)."""
    job = _job_for(request, pk)
    return import_status_response(request, job, page_url=reverse("petitions:import_job", args=[job.pk]),
                                  status_url=reverse("petitions:import_job_status", args=[job.pk]))


@login_required
def template(request):
    require_office(request.user)
    response = HttpResponse(import_template(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = 'attachment; filename="mau-nhap-kien-nghi.xlsx"'
    return response
