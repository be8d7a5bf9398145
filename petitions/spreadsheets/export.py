"""Petitions out to Excel: the councils a user may export, the rows read for the sheet (voters
only as the one rule allows), each petition's cells, the formatted columns, the export workbook
and the empty import template a group fills in."""
from django.db.models import Q
from django.utils import timezone

from delegations.models import OVERSIGHT_ROLES, Council, Membership
from delegations.spreadsheets import (
    LONG,
    TEXT,
    Column,
    sheet_write,
    template_workbook,
    workbook_new,
    workbook_save,
)

from ..models import PetitionStatus
from .columns import (
    COLUMN_WIDTHS,
    LEVEL_LABELS,
    LIST_SEPARATOR,
    PETITION_COLUMNS,
    PETITION_KINDS,
    STATUS_LABELS,
    VOTER_SEPARATOR,
    round_label,
)


def export_councils(user):
    """The councils whose petition rows a user may download: those where they are office staff or on
    the standing committee, and the commune councils those oversee (exporting is an oversight task;
    group leaders, delegates and agencies never export). Which rows' voters are written is not
    decided here but by the one rule (export_queryset)."""
    if user.is_superuser:
        return Council.objects.all()
    staff = Membership.objects.filter(user=user, is_active=True, role__in=OVERSIGHT_ROLES).values("council_id")
    return Council.objects.filter(Q(pk__in=staff) | Q(parent_id__in=staff))


def export_queryset(petitions, *, user):
    """What the sheet reads, in a fixed number of queries whatever the number of rows; each row's
    voters are only those `user` may see (petitions.privacy.with_visible_voters: the one rule), so a
    row whose voters are not theirs has an empty voters column."""
    from ..privacy import with_visible_voters
    return with_visible_voters(petitions.select_related("round", "group", "commune", "agency"), user=user) \
        .prefetch_related("fields").order_by("-created_at", "-pk")


def voter_label(voter):
    return VOTER_SEPARATOR.join(part for part in (voter.name, voter.address, voter.phone) if part)


def petition_row(petition):
    """One petition's cells, in the order of PETITION_COLUMNS."""
    values = {
        "code": petition.public_code or "",
        "received_on": timezone.localtime(petition.created_at).date() if petition.created_at else None,
        "round": round_label(petition.round) if petition.round_id else "",
        "group": petition.group.name if petition.group_id else "",
        "commune": petition.commune.name if petition.commune_id else "",
        "text": petition.text,
        "summary": petition.summary,
        "fields": LIST_SEPARATOR.join(f.name for f in petition.fields.all()),
        "level": LEVEL_LABELS.get(petition.level, ""),
        "agency": petition.agency.name if petition.agency_id else "",
        "status": STATUS_LABELS.get(petition.status, petition.status),
        "voters": LIST_SEPARATOR.join(voter_label(v) for v in petition.voters.all()),
        "answer_due_on": petition.answer_due_on,
    }
    return [values[key] for key in PETITION_COLUMNS]


def export_columns():
    """The export's and the template's columns, formatted (delegations.spreadsheets.Column)."""
    return [Column(title, PETITION_KINDS.get(key, LONG if COLUMN_WIDTHS[key] >= 40 else TEXT), COLUMN_WIDTHS[key])
            for key, title in PETITION_COLUMNS.items()]


def export_workbook(petitions, file, *, user, shown=None):
    """Write the petitions to `file` as an .xlsx sheet (a write-only workbook: rows go straight to
    the file, whatever their number), formatted as every workbook of the product
    (delegations.spreadsheets.sheet_write): dates as real dates shown dd/mm/yyyy, a frozen header
    row with an auto-filter, long texts wrapped, A4 landscape print set-up.
    Voters only as the rule allows `user` (export_queryset); the voters written are counted into
    `shown` (a petitions.privacy.VotersShown) for the access log."""
    def rows():
        for petition in export_queryset(petitions, user=user).iterator(chunk_size=2000):
            if shown is not None:
                shown.add(petition, len(petition.voters.all()))
            yield petition_row(petition)

    workbook = workbook_new()
    sheet_write(workbook, "Kiến nghị", export_columns(), rows())
    workbook_save(workbook, file)
    return file


def import_template():
    """The empty sheet a group fills in: the header row, drop-down lists for level and status, text
    columns formatted as Text and the date columns as dates."""
    return template_workbook(PETITION_COLUMNS, [], {
        "level": list(LEVEL_LABELS.values()),
        "status": [STATUS_LABELS[PetitionStatus.RECEIVED], STATUS_LABELS[PetitionStatus.CLASSIFIED]],
    }, PETITION_KINDS)
