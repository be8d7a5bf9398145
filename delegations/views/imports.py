from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from .. import services
from ..access import require_office
from ..forms import ImportForm


@login_required
def delegates_import(request):
    """Upload the delegates sheet; all rows are imported or none, with a row-by-row report."""
    require_office(request.user)
    report = None
    form = ImportForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        report = services.delegates_import(
            council=form.cleaned_data["council"], term=form.cleaned_data["term"], upload=form.cleaned_data["file"]
        )
        if report.ok:
            messages.success(request, _("Imported: %(created)s new delegates, %(updated)s updated, %(groups)s new groups.")
                             % {"created": report.created, "updated": report.updated, "groups": report.groups_created})
        else:
            messages.error(request, _("Nothing was imported: correct the rows below and upload the sheet again."))
    status = 400 if (request.method == "POST" and (not form.is_valid() or (report and not report.ok))) else 200
    return render(request, "delegations/import.html", {"form": form, "report": report}, status=status)


@login_required
def import_template(request):
    require_office(request.user)
    response = HttpResponse(
        services.delegates_template(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="mau-nhap-dai-bieu.xlsx"'
    return response
