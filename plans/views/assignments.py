"""The assignments a user answers for: the dashboard's list, the full list, and marking one done."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from delegations.pagination import paginate

from .. import forms, services
from ..models import AssignmentStatus
from .plan import PAGE_SIZE


@login_required
def my_assignments(request):
    """The open assignments this user answers for, for the dashboard (fetched by htmx)."""
    assignments = services.assignments_for(request.user).select_related("plan", "plan__council", "agency")
    return render(request, "plans/_my_assignments.html", {
        "assignments": assignments[:15], "today": timezone.localdate(),
    })


@login_required
def assignment_list(request):
    """Every open assignment this user answers for (services.assignments_for), due soonest first;
    ?council= narrows it to one council, ?due=overdue to those past their date
    (AssignmentQuerySet.overdue, the rule the home page counts with)."""
    query = forms.AssignmentListQuery(request.GET)
    query.warn(request)
    assignments = services.assignments_for(request.user).select_related("plan", "plan__council")
    if query.get("council"):
        assignments = assignments.filter(plan__council_id=query.get("council"))
    if query.get("due") == "overdue":
        assignments = assignments.overdue()
    page_obj, querystring = paginate(request, assignments, PAGE_SIZE)
    return render(request, "plans/assignment_list.html", {
        "page_obj": page_obj, "querystring": querystring, "due": query.get("due") or "",
        "council": query.get("council"), "today": timezone.localdate(),
    })


@login_required
@require_POST
def assignment_toggle(request, pk):
    # Those who answer for an assignment mark it done, agencies included (they see no council pages).
    assignment = get_object_or_404(services.assignments_for(request.user, include_done=True), pk=pk)
    # The button posts the state it asks for ("1" done, "0" open); without it, the opposite of the state read.
    wanted = request.POST.get("done")
    done = wanted == "1" if wanted in ("0", "1") else assignment.status == AssignmentStatus.OPEN
    try:
        services.assignment_set_status(assignment=assignment, done=done)
    except services.PlanError as error:
        messages.info(request, " ".join(error.messages))
    target = request.POST.get("next", "")
    # A path of this site only ("next" is typed by no one; a value like "a:b" is no URL name to look up).
    if target.startswith("/") and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                                   require_https=request.is_secure()):
        return HttpResponseRedirect(target)
    return redirect(assignment.plan)  # never to another site named in "next"
