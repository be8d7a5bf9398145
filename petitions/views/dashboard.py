"""The programme's targets as live figures, for a council's office and standing committee: one
round's petitions classified, forwarded and answered on time, overdue by agency, petitions by
field, meetings and minutes by group, and the thematic rounds of the year."""
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from delegations.params import parse_id

from .. import dashboard as figures


def _int_param(request, name):
    """A positive integer from the URL, or None ("²" and 5,000 digits included)."""
    return parse_id(request.GET.get(name, ""))


@login_required
def dashboard(request):
    councils, own = figures.dashboard_councils(request.user)  # 403 for roles without a dashboard
    councils = sorted(councils, key=lambda c: (c.pk not in own, c.level != "province", c.name))
    if not councils:
        raise Http404
    wanted = _int_param(request, "council")
    if request.GET.get("council") and wanted is None:
        raise Http404
    council = councils[0]
    if wanted is not None:
        council = next((c for c in councils if c.pk == wanted), None)
        if council is None:
            raise Http404  # not a council the user reads

    today = timezone.localdate()
    rounds = figures.council_rounds(council)
    wanted_round = _int_param(request, "round")
    if request.GET.get("round") and wanted_round is None:
        raise Http404
    rnd = figures.default_round(rounds, today)
    if wanted_round is not None:
        rnd = next((r for r in rounds if r.pk == wanted_round), None)
        if rnd is None:
            raise Http404  # a round of another council

    years = sorted({r.starts_on.year for r in rounds} | {today.year}, reverse=True)
    year = _int_param(request, "year")
    if year is None or not 1900 < year < 3000:
        year = today.year

    return render(request, "petitions/dashboard.html", {
        "councils": councils, "council": council, "rounds": rounds, "round": rnd, "years": years, "year": year,
        "today": today,
        "figures": figures.round_dashboard(council=council, rnd=rnd, today=today) if rnd else None,
        "thematic": figures.thematic_dashboard(council=council, year=year),
    })
