"""The office's review of an answer: send it back or close the petition; a petition raised again."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from delegations.models import (
    DeadlineRules,
    NotificationKind,
)
from delegations.notify import agency_responders, date_vn, group_members, notify

from ..models import (
    AnswerReview,
    EventKind,
    PetitionSource,
    PetitionStatus,
)
from .checks import _check_workable, _done_by, _lock, _refuse_unless, _refuse_unless_status
from .deadlines import answer_due_compute, forward_due_compute, petition_deadlines_sync
from .intake import petition_create
from .saving import event_add


@transaction.atomic
def answer_send_back(*, petition, user, note, today=None):
    """The office or the standing committee finds the answer unsatisfactory: the petition goes back
    to the agency, with a new answer date counted from today by the council's rule. Of a send-back
    and a closing of the same answer at once, the first wins and the second is told."""
    _lock([petition], user)
    _refuse_unless_status(petition, (PetitionStatus.ANSWERED,), _("Only an answered petition can be sent back."),
                          action=EventKind.SENT_BACK)
    _refuse_unless((note or "").strip(), _("Say why the answer is unsatisfactory."))
    answer = petition.answers.first()
    _refuse_unless(answer is not None, _("Only an answered petition can be sent back."))
    answer.review, answer.review_note = AnswerReview.UNSATISFACTORY, note.strip()
    answer.reviewed_by, answer.reviewed_at = user, timezone.now()
    answer._history_user = user
    answer.save()
    rules = DeadlineRules.for_council(petition.council)
    petition.answer_due_on, petition.answer_due_explanation = answer_due_compute(today or timezone.localdate(), rules)
    petition.status = PetitionStatus.FORWARDED
    petition.due_on = petition.answer_due_on
    petition.save()
    petition_deadlines_sync(petition, reason=_("answer sent back as unsatisfactory"),
                            answer_start=today or timezone.localdate())
    event_add(petition, EventKind.SENT_BACK, user, note.strip())
    values = {"code": petition.public_code, "note": note.strip(), "due": date_vn(petition.answer_due_on)}
    notify(kind=NotificationKind.ANSWER_SENT_BACK, recipients=agency_responders(petition.agency), exclude=user,
           url=reverse("petitions:agency_answer", args=[petition.pk]),
           subject=_("Answer to %(code)s sent back: answer again by %(due)s") % values,
           body=_("The answer to %(code)s was found unsatisfactory. Reason: %(note)s\nAnswer again by %(due)s.")
           % values)
    return petition


@transaction.atomic
def petition_close(*, petition, user, note=""):
    _lock([petition], user)
    _refuse_unless_status(petition, (PetitionStatus.ANSWERED,),
                          _("%(code)s is %(status)s: only an answered petition can be closed.")
                          % {"code": petition.public_code, "status": petition.get_status_display().lower()},
                          action=EventKind.CLOSED)
    answer = petition.answers.first()
    _refuse_unless(answer is not None, _("%(code)s is %(status)s: only an answered petition can be closed.")
                   % {"code": petition.public_code, "status": petition.get_status_display().lower()})
    if answer.review == AnswerReview.PENDING:
        answer.review, answer.reviewed_by, answer.reviewed_at = AnswerReview.ACCEPTED, user, timezone.now()
        answer._history_user = user
        answer.save()
    petition.status = PetitionStatus.CLOSED
    petition.due_on = None
    petition.save()
    petition_deadlines_sync(petition)
    event_add(petition, EventKind.CLOSED, user, note.strip())
    if petition.group_id:
        values = {"code": petition.public_code, "outcome": answer.get_outcome_display()}
        notify(kind=NotificationKind.PETITION_CLOSED, recipients=group_members(petition.group), obj=petition,
               exclude=user, subject=_("Petition %(code)s closed: report back to the voters") % values,
               body=_("The petition %(code)s your group raised is closed with the agency's answer (%(outcome)s). "
                      "Report the answer back to the voters.") % values)
    return petition


@transaction.atomic
def petition_raise_again(*, previous, round, user, session=None, text=""):
    """A petition raised again at a later round: a new petition, linked to the earlier one,
    classified the same way to start with; once per later round (the earlier petition's row is
    locked, so a double click records it once)."""
    _lock([previous], user)
    _refuse_unless(previous.status in (PetitionStatus.ANSWERED, PetitionStatus.CLOSED),
                   _("Only an answered or closed petition can be raised again; this one is still open."))
    _check_workable(previous)
    again = previous.raised_again.filter(round=round).select_related("created_by").first()
    if again is not None:
        raise ValidationError(_("%(code)s was already recorded as raised again at this round, as %(again)s, at "
                                "%(time)s on %(date)s by %(name)s.")
                              % {"code": previous.public_code, "again": again.public_code,
                                 **_done_by(again.created_at, again.created_by)})
    _refuse_unless(round.plan.council_id == previous.council_id, _("Choose a round of the same council."))
    _refuse_unless(previous.round_id is None or round.starts_on > previous.round.starts_on,
                   _("Choose a round later than the one it was raised at."))
    petition = petition_create(council=previous.council, user=user, text=text or previous.text,
                               source=PetitionSource.MEETING if session else PetitionSource.LETTER,
                               session=session, round=round, group=previous.group, commune=previous.commune,
                               summary=previous.summary, fields=list(previous.fields.all()))
    petition.previous = previous
    petition._history_user = user
    petition.level, petition.agency = previous.level, previous.agency
    petition.status = PetitionStatus.CLASSIFIED if petition.is_classified else PetitionStatus.RECEIVED
    forward_due_compute(petition)  # the level decides whether a forwarding clock runs
    petition.save()
    petition_deadlines_sync(petition)
    event_add(petition, EventKind.RAISED_AGAIN, user, _("raised before as %(code)s") % {"code": previous.public_code})
    event_add(previous, EventKind.RAISED_AGAIN, user, _("raised again as %(code)s") % {"code": petition.public_code})
    return petition
