"""A round's petition figures, counted and kept (issue 15: the dashboard at a province's scale).

Counting a round's petitions costs time in the size of the round: a province's round of a
1,000,000-petition table holds some 50,000 of them, and the counts below took over a second. The
dashboard reads them instead from a kept row (petitions.models.RoundFigures, one per council ×
round), shown with the time it was counted ("Số liệu lúc HH:MM").

The counts themselves are defined here, once: every figure is an aggregate over one council's round
read in a fixed handful of queries (`round_id = … AND council_id = …`, an index on round; `COUNT(…)
FILTER (WHERE …)`), with the derived statuses of petitions.models (overdue_q, answered_on_time_q …).

When a kept row is counted again (round_figures_stale; the periodic job round_figures_refresh_stale
runs every ROUND_FIGURES_REFRESH_SECONDS, 60 by default):
- it was counted for another day than today ("overdue" moves with the day);
- a petition of that council's round changed after it was counted: its history record
  (simple_history, written by every service that changes a petition, deletions included) is dated
  on or after `computed_at` − STALE_MARGIN. The margin covers a change whose record was dated before
  the count began but committed after it (our transactions last seconds, not minutes). A petition
  moved between rounds makes both rounds stale: every round the petition's history names is;
- it was counted more than MAX_AGE ago (a bound on anything else).
A round nobody has opened has no kept row: its first dashboard view counts it (round_figures_read).
"""
import datetime

from django.db.models import Count, Q
from django.utils import timezone

from .models import (
    Petition,
    RoundFigures,
    answer_due_reached_q,
    answered_on_time_q,
    not_yet_due_q,
    overdue_q,
    to_forward_q,
    unclassified_q,
)

STALE_MARGIN = datetime.timedelta(minutes=5)
MAX_AGE = datetime.timedelta(hours=1)


# ------------------------------------------------------------------------------ the live count

def round_petitions(council, rnd):
    """The round's main petitions (not merged into another one) of one council. `council` and
    `rnd` are instances or ids."""
    return Petition.objects.main().filter(council=council, round=rnd)


def petition_totals(council, rnd, today):
    """One query: the round's totals, a dict name → count (total, classified, unclassified, waiting,
    forwarded, on_time, due_reached, not_yet_due, overdue, overdue_forwarded, overdue_office)."""
    overdue = overdue_q(today)
    return round_petitions(council, rnd).aggregate(
        total=Count("pk"),
        classified=Count("pk", filter=~unclassified_q()),
        unclassified=Count("pk", filter=unclassified_q()),
        waiting=Count("pk", filter=to_forward_q()),
        forwarded=Count("pk", filter=Q(forwarding__isnull=False)),
        on_time=Count("pk", filter=answered_on_time_q()),
        due_reached=Count("pk", filter=answer_due_reached_q(today)),
        not_yet_due=Count("pk", filter=not_yet_due_q(today)),
        overdue=Count("pk", filter=overdue),
        overdue_forwarded=Count("pk", filter=overdue & Q(forwarding__isnull=False)),
        overdue_office=Count("pk", filter=overdue & Q(forwarding__isnull=True)),
    )


def overdue_by_agency_of(petitions, today):
    """One query: of `petitions`, the forwarded ones past their date (the answer date, or the date
    an agency promised), per agency, worst first (the dashboard's and the standing committee's
    home page's): rows of agency_id, agency__name, agency__short_name, count. Petitions not
    forwarded yet are late at the office, not at an agency."""
    return list(petitions.overdue(today).filter(forwarding__isnull=False)
                .values("agency_id", "agency__name", "agency__short_name")
                .annotate(count=Count("pk")).order_by("-count", "agency__name", "agency_id"))


def overdue_by_agency(council, rnd, today):
    """The round's overdue_by_agency_of; the office's own late ones are `overdue_office` in the totals."""
    return overdue_by_agency_of(round_petitions(council, rnd), today)


def petitions_by_field(council, rnd):
    """One query, from the round's petitions to their fields (a petition with two fields counts
    in both), most first: rows of petitionfield_id, petitionfield__name, count."""
    through = Petition.fields.through
    return list(through.objects.filter(petition__council=council, petition__round=rnd,
                                       petition__merged_into__isnull=True)
                .values("petitionfield_id", "petitionfield__name")
                .annotate(count=Count("petition_id")).order_by("-count", "petitionfield__name"))


def round_figures_count(*, council_id, round_id, today):
    """Three queries: the round's figures counted now, as a dict of totals, agencies, fields (the
    shapes RoundFigures keeps)."""
    return {"totals": petition_totals(council_id, round_id, today),
            "agencies": overdue_by_agency(council_id, round_id, today),
            "fields": petitions_by_field(council_id, round_id)}


# ------------------------------------------------------------------------------ kept figures

def round_figures_refresh(*, council_id, round_id, now=None):
    """Count one council's round and keep the figures (insert or replace, so two refreshes at once
    leave one row). Four queries. Returns the RoundFigures row."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    counted = round_figures_count(council_id=council_id, round_id=round_id, today=today)
    row = RoundFigures(council_id=council_id, round_id=round_id, as_of=today, computed_at=now, **counted)
    RoundFigures.objects.bulk_create([row], update_conflicts=True, unique_fields=["council", "round"],
                                     update_fields=["as_of", "computed_at", "totals", "agencies", "fields"])
    return row


def round_figures_read(*, council, rnd, today=None):
    """The kept figures of a council's round for the dashboard: one query when a row counted today
    is kept; else counted now (four more) — the first view of a round, or of the day before the
    periodic job came. Returns a RoundFigures row."""
    now = timezone.now()
    today = today or timezone.localdate(now)
    kept = RoundFigures.objects.filter(council=council, round=rnd, as_of=today).first()
    if kept is not None:
        return kept
    return round_figures_refresh(council_id=council.pk, round_id=rnd.pk, now=now)


def round_figures_stale(*, now=None):
    """The kept rows to count again (see the module's docstring), as a set of (council_id,
    round_id). Three queries whatever the number of kept rows; the history read covers at most
    MAX_AGE + STALE_MARGIN."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    kept = {(c, r): computed for c, r, as_of, computed
            in RoundFigures.objects.values_list("council_id", "round_id", "as_of", "computed_at")
            if as_of == today and computed >= now - MAX_AGE}
    stale = set(RoundFigures.objects.values_list("council_id", "round_id")) - set(kept)
    if not kept:
        return stale
    history = Petition.history.model.objects
    since = min(kept.values()) - STALE_MARGIN
    changed = {}  # petition id → its latest change since `since`
    for pk, at in history.filter(history_date__gte=since).values_list("id", "history_date"):
        changed[pk] = max(at, changed.get(pk, at))
    if not changed:
        return stale
    # Every council × round each changed petition was ever in (a move makes both stale).
    for pk, council_id, round_id in (history.filter(id__in=list(changed)).order_by()
                                     .values_list("id", "council_id", "round_id").distinct()):
        computed = kept.get((council_id, round_id))
        if computed is not None and changed[pk] >= computed - STALE_MARGIN:
            stale.add((council_id, round_id))
    return stale


def round_figures_refresh_stale(*, now=None):
    """The periodic job: count again every stale kept row (round_figures_stale). Idempotent.
    Returns how many rows were counted."""
    now = now or timezone.now()
    stale = sorted(round_figures_stale(now=now))
    for council_id, round_id in stale:
        round_figures_refresh(council_id=council_id, round_id=round_id, now=now)
    return len(stale)
