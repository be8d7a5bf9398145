"""Rules of the plans app: windows proposed from a sitting, copying last year's plan, the
workflow, numbering, due dates of assignments, and the printed document."""
import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from delegations.calendar import WorkingCalendar
from delegations.dates import validate_date_in_range
from delegations.deadlines import deadline_close, deadline_open, deadline_set_date
from delegations.models import Council, DeadlineRules, DeadlineUnit, Membership, Role
from delegations.uploads import file_replace
from documents import OfficialDocument, Signature

from .models import (
    Assignment,
    AssignmentStatus,
    ContactPlan,
    ContactRound,
    DocumentNumber,
    DueKind,
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


def assignment_resolve_due(assignment, calendar=None):
    """Set the assignment's calendar due date and how it was computed, from its rule."""
    kind = assignment.due_kind
    assignment.due_on, assignment.due_explanation = None, ""
    if kind == DueKind.DATE and assignment.due_date_given:
        assignment.due_on = assignment.due_date_given
        assignment.due_explanation = _("the date written in the plan")
    elif kind in (DueKind.DAYS_BEFORE_ROUND, DueKind.WORKING_DAYS_AFTER_ROUND) and assignment.round_id \
            and assignment.due_days is not None:
        rnd = assignment.round
        if kind == DueKind.DAYS_BEFORE_ROUND:
            assignment.due_on = rnd.starts_on - datetime.timedelta(days=assignment.due_days)
            assignment.due_explanation = _("%(n)s days before the round starts on %(start)s → %(due)s") % {
                "n": assignment.due_days, "start": rnd.starts_on.strftime("%d/%m/%Y"),
                "due": assignment.due_on.strftime("%d/%m/%Y"),
            }
        else:
            calendar = calendar or WorkingCalendar.for_council(assignment.plan.council)
            count = calendar.add_working_days(rnd.ends_on, assignment.due_days)
            assignment.due_on = count.due
            assignment.due_explanation = count.explanation()
    return assignment


def plan_resolve_dues(*, plan):
    calendar = WorkingCalendar.for_council(plan.council)
    for assignment in plan.assignments.select_related("round"):
        assignment_resolve_due(assignment, calendar)
        assignment.save(update_fields=["due_on", "due_explanation"])
        if plan.status in DEADLINE_STATUSES:
            assignment.plan = plan
            assignment_deadline_sync(assignment, calendar)


# ------------------------------------------------------------------ assignments in the deadline table

ASSIGNMENT_DEADLINE = "assignment"
# A draft's assignments are not clocks yet: the plan may still change. Those of an issued plan are.
DEADLINE_STATUSES = (PlanStatus.ISSUED, PlanStatus.PUBLISHED)


def assignment_deadline_sync(assignment, calendar=None):
    """Open, move or close the assignment's row in the deadline table: open while the assignment
    of an issued plan is open and has a due date (its rule kept when it counts working days, so
    that a council day off moves it), done when it is done, cancelled otherwise."""
    plan = assignment.plan
    if plan.status not in DEADLINE_STATUSES or assignment.status != AssignmentStatus.OPEN \
            or assignment.due_on is None:
        deadline_close(subject=assignment, kind=ASSIGNMENT_DEADLINE,
                       cancelled=assignment.status != AssignmentStatus.DONE)
        return None
    what = {"subject": assignment, "kind": ASSIGNMENT_DEADLINE, "council": plan.council,
            "title": str(assignment), "url": plan.get_absolute_url()}
    if assignment.due_kind == DueKind.WORKING_DAYS_AFTER_ROUND:
        return deadline_open(**what, start=assignment.round.ends_on, amount=assignment.due_days,
                             unit=DeadlineUnit.WORKING_DAYS, calendar=calendar)
    return deadline_set_date(**what, due_on=assignment.due_on, explanation=assignment.due_explanation)


def plan_deadlines_sync(*, plan):
    plan_resolve_dues(plan=plan)


def assignment_deadline_recipients(object_ids):
    """Who answers for each assignment, as `assignments_for` reads it the other way round: the
    agency's responders for an agency's, the office for every assignment but the groups', the
    standing committee for the office's own; for the groups', their leaders (not every delegate)."""
    assignments = list(Assignment.objects.filter(pk__in=object_ids)
                       .values_list("pk", "plan__council_id", "responsible_kind", "agency_id"))
    memberships = {}
    for membership in (Membership.objects.filter(
            council_id__in={a[1] for a in assignments}, is_active=True, user__is_active=True,
            role__in=[Role.AGENCY, Role.GROUP_LEADER, Role.OFFICE, Role.STANDING])
            .select_related("user").order_by("pk")):
        memberships.setdefault(membership.council_id, []).append(membership)
    found = {}
    for pk, council_id, kind, agency_id in assignments:
        found[pk] = [m.user for m in memberships.get(council_id, []) if (
            (m.role == Role.AGENCY and agency_id is not None and m.agency_id == agency_id)
            or (m.role == Role.GROUP_LEADER and kind == ResponsibleKind.GROUPS)
            or (m.role == Role.OFFICE and kind != ResponsibleKind.GROUPS)
            or (m.role == Role.STANDING and kind == ResponsibleKind.OFFICE))]
    return found


def assignment_deadlines_moved(deadlines):
    """A council day off moved some assignments' due dates: their own copy follows."""
    from simple_history.utils import bulk_update_with_history

    by_id = {d.object_id: d for d in deadlines}
    assignments = list(Assignment.objects.filter(pk__in=by_id))
    for assignment in assignments:
        assignment.due_on = by_id[assignment.pk].due_on
        assignment.due_explanation = by_id[assignment.pk].explanation[:500]
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
        rounds[rnd.pk] = ContactRound.objects.create(
            plan=plan, sitting=sitting if rnd.sitting_id else None, kind=rnd.kind, topic=rnd.topic,
            starts_on=rnd.starts_on + shift, ends_on=rnd.ends_on + shift,
        )
    for item in source.assignments.all():
        Assignment.objects.create(
            plan=plan, order=item.order, lead=item.lead, text=item.text, responsible_kind=item.responsible_kind,
            agency=item.agency, due_kind=item.due_kind, due_days=item.due_days,
            due_date_given=(item.due_date_given + shift) if item.due_date_given else None,
            round=rounds.get(item.round_id),
        )
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
