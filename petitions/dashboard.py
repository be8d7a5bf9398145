"""The dashboard of a council's office and standing committee: the voter-contact programme's
targets for one round.

The petition figures are kept per council × round and counted again every minute when something
changed (petitions.round_figures, where the counts are defined); the page says when they were
counted. The meeting figures (a round holds tens of meetings, not thousands) and the thematic
rounds are counted live, each in one query. Each figure carries the URL of the list behind it (the
petition list or the meeting list, with their own filters), so that a number can always be checked
against its rows.
"""
import functools
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from delegations.models import Council, Membership, Role
from plans.models import ContactRound, RoundKind
from sessions.models import ContactSession, held_q, planned_q

from .models import PetitionStatus
from .round_figures import (  # noqa: F401 (petition_totals, overdue_by_agency_of: the counts' one home)
    overdue_by_agency_of,
    petition_totals,
    round_figures_read,
)

DASHBOARD_ROLES = (Role.OFFICE, Role.STANDING)
# The programme's target: at least this many thematic rounds held in a year.
THEMATIC_TARGET = 1
# Bars drawn in one chart; the table under it lists every row.
CHART_MAX_BARS = 12


# ------------------------------------------------------------------------------------- scope

def dashboard_councils(user):
    """The councils whose dashboard a user may open, and the ids of the user's own ones: office
    staff and the standing committee read their own council and the commune councils under it
    (a province's); nobody else has a dashboard (403)."""
    if user.is_superuser:
        return Council.objects.order_by("level", "name"), []
    own = list(Membership.objects.filter(user=user, is_active=True, role__in=DASHBOARD_ROLES)
               .order_by().values_list("council_id", flat=True))
    if not own:
        raise PermissionDenied
    return Council.objects.filter(Q(pk__in=own) | Q(parent_id__in=own)).order_by("level", "name"), own


def council_rounds(council):
    """The council's rounds, latest first."""
    return list(ContactRound.objects.filter(plan__council=council).order_by("-starts_on", "-pk"))


def default_round(rounds, today):
    """The latest round that has started; else the first one to come."""
    started = [r for r in rounds if r.starts_on <= today]
    if started:
        return started[0]
    return rounds[-1] if rounds else None


# ------------------------------------------------------------------------------------- links

@functools.cache
def _path(name):
    """A list's path, reversed once per process (the dashboard links to it a hundred times)."""
    return reverse(name)


def petition_list_url(**params):
    return f"{_path('petitions:petition_list')}?{urlencode(params)}"


def session_list_url(**params):
    return f"{_path('contact_sessions:session_list')}?{urlencode(params)}"


# ----------------------------------------------------------------------------------- figures

def percent(part, whole):
    """A whole-number percentage, rounded down (100% only when all is done), or None when there
    is nothing to measure."""
    if not whole:
        return None
    return 100 * part // whole


@dataclass
class Progress:
    """A progress figure: `part` of `whole`, as a percentage. `whole_url` lists the rows it is
    measured over; `part_url` those it counts, where the list has a filter for them."""

    key: str
    label: str
    part: int
    whole: int
    whole_url: str
    whole_label: str = ""
    part_url: str = ""
    hint: str = ""
    extra: list = field(default_factory=list)  # further (label, count, url) links under the figure

    @property
    def percent(self):
        return percent(self.part, self.whole)

    @property
    def url(self):
        return self.part_url or self.whole_url


def meetings_by_group(council, rnd):
    """One query: per delegate group, the round's meetings planned (all but the cancelled ones),
    held, and held with final minutes on or before their due date (minutes without a due date
    are not late)."""
    counts = ContactSession.objects.progress_counts()
    return list(ContactSession.objects.filter(council=council, round=rnd)
                .values("group_id", "group__name")
                .annotate(planned=counts["planned"], held=counts["held"], minutes_on_time=counts["minutes_on_time"])
                .order_by("group__name", "group_id"))


def thematic_rounds(council, year):
    """One query: the council's thematic rounds (RoundKind.THEMATIC) starting in the year, each
    with its meetings held; a round counts as held when at least one of its meetings was."""
    return list(ContactRound.objects.filter(plan__council=council, kind=RoundKind.THEMATIC, starts_on__year=year)
                .annotate(held=Count("sessions", filter=held_q("sessions__")),
                          planned=Count("sessions", filter=planned_q("sessions__")))
                .order_by("starts_on", "pk"))


# ------------------------------------------------------------------------------------ charts

@dataclass
class Bar:
    label: str
    value: int
    url: str
    total: int | None = None  # drawn as the bar's track: "value of total"


# Each bar is a row: its label on a line, the bar under it, the number at the row's right end.
# Widths are percentages of the chart's width and text keeps its size, so the chart reads the
# same on a phone and on a wide screen.
ROW_HEIGHT = 44
BAR_TOP = 20
BAR_HEIGHT = 14
BAR_ROOM = 84  # % of the width the longest bar takes; the rest holds the number


def chart(bars):
    """Geometry of a horizontal bar chart: every bar scaled to the largest value (or total)."""
    shown = bars[:CHART_MAX_BARS]
    scale_to = max([max(b.value, b.total or 0) for b in shown] or [0]) or 1
    rows = []
    for index, bar in enumerate(shown):
        y = index * ROW_HEIGHT
        value_w = BAR_ROOM * bar.value / scale_to
        rows.append({
            "bar": bar, "label_y": y + BAR_TOP - 6, "bar_y": y + BAR_TOP, "text_y": y + BAR_TOP + BAR_HEIGHT - 2,
            "value_w": f"{max(value_w, 0.6 if bar.value else 0):.1f}%",
            "track_w": f"{BAR_ROOM * bar.total / scale_to:.1f}%" if bar.total else "",
            "text": f"{bar.value}/{bar.total}" if bar.total is not None else str(bar.value),
        })
    return {
        "rows": rows, "height": len(rows) * ROW_HEIGHT, "bar_height": BAR_HEIGHT,
        "more": max(len(bars) - len(shown), 0),
        "summary": "; ".join(f"{b.label}: {b.value}" + (f"/{b.total}" if b.total is not None else "") for b in bars),
    }


# ---------------------------------------------------------------------------------- the page

def round_dashboard(*, council, rnd, today):
    """Every figure of the round, with the list behind each."""
    base = {"round": rnd.pk}
    kept = round_figures_read(council=council, rnd=rnd, today=today)
    totals, agencies, fields = kept.totals, kept.agencies, kept.fields
    groups = meetings_by_group(council, rnd)

    progress = [
        Progress("classified", _("Classified"), totals["classified"], totals["total"], petition_list_url(**base),
                 _("petitions in the round"),
                 extra=[(_("still to classify"), totals["unclassified"],
                         petition_list_url(**base, unclassified=1))]),
        Progress("forwarded", _("Forwarded"), totals["forwarded"], totals["total"], petition_list_url(**base),
                 _("petitions in the round"), part_url=petition_list_url(**base, forwarded=1),
                 extra=[(_("classified, waiting to be forwarded"), totals["waiting"],
                         petition_list_url(**base, status=PetitionStatus.CLASSIFIED))]),
        Progress("on-time", _("Answered on time"), totals["on_time"], totals["due_reached"],
                 petition_list_url(**base, state="due_reached"), _("forwarded, answer date come or answered"),
                 part_url=petition_list_url(**base, state="on_time"),
                 hint=_("The first answer dated on or before the answer date, over the forwarded petitions "
                        "answered (or closed) or past their answer date; those whose answer date has not "
                        "come yet are counted apart."),
                 extra=[(_("not yet due"), totals["not_yet_due"], petition_list_url(**base, state="not_yet_due")),
                        (_("overdue at an agency"), totals["overdue_forwarded"],
                         petition_list_url(**base, forwarded=1, overdue=1))]),
    ]
    agency_bars = [Bar(row["agency__short_name"] or row["agency__name"] or _("No agency"), row["count"],
                       petition_list_url(**base, agency=row["agency_id"], overdue=1, forwarded=1))
                   for row in agencies]
    field_bars = [Bar(row["petitionfield__name"], row["count"], petition_list_url(**base, field=row["petitionfield_id"]))
                  for row in fields]
    # The meeting list filters with the same rules (sessions.models.SESSION_STATES).
    held_bars = [Bar(row["group__name"], row["held"], session_list_url(**base, group=row["group_id"], state="held"),
                     total=row["planned"]) for row in groups]
    minutes_bars = [Bar(row["group__name"], row["minutes_on_time"],
                        session_list_url(**base, group=row["group_id"], state="minutes_on_time"),
                        total=row["held"]) for row in groups]
    planned = sum(row["planned"] for row in groups)
    held = sum(row["held"] for row in groups)
    minutes = sum(row["minutes_on_time"] for row in groups)
    return {
        "counted_at": kept.computed_at,
        "totals": totals,
        "total_url": petition_list_url(**base),
        "overdue_url": petition_list_url(**base, overdue=1),
        "overdue_office_url": petition_list_url(**base, overdue=1, forwarded=0),
        "progress": progress,
        "agencies": agency_bars, "agency_chart": chart(agency_bars),
        "fields": field_bars, "field_chart": chart(field_bars),
        "groups": groups, "held_chart": chart(held_bars), "minutes_chart": chart(minutes_bars),
        "held_bars": held_bars, "minutes_bars": minutes_bars,
        "meetings": Progress("meetings", _("Meetings held"), held, planned, session_list_url(**base, state="planned"),
                             _("planned"), part_url=session_list_url(**base, state="held")),
        "minutes": Progress("minutes", _("Minutes in on time"), minutes, held, session_list_url(**base, state="held"),
                            _("held"), part_url=session_list_url(**base, state="minutes_on_time")),
    }


def thematic_dashboard(*, council, year):
    rounds = thematic_rounds(council, year)
    for rnd in rounds:
        rnd.sessions_url = session_list_url(round=rnd.pk)
    held = sum(1 for rnd in rounds if rnd.held)
    return {"rounds": rounds, "held": held, "planned": len(rounds), "target": THEMATIC_TARGET,
            "met": held >= THEMATIC_TARGET, "year": year}
