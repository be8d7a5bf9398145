"""Petitions in from Excel: `petitions_import`, which reads an exported (and edited) sheet or a
group's own sheet back into a council, with `petitions_sheet_read` (the upload read, before the
transaction), the report, the per-row checks (existing and new petitions, classification and
status), the lookups of the council's fields, agencies, groups, communes and rounds by name, the
list and voter parsing, and the writes, which go through the services. Every row is checked first
and all are applied in one transaction, or none."""
import functools
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from delegations.models import Agency, Commune, DelegateGroup
from delegations.spreadsheets import SheetError, read_sheet, shown_value
from delegations.text import fold, legacy_problems
from plans.models import ContactRound

from .. import services
from ..models import EventKind, Petition, PetitionField, PetitionSource, PetitionStatus
from .columns import (
    LEVEL_LABELS,
    LEVEL_VALUES,
    PETITION_COLUMNS,
    PETITION_KINDS,
    STATUS_LABELS,
    STATUS_VALUES,
    SUMMARY_MAX,
    round_label,
)

# The cells of a sheet repeat (the same field, agency, group in thousands of rows): folded once each.
folded = functools.lru_cache(maxsize=16384)(fold)

@dataclass
class PetitionImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list = field(default_factory=list)  # (row number, [messages])
    changes: list = field(default_factory=list)  # (row number, code, [what changed]) once applied
    notes: list = field(default_factory=list)  # (row number, [what the reader did: merged cells filled…])

    @property
    def ok(self):
        return not self.errors


@dataclass
class _Planned:
    """One checked row: what it changes (nothing is written until every row is checked)."""

    number: int
    petition: Petition | None = None
    text: str = ""
    summary: str = ""
    fields: list = field(default_factory=list)
    level: str = ""
    agency: Agency | None = None
    round: ContactRound | None = None
    group: DelegateGroup | None = None
    commune: Commune | None = None
    voters: list = field(default_factory=list)
    close: bool = False
    received_on: object = None  # a new row's "Ngày nhận" (datetime.date), today when None
    changed: list = field(default_factory=list)  # labels of what changes
    touches: bool = False  # the row asks for any change, allowed or not


class _RowRefused(Exception):
    def __init__(self, number, messages):
        super().__init__(number, messages)
        self.number, self.messages = number, messages


class _Lookups:
    """The council's fields, agencies, groups, communes and rounds, keyed by folded name."""

    def __init__(self, council):
        self.fields = {folded(f.name): f for f in PetitionField.objects.filter(council=council)}
        self.agencies_by_name, self.agencies_by_short_name = {}, {}
        for agency in Agency.objects.filter(council=council):
            self.agencies_by_name[folded(agency.name)] = agency
            if agency.short_name:
                self.agencies_by_short_name.setdefault(folded(agency.short_name), []).append(agency)
        # Groups of the current term win over earlier terms' groups of the same name.
        self.groups = {folded(g.name): g for g in DelegateGroup.objects.filter(council=council)
                       .select_related("term").order_by("term__is_current", "term__start_year")}
        self.communes = {folded(c.name): c for c in Commune.objects.filter(Q(council=council) | Q(own_council=council))}
        self.rounds_by_id, self.rounds_by_label = {}, {}
        for rnd in ContactRound.objects.filter(plan__council=council):
            self.rounds_by_id[str(rnd.pk)] = rnd
            self.rounds_by_label.setdefault(folded(round_label(rnd)), []).append(rnd)

    def agency(self, value):
        """(agency, problem) for a cell naming an agency by its name or short name."""
        key = folded(value)
        if key in self.agencies_by_name:
            return self.agencies_by_name[key], None
        matches = self.agencies_by_short_name.get(key, [])
        if len(matches) == 1:
            return matches[0], None
        if matches:
            return None, _('"%(value)s" names more than one agency; write the full name') % {"value": shown_value(value)}
        return None, _('there is no agency "%(value)s" in this council') % {"value": shown_value(value)}

    def round(self, value):
        key = value.removesuffix(".0")
        if key in self.rounds_by_id:
            return self.rounds_by_id[key], None
        matches = self.rounds_by_label.get(folded(value), [])
        if len(matches) == 1:
            return matches[0], None
        if matches:
            return None, _('"%(value)s" matches more than one round; write the round number') % {"value": shown_value(value)}
        return None, _('there is no round "%(value)s" in this council') % {"value": shown_value(value)}


def split_list(value):
    return [part.strip() for part in re.split(r"[;\n]", value or "") if part.strip()]


PHONE = re.compile(r"^\+?[\d .]{6,}$")


def parse_voters(value):
    """Voters written "name – address – phone; …" (address and phone optional; a plain hyphen with
    spaces around it works too)."""
    voters = []
    for item in split_list(value):
        parts = [p.strip() for p in re.split(r"\s+[–—-]\s+", item) if p.strip()]
        voter = {"name": parts[0] if parts else "", "address": "", "phone": ""}
        rest = parts[1:]
        if rest and PHONE.match(rest[-1]):
            voter["phone"] = rest.pop().replace(" ", "").replace(".", "")
        voter["address"] = " – ".join(rest)
        voters.append(voter)
    return voters


def _check_classification(row, lookups, problems):
    """The field(s), level, agency and status a row asks for, with the problems found."""
    fields = []
    for name in split_list(row["fields"]):
        found = lookups.fields.get(folded(name))
        if found is None:
            problems.append(_('there is no field "%(value)s" in this council\'s list') % {"value": shown_value(name)})
        elif found not in fields:
            fields.append(found)
    level = ""
    if row["level"]:
        level = LEVEL_VALUES.get(folded(row["level"]))
        if level is None:
            problems.append(_('the level "%(value)s" is not "Xã", "Tỉnh" or "Trung ương"') % {"value": shown_value(row["level"])})
            level = ""
    agency = None
    if row["agency"]:
        agency, problem = lookups.agency(row["agency"])
        if problem:
            problems.append(problem)
    if agency is not None and level and agency.level != level:
        problems.append(_('%(agency)s answers petitions of level "%(agency_level)s", not "%(level)s"')
                        % {"agency": agency, "agency_level": LEVEL_LABELS[agency.level], "level": row["level"]})
    if agency is not None and not level:
        level = agency.level
    status = None
    if row["status"]:
        status = STATUS_VALUES.get(folded(row["status"]))
        if status is None:
            problems.append(_('the status "%(value)s" is not one of: %(choices)s')
                            % {"value": shown_value(row["status"]), "choices": ", ".join(STATUS_LABELS.values())})
    return fields, level, agency, status


def _check_open_status(status, complete, problems):
    """Before forwarding, the status follows the classification: "Đã phân loại" with field(s),
    level and agency, "Đã tiếp nhận" without."""
    if status in (None, PetitionStatus.RECEIVED, PetitionStatus.CLASSIFIED):
        if status == PetitionStatus.CLASSIFIED and not complete:
            problems.append(_('to be "%(status)s" a petition needs its field(s), level and agency')
                            % {"status": STATUS_LABELS[status]})
        elif status == PetitionStatus.RECEIVED and complete:
            problems.append(_('a petition with field(s), level and agency is "%(classified)s"; clear one of them '
                              'to leave it "%(received)s"') % {"classified": STATUS_LABELS[PetitionStatus.CLASSIFIED],
                                                               "received": STATUS_LABELS[PetitionStatus.RECEIVED]})
        return True
    return False


def _check_existing(number, row, petition, lookups, problems):
    fields, level, agency, status = _check_classification(row, lookups, problems)
    plan = _Planned(number=number, petition=petition, summary=row["summary"], fields=fields, level=level,
                    agency=agency)
    if len(row["summary"]) > SUMMARY_MAX:
        problems.append(_("the summary is longer than %(max)s characters") % {"max": SUMMARY_MAX})
    if problems:
        return plan
    current_fields = {f.pk for f in petition.fields.all()}
    classification = {f.pk for f in fields} != current_fields or level != petition.level or \
        (agency.pk if agency else None) != petition.agency_id
    if {f.pk for f in fields} != current_fields:
        plan.changed.append(_("fields"))
    if level != petition.level:
        plan.changed.append(_("level"))
    if (agency.pk if agency else None) != petition.agency_id:
        plan.changed.append(_("agency"))
    if plan.summary != petition.summary.strip():
        plan.changed.append(_("summary"))
    status_changes = status is not None and status != petition.status
    plan.touches = bool(plan.changed or status_changes)
    if not plan.touches:
        return plan  # the row says what the petition already is

    current = STATUS_LABELS.get(petition.status, petition.status)
    if petition.status in (PetitionStatus.RECEIVED, PetitionStatus.CLASSIFIED):
        if agency is not None and agency.pk != petition.agency_id and not agency.is_active:
            problems.append(_("%(agency)s no longer takes petitions") % {"agency": agency})
        complete = bool(fields and level and agency)
        if not _check_open_status(status, complete, problems):
            problems.append(_('an import cannot change the status from "%(old)s" to "%(new)s"')
                            % {"old": current, "new": STATUS_LABELS[status]})
        derived = PetitionStatus.CLASSIFIED if complete else PetitionStatus.RECEIVED
        if derived != petition.status:
            plan.changed.append(_("status"))
    else:
        if classification:
            problems.append(_('%(code)s is "%(status)s": its field(s), level and agency can no longer change')
                            % {"code": petition.public_code, "status": current})
        if status_changes:
            if petition.status == PetitionStatus.ANSWERED and status == PetitionStatus.CLOSED:
                plan.close = True
                plan.changed.append(_("status"))
            else:
                problems.append(_('an import cannot change the status from "%(old)s" to "%(new)s"')
                                % {"old": current, "new": STATUS_LABELS[status]})
    return plan


def _check_new(number, row, lookups, problems):
    fields, level, agency, status = _check_classification(row, lookups, problems)
    plan = _Planned(number=number, text=row["text"], summary=row["summary"], fields=fields, level=level,
                    agency=agency, voters=parse_voters(row["voters"]), received_on=row["received_on"])
    if not row["text"]:
        problems.append(_('a new petition (no code) needs its text in "%(column)s"')
                        % {"column": PETITION_COLUMNS["text"]})
    if len(row["summary"]) > SUMMARY_MAX:
        problems.append(_("the summary is longer than %(max)s characters") % {"max": SUMMARY_MAX})
    if agency is not None and not agency.is_active:
        problems.append(_("%(agency)s no longer takes petitions") % {"agency": agency})
    if not _check_open_status(status, bool(fields and level and agency), problems):
        problems.append(_('a new petition can only be "%(received)s" or "%(classified)s"')
                        % {"received": STATUS_LABELS[PetitionStatus.RECEIVED],
                           "classified": STATUS_LABELS[PetitionStatus.CLASSIFIED]})
    for key, finder in (("group", lookups.groups), ("commune", lookups.communes)):
        if row[key]:
            found = finder.get(folded(row[key]))
            if found is None:
                problems.append(_('there is no %(what)s "%(value)s" in this council')
                                % {"what": _("delegate group") if key == "group" else _("commune"), "value": shown_value(row[key])})
            setattr(plan, key, found)
    if row["round"]:
        plan.round, problem = lookups.round(row["round"])
        if problem:
            problems.append(problem)
    for voter in plan.voters:
        if len(voter["name"]) > 150 or len(voter["address"]) > 255 or len(voter["phone"]) > 30:
            problems.append(_('the voter "%(value)s" is too long; separate voters with ";"')
                            % {"value": voter["name"][:40]})
            break
    return plan


def _apply_existing(plan, user):
    petition = plan.petition
    fields_now = {f.pk for f in petition.fields.all()}
    wanted_fields = {f.pk for f in plan.fields}
    agency_id = plan.agency.pk if plan.agency else None
    # The services only set a classification; what the row empties is emptied here.
    clear = [name for name, gone in (("fields", fields_now and not wanted_fields),
                                     ("level", petition.level and not plan.level),
                                     ("agency", petition.agency_id and agency_id is None)) if gone]
    if clear:
        if "fields" in clear:
            petition.fields.clear()
        if "level" in clear:
            petition.level = ""
        if "agency" in clear:
            petition.agency = None
        petition.status = PetitionStatus.RECEIVED
        petition.save(update_fields=["level", "agency", "status"])
    to_set = {
        "fields": plan.fields if plan.fields and wanted_fields != fields_now else None,
        "level": plan.level if plan.level and plan.level != petition.level else None,
        "agency": plan.agency if plan.agency and agency_id != petition.agency_id else None,
    }
    if any(value for value in to_set.values()):
        services.petitions_classify(petitions=[petition], user=user, **to_set)
    if plan.summary != petition.summary.strip():
        petition.summary = plan.summary
        petition.save(update_fields=["summary"])
    if plan.close:
        services.petition_close(petition=petition, user=user, note=_("Closed by an Excel import"))


def petitions_sheet_read(upload, progress=None):
    """The rows of a petitions sheet (a SheetRows), or the SheetError saying why it cannot be read:
    what `petitions_import(sheet=…)` takes (the background task reads before its transaction)."""
    tell = progress or (lambda **counts: None)
    try:
        sheet = read_sheet(upload, PETITION_COLUMNS, PETITION_KINDS, progress=lambda n: tell(read=n))
    except SheetError as error:
        return error
    tell(read=len(sheet.rows))
    return sheet


def petitions_import(*, council, user, upload=None, sheet=None, progress=None):
    """Read a petitions sheet into `council`: a row with a code updates that petition's summary,
    field(s), level, agency and status (received ↔ classified, answered → closed); a row without a
    code is a new petition, received on its "Ngày nhận" (today when empty). Every row is checked
    first; if any is refused, nothing is written and each refused row is reported. A row that
    changes nothing writes nothing. `progress(read=…, checked=…, written=…)`, when given, is told
    the counts as the import goes (the background task shows them). `sheet`: the upload already read
    by `petitions_sheet_read`."""
    report = PetitionImportReport()
    tell = progress or (lambda **counts: None)
    if sheet is None:
        sheet = petitions_sheet_read(upload, progress)
    if isinstance(sheet, SheetError):
        report.errors.append((None, [str(sheet)]))
        return report
    rows = sheet.rows
    if not rows:
        report.errors.append((None, [_("The sheet has no data rows.")]))
        return report
    report.notes = sorted(sheet.notes.items())
    with transaction.atomic():
        planned = _check_rows(council, user, sheet, report, tell)
        if report.errors:
            return report
        try:
            with transaction.atomic():
                _apply_rows(council, user, planned, report, tell)
        except _RowRefused as refused:
            return PetitionImportReport(errors=[(refused.number, refused.messages)])
    report.changes.sort(key=lambda change: change[0])
    return report


def _check_rows(council, user, sheet, report, tell):
    rows = sheet.rows
    lookups = _Lookups(council)
    codes = {row["code"].strip().upper() for _number, row in rows if row["code"].strip()}
    existing = {p.public_code: p for p in Petition.objects.filter(council=council, public_code__in=codes)
                .select_for_update(of=("self",)).select_related("agency", "merged_into")
                .prefetch_related("fields")}
    # Rows of other councils the user reads (a province's sheet lists its communes' petitions): left
    # alone when unchanged, refused when changed; codes the user cannot read are simply unknown.
    elsewhere = {p.public_code: p for p in Petition.objects.for_user(user).exclude(council=council)
                 .filter(public_code__in=codes - set(existing)).select_related("agency", "council")
                 .prefetch_related("fields")}
    today = timezone.localdate()
    seen, planned, other_lookups = {}, [], {}
    for checked, (number, row) in enumerate(rows, start=1):
        problems = list(sheet.problems.get(number, ())) + legacy_problems(row, PETITION_COLUMNS)
        code = row["code"].strip().upper()
        if not code:
            plan = _check_new(number, row, lookups, problems)
            if row["received_on"] and row["received_on"] > today:
                problems.append(_("the date received %(date)s is after today") % {"date": f"{row['received_on']:%d/%m/%Y}"})
        elif code in seen:
            problems.append(_("the petition %(code)s is already in row %(row)s") % {"code": code, "row": seen[code]})
        elif code in elsewhere:
            other = elsewhere[code]
            if other.council_id not in other_lookups:
                other_lookups[other.council_id] = _Lookups(other.council)
            plan = _check_existing(number, row, other, other_lookups[other.council_id], its_problems := [])
            if its_problems or plan.touches:
                problems.append(_("%(code)s belongs to %(council)s; only its office can change it")
                                % {"code": code, "council": other.council})
            plan.changed, plan.close = [], False
        elif code not in existing:
            problems.append(_("there is no petition %(code)s in this council") % {"code": shown_value(row["code"])})
        elif existing[code].merged_into_id:
            problems.append(_("%(code)s is merged into %(main)s; edit the main petition's row")
                            % {"code": code, "main": existing[code].merged_into})
        else:
            plan = _check_existing(number, row, existing[code], lookups, problems)
        if code:
            seen.setdefault(code, number)
        if problems:
            report.errors.append((number, problems))
        else:
            planned.append(plan)
        if checked % 200 == 0:
            tell(checked=checked)
    tell(checked=len(rows))
    return planned


def _import_note(number, changes):
    return _("row %(row)s: %(changes)s") % {"row": number, "changes": ", ".join(str(c) for c in changes)}


def _apply_rows(council, user, planned, report, tell):
    """Apply the checked rows: the existing petitions one by one through the services, then the new
    ones at once (services.petitions_create_many)."""
    written = 0
    new = []
    for plan in planned:
        if plan.petition is None:
            new.append(plan)
            continue
        if not plan.changed:
            report.unchanged += 1
            continue
        try:
            _apply_existing(plan, user)
            services.event_add(plan.petition, EventKind.IMPORTED, user, _import_note(plan.number, plan.changed))
        except ValidationError as error:
            raise _RowRefused(plan.number, error.messages) from error
        report.updated += 1
        report.changes.append((plan.number, plan.petition.public_code, plan.changed))
        written += 1
        if written % 50 == 0:
            tell(written=written)
    if new:
        label = _("new petition")
        items = [{"number": plan.number, "text": plan.text, "summary": plan.summary, "round": plan.round,
                  "group": plan.group, "commune": plan.commune, "fields": plan.fields, "level": plan.level,
                  "agency": plan.agency, "voters": plan.voters, "received_on": plan.received_on} for plan in new]
        try:
            created = services.petitions_create_many(
                council=council, user=user, items=items, source=PetitionSource.WRITING,
                note=lambda item: _import_note(item["number"], [label]),
                progress=lambda count: tell(written=written + count))
        except ValidationError as error:
            raise _RowRefused(None, error.messages) from error
        for plan, petition in zip(new, created, strict=True):
            plan.petition = petition
            report.created += 1
            report.changes.append((plan.number, petition.public_code, [label]))
    tell(written=written + len(new))
