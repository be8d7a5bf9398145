"""“Việc của tôi”: what waits on the user, per role, on the home page.

One section per active membership (a council and a role: office staff, standing committee, group
leader, delegate, agency responder); a user with several sees each. Every figure is counted with
the very rule its list filters with (petitions.models.PETITION_STATES, sessions.models.SESSION_STATES,
overdue_q, plans' assignment_overdue_q, a plan's status) and links to that list, narrowed to the
section's council (or group, or agency), so the number can be checked against its rows.

A section reads a fixed handful of queries (aggregates with COUNT … FILTER, and short lists with a
LIMIT), whatever the number of petitions. The sections are registered with delegations.work at
start-up (petitions.apps), since this app is the one that sees plans, meetings and petitions."""
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from delegations.calendar import WorkingCalendar
from delegations.models import Role
from plans.models import ContactPlan, PlanStatus, assignment_overdue_q
from plans.services import assignments_for
from sessions.models import ContactSession, attended_by_q, session_state_q

from .models import (
    Petition,
    PetitionStatus,
    due_soon_q,
    overdue_q,
    petition_state_q,
    sent_back_q,
)
from .round_figures import overdue_by_agency_of

# The agency's "due soon": due within this many working days of the council (delegations/calendar.py).
DUE_SOON_WORKING_DAYS = 5
SHORT_LIST = 5


def due_soon_until(council, today):
    """The last day of "due within DUE_SOON_WORKING_DAYS working days" from `today`, on the
    council's working calendar (its holidays, days off and make-up days)."""
    return WorkingCalendar.for_council(council).add_working_days(today, DUE_SOON_WORKING_DAYS).due


def agency_state_q(state, *, agencies, today):
    """The agency inbox's "waiting for" filters, the home page's agency counts: due soon (on the
    calendar of each agency's council), sent back, overdue. `agencies` are Agency rows or ids."""
    if state == "sent_back":
        return sent_back_q()
    if state == "overdue":
        return overdue_q(today)
    if state == "due_soon":
        from delegations.models import Agency

        rows = Agency.objects.filter(pk__in=[getattr(a, "pk", a) for a in agencies]).select_related("council")
        condition = Q(pk__in=[])
        for agency in rows:
            condition |= Q(agency_id=agency.pk) & due_soon_q(today, due_soon_until(agency.council, today))
        return condition
    raise ValueError(state)


def url(name, **params):
    params = {k: v for k, v in params.items() if v not in (None, "")}
    return reverse(name) + (f"?{urlencode(params)}" if params else "")


@dataclass
class Row:
    """One line of a short list: what it is, where it opens, a note (a date, a status)."""

    label: str
    url: str
    note: str = ""
    urgent: bool = False


@dataclass
class Item:
    key: str
    label: str
    count: int
    url: str
    urgent: bool = False
    rows: list = field(default_factory=list)


@dataclass
class Section:
    role: str
    title: str
    council: object
    items: list
    subtitle: str = ""

    @property
    def total(self):
        return sum(item.count for item in self.items)


def _date(value):
    return value.strftime("%d/%m/%Y") if value else "—"


def _petition_rows(petitions, today, link):
    return [Row(f"{p.public_code} · {(p.summary or p.text)[:80]}", link(p), _date(p.due_on),
                urgent=bool(p.due_on and p.due_on < today)) for p in petitions]


def _short_petitions(queryset):
    return list(queryset.only("pk", "public_code", "summary", "text", "due_on")
                .order_by(F("due_on").asc(nulls_last=True), "pk")[:SHORT_LIST])


def _assignment_item(user, council_id, today):
    """Open assignments the user answers for in the council (plans.services.assignments_for), with
    the overdue ones (assignment_overdue_q). Two queries."""
    counts = (assignments_for(user).filter(plan__council_id=council_id).order_by()
              .aggregate(open=Count("pk"), overdue=Count("pk", filter=assignment_overdue_q(today))))
    item = Item("assignments", _("Assignments from contact plans, open"), counts["open"],
                url("plans:assignment_list", council=council_id))
    if counts["overdue"]:
        item.rows.append(Row(_("%(n)s overdue") % {"n": counts["overdue"]},
                             url("plans:assignment_list", council=council_id, due="overdue"), urgent=True))
    return item


def _petition_counts(petitions, today, states, overdue=False):
    aggregates = {state: Count("pk", filter=petition_state_q(state, today)) for state in states}
    if overdue:
        aggregates["overdue"] = Count("pk", filter=overdue_q(today))
    return petitions.order_by().aggregate(**aggregates)


# ------------------------------------------------------------------------------------ roles

def office_section(user, membership, today, now):
    council_id = membership.council_id
    petitions = Petition.objects.main().filter(council_id=council_id)
    counts = _petition_counts(petitions, today, ("unclassified", "to_forward", "to_review", "extension"),
                              overdue=True)
    plans = ContactPlan.objects.filter(council_id=council_id).aggregate(
        approved=Count("pk", filter=Q(status=PlanStatus.APPROVED)),
        submitted=Count("pk", filter=Q(status=PlanStatus.SUBMITTED)))
    meetings = ContactSession.objects.filter(council_id=council_id).aggregate(
        minutes_overdue=Count("pk", filter=session_state_q("minutes_overdue", now, today)))
    plist = "petitions:petition_list"
    to_forward = Item("to_forward", _("To forward (due soonest first)"), counts["to_forward"],
                      url(plist, council=council_id, state="to_forward", sort="due"))
    to_forward.rows = _petition_rows(_short_petitions(petitions.filter(petition_state_q("to_forward", today))),
                                     today, lambda p: p.get_absolute_url())
    items = [
        Item("unclassified", _("To classify"), counts["unclassified"],
             url(plist, council=council_id, state="unclassified")),
        to_forward,
        Item("to_review", _("Answers to review"), counts["to_review"],
             url(plist, council=council_id, state="to_review")),
        Item("extension", _("Requests for more time"), counts["extension"],
             url(plist, council=council_id, state="extension")),
        Item("overdue", _("Overdue petitions"), counts["overdue"], url(plist, council=council_id, overdue=1),
             urgent=bool(counts["overdue"])),
        Item("plans_to_issue", _("Plans approved, to issue"), plans["approved"],
             url("plans:plan_list", council=council_id, status=PlanStatus.APPROVED)),
        Item("plans_submitted", _("Plans waiting for the standing committee"), plans["submitted"],
             url("plans:plan_list", council=council_id, status=PlanStatus.SUBMITTED)),
        Item("minutes_overdue", _("Minutes late"), meetings["minutes_overdue"],
             url("contact_sessions:session_list", council=council_id, state="minutes_overdue"),
             urgent=bool(meetings["minutes_overdue"])),
        _assignment_item(user, council_id, today),
    ]
    return Section(Role.OFFICE, Role.OFFICE.label, membership.council, items)


def standing_section(user, membership, today, now):
    council_id = membership.council_id
    petitions = Petition.objects.main().filter(council_id=council_id)
    counts = _petition_counts(petitions, today, ("to_review",))
    submitted = ContactPlan.objects.filter(council_id=council_id, status=PlanStatus.SUBMITTED).count()
    by_agency = overdue_by_agency_of(petitions, today)  # the dashboard's rule, over every round
    plist = "petitions:petition_list"
    overdue = Item("overdue_by_agency", _("Overdue at an agency"), sum(r["count"] for r in by_agency),
                   url(plist, council=council_id, overdue=1, forwarded=1), urgent=bool(by_agency))
    overdue.rows = [Row(r["agency__short_name"] or r["agency__name"],
                        url(plist, council=council_id, overdue=1, forwarded=1, agency=r["agency_id"]),
                        str(r["count"]), urgent=True) for r in by_agency[:8]]
    items = [
        Item("plans_submitted", _("Plans waiting for your approval"), submitted,
             url("plans:plan_list", council=council_id, status=PlanStatus.SUBMITTED)),
        Item("to_review", _("Answers to review"), counts["to_review"],
             url(plist, council=council_id, state="to_review")),
        overdue,
    ]
    return Section(Role.STANDING, Role.STANDING.label, membership.council, items)


def group_leader_section(user, membership, today, now):
    group_id = membership.group_id
    sessions = ContactSession.objects.filter(group_id=group_id)
    states = ("to_hold", "outcome_due", "minutes_to_file")
    counts = sessions.order_by().aggregate(**{s: Count("pk", filter=session_state_q(s, now, today)) for s in states})
    not_sent = Petition.objects.main().filter(group_id=group_id).filter(petition_state_q("not_sent", today)).count()
    slist = "contact_sessions:session_list"
    to_hold = Item("to_hold", _("Meetings to hold"), counts["to_hold"], url(slist, group=group_id, state="to_hold"))
    to_hold.rows = [Row(f"{timezone.localtime(s.starts_at):%H:%M %d/%m/%Y} · {s.venue}", s.get_absolute_url())
                    for s in sessions.filter(session_state_q("to_hold", now, today))
                    .only("pk", "starts_at", "venue").order_by("starts_at", "pk")[:SHORT_LIST]]
    items = [
        to_hold,
        Item("outcome_due", _("Outcomes to record"), counts["outcome_due"],
             url(slist, group=group_id, state="outcome_due"), urgent=bool(counts["outcome_due"])),
        Item("minutes_to_file", _("Minutes to file"), counts["minutes_to_file"],
             url(slist, group=group_id, state="minutes_to_file")),
        Item("not_sent", _("Petitions to send to the office"), not_sent,
             url("petitions:petition_list", group=group_id, state="not_sent")),
        _assignment_item(user, membership.council_id, today),
    ]
    return Section(Role.GROUP_LEADER, Role.GROUP_LEADER.label, membership.council, items,
                   subtitle=str(membership.group) if membership.group_id else "")


def delegate_section(user, membership, today, now):
    council_id, group_id = membership.council_id, membership.group_id
    mine = ContactSession.objects.filter(council_id=council_id).filter(attended_by_q(user)) \
        .filter(session_state_q("to_hold", now, today))
    meetings = list(mine.only("pk", "starts_at", "venue").order_by("starts_at", "pk")[:SHORT_LIST])
    items = [Item("my_meetings", _("My meetings to come"), mine.count(),
                  url("contact_sessions:session_list", council=council_id, mine=1, state="to_hold"),
                  rows=[Row(f"{timezone.localtime(s.starts_at):%H:%M %d/%m/%Y} · {s.venue}", s.get_absolute_url())
                        for s in meetings])]
    if group_id:
        by_status = dict(Petition.objects.main().filter(group_id=group_id).order_by().values_list("status")
                         .annotate(count=Count("pk")).values_list("status", "count"))
        items.append(Item("group_petitions", _("My group's petitions"), sum(by_status.values()),
                          url("petitions:petition_list", group=group_id),
                          rows=[Row(str(label), url("petitions:petition_list", group=group_id, status=value),
                                    str(by_status[value])) for value, label in PetitionStatus.choices
                                if by_status.get(value)]))
    return Section(Role.DELEGATE, Role.DELEGATE.label, membership.council, items,
                   subtitle=str(membership.group) if group_id else "")


def agency_section(user, membership, today, now):
    agency = membership.agency
    if agency is None:
        return None
    petitions = Petition.objects.for_agency(user).filter(agency_id=agency.pk)
    until = due_soon_until(membership.council, today)
    counts = petitions.order_by().aggregate(
        to_answer=Count("pk", filter=Q(status=PetitionStatus.FORWARDED)),
        due_soon=Count("pk", filter=due_soon_q(today, until)),
        sent_back=Count("pk", filter=sent_back_q()),
        overdue=Count("pk", filter=overdue_q(today)))
    inbox = "petitions:agency_inbox"
    to_answer = Item("to_answer", _("To answer"), counts["to_answer"],
                     url(inbox, agency=agency.pk, status=PetitionStatus.FORWARDED))
    to_answer.rows = _petition_rows(_short_petitions(petitions.filter(status=PetitionStatus.FORWARDED)), today,
                                    lambda p: reverse("petitions:agency_answer", args=[p.pk]))
    items = [
        to_answer,
        Item("due_soon", _("Due within %(n)s working days (by %(date)s)")
             % {"n": DUE_SOON_WORKING_DAYS, "date": _date(until)}, counts["due_soon"],
             url(inbox, agency=agency.pk, state="due_soon")),
        Item("sent_back", _("Answers sent back"), counts["sent_back"], url(inbox, agency=agency.pk, state="sent_back"),
             urgent=bool(counts["sent_back"])),
        Item("overdue", _("Overdue"), counts["overdue"], url(inbox, agency=agency.pk, state="overdue"),
             urgent=bool(counts["overdue"])),
    ]
    return Section(Role.AGENCY, Role.AGENCY.label, membership.council, items, subtitle=str(agency))


BUILDERS = {
    Role.OFFICE: office_section,
    Role.STANDING: standing_section,
    Role.GROUP_LEADER: group_leader_section,
    Role.DELEGATE: delegate_section,
    Role.AGENCY: agency_section,
}


def my_work(*, user, memberships, today=None, now=None):
    """The sections of the user's memberships, in the order given."""
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    sections = []
    for membership in memberships:
        builder = BUILDERS.get(membership.role)
        section = builder(user, membership, today, now) if builder else None
        if section is not None:
            sections.append(section)
    return sections

