"""Derived statuses of a petition as Q objects, defined once: what is overdue, answered on time,
waiting on whom (the lists' "state" filter, the home page, the dashboard, the reports)."""
from django.db import models
from django.utils.translation import gettext_lazy as _

from .answers import Answer, AnswerReview, ExtensionRequest, ExtensionStatus
from .petition import OPEN_STATUSES, PetitionStatus

# Derived statuses of a petition, defined once (issue 11): lists, the dashboard, the reports and
# the pages use these. Dates are local dates (Asia/Ho_Chi_Minh).

def overdue_q(today):
    """Open petitions past the date they wait on now (`due_on`: to forward, the answer date, or a
    promised date), as of `today`."""
    return models.Q(status__in=OPEN_STATUSES, due_on__lt=today)


def answered_on_time_q():
    """A forwarded petition answered by its answer date: answered or closed, and its first answer
    dated (in local time) on or before `answer_due_on` — which ends on a working day (art. 148(5)
    Civil Code 2015). The first answer is on time exactly when some answer is."""
    return models.Q(status__in=(PetitionStatus.ANSWERED, PetitionStatus.CLOSED)) & models.Exists(
        Answer.objects.filter(petition=models.OuterRef("pk"), answered_at__date__lte=models.OuterRef("answer_due_on")))


def answer_due_reached_q(today):
    """Forwarded petitions whose answer date has come, as of `today`: answered or closed (whenever
    that was), or still waiting past their answer date. The measure of "answered on time" is
    taken over these; the others are "not yet due" (not_yet_due_q)."""
    return models.Q(forwarding__isnull=False) & (
        models.Q(status__in=(PetitionStatus.ANSWERED, PetitionStatus.CLOSED))
        | models.Q(status=PetitionStatus.FORWARDED, answer_due_on__lt=today))


def not_yet_due_q(today):
    """Forwarded petitions waiting for their answer whose answer date has not passed yet."""
    return models.Q(forwarding__isnull=False, status=PetitionStatus.FORWARDED) & (
        models.Q(answer_due_on__gte=today) | models.Q(answer_due_on__isnull=True))


# What waits on someone (the home page's "my work" and the lists' filters), defined once.

def unclassified_q():
    """Received, not classified yet: the office classifies them."""
    return models.Q(status=PetitionStatus.RECEIVED)


def to_forward_q():
    """Classified (field, level and agency set), waiting to be forwarded."""
    return models.Q(status=PetitionStatus.CLASSIFIED)


def to_review_q():
    """Answered by the agency, waiting for the office or the standing committee to close it or send
    the answer back."""
    return models.Q(status=PetitionStatus.ANSWERED)


def extension_pending_q():
    """Waiting for its answer with a request for more time the office has not decided."""
    return models.Q(status=PetitionStatus.FORWARDED) & models.Exists(ExtensionRequest.objects.filter(
        petition=models.OuterRef("pk"), status=ExtensionStatus.PENDING))


def sent_back_q():
    """Back at the agency because an answer was found unsatisfactory, waiting for a new answer."""
    return models.Q(status=PetitionStatus.FORWARDED) & models.Exists(Answer.objects.filter(
        petition=models.OuterRef("pk"), review=AnswerReview.UNSATISFACTORY))


def not_sent_q():
    """A group's petitions of a round not sent to the office yet: the group leader sends them."""
    return models.Q(submission__isnull=True, group__isnull=False, round__isnull=False)


def due_soon_q(today, until):
    """Open petitions whose date falls between `today` and `until` (both included): not overdue
    yet, but close (the agency's "due within 5 working days", with `until` from the council's
    working calendar: petitions.work.due_soon_until)."""
    return models.Q(status__in=OPEN_STATUSES, due_on__gte=today, due_on__lte=until)


# The petition list's "state" filter and the home page's counts: (label, rule of `today`).
PETITION_STATES = {
    "unclassified": (_("To classify"), lambda today: unclassified_q()),
    "to_forward": (_("To forward"), lambda today: to_forward_q()),
    "to_review": (_("Answer to review"), lambda today: to_review_q()),
    "extension": (_("More time asked for"), lambda today: extension_pending_q()),
    "sent_back": (_("Sent back to the agency"), lambda today: sent_back_q()),
    "not_sent": (_("Not sent to the office yet"), lambda today: not_sent_q()),
    "due_reached": (_("Answer date come (or answered)"), lambda today: answer_due_reached_q(today)),
    "on_time": (_("Answered on time"), lambda today: answered_on_time_q()),
    "not_yet_due": (_("Answer not yet due"), lambda today: not_yet_due_q(today)),
}


def petition_state_q(state, today):
    return PETITION_STATES[state][1](today)
