"""Writing a plan's outline: start from a preset or an earlier plan, save the sections' titles, text
and blocks, add, move and remove sections. A draft's outline only; each change renders the plan again."""
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from delegations.models import Role

from .models import ContactPlan, PlanSection, SectionBlock
from .outline import outline_tree, sanitize_html
from .presets import PRESETS


def _lock_draft(plan, user):
    """The plan's row locked and re-read: only the office of its council changes a draft's outline."""
    from .services import PlanError, user_roles_in

    plan = ContactPlan.objects.select_for_update(of=("self",)).select_related("council").get(pk=plan.pk)
    if user is not None and Role.OFFICE not in user_roles_in(user, plan.council):
        raise PermissionDenied(_("Only the office shapes a plan's outline."))
    if not plan.is_editable:
        raise PlanError(_("Only a draft can be edited; this plan is %(status)s.")
                        % {"status": plan.get_status_display().lower()})
    return plan


def _changed(plan):
    from .services import plan_changed

    plan_changed(plan=plan)


def outline_build(plan, tree, parent=None):
    """Create a preset's tree (title, block, children, body) under `parent`."""
    for position, item in enumerate(tree, start=1):
        section = PlanSection.objects.create(plan=plan, parent=parent, position=position, title=item["title"],
                                             block=item.get("block", ""), body_html=item.get("body", ""))
        outline_build(plan, item.get("children", []), section)


def outline_copy(*, source, plan):
    """The source plan's sections, titles, text and blocks, under the new plan, in the same tree."""
    children = outline_tree(source.sections.all())

    def copy(parent_id, new_parent):
        for section in children.get(parent_id, []):
            made = PlanSection.objects.create(plan=plan, parent=new_parent, position=section.position,
                                              title=section.title, body_html=section.body_html, block=section.block)
            copy(section.pk, made)

    copy(None, None)


@transaction.atomic
def plan_outline_preset(*, plan, user, preset, source=None):
    """Replace the draft's outline by a preset's, or by a copy of an earlier plan of the same council."""
    from .services import PlanError

    plan = _lock_draft(plan, user)
    if preset == "copy":
        if source is None or source.council_id != plan.council_id or source.pk == plan.pk:
            raise PlanError(_("Choose an earlier plan of the same council."))
    elif preset not in PRESETS:
        raise PlanError(_("Unknown preset."))
    plan.sections.all().delete()
    if preset == "copy":
        outline_copy(source=source, plan=plan)
        for name in ("contact_person", "contact_phone", "closing"):
            setattr(plan, name, getattr(source, name))
        plan.save(update_fields=["contact_person", "contact_phone", "closing"])
    else:
        outline_build(plan, PRESETS[preset][1])
    _changed(plan)
    return plan


@transaction.atomic
def plan_outline_save(*, plan, user, values):
    """Save the sections' titles, sanitised text and blocks: `values` maps a section's id to
    {"title", "body_html", "block"}; ids of other plans are ignored."""
    plan = _lock_draft(plan, user)
    sections = {s.pk: s for s in plan.sections.select_for_update()}
    for pk, value in values.items():
        section = sections.get(pk)
        if section is None:
            continue
        title = (value.get("title") or "").strip()[:500]
        body = sanitize_html(value.get("body_html") or "")
        block = value.get("block") or ""
        if block not in SectionBlock.values:
            block = ""
        if (section.title, section.body_html, section.block) != (title, body, block):
            section.title, section.body_html, section.block = title, body, block
            section._history_user = user
            section.save(update_fields=["title", "body_html", "block"])  # one by one: each leaves a history entry
    _changed(plan)
    return plan


def _siblings(plan, parent_id):
    return list(plan.sections.filter(parent_id=parent_id).order_by("position", "pk"))


def _renumber(siblings):
    for position, sibling in enumerate(siblings, start=1):
        if sibling.position != position:
            sibling.position = position
            sibling.save(update_fields=["position"])


@transaction.atomic
def plan_section_add(*, plan, user, parent=None, after=None, title=""):
    """A new, empty section: after `after` among its siblings, or last under `parent` (or at the top)."""
    plan = _lock_draft(plan, user)
    if after is not None:
        parent_id = after.parent_id
        siblings = _siblings(plan, parent_id)
        index = next((i for i, s in enumerate(siblings) if s.pk == after.pk), len(siblings) - 1) + 1
        section = PlanSection(plan=plan, parent_id=parent_id, title=title)
        siblings.insert(index, section)
        section.position = index + 1
        section.save()
        _renumber(siblings)
    else:
        top = plan.sections.filter(parent=parent).aggregate(top=Max("position"))["top"] or 0
        section = PlanSection.objects.create(plan=plan, parent=parent, position=top + 1, title=title)
    _changed(plan)
    return section


MOVES = ("up", "down", "in", "out")


@transaction.atomic
def plan_section_move(*, plan, user, section, direction):
    """Up or down among its siblings; "in": under the sibling above it (its last child); "out": after
    its parent, one level up. A move that is not possible (the first section up) changes nothing."""
    from .services import PlanError

    plan = _lock_draft(plan, user)
    section = plan.sections.select_for_update().get(pk=section.pk)
    siblings = _siblings(plan, section.parent_id)
    index = next(i for i, s in enumerate(siblings) if s.pk == section.pk)
    if direction == "up" and index > 0:
        siblings[index - 1], siblings[index] = siblings[index], siblings[index - 1]
        _renumber(siblings)
    elif direction == "down" and index < len(siblings) - 1:
        siblings[index + 1], siblings[index] = siblings[index], siblings[index + 1]
        _renumber(siblings)
    elif direction == "in" and index > 0:
        new_parent = siblings[index - 1]
        top = new_parent.children.aggregate(top=Max("position"))["top"] or 0
        section.parent, section.position = new_parent, top + 1
        section.save(update_fields=["parent", "position"])
        _renumber([s for s in siblings if s.pk != section.pk])
    elif direction == "out" and section.parent_id:
        parent = section.parent
        outer = _siblings(plan, parent.parent_id)
        at = next(i for i, s in enumerate(outer) if s.pk == parent.pk) + 1
        section.parent_id = parent.parent_id
        section.save(update_fields=["parent"])
        outer.insert(at, section)
        _renumber(outer)
        _renumber([s for s in siblings if s.pk != section.pk])
    elif direction not in MOVES:
        raise PlanError(_("Unknown move."))
    _changed(plan)
    return section


@transaction.atomic
def plan_section_remove(*, plan, user, section):
    """Remove a section with its sub-sections."""
    plan = _lock_draft(plan, user)
    parent_id = section.parent_id
    plan.sections.filter(pk=section.pk).delete()
    _renumber(_siblings(plan, parent_id))
    _changed(plan)
