"""The one date-range rule (delegations/dates.py) every form and the services use (issue 10,
finding 10): 01/01/2000 to ten years ahead; promised and extension dates at most
PROMISED_DATE_MAX_DAYS ahead."""
import datetime

import pytest
from django.core.exceptions import ValidationError

from delegations.dates import (
    PromisedDateField,
    SensibleDateField,
    SensibleDateTimeField,
    latest_date,
    promised_latest,
    validate_date_in_range,
    validate_promised_date,
)

D = datetime.date


@pytest.fixture
def today(time_machine):
    time_machine.move_to(datetime.datetime(2026, 11, 30, 9, 0))
    return D(2026, 11, 30)


def test_the_range_is_2000_to_ten_years_ahead(today):
    assert latest_date() == D(2036, 11, 30)
    validate_date_in_range(D(2000, 1, 1))
    validate_date_in_range(D(2036, 11, 30))
    for far in (D(1999, 12, 31), D(2036, 12, 1), D(9999, 12, 31), D(1, 1, 1)):
        with pytest.raises(ValidationError) as refused:
            validate_date_in_range(far)
        assert refused.value.code == "date_range"


def test_the_tenth_anniversary_of_29_february_is_28_february():
    assert latest_date(D(2028, 2, 29)) == D(2038, 2, 28)


def test_promised_dates_are_bounded_by_the_setting(today, settings):
    assert settings.PROMISED_DATE_MAX_DAYS == 730
    assert promised_latest() == D(2028, 11, 29)
    validate_promised_date(D(2028, 11, 29))
    with pytest.raises(ValidationError) as refused:
        validate_promised_date(D(2028, 11, 30))
    assert refused.value.code == "promised_range"
    settings.PROMISED_DATE_MAX_DAYS = 30
    with pytest.raises(ValidationError):
        validate_promised_date(D(2027, 1, 1))


@pytest.mark.parametrize("value", ["9999-12-31", "31/12/9999", "10000-01-01", "2026-02-30", "1999-12-31", "abc",
                                   "99999999999999999999"])
def test_the_form_fields_refuse_far_and_impossible_dates_without_an_error_page(today, value):
    for field in (SensibleDateField(), PromisedDateField(), SensibleDateTimeField()):
        with pytest.raises(ValidationError):
            field.clean(value)


def test_the_form_fields_accept_an_ordinary_date(today):
    assert SensibleDateField().clean("2026-12-15") == D(2026, 12, 15)
    assert PromisedDateField().clean("2027-06-30") == D(2027, 6, 30)
    assert SensibleDateTimeField().clean("2026-12-15 08:00").date() == D(2026, 12, 15)
