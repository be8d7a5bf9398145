"""Answers of the agencies (one petition, or several with one text) and their requests for more time."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import prefetch_related_objects
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from delegations.dates import validate_promised_date
from delegations.models import (
    NotificationKind,
)
from delegations.notify import agency_responders, date_vn, notify, notify_each, office_of
from delegations.text import fold
from delegations.uploads import EXTENSIONS, validate_upload

from ..models import (
    Answer,
    AnswerOutcome,
    EventKind,
    ExtensionRequest,
    ExtensionStatus,
    PetitionEvent,
    PetitionStatus,
)
from .checks import _check_workable, _done_by, _lock, _lock_one, _refuse_unless, _refuse_unless_status
from .deadlines import petition_deadlines_sync, petitions_deadlines_sync
from .saving import _petitions_save, event_add


@transaction.atomic
def answer_record(*, petition, user, agency, outcome, text, roadmap="", promised_on=None, attachment=None):
    """An agency answers a petition forwarded to it. "Being resolved" needs a roadmap and a
    promised date, which becomes the date the petition now waits for; the agency may answer again
    (e.g. "resolved") while the office has not closed it. An answer arriving after the office
    closed the petition is refused: it never reopens it."""
    _lock([petition], user)
    _answerable_check(petition, agency)
    _answer_check(outcome, text, roadmap, promised_on)
    answer = _answer_new(petition, user, agency, outcome, text, roadmap, promised_on)
    answer._history_user = user
    answer.save()
    if attachment is not None:
        # Checked by content again here (the form did it for the page): the stored name and extension
        # follow what the file is, never the name it was uploaded under; active PDFs are refused.
        kind = validate_upload(attachment, ["pdf", "png", "jpeg"])
        answer.attachment.save(f"tra-loi.{EXTENSIONS[kind]}", attachment, save=True)
    _answered(petition, answer)
    petition.save()
    petition_deadlines_sync(petition, answer=answer)
    PetitionEvent.objects.create(**_answered_event(petition, answer, user))
    notify_each(kind=NotificationKind.ANSWER_RECEIVED, recipients=office_of(petition.council), exclude=user,
                messages=[_answered_message(petition, answer)])
    return answer


@transaction.atomic
def answers_record(*, petitions, user, agency, outcome, text, roadmap="", promised_on=None):
    """One answer, the same text, to several petitions forwarded to one agency (e.g. "resolved" for
    the road petitions of one commune): for each petition what `answer_record` writes (the answer
    and its history row, the petition's status and clocks, its event, the office's notice), all
    or none, in a fixed number of queries whatever their number. No attached file (a file is
    answered one petition at a time). Returns the answers, in petition id order."""
    petitions = list({p.pk: p for p in petitions}.values())
    _refuse_unless(petitions, _("Select at least one petition."))
    petitions = _lock(petitions, user)
    prefetch_related_objects(petitions, "council")
    for petition in petitions:
        _answerable_check(petition, agency)
    _answer_check(outcome, text, roadmap, promised_on)
    answers = [_answer_new(p, user, agency, outcome, text, roadmap, promised_on) for p in petitions]
    bulk_create_with_history(answers, Answer, default_user=user, default_date=timezone.now())
    for petition, answer in zip(petitions, answers, strict=True):
        _answered(petition, answer)
        petition.search_text = fold(" ".join(str(p) for p in petition.search_parts() if p))  # as save() does
    _petitions_save(petitions, user, ["status", "answer_text", "due_on", "search_text"])
    petitions_deadlines_sync(petitions, answers={a.petition_id: a for a in answers})
    PetitionEvent.objects.bulk_create([PetitionEvent(**_answered_event(p, a, user))
                                       for p, a in zip(petitions, answers, strict=True)])
    by_council = {}
    for petition, answer in zip(petitions, answers, strict=True):
        by_council.setdefault(petition.council, []).append(_answered_message(petition, answer))
    for council, messages in by_council.items():
        notify_each(kind=NotificationKind.ANSWER_RECEIVED, recipients=office_of(council), exclude=user,
                    messages=messages)
    return answers


def _answerable_check(petition, agency):
    """The (locked) petition may be answered by `agency` now."""
    _check_workable(petition)
    _refuse_unless(petition.agency_id == agency.pk, _("This petition was not forwarded to your agency."))
    _refuse_unless_status(petition, (PetitionStatus.FORWARDED, PetitionStatus.ANSWERED),
                          _("%(code)s is %(status)s: only forwarded petitions can be answered.")
                          % {"code": petition.public_code, "status": petition.get_status_display().lower()})


def _answer_check(outcome, text, roadmap, promised_on):
    _refuse_unless(outcome in AnswerOutcome.values, _("Choose one of the three outcomes."))
    _refuse_unless((text or "").strip(), _("Write the answer."))
    if outcome == AnswerOutcome.IN_PROGRESS:
        _refuse_unless((roadmap or "").strip() and promised_on,
                       _("A petition being resolved needs the roadmap and the promised date."))
        _refuse_unless(promised_on > timezone.localdate(), _("The promised date must be in the future."))
        validate_promised_date(promised_on)  # a far promise would take the petition off every clock


def _answer_new(petition, user, agency, outcome, text, roadmap, promised_on):
    return Answer(petition=petition, agency=agency, outcome=outcome, text=text.strip(),
                  roadmap=(roadmap or "").strip(),
                  promised_on=promised_on if outcome == AnswerOutcome.IN_PROGRESS else None, answered_by=user)


def _answered(petition, answer):
    petition.status = PetitionStatus.ANSWERED
    petition.answer_text = answer.text
    petition.due_on = answer.promised_on  # the promised date is the new clock; otherwise none


def _answered_event(petition, answer, user):
    return {"petition": petition, "kind": EventKind.ANSWERED, "by": user,
            "note": answer.get_outcome_display() + (f" · {answer.promised_on:%d/%m/%Y}" if answer.promised_on else "")}


def _answered_message(petition, answer):
    """(subject, body, url) of the office's notice of an answer to review."""
    values = {"code": petition.public_code, "agency": answer.agency, "outcome": answer.get_outcome_display()}
    return (_("Answer received for %(code)s, to review") % values,
            _("%(agency)s answered %(code)s (%(outcome)s). Review the answer: accept and close it, or send it "
              "back.") % values, petition.get_absolute_url())


@transaction.atomic
def extension_request(*, petition, user, agency, until, reason):
    _lock([petition], user)
    _check_workable(petition)
    _refuse_unless(petition.agency_id == agency.pk, _("This petition was not forwarded to your agency."))
    _refuse_unless_status(petition, (PetitionStatus.FORWARDED,),
                          _("More time can only be asked for a petition waiting for its answer."))
    _refuse_unless(not petition.extensions.filter(status=ExtensionStatus.PENDING).exists(),
                   _("A request for more time is already waiting for the office."))
    _refuse_unless(petition.answer_due_on is None or until > petition.answer_due_on,
                   _("The new date must be after the current due date."))
    _refuse_unless((reason or "").strip(), _("Give the reason."))
    validate_promised_date(until)
    extension = ExtensionRequest(petition=petition, requested_by=user, until=until, reason=reason.strip())
    extension._history_user = user
    extension.save()
    event_add(petition, EventKind.EXTENSION_REQUESTED, user, f"{until:%d/%m/%Y} · {reason.strip()}")
    values = {"code": petition.public_code, "agency": agency, "until": date_vn(until), "reason": reason.strip()}
    notify(kind=NotificationKind.EXTENSION_REQUESTED, recipients=office_of(petition.council), obj=petition,
           exclude=user, subject=_("More time asked for %(code)s, until %(until)s") % values,
           body=_("%(agency)s asks to answer %(code)s by %(until)s. Reason: %(reason)s") % values)
    return extension


@transaction.atomic
def extension_decide(*, extension, user, grant, note=""):
    petition = extension.petition
    _lock([petition], user)  # the petition first, then its request: the order every action takes
    _lock_one(extension)
    extension._history_user = user
    if extension.status != ExtensionStatus.PENDING:
        raise ValidationError(
            (_("This request was already granted at %(time)s on %(date)s by %(name)s.")
             if extension.status == ExtensionStatus.GRANTED else
             _("This request was already refused at %(time)s on %(date)s by %(name)s."))
            % _done_by(extension.decided_at, extension.decided_by) if extension.decided_at else
            _("This request has already been decided."))
    _refuse_unless_status(petition, (PetitionStatus.FORWARDED,),
                          _("The petition has been answered since; the request no longer applies."))
    extension.status = ExtensionStatus.GRANTED if grant else ExtensionStatus.REFUSED
    extension.decided_by, extension.decided_at, extension.decision_note = user, timezone.now(), note.strip()
    extension.save()
    if grant:
        petition.answer_due_explanation = _("extended to %(due)s (was %(old)s)") % {
            "due": extension.until.strftime("%d/%m/%Y"),
            "old": petition.answer_due_on.strftime("%d/%m/%Y") if petition.answer_due_on else "—"}
        petition.answer_due_on = extension.until
        if petition.status == PetitionStatus.FORWARDED:
            petition.due_on = extension.until
        petition.save()
        petition_deadlines_sync(petition, reason=_("more time granted"))
    event_add(petition, EventKind.EXTENSION_GRANTED if grant else EventKind.EXTENSION_REFUSED, user,
              f"{extension.until:%d/%m/%Y}" + (f" · {note.strip()}" if note.strip() else ""))
    values = {"code": petition.public_code, "until": date_vn(extension.until), "note": note.strip(),
              "due": date_vn(petition.answer_due_on)}
    notify(kind=NotificationKind.EXTENSION_DECIDED, recipients=agency_responders(petition.agency), exclude=user,
           url=reverse("petitions:agency_answer", args=[petition.pk]),
           subject=(_("More time granted for %(code)s: answer by %(until)s") if grant else
                    _("More time refused for %(code)s: answer by %(due)s")) % values,
           body=((_("The office granted more time to answer %(code)s: the answer is now due by %(until)s.") if grant
                  else _("The office refused more time to answer %(code)s: the answer is still due by %(due)s."))
                 % values + (("\n" + note.strip()) if note.strip() else "")))
    return extension
