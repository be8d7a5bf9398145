"""The document number register of a council (per type and year, from 01): the next number, a typed
number checked, and a number taken under the council's lock with its date kept in order."""
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils.translation import gettext as _

from delegations.models import Council

from ..models import DocumentNumber
from .common import PlanError


def document_number_next(*, council, year, type_code):
    """The number the register would give next (01 the first of a year), read only: nothing is
    taken. Confirmations show it ("Số 03/KH-HĐND sẽ được cấp"); `document_number_take` takes it
    under the council's lock, so the number shown is the one taken unless someone issues meanwhile."""
    taken = DocumentNumber.objects.filter(council=council, year=year, type_code=type_code)
    return (taken.aggregate(top=Max("number"))["top"] or 0) + 1


def document_number_used(*, council, year, type_code, number):
    """Whether a typed number is already taken in the register that year (read only)."""
    return DocumentNumber.objects.filter(council=council, year=year, type_code=type_code, number=number).exists()


def document_number_text(*, council, number, type_code, symbol=""):
    """ "03/KH-HĐND": a number as a document's number line prints it (with the symbol chosen for the
    document, else the council's first), without "Số: "."""
    from documents import format_number

    return format_number(number, type_code, council.symbol_for(symbol)).removeprefix("Số: ")


def document_number_take(*, council, year=None, type_code, number=None, dated=None, confirm_order=False):
    """The next number of a council's register for a type and year (from 01 each year), or the
    number typed from an outside register, refused if already used that year. Two issues at the
    same instant are serialised on the council's row; the unique constraint is the last guard.

    `dated` is the date the document bears (its year is the register's year): dates never go backwards
    against the numbers of a register (a number dated before a smaller one, or after a larger one) unless
    the office confirms it (`confirm_order`), after being told which number is dated otherwise."""
    Council.objects.select_for_update().filter(pk=council.pk).first()
    year = dated.year if dated is not None else year
    taken = DocumentNumber.objects.filter(council=council, year=year, type_code=type_code)
    if number is None:
        number = document_number_next(council=council, year=year, type_code=type_code)
    elif number < 1:
        raise PlanError(_("A document number starts at 1."))
    elif taken.filter(number=number).exists():
        raise PlanError(_("Number %(number)02d/%(type)s is already used in %(year)s.")
                        % {"number": number, "type": type_code, "year": year})
    if dated is not None and not confirm_order:
        clash = (taken.filter(Q(number__lt=number, dated__gt=dated) | Q(number__gt=number, dated__lt=dated))
                 .order_by("number").first())
        if clash is not None:
            raise PlanError(_("Number %(other)02d/%(type)s of %(year)s is dated %(other_date)s, so number "
                              "%(number)02d dated %(date)s would put the register's dates out of order. Check the "
                              "date, or confirm to issue it anyway.") % {
                "other": clash.number, "type": type_code, "year": year, "number": number,
                "other_date": clash.dated.strftime("%d/%m/%Y"), "date": dated.strftime("%d/%m/%Y")},
                code=DATE_ORDER)
    try:
        with transaction.atomic():
            DocumentNumber.objects.create(council=council, year=year, type_code=type_code, number=number, dated=dated)
    except IntegrityError as error:
        raise PlanError(_("Number %(number)02d/%(type)s is already used in %(year)s.")
                        % {"number": number, "type": type_code, "year": year}) from error
    return number


# The code of the refusal above: the page then offers to confirm.
DATE_ORDER = "date_order"
