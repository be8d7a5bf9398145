"""The pieces both report builders (build.py) share: the words of the outcomes and the levels and the
order they are printed in, the formatting of dates, shares and sentences, the labels of a sitting and
a round, the count tables, the official document's frame (`base_document`), the containers of what a
report prints (`Sheet`, `Built`), and the files written from a built report (PDF, Word, the Excel
workbook) that the rendering (the package's `report_render`) stores."""
import re
from collections import defaultdict
from dataclasses import dataclass, field

from django.utils import timezone

from delegations.models import AgencyLevel, CouncilLevel
from delegations.spreadsheets import TEXT, Column, sheet_write, workbook_new, workbook_save
from documents import Block, OfficialDocument, Signature
from plans.models import RoundKind

from ..models import AnswerOutcome, Petition, Report, ReportKind

NOT_ANSWERED = "not_answered"
OUTCOME_LABELS = {
    AnswerOutcome.RESOLVED: "Đã giải quyết xong",
    AnswerOutcome.IN_PROGRESS: "Đang giải quyết",
    AnswerOutcome.EXPLAINED: "Đã giải trình, cung cấp thông tin",
    NOT_ANSWERED: "Chưa trả lời",
}
OUTCOME_ORDER = [AnswerOutcome.RESOLVED, AnswerOutcome.IN_PROGRESS, AnswerOutcome.EXPLAINED, NOT_ANSWERED]
# Central level first, then the local levels (province, then commune), then those not classified yet.
LEVEL_ORDER = [AgencyLevel.CENTRAL, AgencyLevel.PROVINCE, AgencyLevel.COMMUNE, ""]
LEVEL_NAMES = {AgencyLevel.CENTRAL: "Trung ương", AgencyLevel.PROVINCE: "cấp tỉnh", AgencyLevel.COMMUNE: "cấp xã",
               "": "chưa xác định"}
NO_GROUP = "Không thuộc Tổ đại biểu"
NO_FIELD = "Chưa phân loại lĩnh vực"
ANSWER_EXCERPT = 400


# ------------------------------------------------------------------------------------ formatting

def date(value):
    return value.strftime("%d/%m/%Y") if value else ""


def _share(count, total):
    """ "37,5%": a share with the Vietnamese decimal comma."""
    if not total:
        return "0%"
    return f"{count * 100 / total:.1f}".replace(".", ",") + "%"


def natural(text):
    """Sort key that puts "Tổ số 2" before "Tổ số 10"."""
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", text or "")]


def excerpt(text, limit=ANSWER_EXCERPT):
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + " …"


def sentence(row):
    """A petition as printed: its summary, else what was said, without the closing full stop (the
    details follow in brackets)."""
    return (row["summary"] or row["text"]).strip().rstrip(" .;")


def level_word(council):
    return "tỉnh" if council.level == CouncilLevel.PROVINCE else "xã"


def sitting_label(sitting):
    label = f"kỳ họp thứ {sitting.number}"
    if sitting.term_id:
        label += f", {sitting.council.name} {sitting.term.name[:1].lower()}{sitting.term.name[1:]}"
    return label


def round_label(rnd):
    """ "trước kỳ họp thứ 5, HĐND tỉnh Bắc Ninh khóa XX", or a thematic round's topic and dates."""
    dates = f"từ ngày {date(rnd.starts_on)} đến ngày {date(rnd.ends_on)}"
    if rnd.sitting_id and rnd.kind in (RoundKind.BEFORE_SITTING, RoundKind.AFTER_SITTING):
        when = "trước" if rnd.kind == RoundKind.BEFORE_SITTING else "sau"
        return f"{when} {sitting_label(rnd.sitting)}", dates
    if rnd.kind == RoundKind.THEMATIC:
        topic = f" chuyên đề “{rnd.topic}”" if rnd.topic else " chuyên đề"
        return f"đợt tiếp xúc cử tri{topic}", dates
    return f"đợt tiếp xúc cử tri {dates}", ""


# ------------------------------------------------------------------------------------ the content

@dataclass
class Sheet:
    """A sheet of a report's workbook: its header, rows (dates as dates, counts and ratios as
    numbers), widths and the kind of each column (delegations.spreadsheets: TEXT, LONG, DATE, INTEGER,
    PERCENT; TEXT when not given)."""

    title: str
    header: list
    rows: list
    widths: list = field(default_factory=list)
    kinds: list = field(default_factory=list)


@dataclass
class Built:
    """What a report prints: the official document, and the sheets of its workbook."""

    document: OfficialDocument
    sheets: list
    petition_count: int


def fields_by_petition(petitions):
    """{petition id: [(order, name), …]} for the petitions of a queryset, in one query."""
    through = Petition.fields.through
    fields = defaultdict(list)
    links = (through.objects.filter(petition__in=petitions)
             .values_list("petition_id", "petitionfield__order", "petitionfield__name")
             .order_by("petitionfield__order", "petitionfield__name"))
    for petition_id, order, name in links.iterator(chunk_size=5000):
        fields[petition_id].append((order, name))
    return fields


def table(caption, header, rows, widths):
    return Block("table", caption, rows=[header, *rows], widths=widths)


def count_rows(counter, total, labels, with_total=True):
    """STT | label | count | share rows, in the order of `labels`, then the total row."""
    rows = [[str(index), label, str(counter.get(key, 0)), _share(counter.get(key, 0), total)]
            for index, (key, label) in enumerate(labels, start=1)]
    if with_total:
        rows.append(["", "Tổng cộng", str(total), _share(total, total) if total else "0%"])
    return rows


COUNT_WIDTHS = [10, 56, 17, 17]


def base_document(report, subject_lines, blocks, preamble=()):
    council = report.council
    intended = report.intended_on or timezone.localdate()   # a draft prints the month it is meant for
    issued = report.number is not None and report.issued_on is not None
    signing = [line.strip() for line in report.signing_lines.splitlines() if line.strip()]
    recipients = [line.strip().lstrip("-").strip() for line in report.recipients.splitlines() if line.strip()]
    return OfficialDocument(
        issuer_lines=council.issuing_body,
        type_code=Report.TYPE_CODE,
        symbol=council.symbol_for(report.document_symbol),
        title="BÁO CÁO",
        subject_lines=subject_lines,
        place=council.place_name,
        number=report.number if issued else None,
        date=report.issued_on if issued else None,
        draft_month=intended.month,
        draft_year=intended.year,
        preamble=list(preamble),
        blocks=blocks,
        recipients=recipients,
        signature=Signature(signing, report.signer_name),
    )


# ------------------------------------------------------------------------------------- the files

def workbook_bytes(sheets):
    """The sheets as an .xlsx file, written as every workbook of the product
    (delegations.spreadsheets.sheet_write: real dates, numbers with formats, frozen header row,
    auto-filter, wrapped long texts, A4 landscape print set-up)."""
    workbook = workbook_new()
    for sheet in sheets:
        kinds = sheet.kinds or [TEXT] * len(sheet.header)
        widths = sheet.widths or [None] * len(sheet.header)
        sheet_write(workbook, sheet.title, [Column(title, kind, width) for title, kind, width
                                            in zip(sheet.header, kinds, widths, strict=True)], sheet.rows)
    return workbook_save(workbook)


def render_files(built):
    """{"pdf": bytes, "docx": bytes, "xlsx": bytes} of a built report."""
    from documents import render_docx, render_pdf

    return {"pdf": render_pdf(built.document), "docx": render_docx(built.document),
            "xlsx": workbook_bytes(built.sheets)}


def file_stem(report):
    """ "BC-02-2026-tong-hop-kien-nghi": the number and the year of issue; a draft "BC-du-thao-…"."""
    from documents import file_stem as document_stem

    kind = "tong-hop-kien-nghi" if report.kind == ReportKind.ROUND else "ket-qua-giai-quyet"
    return document_stem(Report.TYPE_CODE, report.number, report.issued_on, draft_key=report.pk,
                         intended_on=report.intended_on) + f"-{kind}"
