"""The working-day calendar of a council: the one service every deadline is computed with.

Working days are Monday–Friday minus Vietnam's public holidays and substituted days off, plus
the make-up Saturdays the Prime Minister swaps in (all from the `holidays` package, VN), then
the council's own exceptions (CalendarDay), the council's own taking precedence over its
province's."""
import datetime
from dataclasses import dataclass, field
from functools import lru_cache

import holidays
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import CalendarDay, CalendarDayKind

MAX_SPAN_DAYS = 3660  # a guard: no deadline rule counts further than ten years


@lru_cache(maxsize=64)
def national_calendar(year):
    """Vietnam's public holidays of one year, with Vietnamese names, and its make-up Saturdays."""
    vn = holidays.country_holidays("VN", language="vi", years=[year])
    days_off = {day: name for day, name in vn.items() if day.year == year}
    workdays = {day for day in vn.weekend_workdays if day.year == year}
    return days_off, workdays


def national_calendar_warm():
    """Read this year's national calendar at a process's start (gunicorn's workers, Celery's): the
    holidays package loads its tables of every country, some 300 modules and 80 ms, the first time
    it is asked, which would otherwise fall on the first deadline a process computes."""
    national_calendar(timezone.localdate().year)


@dataclass
class NonWorkingDay:
    date: datetime.date
    reason: str
    source: str  # "national" or "council"


@dataclass
class WorkingDayCount:
    """The answer to "n working days after start", with how it was reached."""

    start: datetime.date
    days: int
    due: datetime.date
    counted: list = field(default_factory=list)   # the working days counted, in order
    skipped: list = field(default_factory=list)   # NonWorkingDay passed over: weekends, holidays, days off

    def explanation(self):
        counted = ", ".join(f"{d.day:02d}" for d in self.counted)
        if self.days >= 0:
            text = _("%(n)s working days after %(start)s: %(days)s → %(due)s")
        else:
            text = _("%(n)s working days before %(start)s: %(days)s → %(due)s")
        return text % {
            "n": abs(self.days), "start": self.start.strftime("%d/%m/%Y"),
            "days": counted, "due": self.due.strftime("%d/%m/%Y"),
        }


@dataclass
class DayCount:
    """The answer to "a period of n days from start" (art. 147–148 Civil Code 2015): the last day
    counted, and, when it is not a working day of the council, the next working day, on which the
    period ends (art. 148(5))."""

    start: datetime.date
    days: int
    last_day: datetime.date                       # start + days, as counted on the calendar
    due: datetime.date                            # the last day, or the next working day after it
    skipped: list = field(default_factory=list)   # NonWorkingDay from the last day up to the due date

    def explanation(self):
        text = _("%(n)s days after %(start)s → %(due)s") % {
            "n": self.days, "start": self.start.strftime("%d/%m/%Y"), "due": self.last_day.strftime("%d/%m/%Y")}
        if self.skipped:
            first = self.skipped[0]
            text += "; " + _("%(day)s is %(reason)s → %(due)s (next working day, art. 148(5) Civil Code 2015)") % {
                "day": first.date.strftime("%d/%m/%Y"), "reason": first.reason, "due": self.due.strftime("%d/%m/%Y")}
        return text


class WorkingCalendar:
    def __init__(self, council=None, overrides=None):
        self.council = council
        # {date: (kind, reason)}; the province's first, the council's own over it.
        if overrides is None:
            overrides = {}
            councils = [c for c in (council.parent if council else None, council) if c is not None]
            for c in councils:
                for day in CalendarDay.objects.filter(council=c).only("date", "kind", "reason"):
                    overrides[day.date] = (day.kind, day.reason)
        self.overrides = overrides

    @classmethod
    def for_council(cls, council):
        return cls(council)

    def non_working_reason(self, day):
        """Why `day` is not a working day, or None when it is one."""
        override = self.overrides.get(day)
        if override:
            kind, reason = override
            return None if kind == CalendarDayKind.WORKING_DAY else reason
        days_off, workdays = national_calendar(day.year)
        if day in days_off:
            return days_off[day]
        if day.weekday() >= 5 and day not in workdays:
            return _("Saturday") if day.weekday() == 5 else _("Sunday")
        return None

    def is_working_day(self, day):
        return self.non_working_reason(day) is None

    def add_working_days(self, start, days):
        """The date `days` working days after `start` (before it when negative); `start` itself
        is never counted, as in "within 3 working days after the round ends"."""
        step = 1 if days >= 0 else -1
        result = WorkingDayCount(start=start, days=days, due=start)
        current = start
        for _i in range(MAX_SPAN_DAYS):
            if len(result.counted) == abs(days):
                break
            current += datetime.timedelta(days=step)
            reason = self.non_working_reason(current)
            if reason is None:
                result.counted.append(current)
            else:
                result.skipped.append(NonWorkingDay(current, reason, self._source(current)))
        result.due = current
        return result

    def add_days(self, start, days):
        """The end of a period of `days` calendar days from `start` (the day of the event is not
        counted, art. 147(1) Civil Code 2015): `start + days`, or, when that day is a weekend, a
        holiday or a day off of the council, the next working day (art. 148(5))."""
        last_day = start + datetime.timedelta(days=days)
        result = DayCount(start=start, days=days, last_day=last_day, due=last_day)
        current = last_day
        for _i in range(MAX_SPAN_DAYS):
            reason = self.non_working_reason(current)
            if reason is None:
                break
            result.skipped.append(NonWorkingDay(current, reason, self._source(current)))
            current += datetime.timedelta(days=1)
        result.due = current
        return result

    def working_days_between(self, start, end):
        """Working days after `start` up to and including `end`."""
        count, current = 0, start
        while current < end:
            current += datetime.timedelta(days=1)
            count += self.is_working_day(current)
        return count

    def _source(self, day):
        return "council" if day in self.overrides else "national"

    def year(self, year):
        """The year's non-working weekdays (holidays, substituted and council days off) and its
        make-up working days, in date order; ordinary weekends are not listed."""
        days_off, workdays = national_calendar(year)
        off, extra = [], []
        candidates = set(days_off) | set(workdays) | {d for d in self.overrides if d.year == year}
        for day in sorted(candidates):
            reason = self.non_working_reason(day)
            if reason is not None:
                off.append(NonWorkingDay(day, reason, self._source(day)))
            elif day.weekday() >= 5 or day in days_off:
                label = self.overrides[day][1] if day in self.overrides else _("Make-up working day")
                extra.append(NonWorkingDay(day, label, self._source(day)))
        return off, extra
