import datetime

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.shortcuts import render
from django.utils import timezone

from ..access import active_memberships, get_for_user, require_council_staff
from ..calendar import WorkingCalendar
from ..forms import WorkingDaysForm
from ..models import CalendarDay, Council, DeadlineChangeCause
from .rules import recent_moves


@login_required
def working_calendar(request):
    """A council's non-working days of a year, and the working-day calculator."""
    require_council_staff(request.user)
    councils = Council.objects.for_user(request.user)
    council_id = request.GET.get("council")
    if council_id:
        council = get_for_user(Council, request.user, council_id)
    else:
        own = active_memberships(request.user).first()
        council = own.council if own else councils.first()
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year", today.year))
    except ValueError:
        year = today.year
    year = min(max(year, 2000), 2100)
    calendar = WorkingCalendar.for_council(council)
    days_off, working_days = calendar.year(year)
    form = WorkingDaysForm(request.GET if "start" in request.GET else None)
    result = calendar.add_working_days(form.cleaned_data["start"], form.cleaned_data["days"]) if (
        form.is_valid()) else None
    return render(request, "delegations/calendar.html", {
        "council": council,
        "councils": councils,
        "year": year,
        "years": range(year - 1, year + 2),
        "days_off": days_off,
        "working_days": working_days,
        "form": form,
        "result": result,
        "own_days": CalendarDay.objects.for_user(request.user).filter(council=council, date__year=year),
        "can_manage": Council.objects.managed_by(request.user).filter(pk=council.pk).exists(),
        "today": today,
        "example_start": datetime.date(2026, 2, 13),
        # How many open deadlines each change of this council's calendar (or its province's) moved.
        "moves": recent_moves(Council.objects.filter(Q(pk=council.pk) | Q(parent=council)),
                              DeadlineChangeCause.CALENDAR),
    })
