"""The plan's own pages: the list of plans, the form that creates or edits a draft, the plan's page,
and a new draft copied from a previous plan."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from delegations.access import get_for_user, require_council_staff, require_office
from delegations.deadlines import deadlines_history
from delegations.models import Council, Role
from delegations.once import once
from delegations.pagination import paginate
from delegations.params import parse_id
from delegations.views.org import history_entries

from .. import forms, outline_services, services
from ..models import ROUND_KINDS, Assignment, ContactPlan, DueOccurrence, PlanStatus, Sitting
from ..presets import PRESETS
from .editor import _editor_context

PAGE_SIZE = 20


@login_required
def plan_list(request):
    require_council_staff(request.user)
    plans = ContactPlan.objects.for_user(request.user).select_related("council", "sitting")
    params = request.GET
    filters = forms.PlanListQuery(params)
    filters.warn(request)
    query = (filters.get("q") or "").strip()
    if query:
        plans = plans.filter(Q(subject__icontains=query) | Q(signer_name__icontains=query))
    if filters.get("status"):
        plans = plans.filter(status=filters.get("status"))
    if filters.get("year"):
        plans = plans.filter(year=filters.get("year"))
    if filters.get("council"):
        plans = plans.filter(council_id=filters.get("council"))
    page_obj, querystring = paginate(request, plans, PAGE_SIZE)
    return render(request, "plans/plan_list.html", {
        "page_obj": page_obj, "query": query, "statuses": PlanStatus.choices, "status": params.get("status", ""),
        "year": params.get("year", ""), "querystring": querystring, "council": filters.get("council"),
        "can_create": Council.objects.managed_by(request.user).exists(),
    })


@login_required
def plan_edit(request, pk=None):
    """Create a plan, or edit a draft: its text, its rounds and its assignments on one page."""
    require_office(request.user)
    if pk is None:
        plan = ContactPlan(created_by=request.user, year=timezone.localdate().year)
    else:
        plan = get_for_user(ContactPlan, request.user, pk, manage=True)
        if not plan.is_editable:
            messages.error(request, _("Only a draft can be edited; this plan is %(status)s.")
                           % {"status": plan.get_status_display().lower()})
            return redirect(plan)
    data = request.POST if request.method == "POST" else None
    form = forms.PlanForm(data, instance=plan, user=request.user)
    if pk is None and request.method == "GET" and request.GET.get("sitting"):
        sitting = Sitting.objects.managed_by(request.user).filter(pk=parse_id(request.GET["sitting"]) or 0).first()
        if sitting:
            form.initial.update(sitting=sitting, council=sitting.council, year=sitting.opens_on.year)
    rounds = forms.RoundFormSet(data, instance=plan, prefix="rounds", form_kwargs={"user": request.user, "plan": plan})
    # An assignment's due date may count from a round of this same form, new ones included, by its
    # number here: a relative deadline is accepted before the plan is first saved.
    round_choices = [(number, str(f.instance) if f.instance.pk else _("Round %(n)s (new)") % {"n": number})
                     for number, f in enumerate(rounds.forms, start=1)]
    round_positions = {f.instance.pk: number for number, f in enumerate(rounds.forms, start=1) if f.instance.pk}
    assignments = forms.AssignmentFormSet(data, instance=plan, prefix="assignments", form_kwargs={
        "user": request.user, "plan": plan, "round_choices": round_choices, "round_positions": round_positions})
    if request.method == "POST":
        valid = form.is_valid() & rounds.is_valid() & assignments.is_valid()
        if valid:
            valid = _due_rounds_check(rounds, assignments)
        if valid:
            def save():
                with transaction.atomic():
                    created = plan.pk is None
                    saved = form.save()
                    rounds.instance = saved
                    rounds.save()
                    if created and not saved.rounds.exists() and saved.sitting:
                        services.plan_propose_rounds(plan=saved)
                    by_position = {number: f.instance for number, f in enumerate(rounds.forms, start=1)
                                   if f.instance.pk and f not in rounds.deleted_forms}
                    assignments.instance = saved
                    top = max([a.order for a in saved.assignments.all()], default=0)
                    new_forms = {id(f) for f in assignments.forms if not f.instance.pk}
                    assignments.save()
                    for f in assignments.forms:
                        if f in assignments.deleted_forms or not f.instance.pk or not f.has_changed():
                            continue
                        data = f.cleaned_data
                        values = {}
                        if data.get("due_kind"):
                            values = {"kind": data["due_kind"], "amount": data.get("due_amount"),
                                      "unit": data.get("due_unit") or "days", "date": data.get("due_date"),
                                      "round": by_position.get(data.get("due_round"))}
                        services.assignment_first_due_set(assignment=f.instance, values=values)
                        if id(f) in new_forms:  # numbered after the others, from 1
                            top += 1
                            Assignment.objects.filter(pk=f.instance.pk).update(order=top)
                    services.renumber(saved)
                    if created:
                        services.plan_created(plan=saved, user=request.user)
                        preset = form.cleaned_data.get("preset") or "current"
                        outline_services.outline_build(saved, PRESETS[preset][1])
                    services.plan_changed(plan=saved)
                messages.success(request, _("The plan is saved; its PDF is being prepared."))
                if "continue" in request.POST:
                    return reverse("plans:plan_update", kwargs={"pk": saved.pk})
                return saved.get_absolute_url()

            # A new plan is made once however often its form is sent (delegations.once).
            if pk is not None:
                return redirect(save())
            outcome = once(request, save)
            if outcome.repeated:
                messages.info(request, outcome.message)
            return redirect(outcome.url or "plans:plan_list")
        messages.error(request, _("Please correct the errors below."))
    status = 400 if request.method == "POST" else 200
    return render(request, "plans/plan_form.html",
                  {"plan": plan, "form": form, "rounds": rounds, "assignments": assignments}, status=status)


def _due_rounds_check(rounds, assignments):
    """An assignment's due date counts from a round of the same form: refused when that round is
    removed or left empty in this same submission."""
    kept = {number for number, f in enumerate(rounds.forms, start=1)
            if f not in rounds.deleted_forms and (f.instance.pk or f.has_changed())}
    valid = True
    for f in assignments.forms:
        if f in assignments.deleted_forms or not f.has_changed():
            continue
        if f.cleaned_data.get("due_kind") in ROUND_KINDS and f.cleaned_data.get("due_round") not in kept:
            f.add_error("due_round", _("The round an assignment counts from was removed."))
            valid = False
    return valid


@login_required
def plan_detail(request, pk):
    require_council_staff(request.user)
    plan = get_for_user(ContactPlan, request.user, pk)
    roles = services.user_roles_in(request.user, plan.council)
    steps = [step for step, (from_status, _to, allowed) in services.TRANSITIONS.items()
             if plan.status == from_status and roles & set(allowed)]
    editor = _editor_context(request, plan)
    occurrences = DueOccurrence.objects.filter(due__assignment__plan=plan).values_list("pk", flat=True)
    return render(request, "plans/plan_detail.html", {
        **editor,
        "document": services.plan_document(plan),
        # "mark done" only where the service lets this user: assignments_for() is its rule.
        "toggleable": set(services.assignments_for(request.user, include_done=True).filter(plan=plan)
                          .values_list("pk", flat=True)),
        "deadlines": deadlines_history(model=DueOccurrence, ids=list(occurrences)),
        "events": plan.events.select_related("by"),
        "history": history_entries(plan),
        "steps": steps,
        "issue_form": forms.IssueForm(initial={"issued_on": plan.intended_on or timezone.localdate()}),
        "send_back_form": forms.SendBackForm(),
        "scan_form": forms.SignedScanForm(),
        "can_manage": Role.OFFICE in roles,
        "today": timezone.localdate(),
    })


@login_required
def plan_copy(request):
    require_office(request.user)
    form = forms.CopyPlanForm(request.POST or None, user=request.user,
                              initial={"source": request.GET.get("source")})
    if request.method == "POST" and form.is_valid():
        source = form.cleaned_data["source"]
        if not ContactPlan.objects.managed_by(request.user).filter(pk=source.pk).exists():
            raise PermissionDenied

        def copy():
            plan = services.plan_copy(source=source, sitting=form.cleaned_data["sitting"], user=request.user,
                                      year=form.cleaned_data["year"])
            messages.success(request, _("A new draft was made from the earlier plan; check its dates and wording."))
            return reverse("plans:plan_update", kwargs={"pk": plan.pk})

        outcome = once(request, copy)  # a double click makes one copy
        if outcome.repeated:
            messages.info(request, outcome.message)
        return redirect(outcome.url or "plans:plan_list")
    return render(request, "plans/plan_copy.html", {"form": form}, status=400 if request.method == "POST" else 200)
