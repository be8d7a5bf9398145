"""The plan's files: the download box and its "prepare again", downloads, the signed scan, and the
published plans anyone can read."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from delegations.access import get_for_user, require_council_staff, require_office
from delegations.downloads import file_download
from delegations.models import Council, Role
from delegations.pagination import paginate
from delegations.params import CouncilQuery

from .. import forms, services
from ..models import ContactPlan, PlanStatus
from .plan import PAGE_SIZE


@login_required
def plan_file_status(request, pk):
    """The download box, polled by htmx while the PDF is being rendered."""
    require_council_staff(request.user)
    plan = get_for_user(ContactPlan, request.user, pk)
    return render(request, "plans/_files.html", {
        "plan": plan, "can_manage": Role.OFFICE in services.user_roles_in(request.user, plan.council)})


@login_required
@require_POST
def plan_render_again(request, pk):
    """"Prepare again" (Chuẩn bị lại) the plan's files when they failed or wait too long."""
    require_office(request.user)
    plan = get_for_user(ContactPlan, request.user, pk, manage=True)
    try:
        services.plan_render_again(plan=plan, user=request.user)
    except services.PlanError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The document is being prepared again."))
    return redirect(plan)


@login_required
def plan_download(request, pk, kind):
    require_council_staff(request.user)
    plan = get_for_user(ContactPlan, request.user, pk)
    return _file_response(plan, kind)


def _file_response(plan, kind):
    field = {"pdf": plan.pdf, "docx": plan.docx, "signed": plan.signed_scan}.get(kind)
    if not field:
        raise Http404
    suffix = "-ban-ky" if kind == "signed" else ""
    return file_download(field, services.plan_file_stem(plan) + suffix)


@login_required
@require_POST
def plan_signed_upload(request, pk):
    require_office(request.user)  # an agency's user: 403, as on the other write pages
    plan = get_for_user(ContactPlan, request.user, pk, manage=True)
    form = forms.SignedScanForm(request.POST, request.FILES)
    if plan.status not in (PlanStatus.ISSUED, PlanStatus.PUBLISHED):
        messages.error(request, _("The signed copy can be uploaded once the plan is issued."))
    elif form.is_valid():
        services.plan_attach_signed_scan(plan=plan, upload=form.cleaned_data["file"])
        messages.success(request, _("The signed copy is attached."))
    else:
        messages.error(request, " ".join(form.errors["file"]))
    return redirect(plan)


def public_plans(request):
    """Published plans, without login, per council, newest first."""
    plans = ContactPlan.objects.published().select_related("council").order_by("-issued_on", "-pk")
    councils = Council.objects.filter(contact_plans__status=PlanStatus.PUBLISHED).distinct()
    filters = CouncilQuery(request.GET)
    filters.warn(request)
    council_id = str(filters.get("council") or "")
    if council_id:
        plans = plans.filter(council_id=filters.get("council"))
    page_obj, querystring = paginate(request, plans, PAGE_SIZE)
    return render(request, "plans/public_plans.html", {
        "page_obj": page_obj, "councils": councils, "council_id": council_id, "querystring": querystring,
    })


def public_plan_download(request, pk, kind):
    if kind not in ("pdf", "signed"):
        raise Http404
    plan = get_object_or_404(ContactPlan.objects.published(), pk=pk)
    if kind == "pdf" and not plan.issued_pdf_ready:
        raise Http404  # the issued copy is still being rendered: never the draft it replaces
    return _file_response(plan, kind)
