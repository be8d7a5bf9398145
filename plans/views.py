from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from delegations.access import get_for_user, require_council_staff, require_office
from delegations.confirm import confirmation, is_confirmed
from delegations.deadlines import deadlines_history
from delegations.downloads import file_download
from delegations.models import Agency, Council, Role
from delegations.once import once
from delegations.pagination import paginate
from delegations.params import CouncilQuery, parse_id
from delegations.views.org import Column, OrgPage, council_choices, history_entries

from . import forms, outline_services, services
from .blocks import PlanData
from .models import (
    ROUND_KINDS,
    Assignment,
    AssignmentDue,
    AssignmentStatus,
    ContactPlan,
    ContactRound,
    DueOccurrence,
    PlanStatus,
    SectionBlock,
    Sitting,
    SittingKind,
)
from .outline import outline_blocks, outline_tree
from .presets import PRESETS

PAGES = {
    "sitting": OrgPage(
        "sitting", Sitting, forms.SittingForm, gettext_lazy("Sittings"),
        [Column(gettext_lazy("Number"), lambda o: o.number), Column(gettext_lazy("Kind"), lambda o: o.get_kind_display()),
         Column(gettext_lazy("Opens"), lambda o: o.opens_on.strftime("%d/%m/%Y")),
         Column(gettext_lazy("Closes"), lambda o: o.closes_on.strftime("%d/%m/%Y")),
         Column(gettext_lazy("Term"), lambda o: o.term.name), Column(gettext_lazy("Council"), lambda o: o.council)],
        select_related=("council", "term"), searchable=False, namespace="plans",
        filters={"council": (gettext_lazy("Council"), "council_id", council_choices),
                 "kind": (gettext_lazy("Kind"), "kind", lambda user: SittingKind.choices)},
        # A moved sitting: the derived windows of its rounds follow, in the same transaction.
        after_save=lambda saved, before, user=None: services.sitting_save(sitting=saved, before=before, user=user),
    ),
}

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
def plan_outline(request, pk):
    """The plan's body as an outline the office shapes: every section's title, rich text and block on
    one form; the button pressed then adds, moves or removes a section, or starts again from a preset."""
    require_office(request.user)
    plan = get_for_user(ContactPlan, request.user, pk, manage=True)
    if not plan.is_editable:
        messages.error(request, _("Only a draft can be edited; this plan is %(status)s.")
                       % {"status": plan.get_status_display().lower()})
        return redirect(plan)
    if request.method == "POST":
        form = forms.OutlineForm(request.POST, plan=plan)
        if form.is_valid():
            op, section = form.cleaned_data["op"]
            user = request.user
            try:
                outline_services.plan_outline_save(plan=plan, user=user, values=form.section_values())
                if op == "add":
                    outline_services.plan_section_add(plan=plan, user=user)
                elif op == "add-after":
                    outline_services.plan_section_add(plan=plan, user=user, after=section)
                elif op == "add-child":
                    outline_services.plan_section_add(plan=plan, user=user, parent=section)
                elif op in outline_services.MOVES:
                    outline_services.plan_section_move(plan=plan, user=user, section=section, direction=op)
                elif op == "remove":
                    outline_services.plan_section_remove(plan=plan, user=user, section=section)
                elif op == "preset":
                    outline_services.plan_outline_preset(plan=plan, user=user, preset=form.cleaned_data["preset"],
                                                         source=form.cleaned_data["source"])
            except services.PlanError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, _("The outline is saved; its PDF is being prepared."))
            anchor = f"#s{section.pk}" if section is not None and op != "remove" else ""
            return redirect(reverse("plans:plan_outline", kwargs={"pk": plan.pk}) + anchor)
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    else:
        form = forms.OutlineForm(plan=plan)
    sections = list(plan.sections.all())
    children = outline_tree(sections)
    labels = {}  # the numbers as printed; a section missing here is empty and not printed
    outline_blocks(sections, PlanData(plan).generate, labels)

    def flatten(parent_id, level):
        rows = []
        for section in children.get(parent_id, []):
            rows.append((section, level, labels.get(section.pk)))
            rows += flatten(section.pk, level + 1)
        return rows

    return render(request, "plans/plan_outline.html", {
        "plan": plan, "form": form, "rows": flatten(None, 1), "blocks": SectionBlock.choices,
    }, status=400 if request.method == "POST" else 200)


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
def plan_file_status(request, pk):
    """The download box, polled by htmx while the PDF is being rendered."""
    require_council_staff(request.user)
    plan = get_for_user(ContactPlan, request.user, pk)
    return render(request, "plans/_files.html", {
        "plan": plan, "can_manage": Role.OFFICE in services.user_roles_in(request.user, plan.council)})


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



# ------------------------------------------------------------- rounds and assignments on the plan's page

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
