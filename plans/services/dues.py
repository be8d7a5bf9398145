"""Due dates of a plan's assignments: computed from their rules (a date, before or after a round, before
or after each meeting), kept as DueOccurrence rows, tracked as deadlines (delegations.deadlines) once the
plan is issued; who answers for them."""
import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, Q
from django.utils.translation import gettext as _

from delegations.calendar import WorkingCalendar
from delegations.deadlines import deadline_close, deadline_open, deadline_set_date, due_compute
from delegations.models import DeadlineUnit, Membership, Role

from ..models import (
    PER_MEETING_KINDS,
    ROUND_KINDS,
    Assignment,
    AssignmentDue,
    AssignmentStatus,
    ContactPlan,
    ContactRound,
    DueKind,
    DueOccurrence,
    DueUnit,
    PlanStatus,
    ResponsibleKind,
)

# Meetings live in an app to the right (sessions); it registers the function that lists the
# meetings of rounds (apps.ready()), as deadline kinds are registered: a registry, not an import.
MEETINGS_PROVIDERS = []


@dataclass(frozen=True)
class Meeting:
    session_id: int
    round_id: int
    group_id: int
    day: datetime.date


def meetings_provider_register(provider):
    """`provider(round_ids)` → [Meeting] of the meetings (not cancelled) of these rounds."""
    if provider not in MEETINGS_PROVIDERS:
        MEETINGS_PROVIDERS.append(provider)


def _meetings_of(round_ids):
    found = defaultdict(list)
    for provider in MEETINGS_PROVIDERS:
        for meeting in provider(sorted(set(round_ids))):
            found[meeting.round_id].append(meeting)
    return found


def due_before(*, start, amount, unit, calendar):
    """The last day to act "N (working) days before" `start`: N working days back; or N days back,
    and, when that day is not a working day, the working day before it (the act must come before,
    so the date never moves later). Returns (date, explanation)."""
    if unit == DueUnit.WORKING_DAYS:
        count = calendar.add_working_days(start, -amount)
        return count.due, count.explanation()
    day = start - datetime.timedelta(days=amount)
    text = _("%(n)s days before %(start)s → %(due)s") % {
        "n": amount, "start": start.strftime("%d/%m/%Y"), "due": day.strftime("%d/%m/%Y")}
    reason, due = calendar.non_working_reason(day), day
    while calendar.non_working_reason(due) is not None:
        due -= datetime.timedelta(days=1)
    if due != day:
        text += "; " + _("%(day)s is %(reason)s → %(due)s (the working day before)") % {
            "day": day.strftime("%d/%m/%Y"), "reason": reason, "due": due.strftime("%d/%m/%Y")}
    return due, text


def _deadline_unit(unit):
    return DeadlineUnit.WORKING_DAYS if unit == DueUnit.WORKING_DAYS else DeadlineUnit.DAYS


def due_occurrences_wanted(due, *, calendar, meetings, plan_round_ids):
    """The due dates one rule gives: {session_id or None: values}. `meetings` maps a round id to its
    meetings. After-rules keep their rule (start, amount, unit) so that a calendar change moves them."""
    wanted = {}
    if due.kind == DueKind.DATE:
        if due.date:
            wanted[None] = {"due_on": due.date, "explanation": _("the date written in the plan"), "counted_from": None,
                            "group_id": None, "rule": None}
        return wanted
    if due.amount is None:
        return wanted
    if due.kind in ROUND_KINDS:
        if due.round_id is None:
            return wanted
        starts = [(None, None, due.round.starts_on if due.kind == DueKind.BEFORE_ROUND else due.round.ends_on)]
    else:
        round_ids = [due.round_id] if due.round_id else plan_round_ids
        starts = [(m.session_id, m.group_id, m.day) for rid in round_ids for m in meetings.get(rid, [])]
    for session_id, group_id, start in starts:
        if due.kind in (DueKind.BEFORE_ROUND, DueKind.BEFORE_EACH_MEETING):
            due_on, explanation = due_before(start=start, amount=due.amount, unit=due.unit, calendar=calendar)
            rule = None
        else:
            unit = _deadline_unit(due.unit)
            due_on, explanation = due_compute(start=start, amount=due.amount, unit=unit, calendar=calendar)
            rule = (start, due.amount, unit)
        wanted[session_id] = {"due_on": due_on, "explanation": explanation[:500], "counted_from": start,
                              "group_id": group_id, "rule": rule}
    return wanted


def assignment_dues_resolve(assignment, *, calendar=None, meetings=None, plan_round_ids=None):
    """Compute the due dates of the assignment's rules (one per rule, or one per meeting), keep its
    DueOccurrence rows in step (new, moved, dropped), its first due date as `due_on`, and their
    tracked deadlines (delegations.Deadline) once the plan is issued."""
    plan = assignment.plan
    calendar = calendar or WorkingCalendar.for_council(plan.council)
    dues = list(assignment.dues.select_related("round", "round__sitting"))
    if plan_round_ids is None:
        plan_round_ids = list(plan.rounds.values_list("pk", flat=True))
    if meetings is None:
        meetings = _meetings_of(plan_round_ids) if any(d.kind in PER_MEETING_KINDS for d in dues) else {}
    existing = {(o.due_id, o.session_id): o for o in DueOccurrence.objects.filter(due__assignment=assignment)}
    keep, rules = [], {}
    for due in dues:
        for session_id, values in due_occurrences_wanted(due, calendar=calendar, meetings=meetings,
                                                         plan_round_ids=plan_round_ids).items():
            rule = values.pop("rule")
            occurrence = existing.pop((due.pk, session_id), None)
            if occurrence is None:
                occurrence = DueOccurrence.objects.create(due=due, session_id=session_id, **values)
            elif any(getattr(occurrence, name) != value for name, value in values.items()):
                for name, value in values.items():
                    setattr(occurrence, name, value)
                occurrence.save(update_fields=list(values))
            occurrence.due = due
            rules[occurrence.pk] = rule
            keep.append(occurrence)
    for gone in existing.values():
        deadline_close(subject=gone, kind=ASSIGNMENT_DEADLINE, cancelled=True)
        gone.delete()
    first = min(keep, key=lambda o: (o.due_on, o.pk), default=None)
    summary = (first.due_on, first.explanation) if first else (None, "")
    if (assignment.due_on, assignment.due_explanation) != summary:
        assignment.due_on, assignment.due_explanation = summary
        assignment.save(update_fields=["due_on", "due_explanation"])
    _occurrences_deadlines_sync(assignment, keep, rules, calendar)
    return keep


ASSIGNMENT_DEADLINE = "assignment"


# A draft's assignments are not clocks yet: the plan may still change. Those of an issued plan are.
DEADLINE_STATUSES = (PlanStatus.ISSUED, PlanStatus.PUBLISHED)


def _occurrences_deadlines_sync(assignment, occurrences, rules, calendar):
    """Open, move or close the deadline of each due date: open while the assignment of an issued
    plan is open (an after-rule keeps its rule, so that a council day off moves it), done when the
    assignment is done, cancelled otherwise."""
    plan = assignment.plan
    running = plan.status in DEADLINE_STATUSES and assignment.status == AssignmentStatus.OPEN
    for occurrence in occurrences:
        if not running:
            deadline_close(subject=occurrence, kind=ASSIGNMENT_DEADLINE,
                           cancelled=assignment.status != AssignmentStatus.DONE)
            continue
        title = str(assignment)
        if occurrence.session_id:
            title = f"{title} · {occurrence.counted_from:%d/%m/%Y}"
        what = {"subject": occurrence, "kind": ASSIGNMENT_DEADLINE, "council": plan.council, "title": title,
                "url": plan.get_absolute_url()}
        rule = rules.get(occurrence.pk)
        if rule is not None:
            start, amount, unit = rule
            deadline_open(**what, start=start, amount=amount, unit=unit, calendar=calendar)
        else:
            deadline_set_date(**what, due_on=occurrence.due_on, explanation=occurrence.explanation)


def assignment_deadline_sync(assignment, calendar=None):
    """The assignment's state changed (done, reopened): its due dates' deadlines follow."""
    return assignment_dues_resolve(assignment, calendar=calendar)


def plan_resolve_dues(*, plan):
    calendar = WorkingCalendar.for_council(plan.council)
    round_ids = list(plan.rounds.values_list("pk", flat=True))
    meetings = _meetings_of(round_ids) if AssignmentDue.objects.filter(
        assignment__plan=plan, kind__in=PER_MEETING_KINDS).exists() else {}
    for assignment in plan.assignments.all():
        assignment.plan = plan
        assignment_dues_resolve(assignment, calendar=calendar, meetings=meetings, plan_round_ids=round_ids)


def plan_deadlines_sync(*, plan):
    plan_resolve_dues(plan=plan)


@transaction.atomic
def meeting_dues_sync(*, session_id, round_id=None):
    """A meeting was scheduled, moved, postponed or cancelled (the sessions services call this in
    their transaction): the per-meeting due dates of the plans concerned follow."""
    plan_ids = set(DueOccurrence.objects.filter(session_id=session_id).values_list("due__assignment__plan_id",
                                                                                  flat=True))
    if round_id is not None:
        plan_ids |= set(ContactRound.objects.filter(pk=round_id).values_list("plan_id", flat=True))
    for plan in ContactPlan.objects.filter(pk__in=plan_ids).select_related("council"):
        if AssignmentDue.objects.filter(assignment__plan=plan, kind__in=PER_MEETING_KINDS).exists():
            plan_resolve_dues(plan=plan)


def assignment_deadline_recipients(object_ids):
    """Who answers for each due date, as `assignments_for` reads it the other way round: the
    agency's responders for an agency's assignment, the office for every assignment but the
    groups', the standing committee for the office's own; for the groups', their leaders, and for
    a due date of one meeting, the leader of the group that holds it."""
    occurrences = list(DueOccurrence.objects.filter(pk__in=object_ids).values_list(
        "pk", "due__assignment__plan__council_id", "due__assignment__responsible_kind",
        "due__assignment__agency_id", "group_id"))
    memberships = {}
    for membership in (Membership.objects.filter(
            council_id__in={o[1] for o in occurrences}, is_active=True, user__is_active=True,
            role__in=[Role.AGENCY, Role.GROUP_LEADER, Role.OFFICE, Role.STANDING])
            .select_related("user").order_by("pk")):
        memberships.setdefault(membership.council_id, []).append(membership)
    found = {}
    for pk, council_id, kind, agency_id, group_id in occurrences:
        found[pk] = [m.user for m in memberships.get(council_id, []) if (
            (m.role == Role.AGENCY and agency_id is not None and m.agency_id == agency_id)
            or (m.role == Role.GROUP_LEADER and kind == ResponsibleKind.GROUPS
                and (group_id is None or m.group_id == group_id))
            or (m.role == Role.OFFICE and kind != ResponsibleKind.GROUPS)
            or (m.role == Role.STANDING and kind == ResponsibleKind.OFFICE))]
    return found


def assignment_deadlines_moved(deadlines):
    """A council day off moved some due dates: their own rows follow, and their assignments' first
    due date (saved with the reason for its history)."""
    from simple_history.utils import bulk_update_with_history

    by_id = {d.object_id: d for d in deadlines}
    occurrences = list(DueOccurrence.objects.filter(pk__in=by_id).select_related("due"))
    for occurrence in occurrences:
        occurrence.due_on = by_id[occurrence.pk].due_on
        occurrence.explanation = by_id[occurrence.pk].explanation[:500]
    DueOccurrence.objects.bulk_update(occurrences, ["due_on", "explanation"], batch_size=500)
    assignment_ids = {o.due.assignment_id for o in occurrences}
    firsts = {}
    for occurrence in DueOccurrence.objects.filter(due__assignment_id__in=assignment_ids).order_by("due_on", "pk") \
            .select_related("due"):
        firsts.setdefault(occurrence.due.assignment_id, occurrence)
    assignments = list(Assignment.objects.filter(pk__in=assignment_ids))
    for assignment in assignments:
        first = firsts.get(assignment.pk)
        assignment.due_on, assignment.due_explanation = (first.due_on, first.explanation) if first else (None, "")
    # The recomputation's reason (one per call) goes into each assignment's history, as on petitions.
    reason = (getattr(deadlines[0], "change_reason", "") or "")[:100] or None if deadlines else None
    bulk_update_with_history(assignments, Assignment, ["due_on", "due_explanation"], batch_size=500,
                             default_change_reason=reason)


def assignments_for(user, include_done=False):
    """The assignments of issued plans that this user answers for: an agency's responder for that
    agency's, group leaders and delegates for the groups', the office for the rest of its council's."""
    memberships = user.memberships.filter(is_active=True) if user.is_authenticated else []
    condition = Q(pk__in=[])
    for membership in memberships:
        mine = Q(plan__council_id=membership.council_id)
        if membership.role == Role.AGENCY:
            condition |= mine & Q(agency_id=membership.agency_id)
        elif membership.role in (Role.GROUP_LEADER, Role.DELEGATE):
            condition |= mine & Q(responsible_kind=ResponsibleKind.GROUPS)
        elif membership.role == Role.OFFICE:
            condition |= mine & ~Q(responsible_kind__in=[ResponsibleKind.GROUPS])
        elif membership.role == Role.STANDING:
            condition |= mine & Q(responsible_kind=ResponsibleKind.OFFICE)
    assignments = Assignment.objects.filter(condition, plan__status__in=[PlanStatus.ISSUED, PlanStatus.PUBLISHED])
    if not include_done:
        assignments = assignments.filter(status=AssignmentStatus.OPEN)
    return assignments.order_by(F("due_on").asc(nulls_last=True), "pk")
