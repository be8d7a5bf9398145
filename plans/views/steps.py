"""The workflow's buttons on the plan's page (submit, send back, approve, issue, publish), the steps that
cannot be undone confirmed first."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from delegations.access import get_for_user, require_council_staff
from delegations.confirm import confirmation, is_confirmed

from .. import forms, services
from ..models import ContactPlan


@login_required
@require_POST
def plan_step(request, pk, step):
    require_council_staff(request.user)  # an agency's user: 403, as on the plan's page
    plan = get_for_user(ContactPlan, request.user, pk)
    kwargs = {}
    if step == "send_back":
        form = forms.SendBackForm(request.POST)
        kwargs["reason"] = form.data.get("reason", "")
    if step == "issue":
        form = forms.IssueForm(request.POST)
        if not form.is_valid():
            messages.error(request, " ".join([_("Give a valid issue date and number."),
                                              *(e for errors in form.errors.values() for e in errors)]))
            return redirect(plan)
        kwargs.update(issued_on=form.cleaned_data["issued_on"], number=form.cleaned_data["number"],
                      confirm_order=form.cleaned_data["confirm_order"])
    if step in CONFIRMED_STEPS and not is_confirmed(request):
        return _step_confirmation(request, plan, step, **kwargs)
    try:
        services.plan_transition(plan=plan, user=request.user, step=step, **kwargs)
    except services.PlanError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(plan)
    messages.success(request, _("Done: the plan is now %(status)s.")
                     % {"status": ContactPlan.objects.get(pk=plan.pk).get_status_display().lower()})
    return redirect(plan)


# The steps that cannot be undone, confirmed first (delegations/confirm.py).
CONFIRMED_STEPS = ("approve", "issue", "publish")


def _step_confirmation(request, plan, step, issued_on=None, number=None, confirm_order=False):
    """What approving, issuing or publishing will do, before it is done; nothing is written (the
    number shown is read from the register, not taken)."""
    from_status, to_status, roles = services.TRANSITIONS[step]
    if not services.user_roles_in(request.user, plan.council) & set(roles):
        raise PermissionDenied(_("Your role cannot take this step."))
    if plan.status != from_status:  # taken meanwhile (another tab, a colleague): said as the service says it
        messages.error(request, services.step_refusal(plan, to_status))
        return redirect(plan)
    if step == "issue":
        issued_on = issued_on or timezone.localdate()
        if number and services.document_number_used(council=plan.council, year=issued_on.year,
                                                     type_code=ContactPlan.TYPE_CODE, number=number):
            messages.error(request, _("Number %(number)02d/%(type)s is already used in %(year)s.")
                           % {"number": number, "type": ContactPlan.TYPE_CODE, "year": issued_on.year})
            return redirect(plan)
        number = number or services.document_number_next(council=plan.council, year=issued_on.year,
                                                         type_code=ContactPlan.TYPE_CODE)
        text = services.document_number_text(council=plan.council, number=number, type_code=ContactPlan.TYPE_CODE,
                                             symbol=plan.document_symbol)
        consequences = [
            _("Number %(number)s will be taken and cannot be taken back.") % {"number": text},
            _("The plan is issued on %(date)s and can no longer be edited; its numbered copy is printed once.")
            % {"date": issued_on.strftime("%d/%m/%Y")},
        ]
        title, button = _("Issue the plan?"), _("Issue with number %(number)s") % {"number": text}
    elif step == "approve":
        consequences = [_("The plan will be approved: it can no longer be sent back or edited."),
                        _("The office can then issue it with a number of the council's register.")]
        title, button = _("Approve the plan?"), _("Approve")
    else:
        consequences = [_("The plan will be published: anyone can read it and download its PDF on the public "
                          "page. This cannot be undone.")]
        title, button = _("Publish the plan?"), _("Publish")
    return confirmation(request, title=title, subject=str(plan), consequences=consequences, button=button,
                        cancel_url=plan.get_absolute_url())
