"""A draft's rounds and assignments edited on the plan's page (added, removed, moved, their due rules),
and an issued plan's assignment marked done or open again."""
from django.db import transaction
from django.db.models import Max, ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from delegations.deadlines import deadline_close

from ..models import Assignment, AssignmentDue, AssignmentStatus, ContactPlan, ContactRound, DueOccurrence
from .common import PlanError, plan_changed
from .dues import ASSIGNMENT_DEADLINE, assignment_deadline_sync


@transaction.atomic
def assignment_set_status(*, assignment, done):
    # The row locked and re-read first: two people marking it at once are taken one after the other.
    Assignment.objects.select_for_update().filter(pk=assignment.pk).first()
    assignment.refresh_from_db(fields=["status", "done_at"])
    # The wanted state, not a toggle: a second click (or a colleague's) is told, never undoes the first.
    if (assignment.status == AssignmentStatus.DONE) == bool(done):
        raise PlanError(_("This assignment was already marked done.") if done
                        else _("This assignment is already open."))
    assignment.status = AssignmentStatus.DONE if done else AssignmentStatus.OPEN
    assignment.done_at = timezone.now() if done else None
    assignment.save(update_fields=["status", "done_at"])
    assignment_deadline_sync(assignment)
    return assignment


def _draft_locked(plan):
    """The plan's row locked and re-read: its parts change only while it is a draft."""
    plan = ContactPlan.objects.select_for_update(of=("self",)).select_related("council").get(pk=plan.pk)
    if not plan.is_editable:
        raise PlanError(_("Only a draft can be edited; this plan is %(status)s.")
                        % {"status": plan.get_status_display().lower()})
    return plan


def renumber(plan):
    """Assignments numbered 1, 2, 3 … in their order (the printed numbering)."""
    for number, assignment in enumerate(plan.assignments.order_by("order", "pk"), start=1):
        if assignment.order != number:
            assignment.order = number
            assignment.save(update_fields=["order"])


@transaction.atomic
def rounds_add(*, plan, rounds, user):
    """Add rounds (unsaved ContactRound rows, their windows applied) to a draft."""
    plan = _draft_locked(plan)
    for rnd in rounds:
        rnd.plan = plan
        rnd._history_user = user
        rnd.full_clean(exclude=["plan"])
        rnd.save()
    plan_changed(plan=plan)
    return rounds


@transaction.atomic
def round_remove(*, rnd, user):
    plan = _draft_locked(rnd.plan)
    rnd = ContactRound.objects.select_for_update(of=("self",)).get(pk=rnd.pk)
    if rnd.assignment_dues.exists():
        raise PlanError(_("Due dates of assignments count from this round: change them first."))
    try:
        with transaction.atomic():
            rnd.delete()
    except ProtectedError as error:
        raise PlanError(_("Meetings are scheduled in this round: it cannot be removed.")) from error
    plan_changed(plan=plan)


@transaction.atomic
def assignments_add(*, plan, items, user):
    """Add assignments to a draft, numbered after the last one: `items` is [(unsaved Assignment,
    [dict of an AssignmentDue's values])]."""
    plan = _draft_locked(plan)
    top = plan.assignments.aggregate(top=Max("order"))["top"] or 0
    created = []
    for number, (assignment, dues) in enumerate(items, start=top + 1):
        assignment.plan, assignment.order = plan, number
        assignment._history_user = user
        assignment.save()
        for values in dues:
            AssignmentDue.objects.create(assignment=assignment, **values)
        created.append(assignment)
    renumber(plan)
    plan_changed(plan=plan)
    return created


@transaction.atomic
def assignment_remove(*, assignment, user):
    plan = _draft_locked(assignment.plan)
    Assignment.objects.select_for_update().filter(pk=assignment.pk).first()
    for occurrence in DueOccurrence.objects.filter(due__assignment=assignment):
        deadline_close(subject=occurrence, kind=ASSIGNMENT_DEADLINE, cancelled=True)
    assignment.delete()
    renumber(plan)
    plan_changed(plan=plan)


@transaction.atomic
def assignment_move(*, assignment, direction, user):
    """One place up or down; the numbering stays 1, 2, 3 …"""
    plan = _draft_locked(assignment.plan)
    renumber(plan)
    items = list(plan.assignments.order_by("order", "pk"))
    index = next(i for i, item in enumerate(items) if item.pk == assignment.pk)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(items):
        return assignment
    items[index], items[other] = items[other], items[index]
    for number, item in enumerate(items, start=1):
        if item.order != number:
            item.order = number
            item._history_user = user
            item.save(update_fields=["order"])
    plan_changed(plan=plan)
    return assignment


@transaction.atomic
def assignment_due_add(*, assignment, values, user):
    plan = _draft_locked(assignment.plan)
    due = AssignmentDue.objects.create(assignment=assignment, **values)
    plan_changed(plan=plan)
    return due


@transaction.atomic
def assignment_due_remove(*, due, user):
    plan = _draft_locked(due.assignment.plan)
    for occurrence in due.occurrences.all():
        deadline_close(subject=occurrence, kind=ASSIGNMENT_DEADLINE, cancelled=True)
    due.delete()
    plan_changed(plan=plan)


def assignment_first_due_set(*, assignment, values):
    """The plan's form edits an assignment's first due rule: replaced, created, or (no kind)
    removed; further rules, added on the plan's page, stay."""
    first = assignment.dues.order_by("pk").first()
    if not values:
        if first is not None:
            first.delete()
        return None
    if first is None:
        return AssignmentDue.objects.create(assignment=assignment, **values)
    changed = [name for name, value in values.items() if getattr(first, name) != value]
    for name in changed:
        setattr(first, name, values[name])
    if changed:
        first.save()
    return first
