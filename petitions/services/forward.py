"""A group sends its petitions to the office; the office forwards them, one batch per agency."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import prefetch_related_objects
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from delegations.calendar import WorkingCalendar
from delegations.models import (
    DeadlineRules,
    NotificationKind,
)
from delegations.notify import agency_responders, date_vn, notify, office_of

from ..models import (
    EventKind,
    Forwarding,
    Petition,
    PetitionEvent,
    PetitionStatus,
    Submission,
)
from .checks import (
    _check_workable,
    _done_by,
    _last_step,
    _lock,
    _refuse_unless,
    _refuse_unless_status,
    _step_said,
)
from .deadlines import answer_due_compute, petitions_deadlines_sync
from .saving import _petitions_save


@transaction.atomic
def petitions_submit(*, round, group, user, note=""):
    """The group leader sends the group's petitions of a round to the office; those not sent yet
    are recorded in the submission."""
    # Locked in id order; a second leader's click waits here, then finds nothing left to send.
    petitions = list(Petition.objects.main().filter(round=round, group=group, submission__isnull=True)
                     .select_for_update().order_by("pk"))
    if not petitions:
        last = (Submission.objects.filter(round=round, group=group).select_related("sent_by")
                .order_by("-sent_at", "-pk").first())
        raise ValidationError(
            _("The petitions of %(group)s for this round were already sent to the office at %(time)s on %(date)s "
              "by %(name)s.") % {"group": group, **_done_by(last.sent_at, last.sent_by)} if last else
            _("The group has no petitions of this round left to send."))
    submission = Submission.objects.create(council=group.council, round=round, group=group, sent_by=user, note=note)
    for petition in petitions:
        petition.submission = submission
    # Each petition's history has the change, credited to the leader who sent it (one history row
    # each, written in bulk), and its event: a fixed number of queries.
    _petitions_save(petitions, user, ["submission"])
    PetitionEvent.objects.bulk_create([PetitionEvent(petition=p, kind=EventKind.SUBMITTED, by=user, note=str(group))
                                       for p in petitions])
    values = {"group": group, "round": round, "n": len(petitions),
              "who": user.get_full_name() or user.get_username()}
    notify(kind=NotificationKind.PETITIONS_SUBMITTED, recipients=office_of(group.council), exclude=user,
           url=reverse("petitions:petition_list") + f"?round={round.pk}&group={group.pk}",
           subject=ngettext("%(group)s sent %(n)s petition to the office", "%(group)s sent %(n)s petitions to the office",
                            len(petitions)) % values,
           body=_("%(who)s sent the petitions of %(group)s for %(round)s to the office, to classify and forward.")
           % values)
    return submission


@transaction.atomic
def petitions_forward(*, petitions, user, note="", now=None):
    """Forward classified petitions, one batch per agency (commune-level ones go to the commune
    People's Committee chosen at classification). Each batch stores who, when, to whom, and the
    clocks that start then: the forwarding deadline it was measured against and the answer due
    date, each with how it was computed."""
    petitions = list({p.pk: p for p in petitions}.values())
    _refuse_unless(petitions, _("Select at least one petition."))
    # Ten people forwarding the same petitions at once: the first forwards them all, the others
    # wait on these row locks and are then told who forwarded them, and when (no empty batch).
    _lock(petitions, user)
    prefetch_related_objects(petitions, "agency__council")
    for petition in petitions:
        _check_workable(petition)
        if petition.forwarding_id is not None:  # forwarded meanwhile, by someone else or a double click
            forwarded = _last_step(petition, [EventKind.FORWARDED])
            raise ValidationError(_step_said(petition, forwarded) if forwarded else
                                  _("%(code)s is already forwarded.") % {"code": petition.public_code})
        _refuse_unless(petition.agency is None or petition.agency.is_active,
                       _("%(agency)s is no longer active; classify %(code)s again.")
                       % {"agency": petition.agency, "code": petition.public_code})
        _refuse_unless_status(petition, (PetitionStatus.CLASSIFIED,),
                              _("%(code)s is %(status)s: only classified petitions (field, level and agency set) "
                                "can be forwarded.") % {"code": petition.public_code,
                                                        "status": petition.get_status_display().lower()},
                              action=EventKind.FORWARDED)
    now = now or timezone.now()
    today = timezone.localdate(now)
    by_agency = {}
    for petition in petitions:
        by_agency.setdefault(petition.agency, []).append(petition)
    forwardings, rules, calendars, events = [], {}, {}, []
    for agency, batch in by_agency.items():
        if agency.council_id not in rules:
            rules[agency.council_id] = DeadlineRules.for_council(agency.council)
            calendars[agency.council_id] = WorkingCalendar.for_council(agency.council)
        answer_due_on, answer_explanation = answer_due_compute(today, rules[agency.council_id],
                                                               calendars[agency.council_id])
        earliest = min((p for p in batch if p.forward_due_on), key=lambda p: p.forward_due_on, default=None)
        forwarding = Forwarding.objects.create(
            council=agency.council, agency=agency, forwarded_by=user, forwarded_at=now, note=note,
            forward_due_on=earliest.forward_due_on if earliest else None,
            forward_due_explanation=earliest.forward_due_explanation if earliest else "",
            answer_due_on=answer_due_on, answer_due_explanation=answer_explanation,
        )
        for petition in batch:
            petition.forwarding = forwarding
            petition.status = PetitionStatus.FORWARDED
            petition.answer_due_on, petition.answer_due_explanation = answer_due_on, answer_explanation
            petition.due_on = answer_due_on
            events.append(PetitionEvent(petition=petition, kind=EventKind.FORWARDED, by=user,
                                        note=_("to %(agency)s, answer due %(due)s")
                                        % {"agency": agency, "due": answer_due_on.strftime("%d/%m/%Y")}))
        forwardings.append(forwarding)
    _petitions_save(petitions, user, ["forwarding", "status", "answer_due_on", "answer_due_explanation", "due_on"])
    petitions_deadlines_sync(petitions, answer_start=today, rules=rules, calendars=calendars)
    PetitionEvent.objects.bulk_create(events)
    for forwarding, (agency, batch) in zip(forwardings, by_agency.items(), strict=True):
        values = {"n": len(batch), "due": date_vn(forwarding.answer_due_on), "council": agency.council}
        lines = [_("%(council)s forwarded these petitions to your agency; the answer is due by %(due)s:") % values]
        lines += [f"• {p.public_code} · {(p.summary or p.text).splitlines()[0][:150] if (p.summary or p.text) else ''}"
                  for p in batch]
        notify(kind=NotificationKind.PETITIONS_FORWARDED, recipients=agency_responders(agency), exclude=user,
               url=reverse("petitions:agency_inbox"), body="\n".join(lines),
               subject=ngettext("%(n)s petition forwarded to you, answer due by %(due)s",
                                "%(n)s petitions forwarded to you, answer due by %(due)s", len(batch)) % values)
    return forwardings
