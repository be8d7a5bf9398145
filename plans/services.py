"""Rules of the plans app: windows proposed from a sitting, copying last year's plan, the
workflow, numbering, due dates of assignments, and the printed document."""
import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F, Max, ProtectedError, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from delegations.calendar import WorkingCalendar
from delegations.dates import validate_date_in_range
from delegations.deadlines import deadline_close, deadline_open, deadline_set_date, due_compute
from delegations.models import Council, DeadlineRules, DeadlineUnit, Membership, Role
from delegations.uploads import file_replace
from documents import OfficialDocument, Signature

from .models import (
    PER_MEETING_KINDS,
    ROUND_KINDS,
    Assignment,
    AssignmentDue,
    AssignmentStatus,
    ContactPlan,
    ContactRound,
    DocumentNumber,
    DueKind,
    DueOccurrence,
    DueUnit,
    PlanEvent,
    PlanStatus,
    ResponsibleKind,
    RoundKind,
)

# Which role takes which step, from which status to which.
TRANSITIONS = {
    "submit": (PlanStatus.DRAFT, PlanStatus.SUBMITTED, (Role.OFFICE,)),
    "send_back": (PlanStatus.SUBMITTED, PlanStatus.DRAFT, (Role.STANDING,)),
    "approve": (PlanStatus.SUBMITTED, PlanStatus.APPROVED, (Role.STANDING,)),
    "issue": (PlanStatus.APPROVED, PlanStatus.ISSUED, (Role.OFFICE,)),
    "publish": (PlanStatus.ISSUED, PlanStatus.PUBLISHED, (Role.OFFICE,)),
}


class PlanError(ValidationError):
    """A workflow step refused, with the reason shown to the user."""


def user_roles_in(user, council):
    if user.is_superuser:
        return set(Role.values)
    return set(user.memberships.filter(council=council, is_active=True).values_list("role", flat=True))


def round_windows_propose(*, sitting):
    """The before- and after-sitting windows a council's rules give for a sitting."""
    rules = DeadlineRules.for_council(sitting.council)
    before = (sitting.opens_on - datetime.timedelta(days=rules.before_round_starts_days),
              sitting.opens_on - datetime.timedelta(days=rules.before_round_ends_days))
    after = (sitting.closes_on + datetime.timedelta(days=1),
             sitting.closes_on + datetime.timedelta(days=rules.after_round_days))
    return {RoundKind.BEFORE_SITTING: before, RoundKind.AFTER_SITTING: after}


# ------------------------------------------------------------------------ rounds and their sittings

def round_window_derived(rnd):
    """The window the council's rules give a before- or after-sitting round from its sitting's
    dates, or None (a thematic round, a round without a sitting)."""
    if rnd.sitting_id is None or rnd.kind not in (RoundKind.BEFORE_SITTING, RoundKind.AFTER_SITTING):
        return None
    return round_windows_propose(sitting=rnd.sitting)[rnd.kind]


def round_window_apply(*, rnd, typed):
    """Before a round is saved: the dates typed by hand are kept as typed (and marked so, unless
    they are what the rules give); without dates, the window is derived from the sitting."""
    derived = round_window_derived(rnd)
    if not typed:
        if derived is None:
            raise ValidationError(_("Give the dates of this round."))
        rnd.starts_on, rnd.ends_on = derived
        rnd.window_manual = False
    else:
        rnd.window_manual = derived is None or derived != (rnd.starts_on, rnd.ends_on)
    return rnd


@transaction.atomic
def sitting_save(*, sitting, before, user=None):
    """A sitting was saved (its page calls this in the same transaction): when its dates changed,
    the derived windows of the rounds tied to it follow, each round's history and each plan's
    timeline saying so; a window typed by hand stays as typed, and the note says when the sitting
    has moved past it (the plan's page flags it too). Returns {plan: [lines of its note]}."""
    if before is None or (before.opens_on, before.closes_on) == (sitting.opens_on, sitting.closes_on):
        return {}
    moved_text = _("Sitting %(number)s moved from %(old_opens)s–%(old_closes)s to %(opens)s–%(closes)s") % {
        "number": sitting.number, "old_opens": before.opens_on.strftime("%d/%m/%Y"),
        "old_closes": before.closes_on.strftime("%d/%m/%Y"), "opens": sitting.opens_on.strftime("%d/%m/%Y"),
        "closes": sitting.closes_on.strftime("%d/%m/%Y")}
    notes = {}
    rounds = (ContactRound.objects.select_for_update(of=("self",)).filter(sitting=sitting)
              .select_related("plan", "plan__council").order_by("plan_id", "starts_on", "pk"))
    for rnd in rounds:
        rnd.sitting = sitting
        lines = notes.setdefault(rnd.plan, [])
        if rnd.window_manual:
            problem = rnd.window_conflict()
            if problem:
                lines.append(_("%(round)s (typed by hand) is kept: %(problem)s") % {"round": rnd, "problem": problem})
            continue
        derived = round_window_derived(rnd)
        if derived is None or derived == (rnd.starts_on, rnd.ends_on):
            continue
        old = str(rnd)
        rnd.starts_on, rnd.ends_on = derived
        rnd._history_user = user
        rnd._change_reason = moved_text[:100]
        rnd.save(update_fields=["starts_on", "ends_on"])
        lines.append(_("%(old)s → %(new)s") % {"old": old, "new": f"{rnd.starts_on:%d/%m/%Y} – {rnd.ends_on:%d/%m/%Y}"})
    for plan, lines in notes.items():
        if not lines:
            continue
        PlanEvent.objects.create(plan=plan, by=user, from_status=plan.status, to_status=plan.status,
                                 note=f"{moved_text}: " + "; ".join(str(line) for line in lines))
        if plan.status == PlanStatus.DRAFT:
            plan_changed(plan=plan)
        else:
            plan_resolve_dues(plan=plan)  # an issued plan's document stays; its deadlines follow
    return {plan: lines for plan, lines in notes.items() if lines}


# ------------------------------------------------------------------------- due dates of assignments

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


# ------------------------------------------------------------------ assignments in the deadline table

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


def plan_propose_rounds(*, plan):
    """Rounds before and after the plan's sitting, in the windows the council's rules give."""
    for kind, (start, end) in round_windows_propose(sitting=plan.sitting).items():
        ContactRound.objects.create(plan=plan, sitting=plan.sitting, kind=kind, starts_on=start, ends_on=end)


def plan_created(*, plan, user):
    PlanEvent.objects.create(plan=plan, by=user, to_status=PlanStatus.DRAFT, note=_("Created"))


def plan_attach_signed_scan(*, plan, upload):
    return file_replace(plan, "signed_scan", f"{plan_file_stem(plan)}-ban-ky.pdf", upload)


def plan_file_stem(plan):
    """ "KH-05-2026": the number and the year of issue; a draft "KH-du-thao-<id>-<intended year>"."""
    from documents import file_stem

    return file_stem(ContactPlan.TYPE_CODE, plan.number if plan.issued_on else None, plan.issued_on,
                     draft_key=plan.pk, intended_on=plan.intended_on)


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


def plan_changed(*, plan):
    """A draft changed: recompute due dates and render its PDF again after commit."""
    plan_resolve_dues(plan=plan)
    ContactPlan.objects.filter(pk=plan.pk).update(revision=plan.revision + 1)
    plan.revision += 1
    _render_after_commit(plan)


def _render_after_commit(plan):
    """The wish to render this revision, written in the caller's transaction (delegations/outbox.py):
    handed to the worker after commit, and again by the outbox sweep if the broker was down."""
    from delegations.outbox import outbox_enqueue

    from .tasks import plan_render

    outbox_enqueue(plan_render, plan_id=plan.pk, revision=plan.revision)


def _draft_files_drop(plan):
    """The plan is issued: its draft's files (no number, no date) must never be served as the issued
    plan, so they are dropped now, in the same transaction; until the numbered copy is rendered the
    plan has no file and its pages show it as being prepared (`ContactPlan.document_pending`)."""
    old = [(f.storage, f.name) for f in (plan.pdf, plan.docx) if f]
    if not old:
        return
    ContactPlan.objects.filter(pk=plan.pk).update(pdf="", docx="")
    plan.pdf, plan.docx = "", ""
    for storage, name in old:
        transaction.on_commit(lambda s=storage, n=name: s.delete(n))


@transaction.atomic
def plan_render_again(*, plan, user):
    """"Prepare again" (Chuẩn bị lại): ask once more for the rendering of the plan's current
    revision, when it failed or waits too long (the broker was down, the worker lost it). Office
    staff of the plan's council only. Refused when the current files are already there. Idempotent:
    the render task skips a revision already rendered."""
    plan = ContactPlan.objects.select_for_update(of=("self",)).get(pk=plan.pk)
    if Role.OFFICE not in user_roles_in(user, plan.council):
        raise PermissionDenied(_("Only the office prepares the documents again."))
    if plan.pdf_is_current:
        raise PlanError(_("The document is already prepared."))
    _render_after_commit(plan)
    return plan


@transaction.atomic
def plan_copy(*, source, sitting, user, year=None):
    """A new draft from a previous plan: its wording, its rounds and assignments, dates moved to
    the new sitting (by the shift between the two sittings' opening dates, or whole years)."""
    if sitting is not None and source.sitting is not None:
        shift = sitting.opens_on - source.sitting.opens_on
    else:
        target_year = year or (sitting.opens_on.year if sitting else source.year + 1)
        shift = datetime.date(target_year, 1, 1) - datetime.date(source.year, 1, 1)
    text_fields = ["scope", "subject", "legal_bases", "recipients", "signing_authority", "signing_on_behalf",
                   "signer_position", "signer_name", "contact_person", "contact_phone", "closing"]
    plan = ContactPlan(council=source.council, sitting=sitting, created_by=user,
                       year=(sitting.opens_on.year if sitting else (year or source.year + 1)))
    for name in text_fields:
        setattr(plan, name, getattr(source, name))
    plan.save()
    rounds = {}
    for rnd in source.rounds.all():
        copied = ContactRound(plan=plan, sitting=sitting if rnd.sitting_id else None, kind=rnd.kind, topic=rnd.topic,
                              starts_on=rnd.starts_on + shift, ends_on=rnd.ends_on + shift)
        # A window derived from the sitting is derived again from the new one; one typed by hand is shifted.
        derived = not rnd.window_manual and round_window_derived(rnd) == (rnd.starts_on, rnd.ends_on)
        round_window_apply(rnd=copied, typed=not derived or round_window_derived(copied) is None)
        copied.save()
        rounds[rnd.pk] = copied
    for item in source.assignments.prefetch_related("dues"):
        copied = Assignment.objects.create(
            plan=plan, order=item.order, lead=item.lead, text=item.text, responsible_kind=item.responsible_kind,
            agency=item.agency)
        for due in item.dues.all():
            AssignmentDue.objects.create(assignment=copied, kind=due.kind, amount=due.amount, unit=due.unit,
                                         round=rounds.get(due.round_id),
                                         date=(due.date + shift) if due.date else None)
    from .outline_services import outline_copy

    outline_copy(source=source, plan=plan)
    PlanEvent.objects.create(plan=plan, by=user, to_status=PlanStatus.DRAFT,
                             note=_("Created from %(source)s") % {"source": source})
    plan_changed(plan=plan)
    return plan


@transaction.atomic
def plan_transition(*, plan, user, step, reason="", number=None, issued_on=None, confirm_order=False):
    """Take one workflow step, by a role allowed to take it, from the status it starts from."""
    plan = ContactPlan.objects.select_for_update().get(pk=plan.pk)
    if step not in TRANSITIONS:
        raise PlanError(_("Unknown step."))
    from_status, to_status, roles = TRANSITIONS[step]
    if not user_roles_in(user, plan.council) & set(roles):
        raise PermissionDenied(_("Your role cannot take this step."))
    if plan.status != from_status:
        raise PlanError(step_refusal(plan, to_status))
    plan._history_user = user
    fields = ["status"]
    if step == "send_back":
        if not reason.strip():
            raise PlanError(_("Say why the plan is sent back."))
        plan.returned_reason = reason.strip()
        fields.append("returned_reason")
    if step == "submit":
        if not plan.signer_name.strip() or not plan.subject.strip():
            raise PlanError(_("Fill in the subject and the signer before submitting."))
    if step == "issue":
        issued_on = issued_on or plan.intended_on or timezone.localdate()
        try:
            validate_date_in_range(issued_on)  # 31/12/9999 would take number 01 of the year 9999
        except ValidationError as error:
            raise PlanError(error.messages) from error
        plan.number = document_number_take(council=plan.council, dated=issued_on, type_code=ContactPlan.TYPE_CODE,
                                           number=number, confirm_order=confirm_order)
        plan.issued_on = issued_on
        plan.revision += 1
        fields += ["number", "issued_on", "revision"]
    plan.status = to_status
    plan.save(update_fields=fields)
    PlanEvent.objects.create(plan=plan, by=user, from_status=from_status, to_status=to_status, note=reason.strip())
    if step == "issue":
        # The issued document is rendered once, with its number and date; it never changes after.
        _draft_files_drop(plan)
        _render_after_commit(plan)
        plan_deadlines_sync(plan=plan)  # its assignments' clocks start now
    plan_step_notify(plan=plan, step=step, user=user, reason=reason.strip())
    return plan


def step_refusal(plan, to_status):
    """Why a step towards `to_status` is refused on a plan in another status: who took it and when
    when it was just taken, else the plan's status."""
    return _step_taken_message(plan, to_status) or _("This step is not possible: the plan is %(status)s.") % {
        "status": plan.get_status_display().lower()}


def plan_step_notify(*, plan, step, user, reason=""):
    """Who must act after a step is told, in the step's transaction (delegations/notify.py):
    submitted → the standing committee; approved or sent back → the office; issued or published →
    the council's delegate groups and the agencies with assignments (with the document)."""
    from delegations.models import NotificationKind as Kind
    from delegations.notify import (
        agency_responders,
        council_group_members,
        date_vn,
        notify,
        office_of,
        standing_of,
    )

    name = str(plan) or _("Contact plan %(year)s") % {"year": plan.year}
    values = {"plan": name, "who": user.get_full_name() or user.get_username(), "reason": reason}
    if step == "submit":
        notify(kind=Kind.PLAN_SUBMITTED, recipients=standing_of(plan.council), obj=plan, exclude=user,
               subject=_("Plan waiting for your approval: %(plan)s") % values,
               body=_("%(who)s submitted the plan %(plan)s for approval.") % values)
    elif step == "approve":
        notify(kind=Kind.PLAN_APPROVED, recipients=office_of(plan.council), obj=plan, exclude=user,
               subject=_("Plan approved, to issue: %(plan)s") % values,
               body=_("%(who)s approved the plan %(plan)s; it can now be issued.") % values)
    elif step == "send_back":
        notify(kind=Kind.PLAN_SENT_BACK, recipients=office_of(plan.council), obj=plan, exclude=user,
               subject=_("Plan sent back: %(plan)s") % values,
               body=_("%(who)s sent the plan %(plan)s back. Reason: %(reason)s") % values)
    elif step in ("issue", "publish"):
        values["date"] = date_vn(plan.issued_on)
        subject = (_("Plan issued: %(plan)s") if step == "issue" else _("Plan published: %(plan)s")) % values
        body = _("The plan %(plan)s was issued on %(date)s; the document is on its page.") % values
        notify(kind=Kind.PLAN_ISSUED, recipients=council_group_members(plan.council), obj=plan, exclude=user,
               subject=subject, body=body)
        # Agencies see no council pages: their message lists their assignments (and, once published,
        # links the public copy of the document).
        by_agency = {}
        for item in plan.assignments.filter(agency__isnull=False).select_related("agency").order_by("order", "pk"):
            by_agency.setdefault(item.agency, []).append(item)
        for agency, items in by_agency.items():
            lines = [_("Assignments of %(agency)s in the plan %(plan)s:") % {"agency": agency, "plan": name}]
            lines += [f"• {item.text.splitlines()[0] if item.text else ''} · {date_vn(item.due_on)}" for item in items]
            url = (reverse("plans:public_plan_download", args=[plan.pk, "pdf"]) if step == "publish"
                   else reverse("home"))
            notify(kind=Kind.PLAN_ISSUED, recipients=agency_responders(agency), url=url, exclude=user,
                   subject=subject, body="\n".join(lines))


def _step_taken_message(plan, to_status):
    """When the step asked for was just taken by someone else (or by a double click): who took it
    and when, read under the plan's row lock; None when the plan is elsewhere for another reason."""
    event = plan.events.select_related("by").order_by("-at", "-pk").first()
    if event is None or event.to_status != to_status or plan.status != to_status:
        return None
    local = timezone.localtime(event.at)
    name = (event.by.get_full_name() or event.by.get_username()) if event.by else "—"
    return _("This step was already taken: the plan became %(status)s at %(time)s on %(date)s by %(name)s.") % {
        "status": plan.get_status_display().lower(), "time": local.strftime("%H:%M"),
        "date": local.strftime("%d/%m/%Y"), "name": name}


def document_number_next(*, council, year, type_code):
    """The number the register would give next (01 the first of a year), read only: nothing is
    taken. Confirmations show it ("Số 03/KH-HĐND sẽ được cấp"); `document_number_take` takes it
    under the council's lock, so the number shown is the one taken unless someone issues meanwhile."""
    taken = DocumentNumber.objects.filter(council=council, year=year, type_code=type_code)
    return (taken.aggregate(top=Max("number"))["top"] or 0) + 1


def document_number_used(*, council, year, type_code, number):
    """Whether a typed number is already taken in the register that year (read only)."""
    return DocumentNumber.objects.filter(council=council, year=year, type_code=type_code, number=number).exists()


def document_number_text(*, council, number, type_code, symbol=""):
    """ "03/KH-HĐND": a number as a document's number line prints it (with the symbol chosen for the
    document, else the council's first), without "Số: "."""
    from documents import format_number

    return format_number(number, type_code, council.symbol_for(symbol)).removeprefix("Số: ")


def document_number_take(*, council, year=None, type_code, number=None, dated=None, confirm_order=False):
    """The next number of a council's register for a type and year (from 01 each year), or the
    number typed from an outside register, refused if already used that year. Two issues at the
    same instant are serialised on the council's row; the unique constraint is the last guard.

    `dated` is the date the document bears (its year is the register's year): dates never go backwards
    against the numbers of a register (a number dated before a smaller one, or after a larger one) unless
    the office confirms it (`confirm_order`), after being told which number is dated otherwise."""
    Council.objects.select_for_update().filter(pk=council.pk).first()
    year = dated.year if dated is not None else year
    taken = DocumentNumber.objects.filter(council=council, year=year, type_code=type_code)
    if number is None:
        number = document_number_next(council=council, year=year, type_code=type_code)
    elif number < 1:
        raise PlanError(_("A document number starts at 1."))
    elif taken.filter(number=number).exists():
        raise PlanError(_("Number %(number)02d/%(type)s is already used in %(year)s.")
                        % {"number": number, "type": type_code, "year": year})
    if dated is not None and not confirm_order:
        clash = (taken.filter(Q(number__lt=number, dated__gt=dated) | Q(number__gt=number, dated__lt=dated))
                 .order_by("number").first())
        if clash is not None:
            raise PlanError(_("Number %(other)02d/%(type)s of %(year)s is dated %(other_date)s, so number "
                              "%(number)02d dated %(date)s would put the register's dates out of order. Check the "
                              "date, or confirm to issue it anyway.") % {
                "other": clash.number, "type": type_code, "year": year, "number": number,
                "other_date": clash.dated.strftime("%d/%m/%Y"), "date": dated.strftime("%d/%m/%Y")},
                code=DATE_ORDER)
    try:
        with transaction.atomic():
            DocumentNumber.objects.create(council=council, year=year, type_code=type_code, number=number, dated=dated)
    except IntegrityError as error:
        raise PlanError(_("Number %(number)02d/%(type)s is already used in %(year)s.")
                        % {"number": number, "type": type_code, "year": year}) from error
    return number


# The code of the refusal above: the page then offers to confirm.
DATE_ORDER = "date_order"


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


def plan_document(plan):
    """The plan as an official document: its outline (plans/outline.py) numbered and printed, with the
    blocks generated from its data (plans/blocks.py)."""
    from .blocks import PlanData
    from .outline import outline_blocks

    data = PlanData(plan)
    blocks = outline_blocks(list(plan.sections.all()), data.generate)
    signature_lines = [line for line in (plan.signing_authority, plan.signing_on_behalf, plan.signer_position) if line]
    issued = plan.number is not None and plan.issued_on is not None
    intended = plan.intended_on or timezone.localdate()   # a draft prints the month it is meant for
    return OfficialDocument(
        issuer_lines=plan.council.issuing_body,
        type_code=ContactPlan.TYPE_CODE,
        symbol=plan.symbol,
        title="KẾ HOẠCH",
        subject_lines=[line.strip() for line in plan.subject.splitlines() if line.strip()],
        place=plan.council.place_name,
        number=plan.number if issued else None,
        date=plan.issued_on if issued else None,
        draft_month=intended.month,
        draft_year=intended.year,
        preamble=[line.strip() for line in plan.legal_bases.splitlines() if line.strip()],
        blocks=blocks,
        recipients=[line.strip().lstrip("-").strip() for line in plan.recipients.splitlines() if line.strip()],
        signature=Signature(signature_lines, plan.signer_name),
    )


def plan_render(*, plan_id, revision):
    """Render the plan's PDF and Word copy for a revision; idempotent. A draft's files are replaced
    (the old ones deleted); an issued plan's files, once rendered, are never rendered again."""
    from documents import render_docx, render_pdf

    with transaction.atomic():
        # Lock the plan's row only: the sitting is a nullable join, and PostgreSQL refuses FOR UPDATE on
        # the nullable side of an outer join (and the council's row is the numbering lock, not ours).
        plan = (ContactPlan.objects.select_for_update(of=("self",)).select_related("council", "sitting")
                .get(pk=plan_id))
        if plan.revision != revision or plan.rendered_revision == revision:
            return False  # a newer change will render, or this one already has
        if plan.status in (PlanStatus.ISSUED, PlanStatus.PUBLISHED) and plan.pdf and plan.rendered_revision \
                and plan.number is not None and plan.rendered_revision >= revision:
            return False
        document = plan_document(plan)
        name = plan_file_stem(plan)
        old = [f for f in (plan.pdf, plan.docx) if f]
        old_names = [(f.storage, f.name) for f in old]
        plan.pdf.save(f"{name}.pdf", ContentFile(render_pdf(document)), save=False)
        plan.docx.save(f"{name}.docx", ContentFile(render_docx(document)), save=False)
        plan.rendered_revision = revision
        plan.skip_history_when_saving = True  # rendering is bookkeeping, not a change to the plan
        plan.save(update_fields=["pdf", "docx", "rendered_revision"])
        keep = {plan.pdf.name, plan.docx.name}
        for storage, old_name in old_names:
            if old_name not in keep:
                transaction.on_commit(lambda s=storage, n=old_name: s.delete(n))
    return True


# ------------------------------------------------------------- rounds and assignments on the plan's page

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
