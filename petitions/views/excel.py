"""Export the petition list to Excel and import an edited sheet back."""
import tempfile

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from delegations.access import require_office, require_role
from delegations.downloads import file_download
from delegations.models import OVERSIGHT_ROLES, Council
from delegations.textforms import NormalisedForm

from ..models import VoterDataSurface
from ..privacy import VotersShown, voter_access_record
from ..spreadsheets import (
    XLSX_CONTENT_TYPE,
    export_councils,
    export_workbook,
    import_template,
    petitions_import,
)
from . import staff


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
    rows = staff.filtered_petitions(request).filter(council__in=export_councils(request.user))
    export_workbook(rows, file, user=request.user, shown=shown)
    voter_access_record(user=request.user, surface=VoterDataSurface.EXPORT, shown=shown,
                        path=request.get_full_path(), filters=request.GET.dict())
    file.seek(0)
    return file_download(file, f"kien-nghi-cu-tri-{timezone.localdate():%Y%m%d}")


@login_required
def import_sheet(request):
    """Upload a petitions sheet: every row is checked first; all rows are applied or none, with a
    row-by-row report."""
    require_office(request.user)
    report = None
    form = PetitionImportForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        report = petitions_import(council=form.cleaned_data["council"], user=request.user,
                                  upload=form.cleaned_data["file"])
        if report.ok:
            messages.success(request, _("Imported: %(created)s new petitions, %(updated)s updated, "
                                        "%(unchanged)s unchanged.")
                             % {"created": report.created, "updated": report.updated, "unchanged": report.unchanged})
        else:
            messages.error(request, _("Nothing was imported: correct the rows below and upload the sheet again."))
    refused = request.method == "POST" and (report is None or not report.ok)
    return render(request, "petitions/import.html", {"form": form, "report": report}, status=400 if refused else 200)


@login_required
def template(request):
    require_office(request.user)
    response = HttpResponse(import_template(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = 'attachment; filename="mau-nhap-kien-nghi.xlsx"'
    return response
