"""A draft's rounds and assignments edited on the plan's page (htmx fragments of its editor block)."""
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from delegations.access import require_office
from delegations.models import Agency, Role

from .. import forms, services
from ..models import Assignment, AssignmentDue, ContactPlan, ContactRound, Sitting


def _editor_context(request, plan, **extra):
    """What the rounds-and-assignments block of the plan's page shows (also its htmx fragment)."""
    rounds = list(plan.rounds.select_related("sitting"))
    assignments = list(plan.assignments.select_related("agency").prefetch_related("dues__round__sitting"))
    editable = plan.is_editable and Role.OFFICE in services.user_roles_in(request.user, plan.council)
    context = {"plan": plan, "rounds": rounds, "assignments": assignments, "editable": editable,
               "conflicts": [(r, r.window_conflict()) for r in rounds if r.window_conflict()]}
    if editable:
        context.update(
            round_form=forms.RoundForm(user=request.user, plan=plan, prefix="round"),
            assignment_form=forms.AssignmentPartForm(user=request.user, prefix="assignment"),
            due_form=forms.DueForm(plan=plan, prefix="due"),
            bulk_rounds=forms.BulkForm(prefix="bulk_rounds"), bulk_assignments=forms.BulkForm(prefix="bulk_assignments"),
        )
    context.update(extra)
    return context


def _editor(request, plan, status=200, **extra):
    plan.refresh_from_db()
    return render(request, "plans/_editor.html", _editor_context(request, plan, **extra), status=status)


def _editable_plan(request, model, pk, path="plan"):
    """The draft plan a part belongs to, for the office of its council (404 for another council's,
    403 for another role)."""
    require_office(request.user)
    obj = get_object_or_404(model.objects.managed_by(request.user), pk=pk)
    plan = obj
    for name in path.split("."):
        plan = getattr(plan, name) if name != "self" else plan
    return obj, plan


def _refused(request, plan, error):
    return _editor(request, plan, status=400, errors=error.messages)


@login_required
@require_POST
def round_add(request, pk):
    plan, _plan = _editable_plan(request, ContactPlan, pk, "self")
    form = forms.RoundForm(request.POST, user=request.user, plan=plan, prefix="round")
    if not form.is_valid():
        context = _editor_context(request, plan)
        context["round_form"] = form
        return render(request, "plans/_editor.html", context, status=400)
    try:
        services.rounds_add(plan=plan, rounds=[form.save(commit=False)], user=request.user)
    except ValidationError as error:
        return _refused(request, plan, error)
    return _editor(request, plan)


@login_required
@require_POST
def rounds_bulk(request, pk):
    plan, _plan = _editable_plan(request, ContactPlan, pk, "self")
    form = forms.BulkForm(request.POST, prefix="bulk_rounds")
    if not form.is_valid():
        return _editor(request, plan, status=400, errors=[e for errs in form.errors.values() for e in errs])
    rounds, errors = forms.rounds_parse(form.cleaned_data["lines"], plan=plan,
                                        sittings=Sitting.objects.filter(council=plan.council))
    if errors:  # all or nothing: the office corrects the lines and sends them again
        context = _editor_context(request, plan, errors=errors)
        context["bulk_rounds"] = form
        return render(request, "plans/_editor.html", context, status=400)
    try:
        services.rounds_add(plan=plan, rounds=rounds, user=request.user)
    except ValidationError as error:
        return _refused(request, plan, error)
    return _editor(request, plan)


@login_required
@require_POST
def round_remove(request, pk):
    rnd, plan = _editable_plan(request, ContactRound, pk)
    try:
        services.round_remove(rnd=rnd, user=request.user)
    except ValidationError as error:
        return _refused(request, plan, error)
    return _editor(request, plan)


@login_required
@require_POST
def assignment_add(request, pk):
    plan, _plan = _editable_plan(request, ContactPlan, pk, "self")
    form = forms.AssignmentPartForm(request.POST, user=request.user, prefix="assignment")
    due = forms.DueForm(request.POST, plan=plan, prefix="due")
    if not (form.is_valid() & due.is_valid()):
        context = _editor_context(request, plan)
        context.update(assignment_form=form, due_form=due)
        return render(request, "plans/_editor.html", context, status=400)
    dues = [_due_values(due.cleaned_data)] if due.cleaned_data.get("kind") else []
    try:
        services.assignments_add(plan=plan, items=[(form.save(commit=False), dues)], user=request.user)
    except ValidationError as error:
        return _refused(request, plan, error)
    return _editor(request, plan)


def _due_values(data):
    return {"kind": data["kind"], "amount": data.get("amount"), "unit": data.get("unit") or "days",
            "round": data.get("round"), "date": data.get("date")}


@login_required
@require_POST
def assignments_bulk(request, pk):
    plan, _plan = _editable_plan(request, ContactPlan, pk, "self")
    form = forms.BulkForm(request.POST, prefix="bulk_assignments")
    if not form.is_valid():
        return _editor(request, plan, status=400, errors=[e for errs in form.errors.values() for e in errs])
    items, errors = forms.assignments_parse(form.cleaned_data["lines"], rounds=list(plan.rounds.all()),
                                            agencies=Agency.objects.filter(council=plan.council))
    if errors:
        context = _editor_context(request, plan, errors=errors)
        context["bulk_assignments"] = form
        return render(request, "plans/_editor.html", context, status=400)
    try:
        services.assignments_add(plan=plan, items=items, user=request.user)
    except ValidationError as error:
        return _refused(request, plan, error)
    return _editor(request, plan)


@login_required
@require_POST
def assignment_remove(request, pk):
    assignment, plan = _editable_plan(request, Assignment, pk)
    try:
        services.assignment_remove(assignment=assignment, user=request.user)
    except ValidationError as error:
        return _refused(request, plan, error)
    return _editor(request, plan)


@login_required
@require_POST
def assignment_move(request, pk):
    assignment, plan = _editable_plan(request, Assignment, pk)
    form = forms.MoveForm(request.POST)
    if not form.is_valid():
        return _editor(request, plan, status=400, errors=[_("Move up or down.")])
    try:
        services.assignment_move(assignment=assignment, direction=form.cleaned_data["direction"], user=request.user)
    except ValidationError as error:
        return _refused(request, plan, error)
    return _editor(request, plan)


@login_required
@require_POST
def assignment_due_add(request, pk):
    assignment, plan = _editable_plan(request, Assignment, pk)
    due = forms.DueForm(request.POST, plan=plan, prefix=f"due{assignment.pk}")
    if not due.is_valid() or not due.cleaned_data.get("kind"):
        errors = [e for errs in due.errors.values() for e in errs] or [_("Choose the kind of due date.")]
        return _editor(request, plan, status=400, errors=errors)
    try:
        services.assignment_due_add(assignment=assignment, values=_due_values(due.cleaned_data), user=request.user)
    except ValidationError as error:
        return _refused(request, plan, error)
    return _editor(request, plan)


@login_required
@require_POST
def assignment_due_remove(request, pk):
    due, plan = _editable_plan(request, AssignmentDue, pk, "assignment.plan")
    try:
        services.assignment_due_remove(due=due, user=request.user)
    except ValidationError as error:
        return _refused(request, plan, error)
    return _editor(request, plan)
