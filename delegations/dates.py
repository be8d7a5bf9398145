"""The one rule for how far a date typed by a user may reach, and the form fields that apply it.

Every date or date-time a user gives (in a form or in the URL) lies between 01/01/2000 and ten
years after today: an issue date of 31/12/9999 would take number 01 of the year 9999, a meeting
planned in 1900 is a typing error. A date an agency promises to resolve a petition by, and the
new date it asks for in an extension, are further bounded by PROMISED_DATE_MAX_DAYS (settings,
default 730 days) after today, so that no petition escapes its clock by a far promise
(Resolution 753/2005/NQ-UBTVQH11 asks agencies for a definite date).

Forms use SensibleDateField / SensibleDateTimeField / PromisedDateField (ModelForms through
Meta.field_classes); services that take a date call validate_date_in_range or
validate_promised_date too, so that no caller can bypass the rule.
"""
import datetime

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

EARLIEST = datetime.date(2000, 1, 1)
YEARS_AHEAD = 10


def latest_date(today=None):
    """The last date a user may give: the same day ten years after today (28/02 for 29/02)."""
    today = today or timezone.localdate()
    try:
        return today.replace(year=today.year + YEARS_AHEAD)
    except ValueError:  # 29 February
        return today.replace(year=today.year + YEARS_AHEAD, day=28)


def promised_latest(today=None):
    """The last date an agency may promise or ask for: PROMISED_DATE_MAX_DAYS days after today."""
    today = today or timezone.localdate()
    return today + datetime.timedelta(days=settings.PROMISED_DATE_MAX_DAYS)


def _as_date(value):
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def validate_date_in_range(value):
    """ValidationError (code "date_range") unless `value` (a date or datetime) lies between
    01/01/2000 and ten years after today."""
    if value is None:
        return
    day = _as_date(value)
    first, last = EARLIEST, latest_date()
    if not first <= day <= last:
        raise ValidationError(
            _("Give a date between %(first)s and %(last)s."), code="date_range",
            params={"first": first.strftime("%d/%m/%Y"), "last": last.strftime("%d/%m/%Y")})


def validate_promised_date(value):
    """ValidationError (code "promised_range") if a promised or extension date lies more than
    PROMISED_DATE_MAX_DAYS after today (or outside the general range)."""
    if value is None:
        return
    validate_date_in_range(value)
    last = promised_latest()
    if _as_date(value) > last:
        raise ValidationError(
            _("A promised date can be at most %(days)s days ahead (until %(last)s)."), code="promised_range",
            params={"days": settings.PROMISED_DATE_MAX_DAYS, "last": last.strftime("%d/%m/%Y")})


class _RangeMixin:
    range_validator = staticmethod(validate_date_in_range)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.validators.append(self.range_validator)

    def to_python(self, value):
        # A year beyond 9999 or a day that does not exist is an invalid date, never an error page.
        try:
            return super().to_python(value)
        except (OverflowError, ValueError) as error:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from error


class SensibleDateField(_RangeMixin, forms.DateField):
    """A date between 01/01/2000 and ten years ahead."""


class SensibleDateTimeField(_RangeMixin, forms.DateTimeField):
    """A date and time whose day lies between 01/01/2000 and ten years ahead."""


class PromisedDateField(SensibleDateField):
    """A date an agency promises or asks for: at most PROMISED_DATE_MAX_DAYS ahead."""

    range_validator = staticmethod(validate_promised_date)
