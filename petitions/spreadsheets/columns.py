"""The petitions sheet's columns and cell words, shared by the export and the import: the column
headers and widths, the level and status labels and the words a cell may use for them, the list
and voter separators, the summary's length limit, how the importer reads each column, and a
round's label in a cell.

The headers and the words are a data format shared with the offices' and groups' own sheets, so
they stay in Vietnamese whatever the interface language."""
from delegations.models import AgencyLevel
from delegations.spreadsheets import DATE
from delegations.text import fold
from delegations.uploads import CONTENT_TYPES

from ..models import Petition, PetitionStatus

XLSX_CONTENT_TYPE = CONTENT_TYPES["xlsx"]

PETITION_COLUMNS = {
    "code": "Mã",
    "received_on": "Ngày nhận",
    "round": "Đợt TXCT",
    "group": "Tổ đại biểu",
    "commune": "Xã/phường",
    "text": "Nội dung",
    "summary": "Tóm tắt",
    "fields": "Lĩnh vực",
    "level": "Thẩm quyền",
    "agency": "Cơ quan trả lời",
    "status": "Trạng thái",
    "voters": "Cử tri",
    "answer_due_on": "Hạn trả lời",
}
COLUMN_WIDTHS = {"code": 16, "received_on": 12, "round": 24, "group": 22, "commune": 18, "text": 60,
                 "summary": 40, "fields": 22, "level": 12, "agency": 30, "status": 14, "voters": 40,
                 "answer_due_on": 12}

LEVEL_LABELS = {AgencyLevel.COMMUNE: "Xã", AgencyLevel.PROVINCE: "Tỉnh", AgencyLevel.CENTRAL: "Trung ương"}
STATUS_LABELS = {
    PetitionStatus.RECEIVED: "Đã tiếp nhận",
    PetitionStatus.CLASSIFIED: "Đã phân loại",
    PetitionStatus.FORWARDED: "Đã chuyển",
    PetitionStatus.ANSWERED: "Đã trả lời",
    PetitionStatus.CLOSED: "Đã đóng",
}
# What a cell may say, accent-folded: the Vietnamese label, "cấp …" for a level, or the stored value.
LEVEL_VALUES = {
    **{fold(label): value for value, label in LEVEL_LABELS.items()},
    **{fold(f"cấp {label}"): value for value, label in LEVEL_LABELS.items()},
    **{value: value for value in AgencyLevel.values},
}
STATUS_VALUES = {
    **{fold(label): value for value, label in STATUS_LABELS.items()},
    **{value: value for value in PetitionStatus.values},
}
LIST_SEPARATOR = "; "
VOTER_SEPARATOR = " – "
SUMMARY_MAX = Petition._meta.get_field("summary").max_length
# How the importer reads the columns (delegations.spreadsheets.read_sheet): dates as dates, the rest as text.
PETITION_KINDS = {"received_on": DATE, "answer_due_on": DATE}


def round_label(round):
    """A round in the sheet: its dates, the same in every interface language."""
    return f"{round.starts_on:%d/%m/%Y} – {round.ends_on:%d/%m/%Y}"
