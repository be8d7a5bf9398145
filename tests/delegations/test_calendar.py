"""The working-day service (`delegations.calendar.WorkingCalendar`) and the calendar page."""
import datetime

import pytest
from django.urls import reverse

from delegations.calendar import WorkingCalendar
from delegations.models import CalendarDay, CalendarDayKind

D = datetime.date
TET_FRIDAY = D(2026, 2, 13)  # the last working day before Tết Bính Ngọ
TET_DAYS = [D(2026, 2, day) for day in range(16, 21)]  # Mon 16/02 – Fri 20/02/2026


def day_off(council, date, reason="Nghỉ theo quyết định của Thường trực HĐND"):
    return CalendarDay.objects.create(council=council, date=date, kind=CalendarDayKind.DAY_OFF, reason=reason)


def working_day(council, date, reason="Làm việc bù"):
    return CalendarDay.objects.create(council=council, date=date, kind=CalendarDayKind.WORKING_DAY, reason=reason)


# --- national calendar -------------------------------------------------------------------------


@pytest.mark.django_db
def test_three_working_days_across_tet(world):
    result = WorkingCalendar.for_council(world.council).add_working_days(TET_FRIDAY, 3)

    assert result.due == D(2026, 2, 25)
    assert result.counted == [D(2026, 2, 23), D(2026, 2, 24), D(2026, 2, 25)]
    skipped = {d.date: d for d in result.skipped}
    assert set(TET_DAYS) <= set(skipped)
    # Only non-working days are skipped, and every day between start and due is either counted or skipped.
    assert not set(skipped) & set(result.counted)
    assert sorted([*skipped, *result.counted]) == [TET_FRIDAY + datetime.timedelta(days=n) for n in range(1, 13)]
    assert all(skipped[d].source == "national" for d in TET_DAYS)
    assert "Tết Nguyên Đán" in skipped[D(2026, 2, 17)].reason

    explanation = result.explanation()
    assert "23, 24, 25" in explanation
    assert "25/02/2026" in explanation
    assert "13/02/2026" in explanation


@pytest.mark.django_db
def test_zero_working_days_is_the_start_itself(world):
    result = WorkingCalendar.for_council(world.council).add_working_days(TET_FRIDAY, 0)
    assert result.due == TET_FRIDAY
    assert result.counted == [] and result.skipped == []


@pytest.mark.django_db
def test_make_up_saturday_is_a_working_day_and_its_swapped_monday_is_off(world):
    calendar = WorkingCalendar.for_council(world.council)

    assert D(2026, 8, 22).weekday() == 5
    assert calendar.is_working_day(D(2026, 8, 22))
    assert not calendar.is_working_day(D(2026, 8, 29))  # an ordinary Saturday stays off
    assert not calendar.is_working_day(D(2026, 8, 31))
    assert "22/08/2026" in calendar.non_working_reason(D(2026, 8, 31))

    # Friday 21/08 + 1 working day is the make-up Saturday itself.
    assert calendar.add_working_days(D(2026, 8, 21), 1).due == D(2026, 8, 22)
    # Friday 28/08 + 1: Sat, Sun, the swapped Monday 31/08, then Quốc khánh 1–2/09 → Thursday 03/09.
    result = calendar.add_working_days(D(2026, 8, 28), 1)
    assert result.due == D(2026, 9, 3)
    assert {D(2026, 8, 31), D(2026, 9, 1), D(2026, 9, 2)} <= {d.date for d in result.skipped}


@pytest.mark.django_db
def test_working_days_between(world):
    calendar = WorkingCalendar.for_council(world.council)
    assert calendar.working_days_between(TET_FRIDAY, D(2026, 2, 25)) == 3
    assert calendar.working_days_between(D(2026, 2, 23), D(2026, 2, 27)) == 4
    assert calendar.working_days_between(TET_FRIDAY, TET_FRIDAY) == 0


# --- the council's own days --------------------------------------------------------------------


@pytest.mark.django_db
def test_council_day_off_moves_the_due_date_by_one_working_day(world):
    before = WorkingCalendar.for_council(world.council).add_working_days(TET_FRIDAY, 3).due
    day_off(world.council, D(2026, 2, 24), reason="Nghỉ bù do tổ chức bầu cử")

    result = WorkingCalendar.for_council(world.council).add_working_days(TET_FRIDAY, 3)

    assert before == D(2026, 2, 25)
    assert result.due == D(2026, 2, 26)
    assert result.counted == [D(2026, 2, 23), D(2026, 2, 25), D(2026, 2, 26)]
    skipped = {d.date: d for d in result.skipped}
    assert skipped[D(2026, 2, 24)].source == "council"
    assert skipped[D(2026, 2, 24)].reason == "Nghỉ bù do tổ chức bầu cử"


@pytest.mark.django_db
def test_council_working_day_on_a_holiday_counts(world):
    working_day(world.council, D(2026, 2, 16), reason="Trực Tết")
    calendar = WorkingCalendar.for_council(world.council)

    assert calendar.is_working_day(D(2026, 2, 16))
    assert not calendar.is_working_day(D(2026, 2, 17))
    result = calendar.add_working_days(TET_FRIDAY, 3)
    assert result.counted == [D(2026, 2, 16), D(2026, 2, 23), D(2026, 2, 24)]
    assert result.due == D(2026, 2, 24)


@pytest.mark.django_db
def test_council_working_day_on_a_saturday_counts(world):
    working_day(world.council, D(2026, 2, 14), reason="Làm bù cho ngày 27/02")
    calendar = WorkingCalendar.for_council(world.council)

    assert calendar.is_working_day(D(2026, 2, 14))
    result = calendar.add_working_days(TET_FRIDAY, 1)
    assert result.due == D(2026, 2, 14)
    assert result.skipped == []


@pytest.mark.django_db
def test_commune_council_inherits_its_province_days(world):
    day_off(world.council, D(2026, 2, 23), reason="Tỉnh cho nghỉ thêm")

    commune = WorkingCalendar.for_council(world.commune_council)
    result = commune.add_working_days(TET_FRIDAY, 3)

    assert not commune.is_working_day(D(2026, 2, 23))
    assert result.due == D(2026, 2, 26)
    assert {d.date: d.source for d in result.skipped}[D(2026, 2, 23)] == "council"
    # Another province's days are not inherited.
    assert WorkingCalendar.for_council(world.other_council).add_working_days(TET_FRIDAY, 3).due == D(2026, 2, 25)


@pytest.mark.django_db
def test_commune_council_own_days_take_precedence_over_the_province(world):
    day_off(world.council, D(2026, 2, 23), reason="Tỉnh cho nghỉ thêm")
    working_day(world.commune_council, D(2026, 2, 23), reason="Xã vẫn làm việc")
    day_off(world.commune_council, D(2026, 2, 25), reason="Xã nghỉ")

    commune = WorkingCalendar.for_council(world.commune_council)
    province = WorkingCalendar.for_council(world.council)

    assert commune.is_working_day(D(2026, 2, 23))
    assert not commune.is_working_day(D(2026, 2, 25))
    assert commune.add_working_days(TET_FRIDAY, 3).due == D(2026, 2, 26)  # 23, 24, 26
    # The commune's own rows never change the province's calendar.
    assert not province.is_working_day(D(2026, 2, 23))
    assert province.is_working_day(D(2026, 2, 25))
    assert province.add_working_days(TET_FRIDAY, 3).due == D(2026, 2, 26)  # 24, 25, 26


# --- counting backwards and the year list ------------------------------------------------------


@pytest.mark.django_db
def test_negative_count_is_working_days_before(world):
    calendar = WorkingCalendar.for_council(world.council)
    result = calendar.add_working_days(D(2026, 2, 25), -3)

    assert result.due == TET_FRIDAY
    assert result.counted == [D(2026, 2, 24), D(2026, 2, 23), TET_FRIDAY]
    assert set(TET_DAYS) <= {d.date for d in result.skipped}
    explanation = result.explanation()
    assert "24, 23, 13" in explanation
    assert "13/02/2026" in explanation and "25/02/2026" in explanation
    assert explanation != calendar.add_working_days(TET_FRIDAY, 3).explanation()
    # Before a plain Monday: the Friday.
    assert calendar.add_working_days(D(2026, 3, 9), -1).due == D(2026, 3, 6)


@pytest.mark.django_db
def test_year_lists_holidays_council_days_and_make_up_days(world):
    day_off(world.council, D(2026, 6, 5), reason="Nghỉ tổng kết")
    working_day(world.council, D(2026, 12, 19), reason="Làm bù ngày 31/12")
    working_day(world.council, D(2026, 11, 24), reason="Vẫn làm việc ngày Văn hóa")

    off, extra = WorkingCalendar.for_council(world.council).year(2026)
    off_by_date = {d.date: d for d in off}
    extra_by_date = {d.date: d for d in extra}

    assert [d.date for d in off] == sorted(off_by_date)
    # National holidays, with their Vietnamese names.
    assert off_by_date[D(2026, 1, 1)].reason == "Tết Dương lịch"
    assert "Tết Nguyên Đán" in off_by_date[D(2026, 2, 17)].reason
    assert "Quốc khánh" in off_by_date[D(2026, 9, 2)].reason
    assert off_by_date[D(2026, 4, 30)].source == "national"
    assert set(TET_DAYS) <= set(off_by_date)
    assert D(2026, 8, 31) in off_by_date
    # Ordinary weekends are not listed.
    assert D(2026, 2, 14) not in off_by_date and D(2026, 3, 7) not in off_by_date
    # The council's own day off.
    assert off_by_date[D(2026, 6, 5)].source == "council"
    assert off_by_date[D(2026, 6, 5)].reason == "Nghỉ tổng kết"
    # A holiday the council works on is no longer off, and is listed as a working day.
    assert D(2026, 11, 24) not in off_by_date
    assert extra_by_date[D(2026, 11, 24)].source == "council"
    # Make-up days: the national make-up Saturday and the council's own.
    assert extra_by_date[D(2026, 8, 22)].source == "national"
    assert extra_by_date[D(2026, 12, 19)].source == "council"
    assert extra_by_date[D(2026, 12, 19)].reason == "Làm bù ngày 31/12"
    assert not set(off_by_date) & set(extra_by_date)


# --- the calendar page -------------------------------------------------------------------------


CALC = {"start": "2026-02-13", "days": "3", "year": "2026"}


@pytest.mark.django_db
def test_calendar_page_computes_the_due_date_for_office_staff(world, client_for):
    response = client_for(world.users["office"]).get(reverse("delegations:calendar"), CALC)

    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="calc-result"' in html
    assert "25/02/2026" in html.split('data-testid="calc-result"', 1)[1]
    assert response.context["result"].due == D(2026, 2, 25)
    assert response.context["council"] == world.council
    # The year table lists Tết.
    assert "17/02/2026" in html.split('data-testid="days-off"', 1)[1]


@pytest.mark.django_db
def test_calendar_page_without_start_shows_no_result(world, client_for):
    response = client_for(world.users["office"]).get(reverse("delegations:calendar"), {"year": "2026"})
    assert response.status_code == 200
    assert response.context["result"] is None
    html = response.content.decode()
    assert 'data-testid="calc-result"' not in html
    assert "25/02/2026" not in html


@pytest.mark.django_db
def test_calendar_page_uses_the_chosen_council_days(world, client_for):
    day_off(world.council, D(2026, 2, 24), reason="Nghỉ bù do tổ chức bầu cử")
    response = client_for(world.users["commune_office"]).get(reverse("delegations:calendar"), CALC)

    assert response.status_code == 200
    assert response.context["council"] == world.commune_council
    assert response.context["result"].due == D(2026, 2, 26)
    assert "26/02/2026" in response.content.decode()


@pytest.mark.django_db
def test_province_office_may_open_a_commune_calendar(world, client_for):
    response = client_for(world.users["office"]).get(
        reverse("delegations:calendar"), {**CALC, "council": world.commune_council.pk}
    )
    assert response.status_code == 200
    assert response.context["council"] == world.commune_council


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["standing", "group_leader", "delegate"])
def test_calendar_page_open_to_council_staff(world, client_for, role):
    response = client_for(world.users[role]).get(reverse("delegations:calendar"), CALC)
    assert response.status_code == 200
    assert response.context["result"].due == D(2026, 2, 25)


@pytest.mark.django_db
def test_calendar_page_refuses_agency(world, client_for):
    response = client_for(world.users["agency"]).get(reverse("delegations:calendar"), CALC)
    assert response.status_code == 403


@pytest.mark.django_db
def test_calendar_page_redirects_anonymous_to_login(world, client_for):
    response = client_for(None).get(reverse("delegations:calendar"), CALC)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.django_db
def test_calendar_page_hides_another_councils_calendar(world, client_for):
    other = client_for(world.users["other_council"]).get(
        reverse("delegations:calendar"), {**CALC, "council": world.council.pk}
    )
    assert other.status_code == 404
    office = client_for(world.users["office"]).get(
        reverse("delegations:calendar"), {**CALC, "council": world.other_council.pk}
    )
    assert office.status_code == 404
    # A commune's staff do not see the province's sibling councils either, nor the province itself.
    commune = client_for(world.users["commune_office"]).get(
        reverse("delegations:calendar"), {**CALC, "council": world.council.pk}
    )
    assert commune.status_code == 404
