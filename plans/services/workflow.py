"""A plan's life: created, copied from last year's, and its workflow steps (submit, send back, approve,
issue, publish) with the messages they send; rendering asked for again."""
import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from delegations.dates import validate_date_in_range
from delegations.models import Role

from ..models import Assignment, AssignmentDue, ContactPlan, ContactRound, PlanEvent, PlanStatus
from .common import PlanError, _render_after_commit, plan_changed, user_roles_in
from .document import _draft_files_drop
from .dues import plan_deadlines_sync
from .numbering import document_number_take
from .rounds import round_window_apply, round_window_derived

# Which role takes which step, from which status to which.
TRANSITIONS = {
    "submit": (PlanStatus.DRAFT, PlanStatus.SUBMITTED, (Role.OFFICE,)),
    "send_back": (PlanStatus.SUBMITTED, PlanStatus.DRAFT, (Role.STANDING,)),
    "approve": (PlanStatus.SUBMITTED, PlanStatus.APPROVED, (Role.STANDING,)),
    "issue": (PlanStatus.APPROVED, PlanStatus.ISSUED, (Role.OFFICE,)),
    "publish": (PlanStatus.ISSUED, PlanStatus.PUBLISHED, (Role.OFFICE,)),
}


def plan_created(*, plan, user):
    PlanEvent.objects.create(plan=plan, by=user, to_status=PlanStatus.DRAFT, note=_("Created"))


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
    from ..outline_services import outline_copy

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
