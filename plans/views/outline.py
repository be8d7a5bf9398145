"""The plan's body as an outline the office shapes (sections added, moved, removed, or a preset)."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from delegations.access import get_for_user, require_office

from .. import forms, outline_services, services
from ..blocks import PlanData
from ..models import ContactPlan, SectionBlock
from ..outline import outline_blocks, outline_tree


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
