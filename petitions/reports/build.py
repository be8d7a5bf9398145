"""How a report is built: its figures and tables read in a fixed number of queries, described once as an
`OfficialDocument` (the renderer in `documents`), with the Excel workbook beside it. The labels, helpers
and containers both builders share are in parts.py."""
import datetime
import logging
from collections import Counter, defaultdict

from django.db.models import BooleanField, Count, ExpressionWrapper, OuterRef, Q, Subquery, Sum
from django.utils import timezone

from delegations.models import AgencyLevel, CouncilLevel
from delegations.spreadsheets import (
    DATE,
    INTEGER,
    LONG,
    PERCENT,
    TEXT,
)
from documents import Block
from plans.models import Sitting
from sessions.models import ContactSession, held_q

from ..models import (
    Answer,
    AnswerOutcome,
    Petition,
    PetitionStatus,
    ReportKind,
    overdue_q,
)
from ..spreadsheets import LEVEL_LABELS, LIST_SEPARATOR, STATUS_LABELS
from .parts import (
    COUNT_WIDTHS,
    LEVEL_ORDER,
    NO_FIELD,
    NO_GROUP,
    NOT_ANSWERED,
    OUTCOME_LABELS,
    OUTCOME_ORDER,
    Built,
    Sheet,
    base_document,
    count_rows,
    date,
    excerpt,
    fields_by_petition,
    file_stem,  # noqa: F401 - read through this module too (petitions.reports)
    level_word,
    natural,
    render_files,  # noqa: F401 - read through this module too (petitions.reports)
    round_label,
    sentence,
    sitting_label,
    table,
    workbook_bytes,  # noqa: F401 - read through this module too (petitions.reports, tests)
)

logger = logging.getLogger(__name__)


# ------------------------------------------------------------------------------------ formatting

def default_recipients(council):
    """The usual distribution list of a council's report on voter petitions."""
    word = level_word(council)
    party = "Thường trực Tỉnh ủy" if council.level == CouncilLevel.PROVINCE else "Thường trực Đảng ủy xã"
    return "\n".join([f"{party};", f"UBND {word};", f"Ủy ban MTTQ Việt Nam {word};", f"Các Ban của HĐND {word};",
                      f"Các Tổ đại biểu HĐND {word};", f"Đại biểu HĐND {word};", "Lưu: VT."])


# ------------------------------------------------------------------------------------ the content

def round_meetings(*, council_id, round_id):
    """The round's meetings held and planned (a cancelled meeting is not planned), and the voters
    present at those held: the same definitions as the meeting list and the dashboard
    (sessions.models)."""
    counts = ContactSession.objects.progress_counts()
    return ContactSession.objects.filter(council_id=council_id, round_id=round_id).aggregate(
        held=counts["held"], planned=counts["planned"], voters=Sum("voters_present", filter=held_q()))


def build_round_report(report):
    """The consolidated report of a round: I. overview, II. counts by field, level and group,
    III. the petitions, central level first, then local (province, then commune)."""
    council, rnd = report.council, report.round
    everything = Petition.objects.filter(council_id=council.pk, round_id=rnd.pk)
    main = everything.main()
    totals = everything.aggregate(received=Count("pk"), merged=Count("pk", filter=Q(merged_into__isnull=False)))
    meetings = round_meetings(council_id=council.pk, round_id=rnd.pk)
    fields = fields_by_petition(main)
    rows = list(main.values("pk", "public_code", "summary", "text", "level", "voter_count", "meeting_count",
                            "status", "group_id", "group__name", "commune__name", "agency__name")
                .order_by("pk").iterator(chunk_size=5000))
    level_rank = {level: index for index, level in enumerate(LEVEL_ORDER)}

    def order(row):
        first = fields[row["pk"]][0] if fields[row["pk"]] else (1 << 30, "")
        return level_rank.get(row["level"], len(LEVEL_ORDER)), first, row["pk"]

    rows.sort(key=order)
    total = len(rows)

    by_field = Counter(name for row in rows for _order, name in fields[row["pk"]])
    unfielded = sum(1 for row in rows if not fields[row["pk"]])
    field_names = sorted({(o, n) for row in rows for o, n in fields[row["pk"]]})
    field_labels = [(name, name) for _order, name in field_names]
    if unfielded:
        by_field[NO_FIELD] = unfielded
        field_labels.append((NO_FIELD, NO_FIELD))
    by_level = Counter(row["level"] or "" for row in rows)
    level_labels = [(level, LEVEL_LABELS.get(level, "Chưa xác định")) for level in LEVEL_ORDER
                    if level or by_level.get("")]
    by_group = Counter(row["group__name"] or NO_GROUP for row in rows)
    group_labels = [(name, name) for name in sorted(by_group, key=lambda n: (n == NO_GROUP, natural(n)))]

    label, dates = round_label(rnd)
    subject = ["Tổng hợp ý kiến, kiến nghị cử tri", label]
    preamble = []
    plan = rnd.plan
    if plan.number and plan.issued_on:
        preamble.append(f"Thực hiện Kế hoạch số {plan.number:02d}/KH-{council.symbol_for(plan.document_symbol)} ngày "
                        f"{date(plan.issued_on)} về tổ chức tiếp xúc cử tri, Thường trực HĐND {level_word(council)} "
                        f"báo cáo tổng hợp ý kiến, kiến nghị cử tri {label} như sau:")
    else:
        preamble.append(f"Thường trực HĐND {level_word(council)} báo cáo tổng hợp ý kiến, kiến nghị cử tri "
                        f"{label} như sau:")

    voters = meetings["voters"]
    blocks = [
        Block("part", "I. TÌNH HÌNH TỔ CHỨC TIẾP XÚC CỬ TRI"),
        Block("paragraph", f"Đợt tiếp xúc cử tri {label}" + (f" ({dates})" if dates else "")
              + f": các Tổ đại biểu đã tổ chức {meetings['held']} hội nghị tiếp xúc cử tri"
              + (f" (theo lịch: {meetings['planned']} hội nghị)" if meetings["planned"] != meetings["held"] else "")
              + (f", với {voters} lượt cử tri tham dự." if voters is not None else ".")),
        Block("paragraph", f"Số hội nghị đã tổ chức: {meetings['held']}.", lead="-"),
        Block("paragraph", f"Số lượt cử tri tham dự: {voters if voters is not None else 0}.", lead="-"),
        Block("paragraph", f"Số ý kiến, kiến nghị đã tiếp nhận: {totals['received']}.", lead="-"),
        Block("paragraph", f"Số kiến nghị trùng lặp đã hợp nhất: {totals['merged']}.", lead="-"),
        Block("paragraph", f"Số kiến nghị sau tổng hợp: {total}.", lead="-"),
        Block("part", "II. PHÂN LOẠI Ý KIẾN, KIẾN NGHỊ CỬ TRI"),
        table("1. Theo lĩnh vực", ["STT", "Lĩnh vực", "Số kiến nghị", "Tỷ lệ"],
              count_rows(by_field, total, field_labels, with_total=False), COUNT_WIDTHS),
    ]
    if any(len(fields[row["pk"]]) > 1 for row in rows):
        blocks.append(Block("paragraph", "Một kiến nghị liên quan nhiều lĩnh vực được tính ở mỗi lĩnh vực."))
    blocks += [
        table("2. Theo thẩm quyền giải quyết", ["STT", "Thẩm quyền", "Số kiến nghị", "Tỷ lệ"],
              count_rows(by_level, total, level_labels), COUNT_WIDTHS),
        table("3. Theo Tổ đại biểu", ["STT", "Tổ đại biểu", "Số kiến nghị", "Tỷ lệ"],
              count_rows(by_group, total, group_labels), COUNT_WIDTHS),
        Block("part", "III. NỘI DUNG Ý KIẾN, KIẾN NGHỊ CỬ TRI"),
    ]

    sheet_rows = []
    number = 0

    def listing(level_rows):
        nonlocal number
        out = []
        for row in level_rows:
            number += 1
            names = [name for _order, name in fields[row["pk"]]]
            details = [row["group__name"] or NO_GROUP,
                       f"{row['voter_count']} cử tri, {row['meeting_count']} hội nghị",
                       "lĩnh vực: " + (", ".join(names) if names else "chưa phân loại"),
                       "cơ quan giải quyết: " + (row["agency__name"] or "chưa xác định")]
            out.append(Block("paragraph", f"{sentence(row)} ({'; '.join(details)}).", lead=f"{number}."))
            sheet_rows.append([number, row["public_code"] or "", row["group__name"] or "", row["commune__name"] or "",
                               LIST_SEPARATOR.join(names), LEVEL_LABELS.get(row["level"], ""),
                               row["agency__name"] or "", row["summary"], row["text"], row["voter_count"],
                               row["meeting_count"], STATUS_LABELS.get(row["status"], row["status"])])
        return out

    grouped = defaultdict(list)
    for row in rows:
        grouped[row["level"] or ""].append(row)
    central, province, commune = (grouped[AgencyLevel.CENTRAL], grouped[AgencyLevel.PROVINCE],
                                  grouped[AgencyLevel.COMMUNE])
    blocks.append(Block("section", f"1. Kiến nghị thuộc thẩm quyền Trung ương ({len(central)} kiến nghị)"))
    blocks += listing(central) or [Block("paragraph", "Không có kiến nghị.")]
    blocks.append(Block("section", f"2. Kiến nghị thuộc thẩm quyền địa phương ({len(province) + len(commune)} "
                                   "kiến nghị)"))
    blocks.append(Block("subsection", f"2.1. Thuộc thẩm quyền cấp tỉnh ({len(province)} kiến nghị)"))
    blocks += listing(province) or [Block("paragraph", "Không có kiến nghị.")]
    blocks.append(Block("subsection", f"2.2. Thuộc thẩm quyền cấp xã ({len(commune)} kiến nghị)"))
    blocks += listing(commune) or [Block("paragraph", "Không có kiến nghị.")]
    if grouped[""]:
        blocks.append(Block("section", f"3. Kiến nghị chưa xác định thẩm quyền ({len(grouped[''])} kiến nghị)"))
        blocks += listing(grouped[""])
    blocks.append(Block("paragraph", f"Trên đây là báo cáo tổng hợp ý kiến, kiến nghị cử tri {label} của "
                                     f"Thường trực HĐND {level_word(council)}."))

    counts = Sheet("Số liệu", ["STT", "Nội dung", "Số lượng", "Tỷ lệ"], [
        [None, "Số hội nghị đã tổ chức", meetings["held"], None],
        [None, "Số lượt cử tri tham dự", voters or 0, None],
        [None, "Số ý kiến, kiến nghị đã tiếp nhận", totals["received"], None],
        [None, "Số kiến nghị trùng lặp đã hợp nhất", totals["merged"], None],
        [None, "Số kiến nghị sau tổng hợp", total, None],
        *_sheet_table("Theo lĩnh vực", count_rows(by_field, total, field_labels, with_total=False), total),
        *_sheet_table("Theo thẩm quyền", count_rows(by_level, total, level_labels), total),
        *_sheet_table("Theo Tổ đại biểu", count_rows(by_group, total, group_labels), total),
    ], [8, 50, 14, 12], [INTEGER, LONG, INTEGER, PERCENT])
    petitions = Sheet("Kiến nghị", ["STT", "Mã", "Tổ đại biểu", "Xã/phường", "Lĩnh vực", "Thẩm quyền",
                                    "Cơ quan giải quyết", "Tóm tắt", "Nội dung", "Số cử tri", "Số hội nghị",
                                    "Trạng thái"], sheet_rows,
                      [6, 16, 22, 18, 22, 12, 30, 40, 60, 10, 10, 14],
                      [INTEGER, TEXT, TEXT, TEXT, TEXT, TEXT, TEXT, LONG, LONG, INTEGER, INTEGER, TEXT])
    return Built(base_document(report, subject, blocks, preamble), [petitions, counts], total)


def _sheet_table(title, rows, total):
    """A count table in the "Số liệu" sheet: a title row, then its rows with the counts and their
    share of `total` as numbers (the share a ratio, shown "26.1%" by the sheet's format)."""
    out = [["", title, None, None]]
    for stt, label, count, _share_text in rows:
        out.append([int(stt) if stt else None, label, int(count), int(count) / total if total else 0])
    return out


# ------------------------------------------------------------------------------- results report

def results_scope(report):
    """The forwarded main petitions a results report covers.

    For a round: every petition of that round that was forwarded. For a sitting: the petitions
    forwarded before the sitting opens, since the previous sitting of the council opened, plus those
    forwarded earlier that are not closed yet (still waiting, or answered and not reviewed), so that
    nothing left open drops out of the next report."""
    petitions = Petition.objects.filter(council_id=report.council_id, forwarding__isnull=False).main()
    if report.round_id:
        return petitions.filter(round_id=report.round_id)
    sitting = report.sitting
    opens = _local_midnight(sitting.opens_on)
    petitions = petitions.filter(forwarding__forwarded_at__lt=opens)
    previous = (Sitting.objects.filter(council_id=report.council_id, opens_on__lt=sitting.opens_on)
                .order_by("-opens_on").first())
    if previous is not None:
        petitions = petitions.filter(Q(forwarding__forwarded_at__gte=_local_midnight(previous.opens_on))
                                     | ~Q(status=PetitionStatus.CLOSED))
    return petitions


def _local_midnight(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def outcome_of(row):
    """(outcome, the date missed or kept) of a petition row: a petition waiting for its answer
    (forwarded, or sent back) is "not answered", its date the answer date; one answered has its
    last answer's outcome, its date the promised one. Whether it is overdue is not decided here:
    the row's `is_overdue` comes from `petitions.models.overdue_q`, the one definition."""
    if row["status"] == PetitionStatus.FORWARDED or not row["last_outcome"]:
        return NOT_ANSWERED, row["answer_due_on"]
    return row["last_outcome"], row["last_promised"]


def build_results_report(report, as_of):
    """The results of the answers: counts by outcome and by agency (worst first), the overdue
    petitions listed first, then the others by outcome, each with its agency."""
    council = report.council
    scope = results_scope(report)
    latest = Answer.objects.filter(petition=OuterRef("pk")).order_by("-answered_at", "-pk")
    fields = fields_by_petition(scope)
    rows = list(scope.annotate(last_outcome=Subquery(latest.values("outcome")[:1]),
                               last_promised=Subquery(latest.values("promised_on")[:1]),
                               is_overdue=ExpressionWrapper(overdue_q(as_of), output_field=BooleanField()))
                .values("pk", "public_code", "summary", "text", "level", "status", "agency__name",
                        "forwarding__forwarded_at", "answer_due_on", "answer_text", "group__name", "commune__name",
                        "last_outcome", "last_promised", "is_overdue")
                .order_by("agency__name", "pk").iterator(chunk_size=5000))
    for row in rows:
        (row["outcome"], row["missed"]), row["overdue"] = outcome_of(row), bool(row["is_overdue"])  # NULL: no date
        row["agency"] = row["agency__name"] or "Chưa xác định"
    total = len(rows)
    by_outcome = Counter(row["outcome"] for row in rows)
    overdue_rows = sorted((row for row in rows if row["overdue"]), key=lambda r: (r["missed"], r["agency"], r["pk"]))
    agencies = defaultdict(Counter)
    for row in rows:
        agencies[row["agency"]]["total"] += 1
        agencies[row["agency"]][row["outcome"]] += 1
        agencies[row["agency"]]["overdue"] += row["overdue"]
    agency_order = sorted(agencies, key=lambda a: (-agencies[a]["overdue"], -agencies[a][NOT_ANSWERED], natural(a)))
    agency_rows = [[str(index), name, str(agencies[name]["total"]),
                    *(str(agencies[name][outcome]) for outcome in OUTCOME_ORDER), str(agencies[name]["overdue"])]
                   for index, name in enumerate(agency_order, start=1)]
    agency_rows.append(["", "Tổng cộng", str(total), *(str(by_outcome[o]) for o in OUTCOME_ORDER),
                        str(len(overdue_rows))])

    if report.round_id:
        label, dates = round_label(report.round)
        scope_text = f"kiến nghị cử tri {label}" + (f" ({dates})" if dates else "")
        subject = ["Kết quả giải quyết ý kiến, kiến nghị cử tri", label]
    else:
        label = sitting_label(report.sitting)
        scope_text = f"kiến nghị cử tri đã chuyển cơ quan có thẩm quyền trước {label}"
        subject = ["Kết quả giải quyết ý kiến, kiến nghị cử tri", f"trình {label}"]
    preamble = [f"Thường trực HĐND {level_word(council)} báo cáo kết quả giải quyết {scope_text}, "
                f"số liệu tính đến ngày {date(as_of)}, như sau:"]
    blocks = [
        Block("part", "I. KẾT QUẢ CHUNG"),
        Block("paragraph", f"Tổng số kiến nghị đã chuyển cơ quan có thẩm quyền giải quyết: {total}; trong đó: "
              + "; ".join(f"{OUTCOME_LABELS[o].lower()}: {by_outcome[o]}" for o in OUTCOME_ORDER)
              + f". Số kiến nghị quá hạn: {len(overdue_rows)}."),
        table("1. Theo kết quả giải quyết", ["STT", "Kết quả", "Số kiến nghị", "Tỷ lệ"],
              count_rows(by_outcome, total, [(o, OUTCOME_LABELS[o]) for o in OUTCOME_ORDER]), COUNT_WIDTHS),
        table("2. Theo cơ quan giải quyết", ["STT", "Cơ quan", "Số đã chuyển", "Đã giải quyết", "Đang giải quyết",
                                              "Giải trình", "Chưa trả lời", "Quá hạn"],
              agency_rows, [7, 30, 11, 11, 11, 10, 10, 10]),
        Block("part", "II. KIẾN NGHỊ QUÁ HẠN"),
    ]
    sheet_rows = []
    number = 0

    def listing(items):
        nonlocal number
        out = []
        for row in items:
            number += 1
            details = [f"cơ quan: {row['agency']}",
                       f"chuyển ngày {date(timezone.localdate(row['forwarding__forwarded_at']))}",
                       f"kết quả: {OUTCOME_LABELS[row['outcome']].lower()}"]
            if row["outcome"] == NOT_ANSWERED and row["answer_due_on"]:
                details.append(f"hạn trả lời {date(row['answer_due_on'])}")
            if row["outcome"] == AnswerOutcome.IN_PROGRESS and row["last_promised"]:
                details.append(f"hẹn giải quyết xong {date(row['last_promised'])}")
            if row["overdue"]:
                details.append(f"quá hạn {(as_of - row['missed']).days} ngày")
            out.append(Block("paragraph", f"{sentence(row)} ({'; '.join(details)}).", lead=f"{number}."))
            if row["outcome"] != NOT_ANSWERED and row["answer_text"]:
                out.append(Block("item", f"Trả lời: {excerpt(row['answer_text'])}"))
            names = [name for _order, name in fields[row["pk"]]]
            sheet_rows.append([number, row["public_code"] or "", row["group__name"] or "", row["commune__name"] or "",
                               LIST_SEPARATOR.join(names), LEVEL_LABELS.get(row["level"], ""), row["agency"],
                               row["summary"], row["text"],
                               timezone.localdate(row["forwarding__forwarded_at"]),
                               row["answer_due_on"], OUTCOME_LABELS[row["outcome"]],
                               row["last_promised"], "Có" if row["overdue"] else "",
                               (as_of - row["missed"]).days if row["overdue"] else None, row["answer_text"]])
        return out

    blocks += listing(overdue_rows) or [Block("paragraph", "Không có kiến nghị quá hạn.")]
    blocks.append(Block("part", "III. KẾT QUẢ GIẢI QUYẾT CÁC KIẾN NGHỊ KHÁC"))
    rest = [row for row in rows if not row["overdue"]]
    for index, outcome in enumerate(OUTCOME_ORDER, start=1):
        items = [row for row in rest if row["outcome"] == outcome]
        heading = OUTCOME_LABELS[outcome] + (", chưa đến hạn" if outcome == NOT_ANSWERED else "")
        blocks.append(Block("section", f"{index}. {heading} ({len(items)} kiến nghị)"))
        blocks += listing(items) or [Block("paragraph", "Không có kiến nghị.")]
    blocks.append(Block("paragraph", f"Trên đây là báo cáo kết quả giải quyết {scope_text} của Thường trực HĐND "
                                     f"{level_word(council)}."))

    counts = Sheet("Số liệu", ["STT", "Nội dung", "Đã chuyển", *(OUTCOME_LABELS[o] for o in OUTCOME_ORDER),
                                "Quá hạn"],
                   [[int(r[0]) if r[0] else None, r[1], *(int(c) for c in r[2:])] for r in agency_rows],
                   [6, 40, 12, 14, 14, 14, 14, 10], [INTEGER, LONG, *[INTEGER] * 6])
    petitions = Sheet("Kiến nghị", ["STT", "Mã", "Tổ đại biểu", "Xã/phường", "Lĩnh vực", "Thẩm quyền",
                                    "Cơ quan giải quyết", "Tóm tắt", "Nội dung", "Ngày chuyển", "Hạn trả lời",
                                    "Kết quả", "Ngày hẹn giải quyết", "Quá hạn", "Số ngày quá hạn", "Trả lời"],
                      sheet_rows, [6, 16, 22, 18, 22, 12, 30, 40, 60, 12, 12, 20, 14, 8, 10, 60],
                      [INTEGER, TEXT, TEXT, TEXT, TEXT, TEXT, TEXT, LONG, LONG, DATE, DATE, TEXT, DATE, TEXT,
                       INTEGER, LONG])
    return Built(base_document(report, subject, blocks, preamble), [petitions, counts], total)


def report_build(report, as_of=None):
    as_of = as_of or report.issued_on or timezone.localdate()
    if report.kind == ReportKind.ROUND:
        return build_round_report(report)
    return build_results_report(report, as_of)
