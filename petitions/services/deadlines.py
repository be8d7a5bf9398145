"""The petitions' clocks: to forward (N working days after the round), to answer (N days after the
forwarding or a send-back), a promised date; their rows in the deadline table (delegations/deadlines.py)
kept in step with each petition's state, whoever is reminded, and the copies a recomputation moves."""

from django.utils import timezone
from django.utils.translation import gettext as _

from delegations.calendar import WorkingCalendar
from delegations.deadlines import DeadlinePut, deadlines_close_many, deadlines_put_many, due_compute
from delegations.models import (
    AgencyLevel,
    Deadline,
    DeadlineRules,
    DeadlineState,
    DeadlineUnit,
    Membership,
    Role,
)

from ..models import (
    Answer,
    AnswerOutcome,
    Forwarding,
    Petition,
    PetitionStatus,
)


def forward_due_compute(petition, calendar=None, rules=None):
    """Province- and central-level petitions are to be forwarded within N working days after the
    round's end (the council's rule); commune-level ones go to the commune People's Committee
    through the group, without that clock."""
    petition.forward_due_on, petition.forward_due_explanation = None, ""
    if petition.round_id and petition.level != AgencyLevel.COMMUNE:
        rules = rules or DeadlineRules.for_council(petition.council)
        calendar = calendar or WorkingCalendar.for_council(petition.council)
        count = calendar.add_working_days(petition.round.ends_on, rules.forward_working_days)
        petition.forward_due_on, petition.forward_due_explanation = count.due, count.explanation()
    if petition.status in (PetitionStatus.RECEIVED, PetitionStatus.CLASSIFIED):
        petition.due_on = petition.forward_due_on


def answer_due_compute(start, rules, calendar=None):
    """The answer date: `rules.answer_due_days` days after `start` (the forwarding, or a send-back),
    ending on the next working day of the council when the last day is not one (art. 148(5)
    Civil Code 2015). Returns (date, explanation)."""
    calendar = calendar or WorkingCalendar.for_council(rules.council)
    return due_compute(start=start, amount=rules.answer_due_days, unit=DeadlineUnit.DAYS, calendar=calendar)


PETITION_FORWARD = "petition_forward"


PETITION_ANSWER = "petition_answer"


PETITION_PROMISED = "petition_promised"


def petition_deadlines_sync(petition, *, answer=None, reason="", answer_start=None):
    """The petition's rows in the deadline table follow its state: see `petitions_deadlines_sync`."""
    petitions_deadlines_sync([petition], answers={petition.pk: answer} if answer is not None else None,
                             reason=reason, answer_start=answer_start)


def petitions_deadlines_sync(petitions, *, answers=None, reason="", answer_start=None, rules=None, calendars=None):
    """The petitions' rows in the deadline table (delegations/deadlines.py) follow their state: to
    be forwarded while received or classified with a forwarding date (N working days after the
    round: a council day off moves it); to be answered while forwarded (moved by more time granted,
    restarted by a send-back); a "being resolved" answer's promised date while answered; none once
    closed or merged. The petitions' own date fields stay as they are: the copies lists read.
    `answer_start`: the day the answer clock (re)starts (forwarding, send-back): the deadline is
    then the council's rule (N days, ending on a working day), which calendar and rule changes move;
    a date given as it is (more time granted) is kept as it is. `answers`: {petition id: its latest
    answer} when the caller has them (read otherwise). `rules`, `calendars`: {council id: …} read
    once per council otherwise. A fixed number of queries however many petitions: one UPDATE per
    kind of closing, one read of the answers, the deadlines locked, inserted and updated at once."""
    rules = {} if rules is None else rules
    calendars = {} if calendars is None else calendars
    answers = dict(answers or {})

    def rules_of(petition):
        if petition.council_id not in rules:
            rules[petition.council_id] = DeadlineRules.for_council(petition.council)
        return rules[petition.council_id]

    def calendar_of(petition):
        if petition.council_id not in calendars:
            calendars[petition.council_id] = WorkingCalendar.for_council(petition.council)
        return calendars[petition.council_id]

    closes = {}  # (kinds, cancelled) -> petition ids

    def close(petition, kind=None, cancelled=False):
        key = (tuple(kind) if isinstance(kind, list) else kind, cancelled)
        closes.setdefault(key, []).append(petition.pk)

    puts = []

    def put(petition, kind, due_on, explanation, start_on=None, amount=None, unit=DeadlineUnit.DATE):
        puts.append(DeadlinePut(subject=petition, kind=kind, council_id=petition.council_id, due_on=due_on,
                                explanation=explanation, title=f"{petition.public_code} · "
                                f"{petition.summary or petition.text}"[:160], url=petition.get_absolute_url(),
                                start_on=start_on, amount=amount, unit=unit))

    def rule(petition, kind, start, amount, unit):
        due_on, explanation = due_compute(start=start, amount=amount, unit=unit, calendar=calendar_of(petition))
        put(petition, kind, due_on, explanation, start_on=start, amount=amount, unit=unit)

    answered = [p for p in petitions if p.merged_into_id is None and p.status == PetitionStatus.ANSWERED
                and p.pk not in answers]
    if answered:
        for row in Answer.objects.filter(petition__in=answered).select_related("agency").order_by(
                "petition_id", "-answered_at", "-pk"):
            answers.setdefault(row.petition_id, row)
    to_restate = [p for p in petitions if p.merged_into_id is None and p.status == PetitionStatus.FORWARDED
                  and p.answer_due_on and answer_start is None]
    open_answer_dates = set()
    if to_restate:
        open_answer_dates = set(Deadline.objects.for_subjects(Petition, [p.pk for p in to_restate])
                                .filter(kind=PETITION_ANSWER, state=DeadlineState.OPEN)
                                .values_list("object_id", "due_on"))
    for petition in petitions:
        if petition.merged_into_id is not None:
            close(petition, cancelled=True)
        elif petition.status in (PetitionStatus.RECEIVED, PetitionStatus.CLASSIFIED):
            if petition.forward_due_on and petition.round_id:
                rule(petition, PETITION_FORWARD, petition.round.ends_on, rules_of(petition).forward_working_days,
                     DeadlineUnit.WORKING_DAYS)
            else:
                close(petition, PETITION_FORWARD, cancelled=True)
        elif petition.status == PetitionStatus.FORWARDED:
            close(petition, PETITION_FORWARD)
            close(petition, PETITION_PROMISED, cancelled=True)
            if petition.answer_due_on and answer_start is not None:
                rule(petition, PETITION_ANSWER, answer_start, rules_of(petition).answer_due_days, DeadlineUnit.DAYS)
            elif petition.answer_due_on and (petition.pk, petition.answer_due_on) not in open_answer_dates:
                put(petition, PETITION_ANSWER, petition.answer_due_on, petition.answer_due_explanation)
        elif petition.status == PetitionStatus.ANSWERED:
            close(petition, [PETITION_FORWARD, PETITION_ANSWER])
            answer = answers.get(petition.pk)
            if answer is not None and answer.outcome == AnswerOutcome.IN_PROGRESS and answer.promised_on:
                put(petition, PETITION_PROMISED, answer.promised_on,
                    _("promised by %(agency)s in its answer of %(date)s") % {
                        "agency": answer.agency, "date": timezone.localtime(answer.answered_at).strftime("%d/%m/%Y")})
            else:
                close(petition, PETITION_PROMISED)
        else:
            close(petition)
    for (kind, cancelled), ids in closes.items():
        deadlines_close_many(model=Petition, ids=ids, kind=list(kind) if isinstance(kind, tuple) else kind,
                             cancelled=cancelled)
    deadlines_put_many(puts, reason=reason)


def petition_forward_recipients(object_ids):
    """Forwarding is the office's work: the office of the petition's council is reminded. Two
    queries whatever the number of ids: {petition id: [users]}."""
    # Unordered, so that the covering index petition_recipients answers alone (an index-only scan).
    petitions = list(Petition.objects.filter(pk__in_array=object_ids).order_by().values_list("pk", "council_id"))
    office = {}
    for membership in (Membership.objects.filter(council_id__in={c for _pk, c in petitions}, role=Role.OFFICE,
                                                 is_active=True, user__is_active=True)
                       .select_related("user").order_by("pk")):
        office.setdefault(membership.council_id, []).append(membership.user)
    return {pk: office.get(council_id, []) for pk, council_id in petitions}


def petition_agency_recipients(object_ids):
    """An answer, or a promised date, is the agency's: its responders are reminded. Two queries
    whatever the number of ids: {petition id: [users]}."""
    # Unordered, so that the covering index petition_recipients answers alone (an index-only scan).
    petitions = list(Petition.objects.filter(pk__in_array=object_ids).order_by().values_list("pk", "agency_id"))
    responders = {}
    for membership in (Membership.objects.filter(agency_id__in={a for _pk, a in petitions if a}, role=Role.AGENCY,
                                                 is_active=True, user__is_active=True)
                       .select_related("user").order_by("pk")):
        responders.setdefault(membership.agency_id, []).append(membership.user)
    return {pk: responders.get(agency_id, []) for pk, agency_id in petitions}


def _change_reason(deadline):
    """The reason a recomputation gives, for the petition's own history (django-simple-history's
    change reason holds 100 characters)."""
    return (getattr(deadline, "change_reason", "") or "")[:100] or None


def petition_answer_deadlines_moved(deadlines):
    """A calendar or rules change moved some answer dates: the petitions' copies follow, saved one
    by one with the reason, so that each petition's history says why."""
    by_id, forwardings = {d.object_id: d for d in deadlines}, {}
    for petition in Petition.objects.filter(pk__in=by_id).select_for_update():
        deadline = by_id[petition.pk]
        petition.answer_due_on, petition.answer_due_explanation = deadline.due_on, deadline.explanation[:255]
        fields = ["answer_due_on", "answer_due_explanation"]
        if petition.status == PetitionStatus.FORWARDED:
            petition.due_on = deadline.due_on
            fields.append("due_on")
        petition._change_reason = _change_reason(deadline)
        petition.save(update_fields=fields)
        if petition.forwarding_id:
            forwardings.setdefault(petition.forwarding_id, deadline)
    # The batch keeps the answer date its petitions share: it follows them.
    for forwarding in Forwarding.objects.filter(pk__in=forwardings).select_for_update():
        deadline = forwardings[forwarding.pk]
        if forwarding.answer_due_on != deadline.due_on:
            forwarding.answer_due_on, forwarding.answer_due_explanation = deadline.due_on, deadline.explanation[:255]
            forwarding._change_reason = _change_reason(deadline)
            forwarding.save(update_fields=["answer_due_on", "answer_due_explanation"])


def petition_forward_deadlines_moved(deadlines):
    """A council day off moved some forwarding dates: the petitions' copies follow (saved one by
    one with the reason, so that each petition's history shows the change and why)."""
    by_id = {d.object_id: d for d in deadlines}
    for petition in Petition.objects.filter(pk__in=by_id).select_for_update():
        deadline = by_id[petition.pk]
        petition._change_reason = _change_reason(deadline)
        petition.forward_due_on, petition.forward_due_explanation = deadline.due_on, deadline.explanation[:255]
        fields = ["forward_due_on", "forward_due_explanation"]
        if petition.status in (PetitionStatus.RECEIVED, PetitionStatus.CLASSIFIED) and petition.merged_into_id is None:
            petition.due_on = deadline.due_on
            fields.append("due_on")
        petition.save(update_fields=fields)
